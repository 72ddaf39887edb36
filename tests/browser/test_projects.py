"""三单 · 微实事 as people live them (issue 18): staff turn a need from the needs list into
a 微实事 matched to a unit's resource on the console; a unit's contact takes the lead on a
360 px phone and reports each milestone (one with a photo) and the completion; the
completion is the unit's claim, a reviewer approves it at a desk and the unit has the
points; the public page shows the milestones on a phone and on the big screen."""

import io
from datetime import timedelta
from typing import Any

from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from jifen.points import ledger
from jifen.projects import services
from jifen.projects.models import Need, NeedStatus, Project, Status
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.browser.test_requests import browser_page
from tests.projects.conftest import make_need, make_units

BIG_SCREEN = {**DESKTOP, "viewport": {"width": 1920, "height": 1080}}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "PNG")
    return out.getvalue()


def test_a_need_becomes_a_project_a_unit_leads_on_a_phone_and_earns_its_points(
    world, browser, live_server, screenshot
) -> None:
    units = make_units(world)
    need = make_need(world)
    services.offer_resource(
        actor=units.bank_contact,
        community=world.wenchang,
        kind="funds",
        title="资助灯具款",
        organization=units.bank,
    )

    # Staff, at a desk: the needs tab, the need made a project matched to the resource.
    staff: Any = browser_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto("/console/projects/?tab=needs")
    staff.locator(f"[data-need='{need.pk}'] [data-plan='{need.pk}']").click()
    staff.wait_for_load_state()
    expect(staff.locator("#id_title")).to_have_value(need.title)
    staff.locator("#id_budget").fill("12800")
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    staff.locator("#id_milestones").fill(f"采购灯具 | {due}\n安装完毕")
    staff.locator("input[name=resources]").first.check()
    staff.locator("#id_rule_item").select_option(str(units.item.pk))
    staff.locator("#id_points").fill("40")
    staff.locator("main form button[type=submit]").click()
    staff.wait_for_load_state()
    project = Project.objects.get()
    assert project.budget_fen == 1_280_000 and project.resources.count() == 1
    assert Need.objects.get(pk=need.pk).status == NeedStatus.PLANNED
    staff.locator("#publish button[type=submit]").click()
    staff.wait_for_load_state()
    expect(staff.locator("[data-status]").first).to_have_attribute("data-status", "open")
    screenshot(staff, "projects-console-detail")

    # The clinic's contact, on a phone: takes the lead, reports both milestones, completes.
    phone: Any = browser_page(browser, live_server, PHONE)
    log_in(phone, units.clinic_contact.phone)
    phone.goto("/projects/")
    assert_fits(phone)
    phone.locator(f"[data-open-project='{project.pk}'] a.button").click()
    phone.wait_for_load_state()
    phone.locator("[data-lead-button]").click()
    phone.wait_for_load_state()
    project.refresh_from_db()
    assert project.status == Status.LED and project.lead_organization == units.clinic
    first, second = project.milestones.all()
    phone.locator(f"[data-report='{first.pk}']").click()
    phone.locator(f"#id_report-{first.pk}-note").fill("灯具36套已采购")
    phone.locator(f"#id_report-{first.pk}-photo").set_input_files(
        {"name": "lamps.png", "mimeType": "image/png", "buffer": _png()}
    )
    assert_fits(phone)
    phone.locator(f"[data-milestone='{first.pk}'] form button[type=submit]").click()
    phone.wait_for_load_state()
    expect(phone.locator(f"[data-milestone='{first.pk}']")).to_have_attribute("data-done", "true")
    phone.locator(f"[data-report='{second.pk}']").click()
    phone.locator(f"#id_report-{second.pk}-note").fill("3、5栋全部装好")
    phone.locator(f"[data-milestone='{second.pk}'] form button[type=submit]").click()
    phone.wait_for_load_state()
    phone.locator("#id_complete-note").fill("全部完工，居民满意")
    phone.locator("[data-complete-button]").click()
    phone.wait_for_load_state()
    project.refresh_from_db()
    assert project.status == Status.COMPLETED and project.claim is not None
    assert project.claim.organization == units.clinic and project.claim.points == 40
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MET
    assert_fits(phone)
    screenshot(phone, "projects-phone-completed")

    # The review group approves the unit's claim like any claim.
    desk: Any = browser_page(browser, live_server, DESKTOP)
    log_in(desk, world.reviewer.phone)
    desk.goto(f"/console/claims/{project.claim_id}/")
    desk.locator(f"form[action='/console/claims/{project.claim_id}/approve/'] button").click()
    desk.wait_for_load_state()
    assert ledger.account_for(units.clinic).balance == 40

    # Anyone, no login: the milestones with their photo, on a phone and on the big screen.
    public: Any = browser_page(browser, live_server, PHONE)
    public.goto(f"/public/{world.wenchang.code}/projects/")
    public.locator(f"[data-project='{project.pk}'] a").click()
    public.wait_for_load_state()
    expect(public.locator("[data-status]").first).to_have_attribute("data-status", "reviewed")
    expect(public.locator("[data-milestone][data-done=true]")).to_have_count(2)
    expect(public.locator(f"[data-milestone='{first.pk}'] img")).to_be_visible()
    assert (
        public.locator(f"[data-milestone='{first.pk}'] img").evaluate("img => img.naturalWidth")
        == 40
    )
    assert_fits(public)
    screenshot(public, "projects-public-phone")
    screen: Any = browser_page(browser, live_server, BIG_SCREEN)
    screen.goto(f"/public/{world.wenchang.code}/projects/")
    expect(screen.locator(f"[data-project='{project.pk}'] [data-progress]")).to_have_attribute(
        "data-progress", "2/2"
    )
    assert_fits(screen)
    screenshot(screen, "projects-public-big-screen")
