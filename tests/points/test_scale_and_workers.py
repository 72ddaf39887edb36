"""``jifen seed scale`` and the settlement's bulk paths: parallel workers, a month read once."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from jifen.demo.seed_scale import seed_scale, seeded_months
from jifen.people.models import Person, Team
from jifen.people.validation import luhn_digit
from jifen.points import settlement
from jifen.points.models import Account, SettlementRun, Transfer, TransferKind
from jifen.points.verify import check_ledger
from jifen.regions.models import Region

T = TransferKind
pg = pytest.mark.pg


def expected_bonus_keys(as_of: date) -> set[str]:
    """The keys the jobs would post, each community asked on its own (the per-community
    queries of the job generators, not the month read shared by settle)."""
    keys = set()
    last = settlement.Month.of(as_of).previous()
    for community in Region.objects.filter(level="community", code__startswith="SCALE"):
        for month in settlement.months_between(settlement.first_month(community), last):
            keys |= {p.key for p in settlement.team_leader_postings(community, month)}
            keys |= {p.key for p in settlement.long_term_postings(community, month)}
    return keys


@pytest.mark.django_db
def test_seed_scale_makes_a_county_that_verifies_and_refuses_a_second_time():
    today = timezone.localdate()
    report = seed_scale(120, months=3, communities=3, today=today)
    assert (report.communities, report.volunteers) == (3, 120)
    assert report.teams == Team.objects.filter(region__code__startswith="SCALE-C").count() > 0
    assert report.first_month == seeded_months(3, today)[0]
    people = Person.objects.filter(community__code__startswith="SCALE-C")
    assert people.count() == 120
    for person in people:
        base = f"{person.pk:08d}"
        assert person.volunteer_no == base + luhn_digit(base)
        assert not person.has_usable_password()
    assert Account.objects.filter(person__in=people).count() == 120
    assert Transfer.objects.filter(kind=T.AWARD).count() == report.transfers > 0
    assert list(check_ledger()) == []
    with pytest.raises(CommandError, match="already here"):
        seed_scale(10)


@pytest.mark.django_db
def test_tick_settles_the_seeded_months_as_each_community_alone_would():
    today = timezone.localdate()
    seed_scale(150, months=3, communities=3, today=today)
    expected = expected_bonus_keys(today)
    call_command("tick", as_of=today.isoformat(), stdout=StringIO())
    bonuses = set(Transfer.objects.filter(kind=T.BONUS).values_list("idempotency_key", flat=True))
    assert bonuses == expected
    assert any(":long_term:" in key for key in bonuses)
    assert any(":team_leader:" in key for key in bonuses)
    assert list(check_ledger()) == []


@pg
@pytest.mark.django_db(transaction=True)
def test_workers_settle_a_county_once_and_as_one_worker_would():
    today = timezone.localdate()
    seed_scale(200, months=3, communities=5, today=today)
    expected = expected_bonus_keys(today)
    report = settlement.settle(today, workers=3)
    assert report.posted == len(expected) > 0
    bonuses = list(Transfer.objects.filter(kind=T.BONUS).values_list("idempotency_key", flat=True))
    assert sorted(bonuses) == sorted(expected)
    # Lines come community by community, month by month, whoever ran them.
    codes = [line.split()[0] for line in report.lines]
    assert codes == sorted(codes)
    assert settlement.settle(today, workers=3).posted == 0
    runs = SettlementRun.objects.filter(completed_at__isnull=False)
    assert runs.count() == runs.values("region", "job", "period").distinct().count()
    assert list(check_ledger()) == []


@pg
@pytest.mark.django_db(transaction=True)
def test_a_worker_that_fails_stops_the_settlement_and_leaves_no_half_job(monkeypatch):
    today = timezone.localdate()
    seed_scale(120, months=3, communities=4, today=today)
    doomed = Region.objects.get(code="SCALE-C0002")
    real_run_job = settlement.run_job

    def run_job(community, job, period, postings):
        if community.pk == doomed.pk and job == "long_term":
            list(postings)
            raise RuntimeError("the machine lost power")
        return real_run_job(community, job, period, postings)

    monkeypatch.setattr(settlement, "run_job", run_job)
    with pytest.raises(RuntimeError, match="lost power"):
        settlement.settle(today, workers=2)
    assert list(check_ledger()) == []
    monkeypatch.undo()
    settlement.settle(today, workers=2)
    assert set(
        Transfer.objects.filter(kind=T.BONUS).values_list("idempotency_key", flat=True)
    ) == expected_bonus_keys(today)
    assert Team.objects.filter(region=doomed).exists()
    assert list(check_ledger()) == []


@pg
@pytest.mark.django_db(transaction=True)
def test_a_posting_on_its_own_is_one_transaction_that_refuses_an_overdraft():
    """Outside any transaction a posting goes to PostgreSQL as one message, one implicit
    transaction; a debit that cannot pay is refused by the balance CHECK and leaves
    nothing behind. Replays, conflicts and double reversals answer as inside one."""
    from django.db import connection

    from jifen.lib.errors import Conflict
    from jifen.points import ledger, services
    from jifen.points.ledger import Posting, account_for, post, system_account

    seed_scale(10, months=1, communities=1)
    person = Person.objects.filter(community__code="SCALE-C0001").first()
    with connection.cursor() as cursor:
        assert ledger._on_its_own(cursor)
    award = services.award_points(person=person, amount=40, key="own:1", actor=None)
    assert services.award_points(person=person, amount=40, key="own:1", actor=None) == award
    with pytest.raises(Conflict, match="idempotency_conflict"):
        services.award_points(person=person, amount=41, key="own:1", actor=None)
    shop = system_account(person.community, "shop")
    holder = account_for(person)
    before = (Transfer.objects.count(), holder.balance)
    with pytest.raises(Conflict) as refused:
        post(
            Posting(
                debit=holder, credit=shop, amount=holder.balance + 1, kind=T.REDEMPTION, key="own:2"
            )
        )
    assert refused.value.code == "insufficient_points"
    holder.refresh_from_db()
    assert (Transfer.objects.count(), holder.balance) == before
    spent = post(
        Posting(debit=holder, credit=shop, amount=holder.balance, kind=T.REDEMPTION, key="own:3")
    )
    services.reverse_transfer(transfer=spent, actor=None, reason="cancelled")
    with pytest.raises(Conflict) as again:
        post(
            Posting(
                debit=shop,
                credit=holder,
                amount=spent.amount,
                kind=T.REFUND,
                key="own:4",
                reverses=spent,
            )
        )
    assert again.value.code == "already_reversed"
    assert list(check_ledger()) == []
