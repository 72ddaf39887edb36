"""The demo's messages: answered, overdue unanswered, reopened, escalated, public and
private — made once however often it runs."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.demo.seed_messages import seed_demo_messages
from jifen.messages import selectors
from jifen.messages.models import Message, Status
from jifen.people.models import Person


@pytest.fixture
def seeded(db) -> None:
    call_command("seed", "demo", stdout=StringIO())
    seed_demo_messages()


def test_every_state_once(seeded) -> None:
    count = Message.objects.count()
    seed_demo_messages()
    assert Message.objects.count() == count
    states = Counter(Message.objects.values_list("status", flat=True))
    for status in Status.values:
        assert states[status] >= 1, status
    assert Message.objects.filter(public=False).exists()
    assert Message.objects.filter(escalations=1, handling_region__code="350524100").exists()
    overdue = Message.objects.filter(selectors.overdue_q(timezone.now()), escalations=0)
    assert overdue.filter(region__code="350524100001").exists()
    reopened = Message.objects.get(status=Status.REOPENED)
    assert reopened.due_at > timezone.now() and reopened.reopened_at is not None
    volunteer = Person.objects.get(phone="13900000001")
    assert selectors.author_todo(volunteer).count == 1
    staff = Person.objects.get(phone="13800000002")
    assert selectors.staff_todo(staff)["overdue"].count >= 1
