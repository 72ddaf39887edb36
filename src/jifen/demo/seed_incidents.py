"""Demo grid incidents (网格事件), through the real services: the county's categories with
the grid workers' points items (WG01 上报, WG02 办结), the property company 江滨物业 with
its contact, grid workers on 文昌's 东片网格 and 西片网格 and 湾美's 南片网格, and incidents
in every state — to accept, being handled by the grid and by the property company,
resolved and waiting for the check, overdue (督办), one escalated to the community, one
closed as a duplicate, and last month's closed ones, rated.

Made once: seeding again finds 文昌's incidents and adds nothing.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from jifen.incidents import services
from jifen.incidents.models import Category, Event, Incident, Tier
from jifen.lib import workdays
from jifen.people import services as people
from jifen.people.models import Organization, OrganizationMember, Person, Role
from jifen.points.models import RuleItem, Unit
from jifen.points.services import save_rule_item
from jifen.regions.models import Region

COUNTY, WENCHANG, WANMEI = "350524", "350524100001", "350524106001"
EAST, WEST, SOUTH = "350524100001901", "350524100001902", "350524106001901"
GRID_WORKER = "13800000009"  # 郑网格, printed with the demo logins

CATEGORIES = [
    # code, name, tier, working days, urgent hours, photo required
    ("HJWS", "环境卫生", Tier.GRID, 3, 0, False),
    ("AQYH", "安全隐患", Tier.COMMUNITY, 1, 24, True),
    ("SSSH", "设施损坏", Tier.GRID, 5, 0, False),
    ("LLJF", "邻里纠纷", Tier.COMMUNITY, 5, 0, False),
    ("WZTC", "违章停车", Tier.GRID, 2, 0, False),
    ("ZYRM", "噪音扰民", Tier.GRID, 3, 0, False),
    ("WYFW", "物业服务", Tier.GRID, 5, 0, False),
    ("QT", "其他", Tier.COMMUNITY, 5, 0, False),
]


def _items(county: Region) -> tuple[RuleItem, RuleItem]:
    for code, name, points in (("WG01", "网格事件上报", 2), ("WG02", "网格事件办结", 5)):
        if not RuleItem.objects.filter(region=county, code=code).exists():
            save_rule_item(
                actor=None,
                region=county,
                code=code,
                name=name,
                category="网格治理",
                unit=Unit.TIME,
                points=points,
                effective_from=date(2020, 1, 1),
            )
    return (
        RuleItem.objects.get(region=county, code="WG01"),
        RuleItem.objects.get(region=county, code="WG02"),
    )


def _property_company(wenchang: Region, staff: Person, contact: Person) -> Organization:
    found = Organization.objects.filter(region=wenchang, name="江滨物业").first()
    if found is None:
        found = people.create_organization(actor=staff, region=wenchang, name="江滨物业")
    if not OrganizationMember.objects.filter(organization=found, person=contact).exists():
        people.add_organization_member(
            actor=staff, organization=found, person=contact, is_contact=True
        )
    return found


def _categories(county: Region, property_co: Organization) -> None:
    if Category.objects.filter(region=county).exists():
        return
    report_item, close_item = _items(county)
    for position, (code, name, tier, days, hours, photo) in enumerate(CATEGORIES):
        services.save_category(
            actor=None,
            region=county,
            code=code,
            name=name,
            tier=tier,
            deadline_days=days,
            deadline_hours=hours,
            photo_required=photo,
            default_organization=property_co if code == "WYFW" else None,
            report_item=report_item,
            close_item=close_item,
            position=position,
        )


def _local(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _timed(
    incident: Incident,
    reported: datetime,
    accepted: datetime,
    resolved: datetime | None = None,
    closed: datetime | None = None,
) -> None:
    """Give an incident the times of a real handling, its history with them: the
    deadline counted from the accepted time with the working-day calendar, as the
    service counts it, so the accept event and the incident say the same."""
    incident.refresh_from_db()
    category = incident.category
    due = workdays.deadline(accepted, days=category.deadline_days, hours=category.deadline_hours)
    fields: dict[str, object] = {
        "created_at": reported,
        "accepted_at": accepted,
        "due_at": due,
        "resolved_at": resolved,
        "closed_at": closed,
    }
    if closed is not None and incident.close_reason == "fixed":
        fields["closed_on_time"] = closed <= due
    Incident.objects.filter(pk=incident.pk).update(**fields)
    at = {
        "report": reported,
        "accept": accepted,
        "assign": accepted + timedelta(minutes=12),
        "resolve": resolved,
        "verify_ok": closed,
        "rate": closed + timedelta(hours=2) if closed else None,
    }
    for event in Event.objects.filter(incident=incident):
        when = at.get(event.step)
        if when is not None:
            Event.objects.filter(pk=event.pk).update(
                at=when, due_at=due if event.due_at is not None else None
            )


def _accepted_to_be_late(days: int) -> datetime:
    """An accepted time whose deadline of ``days`` working days was the last working day
    before today: overdue by one working day (督办)."""
    today = timezone.localdate()
    due = today - timedelta(days=1)
    while not workdays.is_working_day(due):
        due -= timedelta(days=1)
    day = due - timedelta(days=1)
    while workdays.add_working_days(day, days) > due:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(9, 30)))


def seed_demo_incidents(volunteers: dict[str, list[Person]]) -> None:
    county = Region.objects.get(code=COUNTY)
    wenchang = Region.objects.get(code=WENCHANG)
    wanmei = Region.objects.get(code=WANMEI)
    east, west, south = (Region.objects.get(code=c) for c in (EAST, WEST, SOUTH))
    staff = Person.objects.get(phone="13800000002")
    staff_wm = Person.objects.get(phone="13800000007")
    worker = Person.objects.get(phone=GRID_WORKER)
    residents = volunteers[WENCHANG]
    west_worker, south_worker = residents[48], volunteers[WANMEI][48]
    for person, grid in ((west_worker, west), (south_worker, south)):
        people.grant_role(actor=None, person=person, role=Role.GRID, region=grid)
    contact = residents[49]
    property_co = _property_company(wenchang, staff, contact)
    _categories(county, property_co)
    if Incident.objects.filter(community=wenchang).exists():
        return

    def report(who: Person, where: Region, category: str, text: str, **more: object) -> Incident:
        return services.report(
            actor=who,
            region=where,
            category=category,
            description=text,
            **more,  # type: ignore[arg-type]
        )

    # Last month: closed after the fix was checked, rated by the reporters.
    # Hours after acceptance: fixed, then checked (one of them late: 5 working days
    # allowed, fixed on the 7th).
    for who, where, category, text, fix, rating, ago, fixed_after, checked_after in (
        (worker, east, "HJWS", "文昌路 8 号垃圾桶满溢", "已清运，加放一个垃圾桶", 5, 33, 5, 3),
        (
            residents[41],
            east,
            "SSSH",
            "小区健身器材螺丝松动",
            "已紧固并检查全部器材",
            4,
            31,
            220,
            20,
        ),
        (
            west_worker,
            west,
            "WZTC",
            "消防通道有车辆长期占用",
            "已联系车主挪车并张贴告示",
            5,
            29,
            26,
            4,
        ),
    ):
        item = report(who, where, category, text)
        handler = worker if where == east else west_worker
        services.accept(actor=handler, incident=item)
        services.assign(actor=handler, incident=item, person=handler)
        services.resolve(actor=handler, incident=item, note=fix)
        services.verify(actor=who if who != handler else staff, incident=item, ok=True)
        services.rate(actor=who, incident=item, rating=rating)
        reported = _local(ago, 8, 40)
        accepted = reported + timedelta(minutes=50)
        resolved = accepted + timedelta(hours=fixed_after)
        _timed(item, reported, accepted, resolved, resolved + timedelta(hours=checked_after))

    # To accept: a resident's report waits for the grid.
    report(residents[42], east, "ZYRM", "夜里广场舞音响声音太大", address="文昌广场")
    # Being handled by the grid worker, and by the property company (物业服务's default).
    noise = report(worker, east, "HJWS", "绿化带里有建筑垃圾", address="江滨路 66 号旁")
    services.accept(actor=worker, incident=noise)
    services.assign(actor=worker, incident=noise, person=worker)
    lift = report(residents[43], west, "WYFW", "3 栋电梯按钮失灵", address="江滨花园 3 栋")
    services.accept(actor=west_worker, incident=lift)
    services.assign(actor=west_worker, incident=lift, organization=property_co)
    # Resolved, waiting for the reporter's check.
    lamp = report(worker, east, "SSSH", "路灯不亮", address="文昌路 20 号")
    services.accept(actor=worker, incident=lamp)
    services.assign(actor=worker, incident=lamp, organization=property_co)
    services.resolve(actor=contact, incident=lamp, note="已更换灯泡")
    # Overdue (督办 from jifen tick): due by the last working day before today.
    for who, where, category, text in (
        (worker, east, "HJWS", "河道边堆放生活垃圾"),
        (west_worker, west, "WZTC", "共享单车堵住单元门口"),
    ):
        item = report(who, where, category, text)
        services.accept(actor=who, incident=item)
        services.assign(actor=who, incident=item, person=who)
        accepted = _accepted_to_be_late(item.category.deadline_days)
        _timed(item, accepted - timedelta(hours=1, minutes=20), accepted)
    # Escalated: a neighbours' quarrel the grid could not settle.
    quarrel = report(worker, east, "ZYRM", "楼上楼下因漏水起争执，多次调解未果")
    services.accept(actor=worker, incident=quarrel)
    services.escalate(actor=worker, incident=quarrel, note="涉及维修费用分担，需社区协调")
    # Closed as a duplicate of the one being handled.
    again = report(residents[44], east, "HJWS", "江滨路绿化带有建筑垃圾")
    services.close(
        actor=staff, incident=again, reason="duplicate", duplicate_of=noise, note="已在处理"
    )
    # A phone call staff took.
    report(staff, wenchang, "QT", "来电：文昌路公交站候车亭玻璃破裂", address="文昌路公交站")
    # 湾美: its grid worker's reports.
    pothole = report(south_worker, south, "SSSH", "小区入口路面塌陷")
    services.accept(actor=south_worker, incident=pothole)
    services.escalate(actor=south_worker, incident=pothole, note="路面塌陷范围大，需社区协调施工")
    report(staff_wm, wanmei, "HJWS", "来电：睦邻小区化粪池外溢")
