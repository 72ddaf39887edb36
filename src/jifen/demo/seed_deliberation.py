"""Demo 议事协商, through the real services: 江滨花园1栋 as a building of 文昌 (the demo's
households "江滨花园1栋…" registered there, and the demo volunteer 蔡雅琴 with them), the
party branch, the 业委会 and the 物业 as parties, and matters of every tier:

- 小事简议: a building poll closed yesterday with its result, decided, its action under way;
  and a building poll open now (蔡雅琴 may vote in it);
- 急事快议: an urgent poll of the three parties, closing in a few hours;
- 难事众议: a 社区联席会议 held last week, its minutes, its decision and three follow-up
  actions — one done, one under way, one past its due date.

Made once: seeding again finds 文昌's matters and adds nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jifen.deliberation import services
from jifen.deliberation.models import Matter, MeetingKind, Tier
from jifen.people import services as people
from jifen.people.models import Household, Organization, OrganizationMember, Person
from jifen.regions.models import Region
from jifen.regions.services import add_region

WENCHANG, COMPOUND, GRID = "350524100001", "350524100001001", "350524100001001001"
BUILDING = "350524100001001001901"
STAFF, VOLUNTEER = "13800000002", "13900000001"  # 陈文昌 and 蔡雅琴, printed with the logins


def _building() -> Region:
    found = Region.objects.filter(code=BUILDING).first()
    if found is not None:
        return found
    return add_region(
        actor=None, code=BUILDING, name="江滨花园1栋", level="building", parent_code=GRID
    )


def _residents(building: Region, wenchang: Region) -> list[Person]:
    """The demo's households of 江滨花园1栋 now registered at the building itself."""
    Household.objects.filter(region=wenchang, label__startswith="江滨花园1栋").update(
        region=building
    )
    volunteer = Person.objects.filter(phone=VOLUNTEER).first()
    if volunteer is not None and volunteer.household_id is None:
        volunteer.household = Household.objects.get_or_create(
            region=building, label="江滨花园1栋402"
        )[0]
        volunteer.save(update_fields=["household"])
    return list(Person.objects.filter(household__region=building, is_active=True).order_by("phone"))


def _party(staff: Person, region: Region, name: str, contact: Person | None) -> Organization:
    found = Organization.objects.filter(region=region, name=name).first()
    if found is None:
        found = people.create_organization(actor=staff, region=region, name=name)
    if (
        contact is not None
        and not OrganizationMember.objects.filter(organization=found, person=contact).exists()
    ):
        people.add_organization_member(
            actor=staff, organization=found, person=contact, is_contact=True
        )
    return found


@transaction.atomic
def seed_demo_deliberations() -> int:
    """Returns how many matters it made (0 when 文昌 has some already)."""
    wenchang = Region.objects.filter(code=WENCHANG).first()
    staff = Person.objects.filter(phone=STAFF).first()
    if wenchang is None or staff is None or Matter.objects.filter(community=wenchang).exists():
        return 0
    compound = Region.objects.get(code=COMPOUND)
    building = _building()
    residents = _residents(building, wenchang)
    volunteers = list(
        Person.objects.filter(community=wenchang, phone__startswith="13901").order_by("phone")
    )
    branch = _party(staff, wenchang, "文昌社区党委", staff)
    owners = _party(staff, compound, "江滨花园业委会", volunteers[40] if volunteers else None)
    property_co = Organization.objects.filter(region=wenchang, name="江滨物业").first()
    if property_co is None:
        property_co = _party(staff, wenchang, "江滨物业", volunteers[41] if volunteers else None)
    now = timezone.now()
    today = timezone.localdate()

    # 小事简议, closed: opened three days ago, closed yesterday, decided, being carried out.
    lights = services.create_matter(
        actor=staff,
        region=building,
        tier=Tier.SIMPLE,
        title="1栋楼道加装声控灯",
        description="楼道灯坏了多年，老人夜里上下楼不安全。费用从公共维修资金列支，约1200元。",
    )
    started = now - timedelta(days=3)
    services.open_poll(
        actor=staff,
        matter=lights,
        closes_at=now - timedelta(days=1),
        quorum_percent=50,
        now=started,
    )
    for n, person in enumerate(residents):
        if n % 5 != 4:  # most voted
            choice = "disagree" if n % 7 == 3 else "agree"
            services.vote(
                actor=person, matter=lights, choice=choice, now=started + timedelta(hours=n)
            )
    services.close_due(now)
    lights.refresh_from_db()
    services.decide(
        actor=staff,
        matter=lights,
        decision="同意加装声控灯，费用从公共维修资金列支，物业负责采购安装。",
    )
    install = services.add_action(
        actor=staff,
        matter=lights,
        title="采购并安装声控灯（1—6层）",
        due_on=today + timedelta(days=14),
        owner_organization=property_co,
    )
    services.report_progress(actor=staff, action=install, percent=50, note="1—3层已安装")

    # 小事简议, open now: the demo volunteer may vote.
    chargers = services.create_matter(
        actor=staff,
        region=building,
        tier=Tier.SIMPLE,
        title="1栋电动车充电桩选址",
        description="拟在1栋东侧空地设置充电桩，禁止电动车上楼充电。同意的请投同意票。",
    )
    services.open_poll(
        actor=staff, matter=chargers, closes_at=now + timedelta(days=3), quorum_percent=50
    )
    for person in residents[:3]:
        if person.phone != VOLUNTEER:
            services.vote(actor=person, matter=chargers, choice="agree")

    # 急事快议: the parties decide within hours.
    flood = services.create_matter(
        actor=staff,
        region=compound,
        tier=Tier.URGENT,
        title="暴雨前地下车库排涝",
        description="气象台发布暴雨预警，是否今晚启用应急排涝泵并临时封闭地下车库入口。",
    )
    services.open_poll(
        actor=staff,
        matter=flood,
        closes_at=now + timedelta(hours=4),
        quorum_percent=67,
        organizations=[branch, owners, property_co],
    )
    services.vote(actor=staff, matter=flood, choice="agree")

    # 难事众议: last week's joint meeting, its decision and its actions.
    lift = services.create_matter(
        actor=staff,
        region=wenchang,
        tier=Tier.MAJOR,
        title="老旧小区加装电梯",
        description="江滨花园1—4栋居民提出加装电梯，涉及费用分摊和低层住户意见。",
        organizations=[branch, owners, property_co],
    )
    services.call_meeting(
        actor=staff,
        matter=lift,
        kind=MeetingKind.JOINT,
        at=now - timedelta(days=7),
        place="文昌社区党群服务中心二楼议事厅",
        agenda="1. 加装电梯方案介绍\n2. 费用分摊办法\n3. 低层住户补偿意见",
    )
    services.record_meeting(
        actor=staff,
        matter=lift,
        minutes=(
            "与会各方同意加装电梯。费用按楼层系数分摊，一楼不分摊，二楼系数0.5。"
            "物业负责方案公示，业委会负责征求意见，社区负责申请补贴。"
        ),
        attended=list(lift.invitees.values_list("pk", flat=True)),
        residents_present=26,
    )
    services.decide(
        actor=staff,
        matter=lift,
        decision="同意江滨花园1—4栋加装电梯，费用按楼层系数分摊，申请政府补贴。",
    )
    # Every action first, then their progress: the last one done would end the matter.
    progress = []
    for title, owner, due, percent, note in (
        ("设计方案公示", property_co, today - timedelta(days=2), 100, "公示期满，无异议"),
        ("逐户征求意见", owners, today + timedelta(days=20), 40, "已征求4栋中的2栋"),
        ("申请加装电梯补贴", branch, today - timedelta(days=1), 10, "材料准备中"),
    ):
        action = services.add_action(
            actor=staff, matter=lift, title=title, due_on=due, owner_organization=owner
        )
        progress.append((action, percent, note))
    for action, percent, note in progress:
        services.report_progress(actor=staff, action=action, percent=percent, note=note)
    return 4
