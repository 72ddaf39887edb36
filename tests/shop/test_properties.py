"""Property test of the points supermarket: whatever sequence of restocking, ordering,
cancelling, handing over and expiry runs, no stock is lost or made up and every point
is where the orders say.

A hypothesis state machine drives the shop's services over three residents of 文昌 and
three items with small stocks (a community item without limit, one limited to 2 a month,
and a merchant's offer limited to 1), placing orders for themselves or through staff at
the counter. It keeps its own model of each order, each item's stock and each
resident's points, worked out from the contract's words, predicts every refusal with its
code (and that it writes nothing), and checks after every step:

- no stock is below 0, and per item: stock + reserved + handed-over quantities ==
  the initial stock + what was restocked;
- each resident's balance == what they were awarded − the points of their reserved and
  handed-over orders; the merchant holds exactly the points of its live orders;
- no order is both refunded and handed over; each cancelled or expired order has
  exactly one refund, mirroring its redemption;
- the orders' statuses and the stocks equal the model;
- ``jifen verify`` finds nothing (every fourth step, and after the last one).

Each example runs inside one transaction rolled back at its end, so each starts from the
same clean shop.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jifen.lib.errors import Conflict, DomainError, InvalidInput
from jifen.people.models import Person
from jifen.points.ledger import account_for
from jifen.points.models import Account, Transfer, TransferKind
from jifen.points.verify import check_ledger
from jifen.shop import services
from jifen.shop.models import Item, Redemption
from jifen.shop.models import Status as S
from tests.conftest import make_person
from tests.shop.fixtures import Shop, fund, refused, terms

pytestmark = pytest.mark.django_db
T = TransferKind
QUANTITIES = st.sampled_from([1, 1, 2, 1, 3, 0])  # now and then 0, refused
AIM = st.sampled_from([True, True, False])  # mostly at an order still waiting


@dataclass
class Order:
    """What the contract says an order is."""

    pk: int
    person: int  # index into people
    item: int  # index into items
    quantity: int
    points: int
    status: str = S.RESERVED


@dataclass
class Ware:
    """An item as the model sees it."""

    item: Item
    points: int
    limit: int | None
    initial: int
    stock: int
    restocked: int = 0


def expect(code: str, kind: type[DomainError] = Conflict) -> Any:
    event(f"refused: {code}")
    return refused(code, kind)


class ShopMachine(RuleBasedStateMachine):
    """Set up per example from ``cast``, filled by the test."""

    cast: dict = {}

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        cast = self.cast
        self.people: list[Person] = cast["people"]
        self.staff: Person = cast["staff"]
        self.operator: Person = cast["operator"]
        self.merchant_account: Account = cast["merchant_account"]
        assert not Redemption.objects.exists() and not Transfer.objects.exists()
        self.wares = [
            Ware(item=i, points=i.points, limit=i.per_person_limit, initial=i.stock, stock=i.stock)
            for i in Item.objects.filter(pk__in=cast["items"]).order_by("pk")
        ]
        self.orders: list[Order] = []
        self.awarded = [0] * len(self.people)
        self.steps = 0

    def teardown(self) -> None:
        try:
            assert list(check_ledger()) == []
        finally:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- the model ------------------------------------------------------------------------

    def spent(self, person: int) -> int:
        return sum(
            o.points
            for o in self.orders
            if o.person == person and o.status in (S.RESERVED, S.FULFILLED)
        )

    def balance(self, person: int) -> int:
        return self.awarded[person] - self.spent(person)

    def taken(self, person: int, item: int) -> int:
        return sum(
            o.quantity
            for o in self.orders
            if (o.person, o.item) == (person, item) and o.status in (S.RESERVED, S.FULFILLED)
        )

    def pick(self, n: int, aim: bool) -> Order:
        """An order: with ``aim``, one still waiting when there is one (so most steps do
        something), else any (so the refusals are tried too)."""
        waiting = [o for o in self.orders if o.status == S.RESERVED] if aim else []
        choices = waiting or self.orders
        return choices[n % len(choices)]

    def undone(self, order: Order, status: str) -> None:
        order.status = status
        self.wares[order.item].stock += order.quantity

    # --- operations -------------------------------------------------------------------------

    @initialize(amounts=st.lists(st.integers(0, 150), min_size=3, max_size=3))
    def start(self, amounts: list[int]) -> None:
        """Most residents start with some points, so orders are tried with money in hand."""
        for who, amount in enumerate(amounts):
            if amount:
                self.award(who, amount)

    @rule(who=st.integers(0, 2), amount=st.integers(1, 60))
    def award(self, who: int, amount: int) -> None:
        fund(self.people[who], amount)
        self.awarded[who] += amount

    @rule(n=st.integers(0, 2), change=st.integers(-3, 4).filter(bool))
    def restock(self, n: int, change: int) -> None:
        ware = self.wares[n]

        def action() -> Item:
            actor = self.operator if ware.item.merchant_id else self.staff
            return services.restock(actor=actor, item=ware.item, change=change, note="盘点")

        if ware.stock + change < 0:
            with expect("out_of_stock"):
                action()
            return
        assert action().stock == ware.stock + change
        ware.stock += change
        ware.restocked += change
        event("restocked")

    @rule(n=st.integers(0, 2), who=st.integers(0, 2))
    def off_sale_for_a_while(self, n: int, who: int) -> None:
        """Taken off sale, an item is refused before anything else is looked at; then it
        is back (an item off sale most of the time would refuse most orders)."""
        ware = self.wares[n]
        services.set_item_active(actor=self.staff, item=ware.item, active=False)
        with expect("not_available"):
            services.redeem(actor=self.people[who], item=ware.item, quantity=1)
        services.set_item_active(actor=self.staff, item=ware.item, active=True)

    @rule(who=st.integers(0, 2), n=st.integers(0, 2), quantity=QUANTITIES)
    def redeem(self, who: int, n: int, quantity: int) -> None:
        self.order(who, n, quantity, at_counter=False)

    @rule(who=st.integers(0, 2), n=st.integers(0, 2), quantity=QUANTITIES)
    def redeem_at_the_counter(self, who: int, n: int, quantity: int) -> None:
        self.order(who, n, quantity, at_counter=True)

    def order(self, who: int, n: int, quantity: int, at_counter: bool) -> None:
        """Staff at the counter order for the resident, or the resident orders."""
        ware, person = self.wares[n], self.people[who]

        def action() -> Redemption:
            actor = self.staff if at_counter else person
            return services.redeem(actor=actor, person=person, item=ware.item, quantity=quantity)

        cost = ware.points * quantity
        if quantity < 1:
            with expect("invalid_input", InvalidInput):
                action()
        elif ware.limit is not None and self.taken(who, n) + quantity > ware.limit:
            with expect("limit_reached"):
                action()
        elif ware.stock < quantity:
            with expect("out_of_stock"):
                action()
        elif self.balance(who) < cost:
            with expect("insufficient_points"):
                action()
        else:
            order = action()
            assert (order.person_id, order.item_id, order.quantity, order.points) == (
                person.pk,
                ware.item.pk,
                quantity,
                cost,
            )
            assert order.placed_by_id == (self.staff.pk if at_counter else None)
            self.orders.append(Order(order.pk, who, n, quantity, cost))
            ware.stock -= quantity
            event("redeemed")

    @precondition(lambda self: self.orders)
    @rule(n=st.integers(0, 1000), aim=AIM, by_staff=st.booleans())
    def cancel(self, n: int, aim: bool, by_staff: bool) -> None:
        order = self.pick(n, aim)

        def action() -> Redemption:
            actor = self.staff if by_staff else self.people[order.person]
            return services.cancel(actor=actor, order=order.pk)

        if order.status == S.FULFILLED:
            with expect("already_fulfilled"):
                action()
        elif order.status != S.RESERVED:
            with expect("not_reserved"):
                action()
        else:
            assert action().status == S.CANCELLED
            self.undone(order, S.CANCELLED)
            event("cancelled")

    @precondition(lambda self: self.orders)
    @rule(n=st.integers(0, 1000), aim=AIM)
    def fulfil(self, n: int, aim: bool) -> None:
        order = self.pick(n, aim)
        ware = self.wares[order.item]
        actor = self.operator if ware.item.merchant_id else self.staff

        def action() -> Redemption:
            # An operator hands over on the pickup code the holder shows; staff by id.
            code = Redemption.objects.values_list("code", flat=True).get(pk=order.pk)
            return services.fulfil(actor=actor, order=order.pk, code=code)

        if order.status == S.FULFILLED:
            with expect("already_fulfilled"):
                action()
        elif order.status != S.RESERVED:
            with expect("not_reserved"):
                action()
        else:
            assert action().status == S.FULFILLED
            order.status = S.FULFILLED
            event("handed over")

    @precondition(lambda self: self.orders)
    @rule(n=st.integers(0, 1000), aim=AIM)
    def expire(self, n: int, aim: bool) -> None:
        """The order's time runs out (whatever its status), and the tick runs."""
        order = self.pick(n, aim)
        Redemption.objects.filter(pk=order.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        expected = 1 if order.status == S.RESERVED else 0
        assert services.expire_overdue() == expected
        if expected:
            self.undone(order, S.EXPIRED)
            event("expired")

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def stock_is_conserved(self) -> None:
        held = dict(
            Redemption.objects.filter(status__in=(S.RESERVED, S.FULFILLED))
            .values("item")
            .annotate(q=Sum("quantity"))
            .values_list("item", "q")
        )
        stocks = dict(Item.objects.values_list("pk", "stock"))
        for ware in self.wares:
            stock = stocks[ware.item.pk]
            assert stock >= 0
            assert stock + held.get(ware.item.pk, 0) == ware.initial + ware.restocked
            assert stock == ware.stock

    @invariant()
    def points_are_where_the_orders_say(self) -> None:
        stored = dict(
            Account.objects.filter(person__in=self.people).values_list("person", "balance")
        )
        for i, person in enumerate(self.people):
            assert stored.get(person.pk, 0) == self.balance(i)
        merchant_items = {i for i, w in enumerate(self.wares) if w.item.merchant_id}
        live = sum(
            o.points
            for o in self.orders
            if o.item in merchant_items and o.status in (S.RESERVED, S.FULFILLED)
        )
        self.merchant_account.refresh_from_db()
        assert self.merchant_account.balance == live

    @invariant()
    def each_order_is_refunded_once_or_not_at_all(self) -> None:
        stored = {r.pk: r for r in Redemption.objects.select_related("transfer", "refund")}
        assert set(stored) == {o.pk for o in self.orders}
        refunds = {t.reverses_id: t for t in Transfer.objects.filter(kind=T.REFUND)}
        assert len(refunds) == Transfer.objects.filter(kind=T.REFUND).count()
        for order in self.orders:
            row = stored[order.pk]
            assert row.status == order.status
            assert not (row.status == S.FULFILLED and row.refund_id is not None)
            if order.status in (S.CANCELLED, S.EXPIRED):
                refund = refunds[row.transfer_id]
                assert row.refund_id == refund.pk
                assert (refund.debit_id, refund.credit_id, refund.amount) == (
                    row.transfer.credit_id,
                    row.transfer.debit_id,
                    order.points,
                )
            else:
                assert row.refund_id is None and row.transfer_id not in refunds

    @invariant()
    def verify_finds_nothing(self) -> None:
        self.steps += 1
        if self.steps % 4 == 0:
            assert list(check_ledger()) == []


def test_the_shop_loses_no_stock_and_no_point_under_any_sequence(shop: Shop) -> None:
    w = shop.world
    people = [w.resident, shop.relative, make_person(w.wenchang, "赵邻居")]
    items = [
        services.create_item(actor=w.staff, terms=terms(name="米", points=10, stock=3)),
        services.create_item(
            actor=w.staff, terms=terms(name="油", points=25, stock=4, per_person_limit=2)
        ),
        services.create_item(
            actor=shop.operator,
            merchant=shop.merchant,
            terms=terms(name="理发", points=15, stock=2, per_person_limit=1),
        ),
    ]
    services.approve_item(actor=w.staff, item=items[2])  # a merchant's offer sells once approved
    # The accounts are made once; each example rolls back only what it did.
    for person in people:
        account_for(person)
    assert not Transfer.objects.exists()
    ShopMachine.cast = {
        "people": people,
        "staff": w.staff,
        "operator": shop.operator,
        "merchant_account": account_for(shop.merchant),
        "items": [i.pk for i in items],
    }
    run_state_machine_as_test(
        ShopMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
