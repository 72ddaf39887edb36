"""Shared test set-up: a small county and its personas.

Like healthchecks' Alice and Bob, every access rule is tested against people with
a role inside the region and people with the same role next door.
"""

import importlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import translation

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


# The ledger's triggers refuse DELETE and TRUNCATE of points_transfer (invariant 3),
# and that is exactly how Django empties the tables after a test marked
# ``django_db(transaction=True)`` (the concurrency and browser tests, whose threads
# commit for real): its flush would fail on the first such test. So, in tests only,
# the flush switches the triggers off around itself and back on after, in the same
# transaction, so no other connection ever sees the table unguarded. Production code
# never does this; the triggers themselves stay exactly as migration 0002 made them
# (on SQLite they are recreated from that migration's own SQL).
_APPEND_ONLY = importlib.import_module("jifen.points.migrations.0002_append_only_ledger")


def _execute_sql_flush_past_ledger_triggers(original):  # type: ignore[no-untyped-def]
    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        vendor = self.connection.vendor
        with transaction.atomic(using=self.connection.alias):
            with self.connection.cursor() as cursor:
                if vendor == "postgresql":
                    cursor.execute("ALTER TABLE points_transfer DISABLE TRIGGER USER")
                elif vendor == "sqlite":
                    for sql in _APPEND_ONLY.SQLITE_REVERSE:
                        cursor.execute(sql)
            original(self, sql_list)
            with self.connection.cursor() as cursor:
                if vendor == "postgresql":
                    cursor.execute("ALTER TABLE points_transfer ENABLE TRIGGER USER")
                elif vendor == "sqlite":
                    for sql in _APPEND_ONLY.SQLITE:
                        cursor.execute(sql)

    return execute_sql_flush


@pytest.fixture(scope="session", autouse=True)
def _flush_past_ledger_triggers() -> Iterator[None]:
    original = BaseDatabaseOperations.execute_sql_flush
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            BaseDatabaseOperations,
            "execute_sql_flush",
            _execute_sql_flush_past_ledger_triggers(original),
        )
        yield


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


@pytest.fixture(autouse=True)
def _language_of_the_deployment() -> Iterator[None]:
    """Every test starts in the deployment's language (zh-hans), whatever the test before
    it read: a test client's request in English leaves English active in this thread
    (LocaleMiddleware activates and nothing deactivates), and a test that words its
    expectations with gettext would then expect English from a server answering Chinese."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
