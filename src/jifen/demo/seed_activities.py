"""Demo activities through the real services: one in progress with people checked in,
one tomorrow morning recruiting (with a waiting list), one filed and waiting for approval,
and one that took place and was closed into claims in the review queue.

Times are relative to the moment of seeding, so the demo always has an activity
going on when it starts; a past activity is made by moving its clock back, as a
paper sign-in sheet recorded afterwards would leave it.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from jifen.activities import services
from jifen.activities.models import Activity, Attendance
from jifen.people.models import Person
from jifen.points.models import RuleItem
from jifen.regions.models import Region


def seed_demo_activities(volunteers: dict[str, list[Person]]) -> None:
    wenchang = Region.objects.get(code="350524100001")
    if Activity.objects.filter(region=wenchang).exists():
        return
    staff = Person.objects.get(phone="13800000002")
    reviewer = Person.objects.get(phone="13800000003")
    demo_volunteer = Person.objects.get(phone="13900000001")
    items = {item.code: item.pk for item in RuleItem.objects.filter(region__code="350524")}
    people = volunteers["350524100001"]
    now = timezone.now().replace(second=0, microsecond=0)

    def publish(title: str, code: str, starts: timedelta, hours: float, capacity: int, **kw):
        activity = services.create_activity(
            actor=staff,
            region=kw.pop("region", wenchang),
            title=title,
            rule_item_id=items[code],
            starts_at=now + starts,
            ends_at=now + starts + timedelta(hours=hours),
            capacity=capacity,
            **kw,
        )
        services.submit_activity(actor=staff, activity=activity)
        return services.approve_activity(actor=reviewer, activity=activity)

    going = publish(
        "江滨花园楼道清理",
        "JC01",
        -timedelta(minutes=20),
        3,
        20,
        place="江滨花园1-6栋",
        description="清理楼道堆放杂物，张贴消防安全提示。请穿方便活动的衣服，自带手套。",
        risk_notes="搬运重物请两人配合；高龄志愿者请负责张贴和登记。",
    )
    for person in people[14:22]:
        services.sign_up(actor=person, activity=going)
    for person in people[14:19]:
        services.check_in(actor=staff, activity=going, person=person, card=True)

    # Tomorrow at 09:30, whatever the hour of seeding: it is on the demo volunteer's to-do.
    tomorrow_morning = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), time(9, 30))
    )
    tomorrow = publish(
        "关爱独居老人上门探访",
        "BF01",
        tomorrow_morning - now,
        2,
        6,
        place="文昌社区党群服务中心集合",
        description="两人一组探访辖区独居老人，了解生活需求，帮助打扫卫生。",
        tags="有耐心，会说闽南话优先",
    )
    services.sign_up(actor=demo_volunteer, activity=tomorrow)
    for person in people[22:30]:  # six places, then the waiting list
        services.sign_up(actor=person, activity=tomorrow)

    draft = services.create_activity(
        actor=staff,
        region=wenchang,
        title="防汛物资搬运演练",
        rule_item_id=items["YJ01"],
        starts_at=now + timedelta(days=3),
        ends_at=now + timedelta(days=3, hours=3),
        capacity=15,
        place="文昌社区仓库",
        risk_notes="需要搬运沙袋，注意腰部保护。",
        needs_insurance=True,
    )
    services.submit_activity(actor=staff, activity=draft)

    # Yesterday evening's patrol: recorded, then closed into claims for review.
    patrol = publish("夜间平安巡逻", "XL01", -timedelta(minutes=10), 2, 10, place="江滨路沿线")
    for person in people[30:34]:
        services.sign_up(actor=person, activity=patrol)
        services.check_in(actor=staff, activity=patrol, person=person, card=True)
    shift = timedelta(days=1)
    Activity.objects.filter(pk=patrol.pk).update(
        starts_at=patrol.starts_at - shift, ends_at=patrol.ends_at - shift
    )
    for n, attendance in enumerate(Attendance.objects.filter(activity=patrol)):
        attendance.checkin_at -= shift
        attendance.checkout_at = attendance.checkin_at + timedelta(minutes=90 + 10 * n)
        attendance.save(update_fields=["checkin_at", "checkout_at"])
    services.close_activity(actor=staff, activity=patrol)
