"""Grid incidents as people live them: a grid worker reports on a 360 px phone with a
photo, the community accepts it and gives it to the property company, whose contact
resolves it with a photo of the fix; the grid worker checks the fix and rates it. Before
sending, an open report of the same kind at the same spot is suggested; and a report
written in a basement with no network is kept on the phone and sent, once, when the
network returns."""

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from jifen.incidents import services
from jifen.incidents.models import Incident, Photo, Status
from tests.browser.helpers import PHONE, assert_fits, log_in, zh
from tests.conftest import World
from tests.incidents.conftest import Grids
from tests.incidents.conftest import grids as wenchang_grids  # noqa: F401 - a fixture

SPOT = {"latitude": 24.98761, "longitude": 118.12342}
# Runs before any script of the page: keeps every Content-Security-Policy violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def violations(page: Any) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


@pytest.fixture
def grids(request: Any) -> Grids:
    """The grids of 文昌, a grid worker on each, the county's categories, the 物业."""
    return request.getfixturevalue("wenchang_grids")


@pytest.fixture
def uploads(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def photo_file(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    Image.new("RGB", (64, 48), colour).save(path, "JPEG")
    return path


def browser_page(browser: Any, live_server: Any, **extra: Any) -> Any:
    """Another person's phone; they say yes to every 'are you sure?'."""
    context = browser.new_context(base_url=live_server.url, **PHONE, **extra)
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_report_from_the_street_to_the_fix_checked_and_rated(
    world: World, grids, browser, live_server, screenshot, uploads, tmp_path
) -> None:
    # (1) The grid worker reports on a 360 px phone: category, a sentence, a photo.
    worker = browser_page(browser, live_server)
    log_in(worker, grids.worker.phone)
    worker.goto("/grid/report/")
    expect(worker.locator("main h1")).to_have_text(zh("Report an incident"))
    assert_fits(worker)
    worker.locator("#id_category").select_option("HJWS")
    worker.locator("#id_description").fill("垃圾桶满溢，三天没人清运")
    worker.locator("#id_address").fill("文昌路 8 号门口")
    worker.locator("#id_photos").set_input_files(
        str(photo_file(tmp_path, "bins.jpg", (90, 140, 60)))
    )
    expect(worker.locator("[data-photo-preview] img")).to_have_count(1)
    # The preview is a data: URL (the policy refuses blob:) and it shows.
    preview = worker.locator("[data-photo-preview] img")
    expect(preview).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    worker.wait_for_function(
        "() => { const i = document.querySelector('[data-photo-preview] img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert not [v for v in violations(worker) if v.startswith("img-src")]
    screenshot(worker, "incident-report-phone")
    assert_fits(worker)
    # Two taps: one report, and the address bar on the incident's page (PRG).
    worker.locator("main form[data-incident-form] button[type=submit]").dblclick()
    worker.wait_for_url(re.compile(r"/incidents/\d+/$"))
    worker.wait_for_load_state()
    incident = Incident.objects.get()
    # Their own report: they take it on themselves, no one else is said to.
    expect(worker.locator("[data-own-report]")).to_be_visible()
    assert (incident.reporter_id, incident.source, incident.status) == (
        grids.worker.pk,
        "grid",
        Status.REPORTED,
    )
    assert incident.photos.count() == 1
    expect(worker.locator("main h1")).to_contain_text("环境卫生")
    expect(worker.locator("main .timeline img")).to_have_count(1)
    assert_fits(worker)

    # (2) Staff accept it and give it to the property company. Called directly: the
    # console's pages are tested on their own (tests/browser of the staff console).
    services.accept(actor=world.staff, incident=incident)
    services.assign(actor=world.staff, incident=incident, organization=grids.property_co)

    # (3) The property company's contact finds it among 我处置的 and resolves it with a
    # photo of the fix.
    contact = browser_page(browser, live_server)
    log_in(contact, grids.contact.phone)
    contact.goto("/incidents/handling/")
    expect(contact.locator(".incident-card").first).to_contain_text("垃圾桶满溢")
    assert_fits(contact)
    contact.locator(".incident-card a").first.click()
    contact.wait_for_load_state()
    contact.locator("#resolve textarea[name=note]").fill("已清运，另加了一个垃圾桶")
    contact.locator("#resolve #id_photos").set_input_files(
        str(photo_file(tmp_path, "fixed.jpg", (200, 200, 200)))
    )
    screenshot(contact, "incident-resolve-phone")
    assert_fits(contact)
    contact.locator("#resolve button[type=submit]").click()
    contact.wait_for_load_state()
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert Photo.objects.filter(incident=incident, event__step="resolve").count() == 1

    # (4) The reporter checks the fix — fixed — and rates it five stars.
    worker.goto(f"/incidents/{incident.pk}/")
    expect(worker.locator("#verify")).to_be_visible()
    expect(worker.locator("main .timeline")).to_contain_text("已清运")
    expect(worker.locator("main .timeline img")).to_have_count(2)
    worker.locator("#verify label.big-choice").first.click()  # 已解决
    assert_fits(worker)
    worker.locator("#verify button[type=submit]").click()
    worker.wait_for_load_state()
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    worker.locator("#rate label.star-choice").first.click()  # ★★★★★
    screenshot(worker, "incident-rate-phone")
    assert_fits(worker)
    worker.locator("#rate button[type=submit]").click()
    worker.wait_for_load_state()
    incident.refresh_from_db()
    assert incident.rating == 5
    expect(worker.locator("#rate")).to_have_count(0)  # once
    expect(worker.locator(".incident-head .stars")).to_be_visible()


def test_a_report_at_the_same_spot_suggests_the_open_one(
    world: World, grids, browser, live_server, screenshot
) -> None:
    services.report(
        actor=world.resident,
        region=grids.east,
        category="HJWS",
        description="江滨花园门口垃圾没人清",
        lat=str(SPOT["latitude"]),
        lng=str(SPOT["longitude"]),
    )
    worker = browser_page(
        browser,
        live_server,
        geolocation={**SPOT, "accuracy": 12},
        permissions=["geolocation"],
    )
    log_in(worker, grids.worker.phone)
    worker.goto("/grid/report/")
    # Another kind: nothing suggested.
    worker.locator("#id_category").select_option("AQYH")
    worker.wait_for_timeout(300)
    expect(worker.locator("#duplicates .duplicate")).to_have_count(0)
    # The same kind at the same place: the open one, with 这是同一件事吗？
    worker.locator("#id_category").select_option("HJWS")
    expect(worker.locator("#duplicates")).to_contain_text(zh("Is it the same as one of these?"))
    expect(worker.locator("#duplicates .duplicate")).to_contain_text("江滨花园门口垃圾没人清")
    # With the phone's location: within 50 m.
    worker.locator("[data-locate-button]").click()
    expect(worker.locator("[data-located]")).to_be_visible()
    assert worker.locator("#id_lat").input_value() == "24.987610"
    expect(worker.locator("#duplicates")).to_contain_text(
        zh("Open reports of the same kind within 50 metres:")
    )
    screenshot(worker, "incident-duplicate-phone")
    assert_fits(worker)
    assert not violations(worker)  # htmx and the page's script live under the policy
    # It is something else after all: the report still goes.
    worker.locator("#id_description").fill("垃圾桶旁边有大件家具堆放")
    worker.locator("main form[data-incident-form] button[type=submit]").click()
    worker.wait_for_load_state()
    assert Incident.objects.count() == 2
    assert Incident.objects.filter(reporter=grids.worker, lat__isnull=False).count() == 1


def test_a_report_written_offline_is_sent_once_when_the_network_returns(
    world: World, grids, browser, live_server, screenshot
) -> None:
    worker = browser_page(browser, live_server)
    log_in(worker, grids.worker.phone)
    worker.goto("/grid/report/")
    worker.context.set_offline(True)
    expect(worker.locator("[data-offline-note]")).to_be_visible()
    worker.locator("#id_category").select_option("HJWS")
    worker.locator("#id_description").fill("地下车库积水，车辆无法通行")
    worker.locator("#id_address").fill("江滨花园地下车库")
    worker.locator("main form[data-incident-form] button[type=submit]").click()
    queued = worker.locator("[data-offline-queue] .queue-item")
    expect(queued).to_have_count(1)
    expect(queued.locator("[data-queue-state]")).to_have_attribute("data-queue-state", "pending")
    expect(queued.locator("[data-queue-state]")).to_have_text(zh("Waiting to be sent"))
    expect(worker.locator("#id_description")).to_have_value("")  # ready for the next one
    screenshot(worker, "incident-offline-queued-phone")
    assert_fits(worker)
    assert not violations(worker)
    assert not Incident.objects.exists()

    # The network returns: the report goes by itself, once.
    worker.context.set_offline(False)
    expect(queued.locator("[data-queue-state]")).to_have_attribute("data-queue-state", "sent")
    incident = Incident.objects.get()
    assert incident.description == "地下车库积水，车辆无法通行" and incident.client_key
    expect(queued.locator("a")).to_have_attribute("href", f"/incidents/{incident.pk}/")
    # Reloading the page, or another page of the grid worker's, sends nothing again.
    worker.reload()
    worker.goto("/grid/")
    expect(worker.locator("[data-offline-queue] [data-queue-state=sent]")).to_have_count(1)
    assert Incident.objects.count() == 1
    # Sent again by a phone that never heard the answer: the same incident.
    answer = worker.evaluate(
        """([key, place]) => {
          const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
          const body = new FormData();
          const fields = {csrfmiddlewaretoken: token, client_key: key, category: 'HJWS', place,
                          description: '地下车库积水，车辆无法通行'};
          for (const [name, value] of Object.entries(fields)) body.append(name, value);
          const headers = {'X-Jifen-Offline': '1'};
          return fetch('/grid/report/', {method: 'POST', body, headers}).then(r => r.json());
        }""",
        [incident.client_key, grids.east.code],
    )
    assert answer["id"] == incident.pk and Incident.objects.count() == 1


def test_a_resident_reports_on_a_phone_and_finds_it_among_my_reports(
    world: World, grids, browser, live_server, screenshot
) -> None:
    resident = browser_page(browser, live_server)
    log_in(resident, world.resident.phone)
    resident.goto("/incidents/")
    expect(resident.locator("main .empty-state")).to_be_visible()
    assert_fits(resident)
    resident.locator("main .empty-state a.button").click()
    expect(resident.locator("main h1")).to_have_text(zh("Report a problem"))
    resident.locator("#id_category").select_option("HJWS")
    resident.locator("#id_description").fill("楼下路灯坏了一个星期")
    resident.locator("#id_place").select_option(grids.east.code)
    screenshot(resident, "incident-resident-report-phone")
    assert_fits(resident)
    resident.locator("main form[data-incident-form] button[type=submit]").click()
    resident.wait_for_load_state()
    incident = Incident.objects.get()
    assert (incident.source, incident.region_id) == ("resident", grids.east.pk)
    resident.goto("/incidents/")
    expect(resident.locator(".incident-card")).to_contain_text("楼下路灯坏了一个星期")
    assert_fits(resident)
    assert not violations(resident)
