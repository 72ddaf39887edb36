"""Attacks of a hostile insider that held (issue 12, §2, §3, §6), kept as tests so they
keep holding: a password someone else set is not bypassed by htmx, an exempt path or a
new login; pages answer 404, 403 and PDFs with the Content-Security-Policy; a proxy's
pay code is their own; an unapproved offer sells on no path."""

import pytest
from django.test import Client

from jifen.people import services
from jifen.people.models import Proxy
from jifen.shop import presence
from jifen.shop import services as shop_services
from jifen.shop.models import Item
from tests.api.conftest import ApiClient
from tests.conftest import PASSWORD


@pytest.fixture
def reset_resident(world):
    services.set_password_by_staff(
        actor=world.staff, person=world.resident, new_password="Given-by-staff-9"
    )
    return world.resident


def _logged_in(phone: str, password: str) -> Client:
    client = Client()
    response = client.post("/login/", {"phone": phone, "password": password})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/console/", {}),
        ("/shop/paycode/", {}),
        ("/shop/paycode/fresh/", {"HTTP_HX_REQUEST": "true"}),
        ("/me/card.pdf", {}),
        ("/api/v1/me", {}),  # a session is no login on the API
    ],
)
def test_a_reset_password_is_changed_before_anything_else(reset_resident, path, headers) -> None:
    client = _logged_in(reset_resident.phone, "Given-by-staff-9")
    response = client.get(path, **headers)
    if path.startswith("/api/"):
        assert response.status_code == 401
    elif headers:
        assert response.status_code == 200 and response["HX-Redirect"].startswith("/password/")
    else:
        assert response.status_code == 302 and response["Location"].startswith("/password/")
    client.post("/logout/")
    again = _logged_in(reset_resident.phone, "Given-by-staff-9")
    assert again.get("/shop/orders/")["Location"].startswith("/password/")


def test_a_reset_password_answers_403_on_the_api_but_for_me(reset_resident) -> None:
    token = (
        Client()
        .post(
            "/api/v1/auth/token",
            {"phone": reset_resident.phone, "password": "Given-by-staff-9"},
            content_type="application/json",
        )
        .json()["token"]
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/v1/me/paycode", headers=headers).status_code == 403
    assert Client().get("/api/v1/me/", headers=headers).status_code in (403, 404)
    assert Client().get("/api/v1/me", headers=headers).status_code == 200


def test_staff_take_over_no_role_holder_by_password_details_or_proxy(world) -> None:
    for person in (world.reviewer, world.merchant, world.town_admin):
        r = ApiClient(world.staff).post(
            f"/people/{person.pk}/password", {"new_password": "Taken-over-77"}
        )
        assert r.status_code in (403, 404), r.content
    client = Client()
    client.force_login(world.staff)
    r = client.post(
        f"/console/people/{world.reviewer.pk}/edit/",
        {"name": world.reviewer.name, "email": "staff@evil.example", "household_label": "x"},
    )
    assert r.status_code == 403
    r = client.post(
        f"/console/people/{world.reviewer.pk}/proxies/",
        {"agent": world.staff.volunteer_no, "relation": "女儿"},
    )
    assert r.status_code == 403
    world.reviewer.refresh_from_db()
    assert world.reviewer.email == "" and world.reviewer.check_password(PASSWORD)
    assert not Proxy.objects.filter(principal=world.reviewer).exists()


@pytest.mark.parametrize("path", ["/no-such-page/", "/api/v1/no-such", "/console/", "/me/card.pdf"])
def test_errors_and_pdfs_carry_the_policy(world, path) -> None:
    client = Client()
    client.force_login(world.resident)
    response = client.get(path)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_proxy_gets_only_their_own_pay_code(world) -> None:
    daughter = world.neighbour
    Proxy.objects.create(
        principal=world.resident,
        agent=daughter,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    code = ApiClient(daughter).get(f"/me/paycode?person={world.resident.pk}").json()["code"]
    shown = presence.identify(actor=world.staff, paycode=code)
    assert shown.person == daughter


def test_an_unapproved_offer_sells_on_no_path(world) -> None:
    from jifen.people.models import Merchant
    from jifen.points import services as points

    merchant = Merchant.objects.create(region=world.wenchang, name="爱心饭店")
    merchant.operators.add(world.merchant)
    offer = shop_services.create_item(
        actor=world.merchant,
        merchant=merchant,
        terms=shop_services.ItemTerms(name="餐券", points=5, stock=5),
    )
    assert offer.approved_at is None
    points.award_points(person=world.resident, amount=100, key="held:1", actor=None)
    Proxy.objects.create(
        principal=world.resident,
        agent=world.neighbour,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    code, _expires = presence.issue_paycode(person=world.resident)
    attempts = [
        ApiClient(world.resident).post("/shop/redemptions", {"item": offer.pk}),
        ApiClient(world.neighbour).post(
            "/shop/redemptions", {"item": offer.pk, "person": world.resident.pk}
        ),
        ApiClient(world.staff).post(
            "/shop/redemptions", {"item": offer.pk, "person": world.resident.pk, "hand_over": True}
        ),
        ApiClient(world.merchant).post(
            "/shop/redemptions", {"item": offer.pk, "paycode": code, "hand_over": True}
        ),
    ]
    for response in attempts:
        assert response.status_code in (404, 409), response.content
    client = Client()
    client.force_login(world.resident)
    assert client.post(f"/shop/items/{offer.pk}/redeem/", {"quantity": 1}).status_code in (404, 409)
    assert not Item.objects.get(pk=offer.pk).redemptions.exists()
