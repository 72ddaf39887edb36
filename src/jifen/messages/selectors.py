"""Reads of residents' messages: the topic menu in force, who reads what, the queues.

Who reads a message: its author; staff and inspectors over the region it was addressed
to (``VIEW_MESSAGES``: staff of a region above read it too, so the region it went up to
after an escalation reads it); anyone, when it is public — on the public board, where
the author is masked and nothing private (phone, photos) shows.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from jifen.lib import workdays
from jifen.lib.masking import mask_id_number, mask_phone
from jifen.lib.models import CalendarDay
from jifen.lib.waiting import Waiting
from jifen.messages.models import OPEN, WAITING, Event, Message, Reply, Status, Topic
from jifen.people import authz
from jifen.people.models import Person, RoleGrant
from jifen.regions.models import Level, Region

RELATED = ("region", "handling_region", "topic", "author", "incident", "service_request")


# --- The topic menu -------------------------------------------------------------------------


def topics(region: Region, *, active_only: bool = True) -> list[Topic]:
    """The topics in force for a message to ``region``: those of the regions above it and
    its own, a lower one replacing a higher one of the same code."""
    rows = Topic.objects.filter(region__code__in=region.ancestor_codes()).select_related("region")
    chosen: dict[str, Topic] = {}
    for row in sorted(rows, key=lambda t: t.region.path.count("/")):
        chosen[row.code] = row
    found = [t for t in chosen.values() if t.active or not active_only]
    return sorted(found, key=lambda t: (t.position, t.code))


def topic(region: Region, code: Any) -> Topic | None:
    if not isinstance(code, str) or not code or len(code) > 32:
        return None
    return next((t for t in topics(region) if t.code == code), None)


def menu_owner(region: Region) -> Region:
    """Where the default menu lives: the county above ``region`` (else its root)."""
    ancestors = list(Region.objects.filter(code__in=region.ancestor_codes()))
    counties = [r for r in ancestors if r.level == Level.COUNTY]
    pool = counties or ancestors or [region]
    return min(pool, key=lambda r: r.path.count("/"))


# --- Where a person may write ----------------------------------------------------------------


def writable_regions(person: Person) -> list[Region]:
    """Their home community and the regions above it (the town, the county), nearest
    first. Nothing without a home community."""
    community = person.community
    if community is None:
        return []
    rows = Region.objects.filter(code__in=community.ancestor_codes())
    return sorted(rows, key=lambda r: -r.path.count("/"))


def may_write_to(person: Person, region: Region) -> bool:
    community = person.community
    return community is not None and community.is_within(region)


# --- Who reads what ---------------------------------------------------------------------------


def readers_q(person: Person) -> Q:
    """Messages a person reads in full: their own, and those addressed within their reach
    as staff or inspector."""
    return Q(author=person) | authz.regions_q(person, authz.VIEW_MESSAGES, "region")


def visible(person: Person) -> QuerySet[Message]:
    return Message.objects.filter(readers_q(person)).select_related(*RELATED)


def get_visible(person: Person, pk: Any) -> Message | None:
    try:
        return visible(person).filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def reads_all(person: Person, message: Message) -> bool:
    """Staff and inspectors of its region (names, history, private messages)."""
    return authz.can(person, authz.VIEW_MESSAGES, message.region)


def may_answer(person: Person | None, message: Message) -> bool:
    return authz.can(person, authz.ANSWER_MESSAGES, message.handling_region)


def mine(person: Person) -> QuerySet[Message]:
    return Message.objects.filter(author=person).select_related(*RELATED)


def history(message: Message) -> QuerySet[Event]:
    return message.events.select_related("actor", "region")


def replies(message: Message) -> QuerySet[Reply]:
    return message.replies.select_related("author", "region")


def public_board(region: Region) -> QuerySet[Message]:
    """Public messages addressed within ``region``, newest first, with their answers."""
    return (
        Message.objects.filter(public=True, region__path__startswith=region.path)
        .select_related("region", "handling_region", "topic", "author")
        .prefetch_related("replies__region")
        .order_by("-created_at", "-id")
    )


# A mobile number (with or without +86, spaces or dashes) and an 18-character ID number,
# not glued to other digits or letters.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def public_text(text: str) -> str:
    """What a message or an answer says on the public board: a mobile number or an ID
    number someone typed in it is masked (138****5678), as the author's name is. The
    author and the staff read the whole text (they need the number to call back)."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m[0]), text)
    return _MOBILE.sub(lambda m: mask_phone(re.sub(r"\D", "", m[0])[-11:]), text)


# --- Queues -----------------------------------------------------------------------------------


def overdue_q(now: datetime | None = None) -> Q:
    """Waiting for an answer past the deadline."""
    return Q(status__in=WAITING, due_at__lt=now or timezone.now())


@dataclass(frozen=True)
class Filters:
    status: str = ""
    topic: str = ""
    region: Region | None = None
    overdue: bool = False


def for_staff(person: Person, filters: Filters = Filters()) -> QuerySet[Message]:
    """Staff's and inspectors' queue: messages addressed within their regions."""
    rows = Message.objects.filter(
        authz.regions_q(person, authz.VIEW_MESSAGES, "region")
    ).select_related(*RELATED)
    return filtered(rows, filters)


def filtered(
    rows: QuerySet[Message], filters: Filters, now: datetime | None = None
) -> QuerySet[Message]:
    """``rows`` narrowed by ``filters``; status ``waiting``: open or reopened; ``open``:
    anything not closed. Overdue ones come oldest deadline first."""
    if filters.status == "waiting":
        rows = rows.filter(status__in=WAITING)
    elif filters.status == "unclosed":
        rows = rows.filter(status__in=OPEN)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.topic:
        rows = rows.filter(topic__code=filters.topic)
    if filters.region is not None:
        rows = rows.filter(region__path__startswith=filters.region.path)
    if filters.overdue:
        return rows.filter(overdue_q(now)).order_by("due_at", "id")
    return rows.order_by("-created_at", "-id")


def mark_lateness(items: list[Message], now: datetime | None = None) -> list[Message]:
    """Sets ``late_days`` on each message waiting past its deadline: the working days
    since the day it was due, at least 1 (None when not late); one calendar read."""
    now = now or timezone.now()
    late = [m for m in items if m.status in WAITING and m.due_at < now]
    for item in items:
        item.late_days = None  # type: ignore[attr-defined]
    if not late:
        return items
    today = timezone.localdate(now)
    first = min(timezone.localdate(m.due_at) for m in late)
    corrections = workdays.overrides(first, today)
    for item in late:
        day: date = timezone.localdate(item.due_at)
        count = 0
        while day < today:
            day += timedelta(days=1)
            count += workdays.is_working_day(day, corrections)
        item.late_days = max(count, 1)  # type: ignore[attr-defined]
    return items


def unknown_holidays(due_at: datetime | None) -> int | None:
    """The year of ``due_at`` when neither the calendar package nor an administrator
    knows its official holidays yet (the deadline then counts every Monday to Friday and
    may move when they are entered); None when the date is counted for real."""
    if due_at is None:
        return None
    year = timezone.localdate(due_at).year
    if workdays.published(date(year, 1, 1)):
        return None
    if CalendarDay.objects.filter(day__year=year).exists():
        return None
    return year


# --- Notices: who is told ---------------------------------------------------------------------


def staff_of(region: Region) -> list[Person]:
    """The staff nearest above ``region`` (its own, else its parent's …): who is told."""
    grants = RoleGrant.objects.filter(
        role__in=("staff",), region__code__in=region.ancestor_codes(), person__is_active=True
    ).select_related("person", "region")
    by_depth: dict[int, list[Person]] = {}
    for grant in grants:
        by_depth.setdefault(grant.region.path.count("/"), []).append(grant.person)
    return by_depth[max(by_depth)] if by_depth else []


# --- To-do counts (one aggregate query each) --------------------------------------------------


def staff_todo(person: Person, now: datetime | None = None) -> dict[str, Waiting]:
    """Staff: messages waiting for their answer where they answer now, and those of them
    past the deadline (oldest first: since when the oldest waits)."""
    now = now or timezone.now()
    row = Message.objects.filter(
        authz.regions_q(person, authz.ANSWER_MESSAGES, "handling_region")
    ).aggregate(
        to_answer=Count("pk", filter=Q(status__in=WAITING)),
        oldest=Min("created_at", filter=Q(status__in=WAITING)),
        overdue=Count("pk", filter=overdue_q(now)),
        oldest_due=Min("due_at", filter=overdue_q(now)),
    )
    return {
        "to_answer": Waiting(row["to_answer"], row["oldest"]),
        "overdue": Waiting(row["overdue"], row["oldest_due"]),
    }


def author_todo(person: Person) -> Waiting:
    """A resident: their messages answered and waiting for their rating."""
    row = Message.objects.filter(author=person, status=Status.ANSWERED).aggregate(
        count=Count("pk"), oldest=Min("answered_at")
    )
    return Waiting(row["count"], row["oldest"])
