import pytest
from django.db import connection

from jifen.lib.errors import Conflict, InvalidInput
from jifen.points import selectors, services
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, Transfer, TransferKind
from jifen.points.verify import check_ledger

pytestmark = pytest.mark.django_db


def test_an_award_moves_points_from_the_issuer_to_the_person(world, ledger):
    ledger.award(world.resident, 30)
    assert selectors.balance_of(world.resident) == selectors.Balance(30, 30, 0)
    issuer = system_account(world.wenchang, AccountKind.ISSUER)
    assert selectors.system_balance(issuer) == -30
    assert list(check_ledger()) == []


def test_a_replay_with_the_same_key_posts_nothing_more(world):
    first = services.award_points(person=world.resident, amount=10, key="claim:1", actor=None)
    again = services.award_points(person=world.resident, amount=10, key="claim:1", actor=None)
    assert again.pk == first.pk
    assert Transfer.objects.count() == 1
    assert selectors.balance_of(world.resident).balance == 10


def test_a_replay_with_other_inputs_is_refused(world):
    services.award_points(person=world.resident, amount=10, key="claim:1", actor=None)
    with pytest.raises(Conflict) as exc:
        services.award_points(person=world.resident, amount=20, key="claim:1", actor=None)
    assert exc.value.code == "idempotency_conflict"
    assert selectors.balance_of(world.resident).balance == 10


def test_spending_more_than_the_balance_is_refused_and_writes_nothing(world, ledger):
    ledger.award(world.resident, 30)
    with pytest.raises(Conflict) as exc:
        ledger.redeem(world.resident, 31)
    assert exc.value.code == "insufficient_points"
    assert Transfer.objects.count() == 1
    assert selectors.balance_of(world.resident) == selectors.Balance(30, 30, 0)


def test_spending_keeps_earned_and_counts_spent(world, ledger):
    ledger.award(world.resident, 50)
    redemption = ledger.redeem(world.resident, 20)
    assert selectors.balance_of(world.resident) == selectors.Balance(30, 50, 20)
    services.reverse_transfer(transfer=redemption, actor=world.staff, reason="cancelled")
    assert selectors.balance_of(world.resident) == selectors.Balance(50, 50, 0)
    assert Transfer.objects.filter(kind=TransferKind.REFUND, reverses=redemption).count() == 1


def test_a_transfer_is_reversed_at_most_once(world, ledger):
    award = ledger.award(world.resident, 40)
    services.reverse_transfer(transfer=award, actor=world.staff, reason="false claim")
    with pytest.raises(Conflict) as exc:
        services.reverse_transfer(transfer=award, actor=world.staff, reason="again")
    assert exc.value.code == "already_reversed"
    assert selectors.balance_of(world.resident).balance == 0
    # earned never falls (CONTRACT.md), even when an award is reversed
    assert selectors.balance_of(world.resident).earned == 40
    assert list(check_ledger()) == []


def test_reversing_spent_points_is_refused_never_below_zero(world, ledger):
    award = ledger.award(world.resident, 40)
    ledger.redeem(world.resident, 30)
    with pytest.raises(Conflict) as exc:
        services.reverse_transfer(transfer=award, actor=world.staff, reason="false claim")
    assert exc.value.code == "insufficient_points"
    assert selectors.balance_of(world.resident).balance == 10


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_amounts_are_whole_and_positive(world, amount):
    with pytest.raises(InvalidInput):
        services.award_points(person=world.resident, amount=amount, key="k", actor=None)
    assert Transfer.objects.count() == 0


def test_no_operation_moves_points_between_two_holders(world, ledger):
    ledger.award(world.resident, 40)
    for kind in TransferKind.values:
        with pytest.raises(InvalidInput) as exc:
            post(
                Posting(
                    debit=account_for(world.resident),
                    credit=account_for(world.neighbour),
                    amount=10,
                    kind=kind,
                    key=f"gift:{kind}",
                )
            )
        assert exc.value.code == "invalid_flow"
    assert selectors.balance_of(world.neighbour).balance == 0


def test_a_person_without_a_community_cannot_hold_points(world):
    with pytest.raises(InvalidInput) as exc:
        services.award_points(person=world.county_admin, amount=10, key="k", actor=None)
    assert exc.value.code == "no_community"


def test_balance_as_of_a_day_and_the_statement(world, ledger):
    from datetime import timedelta

    from django.utils import timezone

    ledger.award(world.resident, 30)
    ledger.redeem(world.resident, 10)
    account = account_for(world.resident)
    today = timezone.localdate()
    assert selectors.balance_as_of(account, today - timedelta(days=1)) == 0
    assert selectors.balance_as_of(account, today) == 20
    sheet = selectors.statement(account, today, today)
    assert sheet.opening == 0
    assert [line.signed for line in sheet.lines] == [30, -10]
    assert [line.running for line in sheet.lines] == [30, 20]
    assert sheet.closing == 20
    assert (sheet.received, sheet.paid) == (30, 10)


def test_community_totals_add_up(world, ledger):
    ledger.award(world.resident, 100)
    ledger.award(world.neighbour, 10)  # 金悦's ledger, not 文昌's
    ledger.redeem(world.resident, 30)
    totals = selectors.community_totals(world.wenchang)
    assert (totals.issued, totals.redeemed, totals.expired, totals.outstanding) == (100, 30, 0, 70)
    assert totals.balanced


def test_balance_read_is_one_query_however_long_the_history(
    world, ledger, django_assert_num_queries
):
    for _ in range(30):
        ledger.award(world.resident, 1)
    with django_assert_num_queries(1):
        assert selectors.balance_of(world.resident).balance == 30


def test_vendor_is_known():
    assert connection.vendor in {"sqlite", "postgresql"}
