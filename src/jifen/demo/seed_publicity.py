"""Demo 公示: 文昌社区's last two months published and sealed (the last one still open to
objections, with one waiting for the staff's answer), 湾美社区's last month drafted and
waiting for its review group, the rankings rolled up as `jifen tick` would, and 文昌's
own star levels."""

from django.utils import timezone

from jifen.lib.months import label, previous_month
from jifen.people.models import Person
from jifen.publicity import rankings, selection, services
from jifen.publicity.models import Announcement, Objection, PublicityPolicy, Status
from jifen.regions.models import Region

WENCHANG, WANMEI = "350524100001", "350524106001"


def _announcement(community: Region, month: str, publisher: Person | None) -> Announcement:
    staff_phone = "13800000002" if community.code == WENCHANG else "13800000007"
    drafter = Person.objects.get(phone=staff_phone)
    found = Announcement.objects.filter(community=community, month=month).first()
    if found is None:
        found = services.draft(actor=drafter, community=community, month=month)
    if publisher is not None and found.status == Status.DRAFT:
        found = services.publish(actor=publisher, announcement=found)
    return found


def seed_demo_publicity() -> None:
    last = previous_month(timezone.localdate().replace(day=1))
    before = previous_month(last)
    wenchang = Region.objects.get(code=WENCHANG)
    reviewer = Person.objects.get(phone="13800000003")
    _announcement(wenchang, label(before), reviewer)
    latest = _announcement(wenchang, label(last), reviewer)
    _announcement(Region.objects.get(code=WANMEI), label(last), None)
    volunteer = Person.objects.get(phone="13900000001")
    if not Objection.objects.filter(announcement=latest, person=volunteer).exists():
        services.object_to(
            actor=volunteer,
            announcement=latest,
            text="我月中参加的江滨花园楼道清扫没有记上，请核实。",
        )
    rankings.roll_up_ended()
    # A community new to Jifen sets star levels its volunteers can reach in their first
    # months (the national 100 h for 1★ is years away): the 星级志愿者 list has people on it.
    if not PublicityPolicy.objects.filter(region=wenchang).exists():
        selection.save_policy(
            actor=Person.objects.get(phone="13800000002"),
            community=wenchang,
            star_hours="5,10,20,50,100",
            certificate_issuer="",
        )
