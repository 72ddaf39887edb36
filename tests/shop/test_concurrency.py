"""The points supermarket under real concurrency (ARCHITECTURE.md invariant 9).

On PostgreSQL, like tests/points/test_concurrency_pg.py and tests/claims: each test
commits for real (``transaction=True``) and runs threads released together by a
barrier, each with its own database connection. A race must never oversell the stock,
overdraw a balance, take a limit twice, refund an order twice or settle a merchant's
month twice; and what it refuses it refuses with the contract's code, leaving nothing
half-written.

Why the item's row lock matters (``services._item_row(..., lock=True)``: ``FOR UPDATE``):
without it, twenty orders for the last five units all read ``stock = 5`` and pass the
check; their ``stock = stock - 1`` updates then queue on the row and the sixth takes it
below zero, which the column's CHECK refuses with an IntegrityError (a 500, not
``out_of_stock``); and a per-person limit read before another order commits is taken
again. Checked once by hand with ``_item_row`` patched to a plain read: (a) failed
with ``IntegrityError: ... violates check constraint "shop_item_stock_check"`` and (c)
with five orders instead of one. The broken variant is not kept.

On SQLite, the tests' in-memory database (shared cache) answers a second writer with
"database table is locked" at once, which is not how Jifen runs; so the SQLite race runs
in a child process on a copy of the test database in a file, opened with the settings
``jifen serve`` uses (WAL, ``BEGIN IMMEDIATE``, a 30 s busy timeout): writers queue for
the database's one write lock, and the second of two orders for the last unit finds
none left.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.points.ledger import account_for, system_account
from jifen.points.models import AccountKind, Transfer, TransferKind
from jifen.points.selectors import system_balance
from jifen.points.verify import check_ledger
from jifen.shop import presence, services
from jifen.shop.models import Item, MerchantSettlement, PayCode, Redemption
from jifen.shop.models import Status as S
from tests.conftest import make_person
from tests.shop.fixtures import balance, carded, fund, terms

pg = pytest.mark.pg
transactional = pytest.mark.django_db(transaction=True)
T = TransferKind


def in_threads(count: int, work: Callable[[int], object], timeout: float = 60) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return their results, or
    their exceptions. Each thread closes its own connection when done."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (lock wait?)"
    return results


def outcome(results: list) -> Counter:
    """What each thread got: ``ok``, or the refusal's code. Anything else (an
    IntegrityError, a deadlock) fails the test."""
    seen: Counter = Counter()
    for result in results:
        if isinstance(result, Conflict):
            seen[result.code] += 1
        elif isinstance(result, BaseException):
            raise AssertionError(f"unexpected: {result!r}") from result
        else:
            seen["ok"] += 1
    return seen


def person(pk: int) -> Person:
    """Read afresh in the thread: no row or cached grant shared between threads."""
    return Person.objects.get(pk=pk)


def shop_balance(community) -> int:
    return system_balance(system_account(community, AccountKind.SHOP))


# --- (a) a crowd for the last units ----------------------------------------------------------


@pg
@transactional
def test_twenty_residents_race_for_five_units(shop):
    w = shop.world
    people = [make_person(w.wenchang, f"居民{i}") for i in range(20)]
    for resident in people:
        fund(resident, 100)
    for attempt in range(3):
        item = services.create_item(
            actor=w.staff, terms=terms(name=f"节日礼包{attempt}", points=30, stock=5)
        )
        before = {p.pk: balance(p) for p in people}
        shop_before = shop_balance(w.wenchang)

        def work(i: int, item: Item = item) -> Redemption:
            return services.redeem(actor=person(people[i].pk), item=item.pk, quantity=1)

        results = in_threads(20, work)
        # Without the item's row lock: IntegrityErrors here, not out_of_stock (see above).
        assert outcome(results) == Counter({"ok": 5, "out_of_stock": 15}), results
        assert Item.objects.get(pk=item.pk).stock == 0
        orders = list(Redemption.objects.filter(item=item))
        assert len(orders) == 5 and all(o.status == S.RESERVED for o in orders)
        winners = {o.person_id for o in orders}
        assert winners == {r.person_id for r in results if isinstance(r, Redemption)}
        for p in people:
            assert balance(p) == before[p.pk] - (30 if p.pk in winners else 0)
        assert shop_balance(w.wenchang) == shop_before + 150
        redemptions = Transfer.objects.filter(kind=T.REDEMPTION, source_type="redemption")
        assert redemptions.filter(source_id__in=[o.pk for o in orders]).count() == 5
    assert list(check_ledger()) == []


@pg
@transactional
def test_a_sold_out_item_refuses_the_crowd_without_queueing_for_its_lock(shop):
    """Once the last unit is gone, the rest of a crowd is refused from the row as it stands
    (services.redeem): nobody waits behind an order that holds the item's lock."""
    w = shop.world
    fund(w.resident, 100)
    item = services.create_item(actor=w.staff, terms=terms(name="月饼", points=30, stock=1))
    Item.objects.filter(pk=item.pk).update(stock=0)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                list(Item.objects.select_for_update().filter(pk=item.pk))
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock, daemon=True)
    holder.start()
    assert holding.wait(10)
    try:
        [result] = in_threads(
            1,
            lambda i: services.redeem(actor=person(w.resident.pk), item=item.pk, quantity=1),
            timeout=5,
        )
    finally:
        release.set()
        holder.join(10)
    assert outcome([result]) == Counter({"out_of_stock": 1})
    assert balance(w.resident) == 100 and not Redemption.objects.filter(item=item).exists()


# --- (b) one purse, two orders ------------------------------------------------------------


@pg
@transactional
def test_points_for_one_item_buy_one_of_two_racing_orders(shop):
    w = shop.world
    first = services.create_item(actor=w.staff, terms=terms(name="酱油", points=30, stock=10))
    second = services.create_item(actor=w.staff, terms=terms(name="醋", points=30, stock=10))
    account_for(w.resident)
    rounds = 8
    for n in range(rounds):
        fund(w.resident, 30)  # exactly one item's worth

        def work(i: int) -> Redemption:
            return services.redeem(
                actor=person(w.resident.pk), item=(first, second)[i].pk, quantity=1
            )

        results = in_threads(2, work)
        assert outcome(results) == Counter({"ok": 1, "insufficient_points": 1}), results
        assert balance(w.resident) == 0
        # Nothing half-written: the losing order left no order, no stock taken, no transfer.
        assert Redemption.objects.filter(person=w.resident).count() == n + 1
        stocks = Item.objects.filter(pk__in=(first.pk, second.pk)).values_list("stock", flat=True)
        assert sum(stocks) == 20 - (n + 1)
        assert Transfer.objects.filter(kind=T.REDEMPTION).count() == n + 1
    assert account_for(w.resident).spent == 30 * rounds
    assert list(check_ledger()) == []


# --- (c) a limit of one, asked five times at once --------------------------------------------


@pg
@transactional
def test_a_limit_of_one_raced_five_times_gives_one_order(shop):
    w = shop.world
    fund(w.resident, 1000)
    for attempt in range(4):
        item = services.create_item(
            actor=w.staff,
            terms=terms(name=f"限购米{attempt}", points=10, stock=50, per_person_limit=1),
        )

        def work(i: int, item: Item = item) -> Redemption:
            return services.redeem(actor=person(w.resident.pk), item=item.pk, quantity=1)

        results = in_threads(5, work)
        assert outcome(results) == Counter({"ok": 1, "limit_reached": 4}), results
        assert Redemption.objects.filter(item=item).count() == 1
        assert Item.objects.get(pk=item.pk).stock == 49
    assert balance(w.resident) == 1000 - 10 * 4
    assert list(check_ledger()) == []


# --- (d) cancel and hand-over at the same instant --------------------------------------------


@pg
@transactional
def test_a_cancel_racing_a_hand_over_lets_exactly_one_win(shop):
    w = shop.world
    fund(w.resident, 1000)
    item = services.create_item(actor=w.staff, terms=terms(name="面条", points=10, stock=100))
    won: Counter = Counter()
    for _ in range(10):
        order = services.redeem(actor=w.resident, item=item, quantity=2)

        def work(i: int, order: Redemption = order) -> Redemption:
            if i == 0:
                return services.cancel(actor=person(w.resident.pk), order=order.pk)
            return services.fulfil(actor=person(w.staff.pk), order=order.pk)

        results = in_threads(2, work)
        seen = outcome(results)
        final = Redemption.objects.get(pk=order.pk)
        if final.status == S.CANCELLED:
            assert seen == Counter({"ok": 1, "not_reserved": 1}), results
            assert final.refund is not None and final.fulfilled_at is None
        else:
            assert final.status == S.FULFILLED
            assert seen == Counter({"ok": 1, "already_fulfilled": 1}), results
            assert final.refund_id is None and final.cancelled_at is None
            assert not Transfer.objects.filter(reverses=final.transfer_id).exists()
        won[final.status] += 1
    cancelled = won[S.CANCELLED]
    assert Item.objects.get(pk=item.pk).stock == 100 - 2 * (10 - cancelled)
    assert balance(w.resident) == 1000 - 20 * (10 - cancelled)
    assert Transfer.objects.filter(kind=T.REFUND).count() == cancelled
    assert list(check_ledger()) == []


# --- (e) expiry and cancel at the same instant -----------------------------------------------


@pg
@transactional
def test_expiry_racing_a_cancel_refunds_once(shop):
    w = shop.world
    fund(w.resident, 1000)
    item = services.create_item(actor=w.staff, terms=terms(name="挂面", points=10, stock=100))
    for _ in range(10):
        order = services.redeem(actor=w.resident, item=item, quantity=1)
        Redemption.objects.filter(pk=order.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

        def work(i: int, order: Redemption = order) -> object:
            if i == 0:
                return services.expire_overdue()
            return services.cancel(actor=person(w.resident.pk), order=order.pk)

        expired, cancelled = in_threads(2, work)
        final = Redemption.objects.get(pk=order.pk)
        if final.status == S.EXPIRED:
            assert expired == 1, expired
            assert isinstance(cancelled, Conflict) and cancelled.code == "not_reserved"
        else:
            assert final.status == S.CANCELLED, final.status
            assert expired == 0, expired
            assert isinstance(cancelled, Redemption), cancelled
        assert Transfer.objects.filter(reverses=order.transfer_id, kind=T.REFUND).count() == 1
    assert Item.objects.get(pk=item.pk).stock == 100
    assert balance(w.resident) == 1000
    assert list(check_ledger()) == []


@pg
@transactional
def test_two_ticks_at_once_expire_each_order_once(shop):
    """``jifen tick`` on two nodes at the same time (ARCHITECTURE.md: safe)."""
    w = shop.world
    fund(w.resident, 1000)
    orders = [services.redeem(actor=w.resident, item=shop.rice, quantity=1) for _ in range(5)]
    Redemption.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    counts = in_threads(2, lambda i: services.expire_overdue())
    assert sum(counts) == 5, counts
    assert set(Redemption.objects.values_list("status", flat=True)) == {S.EXPIRED}
    refunds = Transfer.objects.filter(kind=T.REFUND)
    assert sorted(refunds.values_list("reverses", flat=True)) == sorted(
        o.transfer_id for o in orders
    )
    assert Item.objects.get(pk=shop.rice.pk).stock == 5
    assert balance(w.resident) == 1000
    assert list(check_ledger()) == []


# --- (f) a double click on "settled" ----------------------------------------------------------


@pg
@transactional
def test_a_month_settled_twice_at_once_is_settled_once(shop):
    w = shop.world
    fund(w.resident, 1000)
    today = timezone.localdate()
    for back in range(1, 6):  # five past months, one order handed over in each
        index = today.year * 12 + today.month - 1 - back
        month = date(index // 12, index % 12 + 1, 1)
        order = services.take_points(
            actor=shop.operator, item=shop.haircut, presence=carded(w.resident)
        )
        mid_month = datetime(
            month.year, month.month, 15, 12, tzinfo=timezone.get_current_timezone()
        )
        Redemption.objects.filter(pk=order.pk).update(fulfilled_at=mid_month)
        label = f"{month.year}-{month.month:02d}"

        def work(i: int, label: str = label) -> MerchantSettlement:
            actor = person((w.staff.pk, shop.county_staff.pk)[i])  # two members of staff
            return services.settle_merchant(actor=actor, merchant=shop.merchant, month=label)

        results = in_threads(2, work)
        assert outcome(results) == Counter({"ok": 1, "already_settled": 1}), results
        assert MerchantSettlement.objects.filter(merchant=shop.merchant, month=label).count() == 1
    assert Transfer.objects.filter(kind=T.SETTLEMENT).count() == 5
    assert balance(shop.merchant) == 0
    assert list(check_ledger()) == []


# --- (g) one pay code (付款码) typed at two counters at once -------------------------------------


@pg
@transactional
def test_a_pay_code_used_at_several_counters_at_once_pays_exactly_once(shop):
    """Each counter checks the code (unused, in time) before the order's transaction; the
    compare-and-set that uses it, inside that transaction, lets one through: the others
    wait on the row, then find it used — for different offers too, whose item locks do
    not serialise them."""
    w = shop.world
    fund(w.resident, 1000)
    second = services.create_item(
        actor=w.staff, merchant=shop.merchant, terms=terms(name="洗头", points=5, stock=10)
    )
    code, _expires = presence.issue_paycode(person=w.resident)
    items = [shop.haircut.pk, second.pk] * 3

    def work(i: int) -> Redemption:
        actor = person(shop.operator.pk)
        proof = presence.identify(actor=actor, paycode=code)
        return services.take_points(actor=actor, item=items[i], presence=proof)

    results = in_threads(len(items), work)
    assert outcome(results) == Counter({"ok": 1, "paycode_used": len(items) - 1}), results
    assert Redemption.objects.count() == 1
    assert PayCode.objects.get().used_by_id == shop.operator.pk
    taken = Redemption.objects.get().points
    assert balance(w.resident) == 1000 - taken
    assert list(check_ledger()) == []


# --- SQLite: the last unit, on a real database file ------------------------------------------

RACE_ON_SQLITE = r"""
import json, os, sys, threading
import django

os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
django.setup()
from django.db import connection
from jifen.lib.errors import Conflict
from jifen.people.models import Person
from jifen.points.verify import check_ledger
from jifen.shop import services
from jifen.shop.models import Item, MerchantSettlement, Redemption

assert connection.vendor == "sqlite" and connection.settings_dict["NAME"].endswith(".sqlite3")
mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
assert (mode, connection.settings_dict["OPTIONS"]["transaction_mode"]) == ("wal", "IMMEDIATE")
plan = json.loads(sys.argv[1])

def race(item_id, people):
    barrier = threading.Barrier(len(people))
    results = [None] * len(people)

    def run(i):
        try:
            barrier.wait()
            actor = Person.objects.get(pk=people[i])
            services.redeem(actor=actor, item=item_id, quantity=1)
            results[i] = "ok"
        except Conflict as exc:
            results[i] = exc.code
        except BaseException as exc:
            results[i] = repr(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(len(people))]
    for t in workers:
        t.start()
    for t in workers:
        t.join(60)
    return {
        "results": sorted(results),
        "stock": Item.objects.get(pk=item_id).stock,
        "orders": Redemption.objects.filter(item=item_id).count(),
    }

rounds = [race(item_id, people) for item_id, people in plan]
print(json.dumps({"rounds": rounds, "verify": list(check_ledger())}))
"""


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's own race: runs in the SQLite pass"
)
@transactional
def test_on_sqlite_two_orders_for_the_last_unit_do_not_oversell(shop, tmp_path: Path):
    w = shop.world
    people = [make_person(w.wenchang, f"居民{i}") for i in range(8)]
    for resident in people:
        fund(resident, 1000)
    # Ten races of two for the last unit, then eight for three units.
    plan = [
        (
            services.create_item(actor=w.staff, terms=terms(name=f"米{n}", stock=1)).pk,
            [people[n % 8].pk, people[(n + 1) % 8].pk],
        )
        for n in range(10)
    ]
    crowd = services.create_item(actor=w.staff, terms=terms(name="油", stock=3))
    plan.append((crowd.pk, [p.pk for p in people]))
    # The migrated test database, committed (``transaction=True``), copied to a file
    # that a child process opens as ``jifen serve`` would.
    connection.ensure_connection()
    with sqlite3.connect(tmp_path / "jifen.sqlite3") as copy:
        connection.connection.backup(copy)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIFEN_")}
    env["JIFEN_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", RACE_ON_SQLITE, json.dumps(plan)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    *last_unit, eight = report["rounds"]
    for race in last_unit:
        assert race == {"results": ["ok", "out_of_stock"], "stock": 0, "orders": 1}, race
    assert eight == {"results": ["ok"] * 3 + ["out_of_stock"] * 5, "stock": 0, "orders": 3}
    assert report["verify"] == []
