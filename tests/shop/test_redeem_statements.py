"""A won order written by fixed statements (docs/performance.md, "Third pass"): the stock
taken and the order inserted together, the pickup code's check in the INSERT, no savepoint
around the order's posting, and the ``Idempotency-Key``'s own bookkeeping committed
without waiting for the disk. Each of these must leave the shop and the ledger exactly as
the ORM's statements did, and a refusal must still write nothing.

The tests marked ``transactional`` commit for real (``transaction=True``): a redemption
then runs in a transaction of its own, as under ``jifen serve``, not in a savepoint of the
test's.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.api.models import IdempotencyRecord
from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict
from jifen.points.models import Transfer, TransferKind
from jifen.shop import services
from jifen.shop.models import CODE_ALPHABET, CODE_LENGTH, Item, Redemption
from tests.api.conftest import assert_error
from tests.shop.fixtures import balance, fund, refused

pytestmark = pytest.mark.usefixtures("verified")
transactional = pytest.mark.django_db(transaction=True)
pg = pytest.mark.pg


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def test_an_order_is_stored_as_the_orm_stored_it(shop):
    w = shop.world
    fund(w.resident, 100)
    order = services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    stored = Redemption.objects.get(pk=order.pk)
    fields = [f.attname for f in Redemption._meta.concrete_fields]
    assert [getattr(order, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert not order._state.adding and order._state.db == "default"
    assert (stored.person, stored.item, stored.community) == (w.resident, shop.rice, w.wenchang)
    assert stored.quantity == 2 and stored.points == 20 and stored.status == "reserved"
    assert stored.placed_by is None and not stored.by_proxy
    assert stored.transfer.kind == TransferKind.REDEMPTION and stored.transfer.amount == 20
    assert stored.transfer.source_id == order.pk
    assert Item.objects.get(pk=shop.rice.pk).stock == 3
    assert balance(w.resident) == 80


def test_a_pickup_code_already_taken_is_drawn_again_and_the_stock_taken_once(shop, monkeypatch):
    w = shop.world
    fund(w.resident, 100)
    first = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    fresh = CODE_ALPHABET[0] * CODE_LENGTH
    assert first.code != fresh
    draws = iter([first.code, fresh])
    monkeypatch.setattr(services, "new_code", lambda: next(draws))
    second = services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    assert second.code == fresh == Redemption.objects.get(pk=second.pk).code
    assert Redemption.objects.filter(item=shop.rice).count() == 2
    assert Item.objects.get(pk=shop.rice.pk).stock == 5 - 1 - 2
    assert balance(w.resident) == 100 - 30


@transactional
def test_a_won_order_takes_no_savepoint_and_the_stock_goes_with_the_order(shop):
    w = shop.world
    fund(w.resident, 100)
    with CaptureQueriesContext(connection) as captured:
        order = services.redeem(actor=w.resident, item=shop.rice, quantity=1)
    sql = statements(captured)
    assert not [s for s in sql if "SAVEPOINT" in s.upper()], sql
    orders = [s for s in sql if s.startswith('INSERT INTO "shop_redemption"')]
    takes = [s for s in sql if s.startswith('UPDATE "shop_item"')]
    if connection.vendor == "postgresql":  # one message: the stock, then the order
        assert len(orders) == 0 and len(takes) == 1
        assert 'INSERT INTO "shop_redemption"' in takes[0]
    else:
        assert len(orders) == len(takes) == 1
    assert Redemption.objects.get(pk=order.pk).transfer_id == order.transfer.pk
    assert Item.objects.get(pk=shop.rice.pk).stock == 4
    assert AuditEvent.objects.filter(action="shop.redeem", target_id=order.pk).count() == 1


@transactional
def test_an_overdraft_in_its_own_transaction_rolls_the_stock_and_the_order_back(shop):
    w = shop.world
    fund(w.resident, 15)
    with refused("insufficient_points", Conflict):
        services.redeem(actor=w.resident, item=shop.rice, quantity=2)
    assert not Transfer.objects.filter(kind=TransferKind.REDEMPTION).exists()
    assert Item.objects.get(pk=shop.rice.pk).stock == 5
    assert services.redeem(actor=w.resident, item=shop.rice, quantity=1).pk


def _unwaited(sql: list[str], table: str = "jifen_api_idempotencyrecord") -> list[bool]:
    """For each statement on the key's table: whether it commits without the disk's wait."""
    return ["synchronous_commit TO OFF" in s for s in sql if f'"{table}"' in s.split(" WHERE ")[0]]


@pg
@transactional
def test_a_keys_claim_and_giving_up_commit_without_waiting_but_its_answer_waits(
    shop, api, volunteer
):
    client = api(volunteer)
    Item.objects.filter(pk=shop.rice.pk).update(stock=0)
    with CaptureQueriesContext(connection) as refusal:
        response = client.post(
            "/shop/redemptions", {"item": shop.rice.pk}, **{"Idempotency-Key": "a"}
        )
    assert_error(response, 409, "out_of_stock")
    assert _unwaited(statements(refusal)) == [True, True]  # claimed, given up
    assert not IdempotencyRecord.objects.filter(key="a").exists()
    with CaptureQueriesContext(connection) as win:
        response = client.post(
            "/shop/redemptions", {"item": shop.towel.pk}, **{"Idempotency-Key": "b"}
        )
    assert response.status_code == 201, response.content
    assert _unwaited(statements(win)) == [True, False]  # claimed, answered
    record = IdempotencyRecord.objects.get(key="b")
    assert record.status_code == 201 and record.body["id"] == response.json()["id"]
    again = client.post("/shop/redemptions", {"item": shop.towel.pk}, **{"Idempotency-Key": "b"})
    assert again.status_code == 201 and again.json() == response.json()


def test_inside_a_transaction_a_key_waits_for_the_disk_like_everything_in_it(shop, api, volunteer):
    """The test's own transaction stands for a caller's: an unwaited commit there would be
    the caller's whole transaction's, so nothing is added."""
    Item.objects.filter(pk=shop.rice.pk).update(stock=0)
    with CaptureQueriesContext(connection) as captured:
        response = api(volunteer).post(
            "/shop/redemptions", {"item": shop.rice.pk}, **{"Idempotency-Key": "c"}
        )
    assert_error(response, 409, "out_of_stock")
    assert _unwaited(statements(captured)) == [False, False]
