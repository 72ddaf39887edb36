"""Demo residents' messages (留言), through the real services: the county's default topics;
in 文昌 a message answered the next day and rated, one answered and waiting for the
demo volunteer's rating, a private one said "not resolved" and reopened, one overdue
and unanswered (the console shows its working days over), one gone up to 凤城镇 after
its deadline passed; one to the town not yet due; in 湾美 a village-finance question
answered and rated.

Made once: seeding again finds 文昌's messages and adds nothing.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from jifen.messages import services
from jifen.messages.models import Message
from jifen.people.models import Person, RoleGrant
from jifen.regions.models import Region

COUNTY, TOWN, WENCHANG, WANMEI = "350524", "350524100", "350524100001", "350524106001"
VOLUNTEER = "13900000001"  # 蔡雅琴, printed with the demo logins
STAFF_WC, STAFF_WM = "13800000002", "13800000007"


def _residents(community: Region, count: int) -> list[Person]:
    """Residents without a role, in a stable order (the demo's volunteers)."""
    with_roles = RoleGrant.objects.values_list("person_id", flat=True)
    rows = (
        Person.objects.filter(community=community, phone__startswith="139")
        .exclude(pk__in=with_roles)
        .exclude(phone=VOLUNTEER)
        .order_by("phone")
    )
    return list(rows[:count])


def _at(days_ago: int, hour: int, now: datetime) -> datetime:
    day = timezone.localdate(now) - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed_demo_messages() -> None:
    county = Region.objects.get(code=COUNTY)
    town = Region.objects.get(code=TOWN)
    wenchang = Region.objects.get(code=WENCHANG)
    wanmei = Region.objects.get(code=WANMEI)
    services.ensure_topics(county)
    if Message.objects.filter(region__path__startswith=wenchang.path).exists():
        return
    staff = Person.objects.get(phone=STAFF_WC)
    staff_wm = Person.objects.get(phone=STAFF_WM)
    volunteer = Person.objects.get(phone=VOLUNTEER)
    now = timezone.now()
    a, b, c, d = (_residents(wenchang, 4) + [volunteer] * 4)[:4]
    found = _residents(wanmei, 1)
    e = found[0] if found else None

    # Answered the next day and rated five stars.
    done = services.write(
        actor=volunteer,
        region=wenchang,
        topic="sanitation",
        body="文昌路 8 号垃圾桶每天满溢，能否加放一个或增加清运次数？",
        public=True,
        now=_at(20, 9, now),
    )
    services.reply(
        actor=staff,
        message=done,
        body="已联系环卫站，门口加放一个垃圾桶，清运改为每天两次。感谢您的反映！",
        now=_at(19, 10, now),
    )
    services.rate(actor=volunteer, message=done, rating=5, now=_at(18, 20, now))

    # Answered, waiting for the demo volunteer's rating (their to-do).
    services.reply(
        actor=staff,
        message=services.write(
            actor=volunteer,
            region=wenchang,
            topic="policy",
            body="请问高龄老人津贴怎么申请？需要带哪些材料？",
            public=True,
            now=_at(4, 15, now),
        ),
        body="年满 80 周岁可申请，带户口本、身份证和银行卡到社区服务站办理，可由家属代办。",
        now=_at(3, 9, now),
    )

    # Private, answered, said "not resolved": reopened with a new deadline.
    reopened = services.write(
        actor=a,
        region=wenchang,
        topic="neighbours",
        body="楼上住户每晚十一点后还在装修，多次沟通无果。",
        public=False,
        now=_at(6, 21, now),
    )
    services.reply(
        actor=staff,
        message=reopened,
        body="网格员已上门提醒，装修时间限定为早 8 点至晚 6 点。",
        now=_at(5, 10, now),
    )
    services.rate(
        actor=a,
        message=reopened,
        rating=2,
        resolved=False,
        note="昨晚还是施工到十二点",
        now=_at(1, 8, now),
    )

    # Overdue, unanswered: the console shows it late.
    services.write(
        actor=b,
        region=wenchang,
        topic="property",
        body="江滨花园 3 栋电梯停运一周了，物业一直说在等配件。",
        public=True,
        now=_at(12, 11, now),
    )

    # Gone up to the town: unanswered past its deadline, escalated by the tick.
    up = services.write(
        actor=c,
        region=wenchang,
        topic="complaint",
        body="小区门口早市占道经营，早上出行很困难。",
        public=True,
        now=_at(30, 8, now),
    )
    services.escalate_overdue(up.due_at + timedelta(hours=9))
    up.refresh_from_db()

    # To the town, not yet due.
    services.write(
        actor=d,
        region=town,
        topic="suggestion",
        body="建议在凤城镇文化广场增设老年人健身器材和遮阳棚。",
        public=True,
        now=_at(0, 8, now) if _at(0, 8, now) < now else now,
    )

    # 湾美: a question about the village's finances, answered and rated.
    if e is not None:
        money = services.write(
            actor=e,
            region=wanmei,
            topic="village-finance",
            body="村里去年的集体土地租金收入是多少？什么时候公开？",
            public=True,
            now=_at(15, 19, now),
        )
        services.reply(
            actor=staff_wm,
            message=money,
            body="去年租金收入已在村务公开栏和平台“财务”栏目公布，每月 10 日前更新。",
            now=_at(14, 9, now),
        )
        services.rate(actor=e, message=money, rating=4, now=_at(13, 20, now))
