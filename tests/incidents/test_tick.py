"""``jifen tick`` across the 2026 国庆 holiday: 督办 on the first day past the deadline,
once; automatic escalation at three times the deadline; both idempotent."""

from datetime import date, datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from jifen.incidents import services
from jifen.incidents.models import Event, Incident, Status, Tier
from jifen.notices.models import Notice
from jifen.ops import tick


def _at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


def _tick(day: date) -> list[str]:
    """The incident jobs as ``jifen tick --as-of day`` runs them, on that day."""
    jobs = tuple(j for j in tick.JOBS if j[0].startswith("incidents_"))
    with mock.patch("django.utils.timezone.now", return_value=_at(day.year, day.month, day.day)):
        return list(tick.run(tick.Options(as_of=day), jobs))


@pytest.fixture
def accepted(world, grids) -> Incident:
    """Accepted on Tuesday 2026-09-29 with 3 working days: 30 Sep, then 国庆 (1–7 Oct)
    off, then Thursday 8 and Friday 9 Oct."""
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 9, 29)):
        incident = services.report(
            actor=grids.worker, region=grids.east, category="HJWS", description="绿化带垃圾"
        )
        services.accept(actor=grids.worker, incident=incident)
    incident.refresh_from_db()
    assert timezone.localdate(incident.due_at) == date(2026, 10, 9)
    return incident


def _steps(incident: Incident) -> list[str]:
    return list(incident.events.order_by("id").values_list("step", flat=True))


def test_the_tick_reminds_on_the_make_up_saturday_once(world, grids, accepted):
    assert _tick(date(2026, 10, 9)) == ["tick as of 2026-10-09: "]
    lines = _tick(date(2026, 10, 10))  # 调休: a working Saturday, the first day past
    assert "incidents: 1 overdue reminder(s) sent (督办)" in lines
    assert _steps(accepted) == ["report", "accept", "remind"]
    told = Notice.objects.filter(kind="incident.overdue")
    # The grid worker (handler at the grid tier) and the community's staff.
    assert {n.person_id for n in told} == {grids.worker.pk, world.staff.pk}
    assert _tick(date(2026, 10, 10)) == ["tick as of 2026-10-10: "]  # idempotent
    assert _tick(date(2026, 10, 12)) == ["tick as of 2026-10-12: "]  # once per deadline
    assert Event.objects.filter(incident=accepted, step="remind").count() == 1


def test_at_three_times_the_deadline_it_goes_up_a_tier_by_itself(world, grids, accepted):
    # Three times 3 working days after Tuesday 29 Sep, counted as the deadline is: 30 Sep,
    # 8 and 9 Oct, the 调休 Saturday 10 Oct, then 12–16 Oct (Monday 19 Oct without it).
    assert timezone.localdate(services.stale_at(accepted)) == date(2026, 10, 16)
    _tick(date(2026, 10, 10))
    _tick(date(2026, 10, 16))  # the whole ninth working day is still the grid's
    accepted.refresh_from_db()
    assert accepted.tier == Tier.GRID and accepted.escalations == 0
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 10, 17)):
        lines = list(
            tick.run(tick.Options(as_of=date(2026, 10, 17)), (("e", tick.incidents_escalate),))
        )
    assert "incidents: 1 stale incident(s) escalated" in lines
    accepted.refresh_from_db()
    assert accepted.tier == Tier.COMMUNITY and accepted.handling_region == world.wenchang
    assert accepted.status == Status.ACCEPTED and accepted.reminded_at is None
    # The community's new deadline counts from the escalation on Saturday 17 Oct:
    # Monday 19, 20 and Wednesday 21 Oct. Nothing more that day.
    assert timezone.localdate(accepted.due_at) == date(2026, 10, 21)
    assert _tick(date(2026, 10, 17)) == ["tick as of 2026-10-17: "]
    assert _steps(accepted)[-1] == "escalate"


def test_a_tick_catching_up_a_past_day_counts_the_new_deadline_from_that_day(
    world, grids, accepted
):
    # Run late (today is long after): the escalation is as of the day the tick judges,
    # not of the moment it happens to run.
    call_command("tick", "--as-of", "2026-10-19", stdout=StringIO())
    accepted.refresh_from_db()
    assert accepted.tier == Tier.COMMUNITY
    assert timezone.localtime(accepted.accepted_at).date() == date(2026, 10, 19)
    assert timezone.localdate(accepted.due_at) == date(2026, 10, 22)


def test_an_urgent_incident_escalates_at_three_times_its_hours(world, grids):
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 9, 30, 9)):
        incident = services.report(
            actor=world.staff, region=grids.east, category="AQYH", description="电线裸露"
        )
        services.accept(actor=world.staff, incident=incident)
    incident.refresh_from_db()
    assert services.stale_at(incident) == _at(2026, 10, 3, 9)  # 72 hours, holidays or not
    assert services.escalate_stale(_at(2026, 10, 3, 9)) == 0
    assert services.escalate_stale(_at(2026, 10, 3, 10)) == 1
    incident.refresh_from_db()
    assert incident.tier == Tier.TOWN


def test_jifen_tick_runs_both_jobs(world, grids, accepted):
    out = StringIO()
    call_command("tick", "--as-of", "2026-10-10", stdout=out)
    assert "incidents: 1 overdue reminder(s) sent (督办)" in out.getvalue()
    out = StringIO()
    call_command("tick", "--as-of", "2026-10-10", stdout=out)
    assert "overdue reminder" not in out.getvalue()
    assert Event.objects.filter(incident=accepted, step="remind").count() == 1
