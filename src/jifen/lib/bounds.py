"""The bounds every input is held to (CONTRACT, "Wave 2: hardening rules").

One place for each number, read by the API's input types (``api/fields.py``), the
services (which the pages and the command line share) and the database's CHECKs
(points migration 0008), so that no edge lets through what another refuses.

Why these numbers (docs/ledger.md, "Bounds"): a signed 64-bit SUM holds 2^63 − 1 ≈
9.22 × 10^18. Every amount a person types is at most ``MAX_POINTS`` = 10^6; a single
transfer — an aggregate such as a merchant's monthly settlement or a balance that
expires included — is at most ``MAX_TRANSFER`` = 10^10. A SUM over transfers can then
only overflow after 9.22 × 10^18 / 10^10 ≈ 9.2 × 10^8 transfers all at the bound,
and a SUM of typed amounts after 9.2 × 10^12 of them: far beyond any county's ledger.
"""

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput

# Any points amount a person types: an adjustment, an item's price, a rule's points, a bonus.
MAX_POINTS = 1_000_000
# One transfer of the ledger (a database CHECK): room for aggregates of typed amounts
# (a redemption of 99 at the largest price is 9.9 × 10^7) far below a SUM's overflow.
MAX_TRANSFER = 10_000_000_000

# Paging of every list of the API.
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000

# Ids the database can hold; beyond them nothing exists.
MAX_ID = 2**63 - 1

# Every date and month that comes in: the service's lifetime, with room on both sides.
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)


def check_points(value: object, field: str = "amount", *, allow_negative: bool = False) -> int:
    """A whole number of points within ±``MAX_POINTS`` and not zero; ``invalid_input``
    naming the field otherwise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value == 0
        or abs(value) > MAX_POINTS
        or (value < 0 and not allow_negative)
    ):
        raise InvalidInput(
            _("Points are a whole number from 1 to %(max)s.")
            if not allow_negative
            else _("Points are a whole number from -%(max)s to %(max)s, not zero."),
            code="invalid_amount",
            field=field,
            params={"max": f"{MAX_POINTS:,}"},
        )
    return value


def date_in_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return MIN_DATE <= day <= MAX_DATE


def check_date(value: date | datetime, field: str = "date") -> None:
    """Refuse a date (or the day of a datetime) outside ``MIN_DATE``..``MAX_DATE``."""
    if not date_in_range(value):
        raise InvalidInput(
            _("The date must be between %(first)s and %(last)s."),
            code="date_out_of_range",
            field=field,
            params={"first": MIN_DATE.isoformat(), "last": MAX_DATE.isoformat()},
        )
