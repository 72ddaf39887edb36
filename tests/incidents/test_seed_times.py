"""The demo's incidents tell one story: each deadline is counted from the accepted time
with the working-day calendar (the accept event says the same), the fixed ones took
hours or days, and the overdue ones are late by working days."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.incidents.models import Event, Incident, Status
from jifen.lib import workdays


@pytest.fixture
def seeded(db) -> None:
    call_command("seed", "demo", stdout=StringIO())


def test_deadlines_are_working_days_from_the_accepted_time(seeded):
    accepted = Incident.objects.exclude(accepted_at=None).exclude(tier="community")
    accepted = accepted.filter(escalations=0).select_related("category")
    assert accepted.exists()
    for item in accepted:
        expected = workdays.deadline(
            item.accepted_at,
            days=item.category.deadline_days,
            hours=item.category.deadline_hours,
        )
        assert item.due_at == expected, item.description
        assert workdays.is_working_day(timezone.localdate(item.due_at)), item.description
        event = Event.objects.get(incident=item, step="accept")
        assert abs(event.at - item.accepted_at) < timedelta(seconds=5)
        assert event.due_at == item.due_at
        assert item.created_at <= item.accepted_at


def test_the_fixed_ones_took_hours_and_the_history_is_in_order(seeded):
    fixed = Incident.objects.filter(status=Status.CLOSED, close_reason="fixed")
    assert fixed.count() >= 3
    for item in fixed:
        assert item.resolved_at - item.accepted_at >= timedelta(hours=1)
        assert item.closed_at > item.resolved_at
        times = list(
            Event.objects.filter(incident=item).order_by("id").values_list("at", flat=True)
        )
        assert times == sorted(times)
    assert {i.closed_on_time for i in fixed} == {True, False}  # one was late


def test_the_overdue_ones_are_late_by_working_days(seeded):
    now = timezone.now()
    late = Incident.objects.filter(status=Status.ASSIGNED, due_at__lt=now)
    assert late.count() == 2
    for item in late:
        assert workdays.is_working_day(timezone.localdate(item.due_at))
