"""Reads of 村务公开: the public lists, an item with its versions and its thread, what
staff and inspectors see, and the calendar's missing periods.

Everything published is public (村务公开 is for everyone, no login); the staff console
shows the regions the reader publishes for or inspects. ``missing`` is what the
inspectors' summary and the staff's to-do line call.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from jifen.disclosure.models import Category, Disclosure, Frequency, Schedule
from jifen.disclosure.services import AT_ONCE_DAYS, sealed_content
from jifen.lib import workdays
from jifen.lib.bounds import MAX_ID
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.witness.models import Kind as WitnessKind
from jifen.witness.selectors import witness_region, witnessed

HISTORY_YEARS = 10  # the calendar looks back this far at most


# --- Public ---------------------------------------------------------------------------------


def public_items(region: Region | None = None, category: str = "") -> QuerySet[Disclosure]:
    """Current versions, newest first, of ``region`` and everything below it."""
    rows = Disclosure.objects.filter(is_current=True)
    if region is not None:
        rows = rows.filter(region__path__startswith=region.path)
    if category:
        rows = rows.filter(category=category)
    return rows.select_related("region", "series").order_by("-published_at", "-id")


def public_item(pk: int) -> Disclosure | None:
    """Any version, current or superseded: an old one stays readable."""
    if not isinstance(pk, int) or not 1 <= pk <= MAX_ID:
        return None
    return (
        Disclosure.objects.select_related("region", "series", "superseded_by")
        .prefetch_related("attachments")
        .filter(pk=pk)
        .first()
    )


def views_of(item: Disclosure, *, fresh: bool = False) -> int:
    """Readers of the item, all its versions together (counted on the first); ``fresh``
    reads the count again (a page that has just counted its own reader)."""
    first = item.series_id or item.pk
    if fresh:
        views = Disclosure.objects.filter(pk=first).values_list("views", flat=True).first()
        return views or 0
    return item.series.views if item.series is not None else item.views


def current_of(item: Disclosure) -> Disclosure:
    if item.is_current:
        return item
    return Disclosure.objects.filter(series_id=item.series_id, is_current=True).first() or item


def versions(item: Disclosure) -> list[Disclosure]:
    return list(Disclosure.objects.filter(series_id=item.series_id).order_by("version"))


def thread(item: Disclosure) -> list[Disclosure]:
    """The current version of every item of the item's thread, in the order each was first
    published (a lease notice, its bids, the contract, the receipts): a correction keeps its
    item's place. One item alone: []."""
    rows = list(
        Disclosure.objects.filter(thread_id=item.thread_id, is_current=True)
        .select_related("region")
        .order_by("series__published_at", "series_id")[:200]
    )
    return rows if len(rows) > 1 else []


def regions_with_items() -> QuerySet[Region]:
    """The regions that have published something, for the public index."""
    return (
        Region.objects.filter(pk__in=Disclosure.objects.filter(is_current=True).values("region"))
        .select_related("parent")
        .order_by("path")
    )


def is_late(item: Disclosure) -> bool:
    """A decision published later than ``AT_ONCE_DAYS`` working days after it was made."""
    if item.decided_on is None:
        return False
    due = workdays.add_working_days(item.decided_on, AT_ONCE_DAYS)
    return timezone.localtime(item.published_at).date() > due


def at_once_due(decided_on: date) -> date:
    return workdays.add_working_days(decided_on, AT_ONCE_DAYS)


# --- Staff and inspectors ------------------------------------------------------------------------


def reader_q(person: Person, field: str = "region") -> Q:
    """The regions whose disclosures a person works on: those they publish for or inspect."""
    return authz.regions_q(person, authz.PUBLISH_DISCLOSURES, field) | authz.regions_q(
        person, authz.INSPECT, field
    )


def can_read_console(person: Person) -> bool:
    return authz.can(person, authz.PUBLISH_DISCLOSURES) or authz.can(person, authz.INSPECT)


def for_staff(
    person: Person,
    *,
    region: Region | None = None,
    category: str = "",
    text: str = "",
    superseded: bool = False,
) -> QuerySet[Disclosure]:
    rows = Disclosure.objects.filter(reader_q(person))
    if not superseded:
        rows = rows.filter(is_current=True)
    if region is not None:
        rows = rows.filter(region__path__startswith=region.path)
    if category:
        rows = rows.filter(category=category)
    if text:
        rows = rows.filter(Q(title__contains=text) | Q(body__contains=text))
    return rows.select_related("region", "series", "published_by").order_by("-published_at", "-id")


def schedules(regions: Q | Iterable[Region]) -> QuerySet[Schedule]:
    return Schedule.objects.filter(region__in=_regions(regions)).select_related("region")


# --- The calendar -------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """A period of a region's calendar whose disclosure is past due and not published."""

    region: Region = field(compare=False)
    category: str
    period: str  # "2026-11", "2026Q4" or "2026"
    due_on: date
    region_id: int = 0

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


def _regions(regions: Q | Iterable[Region]) -> QuerySet[Region]:
    if isinstance(regions, Q):
        return Region.objects.filter(regions)
    return Region.objects.filter(pk__in=[r.pk for r in regions])


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def periods(schedule: Schedule, as_of: date) -> Iterator[tuple[str, date]]:
    """(period, due day) of every period from the one holding ``starts_on`` whose due
    day is before ``as_of`` (the due day itself still counts as on time)."""
    start = max(schedule.starts_on, date(as_of.year - HISTORY_YEARS, 1, 1))
    day = schedule.due_day
    if schedule.frequency == Frequency.MONTHLY:
        year, month = start.year, start.month
        while True:
            due = date(*_month_after(year, month), day)
            if due >= as_of:
                return
            yield f"{year:04d}-{month:02d}", due
            year, month = _month_after(year, month)
    elif schedule.frequency == Frequency.QUARTERLY:
        year, quarter = start.year, (start.month - 1) // 3 + 1
        while True:
            due = date(*_month_after(year, quarter * 3), day)
            if due >= as_of:
                return
            yield f"{year:04d}Q{quarter}", due
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    else:
        year = start.year
        while True:
            due = date(year + 1, 1, day)
            if due >= as_of:
                return
            yield f"{year:04d}", due
            year += 1


def missing(regions: Q | Iterable[Region], as_of: date) -> list[Missing]:
    """Every period past due with nothing published for it, oldest due first.

    ``regions``: a filter on the Region table (``authz.regions_q(person, action)``) or a
    list of regions; each region's own calendar counts (not those below it). A period
    counts as published when an item of its region and category names it, whichever
    version is current. Two queries, whatever the number of regions."""
    lines = list(schedules(regions))
    if not lines:
        return []
    wanted: dict[tuple[int, str], list[tuple[str, date]]] = {}
    labels: set[str] = set()
    for line in lines:
        due_periods = list(periods(line, as_of))
        wanted[(line.region_id, line.category)] = due_periods
        labels.update(label for label, _due in due_periods)
    done = set(
        Disclosure.objects.filter(
            region_id__in={line.region_id for line in lines}, period__in=labels
        ).values_list("region_id", "category", "period")
    )
    out = []
    for line in lines:
        for label, due in wanted[(line.region_id, line.category)]:
            if (line.region_id, line.category, label) not in done:
                out.append(Missing(line.region, line.category, label, due, line.region_id))
    out.sort(key=lambda m: (m.due_on, m.region.path, m.category))
    return out


def missing_for(person: Person, as_of: date | None = None) -> list[Missing]:
    """The overdue disclosures of the regions a person publishes for."""
    as_of = as_of or timezone.localdate()
    return missing(authz.regions_q(person, authz.PUBLISH_DISCLOSURES), as_of)


def missing_count(person: Person) -> int:
    """For the staff's to-do line: overdue disclosures of their regions."""
    if not authz.can(person, authz.PUBLISH_DISCLOSURES):
        return 0
    return len(missing_for(person))


def missing_todo(person: Person) -> tuple[int, datetime | None]:
    """(count, when the oldest fell due) for the inbox's line."""
    if not authz.can(person, authz.PUBLISH_DISCLOSURES):
        return 0, None
    found = missing_for(person)
    if not found:
        return 0, None
    oldest = min(m.due_on for m in found) + timedelta(days=1)
    return len(found), timezone.make_aware(datetime.combine(oldest, time.min))


# --- The seal ----------------------------------------------------------------------------------


def seal_status(item: Disclosure) -> dict[str, Any] | None:
    """What the public page and the API say of an item's seal: the seal and what it
    chains to, whether the checkpoint above holds it, and whether the content as stored
    now still gives the sealed root. None for an item published before sealing began."""
    if not item.seal:
        return None
    root = hashlib.sha256(sealed_content(item)).hexdigest()
    region = witness_region(item.region)
    return {
        "seal": item.seal,
        "previous_seal": item.previous_seal,
        "root": item.content_root,
        "count": item.attachments.count(),
        "content_matches": root == item.content_root,
        "witnessed": witnessed(
            item.region,
            WitnessKind.DISCLOSURE,
            timezone.localtime(item.published_at).strftime("%Y-%m"),
            subject=str(item.pk),
            seal=item.seal,
        ),
        "checkpoint": region.code if region else "",
    }
