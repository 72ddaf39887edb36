"""The demo's points supermarket: priced lists for 文昌 and 湾美, a county-wide item, a
partner restaurant's offer, orders in every state, 湾美's quarterly window — seeded once
however often `jifen seed demo` runs, with the ledger verified clean after it."""

from io import StringIO

import pytest
from django.core.management import call_command

from jifen.people.models import Merchant, Person
from jifen.points.models import CommunityPolicy, Transfer
from jifen.points.selectors import balance_of
from jifen.regions.models import Region
from jifen.shop import selectors, services
from jifen.shop.models import Item, MerchantSettlement, Redemption
from jifen.shop.models import Status as S
from tests.api.conftest import ApiClient

WENCHANG, WANMEI = "350524100001", "350524106001"


def _seed() -> str:
    out = StringIO()
    call_command("seed", "demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = (Item, Redemption, MerchantSettlement, Merchant, CommunityPolicy, Transfer)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seeded(db) -> None:
    _seed()


def test_seeding_the_shop_twice_adds_nothing_and_the_ledger_verifies(seeded):
    first = _counts()
    assert first["Item"] >= 18 and first["Redemption"] >= 8
    _seed()
    assert _counts() == first
    out, err = StringIO(), StringIO()
    call_command("verify", stdout=out, stderr=err)  # exits 1 on any violation
    assert out.getvalue() == "" and "ledger verified" in err.getvalue()


def test_both_communities_have_a_clearly_priced_list_of_every_kind(seeded):
    for code in (WENCHANG, WANMEI):
        items = {item.name: item for item in selectors.items_for(Region.objects.get(code=code))}
        assert items["大米 5kg"].points == 200
        assert items["食用油 5L"].points == 150
        assert items["洗衣液 2kg"].points == 80
        assert items["义剪服务"].points == 50 and items["义剪服务"].kind == "service"
        assert items["免费体检"].points == 120
        assert items["荣誉表彰资格"].kind == "honour"
        assert items["5元物品券"].kind == "voucher"
        assert items["志愿服务纪念徽章"].region.code == "350524"  # county-wide
        assert all(item.stock > 0 for item in items.values())
        assert items["大米 5kg"].per_person_limit == 1
    wenchang = {i.name: i for i in selectors.items_for(Region.objects.get(code=WENCHANG))}
    offer = wenchang["100积分兑换8折餐券"]
    assert offer.merchant is not None and offer.points == 100
    operator = Person.objects.get(phone="13800000005")
    assert services.is_operator(operator, offer.merchant)


def test_the_demo_volunteer_has_an_order_waiting_one_handed_over_and_points_left(seeded):
    volunteer = Person.objects.get(phone="13900000001")
    statuses = sorted(Redemption.objects.filter(person=volunteer).values_list("status", flat=True))
    assert statuses == [S.FULFILLED, S.RESERVED]
    assert balance_of(volunteer).balance >= 50
    # And the counters have orders in every state.
    orders = Redemption.objects.filter(community__code=WENCHANG)
    assert {S.RESERVED, S.FULFILLED, S.CANCELLED} <= set(orders.values_list("status", flat=True))
    assert orders.filter(placed_by__phone="13800000002").exists()  # staff at the counter
    assert orders.filter(merchant__isnull=False, status=S.FULFILLED).exists()  # card scanned
    assert Redemption.objects.filter(community__code=WANMEI).exists()


def test_wanmei_redeems_once_a_quarter_and_wenchang_where_the_demo_volunteer_lives_every_day(
    seeded,
):
    wanmei = services.window_of(Region.objects.get(code=WANMEI))
    assert (wanmei.months, wanmei.first_day, wanmei.last_day) == (frozenset({1, 4, 7, 10}), 1, 7)
    assert selectors.window_state(Region.objects.get(code=WENCHANG)).always
    # So the demo volunteer, who lives in 文昌, logs in and redeems at once.
    volunteer = Person.objects.get(phone="13900000001")
    haircut = Item.objects.get(region__code=WENCHANG, name="义剪服务")
    response = ApiClient(volunteer).post("/shop/redemptions", {"item": haircut.pk})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "reserved"
