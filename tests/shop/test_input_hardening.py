"""The shop refuses what would break it or mislead a reader (issue 12, §4 and §6): a JSON
array for an item's terms, names with bidirectional overrides or private-use characters,
a price above 1,000,000 (also a CHECK in the database), and the redemption window posted
for a community the staff member does not run."""

import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from jifen.lib.errors import InvalidInput
from jifen.points.models import CommunityPolicy
from jifen.shop import services
from jifen.shop.models import Item
from tests.api.conftest import assert_error
from tests.shop.fixtures import Shop, snapshot, terms

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "券餐" reads as another offer than it is
PRIVATE = "\ue000"


def patch(api, person, path: str, raw: str):
    client = api(person)
    return client.client.patch(
        f"/api/v1{path}", data=raw, content_type="application/json", headers=client.headers
    )


def test_patching_an_item_with_a_json_array_is_refused(shop: Shop, api) -> None:
    before = snapshot()
    for raw in ('[{"points": 1}]', "[]", '"points"', "3"):
        response = patch(api, shop.world.staff, f"/shop/items/{shop.rice.pk}", raw)
        assert_error(response, 400, "invalid_input")
    assert snapshot() == before


@pytest.mark.parametrize("bad", [RLO, PRIVATE, "\u200b", "\x07"])
def test_item_names_refuse_what_person_names_refuse(shop: Shop, api, bad: str) -> None:
    before = snapshot()
    body = {"name": f"8折{bad}餐券", "points": 10, "stock": 1}
    assert_error(api(shop.world.staff).post("/shop/items", body), 400, "invalid_input")
    for field in ("name", "sponsor", "description"):
        response = patch(
            api, shop.world.staff, f"/shop/items/{shop.rice.pk}", json.dumps({field: f"米{bad}"})
        )
        error = assert_error(response, 400, "invalid_input")
        # Named by the service (field) or by the shared input types (fields).
        named = [error.get("field"), *(row["field"] for row in error.get("fields", []))]
        assert field in named, error
    assert snapshot() == before


def test_other_shop_text_shown_to_others_refuses_them_too(shop: Shop, order) -> None:
    with pytest.raises(InvalidInput):
        services.restock(actor=shop.world.staff, item=shop.rice, change=-1, note=f"破{RLO}损")
    placed = order()
    with pytest.raises(InvalidInput):
        services.cancel(actor=shop.world.staff, order=placed, reason=f"买{PRIVATE}错")


def test_a_description_keeps_its_line_breaks(shop: Shop) -> None:
    item = services.create_item(
        actor=shop.world.staff, terms=terms(description="新米\n社区超市现场领取")
    )
    assert item.description == "新米\n社区超市现场领取"


def test_a_price_above_a_million_is_refused(shop: Shop, api) -> None:
    before = snapshot()
    body = {"name": "金条", "points": 1_000_001, "stock": 1}
    error = assert_error(api(shop.world.staff).post("/shop/items", body), 400, "invalid_input")
    assert error["field"] == "points"
    response = patch(api, shop.world.staff, f"/shop/items/{shop.rice.pk}", '{"points": 1000001}')
    assert_error(response, 400, "invalid_input")
    assert snapshot() == before
    ok = api(shop.world.staff).post("/shop/items", {**body, "points": 1_000_000})
    assert ok.status_code == 201, ok.content


def test_the_database_refuses_a_price_above_a_million_whatever_the_code_does(shop: Shop) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=shop.rice.pk).update(points=1_000_001)
    assert Item.objects.get(pk=shop.rice.pk).points == 10


def test_the_window_form_for_another_community_is_refused_and_changes_nothing(
    shop: Shop,
) -> None:
    client = Client()
    client.force_login(shop.world.staff)  # staff of 文昌 only
    wanmei = shop.world.wanmei
    response = client.post(
        "/console/shop/window/",
        {
            "community": wanmei.code,
            "redemption_months": "1,4,7,10",
            "redemption_first_day": "1",
            "redemption_last_day": "7",
            "order_expiry_days": "30",
            "point_value": "0.10",
        },
    )
    assert response.status_code == 403
    assert wanmei.code in response.content.decode()  # it says which community it refused
    assert not CommunityPolicy.objects.filter(redemption_months="1,4,7,10").exists()
    # Opening it for another community is refused the same way, not shown as one's own.
    assert client.get(f"/console/shop/window/?community={wanmei.code}").status_code == 403
    # Its own community still works.
    assert client.get("/console/shop/window/").status_code == 200
