"""Checks of personal details at the edge, with messages a community worker can act on."""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput

# ASCII digits only: ``\d`` alone also takes ０–９ and other scripts' digits, and a phone
# or ID number written with them would be "not taken" beside the same one in ASCII.
PHONE_RE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
ID_RE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
NAME_MAX = 50


def clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise InvalidInput(_("Please enter the name."), code="invalid_name", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            _("A name may have at most %(max)s characters."),
            code="invalid_name",
            field="name",
            params={"max": NAME_MAX},
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput(
            _("The name contains characters that cannot be printed."),
            code="invalid_name",
            field="name",
        )
    return name


def clean_title(title: str, max_length: int = 100) -> str:
    """The name of a team, organisation or merchant."""
    title = unicodedata.normalize("NFC", title or "").strip()
    if not title or len(title) > max_length:
        raise InvalidInput(
            _("Please enter a name of 1 to %(max)s characters."),
            code="invalid_name",
            field="name",
            params={"max": max_length},
        )
    return title


def normalize_phone(phone: str) -> str:
    """The phone as stored: full-width characters as their ASCII (a Chinese keyboard
    types １３８ and ＋86), no spaces or dashes, no +86; not yet checked."""
    phone = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", phone or ""))
    return phone[3:] if phone.startswith("+86") else phone


def clean_phone(phone: str) -> str:
    phone = normalize_phone(phone)
    if not PHONE_RE.fullmatch(phone):
        raise InvalidInput(
            _("Please enter an 11-digit mainland mobile number, e.g. 13812345678."),
            code="invalid_phone",
            field="phone",
        )
    return phone


def clean_id_number(id_number: str) -> str:
    """An 18-character resident ID with a valid check character (GB 11643)."""
    id_number = unicodedata.normalize("NFKC", id_number or "").strip().upper()
    valid = bool(ID_RE.fullmatch(id_number)) and (
        ID_CHECK[sum(int(d) * w for d, w in zip(id_number[:17], ID_WEIGHTS, strict=True)) % 11]
        == id_number[17]
    )
    if not valid:
        raise InvalidInput(
            _("The ID number is not a valid 18-character resident ID number."),
            code="invalid_id_number",
            field="id_number",
        )
    return id_number


def keyed_digest(value: str, purpose: str) -> str:
    """A keyed hash: finds duplicates without keeping the value itself."""
    key = f"{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def luhn_digit(number: str) -> str:
    """The Luhn check digit, so a volunteer number mistyped from paper is caught."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)
