"""Fixtures every test of the shop gets without importing them: those of
tests/shop/fixtures.py (``shop``: items of every reach, a partner merchant and its
operator, a family proxy; ``outbox``; ``verified``), the API client, and a few more for
the API and the command line — a funded volunteer, an order, windows, clocks.

Built on ``world`` (tests/conftest.py): 文昌 and 金悦 in 凤城镇, 湾美 in 参内镇.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.shop import services
from jifen.shop.models import Item, Redemption
from tests.api.conftest import api
from tests.shop.fixtures import (
    Shop,
    balance,
    fund,
    outbox,
    set_policy,
    shop,
    snapshot,
    terms,
    verified,
)

# Re-exported: every test module here gets these fixtures without importing them.
__all__ = [
    "api",
    "balance",
    "fund",
    "outbox",
    "set_policy",
    "shop",
    "snapshot",
    "terms",
    "verified",
]

FUNDS = 1000


def close_window_now(community: Region) -> None:
    """A quarterly-style window (一季一兑换) open every month but this one."""
    this_month = timezone.localdate().month
    set_policy(
        community, redemption_months=",".join(str(m) for m in range(1, 13) if m != this_month)
    )


def move(order: Redemption, **fields: object) -> Redemption:
    """Shift an order's times (the services only ever write 'now')."""
    Redemption.objects.filter(pk=order.pk).update(**fields)
    order.refresh_from_db()
    return order


def days_ago(n: float) -> datetime:
    return timezone.now() - timedelta(days=n)


@pytest.fixture
def volunteer(shop: Shop) -> Person:
    """文昌's resident (王淑英), with 1000 points."""
    fund(shop.world.resident, FUNDS)
    return shop.world.resident


@pytest.fixture
def wanmei_item(shop: Shop) -> Item:
    """湾美's own 洗衣液 (8 points): not offered in 文昌."""
    return services.create_item(
        actor=shop.world.other_staff, terms=terms(name="洗衣液", points=8, stock=10)
    )


@pytest.fixture
def retired(shop: Shop) -> Item:
    """文昌's 旧款毛巾, taken off sale."""
    item = services.create_item(actor=shop.world.staff, terms=terms(name="旧款毛巾", points=3))
    return services.set_item_active(actor=shop.world.staff, item=item, active=False)


@pytest.fixture
def order(shop: Shop, volunteer: Person) -> Callable[..., Redemption]:
    """Place an order through the service: the volunteer's own, one bag of rice, unless
    told otherwise (``item``, ``quantity``, ``person``, ``actor``)."""

    def place(item: Item | None = None, quantity: int = 1, **kw: object) -> Redemption:
        person = kw.pop("person", None) or volunteer
        return services.redeem(
            actor=kw.pop("actor", None) or person,  # type: ignore[arg-type]
            item=item or shop.rice,
            quantity=quantity,
            person=person,  # type: ignore[arg-type]
        )

    return place
