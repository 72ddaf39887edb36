"""Property test of the project workflow: whatever steps staff, the unit's contacts, a
stranger and the review group take, in whatever order, the table (``models.STEPS``) is
the only way between statuses and every change is an ``Event``; a refused step writes
nothing; a completed project holds exactly one claim, for its lead unit.

Walks are derandomised (the same forty every run), so what the test counts judges the
workflow and not the seed.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.claims import services as claims
from jifen.claims.models import Claim
from jifen.lib.errors import Conflict, DomainError
from jifen.projects import services
from jifen.projects.models import STEPS, Event, Project, Status, may_take
from tests.projects.conftest import draft

pytestmark = pytest.mark.django_db

MOVES = [
    "publish",
    "lead_clinic",
    "lead_bank",
    "assign_bank",
    "release",
    "report",
    "report_stranger",
    "complete",
    "approve",
    "settle",
    "cancel",
    "contact_cancel",
]
STEP_OF = {
    "publish": "publish",
    "lead_clinic": "lead",
    "lead_bank": "lead",
    "assign_bank": "assign",
    "release": "release",
    "report": "report",
    "complete": "complete",
    "cancel": "cancel",
}


def _move(move, project, world, units):
    staff = world.staff
    if move == "publish":
        return services.publish_project(actor=staff, project=project)
    if move == "lead_clinic":
        return services.lead_project(
            actor=units.clinic_contact, project=project, organization=units.clinic
        )
    if move == "lead_bank":
        return services.lead_project(
            actor=units.bank_contact, project=project, organization=units.bank
        )
    if move == "assign_bank":
        return services.assign_lead(actor=staff, project=project, organization=units.bank)
    if move == "release":
        return services.release_project(actor=staff, project=project)
    if move in ("report", "report_stranger"):
        milestone = project.milestones.filter(done_at__isnull=True).first()
        if milestone is None:
            return None
        actor = staff if move == "report" else units.far_contact
        return services.report_milestone(actor=actor, milestone=milestone, note="ok")
    if move == "complete":
        return services.complete_project(actor=staff, project=project)
    if move == "approve":
        if project.claim_id is None:
            return None
        return claims.approve_claim(claim=project.claim_id, reviewer=world.reviewer)
    if move == "settle":
        return services.settle_review(project)
    if move == "cancel":
        return services.cancel_project(actor=staff, project=project, reason="取消")
    if move == "contact_cancel":
        return services.cancel_project(actor=units.clinic_contact, project=project, reason="x")
    raise AssertionError(move)


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(st.sampled_from(MOVES), min_size=1, max_size=14))
def test_the_table_is_the_only_way_between_statuses(world, units, moves):
    project = draft(world, units, milestones=2, points=30)
    for move in moves:
        before = Project.objects.get(pk=project.pk)
        events = Event.objects.filter(project=project).count()
        step = STEP_OF.get(move)
        try:
            _move(move, before, world, units)
        except DomainError as refused:
            after = Project.objects.get(pk=project.pk)
            assert after.status == before.status
            assert after.lead_organization_id == before.lead_organization_id
            assert Event.objects.filter(project=project).count() == events
            if step is not None and not may_take(step, before.status):
                assert isinstance(refused, Conflict)
                assert refused.code in ("invalid_transition", "already_taken")
            continue
        after = Project.objects.get(pk=project.pk)
        if step is not None:
            assert may_take(step, before.status), (move, before.status)
            assert after.status == STEPS[step].target
    status = Status.DRAFT
    for event in Event.objects.filter(project=project).order_by("at", "id")[1:]:
        assert event.from_status == status, (event.step, status)
        assert status in STEPS[event.step].sources
        assert event.to_status == STEPS[event.step].target
        status = event.to_status
    final = Project.objects.get(pk=project.pk)
    assert final.status == status
    made = Claim.objects.filter(source=services.CLAIM_SOURCE, source_id=project.pk)
    if final.status in (Status.COMPLETED, Status.REVIEWED):
        assert made.count() == 1
        assert made.get().organization_id == final.lead_organization_id
    else:
        assert not made.exists()
