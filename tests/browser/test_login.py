"""Logging in through the real login page, on a phone and at a desk."""

import re

import pytest
from playwright.sync_api import expect

from jifen.people import selectors
from jifen.people.models import LoginFailure
from tests.browser.helpers import assert_chinese, assert_fits, log_in, logged_in_ids, zh
from tests.conftest import PASSWORD, World


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_staff_log_in_from_the_welcome_page_and_reach_the_work_console(
    request: pytest.FixtureRequest, world: World, device: str, screenshot
) -> None:
    page = request.getfixturevalue(device)
    page.goto("/")
    expect(page.locator("h1")).to_have_text(zh("Small points, big community"))
    if device == "phone":
        screenshot(page, "welcome-phone")
        assert_fits(page)
    page.locator("main .actions a[href='/login/']").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    if device == "phone":
        screenshot(page, "login-phone")
        assert_fits(page)

    page.locator("#id_phone").fill(world.staff.phone)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()

    # Home: their name, their volunteer number, their role, the way to the console.
    expect(page.locator("main h1")).to_contain_text(world.staff.name)
    expect(page.locator("main .number")).to_have_text(world.staff.volunteer_no)
    expect(page.locator("main")).to_contain_text("文昌社区")
    screenshot(page, f"staff-home-{device}")
    if device == "phone":
        assert_fits(page)
    page.locator("main a.button[href='/console/']").click()

    expect(page.locator("main h1")).to_have_text(zh("Work console"))
    expect(page.locator("main")).to_contain_text("文昌社区（350524100001）")
    # The staff member sees the people of their own community only.
    visible = selectors.visible_people(world.staff).count()
    assert visible == 4  # 陈文昌, 黄审核, 苏理发, 王淑英 — not 金悦's or 湾美's residents
    expect(page.locator(".stats .stat .value").first).to_have_text(str(visible))
    screenshot(page, f"console-{device}")
    if device == "phone":
        assert_fits(page)
    assert logged_in_ids() == [world.staff.pk]
    assert LoginFailure.objects.count() == 0


def test_a_wrong_password_says_so_in_chinese_and_logs_nobody_in(
    phone, world: World, screenshot
) -> None:
    log_in(phone, world.resident.phone, password="not-my-password")

    error = phone.locator("main .error.banner")
    expect(error).to_have_text(zh("The phone number or password is not right."))
    assert_chinese(error.inner_text())
    assert phone.url.endswith("/login/")
    # What the person typed stays; the password does not.
    expect(phone.locator("#id_phone")).to_have_value(world.resident.phone)
    expect(phone.locator("#id_password")).to_have_value("")
    screenshot(phone, "login-wrong-password-phone")
    assert_fits(phone)
    assert logged_in_ids() == []
    assert LoginFailure.objects.count() == 1
