"""The points supermarket over HTTP: the public price list, items and stock, redeeming,
hand-over by pickup code, cancelling, the liability dashboard and merchants' settlement.

Each refusal is checked for its contract error code and, with ``snapshot``, for having
written nothing at all; every test ends with the ledger's own checks finding nothing.
"""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from jifen.activities.cards import card_code
from jifen.api.models import IdempotencyRecord
from jifen.audit.models import AuditEvent
from jifen.points.ledger import account_for
from jifen.points.models import Transfer, TransferKind
from jifen.shop import services
from jifen.shop.models import CODE_ALPHABET, Item, MerchantSettlement, Redemption
from jifen.shop.models import Status as S
from tests.api.conftest import assert_error
from tests.conftest import make_person
from tests.shop.conftest import (
    FUNDS,
    balance,
    close_window_now,
    fund,
    move,
    set_policy,
    snapshot,
    terms,
)

pytestmark = pytest.mark.usefixtures("verified")

W = "350524100001"  # 文昌社区
WANMEI = "350524106001"  # 湾美社区


def key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": name}


def patch(client, path: str, body) -> object:
    """PATCH through the shared client (it has get, post and delete)."""
    response = client.client.patch(
        f"/api/v1{path}",
        data=json.dumps(body),
        content_type="application/json",
        headers=client.headers,
    )
    response.json_body = response.json() if response.content else None
    return response


def refused(response, status: int, code: str, before: dict, field: str | None = None) -> dict:
    """The contract's error, and nothing at all written."""
    error = assert_error(response, status, code)
    if field is not None:
        assert error.get("field") == field, error
    assert snapshot() == before
    return error


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def last_month_noon():
    first = timezone.localdate().replace(day=1)
    day = first - timedelta(days=10)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 12))


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 200, 0)).save(out, "PNG")
    return out.getvalue()


# --- The public price list ----------------------------------------------------------------


def test_anyone_reads_a_communitys_clearly_priced_list_without_logging_in(shop, api, retired):
    response = api().get(f"/shop/items?community={W}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 4
    # Its own items, the county's, and its merchant's offer; cheapest first.
    assert [i["name"] for i in body["items"]] == ["毛巾", "大米 5kg", "花生油", "义剪一次"]
    oil = next(i for i in body["items"] if i["name"] == "花生油")
    assert oil == {
        "id": shop.oil.pk,
        "name": "花生油",
        "kind": "goods",
        "kind_label": "实物",  # Chinese unless the caller asks for English
        "description": "",
        "points": 30,
        "stock": 20,
        "per_person_limit": 2,
        "limit_period": "month",
        "limit_period_label": "每月",
        "region": W,
        "region_name": "文昌社区",
        "merchant": None,
        "merchant_name": None,
        "sponsor": "",
        "available_from": None,
        "available_until": None,
        "is_active": True,
        "approved": True,
        "image_url": None,
        "terms": Item.objects.get(pk=shop.oil.pk).terms,
    }
    towel = next(i for i in body["items"] if i["name"] == "毛巾")
    assert towel["region"] == "350524"
    haircut = next(i for i in body["items"] if i["name"] == "义剪一次")
    assert (haircut["merchant"], haircut["merchant_name"]) == (shop.merchant.pk, "爱心理发店")


def test_a_logged_in_resident_gets_their_own_communitys_list(shop, api, wanmei_item):
    w = shop.world
    assert "大米 5kg" in names(api(w.resident).get("/shop/items"))
    stranger = names(api(w.stranger).get("/shop/items"))
    assert stranger == ["毛巾", "洗衣液"]  # 湾美's own and the county's; nothing of 文昌
    # The list is public: naming a community shows that one's, to anyone.
    assert "洗衣液" in names(api(w.resident).get(f"/shop/items?community={WANMEI}"))
    # Staff with no home community: their own.
    assert "大米 5kg" in names(api(w.town_admin).get(f"/shop/items?community={W}"))


def test_the_list_is_paged_and_filtered_by_kind(shop, api):
    client = api()
    page = client.get(f"/shop/items?community={W}&limit=2&offset=1").json()
    assert page["count"] == 4 and [i["name"] for i in page["items"]] == ["大米 5kg", "花生油"]
    assert names(client.get(f"/shop/items?community={W}&kind=service")) == ["义剪一次"]
    assert_error(client.get(f"/shop/items?community={W}&kind=food"), 400, "invalid_input")


def test_the_list_needs_a_community_from_an_anonymous_caller(shop, api):
    error = assert_error(api().get("/shop/items"), 400, "community_required")
    assert error["field"] == "community"
    assert_error(api().get("/shop/items?community=999"), 404, "unknown_region")


def test_a_bad_token_on_the_public_list_is_refused_not_ignored(shop, api):
    client = api()
    response = client.get(f"/shop/items?community={W}", Authorization="Bearer nonsense")
    assert_error(response, 401, "invalid_token")


def test_staff_and_operators_see_every_item_they_run_with_scope_managed(shop, api, retired):
    w = shop.world
    staff = names(api(w.staff).get("/shop/items?scope=managed"))
    assert "旧款毛巾" in staff and "大米 5kg" in staff and "毛巾" not in staff  # not the county's
    assert names(api(w.merchant).get("/shop/items?scope=managed")) == ["义剪一次"]
    assert_error(api(w.resident).get("/shop/items?scope=managed"), 403, "forbidden")
    assert_error(api().get("/shop/items?scope=managed"), 401, "not_authenticated")


def test_one_item_is_public_while_on_sale_and_its_staffs_when_off(shop, api, retired):
    w = shop.world
    assert api().get(f"/shop/items/{shop.rice.pk}").json()["name"] == "大米 5kg"
    for client in (api(), api(w.resident), api(w.other_staff)):
        assert_error(client.get(f"/shop/items/{retired.pk}"), 404, "not_found")
    assert api(w.staff).get(f"/shop/items/{retired.pk}").json()["is_active"] is False
    assert_error(api().get("/shop/items/999999"), 404, "not_found")
    assert_error(api().get(f"/shop/items/{2**70}"), 400, "invalid_input")


def test_the_window_says_when_redeeming_is_open(shop, api):
    w = shop.world
    body = api().get(f"/shop/window?community={W}").json()
    assert body["always"] and body["open_now"] and body["months"] == []
    assert body["next_opening"] == timezone.localdate().isoformat()
    close_window_now(w.wenchang)
    body = api(w.resident).get("/shop/window").json()
    assert body["community"] == W and not body["always"] and not body["open_now"]
    assert body["next_opening"] > timezone.localdate().isoformat()
    assert len(body["months"]) == 11


# --- Items: creating and changing ---------------------------------------------------------


def test_staff_create_an_item_of_their_own_community_by_default(shop, api):
    body = {
        "name": "大米 5kg",
        "points": 200,
        "stock": 30,
        "per_person_limit": 1,
        "limit_period": "quarter",
        "kind": "goods",
        "sponsor": "凤城粮站",
        "description": "东北大米",
        "available_from": timezone.localdate().isoformat(),
    }
    response = api(shop.world.staff).post("/shop/items", body)
    assert response.status_code == 201, response.content
    created = response.json()
    item = Item.objects.get(pk=created["id"])
    assert created["region"] == W and item.region == shop.world.wenchang
    assert (item.points, item.stock, item.per_person_limit, item.limit_period) == (
        200,
        30,
        1,
        "quarter",
    )
    assert item.sponsor == "凤城粮站" and item.created_by == shop.world.staff
    assert AuditEvent.objects.filter(action="shop.item.create", target_id=item.pk).exists()


def test_a_county_admin_offers_an_item_county_wide(shop, api):
    response = api(shop.world.county_admin).post(
        "/shop/items", {"name": "荣誉表彰资格", "points": 300, "stock": 5, "kind": "honour"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["region"] == "350524"  # their own region, by default
    stranger = names(api(shop.world.stranger).get("/shop/items"))
    assert "荣誉表彰资格" in stranger


def test_a_merchants_operator_publishes_its_own_offer(shop, api):
    response = api(shop.operator).post(
        "/shop/items",
        {"name": "100积分兑换8折餐券", "points": 100, "stock": 50, "merchant": shop.merchant.pk},
    )
    assert response.status_code == 201, response.content
    assert response.json()["merchant"] == shop.merchant.pk
    assert response.json()["region"] == W


@pytest.mark.parametrize(
    ("who", "body", "status", "code", "field"),
    [
        ("resident", {}, 403, "forbidden", None),
        ("other_staff", {"region": W}, 403, "forbidden", None),
        ("merchant", {}, 403, "forbidden", None),  # the role alone runs no community items
        ("staff", {"points": 0}, 400, "invalid_input", "points"),
        ("staff", {"points": -5}, 400, "invalid_input", "points"),
        ("staff", {"points": "200"}, 400, "invalid_input", None),
        ("staff", {"points": 2.5}, 400, "invalid_input", None),
        ("staff", {"stock": -1}, 400, "invalid_input", "stock"),
        ("staff", {"per_person_limit": 0}, 400, "invalid_input", "per_person_limit"),
        ("staff", {"name": "  "}, 400, "invalid_input", "name"),
        ("staff", {"name": "米\x00"}, 400, "invalid_input", None),
        ("staff", {"kind": "food"}, 400, "invalid_input", "kind"),
        ("staff", {"limit_period": "week"}, 400, "invalid_input", "limit_period"),
        ("staff", {"region": "350524100001001"}, 400, "invalid_input", "region"),  # a compound
        ("staff", {"region": "nowhere"}, 404, "unknown_region", "region"),
        ("staff", {"merchant": 999999}, 404, "not_found", "merchant"),
        (
            "staff",
            {"available_from": "2030-02-01", "available_until": "2030-01-01"},
            400,
            "invalid_input",
            "available_until",
        ),
    ],
)
def test_bad_items_are_refused_and_nothing_is_written(shop, api, who, body, status, code, field):
    before = snapshot()
    payload = {"name": "食用油", "points": 150, "stock": 5, **body}
    response = api(getattr(shop.world, who)).post("/shop/items", payload)
    refused(response, status, code, before, field)


def test_creating_an_item_is_idempotent_with_a_key(shop, api):
    client = api(shop.world.staff)
    body = {"name": "洗衣液", "points": 80, "stock": 10}
    first = client.post("/shop/items", body, **key("item-1"))
    again = client.post("/shop/items", body, **key("item-1"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Item.objects.filter(name="洗衣液").count() == 1


def test_staff_change_an_items_terms_and_take_it_off_sale(shop, api):
    client = api(shop.world.staff)
    response = patch(
        client,
        f"/shop/items/{shop.rice.pk}",
        {"points": 12, "per_person_limit": 3, "sponsor": "爱心超市", "stock": 999},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["points"], body["per_person_limit"], body["sponsor"]) == (12, 3, "爱心超市")
    assert body["stock"] == 5 and body["name"] == "大米 5kg"  # stock only through /stock
    response = patch(client, f"/shop/items/{shop.rice.pk}", {"is_active": False})
    assert response.json()["is_active"] is False
    assert "大米 5kg" not in names(api().get(f"/shop/items?community={W}"))
    response = patch(client, f"/shop/items/{shop.rice.pk}", {"per_person_limit": None})
    assert response.json()["per_person_limit"] is None


def test_an_order_keeps_the_price_it_paid_when_the_price_changes(shop, api, order):
    placed = order()
    patch(api(shop.world.staff), f"/shop/items/{shop.rice.pk}", {"points": 99})
    assert Redemption.objects.get(pk=placed.pk).points == 10


def test_only_those_who_run_an_item_change_it(shop, api):
    w = shop.world
    before = snapshot()
    for person in (w.resident, w.other_staff, w.merchant):
        refused(
            patch(api(person), f"/shop/items/{shop.rice.pk}", {"points": 1}),
            403,
            "forbidden",
            before,
        )
        refused(patch(api(person), f"/shop/items/{shop.rice.pk}", {}), 403, "forbidden", before)
    refused(
        patch(api(w.staff), f"/shop/items/{shop.rice.pk}", {"name": ""}),
        400,
        "invalid_input",
        before,
        "name",
    )
    refused(
        patch(api(w.staff), f"/shop/items/{shop.rice.pk}", {"points": 0, "is_active": False}),
        400,
        "invalid_input",
        before,
        "points",
    )
    # The merchant's operator runs its offer.
    response = patch(api(w.merchant), f"/shop/items/{shop.haircut.pk}", {"points": 25})
    assert response.status_code == 200 and response.json()["points"] == 25


def test_stock_is_added_and_removed_with_a_note(shop, api):
    client = api(shop.world.staff)
    response = client.post(f"/shop/items/{shop.rice.pk}/stock", {"change": 20})
    assert response.status_code == 200 and response.json()["stock"] == 25
    response = client.post(f"/shop/items/{shop.rice.pk}/stock", {"change": -3, "note": "破损"})
    assert response.json()["stock"] == 22
    event = AuditEvent.objects.filter(action="shop.item.restock").order_by("-pk").first()
    assert event.after == {"stock": 22, "change": -3, "note": "破损"}
    before = snapshot()
    path = f"/shop/items/{shop.rice.pk}/stock"
    refused(client.post(path, {"change": -1}), 400, "invalid_input", before, "note")
    refused(client.post(path, {"change": -23, "note": "盘点"}), 409, "out_of_stock", before)
    refused(client.post(path, {"change": 0}), 400, "invalid_input", before, "change")
    refused(client.post(path, {"change": "5"}), 400, "invalid_input", before)
    refused(api(shop.world.resident).post(path, {"change": 5}), 403, "forbidden", before)


def test_an_items_photo_is_uploaded_and_linked(shop, api):
    client = api(shop.world.staff)
    path = f"/api/v1/shop/items/{shop.rice.pk}/image"
    response = client.client.post(
        path,
        data={"image": SimpleUploadedFile("rice.png", png(), content_type="image/png")},
        headers=client.headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["image_url"] == f"/shop/items/{shop.rice.pk}/image/"
    assert Item.objects.get(pk=shop.rice.pk).image
    response = client.client.post(
        path,
        data={"image": SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")},
        headers=client.headers,
    )
    assert_error(response, 400, "invalid_photo")
    resident = api(shop.world.resident)
    response = resident.client.post(
        path,
        data={"image": SimpleUploadedFile("rice.png", png(), content_type="image/png")},
        headers=resident.headers,
    )
    assert_error(response, 403, "forbidden")


# --- Redeeming ----------------------------------------------------------------------------


def test_a_volunteer_redeems_and_the_points_leave_at_once(shop, api, volunteer):
    response = api(volunteer).post("/shop/redemptions", {"item": shop.rice.pk, "quantity": 2})
    assert response.status_code == 201, response.content
    body = response.json()
    order = Redemption.objects.get(pk=body["id"])
    assert body["code"] == order.code and len(body["code"]) == 8
    assert set(body["code"]) <= set(CODE_ALPHABET) and body["qr"] == "JFO:" + body["code"]
    assert (body["status"], body["item"], body["quantity"], body["points"]) == (
        "reserved",
        shop.rice.pk,
        2,
        20,
    )
    assert body["person"] == volunteer.pk and body["person_name"] == "王淑英"
    assert (body["placed_by"], body["by_proxy"], body["community"]) == (None, False, W)
    assert body["transfer"] == order.transfer_id and body["refund"] is None
    assert round((order.expires_at - order.created_at).total_seconds() / 86400) == 30
    assert balance(volunteer) == FUNDS - 20
    assert Item.objects.get(pk=shop.rice.pk).stock == 3
    assert order.transfer.kind == TransferKind.REDEMPTION and order.transfer.amount == 20


def test_a_quantity_defaults_to_one(shop, api, volunteer):
    response = api(volunteer).post("/shop/redemptions", {"item": shop.towel.pk})
    assert response.status_code == 201 and response.json()["quantity"] == 1


def test_redeeming_is_idempotent_and_a_changed_body_under_the_same_key_is_refused(
    shop, api, volunteer
):
    client = api(volunteer)
    body = {"item": shop.rice.pk, "quantity": 1}
    first = client.post("/shop/redemptions", body, **key("order-1"))
    again = client.post("/shop/redemptions", body, **key("order-1"))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Redemption.objects.count() == 1 and balance(volunteer) == FUNDS - 10
    before = snapshot()
    changed = client.post("/shop/redemptions", {**body, "quantity": 2}, **key("order-1"))
    refused(changed, 409, "idempotency_conflict", before)
    # Another caller's same key is their own.
    fund(shop.world.neighbour, 50)
    other = api(shop.world.neighbour).post(
        "/shop/redemptions", {"item": shop.towel.pk}, **key("order-1")
    )
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_a_refused_redemption_keeps_no_key_so_a_retry_can_succeed(shop, api, volunteer):
    client = api(volunteer)
    close_window_now(shop.world.wenchang)
    body = {"item": shop.rice.pk, "quantity": 1}
    assert_error(client.post("/shop/redemptions", body, **key("k")), 409, "window_closed")
    assert not IdempotencyRecord.objects.filter(key="k").exists()
    set_policy(shop.world.wenchang, redemption_months="")  # the window opens again
    assert client.post("/shop/redemptions", body, **key("k")).status_code == 201


@pytest.mark.parametrize(
    ("quantity", "field"),
    [(0, "quantity"), (-1, "quantity"), (100, "quantity"), (1.5, None), ("2", None), (True, None)],
)
def test_a_bad_quantity_is_refused_and_nothing_is_written(shop, api, volunteer, quantity, field):
    before = snapshot()
    response = api(volunteer).post(
        "/shop/redemptions", {"item": shop.rice.pk, "quantity": quantity}
    )
    refused(response, 400, "invalid_input", before, field)


@pytest.mark.parametrize(
    "body",
    [
        {"item": 999999},
        {"item": 0},
        {"item": 2**70},
        {"item": "rice"},
        {},
        {"item": 1, "person": 2**70},
    ],
)
def test_an_unknown_item_or_garbage_is_refused_without_a_500(shop, api, volunteer, body):
    before = snapshot()
    response = api(volunteer).post("/shop/redemptions", body)
    assert response.status_code in (400, 404), response.content
    assert snapshot() == before


def test_garbage_bodies_are_400_not_500(shop, api, volunteer):
    client = api(volunteer)
    for raw in ("[]", "{", "null", '"x"'):
        assert client.post("/shop/redemptions", raw=raw).status_code == 400, raw


def test_an_item_off_sale_is_not_available(shop, api, volunteer, retired):
    before = snapshot()
    response = api(volunteer).post("/shop/redemptions", {"item": retired.pk})
    refused(response, 409, "not_available", before)


def test_an_item_of_another_community_does_not_exist_for_a_resident(
    shop, api, volunteer, wanmei_item
):
    before = snapshot()
    response = api(volunteer).post("/shop/redemptions", {"item": wanmei_item.pk})
    refused(response, 404, "not_found", before)


def test_a_closed_window_refuses_with_window_closed(shop, api, volunteer):
    close_window_now(shop.world.wenchang)
    before = snapshot()
    response = api(volunteer, language="en").post("/shop/redemptions", {"item": shop.rice.pk})
    error = refused(response, 409, "window_closed", before)
    assert "the next window opens on" in error["message"]


def test_the_limit_per_person_refuses_with_limit_reached(shop, api, volunteer):
    client = api(volunteer, language="en")
    assert client.post("/shop/redemptions", {"item": shop.oil.pk, "quantity": 2}).status_code == 201
    before = snapshot()
    error = refused(
        client.post("/shop/redemptions", {"item": shop.oil.pk}), 409, "limit_reached", before
    )
    assert "limited to 2 per person per calendar month; 2 already taken" in error["message"]


def test_a_cancelled_order_frees_the_limit_again(shop, api, volunteer, order):
    placed = order(shop.oil, 2)
    client = api(volunteer)
    assert client.post(f"/shop/redemptions/{placed.pk}/cancel").status_code == 200
    assert client.post("/shop/redemptions", {"item": shop.oil.pk, "quantity": 2}).status_code == 201


def test_no_stock_refuses_with_out_of_stock(shop, api, volunteer):
    before = snapshot()
    response = api(volunteer, language="en").post(
        "/shop/redemptions", {"item": shop.rice.pk, "quantity": 6}
    )
    error = refused(response, 409, "out_of_stock", before)
    assert error["message"] == "大米 5kg is out of stock (5 left)."


def test_not_enough_points_refuses_with_insufficient_points(shop, api):
    stranger = shop.world.stranger
    fund(stranger, 4)
    before = snapshot()
    response = api(stranger).post("/shop/redemptions", {"item": shop.towel.pk})
    refused(response, 409, "insufficient_points", before)
    assert Item.objects.get(pk=shop.towel.pk).stock == 100


def test_staff_redeem_for_a_resident_at_the_counter(shop, api, volunteer):
    w = shop.world
    response = api(w.staff).post(
        "/shop/redemptions", {"person": volunteer.pk, "item": shop.rice.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"], body["placed_by"], body["by_proxy"]) == (
        volunteer.pk,
        w.staff.pk,
        False,
    )
    assert balance(volunteer) == FUNDS - 10
    event = AuditEvent.objects.get(action="shop.redeem")
    assert event.actor == w.staff and event.on_behalf_of == volunteer


def test_staff_redeem_and_hand_over_at_once(shop, api, volunteer):
    response = api(shop.world.staff).post(
        "/shop/redemptions", {"person": volunteer.pk, "item": shop.rice.pk, "hand_over": True}
    )
    assert response.status_code == 201 and response.json()["status"] == "fulfilled"
    assert response.json()["fulfilled_by"] == shop.world.staff.pk


def test_a_registered_proxy_redeems_for_the_elderly_holder(shop, api, volunteer):
    response = api(shop.relative).post(
        "/shop/redemptions", {"person": volunteer.pk, "item": shop.rice.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"], body["placed_by"], body["by_proxy"]) == (
        volunteer.pk,
        shop.relative.pk,
        True,
    )
    assert body["person_name"] == "王淑英"
    assert balance(volunteer) == FUNDS - 10 and balance(shop.relative) == 0


@pytest.mark.parametrize("who", ["neighbour", "stranger", "other_staff", "reviewer", "kiosk"])
def test_nobody_else_names_a_resident_and_whether_they_exist_is_not_told(shop, api, volunteer, who):
    before = snapshot()
    client = api(getattr(shop.world, who))
    for person in (volunteer.pk, 999999):
        response = client.post("/shop/redemptions", {"person": person, "item": shop.rice.pk})
        refused(response, 404, "not_found", before, "person")


def test_a_merchants_operator_scans_the_card_and_takes_the_points(shop, api, volunteer):
    response = api(shop.operator).post(
        "/shop/redemptions",
        {"card": card_code(volunteer), "item": shop.haircut.pk, "hand_over": True},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "fulfilled" and body["merchant"] == shop.merchant.pk
    assert body["person_name"] == "王*英"  # the operator sees the name masked
    assert balance(volunteer) == FUNDS - 20
    assert account_for(shop.merchant).balance == 20


def test_a_merchants_operator_takes_points_only_for_its_offers(shop, api, volunteer):
    before = snapshot()
    client = api(shop.operator)
    response = client.post(
        "/shop/redemptions", {"person": volunteer.pk, "item": shop.rice.pk, "hand_over": True}
    )
    refused(response, 403, "presence_required", before)
    not_ours = client.post(
        "/shop/redemptions", {"card": card_code(volunteer), "item": shop.rice.pk, "hand_over": True}
    )
    refused(not_ours, 403, "forbidden", before)
    bad_card = client.post("/shop/redemptions", {"card": "JFC:nope", "item": shop.haircut.pk})
    refused(bad_card, 400, "invalid_card", before, "card")
    both = client.post(
        "/shop/redemptions",
        {"card": card_code(volunteer), "person": volunteer.pk, "item": shop.haircut.pk},
    )
    refused(both, 400, "invalid_input", before, "card")


def test_a_resident_cannot_hand_over_their_own_order_at_once(shop, api, volunteer):
    before = snapshot()
    response = api(volunteer).post("/shop/redemptions", {"item": shop.rice.pk, "hand_over": True})
    refused(response, 403, "forbidden", before)


# --- Reading orders -----------------------------------------------------------------------


def test_a_resident_lists_their_own_orders_newest_first(shop, api, volunteer, order):
    first, second = order(), order(shop.towel)
    fund(shop.world.neighbour, 100)
    order(shop.towel, person=shop.world.neighbour)
    services.fulfil(actor=shop.world.staff, order=first)
    client = api(volunteer)
    body = client.get("/shop/redemptions").json()
    assert body["count"] == 2 and [o["id"] for o in body["items"]] == [second.pk, first.pk]
    assert [o["id"] for o in client.get("/shop/redemptions?status=fulfilled").json()["items"]] == [
        first.pk
    ]
    assert client.get("/shop/redemptions?limit=1&offset=1").json()["items"][0]["id"] == first.pk
    assert_error(client.get("/shop/redemptions?status=lost"), 400, "invalid_input")
    assert_error(client.get("/shop/redemptions?scope=everything"), 400, "invalid_input")


def test_a_proxy_lists_the_orders_of_the_resident_they_act_for(shop, api, volunteer, order):
    placed = order()
    body = api(shop.relative).get(f"/shop/redemptions?person={volunteer.pk}").json()
    assert [o["id"] for o in body["items"]] == [placed.pk]
    response = api(shop.world.neighbour).get(f"/shop/redemptions?person={volunteer.pk}")
    assert_error(response, 404, "not_found")


def test_the_counter_lists_its_communitys_orders_and_a_merchant_its_own(
    shop, api, volunteer, order
):
    rice, haircut = order(), order(shop.haircut)
    staff = api(shop.world.staff).get("/shop/redemptions?scope=counter").json()
    assert {o["id"] for o in staff["items"]} == {rice.pk, haircut.pk}
    assert all(o["person_name"] == "王淑英" for o in staff["items"])
    merchant = api(shop.operator).get("/shop/redemptions?scope=counter").json()
    assert [o["id"] for o in merchant["items"]] == [haircut.pk]
    assert merchant["items"][0]["person_name"] == "王*英"
    mine = api(shop.world.staff).get(
        f"/shop/redemptions?scope=counter&merchant={shop.merchant.pk}&status=reserved"
    )
    assert [o["id"] for o in mine.json()["items"]] == [haircut.pk]
    assert api(shop.world.other_staff).get("/shop/redemptions?scope=counter").json()["count"] == 0
    assert_error(api(volunteer).get("/shop/redemptions?scope=counter"), 403, "forbidden")


def test_an_order_is_seen_by_its_holder_proxy_staff_and_merchant_only(shop, api, order):
    w = shop.world
    rice, haircut = order(), order(shop.haircut)
    for person in (w.resident, shop.relative, w.staff, w.county_admin):
        assert api(person).get(f"/shop/redemptions/{rice.pk}").json()["id"] == rice.pk
    for person in (w.neighbour, w.stranger, w.other_staff, w.reviewer, shop.operator):
        assert_error(api(person).get(f"/shop/redemptions/{rice.pk}"), 404, "not_found")
    assert api(shop.operator).get(f"/shop/redemptions/{haircut.pk}").status_code == 200
    assert_error(api(w.staff).get("/shop/redemptions/999999"), 404, "not_found")
    assert_error(api().get(f"/shop/redemptions/{rice.pk}"), 401, "not_authenticated")


# --- Hand-over ----------------------------------------------------------------------------


def test_staff_hand_over_by_the_typed_or_scanned_pickup_code(shop, api, order):
    placed = order()
    client = api(shop.world.staff)
    typed = "-".join([placed.code[:4].lower(), placed.code[4:]])
    looked_up = client.get(f"/shop/pickups/{typed}")
    assert looked_up.status_code == 200 and looked_up.json()["status"] == "reserved"
    response = client.post("/shop/pickups", {"code": typed}, **key("scan-1"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "fulfilled" and body["fulfilled_by"] == shop.world.staff.pk
    assert Redemption.objects.get(pk=placed.pk).fulfilled_at is not None
    # The scanner's retry with the same key answers the first hand-over.
    assert client.post("/shop/pickups", {"code": typed}, **key("scan-1")).json() == body
    # Without it, a second hand-over is refused.
    error = assert_error(
        client.post("/shop/pickups", {"code": "JFO:" + placed.code}), 409, "already_fulfilled"
    )
    assert error["message"]


def test_a_merchants_operator_hands_over_its_orders_only(shop, api, order):
    rice, haircut = order(), order(shop.haircut)
    client = api(shop.operator)
    assert client.post("/shop/pickups", {"code": haircut.code}).json()["status"] == "fulfilled"
    before = snapshot()
    refused(client.post("/shop/pickups", {"code": rice.code}), 404, "not_found", before)
    refused(client.post(f"/shop/redemptions/{rice.pk}/fulfil"), 404, "not_found", before)


def test_pickup_codes_nobody_may_use_here_are_not_found(shop, api, order):
    placed = order()
    before = snapshot()
    for person in (shop.world.other_staff, shop.world.resident, shop.world.neighbour):
        refused(api(person).post("/shop/pickups", {"code": placed.code}), 404, "not_found", before)
    client = api(shop.world.staff)
    refused(client.post("/shop/pickups", {"code": "22222222"}), 404, "not_found", before)
    refused(
        client.post("/shop/pickups", {"code": "O0O0-1111"}), 400, "invalid_code", before, "code"
    )
    refused(client.post("/shop/pickups", {"code": ""}), 400, "invalid_code", before, "code")
    refused(client.post("/shop/pickups", {}), 400, "invalid_input", before)


def test_staff_fulfil_an_order_by_its_id(shop, api, order):
    placed = order()
    client = api(shop.world.staff)
    response = client.post(f"/shop/redemptions/{placed.pk}/fulfil")
    assert response.status_code == 200 and response.json()["status"] == "fulfilled"
    before = snapshot()
    refused(client.post(f"/shop/redemptions/{placed.pk}/fulfil"), 409, "already_fulfilled", before)


def test_a_resident_cannot_fulfil_and_others_do_not_see_the_order(shop, api, order):
    placed = order()
    before = snapshot()
    refused(
        api(shop.world.resident).post(f"/shop/redemptions/{placed.pk}/fulfil"),
        403,
        "forbidden",
        before,
    )
    refused(
        api(shop.relative).post(f"/shop/redemptions/{placed.pk}/fulfil"), 403, "forbidden", before
    )
    for person in (shop.world.neighbour, shop.world.other_staff):
        response = api(person).post(f"/shop/redemptions/{placed.pk}/fulfil")
        refused(response, 404, "not_found", before)
    assert Redemption.objects.get(pk=placed.pk).status == S.RESERVED


# --- Cancelling ---------------------------------------------------------------------------


def test_the_holder_cancels_before_hand_over_and_gets_a_refund(shop, api, volunteer, order):
    placed = order(quantity=2)
    assert balance(volunteer) == FUNDS - 20
    client = api(volunteer)
    path = f"/shop/redemptions/{placed.pk}/cancel"
    response = client.post(path, {"reason": "买多了"}, **key("cancel-1"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["reason"].endswith("买多了")
    assert body["cancelled_by"] == volunteer.pk
    refund = Transfer.objects.get(pk=body["refund"])
    assert refund.kind == TransferKind.REFUND and refund.amount == 20
    assert refund.reverses_id == placed.transfer_id
    assert balance(volunteer) == FUNDS
    assert Item.objects.get(pk=shop.rice.pk).stock == 5
    # Replayed with its key: the first answer, no second refund.
    assert client.post(path, {"reason": "买多了"}, **key("cancel-1")).json() == body
    assert Transfer.objects.filter(kind=TransferKind.REFUND).count() == 1
    before = snapshot()
    refused(client.post(path), 409, "not_reserved", before)


def test_a_proxy_and_staff_cancel_too(
    shop, api, volunteer, order, outbox, django_capture_on_commit_callbacks
):
    first, second = order(), order()
    assert api(shop.relative).post(f"/shop/redemptions/{first.pk}/cancel").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = api(shop.world.staff).post(
            f"/shop/redemptions/{second.pk}/cancel", {"reason": "商品质量问题"}
        )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert balance(volunteer) == FUNDS
    assert any(second.code in message.subject for message in outbox)  # the holder is told


def test_cancel_after_hand_over_is_refused_and_nothing_is_written(shop, api, volunteer, order):
    placed = order()
    services.fulfil(actor=shop.world.staff, order=placed)
    before = snapshot()
    for person in (volunteer, shop.world.staff):
        response = api(person, language="en").post(f"/shop/redemptions/{placed.pk}/cancel")
        error = refused(response, 409, "already_fulfilled", before)
        assert error["message"].startswith("This order was handed over on ")


def test_others_cannot_cancel(shop, api, order):
    rice, haircut = order(), order(shop.haircut)
    before = snapshot()
    for person in (shop.world.neighbour, shop.world.other_staff, shop.world.reviewer):
        refused(api(person).post(f"/shop/redemptions/{rice.pk}/cancel"), 404, "not_found", before)
    # The merchant's operator sees its order but does not cancel it.
    response = api(shop.operator).post(f"/shop/redemptions/{haircut.pk}/cancel")
    refused(response, 403, "forbidden", before)
    long = api(shop.world.resident).post(
        f"/shop/redemptions/{rice.pk}/cancel", {"reason": "长" * 300}
    )
    refused(long, 400, "invalid_input", before, "reason")


# --- The liability dashboard --------------------------------------------------------------


def test_staff_read_the_liability_dashboard(shop, api, volunteer, order):
    order(quantity=2)
    response = api(shop.world.staff).get("/shop/liability")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["community"] == W and body["community_name"] == "文昌社区"
    assert body["outstanding"] == FUNDS - 20
    assert body["reserved"] == 20
    # 文昌's own items on hand at their prices: rice 3×10 and oil 20×30.
    assert body["stock_points"] == 3 * 10 + 20 * 30
    assert body["point_value_fen"] == 10 and body["outstanding_yuan"] == 98.0
    assert body["covers_outstanding"] is False
    this_month = timezone.localdate().strftime("%Y-%m")
    assert body["months"][0] == {
        "month": this_month,
        "issued": FUNDS,
        "redeemed": 20,
        "expired": 0,
    }
    same = api(shop.world.county_admin).get(f"/shop/liability?community={W}").json()
    assert same["outstanding"] == body["outstanding"]


def test_only_staff_read_the_liability_dashboard(shop, api):
    w = shop.world
    assert_error(api(w.resident).get("/shop/liability"), 403, "forbidden")
    assert_error(api(w.other_staff).get(f"/shop/liability?community={W}"), 403, "forbidden")
    assert_error(api(w.merchant).get(f"/shop/liability?community={W}"), 403, "forbidden")
    assert_error(api(w.staff).get("/shop/liability?community=nowhere"), 404, "unknown_region")
    assert_error(api().get("/shop/liability"), 401, "not_authenticated")


# --- Merchants: the monthly settlement ----------------------------------------------------


def test_a_merchants_month_is_reported_and_settled_once(shop, api, volunteer, order):
    placed = order(shop.haircut, 2)
    taken = services.fulfil(actor=shop.operator, order=placed, code=placed.code)
    move(taken, fulfilled_at=last_month_noon(), created_at=last_month_noon())
    month = last_month_noon().strftime("%Y-%m")
    report = api(shop.operator).get(f"/merchants/{shop.merchant.pk}/settlement")
    assert report.status_code == 200, report.content
    body = report.json()
    assert (body["month"], body["orders"], body["points"], body["settled"]) == (month, 1, 40, False)
    assert body["lines"][0]["person_name"] == "王*英" and body["lines"][0]["quantity"] == 2
    client = api(shop.world.staff)
    path = f"/merchants/{shop.merchant.pk}/settlement"
    response = client.post(path, {"month": month}, **key("settle-1"))
    assert response.status_code == 201, response.content
    settled = response.json()
    assert settled["settled"] and settled["points"] == 40 and settled["transfer"]
    assert account_for(shop.merchant).balance == 0
    assert client.post(path, {"month": month}, **key("settle-1")).json() == settled
    assert MerchantSettlement.objects.count() == 1
    before = snapshot()
    refused(client.post(path, {"month": month}), 409, "already_settled", before)
    assert client.get(f"{path}?month={month}").json()["settled"] is True


def test_settling_is_refused_for_the_wrong_people_and_months(shop, api, volunteer, order):
    placed = order(shop.haircut)
    services.fulfil(actor=shop.operator, order=placed, code=placed.code)
    path = f"/merchants/{shop.merchant.pk}/settlement"
    this_month = timezone.localdate().strftime("%Y-%m")
    before = snapshot()
    staff = api(shop.world.staff)
    refused(staff.post(path, {"month": this_month}), 409, "month_not_ended", before)
    refused(staff.post(path, {"month": "2020-01"}), 409, "nothing_to_settle", before)
    refused(staff.post(path, {"month": "2020-13"}), 400, "invalid_input", before, "month")
    refused(staff.post(path, {"month": " 2020-1"}), 400, "invalid_input", before, "month")
    refused(api(shop.operator).post(path, {"month": "2020-01"}), 403, "forbidden", before)
    for person in (shop.world.resident, shop.world.other_staff):
        refused(api(person).post(path, {"month": "2020-01"}), 404, "not_found", before)
        assert_error(api(person).get(path), 404, "not_found")
    assert_error(staff.get(f"{path}?month=May"), 400, "invalid_input")
    assert_error(staff.get("/merchants/999999/settlement"), 404, "not_found")


# --- Language and the document ------------------------------------------------------------


def test_messages_are_in_english_on_request(shop, api, volunteer):
    client = api(volunteer, language="en")
    error = assert_error(
        client.post("/shop/redemptions", {"item": shop.rice.pk, "quantity": 0}),
        400,
        "invalid_input",
    )
    assert error["message"] == "The quantity is a whole number from 1 to 99."
    error = assert_error(client.get("/shop/redemptions/999999"), 404, "not_found")
    assert error["message"] == "There is no such order."
    error = assert_error(api(language="en").get("/shop/items"), 400, "community_required")
    assert error["message"] == "Please name the community: ?community=CODE."


def test_the_openapi_document_lists_the_shop(db, api):
    paths = api().get("/openapi.json").json()["paths"]
    for path, methods in {
        "/api/v1/shop/items": {"get", "post"},
        "/api/v1/shop/items/{item_id}": {"get", "patch"},
        "/api/v1/shop/redemptions": {"get", "post"},
        "/api/v1/shop/pickups": {"post"},
        "/api/v1/shop/redemptions/{order_id}/fulfil": {"post"},
        "/api/v1/shop/redemptions/{order_id}/cancel": {"post"},
        "/api/v1/shop/liability": {"get"},
        "/api/v1/merchants/{merchant_id}/settlement": {"get", "post"},
    }.items():
        assert methods <= set(paths[path]), path


def test_a_person_with_no_home_community_cannot_redeem(shop, api):
    homeless = make_person(None, "无社区")
    before = snapshot()
    response = api(homeless).post("/shop/redemptions", {"item": shop.towel.pk})
    refused(response, 400, "no_community", before)


def test_lists_cost_the_same_few_queries_however_many_rows(shop, api, volunteer, order):
    paths = (f"/shop/items?community={W}", "/shop/redemptions?scope=counter", "/shop/redemptions")

    def queries() -> list[int]:
        counts = []
        for path in paths:
            # A new token each time: a token's first use is touched, later ones not.
            client = api(shop.world.staff if "counter" in path else volunteer)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            counts.append(len(captured))
        return counts

    order()
    few = queries()
    for n in range(6):
        services.create_item(actor=shop.world.staff, terms=terms(name=f"肥皂{n}", points=2))
        order(shop.towel)
    assert queries() == few


def test_a_merchants_offer_is_redeemable_outside_the_supermarkets_window(shop, api, volunteer):
    close_window_now(shop.world.wenchang)
    response = api(volunteer).post("/shop/redemptions", {"item": shop.haircut.pk})
    assert response.status_code == 201, response.content
    assert_error(
        api(volunteer).post("/shop/redemptions", {"item": shop.rice.pk}), 409, "window_closed"
    )
