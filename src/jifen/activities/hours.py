"""The hour rules of CONTRACT.md, as pure functions (tested at their boundaries).

- Hours = check-out minus check-in, clipped to the activity's window, rounded down to
  the half hour; under half an hour earns nothing.
- Time served beyond a day is split into one claim per calendar day (``daily``).
- Check-in up to ``EARLY`` before the window, check-out up to ``LATE`` after it are
  accepted (and clipped); further outside is refused.
"""

from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

EARLY = timedelta(minutes=30)
LATE = timedelta(minutes=60)
HALF_HOUR = timedelta(minutes=30)
DAY = timedelta(hours=24)


def served(checkin: datetime, checkout: datetime, starts: datetime, ends: datetime) -> timedelta:
    """Time served inside the window (zero when the attendance misses it)."""
    start, end = max(checkin, starts), min(checkout, ends)
    return max(end - start, timedelta(0))


def hours(checkin: datetime, checkout: datetime, starts: datetime, ends: datetime) -> Decimal:
    """Served time in hours, rounded down to the half hour (0, 0.5, 1, 1.5 …)."""
    halves = served(checkin, checkout, starts, ends) // HALF_HOUR
    return Decimal(halves) / 2


def daily(
    checkin: datetime, checkout: datetime, starts: datetime, ends: datetime, zone: tzinfo
) -> list[tuple[date, Decimal]]:
    """(day, hours) of the service, in the local time of ``zone``: one entry, on the day
    service began, when the time served is at most a day (a night shift across midnight
    is one claim); otherwise one per calendar day, split at local midnight. The running
    total is what is rounded, so the days add up to ``hours(...)`` exactly. Days that
    round to nothing are left out."""
    start, end = max(checkin, starts), min(checkout, ends)
    if end <= start:
        return []
    first = start.astimezone(zone).date()
    if end - start <= DAY:
        whole = hours(checkin, checkout, starts, ends)
        return [(first, whole)] if whole > 0 else []
    result: list[tuple[date, Decimal]] = []
    counted = Decimal(0)
    day = first
    while True:
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        upto = min(midnight, end)
        total = Decimal((upto - start) // HALF_HOUR) / 2
        if total > counted:
            result.append((day, total - counted))
            counted = total
        if upto >= end:
            return result
        day += timedelta(days=1)


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
