"""The roll-up of closed messages (PostgreSQL) gives exactly what counting the messages
gives, for periods of whole and partial months, with and without months; a second tick
adds nothing; a message closed after the tick is counted live until the next one.
Derandomised: the same walk every run."""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from jifen.inspection import figures, rollup
from jifen.messages.models import Message, Topic
from jifen.messages.services import ensure_topics


def _random_messages(world, count: int, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - a test's walk
    ensure_topics(world.county)
    topics = list(Topic.objects.filter(region=world.county))
    places = [
        (world.wenchang, world.resident),
        (world.jinyue, world.neighbour),
        (world.wanmei, world.stranger),
        (world.town, world.resident),
    ]
    now = timezone.now()
    rows = []
    for _n in range(count):
        region, author = places[rng.randrange(len(places))]
        created = now - timedelta(days=rng.randrange(2, 200), hours=rng.randrange(24))
        first_due = created + timedelta(days=rng.randrange(1, 8))
        state = rng.choice(["open", "answered", "reopened", "closed", "closed", "closed"])
        first = answered = closed = rating = reopened = None
        if state != "open" or rng.random() < 0.2:
            first = created + timedelta(hours=rng.randrange(1, 300))
            answered = first
        if state == "reopened" or (state != "open" and rng.random() < 0.2):
            reopened = (first or created) + timedelta(hours=5)
            rating = rng.choice([1, 2])
        if state == "closed":
            closed = (first or created) + timedelta(days=rng.randrange(0, 20))
            closed = min(closed, now - timedelta(days=1))
            if rng.random() < 0.7:
                rating = rng.randrange(1, 6)
        status = state if state != "answered" or first else "open"
        if status == "reopened" and first is None:
            status = "open"
        rows.append(
            Message(
                region=region,
                handling_region=region,
                author=author,
                topic=topics[rng.randrange(len(topics))],
                body="随机留言",
                status=status,
                created_at=created,
                due_at=first_due + timedelta(days=3 if reopened else 0),
                first_due_at=first_due,
                first_answered_at=first,
                answered_at=answered,
                closed_at=closed,
                rating=rating,
                reopened_at=reopened,
            )
        )
    Message.objects.bulk_create(rows)


def _same(world, start: date, end: date, monthly: bool) -> figures.Summary:
    now = timezone.now()
    kw = {"viewer": None, "region": world.county, "start": start, "end": end, "now": now}
    kw |= {"monthly": monthly, "with_incidents": False, "with_disclosures": False}
    rolled = figures.summary(**kw)
    live = figures.summary(**kw, use_rollup=False)
    assert rolled.total == live.total
    assert rolled.by_area == live.by_area
    assert rolled.by_town == live.by_town
    assert rolled.by_topic == live.by_topic
    assert rolled.by_month == live.by_month
    return rolled


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rolled_equals_live(world, seed):
    _random_messages(world, 120, seed)
    touched = rollup.roll_up()
    assert rollup.roll_up() == 0
    today = timezone.localdate()
    rng = random.Random(seed)  # noqa: S311
    periods = [
        (today - timedelta(days=400), today),
        (today.replace(day=1) - timedelta(days=90), today),
    ]
    for _n in range(4):
        a = today - timedelta(days=rng.randrange(0, 220))
        b = a + timedelta(days=rng.randrange(0, 120))
        periods.append((a, min(b, today)))
    for start, end in periods:
        for monthly in (False, True):
            s = _same(world, start, end, monthly)
    assert s.total.received >= 0
    if rollup.available():
        assert touched > 0
        whole = _same(world, today - timedelta(days=400), today, False)
        assert whole.rolled and whole.total.received == 120


def test_a_message_closed_after_the_tick_is_counted_live(world):
    _random_messages(world, 30, 9)
    rollup.roll_up()
    waiting = Message.objects.exclude(status="closed").order_by("created_at").first()
    assert waiting is not None
    Message.objects.filter(pk=waiting.pk).update(
        status="closed", closed_at=timezone.now(), rating=4
    )
    today = timezone.localdate()
    s = _same(world, today - timedelta(days=400), today, True)
    assert s.total.received == 30
