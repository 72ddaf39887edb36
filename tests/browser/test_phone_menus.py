"""On a 360 px phone the header and the console menu fold behind buttons, so a page's own
heading is on the first screen (issue 13); the menus open on a tap and their links work,
and without JavaScript every link is still there. The big screen is as it was."""

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import PHONE, assert_fits, log_in, zh
from tests.conftest import World


def _heading_top(page: Any) -> float:
    return page.evaluate("document.querySelector('main h1').getBoundingClientRect().top")


def test_on_a_phone_the_console_page_comes_first_and_the_menus_open_on_a_tap(
    phone, world: World, screenshot
) -> None:
    log_in(phone, world.staff.phone)
    phone.goto("/console/")
    height = phone.viewport_size["height"]
    # The page's heading is in the upper half of the first screen, the menus folded.
    assert _heading_top(phone) < height * 0.5
    header_menu = phone.locator("header button[aria-controls=site-menu]")
    console_menu = phone.locator("button[aria-controls=console-menu]")
    expect(header_menu).to_have_text(zh("Menu"))
    expect(console_menu).to_have_text(zh("Console"))
    for button in (header_menu, console_menu):
        expect(button).to_be_visible()
        expect(button).to_have_attribute("aria-expanded", "false")
    expect(phone.locator("nav.sidebar")).to_be_hidden()
    expect(phone.locator("#site-menu a[href='/points/']")).to_be_hidden()
    # 公示 · 排名 · 核验 and the bell stay in sight.
    for name in ("public", "rankings", "verify"):
        expect(phone.locator(f"header a[data-link={name}]")).to_be_visible()
    expect(phone.locator("header .notice-bell")).to_be_visible()
    screenshot(phone, "phone-console-menus-folded")
    assert_fits(phone)

    # The console menu opens on a tap, says so, and its links work.
    console_menu.click()
    expect(console_menu).to_have_attribute("aria-expanded", "true")
    expect(phone.locator("nav.sidebar")).to_be_visible()
    screenshot(phone, "phone-console-menu-open")
    assert_fits(phone)
    phone.locator("nav.sidebar a[href='/console/audit/']").click()
    expect(phone).to_have_url(re.compile(r"/console/audit/$"))
    expect(phone.locator("main h1")).to_have_text(zh("Audit log"))
    assert _heading_top(phone) < height * 0.5  # a new page starts folded again

    # A second tap folds it; Escape folds it too and gives the focus back to the button.
    console_menu.click()
    console_menu.click()
    expect(phone.locator("nav.sidebar")).to_be_hidden()
    console_menu.click()
    phone.locator("nav.sidebar a").first.focus()
    phone.keyboard.press("Escape")
    expect(console_menu).to_have_attribute("aria-expanded", "false")
    expect(console_menu).to_be_focused()

    # The header's menu: my own pages and logging out.
    header_menu.click()
    expect(header_menu).to_have_attribute("aria-expanded", "true")
    expect(phone.locator("#site-menu button[type=submit]")).to_be_visible()
    assert_fits(phone)
    phone.locator("#site-menu a[href='/points/']").click()
    expect(phone).to_have_url(re.compile(r"/points/$"))


def test_a_residents_home_and_the_login_page_show_their_heading_first(phone, world: World) -> None:
    phone.goto("/login/")
    assert _heading_top(phone) < phone.viewport_size["height"] * 0.5
    # Logged out, the three links are few enough to stay in sight: no menu button.
    expect(phone.locator("header .menu-toggle")).to_have_count(0)
    expect(phone.locator("header a[href='/register/']")).to_be_visible()
    assert_fits(phone)
    log_in(phone, world.resident.phone)
    phone.goto("/")
    assert _heading_top(phone) < phone.viewport_size["height"] * 0.5
    expect(phone.locator("button[aria-controls=console-menu]")).to_have_count(0)
    assert_fits(phone)


def test_without_javascript_every_menu_link_is_on_the_page(browser, live_server, world) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        log_in(page, world.staff.phone)
        page.goto("/console/")
        # Nothing to open them with, so they are open: the buttons are hidden.
        expect(page.locator(".menu-toggle").first).to_be_hidden()
        expect(page.locator(".menu-toggle")).to_have_count(2)
        expect(page.locator("nav.sidebar a[href='/console/audit/']")).to_be_visible()
        expect(page.locator("#site-menu a[href='/points/']")).to_be_visible()
        page.locator("nav.sidebar a[href='/console/people/']").click()
        expect(page.locator("main h1")).to_have_text(zh("People"))
    finally:
        context.close()


def test_the_big_screen_keeps_its_side_menu_and_header_links(desktop, world: World) -> None:
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/")
    expect(desktop.locator(".menu-toggle").first).to_be_hidden()
    expect(desktop.locator(".menu-toggle").last).to_be_hidden()
    expect(desktop.locator("nav.sidebar")).to_be_visible()
    sidebar = desktop.locator("nav.sidebar").bounding_box()
    main = desktop.locator("main").bounding_box()
    assert sidebar["x"] + sidebar["width"] <= main["x"] + 1  # beside the page, not above it
    # Every header link in one row, the bell before logging out as before.
    links = desktop.locator("header .topnav a, header .topnav button:not(.menu-toggle)")
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    assert len(boxes) >= 12 and max(middles) - min(middles) < 12, middles
    bell = desktop.locator("header .notice-bell").bounding_box()
    out = desktop.locator("header form.logout button").bounding_box()
    console = desktop.locator("header a[href='/console/']").bounding_box()
    assert console["x"] < bell["x"] < out["x"]
