"""An employer (a county organ) with a contact and a plain member, a party member of 文昌
reporting home to it, rule items, and helpers to put service into the 回家日 window of a
past month (September 2026: its last seven days are 24–30; the 26th a Saturday, the 28th
a working day)."""

from dataclasses import dataclass
from datetime import date

import pytest

from jifen.claims import services as claims
from jifen.claims.models import Claim
from jifen.party import services
from jifen.party.models import Report
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.points.models import RuleItem
from jifen.points.services import save_rule_item
from tests.api.conftest import api  # noqa: F401 - the API client fixture, shared
from tests.conftest import make_person

SATURDAY = date(2026, 9, 26)  # in the window, a rest day
MONDAY = date(2026, 9, 28)  # in the window, an official working day
OUTSIDE = date(2026, 9, 10)  # not in the window


@dataclass
class Unit:
    employer: Organization  # 县税务局, a county organ
    contact: Person
    plain: Person  # a member of the unit who is not its contact
    other: Organization  # another employer
    member: Person  # a party member of 文昌
    hourly: RuleItem
    visit: RuleItem


@pytest.fixture
def unit(world) -> Unit:
    employer = Organization.objects.create(region=world.county, name="县税务局", kind="organ")
    other = Organization.objects.create(region=world.town, name="凤城供电所", kind="enterprise")
    contact = make_person(world.jinyue, "税务老郑")
    plain = make_person(world.jinyue, "税务小吴")
    OrganizationMember.objects.create(organization=employer, person=contact, is_contact=True)
    OrganizationMember.objects.create(organization=employer, person=plain, is_contact=False)

    def item(code: str, name: str, unit: str, points: int) -> RuleItem:
        return save_rule_item(
            actor=None,
            region=world.county,
            code=code,
            name=name,
            category="邻里互助",
            unit=unit,
            points=points,
            effective_from=date(2020, 1, 1),
        ).item

    return Unit(
        employer=employer,
        contact=contact,
        plain=plain,
        other=other,
        member=make_person(world.wenchang, "林党员"),
        hourly=item("HOURLY", "环境整治", "hour", 10),
        visit=item("VISIT", "探访独居老人", "time", 5),
    )


def reporting(world, unit: Unit, since: date = date(2026, 6, 1)) -> Report:
    """The member reports home, as if since ``since`` (service before today counts)."""
    report = services.file_report(
        actor=unit.member, community=world.wenchang, employer=unit.employer
    )
    Report.objects.filter(pk=report.pk).update(started_on=since)
    report.refresh_from_db()
    return report


def served(world, unit: Unit, day: date, hours: str = "2", approve: bool = True) -> Claim:
    claim = claims.declare_service(
        actor=unit.member, rule_item_id=unit.hourly.pk, quantity=hours, occurred_on=day
    )
    if approve:
        claim = claims.approve_claim(claim=claim, reviewer=world.reviewer)
    return claim
