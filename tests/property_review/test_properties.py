"""Property test of a finding's workflow: whatever steps staff, the company's contact,
another company's contact and the panel take, in whatever order, the table
(``models.FINDING_STEPS``) is the only way between statuses, every change is one
``FindingEvent``, and a refused step writes nothing.

Walks are derandomised (the same thirty every run)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.incidents.services import save_category
from jifen.lib.errors import Conflict, DomainError
from jifen.property_review import services
from jifen.property_review.models import (
    FINDING_STEPS,
    Finding,
    FindingEvent,
    FindingStatus,
    may_take_finding,
)
from tests.property_review.conftest import first_inspection, plan_round

pytestmark = pytest.mark.django_db

MOVES = [
    "track",
    "refer",
    "dismiss",
    "start",
    "fix",
    "verify",
    "reopen",
    "other_contact_fix",
    "panel_track",
]
STEP_OF = {
    "track": "track",
    "refer": "refer",
    "dismiss": "dismiss",
    "start": "start",
    "fix": "fix",
    "verify": "verify",
    "reopen": "reopen",
}


def _move(move, finding, world, estate):
    staff, contact = world.staff, estate.contacts[1]
    if move == "track":
        return services.track(actor=staff, finding=finding)
    if move == "refer":
        return services.refer(actor=staff, finding=finding, category="road")
    if move == "dismiss":
        return services.dismiss(actor=staff, finding=finding, reason="不属实")
    if move == "start":
        return services.start(actor=contact, finding=finding)
    if move == "fix":
        return services.fix(actor=contact, finding=finding, note="已整改")
    if move == "verify":
        return services.verify(actor=staff, finding=finding, ok=True)
    if move == "reopen":
        return services.verify(actor=staff, finding=finding, ok=False, note="未整改到位")
    if move == "other_contact_fix":
        return services.fix(actor=estate.contacts[0], finding=finding, note="x")
    if move == "panel_track":
        return services.track(actor=estate.owner, finding=finding)
    raise AssertionError(move)


@pytest.fixture
def opened(world, estate):
    save_category(actor=None, region=world.county, code="road", name="道路破损")
    return plan_round(world, estate)


@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(st.sampled_from(MOVES), min_size=1, max_size=10))
def test_the_table_is_the_only_way_between_statuses(world, estate, opened, moves):
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(opened), problem="问题"
    )
    for move in moves:
        before = Finding.objects.get(pk=finding.pk)
        events = FindingEvent.objects.filter(finding=finding).count()
        step = STEP_OF.get(move)
        try:
            _move(move, before, world, estate)
        except DomainError as refused:
            after = Finding.objects.get(pk=finding.pk)
            assert after.status == before.status
            assert FindingEvent.objects.filter(finding=finding).count() == events
            if step is not None and not may_take_finding(step, before.status):
                assert isinstance(refused, Conflict) and refused.code == "invalid_transition"
            continue
        after = Finding.objects.get(pk=finding.pk)
        assert step is not None, move  # the moves of the wrong people never pass
        assert may_take_finding(step, before.status), (move, before.status)
        assert after.status == FINDING_STEPS[step].target
        assert FindingEvent.objects.filter(finding=finding).count() == events + 1
    status = FindingStatus.RECORDED
    for event in FindingEvent.objects.filter(finding=finding).order_by("at", "id")[1:]:
        assert event.from_status == status
        assert status in FINDING_STEPS[event.step].sources
        assert event.to_status == FINDING_STEPS[event.step].target
        status = event.to_status
    assert Finding.objects.get(pk=finding.pk).status == status
