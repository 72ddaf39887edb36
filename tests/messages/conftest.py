"""An inspector over 凤城镇 and the county's default message topics."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from jifen.messages import services
from jifen.messages.models import Message
from jifen.people.models import Person, Role
from jifen.people.services import grant_role
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person
from tests.incidents.conftest import grids  # noqa: F401 - incident categories, shared

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


@dataclass
class Desk:
    inspector: Person  # 巡察 over 凤城镇 (文昌's town)
    town_staff: Person  # staff of 凤城镇


@pytest.fixture
def desk(world) -> Desk:
    inspector = make_person(None, "巡察组")
    grant_role(actor=None, person=inspector, role=Role.INSPECTOR, region=world.town)
    town_staff = make_person(None, "镇办事员")
    grant_role(actor=None, person=town_staff, role=Role.STAFF, region=world.town)
    services.ensure_topics(world.county)
    return Desk(inspector, town_staff)


@pytest.fixture
def written(world, desk) -> Message:
    """王淑英's public message to 文昌社区 about the rubbish, written Tue 2026-09-29."""
    return services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="sanitation",
        body="楼下垃圾桶三天没清运了",
        public=True,
        now=at(2026, 9, 29, 10, 0),
    )
