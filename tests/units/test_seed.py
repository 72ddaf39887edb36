"""The demo's units: three in 文昌's alliance with points this quarter, one asking to
join, a use of unit points allowed and spent once — made once."""

import pytest

from jifen.demo.seed_demo import seed_demo
from jifen.demo.seed_units import seed
from jifen.people.models import Organization, Person
from jifen.regions.models import Region
from jifen.units import selectors
from jifen.units.models import AllianceMembership, Spending

pytestmark = pytest.mark.django_db


def test_the_demo_units_are_made_once():
    seed_demo()
    seed()  # 3, or 0 once the demo itself calls it
    assert seed() == 0
    wenchang = Region.objects.get(code="350524100001")
    members = list(selectors.alliance_members(wenchang))
    assert len(members) == 3
    points = selectors.quarter_points(
        [m.organization_id for m in members], selectors.this_quarter()
    )
    assert all(v > 0 for v in points.values())
    staff = Person.objects.get(phone="13800000002")
    assert (
        selectors.staff_todo(staff).count
        == AllianceMembership.objects.filter(status="requested").count()
    )
    spending = Spending.objects.get()
    assert spending.transfer is not None
    power = Organization.objects.get(region=wenchang, name="凤城供电所")
    assert selectors.balance(power).spent == 20
