from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.utils import timezone

from jifen.claims import services
from jifen.claims.models import Claim
from jifen.lib.notify import MemoryBackend
from jifen.people.models import Person, Role, RoleGrant
from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Items:
    basic: RuleItem  # 10 points per hour
    skilled: RuleItem  # 20 points per hour
    visit: RuleItem  # 5 points per time


@pytest.fixture
def items(world) -> Items:
    def item(code: str, name: str, unit: str, points: int) -> RuleItem:
        version = save_rule_item(
            actor=None,
            region=world.county,
            code=code,
            name=name,
            category="邻里互助",
            unit=unit,
            points=points,
            effective_from=date(2020, 1, 1),
        )
        return version.item

    return Items(
        basic=item("BASIC", "环境整治", "hour", 10),
        skilled=item("SKILLED", "义诊", "hour", 20),
        visit=item("VISIT", "探访独居老人", "time", 5),
    )


@pytest.fixture
def second_reviewer(world) -> Person:
    person = make_person(world.wenchang, "郑复核")
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=world.wenchang)
    return person


@pytest.fixture
def outbox() -> list:
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


@pytest.fixture
def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


@pytest.fixture
def declare(world, items, yesterday):
    """A pending claim of the resident (or of ``person``), 2 hours of basic service."""

    def make(person: Person | None = None, item: RuleItem | None = None, **kw) -> Claim:
        return services.declare_service(
            actor=kw.pop("actor", None) or person or world.resident,
            person=person or world.resident,
            rule_item_id=(item or items.basic).pk,
            quantity=kw.pop("quantity", 2),
            occurred_on=kw.pop("occurred_on", yesterday),
            description=kw.pop("description", "清理楼道杂物"),
            **kw,
        )

    return make


@pytest.fixture
def third_reviewer(world) -> Person:
    """A third member of 文昌's review group: decides appeals the other two reviewed."""
    person = make_person(world.wenchang, "许三审")
    RoleGrant.objects.create(person=person, role=Role.REVIEWER, region=world.wenchang)
    return person


@pytest.fixture
def media(settings, tmp_path):
    """Uploads go to a temporary folder, never into the data directory."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def ledger():
    """Short ways to move points through the real posting code (tests/points)."""
    from tests.points.conftest import Ledger

    return Ledger()
