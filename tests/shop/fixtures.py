"""Set-up of the shop's service tests (test_services, test_properties, test_concurrency,
test_liability): a partner merchant, a family proxy, county staff, items of every kind,
and a snapshot of everything the shop and the ledger store, so a refusal can be shown to
have written nothing.

Imported by the test modules that use them (``from tests.shop.fixtures import ...``).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from jifen.audit.models import AuditEvent
from jifen.lib.errors import DomainError
from jifen.lib.notify import MemoryBackend
from jifen.people.models import Merchant, Person, Proxy, Role
from jifen.people.services import grant_role
from jifen.points import services as points
from jifen.points.ledger import account_for, system_account
from jifen.points.models import Account, AccountKind, CommunityPolicy, SystemSlot, Transfer
from jifen.points.selectors import balance_of
from jifen.points.verify import check_ledger
from jifen.regions.models import Region
from jifen.shop import services
from jifen.shop.models import Item, MerchantSettlement, Redemption
from jifen.shop.presence import Presence
from tests.conftest import World, make_person


@dataclass
class Shop:
    world: World
    county_staff: Person  # staff of the whole county
    merchant: Merchant  # 爱心理发店 in 文昌, operated by world.merchant
    operator: Person  # world.merchant: the merchant's operator
    relative: Person  # the resident's family proxy (代办)
    rice: Item  # 文昌: 10 points, stock 5, no limit
    oil: Item  # 文昌: 30 points, stock 20, at most 2 per person a month
    towel: Item  # county-wide: 5 points, stock 100
    haircut: Item  # the merchant's offer: 20 points, stock 50, approved by 文昌's staff

    def fund(self, person: Person, amount: int) -> None:
        """Points for ``person`` through the real award path."""
        fund(person, amount)


_awards = iter(range(1, 10**9))


def fund(person: Person, amount: int) -> None:
    points.award_points(person=person, amount=amount, key=f"shop-test:{next(_awards)}", actor=None)


def carded(person: Person) -> Presence:
    """The resident's volunteer card, presented at a merchant's counter (what
    ``presence.identify`` answers for a scanned card)."""
    return Presence(person=person, via="card")


def balance(person: Person | Merchant) -> int:
    if isinstance(person, Merchant):
        return Account.objects.get(merchant=person).balance
    return balance_of(person).balance


def terms(**kw: Any) -> services.ItemTerms:
    values: dict[str, Any] = {"name": "大米 5kg", "points": 10, "stock": 5}
    values.update(kw)
    return services.ItemTerms(**values)


def set_policy(community: Region, **changes: Any) -> CommunityPolicy:
    policy, _created = CommunityPolicy.objects.get_or_create(region=community)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.save()
    return policy


@pytest.fixture
def shop(world: World) -> Shop:
    county_staff = make_person(None, "郑县商")
    grant_role(actor=None, person=county_staff, role=Role.STAFF, region=world.county)
    merchant = Merchant.objects.create(region=world.wenchang, name="爱心理发店")
    merchant.operators.add(world.merchant)
    relative = make_person(world.wenchang, "王女儿")
    Proxy.objects.create(
        principal=world.resident,
        agent=relative,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    staff = world.staff
    rice = services.create_item(actor=staff, terms=terms(name="大米 5kg", points=10, stock=5))
    oil = services.create_item(
        actor=staff, terms=terms(name="花生油", points=30, stock=20, per_person_limit=2)
    )
    towel = services.create_item(
        actor=county_staff, region=world.county, terms=terms(name="毛巾", points=5, stock=100)
    )
    haircut = services.create_item(
        actor=world.merchant,
        merchant=merchant,
        terms=terms(name="义剪一次", points=20, stock=50, kind="service"),
    )
    haircut = services.approve_item(actor=staff, item=haircut)  # on sale once staff approve
    # The accounts a community has after its first day, so snapshots compare like with like.
    for person in (world.resident, world.neighbour, world.stranger, relative):
        account_for(person)
    account_for(merchant)
    for community in (world.wenchang, world.jinyue, world.wanmei):
        for kind in (AccountKind.ISSUER, AccountKind.SHOP, AccountKind.SETTLEMENT):
            system_account(community, kind)
    return Shop(
        world=world,
        county_staff=county_staff,
        merchant=merchant,
        operator=world.merchant,
        relative=relative,
        rice=rice,
        oil=oil,
        towel=towel,
        haircut=haircut,
    )


@pytest.fixture
def outbox() -> list:
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


def snapshot() -> dict[str, Any]:
    """Everything the shop and the ledger store: a refusal must leave it all as it was."""
    return {
        "items": list(Item.objects.order_by("pk").defer("image").values()),
        "orders": list(Redemption.objects.order_by("pk").values()),
        "settlements": list(MerchantSettlement.objects.order_by("pk").values()),
        "accounts": list(
            Account.objects.order_by("pk").values_list("pk", "balance", "earned", "spent")
        ),
        "slots": list(
            SystemSlot.objects.order_by("account_id", "slot").values_list(
                "account_id", "slot", "balance"
            )
        ),
        "transfers": list(Transfer.objects.order_by("pk").values_list("pk", flat=True)),
        "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)),
    }


@contextmanager
def refused(
    code: str, kind: type[DomainError] = DomainError, *, field: str | None = None
) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The service refuses with this code (and field), and nothing at all is written.
    Yields pytest's ExceptionInfo, to read the refusal's params after the block."""
    before = snapshot()
    with pytest.raises(kind, match=f"^{code}$") as caught:
        yield caught
    if field is not None:
        assert caught.value.field == field
    assert snapshot() == before


@pytest.fixture
def verified(db: None) -> Iterator[Callable[[], None]]:
    """After the test, ``jifen verify``'s checks find nothing (also callable mid-test).
    It needs the database, so it is torn down before the test's transaction is."""

    def check() -> None:
        assert list(check_ledger()) == []

    yield check
    check()
