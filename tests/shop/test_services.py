"""The points supermarket's services: items, redeeming, hand-over, cancelling, expiry,
merchants taking points and their monthly settlement.

Every refusal is checked with ``refused``: the contract's code, and nothing written
(items, orders, accounts, system slots, transfers, audit rows all as they were). Every
test ends with the ledger's own checks (``jifen verify``) finding nothing.
"""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.people.models import Merchant, Proxy
from jifen.points.ledger import account_for, system_account
from jifen.points.models import AccountKind, Transfer, TransferKind
from jifen.points.selectors import Balance, balance_of
from jifen.shop import services
from jifen.shop.models import CODE_ALPHABET, CODE_LENGTH, Item, MerchantSettlement, Redemption
from jifen.shop.models import Status as S
from tests.conftest import make_person
from tests.shop.fixtures import balance, carded, fund, refused, set_policy, snapshot, terms

pytestmark = pytest.mark.usefixtures("verified")
T = TransferKind


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def audit_of(target: Item | Redemption) -> list[str]:
    rows = AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=target.pk)
    return list(rows.order_by("pk").values_list("action", flat=True))


def move(order: Redemption, **fields) -> Redemption:
    """Shift an order's times (the services only ever write 'now')."""
    Redemption.objects.filter(pk=order.pk).update(**fields)
    order.refresh_from_db()
    return order


def local(day: date, *time: int) -> datetime:
    return datetime(day.year, day.month, day.day, *time, tzinfo=timezone.get_current_timezone())


def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


# --- Items: who may run them --------------------------------------------------------------


def test_staff_create_an_item_of_their_own_community(shop):
    w = shop.world
    item = services.create_item(
        actor=w.staff,
        terms=terms(name=" 洗衣液 ", points="15", stock=8, sponsor="爱心超市", kind="goods"),
    )
    assert (item.region, item.merchant, item.name, item.points, item.stock) == (
        w.wenchang,
        None,
        "洗衣液",
        15,
        8,
    )
    assert item.created_by == w.staff and item.is_active
    [created] = [e for e in events("shop.item.create") if e.target_id == item.pk]
    assert created.actor == w.staff and created.region == w.wenchang
    assert created.after["points"] == 15 and created.after["stock"] == 8


def test_county_staff_offer_an_item_to_every_community_below(shop):
    w = shop.world
    assert shop.towel.region == w.county
    for person, community in ((w.resident, w.wenchang), (w.stranger, w.wanmei)):
        fund(person, 5)
        order = services.redeem(actor=person, item=shop.towel, quantity=1)
        # The points go to the shop of the holder's own community.
        assert order.community == community
        assert order.transfer.credit == system_account(community, AccountKind.SHOP)


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("resident", "wenchang"),
        ("reviewer", "wenchang"),
        ("kiosk", "wenchang"),
        ("merchant", "wenchang"),  # the merchant role, without the merchant: no community items
        ("other_staff", "wenchang"),  # staff next door
        ("staff", "county"),  # a community's staff cannot offer county-wide
        ("staff", "wanmei"),
        ("town_admin", "wanmei"),  # an admin of the other town
    ],
)
def test_nobody_else_creates_items(shop, who, where):
    w = shop.world
    with refused("forbidden", PermissionDenied):
        services.create_item(actor=getattr(w, who), region=getattr(w, where), terms=terms())


def test_admins_above_create_items_below(shop):
    w = shop.world
    assert services.create_item(actor=w.town_admin, region=w.wenchang, terms=terms()).pk
    assert services.create_item(actor=w.county_admin, region=w.town, terms=terms()).pk


def test_a_merchants_operator_runs_its_offers_and_nothing_else(shop):
    w, op = shop.world, shop.operator
    offer = services.create_item(actor=op, merchant=shop.merchant, terms=terms(name="8折餐券"))
    assert (offer.region, offer.merchant) == (shop.merchant.region, shop.merchant)
    stock = offer.stock
    # The stock is not a term of an edit (an order placed meanwhile stays counted): it
    # moves by restocking and by orders only.
    services.update_item(actor=op, item=offer, terms=terms(name="8折餐券", points=12, stock=9))
    services.restock(actor=op, item=offer, change=3)
    services.set_item_active(actor=op, item=offer, active=False)
    offer.refresh_from_db()
    assert (offer.points, offer.stock, offer.is_active) == (12, stock + 3, False)
    # The community's own items are staff's.
    with refused("forbidden", PermissionDenied):
        services.create_item(actor=op, region=w.wenchang, terms=terms())
    with refused("forbidden", PermissionDenied):
        services.update_item(actor=op, item=shop.rice, terms=terms(points=1))
    with refused("forbidden", PermissionDenied):
        services.restock(actor=op, item=shop.rice, change=5)
    with refused("forbidden", PermissionDenied):
        services.set_item_active(actor=op, item=shop.rice, active=False)
    # Another merchant's offers are not theirs either.
    other = Merchant.objects.create(region=w.wenchang, name="便民药店")
    with refused("forbidden", PermissionDenied):
        services.create_item(actor=op, merchant=other, terms=terms())


def test_staff_of_the_merchants_region_may_run_its_offers_too(shop):
    w = shop.world
    services.restock(actor=w.staff, item=shop.haircut, change=1)
    assert Item.objects.get(pk=shop.haircut.pk).stock == 51
    with refused("forbidden", PermissionDenied):
        services.restock(actor=w.other_staff, item=shop.haircut, change=1)


def test_the_operator_of_a_merchant_that_left_runs_nothing(shop):
    Merchant.objects.filter(pk=shop.merchant.pk).update(is_active=False)
    shop.merchant.refresh_from_db()
    with refused("forbidden", PermissionDenied):
        services.create_item(actor=shop.operator, merchant=shop.merchant, terms=terms())
    with refused("forbidden", PermissionDenied):
        services.restock(actor=shop.operator, item=shop.haircut, change=1)


# --- Items: what they may be --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"points": 0}, "points"),
        ({"points": -5}, "points"),
        ({"points": 1.5}, "points"),
        ({"points": "十"}, "points"),
        ({"points": True}, "points"),
        ({"points": None}, "points"),
        ({"points": services.MAX_POINTS + 1}, "points"),
        ({"stock": -1}, "stock"),
        ({"stock": "2.5"}, "stock"),
        ({"name": "  "}, "name"),
        ({"name": "米" * 101}, "name"),
        ({"description": "长" * 1001}, "description"),
        ({"per_person_limit": 0}, "per_person_limit"),
        ({"per_person_limit": -1}, "per_person_limit"),
        ({"kind": "cash"}, "kind"),
        ({"limit_period": "week"}, "limit_period"),
        ({"available_from": date(2026, 5, 2), "available_until": date(2026, 5, 1)}, None),
    ],
)
def test_an_item_with_bad_terms_is_refused(shop, changes, field):
    with refused("invalid_input", InvalidInput, field=field or "available_until"):
        services.create_item(actor=shop.world.staff, terms=terms(**changes))
    if field == "stock":  # not a term of an edit: the row keeps its stock
        return
    with refused("invalid_input", InvalidInput, field=field or "available_until"):
        services.update_item(actor=shop.world.staff, item=shop.rice, terms=terms(**changes))


def test_items_belong_to_a_community_town_or_county(shop):
    w = shop.world
    with refused("invalid_input", InvalidInput, field="region"):
        services.create_item(actor=w.staff, region=w.compound, terms=terms())
    # County staff live in no community: they must say where.
    with refused("invalid_input", InvalidInput, field="region"):
        services.create_item(actor=shop.county_staff, terms=terms())


def test_terms_accept_whole_numbers_as_text_and_an_empty_limit(shop):
    item = services.create_item(
        actor=shop.world.staff, terms=terms(points="20", stock="0", per_person_limit="")
    )
    assert (item.points, item.stock, item.per_person_limit) == (20, 0, None)


def test_changing_an_items_terms_is_audited_and_orders_keep_their_price(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    services.update_item(
        actor=w.staff, item=shop.rice, terms=terms(name="大米 10kg", points=25, stock=9)
    )
    [change] = events("shop.item.update")
    assert change.before["points"] == 10 and change.after["points"] == 25
    assert change.before["name"] == "大米 5kg" and change.after["name"] == "大米 10kg"
    assert Redemption.objects.get(pk=order.pk).points == 20
    assert balance(w.resident) == 80


def test_restocking_adds_and_removes_with_a_note(shop):
    staff = shop.world.staff
    assert services.restock(actor=staff, item=shop.rice, change=7).stock == 12
    assert services.restock(actor=staff, item=shop.rice, change="-2", note="受潮").stock == 10
    first, second = events("shop.item.restock")
    assert (first.before, first.after["change"]) == ({"stock": 5}, 7)
    assert (second.after["stock"], second.after["note"]) == (10, "受潮")
    with refused("invalid_input", InvalidInput, field="note"):  # a removal says why
        services.restock(actor=staff, item=shop.rice, change=-1)
    with refused("out_of_stock", Conflict):
        services.restock(actor=staff, item=shop.rice, change=-11, note="盘点")
    for change in (0, "", "两", 1.5, None):
        with refused("invalid_input", InvalidInput, field="change"):
            services.restock(actor=staff, item=shop.rice, change=change)
    assert services.restock(actor=staff, item=shop.rice, change=-10, note="盘点").stock == 0


def test_taking_an_item_off_sale_and_back(shop):
    w = shop.world
    fund(w.resident, 100)
    services.set_item_active(actor=w.staff, item=shop.rice, active=False)
    with refused("not_available", Conflict):
        services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    # Asking again changes nothing and audits nothing.
    before = snapshot()
    services.set_item_active(actor=w.staff, item=shop.rice, active=False)
    assert snapshot() == before
    services.set_item_active(actor=w.staff, item=shop.rice, active=True)
    assert audit_of(shop.rice) == [
        "shop.item.create",
        "shop.item.deactivate",
        "shop.item.activate",
    ]
    assert services.redeem(actor=w.resident, item=shop.rice, quantity=1).status == S.RESERVED


# --- Redeeming: the happy paths -----------------------------------------------------------


def test_redeeming_takes_the_points_at_once_and_reserves_the_stock(shop):
    w = shop.world
    fund(w.resident, 100)
    before = timezone.now()
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    order.refresh_from_db()
    assert (order.person, order.item, order.community, order.merchant) == (
        w.resident,
        shop.rice,
        w.wenchang,
        None,
    )
    assert (order.quantity, order.points, order.status) == (2, 20, S.RESERVED)
    assert (order.placed_by, order.by_proxy) == (None, False)
    assert len(order.code) == CODE_LENGTH and set(order.code) <= set(CODE_ALPHABET)
    # The default policy keeps an order 30 days.
    assert before + timedelta(days=30) <= order.expires_at <= timezone.now() + timedelta(days=30)
    assert Item.objects.get(pk=shop.rice.pk).stock == 3
    transfer = order.transfer
    assert (transfer.kind, transfer.amount) == (T.REDEMPTION, 20)
    assert transfer.debit == account_for(w.resident)
    assert transfer.credit == system_account(w.wenchang, AccountKind.SHOP)
    assert transfer.idempotency_key == f"redemption:{order.pk}"
    assert (transfer.source_type, transfer.source_id) == ("redemption", order.pk)
    assert transfer.created_by == w.resident
    assert "大米 5kg" in transfer.memo
    assert balance_of(w.resident) == Balance(balance=80, earned=100, spent=20)
    [audit] = events("shop.redeem")
    assert (audit.actor, audit.on_behalf_of, audit.target_id) == (w.resident, None, order.pk)
    assert audit.after == {
        "volunteer": w.resident.volunteer_no,
        "item": "大米 5kg",
        "quantity": 2,
        "points": 20,
        "by_proxy": False,
        "proof": "self",
    }


def test_each_order_has_its_own_pickup_code(shop):
    w = shop.world
    fund(w.resident, 100)
    codes = {services.redeem(actor=w.resident, item=shop.towel, quantity=1).code for _ in range(8)}
    assert len(codes) == 8


def test_an_order_expires_after_the_communitys_days(shop):
    w = shop.world
    set_policy(w.wenchang, order_expiry_days=7)
    fund(w.resident, 100)
    before = timezone.now()
    order = services.redeem(actor=w.resident, item=shop.rice, quantity="1")
    assert before + timedelta(days=7) <= order.expires_at <= timezone.now() + timedelta(days=7)


def test_a_merchants_offer_pays_the_merchant(shop):
    w = shop.world
    fund(w.resident, 50)
    order = services.redeem(actor=w.resident, item=shop.haircut, quantity=2)
    assert order.merchant == shop.merchant
    assert order.transfer.credit == account_for(shop.merchant)
    assert (order.transfer.kind, order.transfer.amount) == (T.REDEMPTION, 40)
    assert balance(shop.merchant) == 40 and balance(w.resident) == 10
    assert Item.objects.get(pk=shop.haircut.pk).stock == 48


# --- Redeeming: refusals, each writing nothing ---------------------------------------------


@pytest.mark.parametrize("quantity", [0, -1, services.MAX_QUANTITY + 1, "一", "", None, 1.5, True])
def test_a_bad_quantity_is_refused(shop, quantity):
    fund(shop.world.resident, 100)
    with refused("invalid_input", InvalidInput, field="quantity"):
        services.redeem(actor=shop.world.resident, item=shop.rice, quantity=quantity)


def test_an_unknown_item_or_one_not_offered_here_is_not_found(shop):
    w = shop.world
    fund(w.stranger, 100)
    with refused("not_found", NotFound):
        services.redeem(actor=w.stranger, item=10**9, quantity=1)
    # 文昌's rice is not offered in 湾美.
    with refused("not_found", NotFound):
        services.redeem(actor=w.stranger, item=shop.rice, quantity=1)
    with refused("not_found", NotFound):
        services.redeem(actor=w.stranger, item=shop.haircut.pk, quantity=1)


def test_someone_without_a_home_community_holds_no_points_to_redeem(shop):
    # County staff live in no community: no ledger holds points of theirs.
    with refused("no_community", InvalidInput):
        services.redeem(actor=shop.county_staff, item=shop.towel, quantity=1)


@pytest.mark.parametrize(
    "change",
    ["inactive", "merchant_left", "not_yet", "no_longer"],
)
def test_an_item_off_sale_is_not_available(shop, change):
    w = shop.world
    fund(w.resident, 100)
    today = timezone.localdate()
    item = shop.haircut
    if change == "inactive":
        Item.objects.filter(pk=item.pk).update(is_active=False)
    elif change == "merchant_left":
        Merchant.objects.filter(pk=shop.merchant.pk).update(is_active=False)
    elif change == "not_yet":
        Item.objects.filter(pk=item.pk).update(available_from=today + timedelta(days=1))
    else:
        Item.objects.filter(pk=item.pk).update(available_until=today - timedelta(days=1))
    with refused("not_available", Conflict):
        services.redeem(actor=w.resident, item=item, quantity=1)


def test_an_item_is_on_sale_on_its_first_and_last_day(shop):
    w = shop.world
    fund(w.resident, 100)
    today = timezone.localdate()
    Item.objects.filter(pk=shop.rice.pk).update(available_from=today, available_until=today)
    assert services.redeem(actor=w.resident, item=shop.rice, quantity=1).pk


def test_a_closed_window_says_when_it_opens_next(shop):
    w = shop.world
    fund(w.resident, 100)
    today = timezone.localdate()
    following = month_start(today, back=-1)
    set_policy(w.wenchang, redemption_months=str(following.month))
    with refused("window_closed", Conflict) as caught:
        services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    assert caught.value.params == {"date": following.isoformat()}
    assert following.isoformat() in caught.value.render()
    # The window is the holder's community's: 湾美's residents redeem the county's towel.
    fund(w.stranger, 5)
    assert services.redeem(actor=w.stranger, item=shop.towel, quantity=1).pk


def test_a_window_closed_by_its_days_opens_on_its_first_day(shop):
    w = shop.world
    fund(w.resident, 100)
    today = timezone.localdate()
    if today.day == 1:
        set_policy(w.wenchang, redemption_first_day=2)
        opens = today + timedelta(days=1)
    else:
        set_policy(w.wenchang, redemption_first_day=1, redemption_last_day=today.day - 1)
        opens = month_start(today, back=-1)
    with refused("window_closed", Conflict) as caught:
        services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    assert caught.value.params == {"date": opens.isoformat()}
    # Open today: the last day of the window counts.
    set_policy(w.wenchang, redemption_first_day=today.day, redemption_last_day=today.day)
    assert services.redeem(actor=w.resident, item=shop.rice, quantity=1).pk


def test_a_window_that_never_opens_says_the_shop_is_closed(shop):
    w = shop.world
    fund(w.resident, 100)
    set_policy(w.wenchang, redemption_months="2", redemption_first_day=30)
    with refused("window_closed", Conflict) as caught:
        services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    assert caught.value.params == {}


@pytest.mark.parametrize(
    "also", ["not_found", "not_available", "window_closed", "limit_reached", None]
)
def test_a_sold_out_item_refuses_in_the_same_order_as_one_in_stock(shop, also):
    """A sold-out item is refused without the row's lock (services.redeem): the same checks
    in the same order, so what the resident hears does not depend on the stock."""
    w = shop.world
    today = timezone.localdate()
    buyer = w.stranger if also == "not_found" else w.resident  # 文昌's rice is not 湾美's
    fund(buyer, 100)
    if also == "limit_reached":  # one taken already, the most one person may
        Item.objects.filter(pk=shop.rice.pk).update(per_person_limit=1)
        services.redeem(actor=buyer, item=shop.rice, quantity=1)
    Item.objects.filter(pk=shop.rice.pk).update(stock=0)
    if also == "not_available":
        Item.objects.filter(pk=shop.rice.pk).update(available_until=today - timedelta(days=1))
    elif also == "window_closed":
        set_policy(w.wenchang, redemption_months=str(month_start(today, back=-1).month))
    code = also or "out_of_stock"
    kind = NotFound if code == "not_found" else Conflict
    with refused(code, kind):
        services.redeem(actor=buyer, item=shop.rice, quantity=1)


@pytest.mark.parametrize("policy_of", ["the item's community", "the buyer's community"])
def test_the_window_is_the_buyers_communitys_wherever_the_item_is_offered(shop, policy_of):
    """The item's statement brings its own community's settings along (services._item_sql);
    a county-wide item is sold under the buyer's community's settings all the same."""
    w = shop.world
    fund(w.resident, 100)
    closed = str(month_start(timezone.localdate(), back=-1).month)
    set_policy(w.wenchang, redemption_months=closed)
    item = shop.rice if policy_of == "the item's community" else shop.towel
    Item.objects.filter(pk=item.pk).update(stock=0)  # the unlocked pass
    with refused("window_closed", Conflict):
        services.redeem(actor=w.resident, item=item, quantity=1)
    Item.objects.filter(pk=item.pk).update(stock=5)  # the locked pass
    with refused("window_closed", Conflict):
        services.redeem(actor=w.resident, item=item, quantity=1)
    set_policy(w.wenchang, redemption_months="")
    assert services.redeem(actor=w.resident, item=item, quantity=1).pk


def test_a_sold_out_refusal_costs_one_statement(shop, django_assert_num_queries):
    """The crowd that comes after the last one went (bench: redeem_race): the item, its
    region, merchant and settings in one read; no transaction, no lock."""
    w = shop.world
    Item.objects.filter(pk=shop.rice.pk).update(stock=0)
    buyer = type(w.resident).objects.select_related("community").get(pk=w.resident.pk)
    with refused("out_of_stock", Conflict), django_assert_num_queries(1):
        services.redeem(actor=buyer, item=shop.rice.pk, quantity=1)


def test_a_window_open_this_month_lets_orders_through(shop):
    w = shop.world
    fund(w.resident, 100)
    today = timezone.localdate()
    set_policy(w.wenchang, redemption_months=f"{today.month}，{month_start(today, 2).month}")
    assert services.redeem(actor=w.resident, item=shop.rice, quantity=1).pk


def test_out_of_stock(shop):
    w = shop.world
    fund(w.resident, 100)
    with refused("out_of_stock", Conflict):
        services.redeem(actor=w.resident, item=shop.rice, quantity=6)
    services.redeem(actor=w.resident, item=shop.rice, quantity=5)
    assert Item.objects.get(pk=shop.rice.pk).stock == 0
    with refused("out_of_stock", Conflict):
        services.redeem(actor=w.resident, item=shop.rice, quantity=1)


def test_not_enough_points(shop):
    w = shop.world
    fund(w.resident, 19)
    with refused("insufficient_points", Conflict):
        services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    fund(w.resident, 1)
    services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    assert balance(w.resident) == 0
    with refused("insufficient_points", Conflict):
        services.redeem(actor=w.resident, item=shop.towel, quantity=1)


def test_refusals_come_in_the_documented_order(shop):
    """not_found, not_available, window_closed, limit_reached, out_of_stock,
    insufficient_points: an order failing several rules hears the first."""
    w, staff = shop.world, shop.world.staff
    item = services.create_item(actor=staff, terms=terms(points=5, stock=3, per_person_limit=1))
    fund(w.resident, 5)
    services.redeem(actor=w.resident, item=item, quantity=1)  # the limit is now used
    services.restock(actor=staff, item=item, change=-2, note="盘点")  # none left
    services.update_item(
        actor=staff, item=item, terms=terms(points=50, stock=0, per_person_limit=1)
    )
    services.set_item_active(actor=staff, item=item, active=False)
    set_policy(w.wenchang, redemption_months=str(month_start(timezone.localdate(), -1).month))
    fund(w.stranger, 500)

    def attempt(person=w.resident):
        return services.redeem(actor=person, item=item, quantity=1)

    with refused("invalid_input", InvalidInput):  # the quantity before anything
        services.redeem(actor=w.resident, item=10**9, quantity=0)
    with refused("not_found", NotFound):
        attempt(w.stranger)
    with refused("not_available", Conflict):
        attempt()
    services.set_item_active(actor=staff, item=item, active=True)
    with refused("window_closed", Conflict):
        attempt()
    set_policy(w.wenchang, redemption_months="")
    with refused("limit_reached", Conflict):
        attempt()
    services.update_item(
        actor=staff, item=item, terms=terms(points=50, stock=0, per_person_limit=2)
    )
    with refused("out_of_stock", Conflict):
        attempt()
    services.restock(actor=staff, item=item, change=1)
    with refused("insufficient_points", Conflict):
        attempt()
    fund(w.resident, 50)
    assert attempt().points == 50


# --- The per-person limit ------------------------------------------------------------------


def test_the_limit_counts_quantities_this_month(shop):
    w = shop.world
    fund(w.resident, 500)
    with refused("limit_reached", Conflict):
        services.redeem(actor=w.resident, item=shop.oil, quantity=3)
    services.redeem(actor=w.resident, item=shop.oil, quantity=1)
    services.redeem(actor=w.resident, item=shop.oil, quantity=1)
    with refused("limit_reached", Conflict) as caught:
        services.redeem(actor=w.resident, item=shop.oil, quantity=1)
    assert caught.value.params["taken"] == 2 and caught.value.params["limit"] == 2
    # It is per person: the neighbour in the same community is not held back.
    neighbour = make_person(w.wenchang, "赵邻居")
    fund(neighbour, 100)
    assert services.redeem(actor=neighbour, item=shop.oil, quantity=2).pk


def test_cancelled_and_expired_orders_do_not_count_against_the_limit(shop):
    w = shop.world
    fund(w.resident, 500)
    first = services.redeem(actor=w.resident, item=shop.oil, quantity=1)
    second = services.redeem(actor=w.resident, item=shop.oil, quantity=1)
    services.cancel(actor=w.resident, order=first)
    move(second, expires_at=timezone.now() - timedelta(minutes=1))
    assert services.expire_overdue() == 1
    assert services.already_taken(w.resident, shop.oil, timezone.localdate()) == 0
    services.redeem(actor=w.resident, item=shop.oil, quantity=2)
    with refused("limit_reached", Conflict):
        services.redeem(actor=w.resident, item=shop.oil, quantity=1)


def test_a_fulfilled_order_still_counts_against_the_limit(shop):
    w = shop.world
    fund(w.resident, 500)
    order = services.redeem(actor=w.resident, item=shop.oil, quantity=2)
    services.fulfil(actor=w.staff, order=order)
    with refused("limit_reached", Conflict):
        services.redeem(actor=w.resident, item=shop.oil, quantity=1)


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_the_limit_period_starts_at_midnight_of_its_first_day(shop, period):
    w = shop.world
    today = timezone.localdate()
    item = services.create_item(
        actor=w.staff, terms=terms(points=1, stock=10, per_person_limit=1, limit_period=period)
    )
    start = services.period_start(period, today)
    assert (
        start
        == {
            "month": date(today.year, today.month, 1),
            "quarter": date(today.year, 3 * ((today.month - 1) // 3) + 1, 1),
            "year": date(today.year, 1, 1),
        }[period]
    )
    fund(w.resident, 10)
    order = services.redeem(actor=w.resident, item=item, quantity=1)
    # Placed at the first instant of the period: it counts.
    move(order, created_at=local(start))
    with refused("limit_reached", Conflict):
        services.redeem(actor=w.resident, item=item, quantity=1)
    # A moment earlier, in the period before: it does not.
    move(order, created_at=local(start) - timedelta(microseconds=1))
    assert services.redeem(actor=w.resident, item=item, quantity=1).pk


def test_a_quarterly_limit_counts_the_earlier_months_of_the_quarter(shop):
    w = shop.world
    today = timezone.localdate()
    item = services.create_item(
        actor=w.staff,
        terms=terms(points=1, stock=10, per_person_limit=1, limit_period="quarter"),
    )
    monthly = services.create_item(
        actor=w.staff, terms=terms(points=1, stock=10, per_person_limit=1, limit_period="month")
    )
    fund(w.resident, 10)
    start = services.period_start("quarter", today)
    for limited in (item, monthly):
        order = services.redeem(actor=w.resident, item=limited, quantity=1)
        move(order, created_at=local(start, 9))
    # Today 2026-11-21: the quarter began on 1 October, so a monthly limit is free again
    # (unless today falls in the quarter's first month, when both are taken).
    with refused("limit_reached", Conflict):
        services.redeem(actor=w.resident, item=item, quantity=1)
    if start.month != today.month:
        assert services.redeem(actor=w.resident, item=monthly, quantity=1).pk


# --- Acting for someone --------------------------------------------------------------------


def test_a_family_proxy_redeems_for_the_resident(shop):
    w = shop.world
    fund(w.resident, 100)
    fund(shop.relative, 7)
    order = services.redeem(actor=shop.relative, person=w.resident, item=shop.rice, quantity=1)
    assert (order.person, order.placed_by, order.by_proxy) == (w.resident, shop.relative, True)
    assert order.transfer.debit == account_for(w.resident)
    assert order.transfer.created_by == shop.relative
    assert balance(w.resident) == 90 and balance(shop.relative) == 7
    [audit] = events("shop.redeem")
    assert (audit.actor, audit.on_behalf_of) == (shop.relative, w.resident)
    assert audit.after["by_proxy"] is True


def test_a_revoked_proxy_no_longer_redeems(shop):
    w = shop.world
    fund(w.resident, 100)
    Proxy.objects.filter(agent=shop.relative).update(revoked_at=timezone.now())
    with refused("forbidden", PermissionDenied):
        services.redeem(actor=shop.relative, person=w.resident, item=shop.rice, quantity=1)


@pytest.mark.parametrize("who", ["staff", "county_admin", "town_admin"])
def test_staff_at_the_counter_redeem_for_a_resident(shop, who):
    w = shop.world
    actor = getattr(w, who)
    fund(w.resident, 100)
    order = services.redeem(actor=actor, person=w.resident, item=shop.rice, quantity=1)
    assert (order.person, order.placed_by, order.by_proxy) == (w.resident, actor, False)
    [audit] = events("shop.redeem")
    assert (audit.actor, audit.on_behalf_of) == (actor, w.resident)
    assert balance(w.resident) == 90


def test_an_operator_redeems_the_merchants_offer_for_a_resident_who_is_there_only(shop):
    w = shop.world
    fund(w.resident, 100)
    with refused("presence_required", PermissionDenied):  # naming them is not enough
        services.redeem(actor=shop.operator, person=w.resident, item=shop.haircut, quantity=1)
    order = services.redeem(
        actor=shop.operator, presence=carded(w.resident), item=shop.haircut, quantity=1
    )
    assert (order.person, order.placed_by) == (w.resident, shop.operator)
    with refused("forbidden", PermissionDenied):
        services.redeem(
            actor=shop.operator, presence=carded(w.resident), item=shop.rice, quantity=1
        )


@pytest.mark.parametrize("who", ["stranger", "neighbour", "other_staff", "reviewer", "kiosk"])
def test_nobody_else_redeems_for_a_resident(shop, who):
    w = shop.world
    fund(w.resident, 100)
    with refused("forbidden", PermissionDenied):
        services.redeem(actor=getattr(w, who), person=w.resident, item=shop.towel, quantity=1)


def test_redeeming_for_oneself_by_name_is_redeeming(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, person=w.resident, item=shop.rice, quantity=1)
    assert (order.placed_by, order.by_proxy) == (None, False)


# --- Hand-over ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("ABCD2345", "ABCD2345"),
        ("abcd2345", "ABCD2345"),
        (" ab cd-23 45 ", "ABCD2345"),
        ("JFO:ABCD2345", "ABCD2345"),
        ("jfo:abcd-2345", "ABCD2345"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_code(typed, clean):
    assert services.normalize_code(typed) == clean


@pytest.mark.parametrize(
    "form",
    [
        lambda c: c,
        lambda c: c.lower(),
        lambda c: f" {c[:4]} {c[4:]} ",
        lambda c: f"{c[:4]}-{c[4:]}",
        lambda c: f"JFO:{c}",
        lambda c: f"jfo:{c[:4].lower()}-{c[4:]}",
    ],
)
def test_staff_hand_over_by_the_pickup_code_however_it_is_typed(shop, form):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    transfers = Transfer.objects.count()
    done = services.pickup(actor=w.staff, code=form(order.code))
    assert done.pk == order.pk
    order.refresh_from_db()
    assert (order.status, order.fulfilled_by) == (S.FULFILLED, w.staff)
    assert order.fulfilled_at is not None
    # Handing over moves no points: they left at the order.
    assert Transfer.objects.count() == transfers and balance(w.resident) == 80
    assert Item.objects.get(pk=shop.rice.pk).stock == 3
    [audit] = events("shop.fulfil")
    assert (audit.actor, audit.on_behalf_of, audit.target_id) == (w.staff, w.resident, order.pk)


def test_an_order_is_handed_over_once(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    services.pickup(actor=w.staff, code=order.code)
    with refused("already_fulfilled", Conflict):
        services.pickup(actor=w.staff, code=order.code)
    with refused("already_fulfilled", Conflict):
        services.fulfil(actor=w.staff, order=order.pk)


def test_a_cancelled_order_is_not_handed_over(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    services.cancel(actor=w.resident, order=order)
    with refused("not_reserved", Conflict):
        services.fulfil(actor=w.staff, order=order)


@pytest.mark.parametrize("code", ["ABCD0000", "OOOOOOOO", "IL1IL1IL", "!!!", "  ", "大米"])
def test_what_is_not_a_pickup_code_is_refused(shop, code):
    with refused("invalid_code", InvalidInput, field="code"):
        services.pickup(actor=shop.world.staff, code=code)


def test_a_pickup_code_is_found_only_where_the_order_is_handed_over(shop):
    w = shop.world
    fund(w.resident, 100)
    rice = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    cut = services.redeem(actor=w.resident, item=shop.haircut, quantity=1)
    with refused("not_found", NotFound):
        services.pickup(actor=w.staff, code="ABCDEFGH")  # no such order
    for outsider in (w.other_staff, w.resident, w.reviewer, w.neighbour):
        with refused("not_found", NotFound):
            services.pickup(actor=outsider, code=rice.code)
        with refused("not_found", NotFound):
            services.fulfil(actor=outsider, order=rice)
    # The merchant's operator hands over its own offers only; staff hand over both.
    with refused("not_found", NotFound):
        services.pickup(actor=shop.operator, code=rice.code)
    assert services.pickup(actor=shop.operator, code=cut.code).fulfilled_by == shop.operator
    assert services.pickup(actor=w.county_admin, code=rice.code).fulfilled_by == w.county_admin


def test_staff_hand_over_a_merchants_order_too(shop):
    w = shop.world
    fund(w.resident, 100)
    cut = services.redeem(actor=w.resident, item=shop.haircut, quantity=1)
    assert services.fulfil(actor=w.staff, order=cut).status == S.FULFILLED


# --- Cancelling ---------------------------------------------------------------------------


def assert_refunded(order: Redemption, *, by, sink) -> Transfer:
    order.refresh_from_db()
    assert order.status == S.CANCELLED and order.cancelled_by == by
    assert order.cancelled_at is not None and order.reason
    refund = order.refund
    assert refund.kind == T.REFUND and refund.reverses_id == order.transfer_id
    assert (refund.debit, refund.credit, refund.amount) == (
        sink,
        order.transfer.debit,
        order.points,
    )
    assert refund.created_by == by
    assert order.code in refund.memo
    return refund


def test_the_holder_cancels_before_hand_over(shop, outbox, django_capture_on_commit_callbacks):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(actor=w.resident, order=order.pk)
    assert_refunded(order, by=w.resident, sink=system_account(w.wenchang, AccountKind.SHOP))
    # spent is redemptions less refunds
    assert balance_of(w.resident) == Balance(balance=100, earned=100, spent=0)
    assert Item.objects.get(pk=shop.rice.pk).stock == 5
    [audit] = events("shop.cancel")
    assert (audit.actor, audit.on_behalf_of) == (w.resident, None)
    assert outbox == []  # they know: they did it


def test_a_family_proxy_cancels_for_the_resident(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    services.cancel(actor=shop.relative, order=order)
    assert_refunded(order, by=shop.relative, sink=system_account(w.wenchang, AccountKind.SHOP))
    [audit] = events("shop.cancel")
    assert (audit.actor, audit.on_behalf_of) == (shop.relative, w.resident)
    assert balance(w.resident) == 100


def test_staff_cancel_with_a_reason_and_the_holder_is_told(
    shop, outbox, django_capture_on_commit_callbacks
):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cancel(actor=w.staff, order=order, reason=" 货品过期 ")
    assert outbox == []  # not before the commit
    for callback in callbacks:
        callback()
    refund = assert_refunded(order, by=w.staff, sink=system_account(w.wenchang, AccountKind.SHOP))
    assert "货品过期" in refund.memo and order.reason.endswith("货品过期")
    [message] = outbox
    assert message.person == w.resident
    assert order.code in message.subject
    assert "20" in message.body and "货品过期" in message.body
    [audit] = events("shop.cancel")
    assert (audit.actor, audit.on_behalf_of) == (w.staff, w.resident)
    assert audit.after == {"code": order.code, "points": 20, "reason": "货品过期"}


def test_cancelling_a_merchants_order_refunds_from_the_merchant(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.haircut, quantity=1)
    assert balance(shop.merchant) == 20
    services.cancel(actor=w.resident, order=order)
    assert_refunded(order, by=w.resident, sink=account_for(shop.merchant))
    assert balance(shop.merchant) == 0 and balance(w.resident) == 100
    assert Item.objects.get(pk=shop.haircut.pk).stock == 50


def test_no_cancelling_after_hand_over(shop, outbox, django_capture_on_commit_callbacks):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    services.fulfil(actor=w.staff, order=order)
    with django_capture_on_commit_callbacks(execute=True):
        for actor in (w.resident, shop.relative, w.staff):
            with refused("already_fulfilled", Conflict):
                services.cancel(actor=actor, order=order, reason="不要了")
    assert outbox == []


def test_an_order_is_cancelled_once(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    services.cancel(actor=w.resident, order=order)
    with refused("not_reserved", Conflict):
        services.cancel(actor=w.staff, order=order)
    assert Transfer.objects.filter(kind=T.REFUND).count() == 1


@pytest.mark.parametrize("who", ["stranger", "neighbour", "other_staff", "reviewer", "merchant"])
def test_nobody_else_cancels(shop, who):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.haircut, quantity=1)
    with refused("not_found", NotFound):
        services.cancel(actor=getattr(w, who), order=order)
    with refused("not_found", NotFound):
        services.cancel(actor=w.resident, order=10**9)


def test_a_reason_over_200_characters_is_refused(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    with refused("invalid_input", InvalidInput, field="reason"):
        services.cancel(actor=w.staff, order=order, reason="长" * 201)


# --- Expiry -------------------------------------------------------------------------------


def test_overdue_orders_are_refunded_exactly_once(shop, outbox, django_capture_on_commit_callbacks):
    w = shop.world
    fund(w.resident, 200)
    past = timezone.now() - timedelta(minutes=1)
    overdue = [
        services.redeem(actor=w.resident, item=shop.rice, quantity=2),
        services.redeem(actor=w.resident, item=shop.haircut, quantity=1),
    ]
    collected = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    services.fulfil(actor=w.staff, order=collected)
    waiting = services.redeem(actor=w.resident, item=shop.towel, quantity=1)
    for order in (*overdue, collected):
        move(order, expires_at=past)
    assert balance(w.resident) == 200 - 20 - 20 - 10 - 5

    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_overdue() == 2
        assert services.expire_overdue() == 0  # run twice: nothing more

    for order in overdue:
        order.refresh_from_db()
        assert (order.status, order.cancelled_by) == (S.EXPIRED, None)
        assert Transfer.objects.filter(reverses=order.transfer_id, kind=T.REFUND).count() == 1
    assert Redemption.objects.get(pk=collected.pk).status == S.FULFILLED
    assert Redemption.objects.get(pk=waiting.pk).status == S.RESERVED
    assert Transfer.objects.filter(kind=T.REFUND).count() == 2
    assert balance(w.resident) == 200 - 10 - 5
    assert balance(shop.merchant) == 0
    assert Item.objects.get(pk=shop.rice.pk).stock == 4  # 5 - 2 - 1 + 2
    assert Item.objects.get(pk=shop.haircut.pk).stock == 50
    # Each holder hears once, on commit, of each expired order.
    assert len(outbox) == 2 and {m.person for m in outbox} == {w.resident}
    for order in overdue:
        assert sum(order.code in m.subject for m in outbox) == 1
    expired = events("shop.expire")
    assert [(e.actor, e.on_behalf_of) for e in expired] == [(None, w.resident)] * 2


def test_an_order_expires_only_after_its_time(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    assert services.expire_overdue(order.expires_at) == 0  # due at that instant, not before
    assert services.expire_overdue(order.expires_at + timedelta(microseconds=1)) == 1
    assert Redemption.objects.get(pk=order.pk).status == S.EXPIRED


def test_an_expired_order_is_neither_handed_over_nor_cancelled(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    move(order, expires_at=timezone.now() - timedelta(seconds=1))
    services.expire_overdue()
    with refused("not_reserved", Conflict):
        services.fulfil(actor=w.staff, order=order)
    with refused("not_reserved", Conflict):
        services.cancel(actor=w.resident, order=order)


# --- Merchants taking points ---------------------------------------------------------------


def test_a_merchants_operator_takes_points_for_its_offer(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.take_points(
        actor=shop.operator, item=shop.haircut.pk, presence=carded(w.resident), quantity=2
    )
    order.refresh_from_db()
    assert (order.status, order.fulfilled_by, order.placed_by) == (
        S.FULFILLED,
        shop.operator,
        shop.operator,
    )
    assert (order.person, order.merchant, order.points) == (w.resident, shop.merchant, 40)
    assert order.transfer.credit == account_for(shop.merchant)
    assert balance(shop.merchant) == 40 and balance(w.resident) == 60
    assert Item.objects.get(pk=shop.haircut.pk).stock == 48
    assert audit_of(order) == ["shop.redeem", "shop.fulfil"]


def test_only_the_operator_takes_points_and_only_for_the_merchants_offers(shop):
    w = shop.world
    fund(w.resident, 100)
    for actor, item in (
        (w.staff, shop.haircut),  # staff are not the merchant's operators
        (w.resident, shop.haircut),
        (shop.operator, shop.rice),  # not a merchant's offer
        (shop.operator, shop.towel),
    ):
        with refused("forbidden", PermissionDenied):
            services.take_points(actor=actor, item=item, presence=carded(w.resident))
    with refused("not_found", NotFound):
        services.take_points(actor=shop.operator, item=10**9, presence=carded(w.resident))


def test_taking_points_is_refused_like_an_order(shop):
    w = shop.world
    fund(w.resident, 19)
    with refused("insufficient_points", Conflict):
        services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(w.resident))
    with refused("invalid_input", InvalidInput):
        services.take_points(
            actor=shop.operator, item=shop.haircut, presence=carded(w.resident), quantity=0
        )
    Merchant.objects.filter(pk=shop.merchant.pk).update(is_active=False)
    with refused("forbidden", PermissionDenied):
        services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(w.resident))


# --- Merchants' monthly settlement -----------------------------------------------------------


def test_a_merchants_month_is_settled_once_with_the_orders_handed_over_in_it(shop):
    w = shop.world
    fund(w.resident, 500)
    today = timezone.localdate()
    last, this = month_start(today, 1), month_start(today)
    month = f"{last.year}-{last.month:02d}"

    def taken(quantity: int, when: datetime | None) -> Redemption:
        order = services.take_points(
            actor=shop.operator, item=shop.haircut, presence=carded(w.resident), quantity=quantity
        )
        return move(order, fulfilled_at=when) if when else order

    taken(1, local(last))  # the first instant of last month: in it
    taken(2, local(this) - timedelta(microseconds=1))  # its last instant: in it
    taken(4, local(this))  # this month's first instant: not in it
    taken(8, local(month_start(today, 2), 12))  # the month before: not in it
    # Orders still waiting, or cancelled, were never handed over.
    waiting = services.redeem(actor=w.resident, item=shop.haircut, quantity=1)
    move(waiting, created_at=local(last, 10))
    gone = services.redeem(actor=w.resident, item=shop.haircut, quantity=1)
    services.cancel(actor=w.resident, order=gone)
    move(gone, created_at=local(last, 11))
    assert balance(shop.merchant) == 20 * (1 + 2 + 4 + 8 + 1)

    settlement = services.settle_merchant(actor=w.staff, merchant=shop.merchant, month=month)
    assert (settlement.month, settlement.orders, settlement.points) == (month, 2, 60)
    transfer = settlement.transfer
    assert (transfer.kind, transfer.amount, transfer.period) == (T.SETTLEMENT, 60, month)
    assert transfer.debit == account_for(shop.merchant)
    assert transfer.credit == system_account(w.wenchang, AccountKind.SETTLEMENT)
    assert transfer.idempotency_key == f"merchant-settlement:{shop.merchant.pk}:{month}"
    assert balance(shop.merchant) == 20 * (4 + 8 + 1)
    [audit] = events("shop.merchant.settle")
    assert audit.actor == w.staff and audit.after["points"] == 60

    with refused("already_settled", Conflict):
        services.settle_merchant(actor=w.staff, merchant=shop.merchant, month=month)
    this_month = f"{this.year}-{this.month:02d}"
    with refused("month_not_ended", Conflict):
        services.settle_merchant(actor=w.staff, merchant=shop.merchant, month=this_month)
    earlier = month_start(today, 3)
    with refused("nothing_to_settle", Conflict):
        services.settle_merchant(
            actor=w.staff, merchant=shop.merchant, month=f"{earlier.year}-{earlier.month:02d}"
        )
    assert MerchantSettlement.objects.count() == 1


@pytest.mark.parametrize("who", ["merchant", "other_staff", "resident", "reviewer"])
def test_only_staff_of_the_merchants_region_settle_it(shop, who):
    w = shop.world
    fund(w.resident, 100)
    order = services.take_points(
        actor=shop.operator, item=shop.haircut, presence=carded(w.resident)
    )
    last = month_start(timezone.localdate(), 1)
    move(order, fulfilled_at=local(last, 12))
    with refused("forbidden", PermissionDenied):
        services.settle_merchant(
            actor=getattr(w, who), merchant=shop.merchant, month=f"{last.year}-{last.month:02d}"
        )
    assert (
        services.settle_merchant(
            actor=w.county_admin, merchant=shop.merchant, month=f"{last.year}-{last.month:02d}"
        ).points
        == 20
    )


@pytest.mark.parametrize(
    "month", ["2026-13", "2026", "26-1", "", "2026-00", "next", "2026-3", " 2026-03", "2026-03-01"]
)
def test_a_month_is_written_yyyy_mm(shop, month):
    with refused("invalid_input", InvalidInput, field="month"):
        services.settle_merchant(actor=shop.world.staff, merchant=shop.merchant, month=month)


def test_a_month_spelt_another_way_is_not_settled_twice(shop):
    w = shop.world
    fund(w.resident, 100)
    services.take_points(actor=shop.operator, item=shop.haircut, presence=carded(w.resident))
    march = services.take_points(
        actor=shop.operator, item=shop.haircut, presence=carded(w.resident)
    )
    move(march, fulfilled_at=local(date(2026, 3, 15), 12))
    services.settle_merchant(actor=w.staff, merchant=shop.merchant, month="2026-03")
    assert balance(shop.merchant) == 20
    # "2026-3" is the same March: refused, not a second settlement of it.
    with refused("invalid_input", InvalidInput, field="month"):
        services.settle_merchant(actor=w.staff, merchant=shop.merchant, month="2026-3")
    assert balance(shop.merchant) == 20


# --- The refusal helper itself can fail ------------------------------------------------------


def test_refused_notices_a_write(shop):
    """``refused`` would catch a service that wrote before refusing."""
    with pytest.raises(AssertionError), refused("out_of_stock", Conflict):
        Item.objects.filter(pk=shop.rice.pk).update(stock=4)
        raise Conflict(code="out_of_stock")
    assert snapshot()["items"]  # and reads the items it compares
