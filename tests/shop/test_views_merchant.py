"""A partner merchant's pages through Django's test client: only its operators open them;
they take points by a resident's card, hand over an order by its QR code, publish their
own offers, and read their month with its Excel report.

爱心理发店 (shop.merchant, in 文昌) is operated by ``shop.operator``; a second merchant in
湾美 by somebody else shows that an operator reaches only their own merchant.
"""

from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from openpyxl import load_workbook

from jifen.activities.cards import card_code
from jifen.audit.models import AuditEvent
from jifen.lib.masking import mask_name
from jifen.people.models import Merchant, Person
from jifen.shop import services
from jifen.shop.models import Item, Redemption
from jifen.shop.models import Status as OrderStatus
from tests.conftest import make_person
from tests.shop.fixtures import Shop, balance, carded, snapshot, terms


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def operator(shop: Shop) -> Client:
    return client_for(shop.operator)


@pytest.fixture
def other_merchant(shop: Shop) -> Merchant:
    """湾美's 便民早餐店, operated by somebody else."""
    merchant = Merchant.objects.create(region=shop.world.wanmei, name="便民早餐店")
    merchant.operators.add(make_person(shop.world.wanmei, "郭早餐"))
    return merchant


def take_url(shop: Shop) -> str:
    return f"/merchant/{shop.merchant.pk}/take/"


# --- Who may open the merchant pages ---------------------------------------------------------


def test_the_operator_sees_their_merchants(shop: Shop, operator: Client) -> None:
    page = operator.get("/merchant/").content.decode()
    assert "爱心理发店" in page
    assert f'href="/merchant/{shop.merchant.pk}/take/"' in page


def test_somebody_who_operates_no_merchant_is_turned_away(shop: Shop) -> None:
    assert client_for(shop.world.resident).get("/merchant/").status_code == 403
    assert client_for(shop.world.resident).get(take_url(shop)).status_code == 404
    # Staff run the community's shop, not the merchant's till.
    assert client_for(shop.world.staff).get(take_url(shop)).status_code == 404
    assert Client().get("/merchant/").status_code == 302  # to the login


def test_an_operator_reaches_only_their_own_merchant(
    shop: Shop, operator: Client, other_merchant: Merchant
) -> None:
    offer = services.create_item(
        actor=other_merchant.operators.get(),
        merchant=other_merchant,
        terms=terms(name="早餐券", points=15, stock=10, kind="voucher"),
    )
    base = f"/merchant/{other_merchant.pk}"
    before = snapshot()
    for url in (
        f"{base}/take/",
        f"{base}/offers/",
        f"{base}/offers/new/",
        f"{base}/offers/{offer.pk}/",
        f"{base}/orders/",
        f"{base}/2026-01.xlsx",
    ):
        assert operator.get(url).status_code == 404, url
    assert operator.post(f"{base}/offers/{offer.pk}/", {"action": "off"}).status_code == 404
    # Nor another merchant's offer through their own merchant's address.
    mine = f"/merchant/{shop.merchant.pk}/offers/{offer.pk}/"
    assert operator.post(mine, {"action": "off"}).status_code == 404
    assert "便民早餐店" not in operator.get("/merchant/").content.decode()
    assert snapshot() == before


def test_an_inactive_merchant_is_closed_to_its_operator(shop: Shop, operator: Client) -> None:
    Merchant.objects.filter(pk=shop.merchant.pk).update(is_active=False)
    assert operator.get(take_url(shop)).status_code == 404


# --- Taking points by a resident's card -------------------------------------------------------


def test_the_operator_takes_points_for_an_offer_by_the_card(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    card = card_code(volunteer)
    chosen = operator.post(take_url(shop), {"step": "scan", "code": card})
    page = chosen.content.decode()
    assert chosen.status_code == 200
    assert mask_name(volunteer.name) in page and volunteer.volunteer_no in page
    assert volunteer.name not in page  # a merchant sees the masked name
    assert "义剪一次" in page and "大米 5kg" not in page  # only the merchant's offers
    response = operator.post(
        take_url(shop),
        {"step": "take", "card": card, "item": shop.haircut.pk, "quantity": 2},
    )
    order = Redemption.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{take_url(shop)}?done={order.pk}"
    assert order.status == OrderStatus.FULFILLED
    assert order.person == volunteer and order.merchant == shop.merchant
    assert order.placed_by == shop.operator == order.fulfilled_by
    assert (order.quantity, order.points) == (2, 40)
    assert balance(volunteer) == 960 and balance(shop.merchant) == 40
    assert Item.objects.get(pk=shop.haircut.pk).stock == 48
    done = operator.get(response["Location"]).content.decode()
    assert 'data-step="done"' in done and ">40<" in done and order.code in done


def test_reloading_the_done_page_takes_nothing_more(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    card = card_code(volunteer)
    response = operator.post(
        take_url(shop), {"step": "take", "card": card, "item": shop.haircut.pk, "quantity": 1}
    )
    before = snapshot()
    operator.get(response["Location"])
    operator.get(response["Location"])
    assert snapshot() == before


@pytest.mark.parametrize(
    ("quantity", "funds", "message"),
    [
        (1, False, ("Not enough points: this needs %(amount)s points.", {"amount": 20})),
        (
            51,
            True,
            ("%(item)s is out of stock (%(stock)s left).", {"item": "义剪一次", "stock": 50}),
        ),
    ],
)
def test_a_refused_take_writes_nothing(
    shop: Shop,
    operator: Client,
    quantity: int,
    funds: bool,
    message: tuple[str, dict[str, object]],
) -> None:
    resident = shop.world.resident
    if funds:
        shop.fund(resident, 5000)
    before = snapshot()
    response = operator.post(
        take_url(shop),
        {
            "step": "take",
            "card": card_code(resident),
            "item": shop.haircut.pk,
            "quantity": quantity,
        },
    )
    assert response.status_code == 200
    text, params = message
    assert escape(zh(text) % params) in response.content.decode()
    assert snapshot() == before


def test_a_quantity_over_the_limit_is_refused_by_the_form(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    before = snapshot()
    response = operator.post(
        take_url(shop),
        {"step": "take", "card": card_code(volunteer), "item": shop.haircut.pk, "quantity": 0},
    )
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    assert snapshot() == before


def _forged(code: str) -> str:
    """The card's code with its last character changed (to another one, always)."""
    return code[:-1] + ("1" if code[-1] == "0" else "0")


def test_a_made_up_card_or_one_of_another_community_is_refused(
    shop: Shop, operator: Client
) -> None:
    before = snapshot()
    forged = _forged(card_code(shop.world.resident))
    page = operator.post(take_url(shop), {"step": "scan", "code": forged}).content.decode()
    assert zh("This is not a volunteer card of this platform.") in page
    stranger = card_code(shop.world.stranger)
    page = operator.post(take_url(shop), {"step": "scan", "code": stranger}).content.decode()
    assert shop.world.stranger.name not in page
    assert 'data-step="scan"' in page
    sneaked = operator.post(
        take_url(shop),
        {"step": "take", "card": stranger, "item": shop.haircut.pk, "quantity": 1},
    )
    assert 'data-step="scan"' in sneaked.content.decode()
    assert snapshot() == before


def test_another_merchants_offer_cannot_be_taken_here(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    before = snapshot()
    response = operator.post(
        take_url(shop),
        {"step": "take", "card": card_code(volunteer), "item": shop.rice.pk, "quantity": 1},
    )
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    assert snapshot() == before


# --- Handing over an order by its QR code -------------------------------------------------


def test_the_operator_hands_over_an_order_by_its_qr_code(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    placed = services.redeem(actor=volunteer, item=shop.haircut, quantity=1)
    shown = operator.post(take_url(shop), {"step": "scan", "code": f"JFO:{placed.code}"})
    page = shown.content.decode()
    assert 'data-step="order"' in page and placed.code in page
    assert mask_name(volunteer.name) in page
    response = operator.post(take_url(shop), {"step": "fulfil", "code": placed.code})
    assert response["Location"] == f"{take_url(shop)}?done={placed.pk}"
    placed.refresh_from_db()
    assert placed.status == OrderStatus.FULFILLED and placed.fulfilled_by == shop.operator
    before = snapshot()
    again = operator.post(take_url(shop), {"step": "fulfil", "code": placed.code})
    assert zh("This order was handed over on %(when)s.").split("%")[0] in again.content.decode()
    assert snapshot() == before


def test_a_supermarket_order_is_not_handed_over_at_a_merchant(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    placed = services.redeem(actor=volunteer, item=shop.rice, quantity=1)
    before = snapshot()
    page = operator.post(take_url(shop), {"step": "scan", "code": placed.code}).content.decode()
    assert zh("No order has this pickup code here.") in page
    page = operator.post(take_url(shop), {"step": "fulfil", "code": placed.code}).content.decode()
    assert zh("No order has this pickup code here.") in page
    assert snapshot() == before


# --- Offers ----------------------------------------------------------------------------------


def test_the_operator_publishes_an_offer(shop: Shop, operator: Client) -> None:
    response = operator.post(
        f"/merchant/{shop.merchant.pk}/offers/new/",
        {
            "name": "100积分兑换8折餐券",
            "kind": "voucher",
            "points": 100,
            "stock": 30,
            "per_person_limit": 1,
            "limit_period": "month",
        },
    )
    assert response["Location"] == f"/merchant/{shop.merchant.pk}/offers/"
    offer = Item.objects.get(name="100积分兑换8折餐券")
    assert offer.merchant == shop.merchant and offer.region == shop.world.wenchang
    assert (offer.points, offer.stock, offer.per_person_limit) == (100, 30, 1)
    page = operator.get(f"/merchant/{shop.merchant.pk}/offers/").content.decode()
    assert "100积分兑换8折餐券" in page and "义剪一次" in page


def test_a_wrong_offer_is_refused_and_nothing_written(shop: Shop, operator: Client) -> None:
    before = snapshot()
    response = operator.post(
        f"/merchant/{shop.merchant.pk}/offers/new/",
        {"name": "", "kind": "voucher", "points": 0, "stock": 1, "limit_period": "month"},
    )
    assert response.status_code == 200 and 'class="error"' in response.content.decode()
    assert snapshot() == before


def test_the_operator_edits_restocks_and_takes_an_offer_off(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    url = f"/merchant/{shop.merchant.pk}/offers/{shop.haircut.pk}/"
    services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(volunteer))
    operator.post(
        url,
        {
            "action": "save",
            "name": "义剪一次（老人）",
            "kind": "service",
            "points": 15,
            "limit_period": "month",
        },
    )
    haircut = Item.objects.get(pk=shop.haircut.pk)
    assert (haircut.name, haircut.points, haircut.stock) == ("义剪一次（老人）", 15, 49)
    operator.post(url, {"action": "restock", "change": 10, "note": "新到"})
    assert Item.objects.get(pk=shop.haircut.pk).stock == 59
    before = snapshot()
    refused = operator.post(url, {"action": "restock", "change": -5})  # no note
    assert 'class="error"' in refused.content.decode()
    assert snapshot() == before
    operator.post(url, {"action": "off"})
    assert not Item.objects.get(pk=shop.haircut.pk).is_active
    chosen = operator.post(take_url(shop), {"step": "scan", "code": card_code(volunteer)})
    assert "义剪一次" not in chosen.content.decode()  # off: not offered at the till
    operator.post(url, {"action": "on"})
    assert Item.objects.get(pk=shop.haircut.pk).is_active
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"shop.item.update", "shop.item.restock", "shop.item.deactivate"} <= actions


# --- The month's orders and report -----------------------------------------------------------


def test_the_months_orders_and_the_excel_report(
    shop: Shop, operator: Client, volunteer: Person
) -> None:
    taken = [
        services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(volunteer)),
        services.take_points(
            actor=shop.operator, item=shop.haircut, presence=carded(volunteer), quantity=3
        ),
    ]
    month = f"{timezone.localdate():%Y-%m}"
    page = operator.get(f"/merchant/{shop.merchant.pk}/orders/").content.decode()
    assert ">2<" in page and ">80<" in page  # two orders, 80 points
    assert mask_name(volunteer.name) in page and volunteer.name not in page
    assert page.index("× 3") < page.index("× 1")  # newest first
    assert f"/merchant/{shop.merchant.pk}/{month}.xlsx" in page
    earlier = operator.get(f"/merchant/{shop.merchant.pk}/orders/?month=2020-01").content
    assert zh("No orders handed over this month.") in earlier.decode()

    response = operator.get(f"/merchant/{shop.merchant.pk}/{month}.xlsx")
    assert response.status_code == 200
    rows = [list(row) for row in load_workbook(BytesIO(response.content)).active.values]
    codes = [row[1] for row in rows]
    assert codes.index(taken[0].code) < codes.index(taken[1].code)  # oldest first
    total = next(row for row in rows if row[0] == zh("Total"))
    assert total[3:5] == [4, 80]
    assert volunteer.name not in str(rows) and mask_name(volunteer.name) in str(rows)


def test_an_operator_without_the_merchant_role_finds_the_counter_from_home(
    shop: Shop, other_merchant: Merchant
) -> None:
    operator = other_merchant.operators.get()  # 郭早餐: no role at all
    home = client_for(operator).get("/").content.decode()
    assert "/merchant/" in home and "便民早餐店" in home
    assert "/merchant/" not in client_for(shop.world.stranger).get("/").content.decode()
