"""The alliance's workflow table drives every step; the ledger never moves a unit's
points to a person."""

import random

import pytest

from jifen.lib.errors import Conflict, InvalidInput
from jifen.points import ledger
from jifen.points.models import TransferKind
from jifen.units import services
from jifen.units.models import ALLOWED, STEPS, AllianceEvent, AllianceMembership, AllianceStatus
from tests.units.conftest import earn


def test_the_table_reaches_every_status_and_none_is_a_dead_end():
    reached = {step.target for step in STEPS.values()}
    assert reached == set(AllianceStatus.values)
    assert all(ALLOWED[status] for status in AllianceStatus.values)


@pytest.mark.parametrize("seed", range(3))
def test_random_steps_follow_the_table_and_each_is_in_the_history(world, unit, seed):
    rng = random.Random(seed)
    membership = services.request_join(actor=unit.contact, organization=unit.org)
    actions = {
        "request": lambda: services.request_join(actor=unit.contact, organization=unit.org),
        "accept": lambda: services.accept(actor=world.staff, membership=membership.pk),
        "decline": lambda: services.decline(
            actor=world.staff, membership=membership.pk, reason="r"
        ),
        "withdraw": lambda: services.withdraw(actor=unit.contact, membership=membership.pk),
        "leave": lambda: services.leave(actor=unit.contact, membership=membership.pk, reason="r"),
    }
    taken = 1
    for _ in range(25):
        status = AllianceMembership.objects.get(pk=membership.pk).status
        step = rng.choice(sorted(actions))
        if status in STEPS[step].sources:
            actions[step]()
            taken += 1
            assert AllianceMembership.objects.get(pk=membership.pk).status == STEPS[step].target
        else:
            with pytest.raises(Conflict, match="^invalid_transition$"):
                actions[step]()
            assert AllianceMembership.objects.get(pk=membership.pk).status == status
    events = list(AllianceEvent.objects.filter(membership_id=membership.pk))
    assert len(events) == taken
    for before, after in zip(events, events[1:], strict=False):
        assert after.from_status == before.to_status


@pytest.mark.parametrize("kind", list(TransferKind.values))
def test_the_ledger_refuses_a_units_points_to_a_person_whatever_the_kind(world, unit, kind):
    earn(world, unit)
    posting = ledger.Posting(
        debit=ledger.account_for(unit.org),
        credit=ledger.account_for(unit.contact),
        amount=1,
        kind=kind,
        key=f"test-unit-to-person-{kind}",
    )
    with pytest.raises(InvalidInput, match="^invalid_flow$"):
        ledger.post(posting)
    assert ledger.account_for(unit.contact).balance == 0
    assert ledger.account_for(unit.org).balance == 30


def test_no_flow_of_the_ledger_goes_from_holder_to_holder():
    assert ledger.holder_to_holder_flows() == []


def test_spending_goes_to_the_community_not_to_a_person(world, unit):
    earn(world, unit)
    use = services.save_use(actor=world.staff, community=world.wenchang, name="赞助积分超市")
    spending = services.spend(actor=unit.contact, organization=unit.org, use=use, amount=7)
    assert spending.transfer is not None
    assert spending.transfer.credit.person_id is None
    assert spending.transfer.credit.kind == "shop"
    assert spending.transfer.source_type == "units.spending"
    assert spending.transfer.memo == "县供电公司 · 赞助积分超市"  # names only, any language
