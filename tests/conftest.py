"""Shared test set-up: a small county and its personas.

Like healthchecks' Alice and Bob, every access rule is tested against people with
a role inside the region and people with the same role next door.
"""

import itertools
import os
from dataclasses import dataclass

import pytest
from django.db import connection

from jifen.people import services
from jifen.people.models import Person, Role
from jifen.regions.models import Region
from jifen.regions.services import add_region

PASSWORD = "correct-horse-42"
_phones = itertools.count(13700000000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_pg = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass")
    for item in items:
        if "pg" in item.keywords and not on_pg:
            item.add_marker(skip_pg)


def new_phone() -> str:
    return str(next(_phones))


def make_person(community: Region | None, name: str = "张伟", **details: object) -> Person:
    person = services.create_person_from_cli(
        name=name, phone=new_phone(), password=PASSWORD, community=community
    )
    for field, value in details.items():
        setattr(person, field, value)
    if details:
        person.save()
    return person


@dataclass
class World:
    county: Region
    town: Region
    other_town: Region
    wenchang: Region
    jinyue: Region
    wanmei: Region
    compound: Region
    county_admin: Person
    town_admin: Person
    staff: Person  # staff of 文昌
    other_staff: Person  # staff of 湾美, in the other town
    reviewer: Person
    merchant: Person
    kiosk: Person
    resident: Person  # lives in 文昌
    neighbour: Person  # lives in 金悦, same town
    stranger: Person  # lives in 湾美, other town


def _grant(person: Person, role: str, region: Region) -> Person:
    services.grant_role(actor=None, person=person, role=role, region=region)
    return person


@pytest.fixture
def world(db: None) -> World:
    county = add_region(actor=None, code="350524", name="安溪县", level="county")
    town = add_region(
        actor=None, code="350524100", name="凤城镇", level="town", parent_code="350524"
    )
    other_town = add_region(
        actor=None, code="350524106", name="参内镇", level="town", parent_code="350524"
    )
    wenchang = add_region(
        actor=None, code="350524100001", name="文昌社区", level="community", parent_code="350524100"
    )
    jinyue = add_region(
        actor=None, code="350524100002", name="金悦社区", level="community", parent_code="350524100"
    )
    wanmei = add_region(
        actor=None, code="350524106001", name="湾美社区", level="community", parent_code="350524106"
    )
    compound = add_region(
        actor=None,
        code="350524100001001",
        name="江滨花园小区",
        level="compound",
        parent_code="350524100001",
    )
    return World(
        county=county,
        town=town,
        other_town=other_town,
        wenchang=wenchang,
        jinyue=jinyue,
        wanmei=wanmei,
        compound=compound,
        county_admin=_grant(make_person(None, "林县管"), Role.ADMIN, county),
        town_admin=_grant(make_person(None, "吴凤城"), Role.ADMIN, town),
        staff=_grant(make_person(wenchang, "陈文昌"), Role.STAFF, wenchang),
        other_staff=_grant(make_person(wanmei, "李湾美"), Role.STAFF, wanmei),
        reviewer=_grant(make_person(wenchang, "黄审核"), Role.REVIEWER, wenchang),
        merchant=_grant(make_person(wenchang, "苏理发"), Role.MERCHANT, wenchang),
        kiosk=_grant(make_person(None, "大屏幕"), Role.KIOSK, wenchang),
        resident=make_person(wenchang, "王淑英"),
        neighbour=make_person(jinyue, "刘金悦"),
        stranger=make_person(wanmei, "蔡湾美"),
    )


def require_env(name: str) -> bool:
    return os.environ.get(name) == "1"
