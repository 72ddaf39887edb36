"""A county's service menu and a few people around a request in 文昌社区."""

from dataclasses import dataclass
from datetime import date

import pytest

from jifen.people.models import Person, Proxy
from jifen.points.services import save_rule_item
from jifen.requests import services
from jifen.requests.models import Eligibility, Kind, MenuItem, ServiceRequest
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person


@dataclass
class Menu:
    repair: MenuItem  # 家电维修, anyone, 10 points (≤ 30), 3 working days
    escort: MenuItem  # 陪诊, party members only, 60 points (cross-checked)
    wish: MenuItem  # 微心愿, anyone, 5 points: the one line serving wishes


@pytest.fixture
def menu(world) -> Menu:
    item = save_rule_item(
        actor=None,
        region=world.county,
        code="HELP",
        name="为民服务",
        category="邻里互助",
        unit="time",
        points=10,
        effective_from=date(2020, 1, 1),
    ).item

    def line(
        code: str,
        name: str,
        points: int,
        most: int,
        who: str = Eligibility.ANYONE,
        kind=Kind.REQUEST,
    ):
        return services.save_menu_item(
            actor=None,
            region=world.county,
            code=code,
            name=name,
            group="生活帮扶",
            rule_item=item,
            points=points,
            max_points=most,
            eligibility=who,
            deadline_days=3,
            kind=kind,
        )

    return Menu(
        repair=line("REPAIR", "家电维修", 10, 30),
        escort=line("ESCORT", "陪诊", 60, 80, Eligibility.PARTY),
        wish=line("WISH", "微心愿", 5, 20, kind=Kind.WISH),
    )


@pytest.fixture
def helper(world) -> Person:
    return make_person(world.wenchang, "周志愿")


@pytest.fixture
def daughter(world) -> Person:
    """王淑英's daughter, her registered family proxy."""
    agent = make_person(world.wenchang, "杜荣军")
    Proxy.objects.create(
        principal=world.resident,
        agent=agent,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    return agent


@pytest.fixture
def asked(world, menu) -> ServiceRequest:
    return services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="REPAIR",
        title="电饭煲坏了",
        description="按键没反应",
        address="江滨花园 3 栋 201",
    )
