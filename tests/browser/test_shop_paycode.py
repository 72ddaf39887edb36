"""Paying a partner merchant with points, as people do it (issue 12, §3): the resident
opens their pay code (付款码) on a 360 px phone — big digits, a QR, a countdown — and the
merchant's operator, on their own phone without a camera, types the code on the take
page and takes the points. And staff approve a merchant's new offer from the console
before residents see it."""

import re
from typing import Any

from playwright.sync_api import expect

from jifen.shop import services
from jifen.shop.models import Item, PayCode, Redemption
from jifen.shop.models import Status as OrderStatus
from tests.browser.helpers import PHONE, assert_fits, log_in
from tests.shop.fixtures import Shop, balance, fund, shop, terms  # noqa: F401 - the fixture


def test_a_resident_shows_a_pay_code_and_a_merchant_types_it_to_take_the_points(
    shop: Shop,  # noqa: F811
    phone: Any,
    browser: Any,
    live_server: Any,
    screenshot: Any,
) -> None:
    resident = shop.world.resident
    fund(resident, 100)
    log_in(phone, resident.phone)
    phone.goto("/shop/")
    phone.locator("[data-paycode-link]").first.click()
    shown = phone.locator("[data-paycode]")
    expect(shown).to_be_visible()
    code = shown.get_attribute("data-paycode")
    assert code and len(code) == 16 and code.isdigit()
    assert shown.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 28
    box = phone.locator(".paycode-qr svg").bounding_box()
    assert box and box["width"] >= 200, box  # large enough for a merchant's scanner
    clock = phone.locator("[data-expires]")
    expect(clock).to_have_text(re.compile(r"^[0-2]:\d\d$"))  # counting down from 2:00
    screenshot(phone, "shop-paycode-phone")
    assert_fits(phone)

    # The refresh button brings a new code; the old one is void.
    phone.locator("[data-paycode-refresh]").click()
    expect(phone.locator("[data-paycode]")).not_to_have_attribute("data-paycode", code)
    code = phone.locator("[data-paycode]").get_attribute("data-paycode")
    assert PayCode.objects.filter(person=resident).count() == 1

    # The merchant's operator, on their phone: types the digits as read off the screen.
    context = browser.new_context(base_url=live_server.url, **PHONE)
    till = context.new_page()
    try:
        till.on("dialog", lambda dialog: dialog.accept())
        log_in(till, shop.operator.phone)
        till.goto(f"/merchant/{shop.merchant.pk}/take/")
        spaced = " ".join(code[i : i + 4] for i in range(0, 16, 4))
        till.locator("#id_code").fill(spaced)
        till.locator("[data-step=scan] button[type=submit]").click()
        expect(till.locator("[data-step=choose]")).to_be_visible()
        expect(till.locator("[data-proof=paycode]")).to_be_visible()
        till.get_by_label("义剪一次", exact=False).check()
        screenshot(till, "shop-paycode-merchant-phone")
        assert_fits(till)
        till.locator("button.confirm-take").click()
        expect(till.locator("[data-step=done]")).to_be_visible()
        order = Redemption.objects.get()
        assert (order.person, order.status) == (resident, OrderStatus.FULFILLED)
        assert balance(resident) == 80

        # The same code a second time: refused, nothing more taken.
        till.goto(f"/merchant/{shop.merchant.pk}/take/")
        till.locator("#id_code").fill(code)
        till.locator("[data-step=scan] button[type=submit]").click()
        expect(till.locator("[role=alert]").first).to_be_visible()
        assert balance(resident) == 80
    finally:
        context.close()


def test_staff_approve_a_merchants_new_offer_before_residents_see_it(
    shop: Shop,  # noqa: F811
    desktop: Any,
    screenshot: Any,
) -> None:
    offer = services.create_item(
        actor=shop.operator,
        merchant=shop.merchant,
        terms=terms(name="8折餐券", points=100, stock=10, kind="voucher"),
    )
    desktop.goto(f"/shop/?community={shop.world.wenchang.code}")
    expect(desktop.locator("main")).not_to_contain_text("8折餐券")

    desktop.on("dialog", lambda dialog: dialog.accept())
    log_in(desktop, shop.world.staff.phone)
    desktop.goto("/console/shop/items/")
    notice = desktop.locator("[data-pending-offers] a")
    expect(notice).to_be_visible()
    notice.click()
    row = desktop.locator("main tbody tr", has_text="8折餐券")
    expect(row.locator("[data-approval=pending]")).to_be_visible()
    screenshot(desktop, "shop-offer-approval-desktop")
    row.locator("[data-approve]").click()
    desktop.wait_for_load_state()
    expect(desktop.locator(".messages")).to_contain_text("8折餐券")
    assert Item.objects.get(pk=offer.pk).approved_by == shop.world.staff

    desktop.goto(f"/shop/?community={shop.world.wenchang.code}")
    expect(desktop.locator("main")).to_contain_text("8折餐券")
