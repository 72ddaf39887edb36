"""The shop's staff pages through Django's test client: the counter (look up, hand over,
cancel), the orders list, ordering for a resident, items and stock, the liability
dashboard, the redemption window, and the merchants' settlement with its Excel report.

Who may open what is checked against the personas of tests/conftest.py: 文昌's staff
(``staff``), 湾美's staff next door (``other_staff``), a reviewer, a resident. Every
refusal is shown to have written nothing (``snapshot``).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape
from openpyxl import load_workbook

from jifen.activities.cards import card_code
from jifen.audit.models import AuditEvent
from jifen.lib.masking import mask_name
from jifen.people.models import Merchant, Person
from jifen.points.ledger import Posting, account_for, post, system_account
from jifen.points.models import AccountKind, CommunityPolicy, TransferKind
from jifen.shop import selectors, services
from jifen.shop.models import Item, MerchantSettlement, Redemption
from jifen.shop.models import Status as OrderStatus
from tests.shop.conftest import move
from tests.shop.fixtures import Shop, balance, carded, fund, snapshot

HTMX = {"HTTP_HX_REQUEST": "true"}
Place = Callable[..., Redemption]


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def zh_shop(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.pgettext("shop", text)


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def staff(shop: Shop) -> Client:
    return client_for(shop.world.staff)


@pytest.fixture
def other_staff(shop: Shop) -> Client:
    return client_for(shop.world.other_staff)


def last_month() -> str:
    first = timezone.localdate().replace(day=1)
    index = first.year * 12 + first.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def mid_month(back: int) -> datetime:
    """Noon on the 15th, ``back`` months ago: far from a month's edge in any zone."""
    first = timezone.localdate().replace(day=1)
    index = first.year * 12 + first.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 15, 12, tzinfo=timezone.get_current_timezone())


# --- Who may open the counter ------------------------------------------------------------


def test_a_resident_cannot_open_the_counter(shop: Shop) -> None:
    response = client_for(shop.world.resident).get("/console/shop/")
    assert response.status_code == 403


def test_a_reviewer_has_the_console_but_not_the_shop(shop: Shop) -> None:
    client = client_for(shop.world.reviewer)
    for url in ("/console/shop/", "/console/shop/items/", "/console/shop/liability/"):
        assert client.get(url).status_code == 403, url


def test_staff_find_the_counter_in_the_console_menu(staff: Client) -> None:
    home = staff.get("/console/")
    assert 'href="/console/shop/"' in home.content.decode()
    counter = staff.get("/console/shop/")
    assert counter.status_code == 200
    page = counter.content.decode()
    assert 'id="id_code"' in page and 'hx-post="/console/shop/lookup/"' in page
    assert "jifen/scanner.js" in page and "shop/console-scan.js" in page


def test_the_merchant_role_finds_the_merchant_pages_in_the_console_menu(shop: Shop) -> None:
    page = client_for(shop.operator).get("/console/").content.decode()
    assert 'href="/merchant/"' in page
    assert 'href="/console/shop/"' not in page


# --- Looking up an order -------------------------------------------------------------------


def test_the_counter_shows_the_order_of_a_typed_code(
    shop: Shop, staff: Client, order: Place
) -> None:
    placed = order(quantity=2)
    typed = f"{placed.code[:4].lower()}-{placed.code[4:].lower()}"
    for code in (placed.code, typed, f"JFO:{placed.code}"):
        response = staff.post("/console/shop/lookup/", {"code": code}, **HTMX)
        assert response.status_code == 200
        panel = response.content.decode()
        assert "<html" not in panel  # the panel alone
        assert shop.world.resident.name in panel
        assert shop.world.resident.volunteer_no in panel
        assert "大米 5kg × 2" in panel
        assert ">20<" in panel
        assert zh("waiting for pickup") in panel
        assert f'action="/console/shop/orders/{placed.pk}/fulfil/"' in panel


def test_without_javascript_the_lookup_is_a_whole_page(staff: Client, order: Place) -> None:
    placed = order()
    response = staff.post("/console/shop/lookup/", {"code": placed.code})
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert placed.code in response.content.decode()


def test_a_code_of_another_community_is_not_found_there(
    shop: Shop, other_staff: Client, order: Place
) -> None:
    placed = order()
    response = other_staff.post("/console/shop/lookup/", {"code": placed.code}, **HTMX)
    panel = response.content.decode()
    assert zh("No order has this pickup code here.") in panel
    assert shop.world.resident.name not in panel
    assert other_staff.post("/console/shop/lookup/", {"code": placed.code}).status_code == 404


def test_what_is_not_a_code_is_said_so(staff: Client) -> None:
    panel = staff.post("/console/shop/lookup/", {"code": "0O1IL"}, **HTMX).content.decode()
    assert zh("This is not a pickup code.") in panel


def test_a_scanned_card_shows_the_residents_waiting_orders(
    shop: Shop, staff: Client, other_staff: Client, order: Place
) -> None:
    first, second = order(), order(item=shop.oil)
    services.fulfil(actor=shop.world.staff, order=first)
    card = card_code(shop.world.resident)
    panel = staff.post("/console/shop/lookup/", {"code": card}, **HTMX).content.decode()
    assert shop.world.resident.name in panel
    assert second.code in panel and first.code not in panel
    assert f"/console/shop/redeem/?person={shop.world.resident.pk}" in panel
    refused = other_staff.post("/console/shop/lookup/", {"code": card}, **HTMX).content.decode()
    assert shop.world.resident.name not in refused
    assert zh("This is not the card of a resident of your communities.") in refused


def test_an_order_opens_at_the_counter_by_its_id_only_for_its_staff(
    shop: Shop, staff: Client, other_staff: Client, order: Place
) -> None:
    placed = order()
    assert placed.code in staff.get(f"/console/shop/?order={placed.pk}").content.decode()
    assert other_staff.get(f"/console/shop/?order={placed.pk}").status_code == 404


# --- Handing over and cancelling -----------------------------------------------------------


def test_staff_hand_over_an_order(shop: Shop, staff: Client, order: Place) -> None:
    placed = order()
    response = staff.post(f"/console/shop/orders/{placed.pk}/fulfil/", **HTMX)
    panel = response.content.decode()
    assert response.status_code == 200
    placed.refresh_from_db()
    assert placed.status == OrderStatus.FULFILLED
    assert placed.fulfilled_by == shop.world.staff
    assert zh("handed over") in panel
    assert 'data-order-status="fulfilled"' in panel
    assert AuditEvent.objects.filter(action="shop.fulfil").count() == 1


def test_a_second_hand_over_is_refused_with_the_first_ones_time(
    staff: Client, order: Place
) -> None:
    placed = order()
    staff.post(f"/console/shop/orders/{placed.pk}/fulfil/", **HTMX)
    placed.refresh_from_db()
    assert placed.fulfilled_at is not None
    before = snapshot()
    panel = staff.post(f"/console/shop/orders/{placed.pk}/fulfil/", **HTMX).content.decode()
    when = timezone.localtime(placed.fulfilled_at).strftime("%Y-%m-%d %H:%M")
    assert zh("This order was handed over on %(when)s.") % {"when": when} in panel
    assert snapshot() == before


@pytest.mark.parametrize("undone", ["cancelled", "expired"])
def test_a_cancelled_or_expired_order_is_not_handed_over(
    shop: Shop, staff: Client, order: Place, undone: str
) -> None:
    placed = order()
    if undone == "cancelled":
        services.cancel(actor=shop.world.resident, order=placed)
    else:
        move(placed, expires_at=timezone.now() - timedelta(days=1))
        assert services.expire_overdue() == 1
    placed.refresh_from_db()
    before = snapshot()
    panel = staff.post(f"/console/shop/orders/{placed.pk}/fulfil/", **HTMX).content.decode()
    with translation.override("zh-hans"):
        status = placed.get_status_display()
    assert escape(zh("This order is %(status)s.") % {"status": status}) in panel
    assert snapshot() == before


def test_staff_of_another_community_cannot_hand_over(other_staff: Client, order: Place) -> None:
    placed = order()
    before = snapshot()
    assert other_staff.post(f"/console/shop/orders/{placed.pk}/fulfil/").status_code == 404
    panel = other_staff.post(f"/console/shop/orders/{placed.pk}/fulfil/", **HTMX)
    assert zh("There is no such order.") in panel.content.decode()
    assert placed.code not in panel.content.decode()
    assert snapshot() == before


def test_without_javascript_hand_over_comes_back_to_the_counter(
    staff: Client, order: Place
) -> None:
    placed = order()
    response = staff.post(f"/console/shop/orders/{placed.pk}/fulfil/", follow=True)
    assert response.redirect_chain == [(f"/console/shop/?order={placed.pk}", 302)]
    assert zh("handed over") in response.content.decode()
    placed.refresh_from_db()
    assert placed.fulfilled_at is not None
    when = timezone.localtime(placed.fulfilled_at).strftime("%Y-%m-%d %H:%M")
    again = staff.post(f"/console/shop/orders/{placed.pk}/fulfil/", follow=True)
    message = zh("This order was handed over on %(when)s.") % {"when": when}
    assert escape(message) in again.content.decode()


def test_staff_cancel_with_a_reason_and_the_points_come_back(
    shop: Shop, staff: Client, order: Place
) -> None:
    placed = order(quantity=2)
    assert balance(shop.world.resident) == 980
    response = staff.post(
        f"/console/shop/orders/{placed.pk}/cancel/", {"reason": "居民改主意了"}, **HTMX
    )
    assert response.status_code == 200
    placed.refresh_from_db()
    assert placed.status == OrderStatus.CANCELLED
    assert placed.cancelled_by == shop.world.staff
    assert "居民改主意了" in placed.reason
    assert balance(shop.world.resident) == 1000
    assert Item.objects.get(pk=shop.rice.pk).stock == 5
    assert zh("cancelled") in response.content.decode()


def test_a_cancel_without_a_reason_or_by_another_community_writes_nothing(
    staff: Client, other_staff: Client, order: Place
) -> None:
    placed = order()
    before = snapshot()
    panel = staff.post(f"/console/shop/orders/{placed.pk}/cancel/", {"reason": " "}, **HTMX)
    assert zh("Please say why the order is cancelled.") in panel.content.decode()
    refused = other_staff.post(f"/console/shop/orders/{placed.pk}/cancel/", {"reason": "x"})
    assert refused.status_code == 404
    assert snapshot() == before


# --- The orders list -----------------------------------------------------------------------


def test_the_orders_list_filters_by_status_newest_first(
    shop: Shop, staff: Client, other_staff: Client, order: Place
) -> None:
    first, second, third = order(), order(item=shop.oil), order(item=shop.towel)
    services.fulfil(actor=shop.world.staff, order=second)
    page = staff.get("/console/shop/orders/").content.decode()
    assert page.index(third.code) < page.index(second.code) < page.index(first.code)
    waiting = staff.get("/console/shop/orders/?status=reserved").content.decode()
    assert first.code in waiting and third.code in waiting and second.code not in waiting
    done = staff.get("/console/shop/orders/?status=fulfilled").content.decode()
    assert second.code in done and first.code not in done
    assert first.code not in other_staff.get("/console/shop/orders/").content.decode()


def test_the_orders_list_reads_a_fixed_number_of_queries(
    shop: Shop, staff: Client, order: Place
) -> None:
    order()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get("/console/shop/orders/").status_code == 200
        return len(queries)

    few = count()
    fund(shop.world.resident, 100)
    for _n in range(4):
        order(item=shop.towel)
    Redemption.objects.filter(item=shop.towel).update(placed_by=shop.world.staff)
    assert count() == few


# --- Ordering for a resident ---------------------------------------------------------------


def test_staff_find_a_resident_by_number_or_card(shop: Shop, staff: Client) -> None:
    resident = shop.world.resident
    by_number = staff.get("/console/shop/redeem/", {"who": resident.volunteer_no})
    assert by_number.status_code == 302
    assert by_number["Location"] == f"/console/shop/redeem/?person={resident.pk}"
    by_card = staff.get("/console/shop/redeem/", {"who": card_code(resident)})
    assert by_card["Location"] == f"/console/shop/redeem/?person={resident.pk}"
    outside = staff.get("/console/shop/redeem/", {"who": shop.world.stranger.volunteer_no})
    assert outside.status_code == 200
    assert shop.world.stranger.name not in outside.content.decode()


def test_staff_order_for_an_elderly_resident_recorded_as_placed_by_them(
    shop: Shop, staff: Client, volunteer: Person
) -> None:
    page = staff.get(f"/console/shop/redeem/?person={volunteer.pk}").content.decode()
    assert "大米 5kg" in page and "毛巾" in page
    assert "义剪一次" not in page  # the merchant's offer is taken at the merchant
    response = staff.post(
        "/console/shop/redeem/",
        {"person": volunteer.pk, "item": shop.rice.pk, "quantity": 2},
    )
    placed = Redemption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/shop/?order={placed.pk}"
    assert placed.person == volunteer
    assert placed.placed_by == shop.world.staff
    assert not placed.by_proxy
    assert placed.points == 20
    assert balance(volunteer) == 980
    counter = staff.get(response["Location"]).content.decode()
    assert placed.code in counter and shop.world.staff.name in counter


def test_ordering_for_a_resident_without_the_points_writes_nothing(
    shop: Shop, staff: Client
) -> None:
    resident = shop.world.resident  # no points
    before = snapshot()
    response = staff.post(
        "/console/shop/redeem/", {"person": resident.pk, "item": shop.oil.pk, "quantity": 1}
    )
    assert response.status_code == 200
    assert (
        escape(zh("Not enough points: this needs %(amount)s points.") % {"amount": 30})
        in response.content.decode()
    )
    assert snapshot() == before


def test_staff_cannot_order_for_a_resident_of_another_community(
    shop: Shop, other_staff: Client, volunteer: Person
) -> None:
    before = snapshot()
    assert other_staff.get(f"/console/shop/redeem/?person={volunteer.pk}").status_code == 404
    response = other_staff.post(
        "/console/shop/redeem/", {"person": volunteer.pk, "item": shop.rice.pk, "quantity": 1}
    )
    assert response.status_code == 404
    assert snapshot() == before


# --- Items and stock -----------------------------------------------------------------------


def test_the_items_list_marks_low_stock(shop: Shop, staff: Client) -> None:
    page = staff.get("/console/shop/items/").content.decode()
    assert "大米 5kg" in page and "花生油" in page and "义剪一次" in page
    assert "毛巾" not in page  # the county's: run by county staff
    assert page.count('class="low-row"') == 1  # 大米, 5 left


def test_staff_put_a_new_item_on_sale_in_their_community(shop: Shop, staff: Client) -> None:
    form = staff.get("/console/shop/items/new/").content.decode()
    assert shop.world.wenchang.code in form and shop.world.wanmei.code not in form
    response = staff.post(
        "/console/shop/items/new/",
        {
            "region": shop.world.wenchang.code,
            "name": "洗衣液",
            "kind": "goods",
            "points": 15,
            "stock": 12,
            "per_person_limit": 1,
            "limit_period": "quarter",
            "sponsor": "江滨便民超市",
        },
    )
    item = Item.objects.get(name="洗衣液")
    assert response.status_code == 302
    assert (item.region, item.points, item.stock) == (shop.world.wenchang, 15, 12)
    assert (item.per_person_limit, item.limit_period) == (1, "quarter")
    assert item.created_by == shop.world.staff
    before = snapshot()
    outside = staff.post(
        "/console/shop/items/new/",
        {"region": shop.world.wanmei.code, "name": "x", "kind": "goods", "points": 1, "stock": 1},
    )
    assert outside.status_code == 200  # the choice is not among the form's
    assert snapshot() == before


def test_county_staff_offer_an_item_to_the_whole_county(shop: Shop) -> None:
    client = client_for(shop.county_staff)
    client.post(
        "/console/shop/items/new/",
        {
            "region": shop.world.county.code,
            "name": "雨伞",
            "kind": "goods",
            "points": 40,
            "stock": 3,
            "limit_period": "month",
        },
    )
    assert Item.objects.get(name="雨伞").region == shop.world.county


def test_editing_terms_keeps_the_stock_orders_took_meanwhile(
    shop: Shop, staff: Client, order: Place
) -> None:
    page = staff.get(f"/console/shop/items/{shop.rice.pk}/").content.decode()
    assert 'name="stock"' not in page  # stock changes only by a restock, with its note
    order(quantity=2)  # taken while the form is open
    staff.post(
        f"/console/shop/items/{shop.rice.pk}/",
        {"name": "东北大米 5kg", "kind": "goods", "points": 12, "limit_period": "month"},
    )
    rice = Item.objects.get(pk=shop.rice.pk)
    assert (rice.name, rice.points, rice.stock) == ("东北大米 5kg", 12, 3)
    assert Redemption.objects.get().points == 20  # the order keeps its price


def test_restock_up_and_down_with_a_note(shop: Shop, staff: Client) -> None:
    url = f"/console/shop/items/{shop.rice.pk}/restock/"
    staff.post(url, {"change": 20, "note": "第二批到货"})
    assert Item.objects.get(pk=shop.rice.pk).stock == 25
    before = snapshot()
    staff.post(url, {"change": -2})  # taking away needs a note
    staff.post(url, {"change": -100, "note": "盘点"})  # more than there is
    staff.post(url, {"change": "abc"})
    assert snapshot() == before
    response = staff.post(url, {"change": -2, "note": "破损", "next": "list"})
    assert response["Location"].startswith("/console/shop/items/?")
    assert Item.objects.get(pk=shop.rice.pk).stock == 23
    notes = [e.after["note"] for e in AuditEvent.objects.filter(action="shop.item.restock")]
    assert sorted(notes) == ["破损", "第二批到货"]


def test_take_off_sale_and_back(shop: Shop, staff: Client) -> None:
    url = f"/console/shop/items/{shop.oil.pk}/active/"
    staff.post(url, {"active": "0"})
    assert not Item.objects.get(pk=shop.oil.pk).is_active
    assert "花生油" in staff.get("/console/shop/items/?show=off").content.decode()
    staff.post(url, {"active": "1"})
    assert Item.objects.get(pk=shop.oil.pk).is_active


def test_an_items_photo_is_uploaded_and_a_non_photo_refused(shop: Shop, staff: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    url = f"/console/shop/items/{shop.rice.pk}/image/"
    staff.post(url, {"photo": SimpleUploadedFile("rice.png", buffer.getvalue(), "image/png")})
    rice = Item.objects.get(pk=shop.rice.pk)
    assert rice.image_type == "image/png" and rice.image
    before = snapshot()
    response = staff.post(
        url, {"photo": SimpleUploadedFile("a.txt", b"not a photo", "text/plain")}, follow=True
    )
    assert zh("Please choose a photo in JPEG or PNG format.") in response.content.decode()
    assert snapshot() == before


def test_staff_of_another_community_cannot_touch_the_items(shop: Shop, other_staff: Client) -> None:
    before = snapshot()
    base = f"/console/shop/items/{shop.rice.pk}"
    assert other_staff.get(f"{base}/").status_code == 404
    assert other_staff.post(f"{base}/restock/", {"change": 5}).status_code == 404
    assert other_staff.post(f"{base}/active/", {"active": "0"}).status_code == 404
    assert "大米 5kg" not in other_staff.get("/console/shop/items/").content.decode()
    assert snapshot() == before


# --- Liability and the window --------------------------------------------------------------


def test_the_liability_dashboard_on_a_small_community(shop: Shop, staff: Client) -> None:
    """1000 points issued two months ago, 90 redeemed last month, 20 in a waiting order;
    on the shelves 3 bags of rice at 10 and 20 bottles of oil at 30: 630 points."""
    resident = shop.world.resident
    issuer = system_account(shop.world.wenchang, AccountKind.ISSUER)
    sink = system_account(shop.world.wenchang, AccountKind.SHOP)
    holder = account_for(resident)
    post(Posting(issuer, holder, 1000, TransferKind.AWARD, "h:1", created_at=mid_month(2)))
    post(Posting(holder, sink, 90, TransferKind.REDEMPTION, "h:2", created_at=mid_month(1)))
    services.redeem(actor=resident, item=shop.rice, quantity=2)
    page = staff.get("/console/shop/liability/").content.decode()

    def figure(name: str) -> str:
        start = page.index(f'data-figure="{name}"')
        value = page.index('class="value', start)
        return page[page.index(">", value) + 1 : page.index("<", value)]

    assert figure("outstanding") == "890"
    assert figure("reserved") == "20"
    assert figure("stock") == "630"
    assert figure("cover") == "21.0"  # 630 / (90 / 3)
    assert "¥89.00" in page and "¥63.00" in page  # at 0.10 a point
    assert zh("The stock on hand covers every point residents hold today.") not in page
    assert "260" in page and "¥26.00" in page  # 890 − 630 short
    rows = page[page.index("<tbody>", page.index("bars")) :]
    assert rows.count("<tr>") == 12
    assert f'<td>{mid_month(2):%Y-%m}</td><td class="num">1000</td>' in rows
    assert f'<td>{mid_month(1):%Y-%m}</td><td class="num">0</td><td class="num">90</td>' in rows


def test_the_liability_says_when_nothing_was_redeemed_yet(shop: Shop, staff: Client) -> None:
    page = staff.get("/console/shop/liability/").content.decode()
    assert zh("no redemptions yet") in page
    assert zh("The stock on hand covers every point residents hold today.") in page


def test_liability_shows_only_the_communities_one_runs(shop: Shop, other_staff: Client) -> None:
    # Another community's code is refused, not answered with one's own community's figures.
    page = other_staff.get(f"/console/shop/liability/?community={shop.world.wenchang.code}")
    assert page.status_code == 403
    assert shop.world.wenchang.code in page.content.decode()
    page = other_staff.get("/console/shop/liability/")
    assert shop.world.wanmei.name in page.content.decode()
    assert shop.world.wenchang.name not in page.content.decode()
    admin = client_for(shop.world.town_admin).get(
        f"/console/shop/liability/?community={shop.world.jinyue.code}"
    )
    assert f'<option value="{shop.world.jinyue.code}" selected>' in admin.content.decode()


def test_staff_set_the_redemption_window(shop: Shop, staff: Client) -> None:
    response = staff.post(
        "/console/shop/window/",
        {
            "community": shop.world.wenchang.code,
            "redemption_months": "1， 4,7,10",
            "redemption_first_day": 1,
            "redemption_last_day": 7,
            "order_expiry_days": 14,
            "point_value": "0.25",
        },
    )
    assert response.status_code == 302
    policy = CommunityPolicy.objects.get(region=shop.world.wenchang)
    assert policy.redemption_months == "1,4,7,10"
    assert (policy.redemption_first_day, policy.redemption_last_day) == (1, 7)
    assert (policy.order_expiry_days, policy.point_value_fen) == (14, 25)
    assert AuditEvent.objects.filter(action="rules.policy.change").count() == 1
    page = staff.get("/console/shop/window/").content.decode()
    assert 'value="0.25"' in page
    state = selectors.window_state(shop.world.wenchang)
    if state.open_now:
        assert zh("Redeeming is open today.") in page
    else:
        assert state.next_opening is not None and state.next_opening.day == 1
        assert f"{state.next_opening:%Y-%m-%d}" in page


@pytest.mark.parametrize(
    "change",
    [
        {"redemption_months": "13"},
        {"redemption_first_day": 10, "redemption_last_day": 3},
        {"order_expiry_days": 0},
    ],
)
def test_a_wrong_window_is_refused_and_nothing_saved(
    shop: Shop, staff: Client, change: dict[str, object]
) -> None:
    data = {"redemption_months": "", "order_expiry_days": 30, "point_value": "0.10", **change}
    before = snapshot()
    response = staff.post("/console/shop/window/", data)
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not CommunityPolicy.objects.filter(region=shop.world.wenchang).exists()
    assert snapshot() == before


# --- Merchants' settlement -----------------------------------------------------------------


@pytest.fixture
def taken_last_month(shop: Shop, volunteer: Person) -> list[Redemption]:
    """Two haircuts taken at the merchant last month (moved there after the fact)."""
    orders = [
        services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(volunteer)),
        services.take_points(
            actor=shop.operator, item=shop.haircut, presence=carded(volunteer), quantity=2
        ),
    ]
    for n, placed in enumerate(orders):
        when = mid_month(1) + timedelta(hours=n)
        move(placed, created_at=when, fulfilled_at=when)
    return orders


def test_staff_see_each_merchants_month(
    shop: Shop, staff: Client, taken_last_month: list[Redemption]
) -> None:
    page = staff.get("/console/shop/merchants/").content.decode()  # last month by default
    row = page[page.index(f'data-merchant="{shop.merchant.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "爱心理发店" in row and ">2<" in row and ">60<" in row and "¥6.00" in row
    assert f'action="/console/shop/merchants/{shop.merchant.pk}/{last_month()}/settle/"' in row


def test_the_settlement_excel_has_every_order_and_the_totals(
    shop: Shop, staff: Client, taken_last_month: list[Redemption]
) -> None:
    month = last_month()
    response = staff.get(f"/console/shop/merchants/{shop.merchant.pk}/{month}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet.title == zh("Settlement %(month)s") % {"month": month}
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[1][:2] == [zh("Merchant"), "爱心理发店"]
    header = rows.index(
        [
            zh("Handed over at"),
            zh("Pickup code"),
            zh_shop("Item"),
            zh_shop("Quantity"),
            zh("Points"),
            zh("Volunteer number"),
            zh("Name (masked)"),
            zh("Community"),
        ]
    )
    first, second = taken_last_month
    resident = shop.world.resident
    assert rows[header + 1] == [
        timezone.localtime(first.fulfilled_at).strftime("%Y-%m-%d %H:%M"),
        first.code,
        "义剪一次",
        1,
        20,
        resident.volunteer_no,
        mask_name(resident.name),
        "文昌社区",
    ]
    assert rows[header + 2][1:5] == [second.code, "义剪一次", 2, 40]
    total = next(row for row in rows if row[0] == zh("Total"))
    assert total[3:5] == [3, 60]
    assert resident.name not in str(rows)  # names masked


def test_staff_settle_a_merchants_month_once(
    shop: Shop, staff: Client, taken_last_month: list[Redemption]
) -> None:
    month = last_month()
    assert balance(shop.merchant) == 60
    url = f"/console/shop/merchants/{shop.merchant.pk}/{month}/settle/"
    response = staff.post(url)
    assert response["Location"] == f"/console/shop/merchants/?month={month}"
    settled = MerchantSettlement.objects.get()
    assert (settled.month, settled.orders, settled.points) == (month, 2, 60)
    assert settled.settled_by == shop.world.staff
    assert balance(shop.merchant) == 0
    before = snapshot()
    again = staff.post(url, follow=True)
    assert zh("This month is already settled.") in again.content.decode()
    assert snapshot() == before
    page = staff.get(f"/console/shop/merchants/?month={month}").content.decode()
    assert f"{month} (60)" in page


def test_this_month_cannot_be_settled_yet(shop: Shop, staff: Client, volunteer: Person) -> None:
    services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(volunteer))
    month = f"{timezone.localdate():%Y-%m}"
    before = snapshot()
    response = staff.post(
        f"/console/shop/merchants/{shop.merchant.pk}/{month}/settle/", follow=True
    )
    assert zh("A month is settled once it has ended.") in response.content.decode()
    assert snapshot() == before


def test_staff_of_another_community_cannot_settle_or_read_the_report(
    shop: Shop, other_staff: Client, taken_last_month: list[Redemption]
) -> None:
    month = last_month()
    before = snapshot()
    base = f"/console/shop/merchants/{shop.merchant.pk}/{month}"
    assert other_staff.get(f"{base}.xlsx").status_code == 404
    assert other_staff.post(f"{base}/settle/").status_code == 404
    assert "爱心理发店" not in other_staff.get("/console/shop/merchants/").content.decode()
    assert snapshot() == before


def test_a_bad_month_in_the_report_url_is_refused(shop: Shop, staff: Client) -> None:
    assert staff.get(f"/console/shop/merchants/{shop.merchant.pk}/2026-3.xlsx").status_code == 400


def test_a_merchant_without_orders_has_nothing_to_settle(shop: Shop, staff: Client) -> None:
    Merchant.objects.create(region=shop.world.wenchang, name="江滨便民超市")
    page = staff.get(f"/console/shop/merchants/?month={last_month()}").content.decode()
    assert "江滨便民超市" in page
    assert zh("nothing to settle") in page
