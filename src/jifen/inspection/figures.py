"""The inspectors' summary (巡察): residents' messages of a region and a period, counted.

A message counts in the period it was written in (``created_at``, the deployment's time
zone), whatever it is now. For every group of messages (a topic, a community or village,
a town, the whole region, and with ``monthly`` each of those per month):

- ``received``: written in the period;
- ``answered``: given at least one answer; ``unanswered``: none yet (a message closed
  without an answer stays unanswered);
- ``late``: answered late — the first answer came after the first deadline (a later
  deadline given by an escalation does not excuse it);
- ``open_overdue``: waiting for staff (open, or reopened as not resolved) past its
  deadline — the first deadline while it was never answered, the reopening's after;
- ``overdue``: late or open past due (a message is counted once even when it is both);
- ``median_hours``: the median time from writing to the first answer, in clock hours
  (not working hours: what the resident waited), one decimal;
- ``rating``: the average of the authors' ratings (1–5) and ``rated`` how many rated;
- ``reopened``: said "not resolved" (at most once each).

Plus the disclosures due in the period and not published (``jifen.disclosure``) and the
grid incidents' on-time figures (``jifen.incidents.stats``, as its dashboard gives them).

How (see docs/inspection.md): a closed message never changes again (``messages.models.
STEPS``: no step leaves ``closed``), so on PostgreSQL ``jifen tick`` adds the messages
closed before today to ``inspection_month_figures`` (``rollup.py``), one row per region,
topic and month written. The summary reads the roll-up's rows for the period's whole
months and, from the messages themselves, only the rest: those not closed yet, those
closed since the roll-up's cutoff, and all of the period's partial months. The medians
are read from the messages (exact; from a sample of the table's pages above
``SAMPLE_ABOVE`` answered messages). SQLite has no roll-up and computes it all live.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.disclosure import selectors as disclosure
from jifen.incidents import stats
from jifen.inspection import rollup
from jifen.lib.errors import InvalidInput
from jifen.messages.models import WAITING, Message, Topic
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import LEVEL_RANK, Level, Region

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
EXACT_UP_TO = 20_000
SAMPLE_ABOVE = 50_000
SAMPLE_SIZE = 20_000
MAX_MISSING_LISTED = 500

# What each figure counts, for the drill-down: the messages behind a number.
FIGURES = (
    "received",
    "answered",
    "unanswered",
    "late",
    "open_overdue",
    "overdue",
    "rated",
    "reopened",
)
_COUNTS = (
    "received",
    "answered",
    "late",
    "open_overdue",
    "overdue",
    "rated",
    "rating_sum",
    "reopened",
)


def conditions(now: datetime) -> dict[str, Q]:
    """The filter behind each figure (``now``: what "past due" is measured against)."""
    late = Q(first_answered_at__isnull=False, first_answered_at__gt=F("first_due_at"))
    waiting_late = Q(status__in=list(WAITING)) & (
        Q(first_answered_at__isnull=True, first_due_at__lt=now)
        | Q(first_answered_at__isnull=False, due_at__lt=now)
    )
    return {
        "received": Q(),
        "answered": Q(first_answered_at__isnull=False),
        "unanswered": Q(first_answered_at__isnull=True),
        "late": late,
        "open_overdue": waiting_late,
        "overdue": late | waiting_late,
        "rated": Q(rating__isnull=False),
        "reopened": Q(reopened_at__isnull=False),
    }


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """The figures of one group: a topic, an area, a month, or all."""

    key: str  # a topic's code, a region's code, a month (YYYY-MM), or "" for all
    label: str
    received: int = 0
    answered: int = 0
    late: int = 0
    open_overdue: int = 0
    overdue: int = 0
    rated: int = 0
    rating_sum: int = 0
    reopened: int = 0
    median_hours: float | None = None
    level: str = ""  # an area's level (community, town, county...)
    parent: str = ""  # an area's town (its code), for communities
    missing_disclosures: int = 0
    months: tuple["Row", ...] = ()

    @property
    def unanswered(self) -> int:
        return self.received - self.answered

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rated, 2) if self.rated else None

    def figures(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "late": self.late,
            "open_overdue": self.open_overdue,
            "overdue": self.overdue,
            "median_hours": self.median_hours,
            "rating": self.rating,
            "rated": self.rated,
            "reopened": self.reopened,
        }


@dataclass(frozen=True)
class MissingDisclosure:
    region: str  # code
    region_name: str
    category: str
    period: str
    due_on: date


@dataclass(frozen=True)
class IncidentFigures:
    total: int
    open: int
    overdue: int
    closed: int
    closed_on_time: int
    on_time_rate: float | None
    median_hours_to_close: float | None


@dataclass(frozen=True)
class Summary:
    region: Region
    start: date
    end: date
    monthly: bool
    total: Row
    by_topic: list[Row]
    by_area: list[Row]  # the communities and villages (and a region above addressed itself)
    by_town: list[Row]
    by_month: list[Row]
    missing: list[MissingDisclosure]
    missing_count: int
    incidents: IncidentFigures | None
    sampled: bool = False  # the medians estimated from a sample (a very large period)
    rolled: bool = False  # settled months read from the roll-up
    topic_names: dict[str, str] = field(default_factory=dict)


# --- Scope ------------------------------------------------------------------------------------


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        raise InvalidInput(_("Choose days between 2000 and 2100."), field="from")
    if start > end:
        raise InvalidInput(_("The first day comes after the last."), field="from")
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


@dataclass(frozen=True)
class Areas:
    """The regions of a scope and, for each, the area (community, or the region itself
    above one) and the town its messages count in."""

    regions: dict[int, Region]
    area_of: dict[int, int]
    town_of: dict[int, int]

    @property
    def ids(self) -> list[int]:
        """The regions inside the scope (``regions`` also holds those above, for names)."""
        return list(self.area_of)


def areas(region: Region) -> Areas:
    """Every region below ``region`` (itself included), mapped to its area and town."""
    below = list(Region.objects.filter(path__startswith=region.path).order_by("path"))
    by_code = {r.code: r for r in below}
    # The ancestors above the scope, for a scope below a town (a town's code is needed).
    above = {
        r.code: r
        for r in Region.objects.filter(code__in=region.ancestor_codes()).exclude(pk=region.pk)
    }
    by_code.update(above)
    area_of: dict[int, int] = {}
    town_of: dict[int, int] = {}
    for r in below:
        chain = [by_code[c] for c in r.ancestor_codes() if c in by_code]
        community = next((a for a in chain if a.level == Level.COMMUNITY), None)
        town = next((a for a in chain if a.level == Level.TOWN), None)
        # A region above every community (a town, a county) addressed itself is its own area.
        area_of[r.pk] = community.pk if community is not None else r.pk
        town_of[r.pk] = (town or community or r).pk
    regions = {r.pk: r for r in below}
    regions.update({r.pk: r for r in above.values()})
    return Areas(regions=regions, area_of=area_of, town_of=town_of)


def require_inspector(viewer: Person | None, region: Region) -> None:
    """Only an inspector (巡察) or an administrator over ``region`` reads the summary, its
    messages and its search (``authz.INSPECT``); ``None`` is the command line."""
    if viewer is not None:
        authz.require(viewer, authz.INSPECT, region)


def scoped(region: Region, start: date, end: date, scope: Areas | None = None) -> QuerySet[Message]:
    since, until = bounds(start, end)
    scope = scope or areas(region)
    return Message.objects.filter(
        region_id__in=scope.ids, created_at__gte=since, created_at__lt=until
    )


# --- Cells: the figures per (region, topic, month) ---------------------------------------------

Cell = tuple[int, int, str | None]  # region id, topic id, month (YYYY-MM) or None


def _month_key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return str(value.strftime("%Y-%m"))


def _live_cells(
    rows: QuerySet[Message], now: datetime, monthly: bool
) -> dict[Cell, dict[str, int]]:
    """One aggregate query: the figures of ``rows`` by region, topic (and month)."""
    found = conditions(now)
    keys = ["region_id", "topic_id"]
    if monthly:
        rows = rows.annotate(_m=TruncMonth("created_at"))
        keys.append("_m")
    aggregates = {
        "received": Count("id"),
        "answered": Count("id", filter=found["answered"]),
        "late": Count("id", filter=found["late"]),
        "open_overdue": Count("id", filter=found["open_overdue"]),
        "overdue": Count("id", filter=found["overdue"]),
        "rated": Count("id", filter=found["rated"]),
        "rating_sum": Sum("rating", default=0),
        "reopened": Count("id", filter=found["reopened"]),
    }
    cells: dict[Cell, dict[str, int]] = {}
    for r in rows.order_by().values(*keys).annotate(**aggregates):
        key = (r["region_id"], r["topic_id"], _month_key(r.get("_m")) if monthly else None)
        cells[key] = {name: int(r[name] or 0) for name in _COUNTS}
    return cells


def _add(into: dict[str, int], figures: dict[str, int]) -> None:
    for name in _COUNTS:
        into[name] = into.get(name, 0) + figures.get(name, 0)


def whole_months(start: date, end: date) -> tuple[date, date]:
    """The first day of the first whole month of the period and the first day after its
    last whole month (equal when there is none)."""
    first = start if start.day == 1 else (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = end + timedelta(days=1)
    last = after if after.day == 1 else after.replace(day=1)
    return (first, last) if first < last else (first, first)


def cells(
    region: Region,
    start: date,
    end: date,
    now: datetime,
    *,
    monthly: bool,
    scope: Areas | None = None,
    use_rollup: bool = True,
) -> tuple[dict[Cell, dict[str, int]], bool]:
    """The figures by region, topic (and month) of the period; and whether the roll-up
    was read. With the roll-up: its rows for the whole months and live the rest."""
    scope = scope or areas(region)
    rows = scoped(region, start, end, scope)
    settled = rollup.cutoff() if use_rollup else None
    whole_from, whole_until = whole_months(start, end)
    if settled is None or whole_from >= whole_until:
        return _live_cells(rows, now, monthly), False
    zone = timezone.get_current_timezone()
    lo = datetime.combine(whole_from, time.min, tzinfo=zone)
    hi = datetime.combine(whole_until, time.min, tzinfo=zone)
    # What the roll-up holds: closed before the cutoff. The rest of the whole months, and
    # everything of the partial ones, is counted live — said as an OR of what indexes
    # answer (the messages not closed, closed since the cutoff, of the partial months).
    live = (
        ~Q(status="closed")
        | Q(closed_at__isnull=True)
        | Q(closed_at__gte=settled)
        | Q(created_at__lt=lo)
        | Q(created_at__gte=hi)
    )
    found = _live_cells(rows.filter(live), now, monthly)
    for key, figures in rollup.read(scope.ids, whole_from, whole_until, monthly).items():
        _add(found.setdefault(key, {}), figures)
    return found, True


# --- Medians ------------------------------------------------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


MedianKey = tuple[str, Any, str | None]  # ("area" | "town" | "topic" | "total", key, month)

_MEDIANS_SQL = """
SELECT {grouping} AS g, m.aid, m.tid, t.code, {month},
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY EXTRACT(EPOCH FROM (msg.first_answered_at - msg.created_at))
       )
FROM {table} AS msg {sample}
JOIN unnest(%(rids)s::bigint[], %(aids)s::bigint[], %(tids)s::bigint[]) AS m(rid, aid, tid)
  ON m.rid = msg.region_id
JOIN unnest(%(topic_ids)s::bigint[], %(topic_codes)s::text[]) AS t(id, code)
  ON t.id = msg.topic_id
WHERE msg.created_at >= %(since)s AND msg.created_at < %(until)s
  AND msg.first_answered_at IS NOT NULL
GROUP BY GROUPING SETS ({sets})
"""  # noqa: S608 - constants only; the values are parameters


_HOURS_SQL = """
SELECT {grouping} AS g, aid, tid, code, {outer_month}, h, COUNT(*), SUM(secs)
FROM (
    SELECT m.aid, m.tid, t.code, {month} AS mon,
           date_part('epoch', msg.first_answered_at - msg.created_at) AS secs,
           floor(date_part('epoch', msg.first_answered_at - msg.created_at) / 3600)::int AS h
    FROM {table} AS msg {sample}
    JOIN unnest(%(rids)s::bigint[], %(aids)s::bigint[], %(tids)s::bigint[]) AS m(rid, aid, tid)
      ON m.rid = msg.region_id
    JOIN unnest(%(topic_ids)s::bigint[], %(topic_codes)s::text[]) AS t(id, code)
      ON t.id = msg.topic_id
    WHERE msg.created_at >= %(since)s AND msg.created_at < %(until)s
      AND msg.first_answered_at IS NOT NULL
) AS d
GROUP BY GROUPING SETS ({sets})
"""  # noqa: S608 - constants only; the values are parameters


def _median_of(buckets: list[tuple[int, int, float]]) -> float | None:
    """The median from (hour, count, sum of seconds) buckets: each bucket's mean stands
    for its members (exact when the middle one or two are alone in their hour)."""
    total = sum(n for _h, n, _s in buckets)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the middle two
    values: list[float] = []
    seen = 0
    for _h, n, secs in sorted(buckets):
        for index in wanted[len(values) :]:
            if index < seen + n:
                values.append(secs / n)
        seen += n
        if len(values) == 2:
            break
    return sum(values) / len(values)


def _medians_pg(
    scope: Areas,
    topics: dict[int, str],
    since: datetime,
    until: datetime,
    monthly: bool,
    answered: int,
) -> tuple[dict[MedianKey, float], bool]:
    """The medians of every group in one query: exact (percentile_cont) up to
    ``EXACT_UP_TO`` answered messages; above, from each group's histogram by the hour
    (hash-aggregated: no sort of the period's messages), and above ``SAMPLE_ABOVE`` from a
    sample of the table's pages."""
    if not answered:
        return {}, False
    exact = answered <= EXACT_UP_TO
    month = "to_char(msg.created_at AT TIME ZONE %(zone)s, 'YYYY-MM')"
    if exact:
        columns = ("m.aid", "m.tid", "t.code")
        month_col = month
    else:
        columns = ("aid", "tid", "code")
        month_col = "mon"
    sets = [f"({c}{', h' if not exact else ''})" for c in columns]
    sets.append("(h)" if not exact else "()")
    if monthly:
        # A community's months (thousands of groups in a county) only when exact.
        by_month = columns if exact else columns[1:]
        sets += [f"({c}, {month_col}{', h' if not exact else ''})" for c in by_month]
        sets.append(f"({month_col}{', h' if not exact else ''})")
        grouping = f"GROUPING({', '.join(columns)}, {month_col})"
    else:
        # The same bits as with months, the month's always "left out".
        grouping = f"(GROUPING({', '.join(columns)}) * 2 + 1)"
        if exact:
            month = "NULL::text"
    if not monthly and not exact:
        month = "NULL::text"
    sample = ""
    if answered > SAMPLE_ABOVE:
        sample = f"TABLESAMPLE SYSTEM ({100 * SAMPLE_SIZE / answered:.4f}) REPEATABLE (1)"
    template = _MEDIANS_SQL if exact else _HOURS_SQL
    sql = template.format(
        grouping=grouping,
        month=month,
        outer_month="mon" if monthly else "NULL::text",
        table=Message._meta.db_table,
        sample=sample,
        sets=", ".join(sets),
    )
    rids = scope.ids
    params: dict[str, Any] = {
        "rids": rids,
        "aids": [scope.area_of[r] for r in rids],
        "tids": [scope.town_of[r] for r in rids],
        "topic_ids": list(topics),
        "topic_codes": list(topics.values()),
        "since": since,
        "until": until,
        "zone": timezone.get_current_timezone_name(),
    }
    # GROUPING(area, town, topic, month): one bit per column left out, the area's highest.
    kinds = {0b0111: "area", 0b1011: "town", 0b1101: "topic", 0b1111: "total"}

    def key_of(g: int, aid: Any, tid: Any, code: Any, mon: Any) -> MedianKey | None:
        kind = kinds.get(g | 0b0001)
        if kind is None:
            return None
        key = {"area": aid, "town": tid, "topic": code, "total": None}[kind]
        return (kind, key, None if g & 0b0001 else mon)

    found: dict[MedianKey, float] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        # Room for the hash tables in memory: sorting instead costs several times more.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        if exact:
            for g, aid, tid, code, mon, median in cursor.fetchall():
                key = key_of(g, aid, tid, code, mon)
                if key is not None and median is not None:
                    found[key] = float(median)
        else:
            buckets: dict[MedianKey, list[tuple[int, int, float]]] = defaultdict(list)
            for g, aid, tid, code, mon, h, n, secs in cursor.fetchall():
                key = key_of(g, aid, tid, code, mon)
                if key is not None:
                    buckets[key].append((h, n, float(secs or 0)))
            for key, parts in buckets.items():
                median = _median_of(parts)
                if median is not None:
                    found[key] = median
    return found, bool(sample)


def _medians_python(
    rows: QuerySet[Message], scope: Areas, topics: dict[int, str], monthly: bool
) -> dict[MedianKey, float]:
    """SQLite: the same medians in Python, from one read of the answered messages."""
    durations: dict[MedianKey, list[float]] = defaultdict(list)
    answered = rows.filter(first_answered_at__isnull=False).order_by()
    for region_id, topic_id, created, first in answered.values_list(
        "region_id", "topic_id", "created_at", "first_answered_at"
    ).iterator(chunk_size=5000):
        if first is None:
            continue
        seconds = (first - created).total_seconds()
        month = _month_key(created) if monthly else None
        groups: list[tuple[str, Any]] = [
            ("area", scope.area_of[region_id]),
            ("town", scope.town_of[region_id]),
            ("topic", topics.get(topic_id, str(topic_id))),
            ("total", None),
        ]
        for kind, key in groups:
            durations[(kind, key, None)].append(seconds)
            if month is not None:
                durations[(kind, key, month)].append(seconds)
    return {k: statistics.median(v) for k, v in durations.items()}


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


# --- The summary ---------------------------------------------------------------------------------


def _row(key: str, label: str, figures: dict[str, int], median: float | None, **extra: Any) -> Row:
    counts: dict[str, Any] = {name: figures.get(name, 0) for name in _COUNTS}
    return Row(key=key, label=label, median_hours=_hours(median), **counts, **extra)


def _grouped(
    found: dict[Cell, dict[str, int]], key_of: Any
) -> tuple[dict[Any, dict[str, int]], dict[Any, dict[str, dict[str, int]]]]:
    """Cells merged by ``key_of(cell)``: in all, and per month (``{key: {month: ...}}``)."""
    merged: dict[Any, dict[str, int]] = {}
    per_month: dict[Any, dict[str, dict[str, int]]] = defaultdict(dict)
    for cell, figures in found.items():
        key = key_of(cell)
        _add(merged.setdefault(key, {}), figures)
        if cell[2] is not None:
            _add(per_month[key].setdefault(cell[2], {}), figures)
    return merged, per_month


def _incidents(
    viewer: Person | None, region: Region, start: date, end: date, now: datetime
) -> IncidentFigures | None:
    """The grid incidents' figures as their dashboard gives them (not computed again)."""
    if viewer is not None and not authz.can(viewer, authz.VIEW_INCIDENTS, region):
        return None
    board = stats.dashboard(
        viewer=viewer, region=region, start=start, end=end, now=now, handlers=False
    )
    t = board.total
    return IncidentFigures(
        total=t.total,
        open=t.open,
        overdue=t.overdue,
        closed=t.closed,
        closed_on_time=t.closed_on_time,
        on_time_rate=t.on_time_rate,
        median_hours_to_close=t.median_hours,
    )


def _missing(
    scope: Areas, region: Region, start: date, end: date, today: date
) -> list[MissingDisclosure]:
    """Disclosures due in the period (up to today) and not published, in the scope."""
    # Missed: due on a day of the period already over (the due day itself is on time).
    as_of = min(end + timedelta(days=1), today)
    if as_of <= start:
        return []
    found = []
    for m in disclosure.missing(Q(path__startswith=region.path), as_of):
        if not start <= m.due_on < as_of:
            continue
        found.append(
            MissingDisclosure(
                region=m.region.code,
                region_name=m.region.name,
                category=str(getattr(m, "category_label", m.category)),
                period=str(m.period),
                due_on=m.due_on,
            )
        )
    found.sort(key=lambda m: (m.due_on, m.region, m.category))
    return found


def summary(
    *,
    viewer: Person | None,
    region: Region,
    start: date,
    end: date,
    monthly: bool = False,
    now: datetime | None = None,
    use_rollup: bool = True,
    with_incidents: bool = True,
    with_disclosures: bool = True,
) -> Summary:
    """The messages of ``region`` written from ``start`` to ``end`` (days, inclusive):
    by topic, by community or village, by town and in all (with ``monthly``, each per
    month too); the disclosures due and missing; the incidents' on-time figures."""
    require_inspector(viewer, region)
    now = now or timezone.now()
    since, until = bounds(start, end)
    scope = areas(region)
    found, rolled = cells(
        region, start, end, now, monthly=monthly, scope=scope, use_rollup=use_rollup
    )
    answered = sum(f.get("answered", 0) for f in found.values())
    names: dict[int, tuple[str, str]] = {
        pk: (code, name)
        for pk, code, name in Topic.objects.filter(pk__in={c[1] for c in found}).values_list(
            "pk", "code", "name"
        )
    }
    topics = {pk: code for pk, (code, _name) in names.items()}
    topic_names: dict[str, str] = {}
    for code, name in sorted(names.values()):
        topic_names.setdefault(code, name)
    sampled = False
    if _pg():
        medians, sampled = _medians_pg(scope, topics, since, until, monthly, answered)
    else:
        medians = _medians_python(scoped(region, start, end, scope), scope, topics, monthly)

    # By topic (by code: a community's own topic of the same code counts with the county's).
    by_code, by_code_month = _grouped(found, lambda c: topics.get(c[1], str(c[1])))
    by_topic = []
    for code, figures in by_code.items():
        months = tuple(
            _row(m, m, f, medians.get(("topic", code, m)))
            for m, f in sorted(by_code_month.get(code, {}).items())
        )
        by_topic.append(
            _row(
                code,
                topic_names.get(code, code),
                figures,
                medians.get(("topic", code, None)),
                months=months,
            )
        )
    by_topic.sort(key=lambda r: (-r.received, r.key))

    # Disclosures missing, counted per area and town.
    missing: list[MissingDisclosure] = []
    if with_disclosures:
        missing = _missing(scope, region, start, end, timezone.localdate(now))
    code_to_pk = {r.code: pk for pk, r in scope.regions.items()}
    missing_area: dict[int, int] = defaultdict(int)
    missing_town: dict[int, int] = defaultdict(int)
    for m in missing:
        pk = code_to_pk.get(m.region)
        if pk is not None and pk in scope.area_of:
            missing_area[scope.area_of[pk]] += 1
            missing_town[scope.town_of[pk]] += 1

    def region_rows(kind: str, key_of: dict[int, int], missed: dict[int, int]) -> list[Row]:
        merged, per_month = _grouped(found, lambda c: key_of.get(c[0], c[0]))
        for pk in missed:
            merged.setdefault(pk, {})
        rows = []
        for pk, figures in merged.items():
            r = scope.regions.get(pk)
            if r is None:
                continue
            months = tuple(
                _row(m, m, f, medians.get((kind, pk, m)))
                for m, f in sorted(per_month.get(pk, {}).items())
            )
            town = scope.regions.get(scope.town_of.get(pk, pk))
            rows.append(
                _row(
                    r.code,
                    r.name,
                    figures,
                    medians.get((kind, pk, None)),
                    level=r.level,
                    parent=town.code if town is not None and town.pk != pk else "",
                    missing_disclosures=missed.get(pk, 0),
                    months=months,
                )
            )
        return sorted(rows, key=lambda r: (r.parent, r.key))

    by_area = region_rows("area", scope.area_of, missing_area)
    # Towns' totals where the region holds several towns (a town's own is the total).
    above_towns = region.rank < LEVEL_RANK[Level.TOWN]
    by_town = region_rows("town", scope.town_of, missing_town) if above_towns else []

    total_figures: dict[str, int] = {}
    per_month: dict[str, dict[str, int]] = {}
    for cell, figures in found.items():
        _add(total_figures, figures)
        if cell[2] is not None:
            _add(per_month.setdefault(cell[2], {}), figures)
    by_month = [
        _row(m, m, f, medians.get(("total", None, m))) for m, f in sorted(per_month.items())
    ]
    total = _row(
        "",
        region.name,
        total_figures,
        medians.get(("total", None, None)),
        level=region.level,
        missing_disclosures=len(missing),
        months=tuple(by_month),
    )
    incidents = _incidents(viewer, region, start, end, now) if with_incidents else None
    return Summary(
        region=region,
        start=start,
        end=end,
        monthly=monthly,
        total=total,
        by_topic=by_topic,
        by_area=by_area,
        by_town=by_town,
        by_month=by_month,
        missing=missing[:MAX_MISSING_LISTED],
        missing_count=len(missing),
        incidents=incidents,
        sampled=sampled,
        rolled=rolled,
        topic_names=topic_names,
    )


def without_months(row: Row) -> Row:
    return replace(row, months=())


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months back."""
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), today


def inspected_regions(viewer: Person) -> list[Region]:
    """The tops of the regions the viewer inspects (or administers), by path."""
    paths = authz.region_paths(viewer, authz.INSPECT)
    return list(Region.objects.filter(path__in=paths).order_by("path"))
