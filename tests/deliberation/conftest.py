"""A building of 江滨花园 with its households, a 业委会 and a 物业 with contacts, an
inspector over 文昌, and a helper that opens a poll."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from jifen.deliberation import services
from jifen.deliberation.models import Matter, Tier
from jifen.people.models import Household, Organization, OrganizationMember, Person, Role
from jifen.people.services import grant_role
from jifen.regions.models import Region
from jifen.regions.services import add_region
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Block:
    building: Region  # 3 栋 of 江滨花园
    other_building: Region  # 5 栋
    residents: list[Person]  # three households of 3 栋
    outsider: Person  # lives in 5 栋
    owners: Organization  # 业委会
    owners_contact: Person
    property_co: Organization  # 物业
    property_contact: Person
    inspector: Person  # 巡察 over 文昌


def in_building(building: Region, label: str, name: str) -> Person:
    household = Household.objects.create(region=building, label=label)
    community = Region.objects.get(code=building.ancestor_codes()[2])
    return make_person(community, name, household=household)


@pytest.fixture
def block(world) -> Block:
    return make_block(world)


def make_block(world) -> Block:
    building = add_region(
        actor=None,
        code="350524100001001B3",
        name="3栋",
        level="building",
        parent_code=world.compound.code,
    )
    other = add_region(
        actor=None,
        code="350524100001001B5",
        name="5栋",
        level="building",
        parent_code=world.compound.code,
    )
    residents = [
        in_building(building, f"3栋{n}01", name)
        for n, name in ((1, "郑一楼"), (2, "何二楼"), (3, "孙三楼"))
    ]
    owners = Organization.objects.create(region=world.wenchang, name="江滨花园业委会")
    owners_contact = make_person(world.wenchang, "业委会老周")
    OrganizationMember.objects.create(organization=owners, person=owners_contact, is_contact=True)
    property_co = Organization.objects.create(region=world.compound, name="江滨物业")
    property_contact = make_person(world.wenchang, "物业小林")
    OrganizationMember.objects.create(
        organization=property_co, person=property_contact, is_contact=True
    )
    inspector = make_person(None, "巡察老方")
    grant_role(actor=None, person=inspector, role=Role.INSPECTOR, region=world.wenchang)
    return Block(
        building=building,
        other_building=other,
        residents=residents,
        outsider=in_building(other, "5栋101", "钱五楼"),
        owners=owners,
        owners_contact=owners_contact,
        property_co=property_co,
        property_contact=property_contact,
        inspector=inspector,
    )


def building_poll(world, block, *, hours: int = 48, quorum: int = 50) -> Matter:
    matter = services.create_matter(
        actor=world.staff,
        region=block.building,
        tier=Tier.SIMPLE,
        title="3栋楼道加装声控灯",
        description="楼道太暗，老人夜里上下楼不安全。",
    )
    return services.open_poll(
        actor=world.staff,
        matter=matter,
        closes_at=timezone.now() + timedelta(hours=hours),
        quorum_percent=quorum,
    )


def later(hours: float) -> datetime:
    return timezone.now() + timedelta(hours=hours)
