"""派单台 as community staff use it at a desk: the list of requests waiting for the check,
publishing one with the points they choose, dispatching another to a volunteer, and the
phone-sized page still readable."""

from django.utils import translation
from playwright.sync_api import expect

from jifen.requests import services
from jifen.requests.models import STEP_LABELS, ServiceRequest, Status
from tests.browser.helpers import PHONE, assert_fits, log_in, zh
from tests.requests.conftest import asked, helper, menu  # noqa: F401 - fixtures


def test_staff_publish_one_request_and_dispatch_another(
    world,
    menu,  # noqa: F811 - the fixture imported above
    asked,  # noqa: F811
    helper,  # noqa: F811
    desktop,
    screenshot,
) -> None:
    second = services.submit_request(
        actor=world.resident, community=world.wenchang, category="REPAIR", title="楼道灯不亮"
    )
    questions: list[str] = []

    def answer(dialog) -> None:  # type: ignore[no-untyped-def]
        questions.append(dialog.message)
        dialog.accept()

    desktop.on("dialog", answer)
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/requests/?status=submitted")
    expect(desktop.locator("main h1")).to_have_text(zh("Service requests"))
    rows = desktop.locator("table.requests-list tbody tr[data-request]")
    expect(rows).to_have_count(2)
    # 待审核: the oldest first.
    expect(rows.first).to_have_attribute("data-request", str(asked.pk))
    expect(desktop.locator(".status-tabs a[data-status=submitted]")).to_contain_text("2")
    screenshot(desktop, "requests-console-list-desktop")

    # Publish the first, for 20 points (the menu suggests 10, at most 30).
    rows.first.locator("a.button").click()
    points = desktop.locator("#id_publish-points")
    expect(points).to_have_value("10")
    points.fill("20")
    desktop.locator("#publish button[type=submit]").click()
    desktop.wait_for_load_state()
    assert len(questions) == 1
    asked.refresh_from_db()
    assert asked.status == Status.OPEN and asked.points == 20
    with translation.override("zh-hans"):
        open_label, dispatched = str(Status.OPEN.label), str(STEP_LABELS["dispatch"])
    expect(desktop.locator("main .badge[data-status]")).to_have_text(open_label)
    expect(desktop.locator("#publish")).to_have_count(0)

    # Dispatch the second to 周志愿, found by name.
    desktop.goto(f"/console/requests/{second.pk}/")
    desktop.locator("#id_dispatch-person").fill("周志愿")
    desktop.locator("#dispatch button[type=submit]").click()
    desktop.wait_for_load_state()
    assert len(questions) == 2
    second.refresh_from_db()
    assert second.status == Status.ASSIGNED and second.assignee == helper
    assert second.points == 10 and second.due_on is not None
    expect(desktop.locator("main .facts")).to_contain_text(helper.volunteer_no)
    expect(desktop.locator("ol.timeline")).to_contain_text(dispatched)
    screenshot(desktop, "requests-console-dispatched-desktop")

    # Back on the list: nothing left to check.
    desktop.goto("/console/requests/?status=submitted")
    expect(desktop.locator("table.requests-list td.empty")).to_be_visible()
    assert ServiceRequest.objects.filter(status=Status.SUBMITTED).count() == 0


def test_the_request_page_fits_a_phone(world, menu, asked, browser, live_server) -> None:  # noqa: F811
    context = browser.new_context(base_url=live_server.url, **PHONE)
    page = context.new_page()
    log_in(page, world.staff.phone)
    page.goto(f"/console/requests/{asked.pk}/")
    expect(page.locator("#id_publish-points")).to_be_visible()
    assert_fits(page)
    page.goto("/console/requests/")
    assert_fits(page)
    context.close()


def test_dispatching_to_the_requester_is_refused_on_the_form(
    world,
    menu,  # noqa: F811
    asked,  # noqa: F811
    desktop,
    screenshot,
) -> None:
    desktop.on("dialog", lambda dialog: dialog.accept())
    log_in(desktop, world.staff.phone)
    desktop.goto(f"/console/requests/{asked.pk}/")
    desktop.locator("#id_dispatch-person").fill(world.resident.volunteer_no)
    desktop.locator("#id_dispatch-points").fill("17")
    desktop.locator("#dispatch button[type=submit]").click()
    desktop.wait_for_load_state()
    # The request's page still, the reason on the dispatch form, what was typed kept.
    expect(desktop.locator("main h1")).to_contain_text(asked.title)
    expect(desktop.locator("#dispatch .has-error .error")).to_be_visible()
    expect(desktop.locator("#id_dispatch-person")).to_have_value(world.resident.volunteer_no)
    expect(desktop.locator("#id_dispatch-points")).to_have_value("17")
    expect(desktop.locator("main")).not_to_contain_text(zh("Not allowed"))
    screenshot(desktop, "requests-console-dispatch-refused-desktop")
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED
