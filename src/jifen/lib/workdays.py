"""China's official working days, for deadlines: holidays off, 调休 make-up days on.

The State Council publishes each year's holidays and the weekend days worked in their
place (调休) late in the year before; ``chinesecalendar`` carries them some weeks later.
Until it does, an administrator enters the new year's days (``CalendarDay``, also to
correct a day for a place that worked differently), and the console warns when next
year is known to neither (``missing_year``). A day no one knows is a working day from
Monday to Friday. Requests, incidents and messages all count with this one calendar.

Deadlines: N working days after a day end at 23:59:59 (``JIFEN_TIME_ZONE``) of the Nth
working day after it — accepted on Tuesday 2026-09-29 with 3 working days, the deadline
is Friday 2026-10-09 (国庆 off); accepted on Friday 2026-10-09 with 1, it is the make-up
Saturday 2026-10-10.
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.lib.errors import InvalidInput, PermissionDenied
from jifen.lib.models import CalendarDay

MAX_DAYS = 3660  # ten years of counting is a bug, not a deadline
Overrides = Mapping[date, bool]


def published(day: date) -> bool:
    """Whether the calendar package knows ``day``'s year from the published schedule."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def overrides(start: date, end: date) -> dict[date, bool]:
    """The administrators' corrections between two days (one query)."""
    return dict(
        CalendarDay.objects.filter(day__range=(start, end)).values_list("day", "is_working")
    )


def is_working_day(day: date, corrections: Overrides | None = None) -> bool:
    if corrections is None:
        corrections = overrides(day, day)
    if day in corrections:
        return corrections[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def _corrections_from(start: date, days: int) -> dict[date, bool]:
    # Generous: N working days never span more than 2N + 30 calendar days (the longest
    # run of days off, 春节 with its weekends, is under three weeks).
    return overrides(start, start + timedelta(days=2 * days + 30))


def add_working_days(start: date, days: int) -> date:
    """The Nth working day after ``start`` (``days`` = 0: ``start`` itself, or the next
    working day if it is a day off)."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"working days out of range: {days}")
    corrections = _corrections_from(start, days)
    day = start
    if days == 0:
        while not is_working_day(day, corrections):
            day += timedelta(days=1)
        return day
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, corrections):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
    if end <= start:
        return 0
    corrections = overrides(start, end)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, corrections)
    return count


def deadline(start: datetime, *, days: int = 0, hours: int = 0) -> datetime:
    """When something started at ``start`` is due: ``hours`` after it for an urgent
    matter, else the end (23:59:59, local) of the ``days``-th working day after its day."""
    if hours:
        return start + timedelta(hours=hours)
    day = add_working_days(timezone.localtime(start).date(), days)
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def missing_year(today: date | None = None) -> int | None:
    """Next year, when neither the package nor an administrator knows its holidays yet
    (from November on, when the schedule is usually out); None otherwise."""
    today = today or timezone.localdate()
    if today.month < 11:
        return None
    year = today.year + 1
    if published(date(year, 1, 1)):
        return None
    if CalendarDay.objects.filter(day__year=year).exists():
        return None
    return year


@transaction.atomic
def set_day(*, actor: Any, day: date, is_working: bool | None, note: str = "") -> None:
    """An administrator marks a day worked or off (``None``: back to the package's
    word). Only an administrator over a top-level region may: the calendar is the
    country's."""
    from jifen.people import authz  # people sits beside lib; authz reads roles

    if actor is not None and not authz.is_global_admin(actor):
        raise PermissionDenied(_("Only a top-level administrator corrects the calendar."))
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise InvalidInput(_("Choose a day between 2000 and 2100."), field="day")
    note = (note or "").strip()[:100]
    existing = CalendarDay.objects.filter(day=day).first()
    before = None if existing is None else {"is_working": existing.is_working}
    if is_working is None:
        if existing is None:
            return
        record(actor=actor, action="calendar.day", target=existing, before=before, after=None)
        existing.delete()
        return
    target, _created = CalendarDay.objects.update_or_create(
        day=day, defaults={"is_working": is_working, "note": note, "created_by": actor}
    )
    record(
        actor=actor,
        action="calendar.day",
        target=target,
        before=before,
        after={"day": day.isoformat(), "is_working": is_working, "note": note},
    )
