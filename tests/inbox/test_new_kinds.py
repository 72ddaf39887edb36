"""The to-do lines of units, the three lists, reporting home, contests and property peer
review: each counts what waits for its person in a tiny world, and its link opens (200)
for that person, listing what was counted."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from jifen.inbox.selectors import Item, todo_for
from jifen.party.models import ServiceStatus
from jifen.people.models import Person
from jifen.projects.models import NeedStatus
from jifen.property_review.models import FindingStatus
from jifen.units.models import AllianceStatus
from tests.conftest import make_person
from tests.inbox.conftest import ago

pytestmark = pytest.mark.django_db


def line(person: Person, kind: str) -> Item | None:
    return next((item for item in todo_for(person) if item.kind == kind), None)


def opened(person: Person, item: Item | None) -> str:
    assert item is not None
    client = Client()
    client.force_login(person)
    response = client.get(item.url)
    assert response.status_code == 200, item.url
    return response.content.decode()


# --- Work: staff of 文昌 --------------------------------------------------------------------------


def test_staff_open_the_requests_to_join_the_alliance(world, make):
    waiting = make.alliance_request(requested=ago(days=2))
    make.alliance_request(community=world.wanmei)  # the other town's
    joined = make.alliance_request()
    type(joined).objects.filter(pk=joined.pk).update(
        status=AllianceStatus.MEMBER, joined_at=timezone.now()
    )
    item = line(world.staff, "alliance_requests")
    assert item is not None and item.count == 1
    assert (timezone.now() - item.oldest_at).days == 2
    page = opened(world.staff, item)
    assert page.count('class="unit-name"') == 1
    assert f'href="/console/units/{waiting.organization_id}/"' in page
    assert line(world.other_staff, "alliance_requests").count == 1
    assert line(world.resident, "alliance_requests") is None


def test_staff_open_the_needs_nobody_has_taken(world, make):
    waiting = make.need(created=ago(days=4))
    taken = make.need(status=NeedStatus.CLAIMED)
    make.need(community=world.wanmei)
    item = line(world.staff, "needs_unmatched")
    assert item is not None and item.count == 1
    page = opened(world.staff, item)
    assert f'href="/console/projects/needs/{waiting.pk}/"' in page
    assert f'href="/console/projects/needs/{taken.pk}/"' not in page


def test_staff_open_the_projects_with_overdue_milestones(world, make):
    today = timezone.localdate()
    lead = make.unit()
    late = make.project(lead, due_on=today - timedelta(days=3))
    on_time = make.project(lead, due_on=today + timedelta(days=3))
    make.project(lead, status="draft", due_on=today - timedelta(days=3))  # not running
    item = line(world.staff, "projects_overdue")
    assert item is not None and item.count == 1
    assert timezone.localtime(item.oldest_at).date() == today - timedelta(days=2)
    page = opened(world.staff, item)
    assert f'href="/console/projects/{late.pk}/"' in page
    assert f'href="/console/projects/{on_time.pk}/"' not in page


def test_staff_open_the_home_day_service_to_approve(world, make):
    employer = make.unit(region=world.county)
    member = make_person(world.wenchang, "林党员")
    waiting = make.home_service(member, employer)
    make.home_service(member, employer, status=ServiceStatus.COUNTED)
    item = line(world.staff, "party_to_approve")
    assert item is not None and item.count == 1
    page = opened(world.staff, item)
    assert page.count('data-status="pending"') == 1
    assert f'data-service="{waiting.pk}"' in page
    assert line(world.other_staff, "party_to_approve") is None


def test_staff_open_the_contests_past_their_stages_due_date(world, make):
    today = timezone.localdate()
    late = make.contest(due_on=today - timedelta(days=1))
    make.contest(due_on=today + timedelta(days=5))
    make.contest(stage="review", due_on=today + timedelta(days=5))
    item = line(world.staff, "contest_stages_due")
    assert item is not None and item.count == 1
    assert timezone.localtime(item.oldest_at).date() == today - timedelta(days=1)
    page = opened(world.staff, item)
    assert f'href="/console/contests/{late.pk}/"' in page
    assert line(world.other_staff, "contest_stages_due") is None


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("property_findings_to_sort", FindingStatus.RECORDED),
        ("property_fixes_to_verify", FindingStatus.FIXED),
    ],
)
def test_staff_open_the_findings_to_sort_and_the_fixes_to_verify(world, make, kind, status):
    counted = make.finding(status)
    make.finding(FindingStatus.OPEN)  # the company's to rectify: no staff line
    make.finding(FindingStatus.VERIFIED)
    item = line(world.staff, kind)
    assert item is not None and item.count == 1
    page = opened(world.staff, item)
    assert page.count("<tr data-finding=") == 1
    assert f'<tr data-finding="{counted.pk}"' in page
    assert line(world.other_staff, kind) is None


# --- Home: a unit's contact, a judge, a panel member, a property company's contact -------------


def test_a_lead_units_contact_opens_the_milestones_due(world, make):
    today = timezone.localdate()
    contact = make_person(world.wenchang, "供电小郑")
    lead = make.unit(contact)
    late = make.project(lead, due_on=today - timedelta(days=1))
    soon = make.project(lead, due_on=today + timedelta(days=3))
    make.project(lead, due_on=today + timedelta(days=30))  # not due within the week
    make.project(make.unit(world.resident), due_on=today)  # someone else's unit
    item = line(contact, "milestones_due")
    assert item is not None and item.count == 2
    page = opened(contact, item)
    assert f'data-project="{late.pk}"' in page and f'data-project="{soon.pk}"' in page
    assert 'data-due="2"' in page
    assert line(world.resident, "milestones_due").count == 1
    assert line(world.staff, "milestones_due") is None


def test_a_judge_opens_the_entries_to_score(world, make):
    judge = make_person(None, "评委甲")
    contest = make.contest_to_judge(judge, entries=2)
    make.contest(due_on=timezone.localdate() + timedelta(days=3))  # not theirs to judge
    item = line(judge, "contest_sheets_to_score")
    assert item is not None and item.count == 2
    page = opened(judge, item)
    assert page.count("data-contest=") == 1
    assert f'data-contest="{contest.pk}"' in page
    assert line(world.resident, "contest_sheets_to_score") is None


def test_a_panel_member_opens_the_inspections_to_score(world, make):
    owner = make_person(world.wenchang, "业主老郑")
    inspection = make.inspection(owner)
    make.inspection(world.resident)
    item = line(owner, "inspections_to_score")
    assert item is not None and item.count == 1
    assert (timezone.now() - item.oldest_at).days == 3  # since the round opened
    page = opened(owner, item)
    assert page.count("data-inspection=") == 1
    assert f'data-inspection="{inspection.pk}"' in page


def test_a_property_companys_contact_opens_the_findings_to_rectify(world, make):
    contact = make_person(world.wenchang, "物业小林")
    make.property_contact(contact)
    to_fix = make.finding(FindingStatus.OPEN)
    reopened = make.finding(FindingStatus.REOPENED)
    make.finding(FindingStatus.RECORDED)  # not sorted yet: the company has not heard of it
    make.finding(FindingStatus.FIXED)
    item = line(contact, "findings_to_rectify")
    assert item is not None and item.count == 2
    page = opened(contact, item)
    assert page.count('class="card finding-card"') == 2
    assert f'data-finding="{to_fix.pk}"' in page and f'data-finding="{reopened.pk}"' in page
    assert line(world.resident, "findings_to_rectify") is None
