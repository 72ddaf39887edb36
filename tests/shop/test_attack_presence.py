"""A hostile insider against proof of presence (issue 12, §3), through the real surfaces.

Each test is an attack that got through once: a merchant's operator who also holds a
staff role took points for its own offer by naming the resident; an operator handed
over (and so kept, and got paid for) a resident's order without the resident or their
pickup code — the order could no longer be cancelled nor expire with a refund.
"""

import pytest
from django.test import Client

from jifen.people.models import Role
from jifen.people.services import grant_role
from jifen.shop import services
from jifen.shop.models import Redemption
from jifen.shop.models import Status as OrderStatus
from tests.api.conftest import assert_error
from tests.conftest import make_person
from tests.shop.conftest import FUNDS, balance, snapshot

pytestmark = pytest.mark.usefixtures("verified")


def client_for(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def staff_operator(shop):
    """文昌's staff member who also runs the counter of the merchant 爱心理发店."""
    shop.merchant.operators.add(shop.world.staff)
    return shop.world.staff


@pytest.fixture
def reserved(shop, volunteer) -> Redemption:
    """The resident's own order of the merchant's haircut, placed on their phone and
    waiting to be picked up."""
    return services.redeem(actor=volunteer, item=shop.haircut, quantity=1)


# --- An operator who is also staff names the resident for its own offer -----------------------


def test_staff_who_operate_the_merchant_cannot_take_by_id_for_its_offer(
    shop, api, volunteer, staff_operator
) -> None:
    before = snapshot()
    response = api(staff_operator).post(
        "/shop/redemptions",
        {"item": shop.haircut.pk, "quantity": 1, "person": volunteer.pk, "hand_over": True},
    )
    assert_error(response, 403, "presence_required")
    assert snapshot() == before
    assert balance(volunteer) == FUNDS


def test_staff_who_operate_the_merchant_still_act_by_id_for_the_community_shop(
    shop, api, volunteer, staff_operator
) -> None:
    response = api(staff_operator).post(
        "/shop/redemptions", {"item": shop.rice.pk, "quantity": 1, "person": volunteer.pk}
    )
    assert response.status_code == 201, response.content


def test_staff_who_operate_the_merchant_cannot_take_by_id_at_the_console_counter(
    shop, volunteer, staff_operator
) -> None:
    before = snapshot()
    response = client_for(staff_operator).post(
        f"/console/shop/redeem/?person={volunteer.pk}",
        {"person": volunteer.pk, "item": shop.haircut.pk, "quantity": 1},
    )
    assert response.status_code in (200, 403)
    assert snapshot() == before


# --- An operator hands over an order the resident did not show ---------------------------------


def test_an_operator_does_not_hand_over_an_order_by_its_id_on_the_api(
    shop, api, volunteer, reserved
) -> None:
    before = snapshot()
    response = api(shop.operator).post(f"/shop/redemptions/{reserved.pk}/fulfil")
    assert_error(response, 403, "pickup_code_required")
    assert snapshot() == before
    # The holder may still change their mind, and gets the points back.
    services.cancel(actor=volunteer, order=reserved)
    assert balance(volunteer) == FUNDS


def test_an_operator_does_not_hand_over_an_order_by_its_id_on_the_take_page(shop, reserved) -> None:
    before = snapshot()
    response = client_for(shop.operator).post(
        f"/merchant/{shop.merchant.pk}/take/", {"step": "fulfil", "order": reserved.pk}
    )
    assert response.status_code in (200, 403)
    assert snapshot() == before
    assert Redemption.objects.get(pk=reserved.pk).status == OrderStatus.RESERVED


def test_an_operator_does_not_read_the_pickup_codes_of_waiting_orders(shop, api, reserved) -> None:
    for response in (
        api(shop.operator).get("/shop/redemptions?scope=counter"),
        api(shop.operator).get(f"/shop/redemptions/{reserved.pk}"),
    ):
        assert response.status_code == 200, response.content
        assert reserved.code not in response.content.decode()


def test_an_operator_hands_over_with_the_pickup_code_the_resident_shows(
    shop, api, reserved
) -> None:
    response = api(shop.operator).post("/shop/pickups", {"code": reserved.code})
    assert response.status_code == 200, response.content
    assert Redemption.objects.get(pk=reserved.pk).status == OrderStatus.FULFILLED


def test_the_take_page_hands_over_after_the_pickup_code_is_typed(shop, reserved) -> None:
    operator = client_for(shop.operator)
    url = f"/merchant/{shop.merchant.pk}/take/"
    page = operator.post(url, {"step": "scan", "code": reserved.code}).content.decode()
    assert 'data-step="order"' in page
    response = operator.post(url, {"step": "fulfil", "code": reserved.code})
    assert response.status_code == 302, response.content
    assert Redemption.objects.get(pk=reserved.pk).status == OrderStatus.FULFILLED


def test_staff_still_hand_over_by_id_at_the_counter(shop, api, reserved) -> None:
    response = api(shop.world.staff).post(f"/shop/redemptions/{reserved.pk}/fulfil")
    assert response.status_code == 200, response.content


def test_a_take_page_post_with_a_malformed_order_is_not_a_server_error(shop) -> None:
    response = client_for(shop.operator).post(
        f"/merchant/{shop.merchant.pk}/take/", {"step": "fulfil", "order": "12abc"}
    )
    assert response.status_code < 500


def test_a_merchants_operator_from_a_new_account_with_staff_elsewhere_cannot_approve(
    shop, api
) -> None:
    """An operator who is staff of another community cannot approve the offer either."""
    grant_role(actor=None, person=shop.operator, role=Role.STAFF, region=shop.world.wanmei)
    offer = services.create_item(
        actor=shop.operator,
        merchant=shop.merchant,
        terms=services.ItemTerms(name="洗头", points=5, stock=5),
    )
    response = api(shop.operator).post(f"/shop/items/{offer.pk}/approve")
    assert response.status_code == 403, response.content
    assert make_person  # (imported for siblings)


# --- The done page of the counter shows a waiting order's pickup code -----------------------


def test_the_counters_done_page_shows_only_an_order_handed_over(shop, reserved) -> None:
    """``?done=<id>`` stepped through the merchant's orders used to print each waiting
    order's pickup code, which then handed it over with nobody at the counter."""
    page = client_for(shop.operator).get(
        f"/merchant/{shop.merchant.pk}/take/", {"done": reserved.pk}
    )
    assert page.status_code == 200
    assert reserved.code not in page.content.decode()
    services.fulfil(actor=shop.world.staff, order=reserved)
    page = client_for(shop.operator).get(
        f"/merchant/{shop.merchant.pk}/take/", {"done": reserved.pk}
    )
    assert reserved.code in page.content.decode()


# --- A new picture of an approved offer --------------------------------------------------------


def test_a_merchants_new_picture_goes_back_to_staff(shop) -> None:
    from tests.shop.test_views_resident import png

    assert shop.haircut.approved_at is not None
    services.set_item_image(actor=shop.operator, item=shop.haircut, upload=png())
    shop.haircut.refresh_from_db()
    assert shop.haircut.approved_at is None  # off the list until staff look at it
    services.approve_item(actor=shop.world.staff, item=shop.haircut)
    services.set_item_image(actor=shop.world.staff, item=shop.haircut, upload=png())
    shop.haircut.refresh_from_db()
    assert shop.haircut.approved_at is not None  # staff's own picture needs nobody else
