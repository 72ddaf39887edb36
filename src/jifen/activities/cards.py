"""The volunteer's card (一卡通): a QR code the organiser scans to check them in.

The code is ``JF1:<volunteer number>:<signature>``; the signature (an HMAC under the
server's key, 12 characters) means a card cannot be made up from a volunteer number
alone. A card is printed once and used for years, so it carries no time.
"""

import hashlib
import hmac

from django.conf import settings

from jifen.people.models import Person

PREFIX = "JF1"


def _signature(volunteer_no: str) -> str:
    key = hashlib.sha256(f"{settings.SECRET_KEY}:volunteer-card".encode()).digest()
    return hmac.new(key, volunteer_no.encode(), hashlib.sha256).hexdigest()[:12]


def card_code(person: Person) -> str:
    number = person.volunteer_no or ""
    return f"{PREFIX}:{number}:{_signature(number)}"


def person_from_card(code: str) -> Person | None:
    """The active person whose card this is, or None for anything else."""
    prefix, _sep, rest = (code or "").strip().partition(":")
    number, _sep, signature = rest.partition(":")
    if prefix != PREFIX or not number or not hmac.compare_digest(signature, _signature(number)):
        return None
    return Person.objects.filter(volunteer_no=number, is_active=True).first()
