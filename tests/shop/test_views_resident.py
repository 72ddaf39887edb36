"""The points supermarket's public and resident pages through Django's test client: the
price list anyone can read, the big screen, redeeming after a confirmation, each refusal
writing nothing, a family proxy's order, cancelling, the pickup QR, my orders.

``shop`` (tests/shop/conftest.py): 文昌's 大米 5kg (10 points, stock 5) and 花生油 (30, stock
20, 2 a month), the county's 毛巾 (5), 爱心理发店's 义剪一次 (20), and 王女儿, the family
proxy of 王淑英 (world.resident)."""

import html
import io
import re
from datetime import date

import pytest
import segno
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from jifen.lib.errors import DomainError
from jifen.people.models import Person
from jifen.points.selectors import balance_of
from jifen.shop import services, windows
from jifen.shop.models import Item, Redemption, Status
from jifen.shop.views import public
from jifen.shop.views.resident import qr_text
from tests.conftest import World, make_person
from tests.shop.fixtures import Shop, fund, set_policy, snapshot, terms


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture
def as_person():
    def login(person: Person, **headers: str) -> Client:
        client = Client(**headers)  # no Accept-Language: the deployment's language, Chinese
        client.force_login(person)
        return client

    return login


def page(response) -> str:
    return response.content.decode()


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (60, 40), (40, 160, 40)).save(data, "PNG")
    data.seek(0)
    data.name = "rice.png"
    return data


def closed_month() -> str:
    """A month other than this one: redeeming is closed today."""
    return str(timezone.localdate().month % 12 + 1)


def refusal_text(**kw) -> str:
    """The Chinese words the service refuses with (it writes nothing when it refuses)."""
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        services.redeem(**kw)
    return caught.value.render()


def redeem(client: Client, item: Item, quantity: int = 1, **extra: str):
    return client.post(f"/shop/items/{item.pk}/redeem/", {"quantity": quantity, **extra})


# --- The public price list and the big screen ---------------------------------------------


def test_the_price_list_needs_no_login_and_shows_each_items_terms(shop: Shop):
    world = shop.world
    services.update_item(
        actor=world.staff,
        item=shop.oil,
        terms=terms(
            name="花生油",
            points=30,
            stock=20,
            per_person_limit=2,
            sponsor="凤城供销社",
            available_until=date(2099, 6, 30),
        ),
    )
    elsewhere = services.create_item(actor=world.other_staff, terms=terms(name="湾美挂面"))
    response = Client().get(f"/shop/?community={world.wenchang.code}")
    assert response.status_code == 200
    text = page(response)
    for name in ("大米 5kg", "花生油", "毛巾", "义剪一次"):
        assert name in text
    assert elsewhere.name not in text
    oil = text[text.index(f'id="item-{shop.oil.pk}"') :]
    oil = oil[: oil.index("</article>")]
    assert "<strong>30</strong>" in oil
    assert zh("%(n)s left") % {"n": 20} in oil
    assert "凤城供销社" in oil and "2099-06-30" in oil
    with translation.override("zh-hans"):
        period = str(shop.oil.get_limit_period_display())
    assert html.escape(zh("%(n)s per person, %(period)s") % {"n": 2, "period": period}) in oil
    # The county's towel says who offers it; the merchant's offer sits under the merchant.
    assert "安溪县" in text
    assert text.index(zh("Goods")) < text.index("义剪一次")
    assert text.index("爱心理发店") < text.index("义剪一次")
    # Visitors are asked to log in to redeem.
    assert zh("Log in to redeem") in text
    assert Client().get(f"/shop/items/{shop.rice.pk}/").status_code == 302


def test_a_visitor_chooses_a_community_first_and_a_wrong_code_says_so(shop: Shop):
    world = shop.world
    text = page(Client().get("/shop/"))
    assert zh("Choose your community") in text
    assert f'value="{world.wenchang.code}"' in text and "湾美社区" in text
    assert "大米 5kg" not in text
    found = page(Client().get("/shop/?q=湾美"))
    assert f"?community={world.wanmei.code}" in found and world.wenchang.code not in found
    missing = Client().get("/shop/?community=nowhere")
    assert missing.status_code == 404
    assert zh("There is no community with this code.") in page(missing)
    # A town is not a community: it has no shop of its own.
    assert Client().get(f"/shop/?community={world.town.code}").status_code == 404


def test_a_resident_sees_their_own_community_with_their_balance(shop: Shop, as_person):
    world = shop.world
    fund(world.stranger, 70)
    services.create_item(actor=world.other_staff, terms=terms(name="湾美挂面"))
    text = page(as_person(world.stranger).get("/shop/"))
    assert "湾美挂面" in text and "毛巾" in text
    assert "大米 5kg" not in text
    assert re.search(r"<strong>70</strong>", text)
    # Looking at another community's list says it is not theirs.
    other = page(as_person(world.stranger).get(f"/shop/?community={world.wenchang.code}"))
    assert "大米 5kg" in other
    assert zh(
        "This is not your community: you can redeem only what your own community offers."
    ) in html.unescape(other)


def test_a_sold_out_item_says_so(shop: Shop):
    Item.objects.filter(pk=shop.rice.pk).update(stock=0)
    text = page(Client().get(f"/shop/?community={shop.world.wenchang.code}"))
    rice = text[text.index(f'id="item-{shop.rice.pk}"') :]
    assert zh("All redeemed") in rice[: rice.index("</article>")]


def test_the_list_shows_when_the_next_window_opens(shop: Shop):
    set_policy(shop.world.wenchang, redemption_months=closed_month(), redemption_first_day=1)
    window = services.window_of(shop.world.wenchang)
    opens = windows.next_opening(window, timezone.localdate())
    assert opens is not None
    text = html.unescape(page(Client().get(f"/shop/?community={shop.world.wenchang.code}")))
    assert (
        zh("Redeeming is closed now; the next window opens on %(date)s.")
        % {"date": opens.isoformat()}
        in text
    )
    assert (
        zh("Redeeming is open in months %(months)s, on days %(first)s–%(last)s.")
        % {
            "months": closed_month(),
            "first": 1,
            "last": zh("month end"),
        }
        in text
    )


def test_the_list_costs_the_same_few_queries_however_many_items(shop: Shop):
    url = f"/shop/?community={shop.world.wenchang.code}"
    with CaptureQueriesContext(connection) as few:
        Client().get(url)
    for n in range(12):
        services.create_item(actor=shop.world.staff, terms=terms(name=f"物品{n}"))
    with CaptureQueriesContext(connection) as many:
        assert Client().get(url).status_code == 200
    assert len(many) == len(few)


def test_an_items_photo_is_served_with_its_type_and_revalidated(shop: Shop):
    assert Client().get(f"/shop/items/{shop.rice.pk}/image/").status_code == 404
    services.set_item_image(actor=shop.world.staff, item=shop.rice, upload=png())
    response = Client().get(f"/shop/items/{shop.rice.pk}/image/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.content)).size == (60, 40)
    again = Client().get(f"/shop/items/{shop.rice.pk}/image/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    # The list shows it.
    text = page(Client().get(f"/shop/?community={shop.world.wenchang.code}"))
    assert f'src="/shop/items/{shop.rice.pk}/image/"' in text
    assert Client().get("/shop/items/999999/image/").status_code == 404


def test_the_big_screen_turns_its_pages_and_refreshes_in_the_background(shop: Shop):
    world = shop.world
    for n in range(6):  # 4 in the fixture + 6 = 10 items: two pages of 8
        services.create_item(actor=world.staff, terms=terms(name=f"物品{n}", points=50 + n))
    url = f"/shop/screen/{world.wenchang.code}/"
    first = Client().get(url)
    assert first.status_code == 200
    text = page(first)
    assert "<html" in text and "文昌社区" in text
    assert f'hx-get="{url}?page=2"' in text
    assert f'hx-trigger="every {public.SCREEN_TURN_S}s"' in text
    assert text.count('class="screen-item') == 8
    second = Client().get(f"{url}?page=2", HTTP_HX_REQUEST="true")
    part = page(second)
    assert "<html" not in part and part.lstrip().startswith('<div id="screen"')
    assert part.count('class="screen-item') == 2
    assert f'hx-get="{url}?page=1"' in part
    assert Client().get("/shop/screen/nowhere/").status_code == 404


def test_a_screen_with_one_page_refreshes_slowly(shop: Shop):
    text = page(Client().get(f"/shop/screen/{shop.world.wenchang.code}/"))
    assert f'hx-trigger="every {public.SCREEN_REFRESH_S}s"' in text
    assert f'content="{public.SCREEN_REFRESH_S}"' in text  # the page reloads without scripts


# --- Who may open what ----------------------------------------------------------------------


def test_resident_pages_ask_visitors_to_log_in(shop: Shop):
    for path in (
        f"/shop/items/{shop.rice.pk}/",
        "/shop/orders/",
        "/shop/orders/1/",
        "/shop/orders/1/qr.svg",
    ):
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/?next="), path


def test_an_item_of_another_community_is_not_found_and_cannot_be_redeemed(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    elsewhere = services.create_item(actor=world.other_staff, terms=terms(name="湾美挂面"))
    client = as_person(world.resident)
    assert client.get(f"/shop/items/{elsewhere.pk}/").status_code == 404
    before = snapshot()
    assert redeem(client, elsewhere).status_code == 404
    assert snapshot() == before
    assert client.get("/shop/items/999999/").status_code == 404


def test_redeem_needs_a_post(shop: Shop, as_person):
    assert (
        as_person(shop.world.resident).get(f"/shop/items/{shop.rice.pk}/redeem/").status_code == 405
    )


# --- Redeeming ------------------------------------------------------------------------------


def test_the_confirmation_shows_the_points_and_the_balance_after_and_writes_nothing(
    shop: Shop, as_person
):
    world = shop.world
    fund(world.resident, 100)
    client = as_person(world.resident)
    text = page(client.get(f"/shop/items/{shop.rice.pk}/"))
    assert '<select name="quantity"' in text
    assert '<option value="5">' in text and '<option value="6">' not in text  # stock 5
    before = snapshot()
    confirm = client.get(f"/shop/items/{shop.rice.pk}/?quantity=3")
    assert confirm.status_code == 200
    text = page(confirm)
    assert zh("Please check and confirm") in text
    assert "−30" in text and ">70<" in text and ">100<" in text
    assert f'action="/shop/items/{shop.rice.pk}/redeem/"' in text
    assert 'name="quantity" value="3"' in text
    assert snapshot() == before


def test_a_quantity_beyond_the_balance_is_not_offered_to_confirm(shop: Shop, as_person):
    fund(shop.world.resident, 25)
    text = page(as_person(shop.world.resident).get(f"/shop/items/{shop.rice.pk}/?quantity=3"))
    assert zh("Not enough points for this quantity. Please choose fewer.") in text
    assert "/redeem/" not in text


def test_a_resident_redeems_and_gets_the_order_with_its_pickup_code(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    client = as_person(world.resident)
    response = redeem(client, shop.rice, 2)
    order = Redemption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/shop/orders/{order.pk}/"
    assert texts(response) == [zh("Redeemed. Show this pickup code at the counter to collect it.")]
    assert (order.person, order.quantity, order.points, order.status) == (
        world.resident,
        2,
        20,
        Status.RESERVED,
    )
    assert not order.by_proxy and order.placed_by is None
    assert balance_of(world.resident).balance == 80
    assert Item.objects.get(pk=shop.rice.pk).stock == 3
    text = page(client.get(response["Location"]))
    assert f'data-code="{order.code}"' in text
    assert f"<span>{order.code[:4]}</span><span>{order.code[4:]}</span>" in text
    assert "<svg" in text and 'class="qr-svg"' in text
    assert timezone.localtime(order.expires_at).strftime("%Y-%m-%d") in text
    assert 'class="balance-now">80<' in text
    assert f'action="/shop/orders/{order.pk}/cancel/"' in text


def _set_up(case: str, shop: Shop) -> tuple[Item, int]:
    """The state in which the service refuses ``case``; the item and quantity to ask."""
    world = shop.world
    fund(world.resident, 1000)
    if case == "window_closed":
        set_policy(world.wenchang, redemption_months=closed_month())
        return shop.rice, 1
    if case == "limit_reached":
        services.redeem(actor=world.resident, item=shop.oil, quantity=2)
        return shop.oil, 1
    if case == "out_of_stock":
        return shop.rice, 6
    if case == "insufficient_points":
        return shop.oil, 34  # 1020 points of 1000
    if case == "not_available":
        services.set_item_active(actor=world.staff, item=shop.rice, active=False)
        return shop.rice, 1
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    ["window_closed", "limit_reached", "out_of_stock", "insufficient_points", "not_available"],
)
def test_each_refusal_is_said_in_chinese_on_the_page_and_writes_nothing(
    shop: Shop, as_person, case: str
):
    world = shop.world
    item, quantity = _set_up(case, shop)
    expected = refusal_text(actor=world.resident, item=item, quantity=quantity)
    before = snapshot()
    response = redeem(as_person(world.resident), item, quantity)
    assert response.status_code == 409
    text = page(response)
    assert html.escape(expected) in text
    assert 'role="alert"' in text and item.name in text
    assert snapshot() == before


@pytest.mark.parametrize("quantity", ["0", "abc", "100", ""])
def test_a_wrong_quantity_is_refused_and_writes_nothing(shop: Shop, as_person, quantity: str):
    fund(shop.world.resident, 100)
    before = snapshot()
    response = as_person(shop.world.resident).post(
        f"/shop/items/{shop.rice.pk}/redeem/", {"quantity": quantity}
    )
    assert response.status_code == 400
    assert html.escape(zh("The quantity is a whole number from 1 to %(max)s.") % {"max": 99}) in (
        page(response)
    )
    assert snapshot() == before


# --- A family proxy -------------------------------------------------------------------------


def test_a_family_proxy_redeems_for_the_person_they_act_for(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    fund(shop.relative, 15)
    client = as_person(shop.relative)
    item_page = page(client.get(f"/shop/items/{shop.rice.pk}/"))
    assert f'href="?for={world.resident.pk}"' in item_page
    # The tab names her with the daughter's relation to her, not as if she were the daughter.
    acting = zh("%(name)s (I am their %(relation)s)") % {"name": "王淑英", "relation": "女儿"}
    assert html.escape(acting) in item_page and "王淑英（女儿）" not in item_page
    chosen = page(client.get(f"/shop/items/{shop.rice.pk}/?for={world.resident.pk}&quantity=2"))
    assert ">100<" in chosen and ">80<" in chosen  # her points, not the daughter's 15
    assert f'name="for" value="{world.resident.pk}"' in chosen
    response = redeem(client, shop.rice, 2, **{"for": str(world.resident.pk)})
    order = Redemption.objects.get()
    assert response["Location"] == f"/shop/orders/{order.pk}/"
    assert order.person == world.resident and order.by_proxy and order.placed_by == shop.relative
    assert balance_of(world.resident).balance == 80
    assert balance_of(shop.relative).balance == 15
    # Both see the order as placed by the family proxy.
    for viewer in (shop.relative, world.resident):
        text = page(as_person(viewer).get(f"/shop/orders/{order.pk}/"))
        assert zh("placed by family proxy") in text
        assert html.escape(zh("%(name)s, family proxy") % {"name": "王女儿"}) in text
    mine = page(client.get(f"/shop/orders/?for={world.resident.pk}"))
    assert "大米 5kg × 2" in mine
    assert "大米 5kg" not in page(client.get("/shop/orders/"))  # the daughter's own: none


def test_a_family_proxy_redeems_for_themselves_unless_the_form_names_someone(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    fund(shop.relative, 100)
    redeem(as_person(shop.relative), shop.rice, 1)
    order = Redemption.objects.get()
    assert order.person == shop.relative and not order.by_proxy and order.placed_by is None
    assert balance_of(world.resident).balance == 100


def test_nobody_else_can_redeem_for_a_resident(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    before = snapshot()
    response = redeem(as_person(world.neighbour), shop.towel, 1, **{"for": str(world.resident.pk)})
    assert response.status_code == 404
    assert snapshot() == before
    assert (
        as_person(world.neighbour).get(f"/shop/orders/?for={world.resident.pk}").status_code == 404
    )


# --- Orders: cancelling, the QR code, the list --------------------------------------------


def test_a_resident_cancels_before_hand_over_and_gets_the_points_back(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    order = services.redeem(actor=world.resident, item=shop.rice, quantity=2)
    client = as_person(world.resident)
    text = page(client.get(f"/shop/orders/{order.pk}/"))
    assert 'data-confirm="' in text  # the browser asks before the irreversible step
    response = client.post(f"/shop/orders/{order.pk}/cancel/")
    assert response["Location"] == f"/shop/orders/{order.pk}/"
    assert texts(response) == [
        zh("The order is cancelled: %(points)s points are back.") % {"points": 20}
    ]
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.refund is not None
    assert balance_of(world.resident).balance == 100
    assert Item.objects.get(pk=shop.rice.pk).stock == 5
    after = page(client.get(f"/shop/orders/{order.pk}/"))
    assert "/cancel/" not in after and "<svg" not in after
    # Cancelling again is refused with a message, and nothing moves.
    before = snapshot()
    again = client.post(f"/shop/orders/{order.pk}/cancel/")
    assert again.status_code == 302 and len(texts(again)) == 1
    assert snapshot() == before


def test_an_order_handed_over_cannot_be_cancelled(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    order = services.redeem(actor=world.resident, item=shop.rice, quantity=1)
    services.fulfil(actor=world.staff, order=order)
    client = as_person(world.resident)
    assert "/cancel/" not in page(client.get(f"/shop/orders/{order.pk}/"))
    before = snapshot()
    response = client.post(f"/shop/orders/{order.pk}/cancel/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.fulfilled_at is not None
    when = timezone.localtime(order.fulfilled_at).strftime("%Y-%m-%d %H:%M")
    assert texts(response) == [zh("This order was handed over on %(when)s.") % {"when": when}]
    assert snapshot() == before


def test_another_persons_order_is_not_found(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    order = services.redeem(actor=world.resident, item=shop.rice, quantity=1)
    client = as_person(world.neighbour)
    for path in (f"/shop/orders/{order.pk}/", f"/shop/orders/{order.pk}/qr.svg"):
        assert client.get(path).status_code == 404, path
    before = snapshot()
    assert client.post(f"/shop/orders/{order.pk}/cancel/").status_code == 404
    assert snapshot() == before


def test_the_qr_code_says_jfo_and_the_pickup_code(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    order = services.redeem(actor=world.resident, item=shop.rice, quantity=1)
    assert qr_text(order) == f"JFO:{order.code}"
    assert services.normalize_code(qr_text(order)) == order.code
    response = as_person(world.resident).get(f"/shop/orders/{order.pk}/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    expected = io.BytesIO()
    segno.make_qr(f"JFO:{order.code}", error="m").save(
        expected, kind="svg", border=2, scale=8, title=zh("QR code of the pickup code")
    )
    assert response.content == expected.getvalue()
    # The same code inline on the order page, a full QR code (not a Micro QR).
    inline = public.svg_qr(f"JFO:{order.code}", zh("QR code of the pickup code"))
    assert inline in page(as_person(world.resident).get(f"/shop/orders/{order.pk}/"))
    assert not segno.make_qr(f"JFO:{order.code}").is_micro
    # Once handed over there is no code to show.
    services.fulfil(actor=world.staff, order=order)
    assert as_person(world.resident).get(f"/shop/orders/{order.pk}/qr.svg").status_code == 404


def test_my_orders_says_when_there_are_none(shop: Shop, as_person):
    text = page(as_person(shop.world.resident).get("/shop/orders/"))
    assert zh("No orders yet. The points you earn can be redeemed in the points supermarket.") in (
        text
    )
    assert 'href="/shop/"' in text


def test_my_orders_are_paged_newest_first_with_their_status(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 1000)
    orders = [
        services.redeem(actor=world.resident, item=shop.towel, quantity=n % 3 + 1)
        for n in range(12)
    ]
    services.cancel(actor=world.resident, order=orders[-1])
    services.fulfil(actor=world.staff, order=orders[-2])
    client = as_person(world.resident)
    first = page(client.get("/shop/orders/"))
    links = re.findall(r'href="/shop/orders/(\d+)/"', first)
    assert [int(pk) for pk in links] == [o.pk for o in reversed(orders)][:10]
    assert 'class="badge order-cancelled"' in first and 'class="badge order-fulfilled"' in first
    assert first.count('class="badge order-reserved"') == 8
    assert orders[-3].code in first  # a reserved order shows its pickup code
    second = page(client.get("/shop/orders/?page=2"))
    assert [int(pk) for pk in re.findall(r'href="/shop/orders/(\d+)/"', second)] == [
        orders[1].pk,
        orders[0].pk,
    ]
    with CaptureQueriesContext(connection) as queries:
        client.get("/shop/orders/")
    with CaptureQueriesContext(connection) as fewer:
        client.get("/shop/orders/?page=2")
    assert len(queries) == len(fewer)  # one query for the page, however many orders


# --- Languages, and the way in ------------------------------------------------------------


def test_the_pages_speak_english_when_asked(shop: Shop, as_person):
    world = shop.world
    fund(world.resident, 100)
    order = services.redeem(actor=world.resident, item=shop.rice, quantity=1)
    client = as_person(world.resident, HTTP_ACCEPT_LANGUAGE="en")
    listing = page(client.get("/shop/"))
    assert '<html lang="en">' in listing
    assert "Points supermarket" in listing and "积分超市" not in listing
    assert "Redeem" in listing and "5 left" not in listing  # rice: 4 left after the order
    assert "4 left" in listing
    detail = page(client.get(f"/shop/orders/{order.pk}/"))
    assert "Pickup code" in detail and "Cancel the order" in detail
    confirm = page(client.get(f"/shop/items/{shop.rice.pk}/?quantity=1"))
    assert "Please check and confirm" in confirm and "Points after" in confirm
    screen = page(Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/shop/screen/{world.wenchang.code}/"))
    assert "文昌社区 points supermarket" in screen
    # Chinese by default.
    chinese = page(as_person(world.resident).get("/shop/"))
    assert '<html lang="zh-CN">' in chinese and zh("Points supermarket") == "积分超市"
    assert "积分超市" in chinese


def test_the_resident_home_and_nav_lead_to_the_shop(shop: Shop, as_person):
    text = page(as_person(shop.world.resident).get("/"))
    assert text.count('href="/shop/"') >= 2  # the menu and the home page's button
    assert 'href="/shop/orders/"' in text
    assert 'href="/shop/"' in page(Client().get("/login/"))


def test_a_person_with_no_community_sees_the_picker(world: World, as_person):
    drifter = make_person(None, "无社区")
    text = page(as_person(drifter).get("/shop/"))
    assert zh("Choose your community") in text
