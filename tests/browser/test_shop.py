"""The points supermarket as people use it: a volunteer redeems on a 360 px phone and gets
the pickup code and its QR; the community's big screen at 1920 × 1080, read from three
metres, turns its pages by itself and keeps showing the list when the network drops.
(Staff handing the order over at the counter is tested with the console's pages.)"""

import io
from typing import Any

from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from jifen.people.models import Merchant
from jifen.points.selectors import balance_of
from jifen.points.services import award_points
from jifen.shop import services
from jifen.shop.models import Item, Redemption, Status
from jifen.shop.views import public
from tests.browser.helpers import assert_fits, log_in, open_menu, zh
from tests.conftest import World
from tests.shop.fixtures import set_policy

BIG_SCREEN = {
    "viewport": {"width": 1920, "height": 1080},
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def _photo(colour: tuple[int, int, int]) -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (240, 240), colour).save(data, "PNG")
    data.seek(0)
    data.name = "item.png"
    return data


def _stock_the_shelves(world: World, extra: int = 0) -> dict[str, Item]:
    """A community's supermarket as the demo has it: goods, a service, an honour, a voucher,
    a county-wide item and, with ``extra``, more goods to fill a second screen page."""

    def item(name: str, points: int, stock: int, **kw: Any) -> Item:
        return services.create_item(
            actor=world.staff,
            terms=services.ItemTerms(name=name, points=points, stock=stock, **kw),
        )

    items = {
        "oil": item("金龙鱼花生油 1L", 30, 12, per_person_limit=2, sponsor="凤城供销社"),
        "rice": item("东北大米 5kg", 50, 8, description="新米，社区超市现场领取。"),
        "soap": item("洗衣液 2kg", 20, 0),
        "haircut": item("义剪服务", 10, 30, kind="service", sponsor="爱心理发店"),
        "star": item(
            "星级志愿者荣誉证书", 200, 5, kind="honour", per_person_limit=1, limit_period="year"
        ),
        "voucher": item("超市10元消费券", 40, 50, kind="voucher", sponsor="永辉超市"),
    }
    barber = Merchant.objects.create(region=world.wenchang, name="爱心理发店", address="文昌路12号")
    barber.operators.add(world.merchant)
    items["shave"] = services.create_item(
        actor=world.merchant,
        merchant=barber,
        terms=services.ItemTerms(name="老人理发一次", points=15, stock=20, kind="service"),
    )
    services.approve_item(actor=world.staff, item=items["shave"])  # on the list once approved
    services.set_item_image(actor=world.staff, item=items["oil"], upload=_photo((230, 180, 40)))
    services.set_item_image(actor=world.staff, item=items["rice"], upload=_photo((240, 240, 225)))
    for n in range(extra):
        item(f"日用品{n + 1}号", 5 + n, 10)
    return items


def test_a_volunteer_redeems_on_a_phone_and_gets_the_pickup_code(
    world: World, phone, screenshot
) -> None:
    items = _stock_the_shelves(world)
    # 一季一兑换: open this month only, so the list says when redeeming is open.
    set_policy(world.wenchang, redemption_months=str(timezone.localdate().month))
    award_points(person=world.resident, amount=180, key="shop-browser:1", actor=None)
    log_in(phone, world.resident.phone)
    open_menu(phone)
    phone.locator("header nav a[href='/shop/']").click()
    expect(phone.locator("main h1")).to_contain_text(zh("Points supermarket"))
    expect(phone.locator("main h1")).to_contain_text("文昌社区")
    expect(phone.locator(".shop-balance strong")).to_have_text("180")
    expect(phone.locator(".shop-window")).to_contain_text(zh("Redeeming is open today."))
    oil = phone.locator(f"#item-{items['oil'].pk}")
    expect(oil.locator(".price strong")).to_have_text("30")
    expect(oil).to_contain_text("凤城供销社")
    expect(oil.locator("img.shop-photo")).to_be_visible()
    expect(phone.locator(f"#item-{items['soap'].pk}")).to_contain_text(zh("All redeemed"))
    screenshot(phone, "shop-list-phone")
    assert_fits(phone)

    oil.locator("a.button").click()
    expect(phone.locator("main h1")).to_have_text("金龙鱼花生油 1L")
    phone.locator("#id_quantity").select_option("2")
    phone.locator("form.quantity-form button").click()
    phone.wait_for_load_state()
    summary = phone.locator(".confirm-sum")
    expect(summary).to_be_in_viewport()  # the page opens at the confirmation, not the top
    expect(summary.locator(".spend dd")).to_have_text("−60")
    expect(summary.locator(".after dd")).to_have_text("120")
    screenshot(phone, "shop-confirm-phone")
    assert_fits(phone)
    assert not Redemption.objects.exists()  # nothing is written before the confirmation

    phone.locator("button.confirm-redeem").click()
    phone.wait_for_load_state()
    order = Redemption.objects.get()
    assert (order.person_id, order.quantity, order.points) == (world.resident.pk, 2, 60)
    expect(phone.locator(".messages")).to_contain_text(
        zh("Redeemed. Show this pickup code at the counter to collect it.")
    )
    code = phone.locator(".pickup-code")
    expect(code).to_have_text(order.code)
    assert code.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 40
    qr = phone.locator(".pickup-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and box["width"] >= 200, box  # large enough for the counter's scanner
    expect(phone.locator(".balance-now")).to_have_text("120")
    expect(phone.locator("main")).to_contain_text(
        timezone.localtime(order.expires_at).strftime("%Y-%m-%d")
    )
    screenshot(phone, "shop-order-phone")
    assert_fits(phone)
    assert balance_of(world.resident).balance == 120
    assert Item.objects.get(pk=items["oil"].pk).stock == 10

    # The balance dropped on the home page too, and the order waits in 我的兑换.
    phone.goto("/")
    expect(phone.locator("main .big-number").first).to_contain_text("120")
    phone.goto("/shop/orders/")
    expect(phone.locator(".order-card").first).to_contain_text("金龙鱼花生油 1L × 2")
    expect(phone.locator(".order-card .badge.order-reserved")).to_be_visible()
    screenshot(phone, "shop-orders-phone")
    assert_fits(phone)


def test_a_volunteer_cancels_an_order_on_a_phone_after_being_asked(
    world: World, phone, screenshot
) -> None:
    items = _stock_the_shelves(world)
    award_points(person=world.resident, amount=100, key="shop-browser:2", actor=None)
    order = services.redeem(actor=world.resident, item=items["rice"], quantity=1)
    questions: list[str] = []

    def answer(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.accept()

    phone.on("dialog", answer)
    log_in(phone, world.resident.phone)
    phone.goto(f"/shop/orders/{order.pk}/")
    phone.locator("form[action$='/cancel/'] button").click()
    phone.wait_for_load_state()
    assert questions == [
        zh("Cancel this order? The points come back and the item goes back on the shelf.")
    ]
    expect(phone.locator(".badge.order-cancelled")).to_be_visible()
    expect(phone.locator(".balance-now")).to_have_text("100")
    assert Redemption.objects.get().status == Status.CANCELLED
    screenshot(phone, "shop-cancelled-phone")
    assert_fits(phone)


def test_the_big_screen_is_readable_turns_pages_and_survives_a_network_drop(
    world: World, browser, live_server, screenshot, monkeypatch
) -> None:
    _stock_the_shelves(world, extra=3)  # 10 items: two pages
    # The live server runs in this process: turn the pages every 2 s, not every 20 s.
    monkeypatch.setattr(public, "SCREEN_TURN_S", 2)
    page = browser.new_context(base_url=live_server.url, **BIG_SCREEN).new_page()
    page.goto(f"/shop/screen/{world.wenchang.code}/")
    expect(page.locator(".screen-head h1")).to_contain_text("文昌社区")
    expect(page.locator(".screen-item")).to_have_count(8)
    sizes = page.evaluate(
        """() => {
          const px = el => parseFloat(getComputedStyle(el).fontSize);
          const all = selector => [...document.querySelectorAll(selector)].map(px);
          return {
            name: Math.min(...all('.screen-item h2')),
            price: Math.min(...all('.screen-price strong')),
            small: Math.min(...all('.screen-stock, .screen-sponsor, .screen-state, footer p')),
            height: document.documentElement.scrollHeight,
            width: document.documentElement.scrollWidth,
          };
        }"""
    )
    # From three metres on a 1080p screen: names ≥ 48 px, prices ≥ 88 px, nothing under 27 px.
    assert sizes["name"] >= 48 and sizes["price"] >= 88 and sizes["small"] >= 27, sizes
    assert sizes["height"] <= 1080 and sizes["width"] <= 1920, sizes  # one screen, no scrolling
    for item in page.locator(".screen-item").all():
        box = item.bounding_box()
        assert box and box["y"] + box["height"] <= 1080, box
    _nothing_cut_off(page)
    screenshot(page, "shop-screen-1920")

    # The second page comes by itself, then the first again.
    expect(page.locator(".screen-item")).to_have_count(2, timeout=8000)
    expect(page.locator(".screen-item")).to_have_count(8, timeout=8000)

    # The network drops: the screen keeps its list and says so quietly.
    page.route("**/shop/screen/**", lambda route: route.abort("internetdisconnected"))
    expect(page.locator("body")).to_have_class("shop-screen offline", timeout=8000)
    expect(page.locator(".screen-offline")).to_be_visible()
    assert page.locator(".screen-item").count() in (2, 8)
    expect(page.locator(".screen-head h1")).to_contain_text("文昌社区")
    screenshot(page, "shop-screen-offline-1920")
    # Back online, the next refresh clears the note.
    page.unroute("**/shop/screen/**")
    expect(page.locator("body")).to_have_class("shop-screen", timeout=8000)
    page.context.close()


def _nothing_cut_off(page: Any) -> None:
    """Every card shows all it holds: nothing overflows its box at 1920 × 1080."""
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.screen-item')]
          .filter(card => card.scrollHeight > card.clientHeight + 1
                  || [...card.children].some(el => el.getBoundingClientRect().bottom
                                             > card.getBoundingClientRect().bottom))
          .map(card => card.querySelector('h2').textContent)"""
    )
    assert cut == [], f"cut off at the bottom: {cut}"


def test_the_big_screen_says_when_the_next_window_opens(
    world: World, browser, live_server, screenshot
) -> None:
    _stock_the_shelves(world)
    # 一季一兑换: the first week of the next month only.
    next_month = timezone.localdate().month % 12 + 1
    set_policy(
        world.wenchang,
        redemption_months=str(next_month),
        redemption_first_day=1,
        redemption_last_day=7,
    )
    page = browser.new_context(base_url=live_server.url, **BIG_SCREEN).new_page()
    page.goto(f"/shop/screen/{world.wenchang.code}/")
    today = timezone.localdate()
    opens = today.replace(year=today.year + (next_month == 1), month=next_month, day=1)
    expect(page.locator(".screen-state")).to_contain_text(opens.isoformat())
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    _nothing_cut_off(page)
    screenshot(page, "shop-screen-closed-1920")
    page.context.close()
