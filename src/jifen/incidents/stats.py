"""Figures of grid incidents (网格事件 统计): the county's, town's, community's or grid's
dashboard, and the summary the API answers (``GET /incidents/stats``).

An incident counts in the period it was reported in (``created_at``, the deployment's
time zone), whatever it is now. For every group of incidents:

- ``open``: not closed yet (reported, accepted, being handled, resolved, reopened);
- ``overdue``: still in the handler's hands (accepted, being handled, reopened) with the
  deadline behind — ``days_over`` counts the working days the oldest of them is late;
- ``closed``: closed after a fix was verified (``closed_on_time`` says whether it was
  resolved by its deadline); closed without a fix (a duplicate, not ours, nothing to do)
  is neither on time nor late and counts only in ``by_status``;
- ``on_time_rate`` = closed on time ÷ (closed + open overdue), None when nothing counts:
  an incident left to rot past its deadline weighs against the rate like a late one;
- ``median_seconds``: the median time from the report to the verified close.

Each grouping is one aggregate query whatever the number of incidents (on SQLite one
more, for the medians, which PostgreSQL computes itself with ``percentile_cont``); the
dashboard of a county is a handful of them (see ``bench/incidents.py``: a county of a
million incidents under a second on PostgreSQL).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Min,
    Q,
    QuerySet,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.incidents import rollup
from jifen.incidents.models import OPEN, RUNNING, Category, Incident, Status
from jifen.lib import workdays
from jifen.lib.errors import InvalidInput
from jifen.people import authz
from jifen.people.models import Organization, Person
from jifen.regions.models import Level, Region

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class _MedianSeconds(Aggregate):
    """PostgreSQL's median of an interval, in seconds (an ordered-set aggregate)."""

    function = "percentile_cont"
    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (%(expressions)s)))"
    output_field = FloatField()


def _pg() -> bool:
    return connection.vendor == "postgresql"


JUDGED = Q(closed_on_time__isnull=False)  # closed after a verified fix


@dataclass(frozen=True)
class Row:
    """The figures of one group: an area, a category, a handler, a month, or all."""

    key: str
    label: str
    total: int
    open: int
    overdue: int
    closed: int
    closed_on_time: int
    median_seconds: float | None
    oldest_due: datetime | None = None
    days_over: int = 0  # working days the oldest overdue one is past its deadline

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.closed_on_time, self.closed, self.overdue)

    @property
    def median_hours(self) -> float | None:
        return None if self.median_seconds is None else round(self.median_seconds / 3600, 1)


def rate(on_time: int, closed: int, overdue: int) -> float | None:
    denominator = closed + overdue
    return on_time / denominator if denominator else None


@dataclass(frozen=True)
class Summary:
    """``GET /incidents/stats``: one region, one period."""

    region: str  # code
    start: date
    end: date
    total: int
    by_status: dict[str, int]
    by_category: dict[str, int]  # category code → count
    category_names: dict[str, str]
    open: int
    overdue: int
    closed: int  # closed after a verified fix
    closed_on_time: int
    on_time_rate: float | None
    median_hours_to_close: float | None


@dataclass(frozen=True)
class Dashboard:
    region: Region
    start: date
    end: date
    area_level: str  # what the areas are: town, community, grid, or place
    total: Row
    by_area: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_handler: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)
    sampled: bool = False  # the medians estimated from a sample (a very large period)


# --- Scope -----------------------------------------------------------------------------------


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


def _communities_below(region: Region) -> list[Region]:
    return list(
        Region.objects.filter(path__startswith=region.path, level=Level.COMMUNITY).select_related(
            "parent"
        )
    )


def scoped(
    viewer: Person | None, region: Region, start: date, end: date
) -> tuple[QuerySet[Incident], list[Region]]:
    """The incidents reported in the period at places in ``region``, which the viewer must
    see (``VIEW_INCIDENTS``); with the communities below a town or county (else [])."""
    if viewer is not None:
        authz.require(viewer, authz.VIEW_INCIDENTS, region)
    since, until = bounds(start, end)
    rows = Incident.objects.filter(created_at__gte=since, created_at__lt=until)
    communities: list[Region] = []
    if region.level in (Level.COUNTY, Level.TOWN):
        communities = _communities_below(region)
        # By the communities' ids: no join with the regions over a million rows.
        rows = rows.filter(community_id__in=[c.pk for c in communities])
    elif region.level == Level.COMMUNITY:
        rows = rows.filter(community=region)
    else:
        rows = rows.filter(region__path__startswith=region.path)
    return rows, communities


# --- Aggregates ------------------------------------------------------------------------------


def _aggregates(now: datetime) -> dict[str, Any]:
    overdue = Q(status__in=RUNNING, due_at__lt=now)
    figures: dict[str, Any] = {
        "n_total": Count("id"),
        "n_open": Count("id", filter=Q(status__in=OPEN)),
        "n_overdue": Count("id", filter=overdue),
        "n_closed": Count("id", filter=JUDGED),
        "n_on_time": Count("id", filter=Q(closed_on_time=True)),
        "oldest_due": Min("due_at", filter=overdue),
    }
    if _pg():
        figures["median"] = _MedianSeconds(F("closed_at") - F("created_at"), filter=JUDGED)
    return figures


def _medians(rows: QuerySet[Incident], key: Any) -> dict[Any, float | None]:
    """SQLite: the medians per group in Python (one query of the closed ones)."""
    durations: dict[Any, list[float]] = defaultdict(list)
    keyed = rows.filter(JUDGED).annotate(_k=key) if key is not None else rows.filter(JUDGED)
    fields = ("_k", "created_at", "closed_at") if key is not None else ("created_at", "closed_at")
    for values in keyed.order_by().values_list(*fields):
        group = values[0] if key is not None else None
        created, closed = values[-2], values[-1]
        if closed is not None:
            durations[group].append((closed - created).total_seconds())
    return {k: statistics.median(v) for k, v in durations.items()}


def _grouped(rows: QuerySet[Incident], key: Any, now: datetime) -> dict[Any, dict[str, Any]]:
    """One aggregate query per grouping (two on SQLite): ``{key: figures}``."""
    found: dict[Any, dict[str, Any]] = {
        r["_k"]: dict(r)
        for r in rows.annotate(_k=key).order_by().values("_k").annotate(**_aggregates(now))
    }
    if not _pg():
        medians = _medians(rows, key)
        for k, r in found.items():
            r["median"] = medians.get(k)
    return found


def _total(rows: QuerySet[Incident], now: datetime) -> dict[str, Any]:
    found = rows.order_by().aggregate(**_aggregates(now))
    if not _pg():
        found["median"] = _medians(rows, None).get(None)
    return found


class _Overdue:
    """Working days past a deadline, from one read of the calendar's corrections and one
    walk over the days from the oldest deadline to today (however many groups ask)."""

    def __init__(self, oldest: list[datetime | None], today: date) -> None:
        days = [timezone.localdate(d) for d in oldest if d is not None]
        self.today = today
        self.worked: dict[date, int] = {}  # working days after a day, up to today
        if days:
            first = min(days)
            corrections = workdays.overrides(first, today)
            count, day = 0, today
            while day >= first:
                self.worked[day] = count
                count += workdays.is_working_day(day, corrections)
                day -= timedelta(days=1)

    def days(self, due: datetime | None) -> int:
        if due is None:
            return 0
        return max(self.worked.get(timezone.localdate(due), 0), 1)


def _row(key: Any, label: str, figures: dict[str, Any], late: _Overdue | None = None) -> Row:
    oldest = figures.get("oldest_due")
    median = figures.get("median")
    return Row(
        key=str(key),
        label=label,
        total=figures.get("n_total") or 0,
        open=figures.get("n_open") or 0,
        overdue=figures.get("n_overdue") or 0,
        closed=figures.get("n_closed") or 0,
        closed_on_time=figures.get("n_on_time") or 0,
        median_seconds=None if median is None else float(median),
        oldest_due=oldest,
        days_over=late.days(oldest) if late is not None else 0,
    )


# --- A town or county on PostgreSQL ------

# The incidents of the period are read twice, each time grouped at once by community,
# by category and by month (and in all) with hash tables, never sorted: the counts, and
# the closed ones' hours to close, from which the medians come (each hour's mean stands
# for its incidents: exact when an hour holds one). Towns are their communities summed.
_COUNTY = """
    community_id IN (
        SELECT id FROM regions_region WHERE starts_with(path, %(path)s) AND level = 'community'
    )
    AND created_at >= %(since)s AND created_at < %(until)s
"""
_MONTH = "date_trunc('month', created_at AT TIME ZONE %(zone)s)"
# The counts: four small hash tables, one pass over what the roll-up does not hold —
# the incidents still open, closed since its cutoff, or of a partial month of the period.
_COUNTS_SQL = f"""
SELECT GROUPING(community_id, category_id, {_MONTH}) AS g,
       community_id, category_id, {_MONTH} AS m,
       COUNT(*) AS n_total,
       COUNT(*) FILTER (WHERE status = ANY(%(open)s)) AS n_open,
       COUNT(*) FILTER (WHERE status = ANY(%(running)s) AND due_at < %(now)s) AS n_overdue,
       COUNT(*) FILTER (WHERE closed_on_time IS NOT NULL) AS n_closed,
       COUNT(*) FILTER (WHERE closed_on_time) AS n_on_time,
       MIN(due_at) FILTER (WHERE status = ANY(%(running)s) AND due_at < %(now)s) AS oldest_due
FROM incidents_incident
WHERE {_COUNTY}
  AND (status = ANY(%(open)s) OR closed_at >= %(cutoff)s
       OR created_at < %(whole_from)s OR created_at >= %(whole_until)s)
GROUP BY GROUPING SETS ((community_id), (category_id), ({_MONTH}), ())
"""  # noqa: S608 - constants only; the values are parameters
# The roll-up's rows of the period's whole months.
_ROLLED_SQL = """
SELECT GROUPING(community_id, category_id, month) AS g, community_id, category_id, month,
       SUM(n_total), SUM(n_closed), SUM(n_on_time)
FROM incidents_month_figures
WHERE community_id IN (
        SELECT id FROM regions_region WHERE starts_with(path, %(path)s) AND level = 'community'
    )
  AND month >= %(whole_from_day)s AND month < %(whole_until_day)s
GROUP BY GROUPING SETS ((community_id), (category_id), (month), ())
"""
# The medians: the closed ones' hours to close, counted by the hour (and the seconds
# summed, so each hour's mean stands for its members); from a sample of the table's
# pages when the period holds more than ``SAMPLE_ABOVE`` incidents.
_HOURS_SQL = f"""
SELECT GROUPING(community_id, category_id, m) AS g, community_id, category_id, m, h,
       COUNT(*) AS n, SUM(secs) AS secs
FROM (
    SELECT community_id, category_id, {_MONTH} AS m,
           date_part('epoch', closed_at - created_at) AS secs,
           floor(date_part('epoch', closed_at - created_at) / 3600)::int AS h
    FROM incidents_incident {{sample}}
    WHERE {_COUNTY} AND closed_on_time IS NOT NULL
) AS t
GROUP BY GROUPING SETS ((community_id, h), (category_id, h), (m, h), (h))
"""  # noqa: S608 - constants only; the values are parameters
SAMPLE_ABOVE = 200_000
SAMPLE_SIZE = 150_000
_COUNTS = ("n_total", "n_open", "n_overdue", "n_closed", "n_on_time")


def _median_of(buckets: list[tuple[float, int, float]]) -> float | None:
    """The median from (hour, count, sum of seconds) buckets: each bucket's mean stands
    for its members."""
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


def _whole_months(start: date, end: date) -> tuple[date, date]:
    """The first day of the first whole month of the period and the first day after its
    last whole month (equal when there is none)."""
    first = start if start.day == 1 else (start.replace(day=1) + timedelta(days=32)).replace(day=1)
    after = end + timedelta(days=1)
    last = after if after.day == 1 else after.replace(day=1)
    return (first, last) if first < last else (first, first)


def _month_key(value: Any) -> str:
    return str(value.strftime("%Y-%m"))


def _one_pass(
    region: Region, start: date, end: date, now: datetime
) -> dict[str, dict[Any, dict[str, Any]]]:
    """``{"community" | "category" | "month" | "total": {key: figures}}`` (and
    ``"buckets"``, the hours' histograms) from the roll-up of settled incidents
    (``rollup.py``) and two hash-aggregated queries of the rest."""
    since, until = bounds(start, end)
    settled = rollup.cutoff()
    whole_from, whole_until = _whole_months(start, end)
    if settled is None:
        whole_from = whole_until = start
    zone = timezone.get_current_timezone()
    tallies: dict[str, dict[Any, dict[str, Any]]] = {
        "community": {},
        "category": {},
        "month": {},
        "total": {},
    }
    buckets: dict[tuple[str, Any], list[tuple[float, int, float]]] = defaultdict(list)
    params: dict[str, Any] = {
        "open": list(OPEN),
        "running": list(RUNNING),
        "now": now,
        "zone": timezone.get_current_timezone_name(),
        "path": region.path,
        "since": since,
        "until": until,
        "cutoff": settled or datetime(1900, 1, 1, tzinfo=zone),
        "whole_from": datetime.combine(whole_from, time.min, tzinfo=zone),
        "whole_until": datetime.combine(whole_until, time.min, tzinfo=zone),
        "whole_from_day": whole_from,
        "whole_until_day": whole_until,
    }
    # GROUPING(community, category, month): 0b011 by community, 0b101 by category, 0b110
    # by month, 0b111 in all.
    sets = {0b011: ("community", 1), 0b101: ("category", 2), 0b110: ("month", 3)}

    def key_of(row: Any) -> tuple[str, Any]:
        kind, position = sets.get(row[0], ("total", None))
        key = row[position] if position is not None else None
        return kind, _month_key(key) if kind == "month" and key is not None else key

    with transaction.atomic(), connection.cursor() as cursor:
        # Room for the hash tables in memory: sorting instead costs several times more.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(_COUNTS_SQL, params)
        for row in cursor.fetchall():
            kind, key = key_of(row)
            tallies[kind][key] = dict(zip((*_COUNTS, "oldest_due"), row[4:10], strict=True))
        if whole_from < whole_until:
            cursor.execute(_ROLLED_SQL, params)
            for row in cursor.fetchall():
                kind, key = key_of(row)
                figures = tallies[kind].setdefault(key, {name: 0 for name in _COUNTS})
                figures["n_total"] += row[4]
                figures["n_closed"] += row[5]
                figures["n_on_time"] += row[6]
        counted = sum(f["n_total"] for f in tallies["total"].values())
        sample = ""
        if counted > SAMPLE_ABOVE:
            sample = f"TABLESAMPLE SYSTEM ({100 * SAMPLE_SIZE / counted:.4f}) REPEATABLE (1)"
        cursor.execute(_HOURS_SQL.replace("{sample}", sample), params)
        for row in cursor.fetchall():
            kind, key = key_of(row)
            buckets[(kind, key)].append((float(row[4]), row[5], float(row[6] or 0)))
    tallies["buckets"] = buckets  # type: ignore[assignment]
    tallies["sampled"] = {"sampled": bool(sample)}  # type: ignore[dict-item]
    return tallies


def _rolled(
    tallies: dict[str, dict[Any, dict[str, Any]]], kind: str, key_of: dict[Any, Any] | None = None
) -> dict[Any, dict[str, Any]]:
    """The groups of ``kind`` merged by ``key_of`` (communities into towns, categories'
    ids into codes), their medians from the merged histograms."""
    buckets: dict[tuple[str, Any], list[tuple[float, int, float]]] = tallies["buckets"]  # type: ignore[assignment]
    merged: dict[Any, dict[str, Any]] = {}
    parts: dict[Any, list[tuple[float, int, float]]] = defaultdict(list)
    for key, figures in tallies[kind].items():
        target = key_of.get(key, key) if key_of is not None else key
        into = merged.setdefault(target, {name: 0 for name in _COUNTS})
        for name in _COUNTS:
            into[name] += figures[name]
        due = figures.get("oldest_due")
        if due is not None and (into.get("oldest_due") is None or due < into["oldest_due"]):
            into["oldest_due"] = due
        parts[target] += buckets.get((kind, key), [])
    for target, figures in merged.items():
        figures["median"] = _median_of(parts[target])
    return merged


# --- The API's summary -------------------------------------------------------------------------


def summary(
    *, viewer: Person | None, region: Region, start: date, end: date, now: datetime | None = None
) -> Summary:
    """Counts by status and category, open, overdue, the on-time rate and the median
    time to close, of the incidents reported from ``start`` to ``end`` (days, inclusive)
    in ``region``. Three aggregate queries (four on SQLite), whatever the number."""
    now = now or timezone.now()
    rows, _communities = scoped(viewer, region, start, end)
    total = _total(rows, now)
    by_status = {s: 0 for s in Status.values}
    by_status.update(dict(rows.order_by().values_list("status").annotate(n=Count("id"))))
    by_category: dict[str, int] = {}
    names: dict[str, str] = {}
    for code, name, n in (
        rows.order_by()
        .values_list("category__code")
        .annotate(name=Min("category__name"), n=Count("id"))
        .values_list("category__code", "name", "n")
    ):
        by_category[code], names[code] = n, name
    row = _row("", region.name, total)
    return Summary(
        region=region.code,
        start=start,
        end=end,
        total=row.total,
        by_status=by_status,
        by_category=by_category,
        category_names=names,
        open=row.open,
        overdue=row.overdue,
        closed=row.closed,
        closed_on_time=row.closed_on_time,
        on_time_rate=row.on_time_rate,
        median_hours_to_close=row.median_hours,
    )


# --- The dashboard -------------------------------------------------------------------------------


def _areas(region: Region, communities: list[Region]) -> tuple[str, Any, dict[Any, str]]:
    """What the dashboard's areas are below ``region``, the grouping key, and labels:
    a county by town, a town by community, a community by grid (places in no grid
    apart), a grid by its places."""
    if region.level == Level.COUNTY:
        towns = {c.parent_id: c.parent.name for c in communities if c.parent is not None}
        return Level.TOWN, F("community__parent_id"), towns
    if region.level == Level.TOWN:
        return Level.COMMUNITY, F("community_id"), {c.pk: c.name for c in communities}
    below = list(Region.objects.filter(path__startswith=region.path).order_by("path"))
    if region.level == Level.COMMUNITY:
        grids = [r for r in below if r.level == Level.GRID]
        labels: dict[Any, str] = {g.pk: g.name for g in grids}
        labels[None] = _("not in a grid")
        whens = []
        for grid in grids:
            inside = [r.pk for r in below if r.path.startswith(grid.path)]
            whens.append(When(region_id__in=inside, then=grid.pk))
        if not whens:
            return Level.GRID, F("region_id"), {r.pk: r.name for r in below}
        return Level.GRID, Case(*whens, default=None, output_field=IntegerField()), labels
    return "place", F("region_id"), {r.pk: r.name for r in below}


def dashboard(
    *,
    viewer: Person | None,
    region: Region,
    start: date,
    end: date,
    now: datetime | None = None,
    handlers: bool | None = None,
) -> Dashboard:
    """The figures of ``region`` for the period: in all, by area (see ``_areas``), by
    category, by handler (a community and below, unless asked) and by month. A town or
    county on PostgreSQL: one pass over its incidents (``_one_pass``); otherwise five
    aggregate queries (ten on SQLite); plus the regions and one read of the calendar's
    corrections — the same whatever the number of incidents."""
    now = now or timezone.now()
    rows, communities = scoped(viewer, region, start, end)
    level, area_key, area_labels = _areas(region, communities)
    if handlers is None:
        handlers = region.level not in (Level.COUNTY, Level.TOWN)
    sampled = False
    if _pg() and region.level in (Level.COUNTY, Level.TOWN):
        tallies = _one_pass(region, start, end, now)
        total = _rolled(tallies, "total").get(None, {})
        town_of = {c.pk: c.parent_id for c in communities}
        areas = _rolled(tallies, "community", town_of if region.level == Level.COUNTY else None)
        found = Category.objects.filter(pk__in=list(tallies["category"])).values_list(
            "pk", "code", "name"
        )
        code_of = {pk: code for pk, code, _name in found}
        category_names = {code: name for _pk, code, name in found}
        categories = _rolled(tallies, "category", code_of)
        months = _rolled(tallies, "month")
        sampled = bool(tallies["sampled"]["sampled"])
    else:
        total = _total(rows, now)
        areas = _grouped(rows, area_key, now)
        categories = _grouped(rows, F("category__code"), now)
        category_names = dict(
            rows.order_by().values_list("category__code").annotate(n=Min("category__name"))
        )
        months = _grouped(rows, TruncMonth("created_at"), now)
    by_handler: dict[Any, dict[str, Any]] = {}
    handler_names: dict[Any, str] = {}
    if handlers:
        by_handler = _grouped(rows, F("assignee_id"), now)
        orgs = _grouped(rows.filter(assignee__isnull=True), F("organization_id"), now)
        by_handler.pop(None, None)
        ids = [k for k in by_handler if k is not None]
        handler_names = {
            p.pk: f"{p.name}（{p.volunteer_no}）"
            for p in Person.objects.filter(pk__in=ids).only("name", "volunteer_no")
        }
        org_names = dict(
            Organization.objects.filter(pk__in=[k for k in orgs if k is not None]).values_list(
                "pk", "name"
            )
        )
        for key, figures in orgs.items():
            label = org_names.get(key, _("not assigned yet"))
            by_handler[f"org-{key}" if key is not None else "none"] = figures
            handler_names[f"org-{key}" if key is not None else "none"] = label
    everything = [
        total,
        *areas.values(),
        *categories.values(),
        *months.values(),
        *by_handler.values(),
    ]
    late = _Overdue([f.get("oldest_due") for f in everything], timezone.localdate(now))

    def listed(groups: dict[Any, dict[str, Any]], labels: dict[Any, str]) -> list[Row]:
        return [
            _row(k, labels.get(k, str(k) if k is not None else "—"), f, late)
            for k, f in groups.items()
        ]

    by_area = sorted(
        listed(areas, area_labels), key=lambda r: (r.label == _("not in a grid"), r.label)
    )
    by_category = sorted(listed(categories, category_names), key=lambda r: -r.total)
    by_month = sorted(
        (
            _row(
                timezone.localtime(k).strftime("%Y-%m") if isinstance(k, datetime) else str(k)[:7],
                timezone.localtime(k).strftime("%Y-%m") if isinstance(k, datetime) else str(k)[:7],
                f,
                late,
            )
            for k, f in months.items()
            if k is not None
        ),
        key=lambda r: r.key,
        reverse=True,
    )
    return Dashboard(
        region=region,
        start=start,
        end=end,
        area_level=level,
        total=_row("", region.name, total, late),
        by_area=by_area,
        by_category=by_category,
        by_handler=sorted(listed(by_handler, handler_names), key=lambda r: (-r.overdue, -r.open)),
        by_month=by_month,
        sampled=sampled,
    )


def duration_text(seconds: float | None) -> str:
    """For people: hours under two days, else days, one decimal (``5.5 h`` / ``3.2 d``)."""
    if seconds is None:
        return "—"
    hours = seconds / 3600
    if hours < 48:
        return _("%(n)s h") % {"n": f"{hours:.1f}"}
    return _("%(n)s d") % {"n": f"{hours / 24:.1f}"}


def rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
