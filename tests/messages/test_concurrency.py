"""Message steps under real concurrency (PostgreSQL): the author saying "not resolved"
twice at once reopens it once; a rating and a withdrawal at once end it once; the tick
run twice at once escalates each message once. The message's row lock
(``services._locked``: ``FOR UPDATE``) makes the check and the write one step."""

from collections import Counter

import pytest

from jifen.lib.errors import Conflict
from jifen.messages import services
from jifen.messages.models import Event, Message, Status
from jifen.people.models import Person
from tests.messages.conftest import at
from tests.requests.test_concurrency import in_threads

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)


def outcome(results: list) -> Counter:
    seen: Counter = Counter()
    for result in results:
        if isinstance(result, Message):
            seen["taken"] += 1
        elif isinstance(result, Conflict):
            seen[result.code] += 1
        elif isinstance(result, int):
            seen[f"moved {result}"] += 1
        else:
            raise AssertionError(f"unexpected: {result!r}")
    return seen


def answered(world, n: int) -> Message:
    made = services.write(
        actor=world.resident, region=world.wenchang, topic="other", body=f"第{n}条留言"
    )
    services.reply(actor=world.staff, message=made, body="已处理")
    return made


@pg
@transactional
def test_not_resolved_twice_at_once_reopens_once(world, desk):
    for round_ in range(6):
        message = answered(world, round_)
        results = in_threads(
            2,
            lambda i, pk=message.pk: services.rate(
                actor=Person.objects.get(pk=world.resident.pk),
                message=pk,
                rating=1,
                resolved=False,
            ),
        )
        assert outcome(results) == Counter({"taken": 1, "invalid_transition": 1}), results
        stored = Message.objects.get(pk=message.pk)
        assert stored.status == Status.REOPENED
        assert Event.objects.filter(message=message, step="not_resolved").count() == 1


@pg
@transactional
def test_rating_and_withdrawing_at_once_end_it_once(world, desk):
    # The author on two phones: one rates the answer, the other withdraws the message.
    for round_ in range(6):
        message = answered(world, round_)

        def step(i: int, pk: int = message.pk) -> Message:
            actor = Person.objects.get(pk=world.resident.pk)
            if i == 0:
                return services.rate(actor=actor, message=pk, rating=5)
            return services.close(actor=actor, message=pk)

        results = in_threads(2, step)
        assert outcome(results) == Counter({"taken": 1, "invalid_transition": 1}), results
        ended = Event.objects.filter(message=message, step__in=["rate", "withdraw"])
        assert ended.count() == 1


@pg
@transactional
def test_two_ticks_at_once_escalate_each_message_once(world, desk):
    for n in range(5):
        services.write(
            actor=world.resident,
            region=world.wenchang,
            topic="other",
            body=f"第{n}条",
            now=at(2026, 9, 29, 10),
        )
    results = in_threads(2, lambda i: services.escalate_overdue(at(2026, 10, 20, 9)))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 5, results
    assert set(Message.objects.values_list("escalations", flat=True)) == {1}
    assert Event.objects.filter(step="escalate").count() == 5
