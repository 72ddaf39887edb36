"""Proof of presence on the pages (issue 12, §3): a resident shows a pay code (付款码) on
their phone, refreshed before it runs out; the merchant types it — or the code printed
under the card's QR — on /merchant/<id>/take/ and takes the points; a typed volunteer
number is refused with what to type instead. Staff approve a merchant's new offer from
the console, and the merchant sees it waiting until then."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from jifen.activities.cards import typed_code
from jifen.people.models import Person
from jifen.shop import presence, services
from jifen.shop.models import Item, PayCode, Redemption
from jifen.shop.models import Status as OrderStatus
from tests.shop.fixtures import Shop, balance, snapshot, terms


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def take_url(shop: Shop) -> str:
    return f"/merchant/{shop.merchant.pk}/take/"


def shown_code(page: str) -> str:
    found = re.search(r'data-paycode="(\d{16})"', page)
    assert found, page
    return found.group(1)


def test_a_resident_opens_their_pay_code_big_with_a_qr_and_a_countdown(shop: Shop) -> None:
    client = client_for(shop.world.resident)
    page = client.get("/shop/paycode/").content.decode()
    code = shown_code(page)
    assert "<svg" in page and "data-expires" in page
    assert PayCode.objects.filter(person=shop.world.resident).count() == 1
    fresh = client.get("/shop/paycode/fresh/", HTTP_HX_REQUEST="true").content.decode()
    assert shown_code(fresh) != code
    assert PayCode.objects.filter(person=shop.world.resident).count() == 1
    assert Client().get("/shop/paycode/").status_code == 302  # log in first


def _take(client: Client, shop: Shop, code: str) -> str:
    response = client.post(take_url(shop), {"step": "scan", "code": code})
    assert response.status_code == 200
    return response.content.decode()


def test_the_merchant_types_the_pay_code_and_takes_the_points(shop: Shop, volunteer) -> None:
    code, _expires = presence.issue_paycode(person=volunteer)
    operator = client_for(shop.operator)
    page = _take(operator, shop, f"{code[:4]} {code[4:8]} {code[8:12]} {code[12:]}")
    assert 'data-step="choose"' in page and "义剪一次" in page
    response = operator.post(
        take_url(shop), {"step": "take", "paycode": code, "item": shop.haircut.pk, "quantity": 1}
    )
    assert response.status_code == 302, response.content.decode()
    order = Redemption.objects.get()
    assert (order.person, order.status) == (volunteer, OrderStatus.FULFILLED)
    assert balance(volunteer) == 980
    # The same code again: used.
    before = snapshot()
    again = operator.post(
        take_url(shop), {"step": "take", "paycode": code, "item": shop.haircut.pk, "quantity": 1}
    )
    assert 'role="alert"' in again.content.decode()
    assert snapshot() == before


def test_the_merchant_types_the_cards_printed_code(shop: Shop, volunteer) -> None:
    operator = client_for(shop.operator)
    page = _take(operator, shop, typed_code(volunteer))
    assert 'data-step="choose"' in page
    response = operator.post(
        take_url(shop),
        {"step": "take", "card": typed_code(volunteer), "item": shop.haircut.pk, "quantity": 1},
    )
    assert response.status_code == 302
    assert balance(volunteer) == 980


def test_a_typed_volunteer_number_is_refused_saying_what_to_type(shop: Shop, volunteer) -> None:
    operator = client_for(shop.operator)
    before = snapshot()
    page = _take(operator, shop, volunteer.volunteer_no)
    assert 'data-step="scan"' in page and 'class="error"' in page
    assert "16" in page and "8" in page  # the pay code's digits, the card's characters
    assert snapshot() == before


def test_the_take_page_cannot_be_fed_a_person_id(shop: Shop, volunteer) -> None:
    """The last step names the resident only by the proof, never by id."""
    operator = client_for(shop.operator)
    before = snapshot()
    response = operator.post(
        take_url(shop),
        {"step": "take", "person": volunteer.pk, "item": shop.haircut.pk, "quantity": 1},
    )
    assert response.status_code == 200
    assert snapshot() == before


def test_staff_approve_a_merchants_offer_from_the_console(shop: Shop) -> None:
    offer = services.create_item(
        actor=shop.operator,
        merchant=shop.merchant,
        terms=terms(name="8折餐券", points=100, stock=10, kind="voucher"),
    )
    mine = client_for(shop.operator).get(f"/merchant/{shop.merchant.pk}/offers/")
    assert 'data-approval="pending"' in mine.content.decode()
    staff = client_for(shop.world.staff)
    listed = staff.get("/console/shop/items/?show=pending").content.decode()
    assert "8折餐券" in listed and "大米 5kg" not in listed
    # Staff of another community neither see nor approve it.
    other = client_for(shop.world.other_staff)
    assert "8折餐券" not in other.get("/console/shop/items/?show=pending").content.decode()
    assert other.post(f"/console/shop/items/{offer.pk}/approve/").status_code == 404
    response = staff.post(f"/console/shop/items/{offer.pk}/approve/", {"next": "list"})
    assert response.status_code == 302
    offer = Item.objects.get(pk=offer.pk)
    assert offer.approved_by == shop.world.staff and offer.approved_at <= timezone.now()
    assert "8折餐券" in Client().get("/shop/?community=350524100001").content.decode()


def test_the_console_approves_only_the_terms_it_showed(shop: Shop) -> None:
    offer = services.create_item(
        actor=shop.operator, merchant=shop.merchant, terms=terms(name="8折餐券", points=100)
    )
    staff = client_for(shop.world.staff)
    page = staff.get("/console/shop/items/?show=pending").content.decode()
    assert f'name="seen" value="{offer.terms}"' in page
    seen = offer.terms
    services.update_item(actor=shop.operator, item=offer, terms=terms(name="8折餐券", points=900))
    response = staff.post(f"/console/shop/items/{offer.pk}/approve/", {"seen": seen}, follow=True)
    assert response.status_code == 200
    assert Item.objects.get(pk=offer.pk).approved_at is None
    assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.mark.parametrize("who", ["operator", "resident"])
def test_only_staff_approve(shop: Shop, who: str) -> None:
    offer = services.create_item(actor=shop.operator, merchant=shop.merchant, terms=terms())
    person = shop.operator if who == "operator" else shop.world.resident
    response = client_for(person).post(f"/console/shop/items/{offer.pk}/approve/")
    assert response.status_code in (403, 404)
    assert Item.objects.get(pk=offer.pk).approved_at is None
