"""Staff find a resident in the console: the table follows what they type, without a reload."""

import re

from playwright.sync_api import expect

from jifen.people import selectors
from tests.browser.helpers import assert_fits, log_in, zh
from tests.conftest import World, make_person


def _names(page) -> list[str]:
    return page.locator("#people-rows tbody tr td:first-child a").all_inner_texts()


def test_staff_search_people_and_the_table_updates_as_they_type(
    desktop, phone, world: World, screenshot
) -> None:
    make_person(world.wenchang, "王淑芬")
    make_person(world.wenchang, "林志强")
    log_in(desktop, world.staff.phone)
    desktop.goto("/console/people/")
    everyone = {p.name for p in selectors.search_people(world.staff)}
    assert sorted(_names(desktop)) == sorted(everyone)
    assert "蔡湾美" not in everyone  # 湾美 is another town's: not in this staff member's reach
    # A full page load would drop this mark; an htmx swap keeps it.
    desktop.evaluate("window.stillTheSamePage = true")

    desktop.locator("#q").press_sequentially("王淑")
    expect(desktop.locator("#people-rows tbody tr")).to_have_count(2)
    assert sorted(_names(desktop)) == ["王淑芬", "王淑英"]
    assert sorted(_names(desktop)) == sorted(
        p.name for p in selectors.search_people(world.staff, "王淑")
    )
    expect(desktop).to_have_url(re.compile(r"/console/people/\?q=%E7%8E%8B%E6%B7%91$"))
    screenshot(desktop, "console-people-search-desktop")

    # The last digits of the phone find one person.
    desktop.locator("#q").fill(world.resident.phone[-4:])
    expect(desktop.locator("#people-rows tbody tr")).to_have_count(1)
    expect(desktop.locator("#people-rows tbody")).to_contain_text(world.resident.volunteer_no)

    # Someone beyond the staff member's region is not found, and the page says so.
    desktop.locator("#q").fill("蔡湾美")
    expect(desktop.locator("#people-rows tbody td.empty")).to_have_text(
        zh("Nobody matches this search.")
    )
    assert desktop.evaluate("window.stillTheSamePage") is True

    # The same search works on a phone, and the table scrolls inside the page.
    log_in(phone, world.staff.phone)
    phone.goto("/console/people/")
    phone.locator("#q").press_sequentially("林志")
    expect(phone.locator("#people-rows tbody tr")).to_have_count(1)
    assert _names(phone) == ["林志强"]
    screenshot(phone, "console-people-search-phone")
    assert_fits(phone)
