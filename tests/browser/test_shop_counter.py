"""The points supermarket's counter as people use it: staff at a desktop type a
volunteer's pickup code and hand the order over; a partner merchant's shop assistant on
a 360 px phone takes points for an offer by typing the code of a resident's card."""

from django.utils import timezone
from playwright.sync_api import expect

from jifen.activities.cards import card_code
from jifen.lib.masking import mask_name
from jifen.shop import services
from jifen.shop.models import Redemption
from jifen.shop.models import Status as OrderStatus
from tests.browser.helpers import assert_fits, log_in, zh
from tests.shop.fixtures import Shop, balance, carded, fund, shop  # noqa: F401 - the fixture


def test_staff_hand_over_an_order_by_its_typed_code(shop: Shop, desktop, screenshot) -> None:  # noqa: F811
    resident = shop.world.resident
    fund(resident, 200)
    order = services.redeem(actor=resident, item=shop.oil, quantity=2)

    log_in(desktop, shop.world.staff.phone)
    desktop.goto("/console/")
    desktop.locator("nav.sidebar a[href='/console/shop/']").click()
    expect(desktop.locator("main h1")).to_have_text(zh("Points supermarket counter"))
    code_field = desktop.locator("#id_code")
    expect(code_field).to_be_focused()
    screenshot(desktop, "shop-counter-desktop")

    # As typed at the counter: lower case, with a dash in the middle.
    code_field.fill(f"{order.code[:4].lower()}-{order.code[4:].lower()}")
    code_field.press("Enter")
    panel = desktop.locator("#order-panel")
    expect(panel.locator("h2")).to_have_text("花生油 × 2")
    expect(panel).to_contain_text(resident.name)
    expect(panel).to_contain_text(resident.volunteer_no)
    expect(panel).to_contain_text("60")
    expect(panel.locator("[data-order-status]")).to_have_text(zh("waiting for pickup"))
    expect(code_field).to_have_value("")  # ready for the next code
    screenshot(desktop, "shop-counter-order-desktop")

    panel.locator("button.hand-over").click()
    expect(panel.locator("[data-order-status]")).to_have_text(zh("handed over"))
    expect(panel.locator(".shop-result.done")).to_contain_text(resident.name)
    expect(panel.locator("button.hand-over")).to_have_count(0)
    screenshot(desktop, "shop-counter-handed-over-desktop")
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    assert order.fulfilled_by == shop.world.staff

    # The same code again: refused, with when it was handed over.
    code_field.fill(order.code)
    desktop.locator("main form[data-scan-form] button[type=submit]").click()
    expect(panel.locator("[data-order-status]")).to_have_text(zh("handed over"))
    expect(panel.locator(".hand-over")).to_have_count(0)

    desktop.locator("nav.shop-tabs a[href='/console/shop/orders/']").click()
    expect(desktop.locator("main table")).to_contain_text(order.code)
    screenshot(desktop, "shop-orders-desktop")
    desktop.goto("/console/shop/items/")
    expect(desktop.locator("main table")).to_contain_text("大米 5kg")
    screenshot(desktop, "shop-items-desktop")
    desktop.goto("/console/shop/liability/")
    expect(desktop.locator("[data-figure=outstanding] .value")).to_have_text("140")
    screenshot(desktop, "shop-liability-desktop")


def test_a_merchant_takes_points_by_a_typed_card_code_on_a_phone(
    shop: Shop,  # noqa: F811
    phone,
    screenshot,
) -> None:
    resident = shop.world.resident
    fund(resident, 100)
    phone.on("dialog", lambda dialog: dialog.accept())

    log_in(phone, shop.operator.phone)
    phone.goto("/merchant/")
    expect(phone.locator("main h2")).to_have_text("爱心理发店")
    screenshot(phone, "merchant-home-phone")
    assert_fits(phone)
    phone.locator(f"main a[href='/merchant/{shop.merchant.pk}/take/']").click()
    expect(phone.locator("[data-step=scan]")).to_be_visible()
    screenshot(phone, "merchant-take-scan-phone")
    assert_fits(phone)

    phone.locator("#id_code").fill(card_code(resident))
    phone.locator("[data-step=scan] button[type=submit]").click()
    chooser = phone.locator("[data-step=choose]")
    expect(chooser).to_contain_text(mask_name(resident.name))
    expect(chooser).to_contain_text(resident.volunteer_no)
    phone.get_by_label("义剪一次", exact=False).check()
    phone.locator("#id_quantity").fill("2")
    screenshot(phone, "merchant-take-choose-phone")
    assert_fits(phone)

    chooser.locator("button.confirm-take").click()
    done = phone.locator("[data-step=done]")
    expect(done).to_contain_text(zh("Points taken"))
    expect(done.locator(".taken")).to_contain_text("40")
    screenshot(phone, "merchant-take-done-phone")
    assert_fits(phone)
    order = Redemption.objects.get()
    assert order.status == OrderStatus.FULFILLED
    assert (order.person, order.merchant, order.points) == (resident, shop.merchant, 40)
    assert balance(resident) == 60 and balance(shop.merchant) == 40

    phone.locator("nav a[href$='/orders/']").last.click()
    expect(phone.locator("main .order-list")).to_contain_text("义剪一次 × 2")
    screenshot(phone, "merchant-orders-phone")
    assert_fits(phone)
    phone.goto(f"/merchant/{shop.merchant.pk}/offers/new/")
    screenshot(phone, "merchant-offer-new-phone")
    assert_fits(phone)


def test_staff_order_for_an_elderly_resident_and_hand_it_over_at_once(
    shop: Shop,  # noqa: F811
    desktop,
    screenshot,
) -> None:
    resident = shop.world.resident
    fund(resident, 100)
    desktop.on("dialog", lambda dialog: dialog.accept())
    log_in(desktop, shop.world.staff.phone)
    desktop.goto("/console/shop/redeem/")
    desktop.locator("#id_who").fill(resident.volunteer_no)
    desktop.locator("#id_who").press("Enter")
    expect(desktop.locator("main h2").first).to_contain_text(resident.name)
    expect(desktop.locator("[data-balance]")).to_have_text("100")
    desktop.get_by_label("毛巾", exact=False).check()
    desktop.locator("#id_quantity").fill("3")
    screenshot(desktop, "shop-redeem-for-desktop")
    desktop.locator("main form button.primary").click()
    panel = desktop.locator("#order-panel")
    expect(panel.locator("h2")).to_have_text("毛巾 × 3")
    expect(panel).to_contain_text(shop.world.staff.name)  # placed by staff, for the holder
    panel.locator("button.hand-over").click()
    expect(panel.locator("[data-order-status]")).to_have_text(zh("handed over"))
    order = Redemption.objects.get()
    assert (order.placed_by, order.fulfilled_by) == (shop.world.staff, shop.world.staff)
    assert balance(resident) == 85

    desktop.goto(f"/console/shop/items/{shop.rice.pk}/")
    expect(desktop.locator("main [data-stock]")).to_contain_text("5")
    screenshot(desktop, "shop-item-edit-desktop")
    desktop.goto("/console/shop/window/")
    screenshot(desktop, "shop-window-desktop")
    services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(resident))
    desktop.goto(f"/console/shop/merchants/?month={timezone.localdate():%Y-%m}")
    expect(desktop.locator("main table")).to_contain_text("爱心理发店")
    screenshot(desktop, "shop-merchants-desktop")


def test_the_shop_console_fits_a_staff_members_phone(
    shop: Shop,  # noqa: F811
    phone,
    screenshot,
) -> None:
    fund(shop.world.resident, 100)
    order = services.redeem(actor=shop.world.resident, item=shop.rice, quantity=1)
    log_in(phone, shop.world.staff.phone)
    phone.goto("/console/shop/")
    phone.locator("#id_code").fill(order.code)
    phone.locator("#id_code").press("Enter")
    expect(phone.locator("#order-panel button.hand-over")).to_be_visible()
    screenshot(phone, "shop-counter-phone")
    assert_fits(phone)
    for url, name in [
        ("/console/shop/orders/", "shop-orders-phone-console"),
        ("/console/shop/items/", "shop-items-phone"),
        ("/console/shop/liability/", "shop-liability-phone"),
        ("/console/shop/window/", "shop-window-phone"),
        ("/console/shop/merchants/", "shop-merchants-phone"),
        (f"/console/shop/redeem/?person={shop.world.resident.pk}", "shop-redeem-for-phone"),
    ]:
        phone.goto(url)
        expect(phone.locator("main h1")).to_be_visible()
        screenshot(phone, name)
        assert_fits(phone)
