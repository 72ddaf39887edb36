"""Rankings (排名) of a community, a town or the county, for a month or a year to date.

A person's score is what they earned from a community's issuer less what went back to
it, summed over the communities in scope: the rule of the announcement's ranking
(``selectors.month_ranking``). Organisations and merchants are not ranked; only public
names are shown (``selectors.public_name``); ties go to the smaller person id, so the
order never changes between two readings of the same ledger.

A county's year is millions of transfers, and summing them takes longer than a page may
(docs/performance.md). So every ended month is rolled up once into ``MonthlyPoints`` (a
row per person, community and month), by ``jifen tick`` (``roll_up_ended``, which also
catches up months it missed) and at publication (``roll_up``); a ranking reads those rows
for the months rolled up and the ledger for the rest: the current month, and any ended
month of a community whose roll-up has not been built yet. ``RolledUpMonth`` marks what
is built, written in the same transaction as its rows, and a reading decides once which
(community, month) comes from where, so nothing is counted twice or missed, even while
``tick`` is building.

Transfers are dated when they are posted and never change (the ledger is append-only),
so an ended month's figures never change either: its roll-up stays exact. A month is
rolled up only once it is over by the clock, whatever ``--as-of`` says.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput
from jifen.lib.months import label, month_bounds, next_month, parse_month, this_month
from jifen.people.models import Person
from jifen.points.models import Account, AccountKind, Transfer
from jifen.publicity.models import MonthlyPoints, RolledUpMonth
from jifen.publicity.selectors import RANKING_SIZE, public_name
from jifen.regions.models import Level, Region

SCOPES = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)
# Communities per statement when building: SQLite takes at most 32,766 parameters.
_BUILD_CHUNK = 500


@dataclass(frozen=True)
class Scope:
    """The communities a ranking covers, and where each of its months is read from."""

    region: Region
    communities: list[int]


def scope_of(region: Region) -> Scope:
    """The communities of a county, a town or a community (itself)."""
    if region.level not in SCOPES:
        raise InvalidInput(
            _("Rankings are kept for a county, a town or a community."), field="region"
        )
    if region.level == Level.COMMUNITY:
        ids = [region.pk]
    else:
        ids = list(
            Region.objects.filter(path__startswith=region.path, level=Level.COMMUNITY)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return Scope(region=region, communities=ids)


def year_months(year: int) -> list[str]:
    """January to December of ``year``, without the months still to come."""
    current = label(this_month())
    return [m for m in (f"{year:04d}-{n:02d}" for n in range(1, 13)) if m <= current]


# --- SQL ----------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _col(model: Any, name: str) -> str:
    return _q(model._meta.get_field(name).column)


def _table(model: Any) -> str:
    return _q(model._meta.db_table)


def _in(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``column`` among ``values``: one array parameter on PostgreSQL (one statement
    text whatever their number), a list of placeholders on SQLite."""
    if not values:
        return "1 = 0", []
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _moment(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


@dataclass(frozen=True)
class _Window:
    """Transfers of these communities from ``start`` (included) to ``end`` (excluded)."""

    communities: tuple[int, ...]
    start: datetime
    end: datetime


def _ledger_sql(windows: Sequence[_Window], with_community: bool) -> tuple[str, list[Any]]:
    """(person, [community,] points) of every transfer in the windows between a person and
    a community's issuer: + what the issuer gave, − what went back to it."""
    t, d, c = "t", "d", "c"
    transfer, account = _table(Transfer), _table(Account)
    region, created = f"{t}.{_col(Transfer, 'region')}", f"{t}.{_col(Transfer, 'created_at')}"
    conditions, params = [], []
    for window in windows:
        among, among_params = _in(region, window.communities)
        conditions.append(f"({among} AND {created} >= %s AND {created} < %s)")
        params += [*among_params, _moment(window.start), _moment(window.end)]
    where = " OR ".join(conditions) or "1 = 0"
    amount, kind, person = _col(Transfer, "amount"), _col(Account, "kind"), _col(Account, "person")
    community = f", {region} AS community" if with_community else ""
    joins = (
        f"FROM {transfer} {t} "
        f"JOIN {account} {d} ON {d}.{_col(Account, 'id')} = {t}.{_col(Transfer, 'debit')} "
        f"JOIN {account} {c} ON {c}.{_col(Account, 'id')} = {t}.{_col(Transfer, 'credit')} "
    )
    sql = (
        f"SELECT {c}.{person} AS person{community}, {t}.{amount} AS points {joins}"  # noqa: S608 - names from the models; values are parameters
        f"WHERE {d}.{kind} = %s AND {c}.{kind} = %s AND ({where}) "
        f"UNION ALL "
        f"SELECT {d}.{person}{community}, -{t}.{amount} {joins}"
        f"WHERE {d}.{kind} = %s AND {c}.{kind} = %s AND ({where})"
    )
    issuer, holder = str(AccountKind.ISSUER), str(AccountKind.PERSON)
    return sql, [issuer, holder, *params, holder, issuer, *params]


# --- Building the roll-up -------------------------------------------------------------------------


def _ended(month: str, now: datetime | None = None) -> bool:
    return month_bounds(month)[1] <= (now or timezone.now())


def built_communities(month: str, communities: Iterable[int] | None = None) -> set[int]:
    found = RolledUpMonth.objects.filter(month=month)
    if communities is not None:
        found = found.filter(community_id__in=list(communities))
    return set(found.values_list("community_id", flat=True))


def _insert_rows(month: str, communities: list[int]) -> None:
    start, end = month_bounds(month)
    rows, rows_params = _ledger_sql([_Window(tuple(communities), start, end)], True)
    sql = (
        f"INSERT INTO {_table(MonthlyPoints)} "  # noqa: S608 - names from the models; values are parameters
        f"({_col(MonthlyPoints, 'person')}, {_col(MonthlyPoints, 'community')}, "
        f"{_col(MonthlyPoints, 'month')}, {_col(MonthlyPoints, 'points')}) "
        f"SELECT person, community, %s, SUM(points) FROM ({rows}) x "
        f"GROUP BY person, community HAVING SUM(points) <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [month, *rows_params])


def roll_up(month: str, communities: Iterable[int] | None = None) -> int:
    """Build the ``MonthlyPoints`` of an ended month for these communities (default: every
    community) where they are not built yet; how many communities were built. Safe to run
    at the same time as another build of the same month: the markers' unique constraint
    lets one of them build each community, and the other sees it built."""
    month = label(parse_month(month))
    if not _ended(month):
        return 0
    wanted = sorted(
        set(communities)
        if communities is not None
        else Region.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True)
    )
    built = 0
    for start in range(0, len(wanted), _BUILD_CHUNK):
        chunk = wanted[start : start + _BUILD_CHUNK]
        for _attempt in range(3):
            missing = sorted(set(chunk) - built_communities(month, chunk))
            if not missing:
                break
            try:
                with transaction.atomic():
                    # Markers first, in id order: a second builder waits on the first's
                    # rows and then finds them taken, instead of counting twice.
                    RolledUpMonth.objects.bulk_create(
                        [RolledUpMonth(community_id=pk, month=month) for pk in missing]
                    )
                    _insert_rows(month, missing)
                built += len(missing)
                break
            except IntegrityError:
                continue  # another build took some of them: see what is left
    return built


def _first_transfer_month() -> date | None:
    first = Transfer.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return None if first is None else timezone.localtime(first).date().replace(day=1)


def roll_up_ended(as_of: date | None = None) -> int:
    """(From ``jifen tick``.) Roll up every month before ``as_of``'s (default today) that
    is over and not rolled up for every community, from the ledger's first month on, so
    months a tick missed are caught up. Returns how many (community, month) were built."""
    today = timezone.localdate()
    last = (min(as_of, today) if as_of else today).replace(day=1)  # not included
    first = _first_transfer_month()
    if first is None or first >= last:
        return 0
    communities = list(Region.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True))
    counts = dict(
        RolledUpMonth.objects.filter(month__gte=label(first), month__lt=label(last))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    built = 0
    month = first
    while month < last:
        if counts.get(label(month), 0) < len(communities):
            built += roll_up(label(month), communities)
        month = next_month(month)
    return built


# --- Reading ------------------------------------------------------------------------------------


def _plan(scope: Scope, months: Iterable[str]) -> tuple[str, list[Any]]:
    """(person, points) rows of the scope's months: the roll-up where it is built, the
    ledger elsewhere (a statement to aggregate)."""
    current = label(this_month())
    months = sorted(m for m in {label(parse_month(m)) for m in months} if m <= current)
    everyone = set(scope.communities)
    ended = [m for m in months if m < current]
    counts: dict[str, int] = {}
    if ended and everyone:
        counts = dict(
            RolledUpMonth.objects.filter(month__in=ended, community_id__in=scope.communities)
            .values("month")
            .annotate(n=Count("id"))
            .values_list("month", "n")
        )
    full: list[str] = []
    partial: dict[str, set[int]] = {}
    for month in ended:
        number = counts.get(month, 0)
        if number and number >= len(everyone):
            full.append(month)
        elif number:
            partial[month] = built_communities(month, scope.communities)
    # The ledger's windows: whole months where nothing is rolled up, merged when they
    # follow each other (one range to scan), and what is missing of partial months.
    windows: list[_Window] = []
    all_ids = tuple(scope.communities)
    for month in months:
        if month in full:
            continue
        start, end = month_bounds(month)
        if month in partial:
            windows.append(_Window(tuple(sorted(everyone - partial[month])), start, end))
        elif windows and windows[-1].communities == all_ids and windows[-1].end == start:
            windows[-1] = _Window(all_ids, windows[-1].start, end)
        else:
            windows.append(_Window(all_ids, start, end))
    parts, params = [], []
    table = _table(MonthlyPoints)
    person, points = _col(MonthlyPoints, "person"), _col(MonthlyPoints, "points")
    community, month_col = _col(MonthlyPoints, "community"), _col(MonthlyPoints, "month")
    rolled: list[tuple[Sequence[int], list[str]]] = []
    if full:
        rolled.append((scope.communities, full))
    rolled += [(sorted(ids), [m]) for m, ids in partial.items()]
    for ids, which in rolled:
        among, among_params = _in(community, list(ids))
        in_months, month_params = _in(month_col, which)
        parts.append(
            f"SELECT {person} AS person, {points} AS points FROM {table} "  # noqa: S608 - names from the models; values are parameters
            f"WHERE {among} AND {in_months}"
        )
        params += [*among_params, *month_params]
    if windows:
        ledger, ledger_params = _ledger_sql(windows, False)
        parts.append(ledger)
        params += ledger_params
    if not parts:
        return "SELECT NULL AS person, 0 AS points WHERE 1 = 0", []
    return " UNION ALL ".join(parts), params


def _aggregate(rows: str, tail: str) -> str:
    # The columns of a UNION are named by its first SELECT, on SQLite as on PostgreSQL.
    return f"SELECT person, SUM(points) AS total FROM ({rows}) x GROUP BY person {tail}"  # noqa: S608


def scores(region: Region, months: Iterable[str]) -> dict[int, int]:
    """Every person's score over these months in the region (zero and below included):
    what the rankings order. For checks and exports; a page wants ``top``."""
    rows, params = _plan(scope_of(region), months)
    with connection.cursor() as cursor:
        cursor.execute(_aggregate(rows, ""), params)
        return {int(person): int(total) for person, total in cursor.fetchall() if person}


@dataclass(frozen=True)
class Ranked:
    place: int
    person_id: int
    name: str  # public: masked, or 志愿者 and the number until they agree
    volunteer_no: str
    points: int

    def public(self) -> dict[str, Any]:
        """What a page or the screen may show (no person id)."""
        return {
            "place": self.place,
            "name": self.name,
            "volunteer_no": self.volunteer_no,
            "points": self.points,
        }


def top(region: Region, months: Iterable[str], size: int = RANKING_SIZE) -> list[Ranked]:
    """The ``size`` people with the highest positive score over these months in the
    region, highest first, ties by person id."""
    rows, params = _plan(scope_of(region), months)
    tail = "HAVING SUM(points) > 0 ORDER BY total DESC, person LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(_aggregate(rows, tail), [*params, int(size)])
        found = [(int(person), int(total)) for person, total in cursor.fetchall()]
    people = Person.objects.only("name", "consent_at", "volunteer_no").in_bulk(
        [pk for pk, _t in found]
    )
    ranked = []
    for place, (pk, points) in enumerate(found, start=1):
        person = people[pk]
        ranked.append(
            Ranked(
                place=place,
                person_id=pk,
                name=public_name(person.name, person.has_consented, person.volunteer_no),
                volunteer_no=person.volunteer_no or "",
                points=points,
            )
        )
    return ranked


def month_top(region: Region, month: str, size: int = RANKING_SIZE) -> list[Ranked]:
    return top(region, [label(parse_month(month))], size)


def year_top(region: Region, year: int, size: int = RANKING_SIZE) -> list[Ranked]:
    """January 1st to now (or the whole of a past year)."""
    return top(region, year_months(year), size)
