"""The activity's rotating QR code: a signed token for one 30-second period.

A token is ``<period>.<mac>`` where period = floor(unix time / 30) and mac is an
HMAC-SHA256 of the activity id and period under the server's secret key and the
activity's own secret, cut to 20 characters. The current and the previous period
are accepted (a volunteer who scanned just before it turned is not refused); a
photo forwarded to someone at home is stale within a minute; a token cannot be
made without the server's keys.
"""

import hashlib
import hmac
import time
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

PERIOD = 30
ACCEPTED_PERIODS = 2


def _mac(activity_id: int, secret: str, period: int) -> str:
    key = hashlib.sha256(f"{settings.SECRET_KEY}:activity-qr:{secret}".encode()).digest()
    message = f"{activity_id}:{period}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def current_period(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // PERIOD)


def make(activity_id: int, secret: str, now: float | None = None) -> str:
    period = current_period(now)
    return f"{period}.{_mac(activity_id, secret, period)}"


def seconds_left(now: float | None = None) -> int:
    now = time.time() if now is None else now
    return PERIOD - int(now % PERIOD)


def check(activity_id: int, secret: str, token: str, now: float | None = None) -> str:
    """'ok', 'expired' (well-formed and signed, but stale) or 'invalid'."""
    period_text, _dot, mac = (token or "").strip().partition(".")
    if not period_text.isdigit() or len(mac) != 20:
        return "invalid"
    period = int(period_text)
    if not hmac.compare_digest(mac, _mac(activity_id, secret, period)):
        return "invalid"
    age = current_period(now) - period
    if 0 <= age < ACCEPTED_PERIODS:
        return "ok"
    return "expired"


def checkin_path(activity_id: int, token: str) -> str:
    """The page the QR code opens (the code encodes its absolute URL)."""
    path = reverse("activities:checkin", args=[activity_id])
    return f"{path}?{urlencode({'t': token})}"
