"""Demo 项目大赛, through the real services:

- 凤城镇“社工+志愿”服务项目大赛 (the town's, run by its admin 吴凤城): three projects —
  文昌's 环境卫生 team, its 文艺队 and the unit 凤城供电所 — in the final, the roadshow
  scored by two judges, the live answers by one; the demo volunteer 蔡雅琴 is the third
  judge with her sheets still to fill (her to-do, her phone pages);
- 文昌社区 last round (run by 陈文昌): published, two projects ranked, the winner now a
  微实事 of 文昌.

Made once: seeding again finds the town's contest and adds nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jifen.contests import services
from jifen.contests.models import Contest, Phase
from jifen.people.models import Organization, OrganizationMember, Person, Team
from jifen.regions.models import Region

TOWN, WENCHANG = "350524100", "350524100001"
TOWN_ADMIN, STAFF, VOLUNTEER = "13800000008", "13800000002", "13900000001"


def _marks(contest: Contest, base: int, spread: int = 0) -> dict[int, int]:
    rows = list(contest.criteria.all())
    return {c.pk: max(0, min(c.max_score, base - (i + spread) % 3)) for i, c in enumerate(rows)}


@transaction.atomic
def seed() -> int:
    """Returns how many contests it made (0 when the town has one already)."""
    town = Region.objects.filter(code=TOWN).first()
    wenchang = Region.objects.filter(code=WENCHANG).first()
    admin = Person.objects.filter(phone=TOWN_ADMIN).first()
    staff = Person.objects.filter(phone=STAFF).first()
    volunteer = Person.objects.filter(phone=VOLUNTEER).first()
    if None in (town, wenchang, admin, staff, volunteer):
        return 0
    assert town and wenchang and admin and staff and volunteer  # noqa: S101 - checked above
    if Contest.objects.filter(region=town).exists():
        return 0
    teams = list(Team.objects.filter(region=wenchang).order_by("id")[:2])
    unit = Organization.objects.filter(region=wenchang, name="凤城供电所").first()
    contact = (
        OrganizationMember.objects.filter(organization=unit, is_contact=True)
        .select_related("person")
        .first()
        if unit
        else None
    )
    judges = list(
        Person.objects.filter(phone__startswith="13902", is_active=True).order_by("phone")[45:47]
    )
    if len(teams) < 2 or unit is None or contact is None or len(judges) < 2:
        return 0
    today = timezone.localdate()

    # Last round in 文昌: published, its winner now a 微实事.
    past = services.create_contest(
        actor=staff,
        region=wenchang,
        title="文昌社区“社工+志愿”服务项目大赛（第一届）",
        description="社区社会工作者和志愿服务队的服务项目比赛，获奖项目列入社区微实事。",
        winners=1,
        submission_ends_on=today - timedelta(days=60),
        review_ends_on=today - timedelta(days=45),
        final_on=today - timedelta(days=30),
    )
    services.add_judges(actor=staff, contest=past, people=judges)
    services.open_contest(actor=staff, contest=past)
    won = services.submit_entry(
        actor=contact.person,
        contest=past,
        organization=unit,
        title="电力义诊进小区",
        summary="供电所党员每月进小区检查老旧线路，为独居老人免费更换插座和灯具。",
        years_running=4,
        core_members="供电所党员服务队 8 人",
        budget_fen=800_000,
        milestones=[("排查江滨花园老旧线路", today + timedelta(days=30)), ("更换 50 户插座", None)],
    )
    second = services.submit_entry(
        actor=teams[1].leader,
        contest=past,
        team=teams[1],
        title="广场舞进楼道",
        summary="文艺队每周在楼道口教老人跳操，顺便了解老人的需要。",
        years_running=2,
        budget_fen=300_000,
    )
    services.start_review(actor=staff, contest=past)
    for judge, base in zip(judges, (9, 8), strict=True):
        services.score(actor=judge, entry=won, phase=Phase.REVIEW, values=_marks(past, base))
        services.score(actor=judge, entry=second, phase=Phase.REVIEW, values=_marks(past, base - 1))
    services.start_final(actor=staff, contest=past)
    for judge, base in zip(judges, (9, 8), strict=True):
        for phase in (Phase.ROADSHOW, Phase.LIVE):
            services.score(actor=judge, entry=won, phase=phase, values=_marks(past, base))
            services.score(actor=judge, entry=second, phase=phase, values=_marks(past, base - 1, 1))
    services.publish(actor=staff, contest=past, note="决赛现场路演后公布")

    # This year's town contest: in the final, 蔡雅琴 still to score.
    contest = services.create_contest(
        actor=admin,
        region=town,
        title="凤城镇“社工+志愿”服务项目大赛",
        description="全镇志愿服务队和驻区单位的服务项目比赛：初审、路演决赛，前三名列入微实事。",
        anonymous_review=True,
        submission_ends_on=today - timedelta(days=20),
        review_ends_on=today - timedelta(days=5),
        final_on=today + timedelta(days=2),
    )
    services.add_judges(actor=admin, contest=contest, people=[*judges, volunteer])
    services.open_contest(actor=admin, contest=contest)
    entries = [
        services.submit_entry(
            actor=teams[0].leader,
            contest=contest,
            team=teams[0],
            title="河道清洁行动",
            summary="每周六上午清理蓝溪河道垃圾，带动沿河商户认领河段。",
            years_running=3,
            core_members="环境卫生志愿服务队骨干 12 人",
            budget_fen=1_200_000,
            milestones=[("招募沿河商户", today + timedelta(days=40)), ("完成二十次清理", None)],
        ),
        services.submit_entry(
            actor=teams[1].leader,
            contest=contest,
            team=teams[1],
            title="长者生日会",
            summary="每月为当月过生日的独居老人办一场生日会。",
            years_running=1,
            budget_fen=500_000,
        ),
        services.submit_entry(
            actor=contact.person,
            contest=contest,
            organization=unit,
            title="安全用电进万家",
            summary="入户讲解安全用电，为困难家庭免费检修线路。",
            years_running=5,
            budget_fen=2_000_000,
        ),
    ]
    services.start_review(actor=admin, contest=contest)
    for judge, base in zip([*judges, volunteer], (9, 8, 8), strict=True):
        for n, entry in enumerate(entries):
            services.score(
                actor=judge, entry=entry, phase=Phase.REVIEW, values=_marks(contest, base, n)
            )
    services.start_final(actor=admin, contest=contest)
    for judge, base in zip(judges, (9, 8), strict=True):
        for n, entry in enumerate(entries):
            services.score(
                actor=judge, entry=entry, phase=Phase.ROADSHOW, values=_marks(contest, base, n)
            )
    for n, entry in enumerate(entries):
        services.score(actor=judges[0], entry=entry, phase=Phase.LIVE, values=_marks(contest, 8, n))
    return 2
