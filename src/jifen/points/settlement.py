"""Scheduled jobs of the ledger, run by ``jifen tick``: monthly bonuses and yearly expiry.

Each job for one community and period runs in one transaction that first takes
the row lock of its SettlementRun: a second tick at the same moment waits, then
sees the job done and skips it; a tick killed half-way leaves nothing behind, so
the next run does the whole job. Every posting also carries a key naming the
person and period, so even a job forced to run twice posts nothing twice.
"""

import os
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.people.models import Team
from jifen.points.ledger import (
    EARNING_KINDS,
    Posting,
    account_for,
    account_rows,
    ledger_text,
    post_many,
    system_account,
)
from jifen.points.models import (
    HOLDER_KINDS,
    Account,
    AccountKind,
    CommunityPolicy,
    SettlementRun,
    Transfer,
    TransferKind,
)
from jifen.points.services import policy_for
from jifen.regions.models import Level, Region

T = TransferKind


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> "Month":
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> "Month":
        year, month = text.split("-")
        return cls(int(year), int(month))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start(self) -> datetime:
        """The first instant of the month in the deployment's time zone."""
        return datetime.combine(
            self.first_day, datetime.min.time(), tzinfo=ZoneInfo(settings.TIME_ZONE)
        )


def months_between(first: Month, last: Month) -> Iterator[Month]:
    month = first
    while (month.year, month.month) <= (last.year, last.month):
        yield month
        month = month.next()


# --- The jobs -----------------------------------------------------------------------------


def team_leader_postings(
    community: Region,
    month: Month,
    policy: CommunityPolicy | None = None,
    issuer: Account | None = None,
    teams: list[tuple[Team, Account | None]] | None = None,
) -> Iterator[Posting]:
    """The leader of a team with at least N members (leader included) at the month's end.

    ``teams``: the community's teams, annotated with ``size`` at the month's end, each
    with its leader's account (or None), when the caller has read them already."""
    policy = policy or policy_for(community)
    if not policy.team_leader_enabled:
        return
    if teams is None:
        end = month.last_day
        active = Q(memberships__joined_on__lte=end) & (
            Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gt=end)
        )
        found = list(
            Team.objects.filter(region__path__startswith=community.path)
            .annotate(size=Count("memberships", filter=active))
            .select_related("leader")
            .order_by("pk")
        )
        accounts = {
            account.person_id: account
            for account in Account.objects.filter(person_id__in=[t.leader_id for t in found])
        }
        teams = [(team, accounts.get(team.leader_id)) for team in found]
    issuer = issuer or system_account(community, AccountKind.ISSUER)
    for team, leader_account in teams:
        if team.size < policy.team_min_size:  # type: ignore[attr-defined]
            continue
        if team.leader.community_id is None or not team.leader.is_active:
            continue
        yield Posting(
            debit=issuer,
            credit=leader_account or account_for(team.leader),
            amount=policy.team_leader_points,
            kind=T.BONUS,
            key=f"bonus:team_leader:{team.pk}:{month}",
            memo=ledger_text(
                _("Team leader bonus %(month)s: %(team)s"), month=month, team=team.name
            ),
            source_type="team",
            source_id=team.pk,
            period=str(month),
        )


def _long_term_rows(month: Month, length: int) -> QuerySet[Transfer, Any]:
    """Per (community, credited account): the awards not reversed with a service date in
    each of the ``length`` months up to ``month``, grouped; only groups with service in
    every one of those months. One filtered COUNT per month: plain date ranges on the
    (region, kind, service_date) index, no date function per row."""
    window = [month]
    for _step in range(length - 1):
        window.insert(0, window[0].previous())
    per_month = {
        f"m{i}": Count("id", filter=Q(service_date__gte=m.first_day, service_date__lte=m.last_day))
        for i, m in enumerate(window)
    }
    reversed_ = Transfer.objects.filter(reverses=OuterRef("pk"))
    return (
        Transfer.objects.filter(
            kind=T.AWARD,
            service_date__gte=window[0].first_day,
            service_date__lte=month.last_day,
        )
        .exclude(Exists(reversed_))
        .values("region_id", "credit_id", "credit__kind", "credit__region_id")
        .annotate(**per_month)
        .filter(**{f"{name}__gt": 0 for name in per_month})
        .order_by("region_id", "credit_id")
    )


def long_term_postings(
    community: Region,
    month: Month,
    policy: CommunityPolicy | None = None,
    issuer: Account | None = None,
    qualified: list[tuple[int, str, int]] | None = None,
) -> Iterator[Posting]:
    """A volunteer with approved service dated in each of the last N months (this one too).

    ``qualified``: (id, kind, region_id) of the qualifying people's accounts, by id, when
    the caller has read them already."""
    policy = policy or policy_for(community)
    if not policy.long_term_enabled:
        return
    if qualified is None:
        rows = _long_term_rows(month, policy.long_term_months).filter(region=community)
        qualified = [
            (pk, kind, home)
            for pk, kind, home in rows.values_list("credit_id", "credit__kind", "credit__region_id")
            if kind == AccountKind.PERSON
        ]
    issuer = issuer or system_account(community, AccountKind.ISSUER)
    memo = ledger_text(_("Long-term volunteer bonus %(month)s"), month=month)
    period = str(month)
    # Only what a posting reads of an account: tens of thousands of them in a county.
    for account in account_rows(qualified):
        yield Posting(
            debit=issuer,
            credit=account,
            amount=policy.long_term_points,
            kind=T.BONUS,
            key=f"bonus:long_term:{account.pk}:{period}",
            memo=memo,
            period=period,
            source_type="long_term",
        )


def expiry_postings(
    community: Region, year: int, policy: CommunityPolicy | None = None
) -> Iterator[Posting]:
    """At the end of ``year``, points received before 1 January of year − N + 1 and not
    spent since expire (oldest points are spent first). Earned totals are kept forever."""
    policy = policy or policy_for(community)
    if not policy.expiry_years:
        return
    cutoff = Month(year - policy.expiry_years + 1, 1).start()
    year_end = Month(year + 1, 1).start()
    expiry = system_account(community, AccountKind.EXPIRY)
    inflow_kinds = EARNING_KINDS  # points received, imported paper history included
    accounts = Account.objects.filter(region=community, kind__in=HOLDER_KINDS, balance__gt=0)
    for account in accounts.order_by("pk").iterator(chunk_size=1000):
        old_in = (
            Transfer.objects.filter(
                credit=account, kind__in=inflow_kinds, created_at__lt=cutoff
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        if not old_in:
            continue
        # What left the account by the year's end, oldest points first; taking back an
        # award received after the cutoff cancels new points, so it spends no old ones.
        out = (
            Transfer.objects.filter(debit=account, created_at__lt=year_end)
            .exclude(kind=T.REVERSAL, reverses__created_at__gte=cutoff)
            .aggregate(s=Sum("amount"))["s"]
            or 0
        )
        back = (
            Transfer.objects.filter(credit=account, created_at__lt=year_end)
            .exclude(kind__in=inflow_kinds)
            .aggregate(s=Sum("amount"))["s"]
            or 0
        )
        due = min(account.balance, old_in - (out - back))
        if due > 0:
            yield Posting(
                debit=account,
                credit=expiry,
                amount=due,
                kind=T.EXPIRY,
                key=f"expiry:{account.pk}:{year}",
                period=f"{year}-12",
                memo=ledger_text(
                    _("Points received before %(date)s expired at the end of %(year)s"),
                    date=cutoff.date().isoformat(),
                    year=year,
                ),
            )


# --- Running them ----------------------------------------------------------------------------


def run_job(community: Region, job: str, period: str, postings: Iterator[Posting]) -> int | None:
    """Run one job once: None when it had already run, else the number posted."""
    with transaction.atomic():
        SettlementRun.objects.bulk_create(
            [SettlementRun(region=community, job=job, period=period)], ignore_conflicts=True
        )
        run = SettlementRun.objects.select_for_update().get(
            region=community, job=job, period=period
        )
        if run.completed_at is not None:
            return None
        run.posted = post_many(postings)
        run.completed_at = timezone.now()
        run.save(update_fields=["posted", "completed_at"])
        return run.posted


def first_month(community: Region) -> Month:
    """Jobs start with the month the community joined (or its oldest entry, if earlier)."""
    oldest = Transfer.objects.filter(region=community).order_by("created_at").first()
    started = community.created_at
    if oldest is not None and oldest.created_at < started:
        started = oldest.created_at
    return Month.of(timezone.localtime(started).date())


@dataclass
class TickReport:
    lines: list[str]
    posted: int = 0


def _jobs_of(month: Month) -> list[tuple[str, str]]:
    jobs = [("team_leader", str(month)), ("long_term", str(month))]
    if month.month == 12:
        jobs.append(("expiry", str(month.year)))
    return jobs


class _Month:
    """What one month's jobs read, for many communities at once: their policies and
    issuers, their teams with the leaders' accounts, and the accounts qualifying for the
    long-term bonus. A handful of queries per month instead of a handful per community:
    for a county of 300 communities the per-query cost was most of the settlement.

    It is read before each job takes its SettlementRun lock, as a job's own queries ran
    just before its first posting: a job already done by another tick still posts
    nothing, and every posting still carries its key."""

    def __init__(self, month: Month, communities: list[Region]) -> None:
        self.month = month
        self.communities = communities
        ids = [c.pk for c in communities]
        policies = {p.region_id: p for p in CommunityPolicy.objects.filter(region_id__in=ids)}
        self.policies = {c.pk: policies.get(c.pk) or CommunityPolicy(region=c) for c in communities}
        self.issuers: dict[int, Account] = {
            a.region_id: a
            for a in Account.objects.filter(region_id__in=ids, kind=AccountKind.ISSUER)
        }
        self._teams: dict[int, list[tuple[Team, Account | None]]] | None = None
        self._long_term: dict[int, list[tuple[int, str, int]]] | None = None

    def read_all(self) -> None:
        """Read everything now (the lazy parts are read on first use otherwise)."""
        if self.communities:
            self.teams(self.communities[0])
            self.long_term(self.communities[0])

    def issuer(self, community: Region) -> Account:
        if community.pk not in self.issuers:
            self.issuers[community.pk] = system_account(community, AccountKind.ISSUER)
        return self.issuers[community.pk]

    def teams(self, community: Region) -> list[tuple[Team, Account | None]]:
        """The community's teams (those of its compounds and grids too) with their size at
        the month's end, each with its leader's account if the leader has one."""
        if self._teams is None:
            self._teams = defaultdict(list)
            end = self.month.last_day
            active = Q(memberships__joined_on__lte=end) & (
                Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gt=end)
            )
            by_path = {c.path: c.pk for c in self.communities}
            teams = (
                Team.objects.filter(region__path__startswith=_common_path(self.communities))
                .annotate(size=Count("memberships", filter=active))
                .select_related("leader", "region")
                .order_by("pk")
            )
            found = []
            for team in teams:
                community_id = _community_of(team.region.path, by_path)
                if community_id is not None:
                    found.append((community_id, team))
            leaders = {
                account.person_id: account
                for account in Account.objects.filter(
                    person_id__in={team.leader_id for _c, team in found}
                )
            }
            for community_id, team in found:
                self._teams[community_id].append((team, leaders.get(team.leader_id)))
        return self._teams.get(community.pk, [])

    def long_term(self, community: Region) -> list[tuple[int, str, int]]:
        """(id, kind, region_id) of the people qualifying in the community, by id."""
        if self._long_term is None:
            self._long_term = defaultdict(list)
            by_length: dict[int, list[int]] = defaultdict(list)
            for c in self.communities:
                policy = self.policies[c.pk]
                if policy.long_term_enabled:
                    by_length[policy.long_term_months].append(c.pk)
            for length, ids in sorted(by_length.items()):
                rows = _long_term_rows(self.month, length).filter(region_id__in=ids)
                for region_id, pk, kind, home in rows.values_list(
                    "region_id", "credit_id", "credit__kind", "credit__region_id"
                ):
                    if kind == AccountKind.PERSON:
                        self._long_term[region_id].append((pk, kind, home))
        return self._long_term.get(community.pk, [])


def _common_path(communities: list[Region]) -> str:
    """The path of the lowest region above (or at) all these communities."""
    paths = [c.path for c in communities]
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[: prefix.rstrip("/").rfind("/") + 1]
    return prefix


def _community_of(path: str, by_path: dict[str, int]) -> int | None:
    """The community whose subtree holds the region of this path, if it is one of ours."""
    while path:
        if path in by_path:
            return by_path[path]
        path = path[: path.rstrip("/").rfind("/") + 1] if path.count("/") > 2 else ""
    return None


def settle(as_of: date, region: Region | None = None, workers: int | None = None) -> TickReport:
    """Settle every month not yet settled up to the month before ``as_of``.

    Month by month (each community's jobs keep their order: a month's bonuses, then
    December's expiry, then the next month), and within a month community by community,
    each job in its own transaction.

    ``workers``: how many communities are settled at once, each worker with its own
    database connection. By default up to four on PostgreSQL (communities are separate
    ledgers: no two of them post to the same system account, and a job's locks are
    taken in the same order whoever runs it), and one on SQLite, which writes one
    transaction at a time anyway. Inside a transaction (the caller's data not yet
    committed, invisible to other connections) it is always one.
    """
    report = TickReport(lines=[])
    last = Month.of(as_of).previous()
    communities = Region.objects.filter(level=Level.COMMUNITY).order_by("path")
    if region is not None:
        communities = communities.filter(path__startswith=region.path)
    # Finished jobs are skipped without opening a transaction for each of them.
    done = set(
        SettlementRun.objects.filter(completed_at__isnull=False).values_list(
            "region_id", "job", "period"
        )
    )
    due: dict[Month, list[tuple[int, Region, list[tuple[str, str]]]]] = defaultdict(list)
    for order, community in enumerate(communities):
        for month in months_between(first_month(community), last):
            jobs = [j for j in _jobs_of(month) if (community.pk, *j) not in done]
            if jobs:
                due[month].append((order, community, jobs))
    parallel = _workers(workers)
    lines: list[tuple[int, Month, int, str, int]] = []
    for month in sorted(due, key=lambda m: (m.year, m.month)):
        shared = _Month(month, [community for _o, community, _j in due[month]])
        if parallel > 1 and len(due[month]) > 1:
            shared.read_all()  # before the workers share it
            lines += _in_threads(parallel, due[month], partial(_settle_one, shared))
        else:
            for item in due[month]:
                lines += _settle_community(shared, *item)
    # Reported community by community, as before.
    lines.sort(key=lambda line: (line[0], line[1].year, line[1].month, line[2]))
    report.lines = [line[3] for line in lines]
    report.posted = sum(line[4] for line in lines)
    return report


def _settle_community(
    shared: _Month, order: int, community: Region, jobs: list[tuple[str, str]]
) -> list[tuple[int, Month, int, str, int]]:
    """Run the community's due jobs of the month, in order; one line per job that posted."""
    month = shared.month
    policy = shared.policies[community.pk]
    lines = []
    for index, (job, period) in enumerate(jobs):
        postings: Iterator[Posting]
        if job == "team_leader":
            postings = team_leader_postings(
                community, month, policy, shared.issuer(community), shared.teams(community)
            )
        elif job == "long_term":
            postings = long_term_postings(
                community, month, policy, shared.issuer(community), shared.long_term(community)
            )
        else:
            postings = expiry_postings(community, month.year, policy)
        posted = run_job(community, job, period, postings)
        if posted:
            lines.append(
                (order, month, index, f"{community.code} {job} {period}: {posted}", posted)
            )
    return lines


def _settle_one(
    shared: _Month, item: tuple[int, Region, list[tuple[str, str]]]
) -> list[tuple[int, Month, int, str, int]]:
    return _settle_community(shared, *item)


def _workers(asked: int | None) -> int:
    if connection.in_atomic_block:
        return 1
    if asked is not None:
        return max(1, asked)
    if connection.vendor != "postgresql":
        return 1
    # Twice the CPUs, at most four: a worker spends half its time waiting for the server.
    return min(4, 2 * (os.cpu_count() or 1))


def _in_threads(count: int, items: list[Any], work: Callable[[Any], list[Any]]) -> list[Any]:
    """``work(item)`` for every item, ``count`` threads taking the next item as they
    finish one. The first failure stops them taking more, and is raised at the end."""
    pending: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    results: list[Any] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def worker() -> None:
        try:
            while not stop.is_set():
                try:
                    item = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    results.extend(work(item))
                except BaseException as exc:  # noqa: BLE001 - re-raised below
                    errors.append(exc)
                    stop.set()
        finally:
            connections.close_all()  # this thread's own connection

    threads = [
        threading.Thread(target=worker, name=f"jifen-settle-{i}")
        for i in range(min(count, len(items)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
