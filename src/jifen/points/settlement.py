"""Scheduled jobs of the ledger, run by ``jifen tick``: monthly bonuses and yearly expiry.

Each job for one community and period runs in one transaction that first takes
the row lock of its SettlementRun: a second tick at the same moment waits, then
sees the job done and skips it; a tick killed half-way leaves nothing behind, so
the next run does the whole job. Every posting also carries a key naming the
person and period, so even a job forced to run twice posts nothing twice.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.people.models import Team
from jifen.points.ledger import (
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
) -> Iterator[Posting]:
    """The leader of a team with at least N members (leader included) at the month's end."""
    policy = policy or policy_for(community)
    if not policy.team_leader_enabled:
        return
    end = month.last_day
    active = Q(memberships__joined_on__lte=end) & (
        Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gt=end)
    )
    teams = (
        Team.objects.filter(region__path__startswith=community.path)
        .annotate(size=Count("memberships", filter=active))
        .filter(size__gte=policy.team_min_size)
        .select_related("leader", "leader__community")
        .order_by("pk")
    )
    issuer = issuer or system_account(community, AccountKind.ISSUER)
    teams_ = list(teams)  # a community's teams: a handful
    accounts = {
        account.person_id: account
        for account in Account.objects.filter(person_id__in=[t.leader_id for t in teams_])
    }
    for team in teams_:
        if team.leader.community_id is None or not team.leader.is_active:
            continue
        yield Posting(
            debit=issuer,
            credit=accounts.get(team.leader_id) or account_for(team.leader),
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


def long_term_postings(
    community: Region,
    month: Month,
    policy: CommunityPolicy | None = None,
    issuer: Account | None = None,
) -> Iterator[Posting]:
    """A volunteer with approved service dated in each of the last N months (this one too)."""
    policy = policy or policy_for(community)
    if not policy.long_term_enabled:
        return
    window = [month]
    for _step in range(policy.long_term_months - 1):
        window.insert(0, window[0].previous())
    # Service in each month of the window: one count per month, each above zero (plain
    # date ranges on the (region, kind, service_date) index; no date function per row).
    per_month = {
        f"m{i}": Count("id", filter=Q(service_date__gte=m.first_day, service_date__lte=m.last_day))
        for i, m in enumerate(window)
    }
    reversed_ = Transfer.objects.filter(reverses=OuterRef("pk"))
    qualified = (
        Transfer.objects.filter(
            region=community,
            kind=T.AWARD,
            service_date__gte=window[0].first_day,
            service_date__lte=month.last_day,
        )
        .exclude(Exists(reversed_))
        .values("credit_id")
        .annotate(**per_month)
        .filter(**{f"{name}__gt": 0 for name in per_month})
        .values_list("credit_id", flat=True)
    )
    issuer = issuer or system_account(community, AccountKind.ISSUER)
    memo = ledger_text(_("Long-term volunteer bonus %(month)s"), month=month)
    period = str(month)
    # Only what a posting reads of an account, in one read: a community's volunteers
    # (thousands at most) fit in memory; a county's are streamed community by community.
    # (Only people: the kind is checked here, on the few qualifying accounts, rather
    # than joined to every transfer of the window.)
    rows = Account.objects.filter(pk__in=qualified, kind=AccountKind.PERSON).order_by("pk")
    for account in account_rows(rows.values_list("id", "kind", "region_id")):
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
    inflow_kinds = (T.AWARD, T.BONUS, T.ADJUSTMENT)
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


def settle(as_of: date, region: Region | None = None) -> TickReport:
    """Settle every month not yet settled up to the month before ``as_of``."""
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
    for community in communities:
        # Read once per community, when a job is due.
        policy: CommunityPolicy | None = None
        issuer: Account | None = None
        for month in months_between(first_month(community), last):
            jobs: list[tuple[str, str, Callable[..., Iterator[Posting]]]] = [
                ("team_leader", str(month), partial(team_leader_postings, community, month)),
                ("long_term", str(month), partial(long_term_postings, community, month)),
            ]
            if month.month == 12:
                jobs.append(
                    ("expiry", str(month.year), partial(expiry_postings, community, month.year))
                )
            for job, period, postings in jobs:
                if (community.pk, job, period) in done:
                    continue
                policy = policy or policy_for(community)
                if job == "expiry":
                    posted = run_job(community, job, period, postings(policy=policy))
                else:
                    issuer = issuer or system_account(community, AccountKind.ISSUER)
                    posted = run_job(community, job, period, postings(policy=policy, issuer=issuer))
                if posted:
                    report.posted += posted
                    report.lines.append(f"{community.code} {job} {period}: {posted}")
    return report
