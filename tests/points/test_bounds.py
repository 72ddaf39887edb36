"""No amount breaks the ledger: every points amount is bounded (CONTRACT, hardening rules).

An adjustment of 2^63 − 1 was once requested by staff and approved by an admin; SQLite's
SUM then overflowed on every total of the community and ``jifen verify`` died. Now the
services refuse any typed amount above ``MAX_POINTS``, the ledger refuses a transfer above
``MAX_TRANSFER``, and the database's CHECKs hold both lines when Python is bypassed.
"""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.lib.bounds import MAX_POINTS, MAX_TRANSFER
from jifen.lib.errors import InvalidInput
from jifen.points import services
from jifen.points.models import Adjustment, RuleItem, RuleVersion, Transfer
from jifen.points.verify import check_ledger
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

HUGE = [MAX_POINTS + 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 + 5]


@pytest.mark.parametrize("amount", [*HUGE, *(-a for a in HUGE)])
def test_an_adjustment_beyond_the_bound_is_refused_and_writes_nothing(world, api, amount):
    response = api(world.staff).post(
        "/adjustments", {"person": world.resident.pk, "amount": amount, "reason": "补录"}
    )
    assert_error(response, 400, "invalid_amount")
    assert not Adjustment.objects.exists()


def test_an_adjustment_at_the_bound_is_accepted_and_totals_still_add_up(world, api):
    staff, admin = api(world.staff), api(world.town_admin)
    for amount in (MAX_POINTS, MAX_POINTS, -MAX_POINTS):
        made = staff.post(
            "/adjustments", {"person": world.resident.pk, "amount": amount, "reason": "补录"}
        )
        assert made.status_code == 201, made.content
        approved = admin.post(f"/adjustments/{made.json()['id']}/approve")
        assert approved.status_code == 200, approved.content
    totals = admin.get(f"/communities/{world.wenchang.code}/totals")
    assert totals.status_code == 200, totals.content
    assert totals.json()["outstanding"] == MAX_POINTS


def test_the_service_refuses_an_adjustment_beyond_the_bound(world):
    with pytest.raises(InvalidInput) as refused:
        services.request_adjustment(
            actor=world.staff, person=world.resident, amount=2**63 - 1, reason="x"
        )
    assert refused.value.code == "invalid_amount"
    assert not Adjustment.objects.exists()


def test_rule_points_beyond_the_bound_are_refused(world, api):
    for points in (MAX_POINTS + 1, 2**63 - 1, 2**63):
        response = api(world.staff).post(
            "/rules/items",
            {
                "code": "A1",
                "name": "助老",
                "category": "为老服务",
                "unit": "hour",
                "points": points,
                "region": world.wenchang.code,
            },
        )
        assert response.status_code == 400, response.content
    assert not RuleVersion.objects.exists()


def test_a_bonus_beyond_the_bound_is_refused(world):
    with pytest.raises(InvalidInput):
        services.update_policy(
            actor=world.staff, community=world.wenchang, referral_points=MAX_POINTS + 1
        )


def test_the_ledger_refuses_a_transfer_beyond_its_bound(world, ledger):
    with pytest.raises(InvalidInput) as refused:
        ledger.award(world.resident, MAX_TRANSFER + 1)
    assert refused.value.code == "invalid_amount"
    assert not Transfer.objects.exists()


def test_the_database_refuses_a_transfer_beyond_its_bound(world, ledger):
    transfer = ledger.award(world.resident, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            region=transfer.region,
            debit=transfer.debit,
            credit=transfer.credit,
            amount=MAX_TRANSFER + 1,
            kind="award",
            idempotency_key="huge",
            request_digest="x",
        )


def test_the_database_refuses_rule_points_beyond_the_bound(world):
    item = RuleItem.objects.create(region=world.wenchang, code="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleVersion.objects.create(
            item=item,
            version=1,
            name="助老",
            category="为老服务",
            unit="hour",
            points=MAX_POINTS + 1,
            effective_from="2025-01-01",
        )


def test_the_database_refuses_an_adjustment_beyond_the_bound(world, ledger):
    ledger.award(world.resident, 10)
    from jifen.points.ledger import account_for

    with pytest.raises(IntegrityError), transaction.atomic():
        Adjustment.objects.create(
            region=world.wenchang,
            account=account_for(world.resident),
            amount=-(MAX_POINTS + 1),
            reason="x",
            requested_by=world.staff,
        )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(amounts=st.lists(st.integers(1, MAX_TRANSFER), min_size=1, max_size=40))
def test_no_sequence_of_bounded_transfers_overflows_a_total(world, amounts):
    """SUM over any number of transfers at the bound stays below 2^63: checked here with the
    database's own SUM over real rows, and by the arithmetic for the worst case."""
    with transaction.atomic():
        base = Transfer.objects.count()
        for n, amount in enumerate(amounts):
            services.award_points(person=world.resident, amount=amount, key=f"p:{n}", actor=None)
        total = Transfer.objects.aggregate(s=Sum("amount"))["s"]
        assert total == sum(amounts) and base == 0
        assert not list(check_ledger())
        transaction.set_rollback(True)
    # The worst case the bound allows before a SUM could overflow: far beyond any ledger.
    assert (2**63 - 1) // MAX_TRANSFER > 900_000_000


@pytest.mark.parametrize("day", ["9999-12-31", "1999-12-31"])
def test_tick_refuses_a_day_out_of_range(db, day):
    with pytest.raises(CommandError, match="--as-of"):
        call_command("tick", "--as-of", day)


@pytest.mark.parametrize("name", ["助老\r\n服务", "助老\u202e服务", "助老\ue000"])
def test_a_rule_item_name_is_one_printable_line(world, name):
    with pytest.raises(InvalidInput) as refused:
        services.save_rule_item(
            actor=None,
            region=world.wenchang,
            code="A1",
            name=name,
            category="为老服务",
            unit="hour",
            points=5,
        )
    assert refused.value.field == "name"
    assert not RuleVersion.objects.exists()


def test_an_adjustment_reason_refuses_what_cannot_be_printed(world):
    with pytest.raises(InvalidInput) as refused:
        services.request_adjustment(
            actor=world.staff, person=world.resident, amount=5, reason="补录\u202e"
        )
    assert refused.value.field == "reason"
