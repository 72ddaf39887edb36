"""Demo 在职党员回家报到, through the real services: the county hospital (县人民医院, the
employer the demo's in-service party members name) as a unit whose contact is the demo
volunteer 蔡雅琴, and its members reporting home to their communities:

- the first reporting member served in the last home days of the last quarter (approved
  by the review group), so the quarter's service record is sealed for the hospital;
- last month's home days: one member's Saturday service counted at once, another's
  weekday service approved by staff, a third's weekday service still waiting for staff
  (the to-do line);
- one member reported home long ago and never served: on the hospital's list of members
  who did not report home in half a year; the last reported only today.

Made once: seeding again finds the hospital's reports and adds nothing.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from jifen.claims import services as claims
from jifen.lib import workdays
from jifen.lib.errors import DomainError
from jifen.party import services
from jifen.party.models import Report, ReportStatus, Service, ServiceStatus
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.points.models import RuleItem
from jifen.regions.models import Region

COUNTY = "350524"
EMPLOYER = "县人民医院"
STAFF, REVIEWER, CONTACT = "13800000002", "13800000003", "13900000001"
ITEM = "BF01"  # 帮扶独居老人, 10 points an hour
MAX_AGE = 85  # days: a claim is declared within the community's 90 days


def _hospital() -> Organization:
    county = Region.objects.get(code=COUNTY)
    # The units' demo already keeps the hospital (in 文昌): one hospital, not two of a name
    # side by side in every list of employers.
    found = (
        Organization.objects.filter(region__path__startswith=county.path, name=EMPLOYER)
        .order_by("pk")
        .first()
    )
    if found is None:
        found = Organization.objects.create(region=county, name=EMPLOYER, kind="school")
    contact = Person.objects.filter(phone=CONTACT).first()
    if contact is not None:
        OrganizationMember.objects.get_or_create(
            organization=found, person=contact, defaults={"is_contact": True}
        )
    return found


def _day_in_window(days: int, month_day: date, rest: bool) -> date | None:
    """A rest day (or a working day) in the window of ``month_day``'s month."""
    start, end = services.window(days, month_day)
    day = end
    while day >= start:
        if workdays.is_working_day(day) != rest:
            return day
        day -= timedelta(days=1)
    return None


def _serve(member: Person, day: date | None, hours: str, reviewer: Person | None) -> bool:
    item = RuleItem.objects.filter(region__code=COUNTY, code=ITEM).first()
    today = timezone.localdate()
    if day is None or item is None or not 0 < (today - day).days <= MAX_AGE:
        return False
    claim = claims.declare_service(
        actor=member,
        rule_item_id=item.pk,
        quantity=hours,
        occurred_on=day,
        description="回家日：帮独居老人打扫、买菜",
    )
    if reviewer is not None:
        claims.approve_claim(claim=claim, reviewer=reviewer)
    return True


@transaction.atomic
def seed() -> int:
    """Returns how many reports it made (0 when the hospital has some already)."""
    staff = Person.objects.filter(phone=STAFF).first()
    reviewer = Person.objects.filter(phone=REVIEWER).first()
    if not Region.objects.filter(code=COUNTY).exists():
        return 0
    hospital = _hospital()
    if Report.objects.filter(employer=hospital).exists():
        return 0
    members = list(
        Person.objects.filter(
            is_reporting_party_member=True, employer=EMPLOYER, community__isnull=False
        ).order_by("community__code", "phone")[:12]
    )
    today = timezone.localdate()
    for n, member in enumerate(members):
        assert member.community is not None  # noqa: S101 - filtered so above
        report = services.file_report(actor=member, community=member.community, employer=hospital)
        # As if they had reported home in the spring (the last one only today).
        if n < len(members) - 1:
            Report.objects.filter(pk=report.pk).update(started_on=today - timedelta(days=240))
    if not members:
        return 0
    first_of_quarter, _last = services.parse_quarter(services.quarter_of(today))
    last_quarter_end = first_of_quarter - timedelta(days=1)
    last_month = today.replace(day=1) - timedelta(days=1)
    days = {m.pk: services.home_days(m.community) for m in members if m.community}
    first = members[0]
    _serve(first, _day_in_window(days[first.pk], last_quarter_end, rest=True), "3", reviewer)
    if len(members) > 1:
        _serve(members[1], _day_in_window(days[members[1].pk], last_month, True), "2", reviewer)
    if len(members) > 2:
        _serve(members[2], _day_in_window(days[members[2].pk], last_month, False), "2", reviewer)
    if len(members) > 3:
        _serve(members[3], _day_in_window(days[members[3].pk], last_month, False), "1", reviewer)
    services.mark_services(employer=hospital)
    if staff is not None and len(members) > 2:
        pending = Service.objects.filter(person=members[2], status=ServiceStatus.PENDING).first()
        if pending is not None:
            try:
                services.approve_service(
                    actor=staff, service=pending, note="单位安排的工作日回家服务"
                )
            except DomainError:
                pass
    services.statement(
        actor=None, organization=hospital, quarter=services.quarter_of(last_quarter_end)
    )
    return Report.objects.filter(employer=hospital, status=ReportStatus.ACTIVE).count()
