"""Any sequence of steps by anyone keeps a message inside its workflow: every change of
status is a step of ``STEPS``, a refused step changes nothing, "not resolved" is said at
most once, and the history holds exactly the steps taken."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.lib.errors import DomainError
from jifen.messages import services
from jifen.messages.models import STEPS, Event, Message
from tests.messages.conftest import at

pytestmark = pytest.mark.django_db

ACTIONS = [
    "reply_staff",
    "reply_inspector",
    "reply_other_staff",
    "rate_ok",
    "rate_not",
    "rate_by_staff",
    "close_staff",
    "close_author",
    "close_inspector",
    "tick",
]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(ACTIONS), max_size=8))
def test_random_walks_stay_in_the_workflow(world, desk, actions):
    message = services.write(
        actor=world.resident,
        region=world.wenchang,
        topic="sanitation",
        body="一条留言",
        now=at(2026, 9, 29, 10),
    )
    clock = at(2026, 9, 29, 11)
    taken = ["write"]
    for action in actions:
        clock += timedelta(days=4)
        before = Message.objects.get(pk=message.pk)
        step = None
        try:
            if action == "reply_staff":
                step = "reply"
                services.reply(actor=world.staff, message=message, body="答复", now=clock)
            elif action == "reply_inspector":
                services.reply(actor=desk.inspector, message=message, body="x", now=clock)
            elif action == "reply_other_staff":
                services.reply(actor=world.other_staff, message=message, body="x", now=clock)
            elif action == "rate_ok":
                step = "rate"
                services.rate(actor=world.resident, message=message, rating=4, now=clock)
            elif action == "rate_not":
                step = "not_resolved"
                services.rate(
                    actor=world.resident, message=message, rating=1, resolved=False, now=clock
                )
            elif action == "rate_by_staff":
                services.rate(actor=world.staff, message=message, rating=5, now=clock)
            elif action == "close_staff":
                step = "close"
                services.close(actor=world.staff, message=message, note="办结", now=clock)
            elif action == "close_author":
                step = "withdraw"
                services.close(actor=world.resident, message=message, now=clock)
            elif action == "close_inspector":
                services.close(actor=desk.inspector, message=message, note="x", now=clock)
            else:  # the tick: overdue messages go up, unrated answers close by themselves
                services.escalate_overdue(clock)
                services.close_unrated(clock)
                ticked = Message.objects.get(pk=message.pk)
                if ticked.escalations > before.escalations:
                    step = "escalate"
                elif ticked.status != before.status:
                    step = "auto_close"
        except DomainError:
            after = Message.objects.get(pk=message.pk)
            assert (after.status, after.handling_region_id, after.due_at) == (
                before.status,
                before.handling_region_id,
                before.due_at,
            )
            continue
        after = Message.objects.get(pk=message.pk)
        if step is None:
            assert after.status == before.status
            continue
        assert step is not None, action  # every refused actor raised above
        assert before.status in STEPS[step].sources, (action, before.status)
        assert after.status == (STEPS[step].target or before.status)
        taken.append(step)
    events = list(Event.objects.filter(message=message).values_list("step", flat=True))
    assert events == taken
    assert events.count("not_resolved") <= 1
    final = Message.objects.get(pk=message.pk)
    assert final.escalations == events.count("escalate")
    final.delete()  # the next walk's tick sees only its own message
