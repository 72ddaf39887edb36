"""Demo 三单 and 微实事 of 文昌, through the real services:

- resources: 凤城供电所's repair van, 县人民医院's monthly free clinic (when the units
  demo made the hospital), and a room a volunteer lends, entered by staff;
- needs: a survey's 楼道照明 (turned into a project), a visit's 独居老人助餐 (open: a party
  member or a unit may take it), and a request-like 小区路灯 taken by a party member;
- projects: 江滨花园楼道照明改造 led by 凤城供电所, in progress — its first milestone
  reported, the second past its due date (staff's to-do), the third ahead; 长者助餐点
  waiting for a lead unit; 文昌小学周边护学岗, completed, its claim approved: 文昌小学
  has its points (when the school is a unit of 文昌).

Made once: seeding again finds 文昌's needs and adds nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jifen.claims import services as claims
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.points.models import RuleItem
from jifen.projects import services
from jifen.projects.models import Need, Resource
from jifen.regions.models import Region

WENCHANG, COUNTY = "350524100001", "350524"
STAFF, REVIEWER = "13800000002", "13800000003"  # 陈文昌 and 黄审核, printed with the logins
PARTY_MEMBER = "13901000100"  # a 文昌 demo volunteer, an in-service party member
LENDER = "13901000105"  # a 文昌 demo volunteer who lends a room


def _contact(org: Organization | None) -> Person | None:
    if org is None:
        return None
    member = (
        OrganizationMember.objects.filter(organization=org, is_contact=True)
        .select_related("person")
        .order_by("id")
        .first()
    )
    return member.person if member else None


@transaction.atomic
def seed() -> int:
    """Returns how many projects it made (0 when 文昌 keeps needs already)."""
    wenchang = Region.objects.filter(code=WENCHANG).first()
    staff = Person.objects.filter(phone=STAFF).first()
    reviewer = Person.objects.filter(phone=REVIEWER).first()
    if (
        wenchang is None
        or staff is None
        or reviewer is None
        or Need.objects.filter(community=wenchang).exists()
    ):
        return 0
    item = RuleItem.objects.filter(region__code=COUNTY, code="JC01").first()
    power = Organization.objects.filter(region=wenchang, name="凤城供电所").first()
    school = Organization.objects.filter(region=wenchang, name="文昌小学").first()
    hospital = Organization.objects.filter(region=wenchang, name="县人民医院").first()
    today = timezone.localdate()

    # 资源清单
    if power is not None:
        services.offer_resource(
            actor=staff,
            community=wenchang,
            kind="vehicle",
            title="电力抢修车一辆",
            availability="工作日白天，提前一天联系",
            organization=power,
        )
    if hospital is not None:
        services.offer_resource(
            actor=staff,
            community=wenchang,
            kind="expertise",
            title="每月一次社区义诊",
            availability="每月第一个周六上午",
            organization=hospital,
        )
    lender = Person.objects.filter(phone=LENDER).first()
    if lender is not None:
        services.offer_resource(
            actor=staff,
            community=wenchang,
            kind="venue",
            title="一楼客厅，可供十人小型议事",
            availability="周末下午",
            person=lender,
        )

    # 需求清单
    lighting = services.create_need(
        actor=staff,
        community=wenchang,
        title="江滨花园楼道照明",
        description="江滨花园3、5栋楼道无灯，老人夜里上下楼不安全。",
        source="survey",
        source_note="2026年秋季居民需求问卷",
    )
    services.create_need(
        actor=staff,
        community=wenchang,
        title="独居老人午餐无人照应",
        description="文昌片区有十余位高龄独居老人，希望有人定期送餐或开设助餐点。",
        source="visit",
        source_note="网格员入户走访",
    )
    lamps = services.create_need(
        actor=staff,
        community=wenchang,
        title="小区主干道路灯损坏两盏",
        source="other",
        source_note="居民电话反映",
    )
    party_member = Person.objects.filter(phone=PARTY_MEMBER, is_party_member=True).first()
    if party_member is not None:
        services.claim_need(actor=party_member, need=lamps)

    # 项目清单 · 微实事
    made = 0
    project = services.create_project(
        actor=staff,
        community=wenchang,
        title="江滨花园楼道照明改造",
        summary="为江滨花园3、5栋楼道加装声控灯，由驻区单位领办，居民监督。",
        budget_fen=1_280_000,
        milestones=[
            ("采购声控灯具", today - timedelta(days=7)),
            ("3栋安装完毕", today - timedelta(days=2)),
            ("5栋安装并验收", today + timedelta(days=14)),
        ],
        source="need",
        needs=[lighting],
        resources=list(Resource.objects.filter(community=wenchang, organization=power))
        if power is not None
        else [],
        rule_item=item,
        points=40 if item is not None else None,
    )
    made += 1
    services.publish_project(actor=staff, project=project)
    lead_contact = _contact(power)
    if power is not None and lead_contact is not None:
        services.lead_project(actor=lead_contact, project=project, organization=power)
        services.report_milestone(
            actor=lead_contact,
            milestone=project.milestones.order_by("position").first(),  # type: ignore[arg-type]
            note="已采购声控灯具36套，发票已交社区备案。",
        )
    waiting = services.create_project(
        actor=staff,
        community=wenchang,
        title="长者助餐点",
        summary="在社区活动中心开设长者助餐点，每周一至五午餐。",
        budget_fen=5_000_000,
        milestones=[
            ("场地改造", today + timedelta(days=30)),
            ("试运营", today + timedelta(days=45)),
        ],
        rule_item=item,
        points=40 if item is not None else None,
    )
    services.publish_project(actor=staff, project=waiting)
    made += 1
    school_contact = _contact(school)
    if school is not None and school_contact is not None and item is not None:
        done = services.create_project(
            actor=staff,
            community=wenchang,
            title="文昌小学周边护学岗",
            summary="上学放学时段在校门口设护学岗，疏导交通。",
            budget_fen=200_000,
            lead_organization=school,
            milestones=[("排班表公示", None), ("护学一个月", None)],
            rule_item=item,
            points=30,
        )
        for milestone in done.milestones.order_by("position"):
            services.report_milestone(actor=school_contact, milestone=milestone, note="已完成")
        done = services.complete_project(
            actor=school_contact, project=done, note="护学岗运行一个月，家长反映良好。"
        )
        assert done.claim is not None  # noqa: S101 - made by the completion
        claims.approve_claim(claim=done.claim, reviewer=reviewer)
        services.settle_review(done)
        made += 1
    return made
