"""The to-do costs a fixed number of queries whatever the data: counted on a small world
and on one with many rows of every kind, the number is the same."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jifen.activities.models import Status as ActivityStatus
from jifen.claims.models import AppealStatus
from jifen.claims.models import Status as ClaimStatus
from jifen.contests import selectors as contests
from jifen.disclosure.models import Schedule
from jifen.inbox.selectors import KINDS, todo_for
from jifen.people import authz
from jifen.people.models import Person, Role, RoleGrant
from jifen.property_review.models import FindingStatus
from tests.conftest import make_person
from tests.inbox.conftest import Make, ago

pytestmark = pytest.mark.django_db


def fill(make: Make, merchant, me: Person, n: int) -> None:
    """``n`` rows of every kind each persona's to-do counts, ``me``'s own as a resident."""
    w = make.world
    january = make.announcement(month=f"2025-{n:02d}" if n < 13 else "2024-12")
    tomorrow = timezone.localdate() + timedelta(days=1)
    nine = timezone.make_aware(
        timezone.datetime.combine(tomorrow, timezone.datetime.min.time())
    ) + timedelta(hours=9)
    # ``me`` is a contact of a unit leading projects and of the inspected property company.
    mine = make.unit(me)
    make.property_contact(me)
    employer = make.unit()
    for i in range(n):
        volunteer = make_person(w.wenchang, f"志愿者{i}", consent_at=None)
        make.claim(volunteer, created=ago(days=i))
        cross = make.claim(volunteer, needed=2)
        make.approve(cross, w.county_admin)
        make.appeal(make.claim(volunteer, status=ClaimStatus.REJECTED, decided=ago(days=1)))
        make.activity(status=ActivityStatus.SUBMITTED)
        make.activity(starts=ago(days=i + 1))
        make.activity(status=ActivityStatus.RETURNED)
        make.order(volunteer, expires=timezone.now() + timedelta(hours=i))
        make.order(volunteer, merchant=merchant)
        make.objection(january, volunteer)
        make.import_batch(created=ago(days=i))
        make.import_batch(approval="admins", approved_by=w.reviewer)
        # The resident's own side.
        make.order(me)
        make.claim(me, status=ClaimStatus.APPROVED, decided=ago(days=1))
        appealed = make.claim(me, status=ClaimStatus.APPROVED, decided=ago(days=2))
        make.appeal(appealed, status=AppealStatus.UPHELD, decided=ago(hours=5))
        make.objection(january, me, answered=ago(days=1))
        make.signup(make.activity(starts=nine + timedelta(minutes=i)), me)
        make.request(volunteer)
        make.request(volunteer, status="assigned", assignee=volunteer, due_on=date(2026, 1, 5))
        make.request(me, status="done", assignee=volunteer, done_at=ago(days=1))
        make.request(volunteer, status="assigned", assignee=me, due_on=tomorrow)
        make.incident()
        make.incident(status="accepted", due_at=ago(days=1))
        make.incident(status="assigned", assignee=me, due_at=timezone.now() + timedelta(days=2))
        make.message(volunteer)
        make.message(volunteer, due_at=ago(days=i + 1))
        make.message(me, status="answered", answered_at=ago(hours=i + 1))
        make.matter()
        make.matter(closes_at=ago(hours=i + 1))
        make.matter(status="counted", closes_at=ago(days=1))
        make.matter(status="decided", closes_at=ago(days=2), action_due=date(2026, 1, 5))
        make.incident(status="resolved", reporter=me)
        make.alliance_request(requested=ago(days=i))
        make.need(created=ago(days=i))
        make.project(mine, due_on=date(2026, 1, 5))  # overdue: staff's line and ``me``'s
        make.home_service(volunteer, employer)
        make.contest(due_on=date(2026, 1, 5))
        make.finding()
        make.finding(FindingStatus.FIXED)
        make.finding(FindingStatus.OPEN)  # ``me``'s company's to rectify
        make.inspection(me)
        make.contest_to_judge(me, entries=1)
    if not Schedule.objects.exists():
        make.schedule(w.wenchang)


def queries_of(person: Person) -> int:
    authz.forget_grants(person)
    with CaptureQueriesContext(connection) as captured:
        todo_for(person)
    return len(captured)


@pytest.fixture
def everyone(world, shopkeeper) -> list[Person]:
    operator, _merchant = shopkeeper
    # One person holding every role and serving a shop: every line of every side.
    RoleGrant.objects.create(person=operator, role=Role.ADMIN, region=world.county)
    return [world.resident, world.staff, world.reviewer, world.county_admin, operator]


def test_the_number_of_queries_does_not_grow_with_the_data(
    world, make, shopkeeper, everyone, django_assert_max_num_queries
):
    operator = everyone[-1]
    make.order(world.resident)
    fill(make, shopkeeper[1], operator, 2)
    small = {person.name: queries_of(person) for person in everyone}
    # Every kind there is, so every query ran.
    assert len(todo_for(operator)) == len(KINDS)
    fill(make, shopkeeper[1], operator, 25)
    for person in everyone:
        authz.forget_grants(person)
        with django_assert_max_num_queries(small[person.name]):
            lines = todo_for(person)
        assert lines
    large = {person.name: queries_of(person) for person in everyone}
    assert large == small
    # 49 for the person of every role: the 28 of before, one per new line's domain and side
    # (units, needs, overdue projects, home-day service, contest stages, findings to sort
    # and verify, milestones due, inspections to score: 8), two for findings to rectify (the
    # contact's companies, then their findings) and 7 for the contests the person judges.
    assert small[operator.name] <= 45
    counts = {line.kind: line.count for line in todo_for(operator)}
    assert counts["claims_to_review"] == 27
    assert counts["orders_ready"] == 27
    assert counts["activities_tomorrow"] == 27
    assert counts["imports_to_approve"] == 54
    assert counts["requests_to_check"] == 27
    assert counts["requests_overdue"] == 27
    assert counts["requests_to_confirm"] == 27
    assert counts["requests_in_hand"] == 27
    assert counts["incidents_to_accept"] == 27
    assert counts["incidents_overdue"] == 27
    assert counts["incidents_to_handle"] == 27
    assert counts["incidents_to_verify"] == 27
    assert counts["messages_to_answer"] == 54
    assert counts["messages_overdue"] == 27
    assert counts["messages_to_rate"] == 27
    assert counts["polls_to_vote"] == 27
    assert counts["polls_to_close"] == 27
    assert counts["deliberations_to_decide"] == 27
    assert counts["deliberation_actions_overdue"] == 27
    assert counts["disclosures_overdue"] > 12
    for kind in (
        "alliance_requests",
        "needs_unmatched",
        "projects_overdue",
        "party_to_approve",
        "contest_stages_due",
        "property_findings_to_sort",
        "property_fixes_to_verify",
        "milestones_due",
        "inspections_to_score",
        "findings_to_rectify",
    ):
        assert counts[kind] == 27, kind
    assert counts["contest_sheets_to_score"] == 27


def judge_queries(person: Person) -> int:
    with CaptureQueriesContext(connection) as captured:
        contests.judge_todo(person)
    return len(captured)


def test_a_judges_to_do_costs_the_same_whatever_the_contests_and_entries(world, make):
    judge = world.resident
    make.contest_to_judge(judge, entries=1)
    small = judge_queries(judge)
    make.contest_to_judge(judge, entries=1)
    make.contest_to_judge(judge, entries=5)
    assert contests.judge_todo(judge).count == 7
    assert judge_queries(judge) == small
