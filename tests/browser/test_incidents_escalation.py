"""An incident nobody handles, across 国庆 2026, seen in the browser: a grid worker reports
it on a 360 px phone on Tuesday 29 September, the community's staff accept it at the desk
(3 working days: due Friday 9 October — 30 September, then 国庆 1–7 October off, then 8
and 9 October). ``jifen tick`` on the make-up Saturday 10 October sends the 督办 notice;
past three times the deadline in working days (nine: the 调休 Saturday counts, so Friday
16 October is the last) the next tick moves it up to the community by itself, with a new
deadline of 3 working days from Saturday 17 October: Wednesday 21 October.

The clock is Django's (``timezone.now``), moved by the test: the live server answers from
its own thread with the same clock, as ``jifen tick --as-of`` judges that day."""

from collections.abc import Iterator
from datetime import datetime
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from jifen.incidents.models import Event, Incident, Status, Tier
from jifen.notices.models import Notice
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in, zh
from tests.conftest import World
from tests.incidents.conftest import Grids
from tests.incidents.conftest import grids as wenchang_grids  # noqa: F401 - a fixture


class Clock:
    """Django's now, set by the test (for the test's thread and the live server's)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, month: int, day: int, hour: int = 10) -> None:
        self.at = datetime(2026, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def clock() -> Iterator[Clock]:
    at = Clock(datetime(2026, 9, 29, 9, tzinfo=timezone.get_current_timezone()))
    with mock.patch("django.utils.timezone.now", side_effect=at):
        yield at


@pytest.fixture
def grids(request: Any, clock: Clock) -> Grids:
    return request.getfixturevalue("wenchang_grids")


def _page(browser: Any, live_server: Any, device: dict[str, Any]) -> Any:
    context = browser.new_context(base_url=live_server.url, **device)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # yes to every 'are you sure?'
    return page


def _log_in_again(page: Any, phone_number: str) -> None:
    page.context.clear_cookies()
    log_in(page, phone_number)


def _tick(day: str) -> str:
    out = StringIO()
    call_command("tick", "--as-of", day, stdout=out)
    return out.getvalue()


def test_an_overdue_incident_escalates_by_itself_across_national_day(
    world: World, grids: Grids, clock: Clock, browser: Any, live_server: Any, screenshot: Any
) -> None:
    # Tuesday 29 September: the grid worker reports from the street on a phone.
    worker = _page(browser, live_server, PHONE)
    log_in(worker, grids.worker.phone)
    worker.goto("/grid/report/")
    worker.locator("#id_category").select_option("HJWS")
    worker.locator("#id_description").fill("小区后门绿化带堆满建筑垃圾")
    worker.locator("#id_address").fill("文昌路 12 号后门")
    worker.locator("main form[data-incident-form] button[type=submit]").click()
    worker.wait_for_url("**/incidents/*/")
    incident = Incident.objects.get()
    assert incident.status == Status.REPORTED and incident.tier == Tier.GRID

    # The community's staff accept it at the desk: due Friday 9 October, 23:59.
    clock.set(9, 29, 10)
    staff = _page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto(f"/console/incidents/{incident.pk}/")
    staff.locator("#accept button[type=submit]").click()
    staff.wait_for_load_state()
    expect(staff.locator(".badge[data-status]")).to_have_attribute("data-status", "accepted")
    expect(staff.locator("dl.facts")).to_contain_text("2026-10-09 23:59")
    incident.refresh_from_db()
    assert timezone.localtime(incident.due_at) == datetime(
        2026, 10, 9, 23, 59, 59, tzinfo=timezone.get_current_timezone()
    )
    worker.goto(f"/incidents/{incident.pk}/")
    expect(worker.locator("dd.due")).to_have_text("2026-10-09 23:59")

    # Friday 9 October, the last day: nothing yet.
    clock.set(10, 9)
    assert "overdue reminder" not in _tick("2026-10-09")
    # Saturday 10 October, a make-up working day and the first day past: 督办, once.
    clock.set(10, 10)
    assert "incidents: 1 overdue reminder(s) sent (督办)" in _tick("2026-10-10")
    assert "overdue reminder" not in _tick("2026-10-10")
    told = Notice.objects.get(kind="incident.overdue", person=grids.worker)
    assert Notice.objects.filter(kind="incident.overdue", person=world.staff).count() == 1

    # The grid worker (handling it at the grid tier) sees the 督办 under the bell.
    worker.reload()
    # Two unread: the staff accepted the report, and the 督办 (not their own report).
    assert sorted(Notice.objects.filter(person=grids.worker).values_list("kind", flat=True)) == [
        "incident.accepted",
        "incident.overdue",
    ]
    expect(worker.locator("header .notice-bell .bell-count")).to_have_text("2")
    worker.goto("/me/notices/")
    card = worker.locator("main .notice-card.is-unread").filter(has_text=told.title)
    expect(card).to_have_count(1)
    expect(card.locator(".notice-title")).to_have_text(told.title)
    assert_fits(worker)
    card.locator("a.notice-link").click()  # read, and on to the incident
    worker.wait_for_url(f"**/incidents/{incident.pk}/")
    expect(worker.locator("dd.due.late")).to_have_text("2026-10-09 23:59")

    # Friday 16 October ends the ninth working day (the 调休 Saturday counted): still the
    # grid's. Without 10 October it would last until Monday 19 October.
    clock.set(10, 16, 20)
    assert "escalated" not in _tick("2026-10-16")
    incident.refresh_from_db()
    assert incident.tier == Tier.GRID
    # Saturday 17 October: past three times the deadline, up to the community by itself.
    clock.set(10, 17)
    assert "incidents: 1 stale incident(s) escalated" in _tick("2026-10-17")
    assert "escalated" not in _tick("2026-10-17")
    incident.refresh_from_db()
    assert (incident.tier, incident.handling_region, incident.status) == (
        Tier.COMMUNITY,
        world.wenchang,
        Status.ACCEPTED,
    )

    # The staff's page: the community handles it, due Wednesday 21 October (Monday 19,
    # Tuesday 20, Wednesday 21: the weekend skipped); the history shows the 督办 and the
    # system's escalation with the new deadline.
    _log_in_again(staff, world.staff.phone)  # the fortnight's session of 29 September is over
    staff.goto(f"/console/incidents/{incident.pk}/")
    facts = staff.locator("dl.facts")
    expect(staff.locator(".heading-row .tag")).to_have_text(zh("community"))
    expect(facts).to_contain_text(world.wenchang.name)
    expect(facts).to_contain_text("2026-10-21 23:59")
    expect(facts).not_to_contain_text("2026-10-09 23:59")
    timeline = staff.locator("ol.timeline li")
    expect(timeline).to_have_count(4)  # reported, accepted, 督办, escalated
    remind = staff.locator("ol.timeline li.step-remind")
    expect(remind).to_have_count(1)
    expect(remind.locator(".when")).to_have_text("2026-10-10 10:00")
    escalated = staff.locator("ol.timeline li.step-escalate")
    expect(escalated).to_have_count(1)
    expect(escalated.locator(".when")).to_have_text("2026-10-17 10:00")
    expect(escalated.locator(".detail").first).to_have_text(f"{zh('due')} 2026-10-21 23:59")
    note = Event.objects.get(incident=incident, step="escalate").note
    assert note and Event.objects.get(incident=incident, step="escalate").actor is None
    expect(escalated).to_contain_text(note)
    # It is the community's to accept and assign now: staff may, and no 督办 is due yet.
    expect(staff.locator("#assign")).to_be_visible()
    expect(staff.locator("[data-late]")).to_have_count(0)
    screenshot(staff, "incident-escalated-by-tick-desktop")
    # The staff were told it came up to them.
    assert Notice.objects.filter(kind="incident.escalated", person=world.staff).count() == 1

    # The grid worker's phone page says the same: the community, the new deadline.
    _log_in_again(worker, grids.worker.phone)
    worker.goto(f"/incidents/{incident.pk}/")
    expect(worker.locator("dd.handler")).to_contain_text(world.wenchang.name)
    expect(worker.locator("dd.due")).to_have_text("2026-10-21 23:59")
    assert_fits(worker)
