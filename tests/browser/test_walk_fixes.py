"""What the newcomer's walk found, fixed, as a person sees it (issue 13, §4): on a 360 px
phone the shop list greys out 兑换 where it cannot work and says why; a length-limited
field counts its characters; the big screen's clock tells the community's time even when
the screen's browser is set to another zone."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from jifen.points.services import award_points
from jifen.shop import services
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import DESKTOP, assert_fits, log_in, zh
from tests.conftest import World


def test_the_shop_list_on_a_phone_disables_what_cannot_be_redeemed_and_says_why(
    world: World, phone, screenshot
) -> None:
    def item(name: str, points: int, stock: int = 10, **kw: Any):
        return services.create_item(
            actor=world.staff,
            terms=services.ItemTerms(name=name, points=points, stock=stock, **kw),
        )

    towel = item("毛巾", 20)
    rice = item("东北大米 5kg", 200)
    oil = item("花生油 1L", 30, per_person_limit=1)
    soap = item("洗衣液 2kg", 10, stock=0)
    award_points(person=world.resident, amount=80, key="walk-fixes:1", actor=None)
    services.redeem(actor=world.resident, item=oil.pk, quantity=1)  # the limit is used: 50 left

    log_in(phone, world.resident.phone)
    phone.goto("/shop/")
    expect(phone.locator(".shop-balance strong")).to_have_text("50")
    # Affordable and in stock: the red button leads on.
    expect(phone.locator(f"#item-{towel.pk} a.button.primary")).to_have_text(zh("Redeem"))
    # Each of the others: a greyed-out button, and the reason beside it.
    limit = zh("The limit of %(n)s per person (%(period)s) has been reached.")
    reasons = {
        rice.pk: zh("Not enough points: %(n)s more needed.") % {"n": 150},
        oil.pk: limit.split("%(")[0],  # the words before the period's name
        soap.pk: zh("All redeemed. Please look again after the shelves are restocked."),
    }
    for pk, why in reasons.items():
        card = phone.locator(f"#item-{pk}")
        button = card.locator("button.redeem-off")
        expect(button).to_be_disabled()
        expect(card.locator(".why-not")).to_contain_text(why)
        assert button.get_attribute("aria-describedby") == f"why-{pk}"
        expect(card.locator("a.button.primary")).to_have_count(0)
    grey = phone.locator(f"#item-{rice.pk} button.redeem-off").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    red = phone.locator(f"#item-{towel.pk} a.button.primary").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert grey != red
    screenshot(phone, "walk-fixes-shop-reasons-phone")
    assert_fits(phone)
    # The details stay one tap away.
    phone.locator(f"#item-{rice.pk} a.details-link").click()
    expect(phone.locator("main h1")).to_have_text("东北大米 5kg")


def test_a_length_limited_field_counts_its_characters(world: World, phone, screenshot) -> None:
    phone.goto("/register/")
    name = phone.locator("#id_name")
    counter = phone.locator("#id_name-count")
    expect(counter).to_have_text("0 / 50")
    assert "id_name-count" in (name.get_attribute("aria-describedby") or "")
    name.fill("王淑英")
    expect(counter).to_have_text("3 / 50")
    name.fill("王" * 46)
    expect(counter).to_have_text("46 / 50")
    expect(counter).to_have_class("char-count near")
    name.fill("王" * 60)  # the browser stops at maxlength
    expect(counter).to_have_text("50 / 50")
    expect(counter).to_have_class("char-count full")
    # A phone number or a password field is no prose: no counter.
    expect(phone.locator("#id_phone-count")).to_have_count(0)
    expect(phone.locator("#id_password-count")).to_have_count(0)
    screenshot(phone, "walk-fixes-counter-phone")
    assert_fits(phone)


def test_the_kiosk_clock_tells_the_communitys_time_in_another_browser_zone(
    world: World, browser, live_server
) -> None:
    context = browser.new_context(
        base_url=live_server.url, **{**DESKTOP, "timezone_id": "America/Los_Angeles"}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"/kiosk/{world.wenchang.code}/")
        clock = page.locator("#kiosk-clock")
        updated = page.locator("[data-updated-at]").inner_text()
        now = timezone.localtime()  # JIFEN_TIME_ZONE: Asia/Shanghai in the tests
        expected = {(now + timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0, 1)}
        page.wait_for_function("() => document.getElementById('kiosk-clock').textContent")
        assert clock.inner_text() in expected, (clock.inner_text(), expected)
        assert updated in expected
        browser_says = page.evaluate(
            "() => { const d = new Date(); return String(d.getHours()).padStart(2, '0') "
            "+ ':' + String(d.getMinutes()).padStart(2, '0'); }"
        )
        assert browser_says not in expected  # the browser's own zone is 16 hours away
    finally:
        context.close()
