"""Property test of the deliberation workflow: whatever steps staff, residents, the
inspector and the clock take, in whatever order, the table (``models.STEPS``) is the only
way between statuses and every change is an ``Event``; a refused step writes nothing;
nobody ever holds two ballots; the counts appear only once the poll is closed and then
equal the ballots.

Walks are derandomised (the same forty every run), so what the test counts judges the
workflow and not the seed.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.deliberation import services
from jifen.deliberation.models import (
    STEPS,
    Event,
    Matter,
    MeetingKind,
    Status,
    Tier,
    Vote,
    may_take,
)
from jifen.lib.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db

MOVES = [
    "open_poll",
    "close_poll",
    "tick",
    "vote_a",
    "vote_b",
    "vote_outsider",
    "call_meeting",
    "record_meeting",
    "escalate",
    "decide",
    "add_action",
    "finish_action",
    "complete",
    "cancel",
    "inspector_cancel",
]
# The move and the step of the table it tries (None: not a status step).
STEP_OF = {
    "open_poll": "open_poll",
    "close_poll": "close_poll",
    "call_meeting": "call_meeting",
    "record_meeting": "record_meeting",
    "escalate": "escalate",
    "decide": "decide",
    "add_action": "add_action",
    "complete": "complete",
    "cancel": "cancel",
}


def _move(move, matter, world, block, clock):
    staff = world.staff
    if move == "open_poll":
        return services.open_poll(
            actor=staff,
            matter=matter,
            closes_at=clock + timedelta(hours=2),
            organizations=[block.owners],
            now=clock,
        )
    if move == "close_poll":
        return services.close_poll(actor=staff, matter=matter, now=clock)
    if move == "tick":
        return services.close_due(clock + timedelta(hours=3))
    if move in ("vote_a", "vote_b", "vote_outsider"):
        voter = {
            "vote_a": block.residents[0],
            "vote_b": block.owners_contact,
            "vote_outsider": block.outsider,
        }[move]
        return services.vote(actor=voter, matter=matter, choice="agree", now=clock)
    if move == "call_meeting":
        return services.call_meeting(
            actor=staff,
            matter=matter,
            kind=MeetingKind.HALL,
            at=clock - timedelta(hours=1),
            place="议事厅",
            agenda="议程",
        )
    if move == "record_meeting":
        return services.record_meeting(actor=staff, matter=matter, minutes="纪要")
    if move == "escalate":
        return services.escalate(actor=staff, matter=matter)
    if move == "decide":
        return services.decide(actor=staff, matter=matter, decision="决定")
    if move == "add_action":
        return services.add_action(
            actor=staff,
            matter=matter,
            title="落实",
            due_on=timezone.localdate(),
            owner_organization=block.property_co,
        )
    if move == "finish_action":
        action = matter.actions.exclude(status="done").first()
        if action is None:
            return None
        return services.report_progress(actor=staff, action=action, percent=100)
    if move == "complete":
        return services.complete(actor=staff, matter=matter)
    if move == "cancel":
        return services.cancel(actor=staff, matter=matter, reason="撤回")
    if move == "inspector_cancel":
        return services.cancel(actor=block.inspector, matter=matter, reason="撤回")
    raise AssertionError(move)


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    tier=st.sampled_from(Tier.values),
    moves=st.lists(st.sampled_from(MOVES), min_size=1, max_size=14),
)
def test_the_table_is_the_only_way_between_statuses(world, block, tier, moves):
    matter = services.create_matter(
        actor=world.staff, region=block.building, tier=tier, title="楼道"
    )
    clock = timezone.now()
    for move in moves:
        before = Matter.objects.get(pk=matter.pk)
        events = Event.objects.filter(matter=matter).count()
        step = STEP_OF.get(move)
        try:
            _move(move, before, world, block, clock)
        except DomainError as refused:
            after = Matter.objects.get(pk=matter.pk)
            assert after.status == before.status and after.tier == before.tier
            assert Event.objects.filter(matter=matter).count() == events
            if step is not None and not may_take(step, before.status, before.tier):
                assert isinstance(refused, Conflict) and refused.code == "invalid_transition"
            continue
        after = Matter.objects.get(pk=matter.pk)
        if step is not None:
            assert may_take(step, before.status, before.tier), (move, before.status)
            if after.status != STEPS[step].target:  # the last action done ends the matter
                assert step == "complete" or after.status == Status.DONE
        clock += timedelta(minutes=1)
    # The history is a chain of the table's steps.
    status = Status.OPEN
    for event in Event.objects.filter(matter=matter).order_by("at", "id")[1:]:
        assert event.from_status == status, (event.step, status)
        assert status in STEPS[event.step].sources
        assert event.to_status == STEPS[event.step].target
        status = event.to_status
    final = Matter.objects.get(pk=matter.pk)
    assert final.status == status
    ballots = list(Vote.objects.filter(matter=matter).values_list("ballot", flat=True))
    assert len(ballots) == len(set(ballots))
    if final.results_public:
        assert final.agree == len(ballots)
    else:
        assert final.agree is None
