"""Chromium's own word on the Content-Security-Policy: walking the main pages — the
resident's home, the work console, the points supermarket, the big screen, an activity's
check-in QR screen, the liability chart, the regions tree, the API docs — it reports
no violation, and the pages still work under the policy (htmx swaps, the docs render).
"""

from typing import Any

from playwright.sync_api import expect

from jifen.shop.services import create_item
from tests.browser.helpers import log_in
from tests.conftest import World
from tests.publicity.public_data import published_month
from tests.shop.fixtures import terms

# Runs before any script of the page and is not subject to its policy: it keeps every
# securitypolicyviolation the browser raises, besides what it logs on the console.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watch(page: Any) -> list[str]:
    logged: list[str] = []
    page.on(
        "console",
        lambda message: (
            logged.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)
    return logged


def _visit(page: Any, url: str, logged: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    seen = page.evaluate("window.__cspViolations || []")
    assert not seen and not logged, f"{url}: {seen} {logged}"


def test_the_main_pages_raise_no_policy_violation(world: World, desktop) -> None:
    published_month(world)
    create_item(actor=world.staff, terms=terms(name="大米 5kg", points=10, stock=5))
    logged = _watch(desktop)
    _visit(desktop, "/shop/", logged)
    _visit(desktop, f"/public/{world.wenchang.code}/", logged)
    _visit(desktop, f"/kiosk/{world.wenchang.code}/?turn=3&refresh=60", logged)
    _visit(desktop, "/api/v1/docs", logged)
    expect(desktop.locator(".swagger-ui .info .title")).to_be_visible()
    # An operation opened and tried: Swagger UI's script styles what it shows.
    desktop.locator(".opblock-summary").first.click()
    desktop.locator(".try-out__btn").first.click()
    expect(desktop.locator(".opblock-body select, .opblock-body textarea").first).to_be_visible()
    desktop.locator(".opblock-summary").nth(1).click()
    desktop.wait_for_timeout(300)
    assert not desktop.evaluate("window.__cspViolations") and not logged, logged

    log_in(desktop, world.resident.phone)
    _visit(desktop, "/", logged)
    _visit(desktop, "/points/", logged)
    desktop.context.clear_cookies()

    log_in(desktop, world.staff.phone)
    _visit(desktop, "/console/", logged)
    _visit(desktop, "/console/regions/", logged)
    _visit(desktop, "/console/shop/liability/", logged)
    # htmx's live search swaps the table in under the policy.
    _visit(desktop, "/console/people/", logged)
    desktop.locator("input[name=q]").fill("王")
    expect(desktop.locator("main table")).to_contain_text("王淑英")
    assert not desktop.evaluate("window.__cspViolations") and not logged
