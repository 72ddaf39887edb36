"""The hour rules of CONTRACT.md, as pure functions (tested at their boundaries), and
the verified service hours that every count of hours reads (at the end).

- Hours = check-out minus check-in, clipped to the activity's window, rounded down to
  the half hour; under half an hour earns nothing.
- Time served beyond a day is split into one claim per calendar day (``daily``).
- Check-in up to ``EARLY`` before the window, check-out up to ``LATE`` after it are
  accepted (and clipped); further outside is refused.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from jifen.activities.models import Attendance
from jifen.claims.models import Claim, Source, Status
from jifen.points.models import Unit

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


# --- Verified service hours -----------------------------------------------------------------
# The one count of hours that certificates, the annual selection, its Excel files and the
# star levels read (docs/certificates.md, "Verified service hours"). Hours are served, then
# checked: an hour counts once a review group approved the claim it is in.
#
# - An approved claim on an item counted by the hour: its quantity (hours, as corrected by
#   an upheld appeal).
# - An approved claim that an activity's attendance made, on an item counted by the time:
#   the hours that attendance served that day (the rules above), so a 3-hour activity
#   counted as one service is still 3 hours of service.
# - Any other claim counted by the time (a home visit) is a service without hours.
# Pending, rejected and revoked claims count nothing; an organisation's points are the
# organisation's, not a member's service.


def verified_claims() -> QuerySet[Claim]:
    """Approved service of a person (not an organisation's points)."""
    return Claim.objects.filter(status=Status.APPROVED, organization__isnull=True)


def _attendance_days(ids: set[int]) -> dict[int, dict[date, Decimal]]:
    """Hours served by day for each attendance (as ``daily`` splits them when the activity
    closes into claims)."""
    zone = timezone.get_current_timezone()
    found: dict[int, dict[date, Decimal]] = {}
    ordered = sorted(ids)
    for at in range(0, len(ordered), 1000):
        rows = Attendance.objects.filter(
            pk__in=ordered[at : at + 1000], checkout_at__isnull=False
        ).values_list("pk", "checkin_at", "checkout_at", "activity__starts_at", "activity__ends_at")
        for pk, checkin, checkout, starts, ends in rows:
            if checkout is not None:  # (filtered above; for the type checker)
                found[pk] = dict(daily(checkin, checkout, starts, ends, zone))
    return found


def verified_hours(claims: QuerySet[Claim], *by: str) -> dict[tuple[Any, ...], Decimal]:
    """Verified hours of ``claims`` (only the approved ones of people count), summed by the
    claim fields or annotations ``by`` (e.g. ``"person"``, ``"rule_version__item"``): a key
    for each group with hours, its tuple of those values. Two queries, whatever the number
    of claims, and a third for the attendances behind activity services counted by the
    time."""
    if not by:
        raise ValueError("name at least one field to sum the hours by")
    approved = claims.filter(status=Status.APPROVED, organization__isnull=True)
    by_hour = Q(rule_version__unit=Unit.HOUR)
    totals: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    counted = approved.filter(by_hour).values_list(*by).annotate(hours=Sum("quantity"))
    for *key, hours in counted.order_by():
        if hours:
            totals[tuple(key)] += hours
    attended = (
        approved.exclude(by_hour)
        .filter(source=Source.ACTIVITY, source_id__isnull=False)
        .values_list(*by, "source_id", "occurred_on")
        .order_by()
    )
    rows = list(attended)
    if rows:
        served = _attendance_days({row[-2] for row in rows})
        for *key, attendance, day in rows:
            hours = served.get(attendance, {}).get(day)
            if hours:
                totals[tuple(key)] += hours
    return dict(totals)
