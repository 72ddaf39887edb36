"""Rankings (排名) of a community, a town or the county, for a month or a year to date.

A person's score is what they earned from a community's issuer less what went back to
it, summed over the communities in scope: the rule of the announcement's ranking
(``selectors.month_ranking``). Organisations and merchants are not ranked; only public
names are shown (``selectors.public_name``); ties go to the smaller person id, so the
order never changes between two readings of the same ledger.

A county's year is millions of transfers, and summing them takes longer than a page may
(docs/performance.md). So every ended month is rolled up once into ``MonthlyPoints``: a
row per person, community and month with the month's points and the year's so far,
built by ``jifen tick`` (``roll_up_ended``, which also catches up months it missed) and
at publication (``roll_up``). A ranking of the year to date reads the rows of the last
month rolled up and the ledger after it (the current month); a ranking of a month reads
that month's rows, or the ledger when it is not rolled up. ``RolledUpMonth`` marks what
is built, written in the same transaction as its rows; within a year a community's months
are built in order (a month's year-to-date is the month before's plus its own), and a
reading decides once which (community, month) comes from where, so nothing is counted
twice or missed, even while ``tick`` is building.

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
    """The communities a ranking covers."""

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


def _previous_in_year(month: str) -> str | None:
    """The month before, within the same calendar year (None for January)."""
    year, number = int(month[:4]), int(month[5:])
    return None if number == 1 else f"{year:04d}-{number - 1:02d}"


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
    """(person, [community,] points) from the transfers in the windows between a person
    and a community's issuer: + what the issuer gave, − what went back to it.

    Every transfer touching an issuer belongs to the issuer's community, so the windows
    are the issuers' transfers in a time range, which the (debit|credit, created_at)
    indexes find; they are summed per account before the accounts are looked at, so a
    month of a county joins its 142,000 accounts once, not once per transfer."""
    wanted = sorted({pk for window in windows for pk in window.communities})
    issuers = dict(
        Account.objects.filter(kind=AccountKind.ISSUER, region_id__in=wanted).values_list(
            "region_id", "pk"
        )
    )
    transfer, account = _table(Transfer), _table(Account)
    debit, credit = f"t.{_col(Transfer, 'debit')}", f"t.{_col(Transfer, 'credit')}"
    created, amount = f"t.{_col(Transfer, 'created_at')}", f"t.{_col(Transfer, 'amount')}"
    region = f"t.{_col(Transfer, 'region')}"

    def where(side: str) -> tuple[str, list[Any]]:
        conditions, params = [], []
        for window in windows:
            ids = [issuers[pk] for pk in window.communities if pk in issuers]
            if not ids:
                continue
            among, among_params = _in(side, ids)
            conditions.append(f"({among} AND {created} >= %s AND {created} < %s)")
            params += [*among_params, _moment(window.start), _moment(window.end)]
        return " OR ".join(conditions) or "1 = 0", params

    given, given_params = where(debit)
    back, back_params = where(credit)
    community = f", {region} AS community" if with_community else ""
    group = f", {region}" if with_community else ""
    outer = ", s.community AS community" if with_community else ""
    sql = (
        f"SELECT a.{_col(Account, 'person')} AS person{outer}, s.points AS points FROM ("  # noqa: S608 - names from the models; values are parameters
        f"SELECT {credit} AS account{community}, CAST(SUM({amount}) AS BIGINT) AS points "
        f"FROM {transfer} t "
        f"WHERE {given} GROUP BY {credit}{group} "
        f"UNION ALL "
        f"SELECT {debit} AS account{community}, -CAST(SUM({amount}) AS BIGINT) AS points "
        f"FROM {transfer} t "
        f"WHERE {back} GROUP BY {debit}{group}"
        f") s JOIN {account} a ON a.{_col(Account, 'id')} = s.account "
        f"WHERE a.{_col(Account, 'kind')} = %s"
    )
    return sql, [*given_params, *back_params, str(AccountKind.PERSON)]


# --- Building the roll-up -------------------------------------------------------------------------


def _ended(month: str, now: datetime | None = None) -> bool:
    return month_bounds(month)[1] <= (now or timezone.now())


def built_communities(month: str, communities: Iterable[int] | None = None) -> set[int]:
    found = RolledUpMonth.objects.filter(month=month)
    if communities is not None:
        found = found.filter(community_id__in=list(communities))
    return set(found.values_list("community_id", flat=True))


def _insert_rows(month: str, communities: list[int]) -> None:
    """The month's rows: its points from the ledger, and the year's so far added to the
    month before's rows (built already, by ``_build``'s order)."""
    start, end = month_bounds(month)
    rows, params = _ledger_sql([_Window(tuple(communities), start, end)], True)
    person, community = _col(MonthlyPoints, "person"), _col(MonthlyPoints, "community")
    points, year_points = _col(MonthlyPoints, "points"), _col(MonthlyPoints, "year_points")
    table, month_col = _table(MonthlyPoints), _col(MonthlyPoints, "month")
    parts = [f"SELECT person, community, points, points AS year_points FROM ({rows}) m"]  # noqa: S608 - names from the models; values are parameters
    before = _previous_in_year(month)
    if before is not None:
        among, among_params = _in(community, communities)
        parts.append(
            f"SELECT {person}, {community}, 0, {year_points} FROM {table} "  # noqa: S608
            f"WHERE {month_col} = %s AND {among}"
        )
        params += [before, *among_params]
    sql = (
        f"INSERT INTO {table} ({person}, {community}, {month_col}, {points}, {year_points}) "  # noqa: S608
        f"SELECT person, community, %s, SUM(points), SUM(year_points) "
        f"FROM ({' UNION ALL '.join(parts)}) x GROUP BY person, community "
        f"HAVING SUM(points) <> 0 OR SUM(year_points) <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [month, *params])


def _build(month: str, communities: list[int]) -> int:
    """Build one month for those of ``communities`` not built yet (the month before in
    the year must be built for them)."""
    built = 0
    for start in range(0, len(communities), _BUILD_CHUNK):
        chunk = communities[start : start + _BUILD_CHUNK]
        for _attempt in range(3):
            missing = sorted(set(chunk) - built_communities(month, chunk))
            if not missing:
                break
            try:
                with transaction.atomic():
                    # Markers first, in id order: a second builder of the same month waits
                    # on the first's and then finds them taken, instead of counting twice.
                    RolledUpMonth.objects.bulk_create(
                        [RolledUpMonth(community_id=pk, month=month) for pk in missing]
                    )
                    _insert_rows(month, missing)
                built += len(missing)
                break
            except IntegrityError:
                continue  # another build took some of them: see what is left
    return built


def roll_up(month: str, communities: Iterable[int] | None = None) -> int:
    """Build the ``MonthlyPoints`` of an ended month for these communities (default: every
    community), and those of the months before it in its year that are missing; how many
    (community, month) were built. Safe beside another build of the same months: the
    markers' unique constraint lets one of them build each, the other sees it built."""
    month = label(parse_month(month))
    if not _ended(month):
        return 0
    wanted = sorted(
        set(communities)
        if communities is not None
        else Region.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True)
    )
    built = 0
    for number in range(1, int(month[5:]) + 1):
        built += _build(f"{month[:4]}-{number:02d}", wanted)
    return built


def _first_transfer_month() -> date | None:
    first = Transfer.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return None if first is None else timezone.localtime(first).date().replace(day=1)


def roll_up_ended(as_of: date | None = None) -> int:
    """(From ``jifen tick``.) Roll up every month before ``as_of``'s (default today) that
    is over and not rolled up for every community, from January of the ledger's first
    year on, so months a tick missed are caught up. How many (community, month) were built."""
    today = timezone.localdate()
    last = (min(as_of, today) if as_of else today).replace(day=1)  # not included
    first = _first_transfer_month()
    if first is None or first >= last:
        return 0
    month = first.replace(month=1)
    communities = list(Region.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True))
    counts = dict(
        RolledUpMonth.objects.filter(month__gte=label(month), month__lt=label(last))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    built = 0
    while month < last:
        if counts.get(label(month), 0) < len(communities):
            built += _build(label(month), sorted(communities))
        month = next_month(month)
    return built


# --- Reading ------------------------------------------------------------------------------------


def _plan(scope: Scope, months: Iterable[str], rolled_up: bool = True) -> tuple[str, list[Any]]:
    """(person, points) rows of the scope's months, to aggregate: the roll-up where it is
    built (unless ``rolled_up`` is False), the ledger elsewhere.

    The months of a year from January on that are rolled up for every community of the
    scope come from the last one's ``year_points``; other months rolled up from their
    ``points``; a month rolled up for some communities only, from the roll-up for those
    and the ledger for the others; the rest (the current month first) from the ledger."""
    current = label(this_month())
    months = sorted(m for m in {label(parse_month(m)) for m in months} if m <= current)
    everyone = set(scope.communities)
    ended = [m for m in months if m < current]
    counts: dict[str, int] = {}
    if ended and everyone and rolled_up:
        counts = dict(
            RolledUpMonth.objects.filter(month__in=ended, community_id__in=scope.communities)
            .values("month")
            .annotate(n=Count("id"))
            .values_list("month", "n")
        )
    full = {m for m in ended if counts.get(m, 0) >= len(everyone)}
    partial = {
        m: built_communities(m, scope.communities)
        for m in ended
        if 0 < counts.get(m, 0) < len(everyone)
    }
    # Year to date: the longest run January, February, … of asked months all rolled up.
    year_ends: list[str] = []
    covered: set[str] = set()
    for year in sorted({m[:4] for m in ended}):
        run: list[str] = []
        for number in range(1, 13):
            month = f"{year}-{number:02d}"
            if month not in full or month not in months:
                break
            run.append(month)
        if run:
            year_ends.append(run[-1])
            covered.update(run)
    table = _table(MonthlyPoints)
    person, community = _col(MonthlyPoints, "person"), _col(MonthlyPoints, "community")
    month_col = _col(MonthlyPoints, "month")
    parts, params = [], []

    def rolled(column: str, ids: Sequence[int], which: Sequence[str]) -> None:
        among, among_params = _in(community, list(ids))
        in_months, month_params = _in(month_col, list(which))
        parts.append(
            f"SELECT {person} AS person, {_col(MonthlyPoints, column)} AS points "  # noqa: S608 - names from the models; values are parameters
            f"FROM {table} WHERE {among} AND {in_months}"
        )
        params.extend([*among_params, *month_params])

    if year_ends:
        rolled("year_points", scope.communities, year_ends)
    single = sorted(full - covered)
    if single:
        rolled("points", scope.communities, single)
    for month, ids in sorted(partial.items()):
        rolled("points", sorted(ids), [month])
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
    if windows:
        ledger, ledger_params = _ledger_sql(windows, False)
        parts.append(ledger)
        params += ledger_params
    if not parts:
        return "SELECT NULL AS person, 0 AS points WHERE 1 = 0", []
    return " UNION ALL ".join(parts), params


def _aggregate(rows: str, tail: str) -> str:
    # The columns of a UNION are named by its first SELECT, on SQLite as on PostgreSQL.
    # Every part is a bigint (the ledger's sums cast back from PostgreSQL's numeric), so
    # the sum runs on integers, which is what made a county's year fast enough.
    return f"SELECT person, SUM(points) AS total FROM ({rows}) x GROUP BY person {tail}"  # noqa: S608


def _read(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling this plan (JIT) costs PostgreSQL more than it saves over the
            # half million rows of a county's year (~50 ms of ~450, docs/performance.md).
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def scores(region: Region, months: Iterable[str], *, rolled_up: bool = True) -> dict[int, int]:
    """Every person's score over these months in the region (zero and below included):
    what the rankings order. For checks and exports; a page wants ``top``. ``rolled_up``
    False: all from the ledger (to compare)."""
    rows, params = _plan(scope_of(region), months, rolled_up)
    return {
        int(person): int(total) for person, total in _read(_aggregate(rows, ""), params) if person
    }


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


def top(
    region: Region, months: Iterable[str], size: int = RANKING_SIZE, *, rolled_up: bool = True
) -> list[Ranked]:
    """The ``size`` people with the highest positive score over these months in the
    region, highest first, ties by person id. ``rolled_up`` False: all from the ledger."""
    rows, params = _plan(scope_of(region), months, rolled_up)
    tail = "HAVING SUM(points) > 0 ORDER BY total DESC, person LIMIT %s"
    found = [
        (int(person), int(total))
        for person, total in _read(_aggregate(rows, tail), [*params, int(size)])
    ]
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


def month_top(
    region: Region, month: str, size: int = RANKING_SIZE, *, rolled_up: bool = True
) -> list[Ranked]:
    return top(region, [label(parse_month(month))], size, rolled_up=rolled_up)


def year_top(
    region: Region, year: int, size: int = RANKING_SIZE, *, rolled_up: bool = True
) -> list[Ranked]:
    """January 1st to now (or the whole of a past year)."""
    return top(region, year_months(year), size, rolled_up=rolled_up)
