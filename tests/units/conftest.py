"""A unit of 文昌 with a contact and a member who is not a contact, a rule item for its
service, and helpers that earn it points through a reviewed claim."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from jifen.claims import services as claims
from jifen.people.models import Organization, OrganizationKind, Person
from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from jifen.units import services
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Unit:
    org: Organization  # 县供电公司, based in 文昌
    contact: Person
    member: Person  # a member, not a contact
    item: RuleItem  # 10 points per hour


@pytest.fixture
def unit(world) -> Unit:
    return make_unit(world)


def make_unit(world) -> Unit:
    contact = make_person(world.wenchang, "供电小郑")
    member = make_person(world.wenchang, "供电老李")
    org = services.create_unit(
        actor=world.staff,
        community=world.wenchang,
        name="县供电公司",
        kind=OrganizationKind.ENTERPRISE,
        contacts=[contact],
    )
    from jifen.people.services import add_organization_member

    add_organization_member(actor=world.staff, organization=org, person=member)
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="UNIT",
        name="单位志愿服务",
        category="红色积分联盟",
        unit="hour",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item
    return Unit(org=org, contact=contact, member=member, item=item)


def earn(world, unit: Unit, hours: int = 3) -> int:
    """The contact declares the unit's service, the reviewer approves: its points."""
    claim = claims.declare_service(
        actor=unit.contact,
        rule_item_id=unit.item.pk,
        quantity=hours,
        occurred_on=timezone.localdate() - timedelta(days=1),
        description="社区环境整治",
        organization=unit.org,
    )
    claim = claims.approve_claim(claim=claim, reviewer=world.reviewer)
    return claim.points
