"""事件处置台 as community staff use it at a desk: the overdue queue, accepting and
assigning an incident to the property company with the confirmations asked, closing a
duplicate, and the dashboard of the community by grid."""

from datetime import datetime

from django.utils import timezone
from playwright.sync_api import expect

from jifen.incidents import services
from jifen.incidents.models import Incident, Status
from jifen.people.models import Role, RoleGrant
from tests.browser.helpers import log_in, zh
from tests.conftest import make_person
from tests.incidents.conftest import grids  # noqa: F401 - the fixture


def test_staff_work_the_queue_and_read_the_dashboard(world, grids, desktop, screenshot) -> None:  # noqa: F811
    late = services.report(
        actor=grids.worker, region=grids.east, category="HJWS", description="河道边堆放生活垃圾"
    )
    services.accept(actor=grids.worker, incident=late)
    zone = timezone.get_current_timezone()
    Incident.objects.filter(pk=late.pk).update(due_at=datetime(2026, 3, 2, 23, 59, tzinfo=zone))
    fresh = services.report(
        actor=world.resident, region=grids.west, category="HJWS", description="3 栋楼道堆放杂物"
    )
    again = services.report(
        actor=world.resident, region=grids.west, category="HJWS", description="3 栋楼道杂物没人管"
    )
    questions: list[str] = []

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        questions.append(dialog.message)
        dialog.accept()

    desktop.on("dialog", answer)
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/incidents/?status=overdue")
    expect(desktop.locator("main h1")).to_have_text(zh("Grid incidents"))
    rows = desktop.locator("table.incidents-list tbody tr[data-incident]")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("[data-late]")).to_be_visible()
    screenshot(desktop, "incidents-console-overdue-desktop")

    # Accept the resident's report and give it to the property company.
    desktop.goto(f"/console/incidents/{fresh.pk}/")
    desktop.locator("#accept button[type=submit]").click()
    desktop.wait_for_load_state()
    desktop.locator("#id_assign-organization").select_option(str(grids.property_co.pk))
    desktop.locator("#assign button[type=submit]").click()
    desktop.wait_for_load_state()
    assert len(questions) == 2
    fresh.refresh_from_db()
    assert fresh.status == Status.ASSIGNED and fresh.organization == grids.property_co
    expect(desktop.locator("ol.timeline li")).to_have_count(3)

    # The second report is the same place: closed as a duplicate of the first.
    desktop.goto(f"/console/incidents/{again.pk}/")
    desktop.locator("#id_close-reason").select_option("duplicate")
    desktop.locator("#id_close-duplicate_of").fill(str(fresh.pk))
    desktop.locator("#close button[type=submit]").click()
    desktop.wait_for_load_state()
    again.refresh_from_db()
    assert again.status == Status.CLOSED and again.duplicate_of == fresh
    screenshot(desktop, "incidents-console-closed-desktop")

    desktop.goto(
        f"/console/incidents/dashboard/?region={world.wenchang.code}"
        "&start=2026-01-01&end=2026-12-31"
    )
    area = desktop.locator("table[data-by=area]")
    expect(area).to_contain_text("东片网格")
    expect(desktop.locator(".incident-totals [data-overdue]")).to_contain_text("1")
    screenshot(desktop, "incidents-console-dashboard-desktop")


def test_an_inspector_reads_the_queue_and_is_offered_no_step(world, grids, desktop) -> None:  # noqa: F811
    """巡察 over the town: the queue, the incident with its history, the dashboard — and
    not one button or form that would change anything."""
    inspector = make_person(world.wenchang, "巡察组长")
    RoleGrant.objects.create(person=inspector, role=Role.INSPECTOR, region=world.town)
    incident = services.report(
        actor=world.resident, region=grids.east, category="HJWS", description="小广场路灯不亮"
    )
    services.accept(actor=grids.worker, incident=incident)
    log_in(desktop, inspector.phone)
    desktop.goto("/console/incidents/")
    rows = desktop.locator("table.incidents-list tbody tr[data-incident]")
    expect(rows).to_have_count(1)
    expect(desktop.locator("main a[href='/console/incidents/new/']")).to_have_count(0)
    rows.first.locator("a").first.click()
    desktop.wait_for_url(f"**/console/incidents/{incident.pk}/")
    expect(desktop.locator("ol.timeline li")).to_have_count(2)
    expect(desktop.locator("main form")).to_have_count(0)
    expect(desktop.locator("main button")).to_have_count(0)
    desktop.goto(f"/console/incidents/dashboard/?region={world.wenchang.code}")
    expect(desktop.locator("table[data-by=area]")).to_contain_text("东片网格")
    # A step posted by hand all the same: refused, nothing written.
    # (with the page's own CSRF token, so that it is the step that is refused).
    answer = desktop.evaluate(
        """path => {
          const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
          const body = new FormData();
          body.append('csrfmiddlewaretoken', token);
          body.append('escalate-note', '需要镇里协调');
          return fetch(path, {method: 'POST', body}).then(r => [r.status, r.url]);
        }""",
        f"/console/incidents/{incident.pk}/escalate/",
    )
    assert answer[0] == 403
    incident.refresh_from_db()
    assert incident.tier == "grid" and incident.events.count() == 2
