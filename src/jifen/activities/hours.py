"""The hour rules of CONTRACT.md, as pure functions (tested at their boundaries).

- Hours = check-out minus check-in, clipped to the activity's window, rounded down to
  the half hour; under half an hour earns nothing.
- Check-in up to ``EARLY`` before the window, check-out up to ``LATE`` after it are
  accepted (and clipped); further outside is refused.
"""

from datetime import datetime, timedelta
from decimal import Decimal

EARLY = timedelta(minutes=30)
LATE = timedelta(minutes=60)
HALF_HOUR = timedelta(minutes=30)


def served(checkin: datetime, checkout: datetime, starts: datetime, ends: datetime) -> timedelta:
    """Time served inside the window (zero when the attendance misses it)."""
    start, end = max(checkin, starts), min(checkout, ends)
    return max(end - start, timedelta(0))


def hours(checkin: datetime, checkout: datetime, starts: datetime, ends: datetime) -> Decimal:
    """Served time in hours, rounded down to the half hour (0, 0.5, 1, 1.5 …)."""
    halves = served(checkin, checkout, starts, ends) // HALF_HOUR
    return Decimal(halves) / 2


def covers(
    checkin: datetime,
    checkout: datetime,
    starts: datetime,
    ends: datetime,
    min_share: int,
) -> bool:
    """Does the attendance cover at least ``min_share`` % of the window? (0: always.)"""
    if not min_share:
        return True
    return served(checkin, checkout, starts, ends) * 100 >= (ends - starts) * min_share


def checkin_allowed(at: datetime, starts: datetime, ends: datetime) -> bool:
    return starts - EARLY <= at <= ends


def checkout_allowed(at: datetime, starts: datetime, ends: datetime) -> bool:
    return starts - EARLY <= at <= ends + LATE
