"""Demo 点单 and 微心愿 in 文昌社区, through the real services: the county's service menu
(with one line 文昌 prices its own way), and requests in every state a community sees —
one waiting for staff's check (asked by 蔡雅琴 for the elderly resident she acts for),
open ones to take, a wish on the wall, one being fulfilled and one fulfilled this month
(挂牌销号), one overdue, one given to a team whose leader must name who goes, one reported
done that 蔡雅琴 must confirm, and last month's completed ones: one rated five stars with
its claim approved, one confirmed automatically by ``jifen tick``.

Each request's times are its steps' times, set after the services took them: submitted
first, then taken or dispatched, done, confirmed — hours and days apart as in a real
month, with the due day counted from the day it was assigned.

Made once: seeding again finds 文昌's requests and adds nothing.
"""

from datetime import date, datetime, timedelta

from django.utils import timezone

from jifen.claims import services as claims
from jifen.claims.models import Claim
from jifen.lib import workdays
from jifen.people.models import Person, Team
from jifen.points.models import RuleItem, Unit
from jifen.points.services import save_rule_item
from jifen.regions.models import Region
from jifen.requests import services
from jifen.requests.models import Eligibility, Event, Kind, MenuItem, ServiceRequest

COUNTY, WENCHANG = "350524", "350524100001"

REQUEST, WISH = Kind.REQUEST, Kind.WISH
MENU = [
    # code, name, group, points, most points, who may take it, working days, serves
    ("JD01", "家电维修", "生活帮扶", 20, 40, Eligibility.ANYONE, 3, REQUEST),
    ("DB01", "代买代办", "生活帮扶", 10, 20, Eligibility.ANYONE, 2, REQUEST),
    ("LF01", "上门理发", "生活帮扶", 10, 20, Eligibility.TEAM, 5, REQUEST),
    ("PZ01", "陪诊就医", "健康关爱", 30, 60, Eligibility.PARTY, 3, REQUEST),
    ("XL01", "心理疏导", "健康关爱", 20, 40, Eligibility.ANYONE, 5, REQUEST),
    ("ZC01", "政策咨询", "咨询服务", 5, 10, Eligibility.PARTY, 2, REQUEST),
    ("XY01", "微心愿", "微心愿", 10, 30, Eligibility.ANYONE, 10, WISH),
]


def _menu(county: Region, wenchang: Region, staff: Person) -> None:
    if MenuItem.objects.filter(region=county).exists():
        return
    if not RuleItem.objects.filter(region=county, code="DD01").exists():
        save_rule_item(
            actor=None,
            region=county,
            code="DD01",
            name="居民点单服务",
            category="邻里互助",
            unit=Unit.TIME,
            points=10,
            effective_from=date(2020, 1, 1),
        )
    item = RuleItem.objects.get(region=county, code="DD01")
    for position, (code, name, group, points, most, who, days, kind) in enumerate(MENU):
        services.save_menu_item(
            actor=None,
            region=county,
            code=code,
            name=name,
            group=group,
            rule_item=item,
            points=points,
            max_points=most,
            eligibility=who,
            deadline_days=days,
            position=position,
            kind=kind,
        )
    # 文昌 pays more for repairs: its own line of the same code replaces the county's.
    services.save_menu_item(
        actor=staff,
        region=wenchang,
        code="JD01",
        name="家电维修",
        group="生活帮扶",
        rule_item=item,
        points=25,
        max_points=40,
        deadline_days=3,
        description="小家电、灯具、水龙头等上门维修，材料费由居民自理",
    )


def _ask(
    requester: Person, category: str, title: str, *, actor: Person | None = None, **more: object
) -> ServiceRequest:
    wenchang = Region.objects.get(code=WENCHANG)
    return services.submit_request(
        actor=actor or requester,
        person=requester,
        community=wenchang,
        category=category,
        title=title,
        **more,  # type: ignore[arg-type]
    )


# A step's usual distance from the one before it, in hours.
GAPS = {
    "publish": 3,
    "dispatch": 4,
    "reassign": 72,
    "accept": 5,
    "assign_member": 6,
    "done": 30,
    "confirm": 20,
    "auto_confirm": 24 * 7,
    "reject": 3,
    "cancel": 10,
}


def _dated(request: ServiceRequest, start: datetime) -> None:
    """Date the request's steps from ``start`` (the services took them a moment ago, one
    after another): each step its usual distance after the one before, and the request's
    own times and due day those of its steps."""
    at = start
    times: dict[str, datetime] = {}
    for event in Event.objects.filter(request=request).order_by("at", "id"):
        at = at + timedelta(hours=GAPS.get(event.step, 0))
        Event.objects.filter(pk=event.pk).update(at=at)
        times[event.step] = at
    request.refresh_from_db()
    assigned = max(
        (times[s] for s in ("dispatch", "reassign", "accept") if s in times), default=None
    )
    closed = next(
        (times[s] for s in ("confirm", "auto_confirm", "reject", "cancel") if s in times), None
    )
    due = None
    if assigned is not None:
        due = workdays.add_working_days(
            timezone.localtime(assigned).date(), request.menu_item.deadline_days
        )
    ServiceRequest.objects.filter(pk=request.pk).update(
        created_at=times["submit"],
        assigned_at=assigned if request.assigned_at else None,
        due_on=due if request.due_on else None,
        done_at=times.get("done") if request.done_at else None,
        closed_at=closed if request.closed_at else None,
    )
    if request.claim_id is not None and "done" in times:
        # The helper's claim is of the day the service was done, made on confirmation.
        Claim.objects.filter(pk=request.claim_id).update(
            occurred_on=timezone.localtime(times["done"]).date(),
            created_at=closed or times["done"],
        )


def _month_start() -> datetime:
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _overdue_start(deadline_days: int) -> datetime:
    """A start from which a request dispatched a few hours later is past its due day."""
    today = timezone.localdate()
    days = 7
    while workdays.add_working_days(today - timedelta(days=days), deadline_days) >= today:
        days += 1
    return timezone.now() - timedelta(days=days, hours=GAPS["dispatch"] + 1)


def seed_demo_requests(volunteers: dict[str, list[Person]]) -> None:
    county = Region.objects.get(code=COUNTY)
    wenchang = Region.objects.get(code=WENCHANG)
    staff = Person.objects.get(phone="13800000002")
    reviewer = Person.objects.get(phone="13800000003")
    yaqin = Person.objects.get(phone="13900000001")
    _menu(county, wenchang, staff)
    if ServiceRequest.objects.filter(community=wenchang).exists():
        return
    people = volunteers[WENCHANG]
    elder = people[40]  # 蔡雅琴 is her registered proxy
    helpers = people[5:10]
    helpers[2].is_party_member = True
    helpers[2].save(update_fields=["is_party_member"])

    # Last month: a visit to the clinic, rated five stars, its claim approved.
    clinic = _ask(
        people[44],
        "PZ01",
        "陪我去县医院复查血压",
        description="腿脚不便，需要有人陪同挂号、取药",
        address="文昌路 12 号 3 单元 502",
    )
    services.publish(actor=staff, request=clinic)
    services.accept(actor=helpers[2], request=clinic)
    services.mark_done(actor=helpers[2], request=clinic, note="已陪同复查，药已取回")
    clinic = services.confirm(
        actor=people[44], request=clinic, rating=5, comment="小伙子很耐心，谢谢社区"
    )
    assert clinic.claim is not None  # noqa: S101 - the helper has a home community
    claims.approve_claim(claim=clinic.claim, reviewer=reviewer)
    # Last month: a repair the resident never confirmed; jifen tick did, after 7 days.
    tap = _ask(people[45], "JD01", "厨房水龙头一直滴水", address="江滨花园 5 栋 103")
    services.dispatch(actor=staff, request=tap, person=helpers[0])
    services.mark_done(actor=helpers[0], request=tap, note="换了阀芯")
    services.confirm_unanswered(timezone.now() + timedelta(days=8))
    month_ago = timezone.now() - timedelta(days=32)
    _dated(clinic, month_ago)
    _dated(tap, month_ago + timedelta(days=1))

    # Waiting for staff's check: asked by 蔡雅琴 for the elderly resident she acts for.
    _ask(
        elder,
        "JD01",
        "抽油烟机不转了",
        actor=yaqin,
        description="开关按下去没反应，老人做饭不方便",
        address="文昌路 8 号 2 单元 301",
    )
    # Open to take: an errand, and a wish on the wall.
    errand = _ask(people[41], "DB01", "帮忙去药店买降压药", address="文昌路 20 号 101")
    services.publish(actor=staff, request=errand)
    book = _ask(people[42], "XY01", "想要一本大字版《红楼梦》", kind=Kind.WISH)
    services.publish(actor=staff, request=book)
    # A wish being fulfilled: taken from the wall.
    phone = _ask(people[43], "XY01", "想学会用手机和孙子视频通话", kind=Kind.WISH)
    services.publish(actor=staff, request=phone)
    services.accept(actor=helpers[1], request=phone)
    _dated(phone, timezone.now() - timedelta(days=1))
    # A wish fulfilled this month: 挂牌销号 on the wall and the big screen.
    radio = _ask(people[48], "XY01", "想要一台收音机听戏", kind=Kind.WISH)
    services.publish(actor=staff, request=radio)
    services.accept(actor=helpers[0], request=radio)
    services.mark_done(actor=helpers[0], request=radio, note="送去了一台旧收音机，已调好台")
    services.confirm(actor=people[48], request=radio, rating=4, comment="天天都在听，谢谢")
    fulfilled_from = timezone.now() - timedelta(days=3)
    if fulfilled_from >= _month_start():  # early in a month it keeps today's times
        _dated(radio, fulfilled_from)
    # Overdue: dispatched a week ago and still not done.
    light = _ask(people[46], "JD01", "楼道感应灯坏了", address="江滨花园 2 栋楼道")
    services.dispatch(actor=staff, request=light, person=helpers[3])
    _dated(light, _overdue_start(light.menu_item.deadline_days))
    # Given to a team: its leader names who goes.
    team = Team.objects.filter(region=wenchang, name="文昌社区文艺队").first()
    if team is not None:
        haircut = _ask(people[47], "LF01", "想请人上门理发", address="文昌路 30 号 202")
        services.dispatch(actor=staff, request=haircut, team=team)
        _dated(haircut, timezone.now() - timedelta(hours=8))
    # Reported done: 蔡雅琴 confirms and rates it.
    mine = _ask(yaqin, "JD01", "电饭煲插电没反应", address="文昌路 16 号 401")
    services.dispatch(actor=staff, request=mine, person=helpers[4])
    services.mark_done(actor=helpers[4], request=mine, note="插头松了，已修好")
    _dated(mine, timezone.now() - timedelta(days=2))
