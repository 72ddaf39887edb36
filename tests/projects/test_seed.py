"""The demo's three lists: resources, needs (one taken), a 微实事 in progress with an
overdue milestone, one waiting for a lead unit, one completed whose unit has its points —
made once."""

import pytest

from jifen.demo.seed_demo import seed_demo
from jifen.demo.seed_projects import seed
from jifen.people.models import Organization, Person
from jifen.points import ledger
from jifen.projects import selectors
from jifen.projects.models import Need, NeedStatus, Project, Resource, Status

pytestmark = pytest.mark.django_db


def test_the_demo_lists_are_made_once_and_show_every_stage():
    seed_demo()
    seed()  # its projects, or none once the demo itself has made them
    assert Project.objects.count() >= 2
    assert seed() == 0
    wenchang_projects = {p.title: p for p in Project.objects.all()}
    lighting = wenchang_projects["江滨花园楼道照明改造"]
    assert lighting.status == Status.IN_PROGRESS
    assert lighting.lead_organization.name == "凤城供电所"
    assert wenchang_projects["长者助餐点"].status == Status.OPEN
    assert Need.objects.filter(status=NeedStatus.PLANNED).count() == 1
    assert Need.objects.filter(status=NeedStatus.CLAIMED).count() == 1
    assert Resource.objects.exists()
    staff = Person.objects.get(phone="13800000002")
    assert selectors.projects_overdue(staff).count == 1
    assert selectors.needs_unmatched(staff).count == 1
    if "文昌小学周边护学岗" in wenchang_projects:
        done = wenchang_projects["文昌小学周边护学岗"]
        assert done.status == Status.REVIEWED
        school = Organization.objects.get(name="文昌小学", region=done.community)
        assert ledger.account_for(school).balance >= 30
