"""The volunteer's card (一卡通): a QR code the organiser scans to check them in, and the
code printed under it for whoever has no camera to type.

The QR holds ``JF1:<volunteer number>:<signature>``; the signature (an HMAC under the
server's key, 12 characters) means a card cannot be made up from a volunteer number
alone. The printed code is the volunteer number and eight characters of the same kind
of signature in the pickup codes' alphabet (no 0/O, 1/I/L), grouped by four:
``100000123 K7QM 2XD9``. A card is printed once and used for years, so it carries no
time. A merchant takes points with it only because the resident hands the card over:
the printed code is a proof of presence as the QR is (see docs/shop.md).
"""

import hashlib
import hmac

from django.conf import settings

from jifen.people.models import Person

PREFIX = "JF1"
# The pickup codes' alphabet: easy to read aloud and to type, no look-alikes.
TYPED_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TYPED_LENGTH = 8  # 31⁸ ≈ 8.5 × 10¹¹ signatures for one volunteer number


def _key() -> bytes:
    return hashlib.sha256(f"{settings.SECRET_KEY}:volunteer-card".encode()).digest()


def _signature(volunteer_no: str) -> str:
    return hmac.new(_key(), volunteer_no.encode(), hashlib.sha256).hexdigest()[:12]


def _typed_signature(volunteer_no: str) -> str:
    # Its own message, so the printed characters tell nothing of the QR's signature.
    digest = hmac.new(_key(), f"typed:{volunteer_no}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(TYPED_LENGTH):
        number, index = divmod(number, len(TYPED_ALPHABET))
        chars.append(TYPED_ALPHABET[index])
    return "".join(chars)


def card_code(person: Person) -> str:
    number = person.volunteer_no or ""
    return f"{PREFIX}:{number}:{_signature(number)}"


def typed_code(person: Person) -> str:
    """What the card prints under its QR: ``<volunteer number> XXXX XXXX``."""
    number = person.volunteer_no or ""
    signature = _typed_signature(number)
    return f"{number} {signature[:4]} {signature[4:]}"


def squeeze(text: str) -> str:
    """What was typed, without spaces, dashes or dots, in capitals."""
    return "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())


def is_volunteer_no(text: str) -> bool:
    """A volunteer number alone (its digits only): never enough to name a card holder."""
    squeezed = squeeze(text)
    return squeezed.isdigit() and 9 <= len(squeezed) <= 15


def looks_typed(text: str) -> bool:
    """Shaped like a printed card code: digits, then eight of the alphabet."""
    squeezed = squeeze(text)
    number, signature = squeezed[:-TYPED_LENGTH], squeezed[-TYPED_LENGTH:]
    return (
        9 <= len(number) <= 16
        and number.isdigit()
        and all(ch in TYPED_ALPHABET for ch in signature)
    )  # at least 17 characters: never a 16-digit pay code or an 8-character pickup code


def looks_like_card(text: str) -> bool:
    """A scanned QR (``JF1:``) or a typed card code, to be read by ``person_from_card``."""
    return (text or "").strip().upper().startswith(f"{PREFIX}:") or looks_typed(text)


def _number_of(code: str) -> str | None:
    """The volunteer number a scanned or typed card code proves, or None."""
    text = (code or "").strip()
    prefix, _sep, rest = text.partition(":")
    if prefix.upper() == PREFIX:
        number, _sep, signature = rest.partition(":")
        if number and hmac.compare_digest(signature.lower(), _signature(number)):
            return number
        return None
    squeezed = squeeze(text)
    number, signature = squeezed[:-TYPED_LENGTH], squeezed[-TYPED_LENGTH:]
    if number.isdigit() and hmac.compare_digest(signature, _typed_signature(number)):
        return number
    return None


def person_from_card(code: str) -> Person | None:
    """The active person whose card this is (its QR, or the code printed under it), or
    None for anything else — a volunteer number alone included."""
    number = _number_of(code)
    if number is None:
        return None
    return Person.objects.filter(volunteer_no=number, is_active=True).first()
