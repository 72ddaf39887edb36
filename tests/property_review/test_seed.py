"""The demo's 物业互评: a published quarter with findings in every state and an open
quarter in which the demo volunteer has an inspection to score — made once."""

import pytest

from jifen.demo.seed_demo import seed_demo
from jifen.demo.seed_property_review import STAFF, VOLUNTEER, seed
from jifen.people.models import Person
from jifen.property_review import selectors
from jifen.property_review.models import Finding, FindingStatus, Result, Round, RoundStatus

pytestmark = pytest.mark.django_db


def test_the_demo_rounds_are_made_once_with_findings_in_every_state():
    seed_demo()
    seed()  # the demo calls it itself: made there, or here when it does not
    assert seed() == 0
    assert Round.objects.count() == 2
    q3 = Round.objects.get(quarter="2026Q3")
    q4 = Round.objects.get(quarter="2026Q4")
    assert q3.status == RoundStatus.PUBLISHED and q4.status == RoundStatus.OPEN
    results = list(Result.objects.filter(round=q3).order_by("rank"))
    assert len(results) == 3 and results[0].total > results[-1].total
    states = set(Finding.objects.filter(round=q3).values_list("status", flat=True))
    assert {
        FindingStatus.VERIFIED,
        FindingStatus.FIXED,
        FindingStatus.RECTIFYING,
        FindingStatus.OPEN,
        FindingStatus.REOPENED,
        FindingStatus.RECORDED,
        FindingStatus.REFERRED,
    } <= states
    volunteer = Person.objects.get(phone=VOLUNTEER)
    assert selectors.panel_todo(volunteer).count == 1
    staff = Person.objects.get(phone=STAFF)
    todo = selectors.staff_todo(staff)
    assert todo["findings_to_sort"].count == 1 and todo["fixes_to_verify"].count == 1
