"""Unit spending and alliance steps under real concurrency on PostgreSQL: contacts
spending at once never overdraw the unit; two contacts asking to join at once make one
request; staff accepting and declining at once take one step.

Each test commits for real (``transaction=True``) and runs threads released together by
a barrier, each with its own connection."""

import pytest

from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.points.ledger import account_for
from jifen.units import services
from jifen.units.models import AllianceEvent, AllianceMembership, Spending
from tests.requests.test_concurrency import in_threads
from tests.units.conftest import earn

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


@pg
@transactional
def test_contacts_spending_at_once_never_overdraw_the_unit(world, unit):
    earn(world, unit, hours=3)  # 30 points
    use = services.save_use(actor=world.staff, community=world.wenchang, name="赞助积分超市")
    results = in_threads(
        6,
        lambda i: services.spend(
            actor=Person.objects.get(pk=unit.contact.pk),
            organization=unit.org,
            use=use,
            amount=10,
        ),
    )
    spent = [r for r in results if isinstance(r, Spending)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(spent) == 3 and len(refused) == 3, results
    assert Spending.objects.count() == 3  # a refused spending leaves no row behind
    assert account_for(unit.org).balance == 0


@pg
@transactional
def test_asking_to_join_twice_at_once_makes_one_request(world, unit):
    results = in_threads(
        4,
        lambda i: services.request_join(
            actor=Person.objects.get(pk=unit.contact.pk), organization=unit.org
        ),
    )
    assert sum(isinstance(r, AllianceMembership) for r in results) == 1, results
    assert all(isinstance(r, AllianceMembership | Conflict) for r in results), results
    assert AllianceMembership.objects.count() == 1
    assert AllianceEvent.objects.count() == 1


@pg
@transactional
def test_accept_and_decline_at_once_take_one_step(world, unit):
    membership = services.request_join(actor=unit.contact, organization=unit.org)
    steps = [
        lambda: services.accept(actor=world.staff, membership=membership.pk),
        lambda: services.decline(actor=world.staff, membership=membership.pk, reason="r"),
    ] * 2
    results = in_threads(len(steps), lambda i: steps[i]())
    assert sum(isinstance(r, AllianceMembership) for r in results) == 1, results
    assert AllianceEvent.objects.count() == 2
