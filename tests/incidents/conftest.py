"""Grids of 文昌社区, a grid worker on each, the county's categories and a property company."""

from dataclasses import dataclass
from datetime import date

import pytest

from jifen.incidents import services
from jifen.incidents.models import Category, Tier
from jifen.people.models import Organization, OrganizationMember, Person, Role, RoleGrant
from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from jifen.regions.models import Region
from jifen.regions.services import add_region
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Grids:
    east: Region  # 文昌 东片网格
    west: Region  # 文昌 西片网格
    worker: Person  # 网格员 of east
    other_worker: Person  # 网格员 of west
    clean: Category  # 环境卫生: grid, 3 working days, points for report and close
    danger: Category  # 安全隐患: community, 24 hours, photo required
    property_co: Organization  # 物业 with a contact
    contact: Person
    report_item: RuleItem
    close_item: RuleItem


@pytest.fixture
def grids(world) -> Grids:
    east = add_region(
        actor=None,
        code="350524100001G1",
        name="东片网格",
        level="grid",
        parent_code="350524100001",
    )
    west = add_region(
        actor=None,
        code="350524100001G2",
        name="西片网格",
        level="grid",
        parent_code="350524100001",
    )
    worker = make_person(world.wenchang, "郑网格")
    RoleGrant.objects.create(person=worker, role=Role.GRID, region=east)
    other = make_person(world.wenchang, "许网格")
    RoleGrant.objects.create(person=other, role=Role.GRID, region=west)

    def item(code: str, name: str, points: int) -> RuleItem:
        return save_rule_item(
            actor=None,
            region=world.county,
            code=code,
            name=name,
            category="网格治理",
            unit="time",
            points=points,
            effective_from=date(2020, 1, 1),
        ).item

    report_item, close_item = item("WG01", "网格事件上报", 2), item("WG02", "网格事件办结", 5)
    property_co = Organization.objects.create(region=world.wenchang, name="江滨物业")
    contact = make_person(world.wenchang, "物业小林")
    OrganizationMember.objects.create(organization=property_co, person=contact, is_contact=True)
    clean = services.save_category(
        actor=None,
        region=world.county,
        code="HJWS",
        name="环境卫生",
        tier=Tier.GRID,
        deadline_days=3,
        report_item=report_item,
        close_item=close_item,
    )
    danger = services.save_category(
        actor=None,
        region=world.county,
        code="AQYH",
        name="安全隐患",
        tier=Tier.COMMUNITY,
        deadline_hours=24,
        photo_required=True,
    )
    return Grids(
        east, west, worker, other, clean, danger, property_co, contact, report_item, close_item
    )
