"""Unit points as a unit's contact and the review group live them (issue 18, "Done
when"): the contact declares the unit's service on a 360 px phone from the unit's home,
a reviewer approves it at a desk, and the contact sees the points in the unit's balance;
then the contact asks to join the 红色积分联盟, staff accept it on the console, and the
unit is listed on the community's public alliance page."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from jifen.claims.models import Claim, Status
from jifen.units.models import AllianceMembership
from tests.browser.helpers import DESKTOP, PHONE, assert_fits, log_in
from tests.browser.test_requests import browser_page
from tests.units.conftest import make_unit


def test_a_unit_contact_declares_on_a_phone_and_sees_the_points_after_review(
    world, browser, live_server, screenshot
) -> None:
    unit = make_unit(world)
    yesterday = timezone.localdate() - timedelta(days=1)

    phone: Any = browser_page(browser, live_server, PHONE)
    log_in(phone, unit.contact.phone)
    phone.goto("/units/")  # one unit: straight to its home
    expect(phone.locator("[data-balance]")).to_have_attribute("data-balance", "0")
    assert_fits(phone)
    phone.locator("[data-action=declare-unit]").click()
    phone.wait_for_load_state()
    phone.locator("#id_rule_item").select_option(str(unit.item.pk))
    phone.locator("#id_quantity").fill("4")
    phone.locator("#id_occurred_on").fill(yesterday.isoformat())
    phone.locator("#id_description").fill("单位志愿者清理社区公园 4 小时")
    assert_fits(phone)
    phone.locator("main form button.primary").click()
    phone.wait_for_load_state()
    claim = Claim.objects.get()
    assert claim.organization_id == unit.org.pk and claim.points == 40
    phone.goto(f"/units/{unit.org.pk}/")
    expect(phone.locator(f"[data-claim='{claim.pk}']")).to_have_attribute("data-status", "pending")

    desk: Any = browser_page(browser, live_server, DESKTOP)
    log_in(desk, world.reviewer.phone)
    desk.goto(f"/console/claims/{claim.pk}/")
    desk.locator(f"form[action='/console/claims/{claim.pk}/approve/'] button").click()
    desk.wait_for_load_state()
    assert Claim.objects.get().status == Status.APPROVED

    phone.reload()
    expect(phone.locator("[data-balance]")).to_have_attribute("data-balance", "40")
    expect(phone.locator("[data-earned]")).to_have_text("40")
    expect(phone.locator(f"[data-claim='{claim.pk}']")).to_have_attribute("data-status", "approved")
    assert_fits(phone)
    screenshot(phone, "unit-home-phone")

    # The alliance: asked on the phone, accepted on the console, listed publicly.
    phone.locator("[data-action=join]").click()
    phone.wait_for_load_state()
    expect(phone.locator("[data-alliance]")).to_have_attribute("data-alliance", "requested")
    staff: Any = browser_page(browser, live_server, DESKTOP)
    log_in(staff, world.staff.phone)
    staff.goto("/console/units/alliance/")
    membership = AllianceMembership.objects.get()
    staff.locator(f"[data-request='{membership.pk}'] [data-action=accept]").click()
    staff.wait_for_load_state()
    expect(staff.locator(f"[data-member-unit='{unit.org.pk}']")).to_have_count(1)
    screenshot(staff, "units-alliance-console")
    phone.reload()
    expect(phone.locator("[data-alliance]")).to_have_attribute("data-alliance", "member")
    phone.goto(f"/public/{world.wenchang.code}/alliance/")
    expect(phone.locator(f"[data-unit='{unit.org.pk}']")).to_contain_text("40")
    assert_fits(phone)
    # The name reads on one line, not squeezed to a character a line by a table.
    name = phone.locator(f"[data-unit='{unit.org.pk}'] .unit-name").bounding_box()
    assert name is not None and name["width"] > name["height"], name
    screenshot(phone, "units-public-alliance-phone")
