"""The messages behind a figure of the summary (the drill-down), and the keyword search
over the messages and their answers — both held to the inspector's region.

Only an inspector (巡察) or an administrator over the region reads them
(``authz.INSPECT``). The search looks for the words as typed, in the message's text or
in any of its answers, among the messages of the region written in the period (bounded:
at most ``MAX_QUERY`` characters). On PostgreSQL the migration's trigram indexes answer a
search of three characters or more; a shorter one (two Chinese characters, say 路灯)
reads the region's messages of the period.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.inspection import figures
from jifen.lib import text
from jifen.lib.errors import InvalidInput
from jifen.messages.models import Message, Reply
from jifen.people.models import Person
from jifen.regions.models import Region

MAX_QUERY = 50
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class Drill:
    """What to list: a figure of a group (a topic's code, an area's region, a month)."""

    figure: str = "received"
    topic: str = ""  # a topic's code
    area: Region | None = None  # a community, village or town inside the region
    exact: bool = False  # only the messages addressed to ``area`` itself (a town's own)
    month: str = ""  # YYYY-MM
    q: str = ""


def clean_query(value: str) -> str:
    value = " ".join((value or "").split())
    if len(value) > MAX_QUERY:
        raise InvalidInput(_("Search for at most %(n)s characters.") % {"n": MAX_QUERY}, field="q")
    if text.unprintable(value):
        raise InvalidInput(_("The search holds a character that cannot be printed."), field="q")
    return value


def _month_bounds(month: str, start: date, end: date) -> tuple[date, date]:
    """The period narrowed to one month (YYYY-MM) of it."""
    if not re.match(MONTH_PATTERN, month):
        raise InvalidInput(_("Choose a month as YYYY-MM."), field="month")
    first = date(int(month[:4]), int(month[5:]), 1)
    if not figures.EARLIEST <= first <= figures.LATEST:
        raise InvalidInput(_("Choose days between 2000 and 2100."), field="month")
    after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return max(start, first), min(end, after - timedelta(days=1))


def messages(
    *,
    viewer: Person | None,
    region: Region,
    start: date,
    end: date,
    drill: Drill,
    now: datetime | None = None,
) -> QuerySet[Message]:
    """The messages behind ``drill.figure`` of the group, newest first."""
    figures.require_inspector(viewer, region)
    now = now or timezone.now()
    wanted = figures.conditions(now).get(drill.figure)
    if wanted is None:
        raise InvalidInput(
            _("Choose one of: %(names)s.") % {"names": ", ".join(figures.FIGURES)},
            field="figure",
        )
    figures.bounds(start, end)
    if drill.month:
        start, end = _month_bounds(drill.month, start, end)
        if start > end:
            return Message.objects.none()
    scope = region
    if drill.area is not None:
        if not drill.area.is_within(region):
            raise InvalidInput(
                _("%(area)s is not inside %(region)s.")
                % {"area": drill.area.name, "region": region.name},
                field="area",
            )
        scope = drill.area
    rows = figures.scoped(scope, start, end)
    if drill.exact and drill.area is not None:
        rows = rows.filter(region=drill.area)
    rows = rows.filter(wanted)
    if drill.topic:
        rows = rows.filter(topic__code=drill.topic)
    q = clean_query(drill.q)
    if q:
        # The ids whose text or an answer holds the words, each half answered by its own
        # trigram index (PostgreSQL), then joined with the region and the period.
        said = Message.objects.filter(body__icontains=q).order_by().values("pk")
        answered = Reply.objects.filter(body__icontains=q).order_by().values("message_id")
        rows = rows.filter(pk__in=said.union(answered))
    return rows.select_related("topic", "region", "handling_region", "author").order_by(
        "-created_at", "-id"
    )
