"""``jifen tick`` (monthly bonuses, yearly expiry), the referral bonus and ``jifen verify``.

The communities of ``world`` are dated to 10 January 2025 here, so a tick as of a day in
2025 settles every month from January on (CONTRACT.md: "settles every month not yet
settled up to the month before").
"""

import importlib
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from jifen.people.models import Person, Team, TeamMember
from jifen.points import selectors, services, settlement
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.ledger import post_many as real_post_many
from jifen.points.models import (
    Account,
    AccountKind,
    CommunityPolicy,
    SettlementRun,
    Transfer,
    TransferKind,
)
from jifen.points.verify import check_ledger
from jifen.regions.models import Region
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

K = AccountKind
T = TransferKind
APPEND_ONLY = importlib.import_module("jifen.points.migrations.0002_append_only_ledger")


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.combine(
        date.fromisoformat(day), datetime.min.time(), tzinfo=ZoneInfo(settings.TIME_ZONE)
    ).replace(hour=hour)


@pytest.fixture
def past(world):
    """The communities joined Jifen on 10 January 2025."""
    Region.objects.update(created_at=at("2025-01-10"))
    return world


def tick(as_of: str) -> list[str]:
    out = StringIO()
    call_command("tick", as_of=as_of, stdout=out)
    return out.getvalue().splitlines()


def team_of(community: Region, size: int, joined: str = "2025-01-05", name: str = "") -> Team:
    """A team of ``size`` people, the leader included (as people.services.create_team makes
    it: the leader is a member too)."""
    leader = make_person(community, "队长")
    team = Team.objects.create(region=community, name=name or f"服务队{leader.pk}", leader=leader)
    members = [leader] + [make_person(community, "队员") for _ in range(size - 1)]
    for person in members:
        TeamMember.objects.create(team=team, person=person, joined_on=date.fromisoformat(joined))
    return team


def bonuses(source_type: str) -> list[tuple[int, str, int]]:
    """(credit account, period, amount) of every bonus of that type, oldest first."""
    return list(
        Transfer.objects.filter(kind=T.BONUS, source_type=source_type)
        .order_by("period", "credit_id")
        .values_list("credit_id", "period", "amount")
    )


def award_on(person: Person, service_date: str, amount: int = 20) -> Transfer:
    return services.award_points(
        person=person,
        amount=amount,
        key=f"award:{person.pk}:{service_date}:{amount}",
        actor=None,
        service_date=date.fromisoformat(service_date),
    )


def post_at(
    debit: Account, credit: Account, amount: int, kind: str, when: str, **extra
) -> Transfer:
    return post(
        Posting(
            debit=debit,
            credit=credit,
            amount=amount,
            kind=kind,
            key=f"{kind}:{debit.pk}:{credit.pk}:{when}:{amount}",
            created_at=at(when),
            **extra,
        )
    )


# --- Team leader -------------------------------------------------------------------------


def test_the_leader_of_a_team_of_ten_gets_the_bonus_and_of_nine_does_not(past):
    ten = team_of(past.wenchang, 10)
    nine = team_of(past.wenchang, 9)
    lines = tick("2025-02-01")
    leader = account_for(ten.leader)
    assert bonuses("team") == [(leader.pk, "2025-01", 10)]
    assert f"{past.wenchang.code} team_leader 2025-01: 1" in lines
    assert lines[-1].startswith("tick as of 2025-02-01: 1 posting(s)")
    transfer = Transfer.objects.get(kind=T.BONUS)
    assert (transfer.debit, transfer.source_id) == (
        system_account(past.wenchang, K.ISSUER),
        ten.pk,
    )
    assert selectors.balance_of(ten.leader) == selectors.Balance(10, 10, 0)
    assert selectors.balance_of(nine.leader).balance == 0
    assert list(check_ledger()) == []


def test_team_size_is_counted_at_the_months_end(past):
    team = team_of(past.wenchang, 10)
    gone = TeamMember.objects.filter(team=team).exclude(person=team.leader).first()
    # One member leaves on 20 January: 9 at the end of January.
    gone.left_on = date(2025, 1, 20)
    gone.save()
    # Someone joins on 1 February: not a member at the end of January.
    TeamMember.objects.create(
        team=team, person=make_person(past.wenchang, "新队员"), joined_on=date(2025, 2, 1)
    )
    # A member who leaves on the last day of February is gone at its end.
    last_day = TeamMember.objects.filter(team=team, left_on__isnull=True).exclude(
        person=team.leader
    )[0]
    last_day.left_on = date(2025, 2, 28)
    last_day.save()
    TeamMember.objects.create(
        team=team, person=make_person(past.wenchang, "又一个"), joined_on=date(2025, 3, 31)
    )
    tick("2025-04-01")
    leader = account_for(team.leader).pk
    # January 9, February 9 (one joined, one left on the 28th), March 10.
    assert bonuses("team") == [(leader, "2025-03", 10)]


# --- Long-term volunteers ------------------------------------------------------------------


def test_long_term_bonus_needs_service_in_each_of_the_last_three_months(past):
    steady = make_person(past.wenchang, "常服务")
    gap = make_person(past.wenchang, "有空档")
    reversed_ = make_person(past.wenchang, "被撤销")
    for day in ("2025-01-12", "2025-02-03", "2025-03-30"):
        award_on(steady, day)
    for day in ("2025-01-12", "2025-03-03", "2025-04-20"):
        award_on(gap, day)
    for day in ("2025-01-12", "2025-03-03"):
        award_on(reversed_, day)
    february = award_on(reversed_, "2025-02-14")
    services.reverse_transfer(transfer=february, actor=past.staff, reason="服务未核实")

    lines = tick("2025-05-01")
    # Only March closes a run of three months for 常服务; April has no service from them.
    assert bonuses("long_term") == [(account_for(steady).pk, "2025-03", 10)]
    assert f"{past.wenchang.code} long_term 2025-03: 1" in lines
    assert selectors.balance_of(steady) == selectors.Balance(70, 70, 0)
    # 有空档 served in Jan, Mar, Apr: no month closes three in a row.
    assert selectors.balance_of(gap).balance == 60
    # 被撤销's February award was reversed: it no longer counts.
    assert selectors.balance_of(reversed_).balance == 40
    assert list(check_ledger()) == []


def test_two_awards_in_a_month_still_make_one_month(past):
    person = make_person(past.wenchang, "一月两次")
    award_on(person, "2025-01-02")
    award_on(person, "2025-01-28")
    award_on(person, "2025-02-02")
    tick("2025-04-01")
    assert bonuses("long_term") == []


def test_policy_switches_and_amounts_are_respected(past):
    CommunityPolicy.objects.create(
        region=past.wenchang,
        team_leader_points=15,
        team_min_size=5,
        long_term_points=25,
        long_term_months=2,
    )
    CommunityPolicy.objects.create(
        region=past.wanmei, team_leader_enabled=False, long_term_enabled=False
    )
    small = team_of(past.wenchang, 5)
    off = team_of(past.wanmei, 12)
    volunteer = make_person(past.wenchang, "两个月")
    elsewhere = make_person(past.wanmei, "湾美人")
    for person in (volunteer, elsewhere):
        award_on(person, "2025-01-09")
        award_on(person, "2025-02-09")
    # 金悦 keeps the defaults: a team of 5 earns nothing there.
    default = team_of(past.jinyue, 5)

    tick("2025-03-01")
    assert bonuses("team") == [
        (account_for(small.leader).pk, "2025-01", 15),
        (account_for(small.leader).pk, "2025-02", 15),
    ]
    assert bonuses("long_term") == [(account_for(volunteer).pk, "2025-02", 25)]
    assert selectors.balance_of(off.leader).balance == 0
    assert selectors.balance_of(elsewhere).balance == 40
    assert selectors.balance_of(default.leader).balance == 0


# --- Referral ------------------------------------------------------------------------------


def test_the_referral_bonus_posts_once(world):
    referee = make_person(world.wenchang, "新人", referrer=world.resident)
    first = services.referral_bonus(referee=referee, actor=world.reviewer)
    again = services.referral_bonus(referee=referee, actor=world.reviewer)
    assert again.pk == first.pk
    assert (first.kind, first.amount, first.source_type, first.source_id) == (
        T.BONUS,
        10,
        "referral",
        referee.pk,
    )
    assert selectors.balance_of(world.resident) == selectors.Balance(10, 10, 0)
    assert Transfer.objects.count() == 1
    # A second newcomer brought by the same person earns the bonus again.
    services.referral_bonus(
        referee=make_person(world.wenchang, "又一新人", referrer=world.resident), actor=None
    )
    assert selectors.balance_of(world.resident).balance == 20


def test_the_referral_bonus_stays_once_when_the_policy_changes_afterwards(world):
    """Approving the newcomer's claim again (a retry, a second reviewer) after staff changed
    the bonus must not fail: the referrer already has their one bonus."""
    referee = make_person(world.wenchang, "新人", referrer=world.resident)
    first = services.referral_bonus(referee=referee, actor=None)
    CommunityPolicy.objects.create(region=world.wenchang, referral_points=20)
    assert services.referral_bonus(referee=referee, actor=None).pk == first.pk
    CommunityPolicy.objects.filter(region=world.wenchang).update(referral_enabled=False)
    assert services.referral_bonus(referee=referee, actor=None).pk == first.pk
    assert selectors.balance_of(world.resident).balance == 10


def test_the_referral_bonus_follows_the_referrers_community_policy(world):
    CommunityPolicy.objects.create(region=world.wenchang, referral_points=30)
    CommunityPolicy.objects.create(region=world.jinyue, referral_enabled=False)
    bonus = services.referral_bonus(
        referee=make_person(world.wanmei, "湾美新人", referrer=world.resident), actor=None
    )
    assert bonus.amount == 30
    assert bonus.region == world.wenchang
    assert (
        services.referral_bonus(
            referee=make_person(world.wenchang, "文昌新人", referrer=world.neighbour), actor=None
        )
        is None
    )
    assert (
        services.referral_bonus(referee=make_person(world.wenchang, "自己来"), actor=None) is None
    )
    world.stranger.is_active = False
    world.stranger.save()
    assert (
        services.referral_bonus(
            referee=make_person(world.wanmei, "晚来", referrer=world.stranger), actor=None
        )
        is None
    )
    assert Transfer.objects.count() == 1


# --- Running tick --------------------------------------------------------------------------


def test_tick_twice_posts_each_bonus_once(past):
    team = team_of(past.wenchang, 10)
    person = make_person(past.wenchang, "老志愿者")
    for day in ("2025-01-12", "2025-02-03", "2025-03-30"):
        award_on(person, day)
    first = tick("2025-04-01")
    count = Transfer.objects.count()
    again = tick("2025-04-01")
    assert first[-1].startswith("tick as of 2025-04-01: 4 posting(s)")  # 3 leader, 1 long-term
    assert again == [
        "tick as of 2025-04-01: 0 posting(s); 0 review reminder(s) sent; "
        "0 old failed login(s) pruned"
    ]
    assert Transfer.objects.count() == count
    # Even a job forced to run again (its run record gone) posts nothing twice: the keys hold.
    for month in ("2025-01", "2025-02", "2025-03"):
        assert (
            settlement.post_many(
                settlement.team_leader_postings(past.wenchang, settlement.Month.parse(month))
            )
            == 0
        )
    assert len(bonuses("team")) == 3
    assert account_for(team.leader).balance == 30
    assert list(check_ledger()) == []


def test_a_missed_month_is_caught_up(past):
    team = team_of(past.wenchang, 10)
    tick("2025-02-01")
    assert bonuses("team") == [(account_for(team.leader).pk, "2025-01", 10)]
    # Nobody ran tick in February, March or April.
    lines = tick("2025-05-20")
    leader = account_for(team.leader).pk
    assert bonuses("team") == [
        (leader, "2025-01", 10),
        (leader, "2025-02", 10),
        (leader, "2025-03", 10),
        (leader, "2025-04", 10),
    ]
    assert [line for line in lines if "team_leader" in line] == [
        f"{past.wenchang.code} team_leader 2025-0{m}: 1" for m in (2, 3, 4)
    ]
    done = SettlementRun.objects.filter(
        region=past.wenchang, job="team_leader", completed_at__isnull=False
    )
    assert sorted(done.values_list("period", flat=True)) == [f"2025-0{m}" for m in range(1, 5)]
    # May has not ended: it is not settled.
    assert not SettlementRun.objects.filter(period="2025-05").exists()


def _fail_after(count: int, job_period: tuple[str, str], monkeypatch) -> None:
    """Make the job ``(job, period)`` die once, after ``count`` of its postings are written
    (posted one by one, so they really are in the ledger when it dies)."""
    failed = []

    def post_many(postings, **kwargs):
        postings = list(postings)
        if failed or not postings:
            return real_post_many(iter(postings), **kwargs)
        first = postings[0]
        job = "team_leader" if first.source_type == "team" else first.source_type
        if (job, first.period) != job_period:
            return real_post_many(iter(postings), **kwargs)

        def stream():
            for i, posting in enumerate(postings):
                if i == count:
                    written = [p.key for p in postings[:count]]
                    assert Transfer.objects.filter(idempotency_key__in=written).count() == count
                    failed.append(job_period)
                    raise RuntimeError("the machine lost power")
                yield posting

        return real_post_many(stream(), chunk_size=1)

    monkeypatch.setattr(settlement, "post_many", post_many)


def test_a_tick_that_fails_half_way_leaves_nothing_and_the_next_run_completes(past, monkeypatch):
    teams = [team_of(past.wenchang, 10), team_of(past.wenchang, 11)]
    person = make_person(past.wenchang, "老志愿者")
    for day in ("2024-11-12", "2024-12-03", "2025-01-30"):
        award_on(person, day)
    before = Transfer.objects.count()
    _fail_after(1, ("team_leader", "2025-01"), monkeypatch)
    with pytest.raises(RuntimeError, match="lost power"):
        tick("2025-02-01")
    # The first leader's bonus was written, then the job died: it is all rolled back.
    assert Transfer.objects.count() == before
    assert not SettlementRun.objects.filter(completed_at__isnull=False).exists()
    assert all(account_for(t.leader).balance == 0 for t in teams)
    assert list(check_ledger()) == []

    monkeypatch.undo()
    tick("2025-02-01")
    assert bonuses("team") == sorted((account_for(t.leader).pk, "2025-01", 10) for t in teams)
    assert bonuses("long_term") == [(account_for(person).pk, "2025-01", 10)]
    assert tick("2025-02-01")[-1].startswith("tick as of 2025-02-01: 0 posting(s)")
    assert list(check_ledger()) == []


def test_a_catch_up_that_fails_in_a_later_month_keeps_the_months_done(past, monkeypatch):
    team = team_of(past.wenchang, 10)
    other = team_of(past.wenchang, 10)
    _fail_after(1, ("team_leader", "2025-02"), monkeypatch)
    with pytest.raises(RuntimeError):
        tick("2025-04-01")
    leaders = sorted(account_for(t.leader).pk for t in (team, other))
    # January was settled and stays; February died half-way and left nothing; March never ran.
    assert bonuses("team") == [(pk, "2025-01", 10) for pk in leaders]
    assert not SettlementRun.objects.filter(job="team_leader", period="2025-02").exists()
    monkeypatch.undo()
    tick("2025-04-01")
    assert bonuses("team") == [
        (pk, month, 10) for month in ("2025-01", "2025-02", "2025-03") for pk in leaders
    ]
    assert list(check_ledger()) == []


# --- Expiry --------------------------------------------------------------------------------


@pytest.fixture
def history(past):
    """Points received in 2024 and 2025, some spent (dated transfers, as if posted then)."""
    issuer = system_account(past.wenchang, K.ISSUER)
    shop = system_account(past.wenchang, K.SHOP)
    resident = account_for(past.resident)
    post_at(issuer, resident, 100, T.AWARD, "2024-06-01")
    post_at(issuer, resident, 50, T.AWARD, "2025-03-01")
    post_at(resident, shop, 30, T.REDEMPTION, "2025-05-01")
    # Spent all their old points in 2024: nothing of theirs is left to expire.
    thrifty = account_for(make_person(past.wenchang, "早花完"))
    post_at(issuer, thrifty, 40, T.AWARD, "2024-03-01")
    post_at(thrifty, shop, 40, T.REDEMPTION, "2024-09-01")
    post_at(issuer, thrifty, 15, T.AWARD, "2025-02-01")
    # 金悦 keeps the default: nothing ever expires there.
    post_at(
        system_account(past.jinyue, K.ISSUER),
        account_for(past.neighbour),
        60,
        T.AWARD,
        "2024-05-01",
    )
    return resident, thrifty


def test_expiry_is_off_by_default(history):
    tick("2026-01-05")
    assert not Transfer.objects.filter(kind=T.EXPIRY).exists()
    resident = history[0]
    assert (
        SettlementRun.objects.get(region=resident.region, job="expiry", period="2025").posted == 0
    )
    resident.refresh_from_db()
    assert resident.balance == 120


def test_points_received_before_the_cutoff_and_unspent_expire_at_year_end(history, past):
    resident, thrifty = history
    CommunityPolicy.objects.create(region=past.wenchang, expiry_years=1)
    lines = tick("2026-01-05")
    # Received 100 in 2024, spent 30 in 2025 (oldest points first): 70 expire on 31 Dec 2025.
    expiry = Transfer.objects.get(kind=T.EXPIRY)
    assert (expiry.debit_id, expiry.amount, expiry.period) == (resident.pk, 70, "2025-12")
    assert expiry.credit == system_account(past.wenchang, K.EXPIRY)
    assert f"{past.wenchang.code} expiry 2025: 1" in lines
    resident.refresh_from_db()
    thrifty.refresh_from_db()
    # Earned stays; spent is only what was redeemed.
    assert (resident.balance, resident.earned, resident.spent) == (50, 150, 30)
    assert (thrifty.balance, thrifty.earned) == (15, 55)
    assert account_for(past.neighbour).balance == 60
    totals = selectors.community_totals(past.wenchang)
    assert (totals.expired, totals.outstanding) == (70, 65)
    assert totals.balanced
    assert list(check_ledger()) == []
    # The year expires once: ticking again expires nothing more.
    tick("2026-01-06")
    assert Transfer.objects.filter(kind=T.EXPIRY).count() == 1


def test_an_expiry_run_before_the_year_ends_is_not_due(history, past):
    CommunityPolicy.objects.create(region=past.wenchang, expiry_years=1)
    tick("2025-12-31")  # December 2025 has not ended
    assert not Transfer.objects.filter(kind=T.EXPIRY).exists()
    assert not SettlementRun.objects.filter(job="expiry", period="2025").exists()


def test_a_reversed_new_award_does_not_spend_old_points(history, past):
    """Taking back a wrong award of 2025 cancels those points; it does not use up the
    2024 points, which are still unspent at the end of 2025 and expire."""
    resident, _thrifty = history
    issuer = system_account(past.wenchang, K.ISSUER)
    wrong = post_at(issuer, resident, 25, T.AWARD, "2025-06-01")
    post_at(resident, issuer, 25, T.REVERSAL, "2025-06-05", reverses=wrong)
    CommunityPolicy.objects.create(region=past.wenchang, expiry_years=1)
    tick("2026-01-05")
    assert Transfer.objects.get(kind=T.EXPIRY).amount == 70
    resident.refresh_from_db()
    assert resident.balance == 50


def test_imported_paper_history_counts_as_points_received_when_it_was_posted(history, past):
    """Imported history posted in 2025 is new points at the end of 2025: it neither
    expires nor makes the 2024 points look unspent (it was counted as money coming back)."""
    resident, _thrifty = history
    post_at(system_account(past.wenchang, K.ISSUER), resident, 50, T.IMPORTED, "2025-04-01")
    CommunityPolicy.objects.create(region=past.wenchang, expiry_years=1)
    tick("2026-01-05")
    assert Transfer.objects.get(kind=T.EXPIRY).amount == 70  # 100 of 2024, less 30 spent
    resident.refresh_from_db()
    assert resident.balance == 100  # the 50 of 2025 and the 50 imported in 2025


def test_two_years_of_expiry_with_a_longer_window(past):
    CommunityPolicy.objects.create(region=past.wenchang, expiry_years=2)
    issuer = system_account(past.wenchang, K.ISSUER)
    resident = account_for(past.resident)
    post_at(issuer, resident, 100, T.AWARD, "2023-05-01")
    post_at(issuer, resident, 40, T.AWARD, "2024-05-01")
    tick("2026-01-02")
    # End of 2024: points from before 2023-01-01 expire (none). End of 2025: points from
    # before 2024-01-01 (the 100 of 2023) expire; the 40 of 2024 wait for the end of 2026.
    expiries = list(Transfer.objects.filter(kind=T.EXPIRY).values_list("period", "amount"))
    assert expiries == [("2025-12", 100)]
    resident.refresh_from_db()
    assert (resident.balance, resident.earned) == (40, 140)
    assert list(check_ledger()) == []


# --- jifen verify --------------------------------------------------------------------------


def verify(*args: str) -> tuple[int, list[str]]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


@pytest.fixture
def busy(world, ledger):
    """A small ledger with a bit of everything."""
    award = ledger.award(world.resident, 50)
    ledger.award(world.neighbour, 30)
    redemption = ledger.redeem(world.resident, 20)
    services.reverse_transfer(transfer=redemption, actor=world.staff, reason="取消")
    ledger.redeem(world.resident, 5)
    return award


def test_verify_exits_0_on_a_clean_ledger(busy):
    assert verify() == (0, [])


def test_verify_names_an_account_whose_stored_balance_was_changed(busy, world):
    account = account_for(world.resident)
    _raw("UPDATE points_account SET balance = balance + 7 WHERE id = %s", [account.pk])
    code, lines = verify()
    assert code == 1
    assert lines == [
        f"balance mismatch: account {account.pk} (person) stores 52, its transfers give 45",
        "balances do not sum to zero: they sum to 7",
    ]
    # Checking another region only does not see it.
    assert verify("--region", world.wanmei.code) == (0, [])
    code, lines = verify("--region", world.wenchang.code)
    assert (code, len(lines)) == (1, 1)


def test_verify_names_an_account_whose_earned_was_changed(busy, world):
    account = account_for(world.neighbour)
    _raw("UPDATE points_account SET earned = 0, spent = 3 WHERE id = %s", [account.pk])
    code, lines = verify()
    assert code == 1
    assert lines == [
        f"earned mismatch: account {account.pk} stores 0, its transfers give 30",
        f"spent mismatch: account {account.pk} stores 3, its transfers give 0",
    ]


class triggers_off:
    """Switch the append-only triggers off, as only the table's owner can (a restore)."""

    def __enter__(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The foreign keys' deferred checks of this transaction's inserts must run
                # first: PostgreSQL alters no table with trigger events still pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE points_transfer DISABLE TRIGGER USER")
            else:
                for sql in APPEND_ONLY.SQLITE_REVERSE:
                    cursor.execute(sql)

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE points_transfer ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                for sql in APPEND_ONLY.SQLITE:
                    cursor.execute(sql)


def test_verify_names_a_transfer_changed_behind_the_triggers(busy, world):
    issuer = system_account(world.wenchang, K.ISSUER)
    resident = account_for(world.resident)
    with triggers_off():
        _raw("UPDATE points_transfer SET amount = 500 WHERE id = %s", [busy.pk])
    code, lines = verify()
    assert code == 1
    assert lines == [
        f"balance mismatch: account {issuer.pk} (issuer) stores -50, its transfers give -500",
        f"balance mismatch: account {resident.pk} (person) stores 45, its transfers give 495",
        f"earned mismatch: account {resident.pk} stores 50, its transfers give 500",
    ]
    # The triggers are back.
    with pytest.raises(Exception, match="append-only"):
        _raw("UPDATE points_transfer SET amount = 50 WHERE id = %s", [busy.pk])


def test_verify_names_a_transfer_turned_into_a_gift_between_two_holders(busy, world):
    redemption = Transfer.objects.filter(kind=T.REDEMPTION).order_by("-pk").first()
    shop = system_account(world.wenchang, K.SHOP)
    neighbour = account_for(world.neighbour)
    with triggers_off():
        _raw(
            "UPDATE points_transfer SET credit_id = %s WHERE id = %s",
            [neighbour.pk, redemption.pk],
        )
    code, lines = verify()
    assert code == 1
    assert sorted(lines) == sorted(
        [
            f"balance mismatch: account {shop.pk} (shop) stores 5, its transfers give 0",
            f"balance mismatch: account {neighbour.pk} (person) stores 30, its transfers give 35",
            f"holder-to-holder transfer: transfer {redemption.pk} moves points between holders",
        ]
    )
