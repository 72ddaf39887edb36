"""Messages of March 2026 in the test county, answered, late, reopened and left waiting,
with figures counted by hand (see ``test_figures.py``).

凤城镇 (town): 文昌 m1 m2 m3, 金悦 m4, and m7 addressed to the town itself; 参内镇: 湾美 m5.
m6 is written in April, outside the period."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jifen.messages import services
from jifen.messages.models import Message
from jifen.people.models import Person, Role
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import _grant, make_person

ZONE = ZoneInfo("Asia/Shanghai")
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=ZONE)  # a Monday
NOW = datetime(2026, 4, 15, 12, 0, tzinfo=ZONE)


@dataclass
class Inspected:
    inspector: Person  # 巡察 over 凤城镇
    county_inspector: Person
    m1: Message  # 文昌 policy: answered in 2 h, not resolved (2★), answered again
    m2: Message  # 文昌 sanitation: answered in 10 h, rated 5★, closed
    m3: Message  # 文昌 property: answered an hour after its first deadline
    m4: Message  # 金悦 policy: never answered, past due
    m5: Message  # 湾美 policy: answered in 1 h, in the other town
    m6: Message  # 文昌 policy, April: outside the period
    m7: Message  # 凤城镇 itself, suggestion: answered in 3 h


def _reload(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


@pytest.fixture
def inspected(world) -> Inspected:
    w = world

    def write(author: Person, region, topic: str, body: str, at: datetime) -> Message:
        return services.write(actor=author, region=region, topic=topic, body=body, now=at)

    m1 = write(w.resident, w.wenchang, "policy", "低保申请要什么材料？", BASE)
    services.reply(actor=w.staff, message=m1, body="请带身份证。", now=BASE + timedelta(hours=2))
    services.rate(
        actor=w.resident, message=m1, rating=2, resolved=False, now=BASE + timedelta(days=1)
    )
    services.reply(
        actor=w.staff, message=m1, body="已补充说明。", now=BASE + timedelta(days=1, hours=1)
    )
    m2 = write(w.resident, w.wenchang, "sanitation", "楼下路灯不亮", BASE)
    services.reply(actor=w.staff, message=m2, body="已报修。", now=BASE + timedelta(hours=10))
    services.rate(actor=w.resident, message=m2, rating=5, now=BASE + timedelta(days=1))
    m3 = write(w.resident, w.wenchang, "property", "物业费为何上涨", BASE)
    m3 = _reload(m3)
    services.reply(
        actor=w.staff, message=m3, body="正在核实。", now=m3.first_due_at + timedelta(hours=1)
    )
    m4 = write(w.neighbour, w.jinyue, "policy", "医保缴费在哪里办", BASE)
    m5 = write(w.stranger, w.wanmei, "policy", "村口路灯坏了", BASE)
    services.reply(
        actor=w.other_staff, message=m5, body="路灯已修好。", now=BASE + timedelta(hours=1)
    )
    m6 = write(w.resident, w.wenchang, "policy", "四月的留言", datetime(2026, 4, 1, 9, tzinfo=ZONE))
    m7 = write(w.resident, w.town, "suggestion", "建议镇里多办活动", BASE)
    services.reply(actor=w.town_admin, message=m7, body="感谢建议。", now=BASE + timedelta(hours=3))
    inspector = _grant(make_person(None, "郭巡察"), Role.INSPECTOR, w.town)
    county_inspector = _grant(make_person(None, "叶巡察"), Role.INSPECTOR, w.county)
    return Inspected(
        inspector=inspector,
        county_inspector=county_inspector,
        m1=_reload(m1),
        m2=_reload(m2),
        m3=_reload(m3),
        m4=_reload(m4),
        m5=_reload(m5),
        m6=_reload(m6),
        m7=_reload(m7),
    )
