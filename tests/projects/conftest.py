"""Two units of 文昌 with their contacts, a party member, a rule item for unit service,
and helpers that make a project at each stage."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from jifen.people.models import Organization, OrganizationMember, Person, Role
from jifen.people.services import grant_role
from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from jifen.projects import services
from jifen.projects.models import Need, Project
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Units:
    clinic: Organization  # 县医院, a unit of 文昌
    clinic_contact: Person
    clinic_member: Person  # a member, not a contact
    bank: Organization  # 农商行, a unit of 文昌
    bank_contact: Person
    far: Organization  # a unit of 湾美, the other town
    far_contact: Person
    party_member: Person  # an in-service party member living in 文昌
    item: RuleItem  # 单位服务, 50 points a time


@pytest.fixture
def units(world) -> Units:
    return make_units(world)


def make_units(world) -> Units:
    clinic = Organization.objects.create(region=world.wenchang, name="县医院", kind="organ")
    clinic_contact = make_person(world.wenchang, "林医生")
    clinic_member = make_person(world.wenchang, "许护士")
    OrganizationMember.objects.create(organization=clinic, person=clinic_contact, is_contact=True)
    OrganizationMember.objects.create(organization=clinic, person=clinic_member)
    bank = Organization.objects.create(region=world.wenchang, name="农商行", kind="enterprise")
    bank_contact = make_person(world.wenchang, "郑行长")
    OrganizationMember.objects.create(organization=bank, person=bank_contact, is_contact=True)
    far = Organization.objects.create(region=world.wanmei, name="湾美供电所", kind="enterprise")
    far_contact = make_person(world.wanmei, "蔡电工")
    OrganizationMember.objects.create(organization=far, person=far_contact, is_contact=True)
    party_member = make_person(
        world.wenchang, "周党员", is_party_member=True, is_reporting_party_member=True
    )
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="UNIT",
        name="单位服务",
        category="红色积分联盟",
        unit="time",
        points=50,
        effective_from=date(2020, 1, 1),
    ).item
    return Units(
        clinic=clinic,
        clinic_contact=clinic_contact,
        clinic_member=clinic_member,
        bank=bank,
        bank_contact=bank_contact,
        far=far,
        far_contact=far_contact,
        party_member=party_member,
        item=item,
    )


@pytest.fixture
def second_reviewer(world) -> Person:
    person = make_person(world.wenchang, "郑复核")
    grant_role(actor=None, person=person, role=Role.REVIEWER, region=world.wenchang)
    return person


def make_need(world, title: str = "老旧小区楼道照明") -> Need:
    return services.create_need(
        actor=world.staff,
        community=world.wenchang,
        title=title,
        description="三栋楼道没有灯，老人夜里不敢下楼。",
        source="visit",
        source_note="十二月入户走访",
    )


def draft(world, units: Units, *, milestones: int = 2, points: int | None = 80) -> Project:
    soon = timezone.localdate() + timedelta(days=10)
    return services.create_project(
        actor=world.staff,
        community=world.wenchang,
        title="楼道照明改造",
        summary="给三栋楼道装声控灯。",
        budget_fen=1_250_000,
        milestones=[(f"第{n}步", soon + timedelta(days=n)) for n in range(1, milestones + 1)],
        rule_item=units.item if points else None,
        points=points,
    )


def published(world, units: Units, **kwargs) -> Project:
    return services.publish_project(actor=world.staff, project=draft(world, units, **kwargs))


def led(world, units: Units, **kwargs) -> Project:
    project = published(world, units, **kwargs)
    return services.lead_project(
        actor=units.clinic_contact, project=project, organization=units.clinic
    )


def all_reported(world, units: Units, **kwargs) -> Project:
    project = led(world, units, **kwargs)
    for milestone in project.milestones.all():
        services.report_milestone(actor=units.clinic_contact, milestone=milestone, note="完成")
    project.refresh_from_db()
    return project
