"""The demo's 点单 and 微心愿: every state a community sees, the to-do lines they make for
the printed logins, the wall — once however often `jifen seed demo` runs."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.claims.models import Status as ClaimStatus
from jifen.inbox.selectors import todo_for
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.requests import selectors
from jifen.requests.models import Event, Kind, ServiceRequest, Status

STAFF, VOLUNTEER = "13800000002", "13900000001"


@pytest.fixture
def seeded(db) -> None:
    call_command("seed", "demo", stdout=StringIO())


def kinds(phone: str) -> set[str]:
    return {item.kind for item in todo_for(Person.objects.get(phone=phone))}


def test_every_state_and_the_lines_it_makes(seeded) -> None:
    states = Counter(ServiceRequest.objects.values_list("status", flat=True))
    for status in (Status.SUBMITTED, Status.OPEN, Status.ASSIGNED, Status.DONE, Status.COMPLETED):
        assert states[status] >= 1, status
    assert {"requests_to_check", "requests_overdue"} <= kinds(STAFF)
    assert "requests_to_confirm" in kinds(VOLUNTEER)
    rated = ServiceRequest.objects.get(rating=5)
    assert rated.claim is not None and rated.claim.status == ClaimStatus.APPROVED
    assert ServiceRequest.objects.filter(auto_confirmed=True).count() == 1
    wenchang = Region.objects.get(code="350524100001")
    wall = selectors.wishes_wall(wenchang)
    assert {line.status for line in wall} >= {Status.OPEN, Status.ASSIGNED}
    # 文昌 prices repairs its own way: its line replaces the county's.
    assert selectors.menu_item(wenchang, "JD01").points == 25


def test_seeding_again_adds_nothing(seeded) -> None:
    before = ServiceRequest.objects.count()
    call_command("seed", "demo", stdout=StringIO())
    assert ServiceRequest.objects.count() == before


def test_each_requests_times_are_its_steps_times(seeded) -> None:
    now = timezone.now()
    for request in ServiceRequest.objects.all():
        events = list(Event.objects.filter(request=request).order_by("at", "id"))
        assert events[0].step == "submit"
        assert abs(events[0].at - request.created_at) < timedelta(seconds=1)
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(e.at <= now for e in events), request
        if request.assigned_at:
            assert request.created_at < request.assigned_at, request
            taken = [e.at for e in events if e.step in ("dispatch", "reassign", "accept")]
            assert request.assigned_at == taken[-1]
        if request.done_at:
            assert request.assigned_at < request.done_at
        if request.closed_at and request.done_at:
            assert request.done_at < request.closed_at
    late = selectors.overdue(Person.objects.get(phone=STAFF))
    assert late.count == 1 and late.oldest_at < now
    light = ServiceRequest.objects.get(title="楼道感应灯坏了")
    assert light.due_on < timezone.localdate()
    assert light.due_on >= timezone.localtime(light.assigned_at).date()


def test_the_wall_shows_a_wish_fulfilled_this_month_on_a_wish_line(seeded) -> None:
    wenchang = Region.objects.get(code="350524100001")
    panel = selectors.wall_panel(wenchang)
    assert panel["wishes_fulfilled_count"] >= 1
    assert [i.code for i in selectors.menu(wenchang, kind=Kind.WISH)] == ["XY01"]
    assert "XY01" not in {i.code for i in selectors.menu(wenchang, kind=Kind.REQUEST)}
