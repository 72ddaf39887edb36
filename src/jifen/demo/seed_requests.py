"""Demo 点单 and 微心愿 in 文昌社区, through the real services: the county's service menu
(with one line 文昌 prices its own way), and requests in every state a community sees —
one waiting for staff's check (asked by 蔡雅琴 for the elderly resident she acts for),
open ones to take, a wish on the wall and one being fulfilled, one overdue, one given to a
team whose leader must name who goes, one reported done that 蔡雅琴 must confirm, and
last month's completed ones: one rated five stars with its claim approved, one confirmed
automatically by ``jifen tick``.

Made once: seeding again finds 文昌's requests and adds nothing.
"""

from datetime import date, timedelta

from django.utils import timezone

from jifen.claims import services as claims
from jifen.people.models import Person, Team
from jifen.points.models import RuleItem, Unit
from jifen.points.services import save_rule_item
from jifen.regions.models import Region
from jifen.requests import services
from jifen.requests.models import Eligibility, Kind, MenuItem, ServiceRequest

COUNTY, WENCHANG = "350524", "350524100001"

MENU = [
    # code, name, group, points, most points, who may take it, working days
    ("JD01", "家电维修", "生活帮扶", 20, 40, Eligibility.ANYONE, 3),
    ("DB01", "代买代办", "生活帮扶", 10, 20, Eligibility.ANYONE, 2),
    ("LF01", "上门理发", "生活帮扶", 10, 20, Eligibility.TEAM, 5),
    ("PZ01", "陪诊就医", "健康关爱", 30, 60, Eligibility.PARTY, 3),
    ("XL01", "心理疏导", "健康关爱", 20, 40, Eligibility.ANYONE, 5),
    ("ZC01", "政策咨询", "咨询服务", 5, 10, Eligibility.PARTY, 2),
    ("XY01", "微心愿", "微心愿", 10, 30, Eligibility.ANYONE, 10),
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
    for position, (code, name, group, points, most, who, days) in enumerate(MENU):
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


def _back(request: ServiceRequest, days: int) -> None:
    """Move a finished request's times back by ``days`` (last month's figures)."""
    request.refresh_from_db()
    shift = timedelta(days=days)
    ServiceRequest.objects.filter(pk=request.pk).update(
        created_at=request.created_at - shift,
        assigned_at=request.assigned_at - shift if request.assigned_at else None,
        done_at=request.done_at - shift if request.done_at else None,
        closed_at=request.closed_at - shift if request.closed_at else None,
    )


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
    for finished in (clinic, tap):
        _back(finished, 30)

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
    # Overdue: dispatched a week ago and still not done.
    light = _ask(people[46], "JD01", "楼道感应灯坏了", address="江滨花园 2 栋楼道")
    services.dispatch(actor=staff, request=light, person=helpers[3])
    ServiceRequest.objects.filter(pk=light.pk).update(
        assigned_at=timezone.now() - timedelta(days=7),
        due_on=timezone.localdate() - timedelta(days=2),
    )
    # Given to a team: its leader names who goes.
    team = Team.objects.filter(region=wenchang, name="文昌社区文艺队").first()
    if team is not None:
        haircut = _ask(people[47], "LF01", "想请人上门理发", address="文昌路 30 号 202")
        services.dispatch(actor=staff, request=haircut, team=team)
    # Reported done: 蔡雅琴 confirms and rates it.
    mine = _ask(yaqin, "JD01", "电饭煲插电没反应", address="文昌路 16 号 401")
    services.dispatch(actor=staff, request=mine, person=helpers[4])
    services.mark_done(actor=helpers[4], request=mine, note="插头松了，已修好")
