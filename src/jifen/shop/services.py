"""The points supermarket's writes: items and stock, redeeming, hand-over, cancelling,
expiry, merchants taking points and their monthly settlement.

Every write is one transaction. Redeeming locks in a fixed order (the item's row,
then the ledger's account rows, taken by ``ledger.post``), so concurrent orders can
neither oversell the stock (also a CHECK on the row) nor overdraw a balance (the
ledger's CHECK). Cancelling and expiry lock the order first, then the item, then the
accounts: the same order after the order's own row.
"""

import functools
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.claims.photos import FORMATS, clean_image, read_upload
from jifen.lib import months, notify
from jifen.lib.bounds import MAX_POINTS
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.rawrows import Columns, Insert, cache_related, in_one_message
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import Merchant, Person, Proxy
from jifen.points import ledger
from jifen.points.ledger import Posting, ledger_text
from jifen.points.models import AccountKind, CommunityPolicy, TransferKind
from jifen.points.services import home_community, policy_as_read, policy_for, reverse_transfer
from jifen.regions.models import Level, Region
from jifen.shop import windows
from jifen.shop.models import (
    CODE_ALPHABET,
    DEAL_TERMS,
    Item,
    Kind,
    LimitPeriod,
    MerchantSettlement,
    Redemption,
    new_code,
)
from jifen.shop.models import Status as OrderStatus
from jifen.shop.presence import Presence, consume

MAX_QUANTITY = 99  # in one order


# --- Items -------------------------------------------------------------------------------


def is_operator(person: Person, merchant: Merchant) -> bool:
    """Is the person one of the merchant's operators (爱心商户的店员)?"""
    return merchant.is_active and merchant.operators.filter(pk=person.pk).exists()


def may_approve(actor: Person, region: Region, merchant: Merchant | None) -> bool:
    """Staff of the region approve a merchant's offers, unless they operate the merchant
    themselves (nobody approves their own prices)."""
    if merchant is not None and merchant.operators.filter(pk=actor.pk).exists():
        return False
    return authz.can(actor, authz.MANAGE_SHOP, region)


def require_item_manager(actor: Person, item_region: Region, merchant: Merchant | None) -> None:
    """Staff of the region run its items; a merchant's operators run its own offers."""
    if merchant is not None and is_operator(actor, merchant):
        return
    authz.require(actor, authz.MANAGE_SHOP, item_region)


def _clean_int(
    value: Any, field: str, *, low: int, high: int, message: Any, params: Any = None
) -> int:
    def refused() -> InvalidInput:
        return InvalidInput(message, field=field, params=params)

    if isinstance(value, bool):
        raise refused()
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise refused() from None
    if number != value and not isinstance(value, str):
        raise refused()
    if not low <= number <= high:
        raise refused()
    return number


def _clean_text(value: Any, field: str, limit: int, *, required: bool, lines: bool = False) -> str:
    """Text shown to others (an item's name, a note, a reason)."""
    return clean_field(value, field, limit, required=required, lines=lines)


@dataclass
class ItemTerms:
    """What staff or a merchant enter for an item (validated by ``clean``)."""

    name: str
    points: Any
    stock: Any
    kind: str = Kind.GOODS
    description: str = ""
    per_person_limit: Any = None
    limit_period: str = LimitPeriod.MONTH
    available_from: date | None = None
    available_until: date | None = None
    sponsor: str = ""

    def clean(self) -> dict[str, Any]:
        if self.kind not in Kind.values:
            raise InvalidInput(_("Choose goods, a service, an honour or a voucher."), field="kind")
        if self.limit_period not in LimitPeriod.values:
            raise InvalidInput(_("Choose month, quarter or year."), field="limit_period")
        limit = None
        if self.per_person_limit not in (None, ""):
            limit = _clean_int(
                self.per_person_limit,
                "per_person_limit",
                low=1,
                high=MAX_QUANTITY * 10,
                message=_("The limit per person is a whole number of at least 1, or empty."),
            )
        if (
            self.available_from
            and self.available_until
            and self.available_until < self.available_from
        ):
            raise InvalidInput(
                _("The last day cannot come before the first."), field="available_until"
            )
        return {
            "name": _clean_text(self.name, "name", 100, required=True),
            "description": _clean_text(
                self.description, "description", 1000, required=False, lines=True
            ),
            "sponsor": _clean_text(self.sponsor, "sponsor", 100, required=False),
            "kind": self.kind,
            "points": _clean_int(
                self.points,
                "points",
                low=1,
                high=MAX_POINTS,
                message=_("The price is a whole number of points above zero."),
            ),
            "stock": _clean_int(
                self.stock,
                "stock",
                low=0,
                high=10_000_000,
                message=_("The stock is a whole number, zero or more."),
            ),
            "per_person_limit": limit,
            "limit_period": self.limit_period,
            "available_from": self.available_from,
            "available_until": self.available_until,
        }


def _audit_item(item: Item) -> dict[str, Any]:
    return {
        "name": item.name,
        "kind": item.kind,
        "points": item.points,
        "stock": item.stock,
        "per_person_limit": item.per_person_limit,
        "limit_period": item.limit_period,
        "available_from": item.available_from.isoformat() if item.available_from else None,
        "available_until": item.available_until.isoformat() if item.available_until else None,
        "sponsor": item.sponsor,
        "is_active": item.is_active,
        "approved": item.approved_at is not None,
    }


@transaction.atomic
def create_item(
    *,
    actor: Person,
    terms: ItemTerms,
    region: Region | None = None,
    merchant: Merchant | None = None,
) -> Item:
    """A new item of a region (staff), or a merchant's own offer (its operators, or staff
    of its region). ``region`` defaults to the merchant's, then the actor's community."""
    if merchant is not None:
        region = merchant.region
    elif region is None:
        region = actor.community
    if region is None:
        raise InvalidInput(_("Please choose the community that offers the item."), field="region")
    if region.level not in (Level.COUNTY, Level.TOWN, Level.COMMUNITY):
        raise InvalidInput(
            _("Items are offered by a community, a town or the county."), field="region"
        )
    require_item_manager(actor, region, merchant)
    approved = merchant is None or may_approve(actor, region, merchant)
    item = Item.objects.create(
        region=region,
        merchant=merchant,
        created_by=actor,
        approved_at=timezone.now() if approved else None,
        approved_by=actor if approved else None,
        **terms.clean(),
    )
    record(
        actor=actor, action="shop.item.create", target=item, region=region, after=_audit_item(item)
    )
    return item


@transaction.atomic
def update_item(*, actor: Person, item: Item, terms: ItemTerms) -> Item:
    """Change an item's terms; orders already placed keep the price they paid. The stock
    is not a term here: it stays as the locked row has it (orders placed while an edit
    form was open stay counted); it changes by ``restock`` and by orders."""
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("region", "merchant")
        .get(pk=item.pk)
    )
    require_item_manager(actor, item.region, item.merchant)
    before = _audit_item(item)
    terms.stock = item.stock
    cleaned = terms.clean()
    changes_deal = any(getattr(item, name) != cleaned[name] for name in DEAL_TERMS)
    for name, value in cleaned.items():
        setattr(item, name, value)
    if (
        item.merchant is not None
        and changes_deal
        and not may_approve(actor, item.region, item.merchant)
    ):
        item.approved_at, item.approved_by = None, None  # back to staff before it sells again
    item.save()
    record(
        actor=actor,
        action="shop.item.update",
        target=item,
        region=item.region,
        before=before,
        after=_audit_item(item),
    )
    return item


@transaction.atomic
def approve_item(*, actor: Person, item: Item | int, seen: str = "") -> Item:
    """Staff of the offer's region approve a merchant's offer: from now on it is on the
    price list and can be redeemed. Not by the merchant's own operators. ``seen``, the
    offer's ``terms`` as the approver saw them: refused (409 ``offer_changed``) when the
    merchant has changed the offer since, so nobody approves a price they did not see."""
    locked = _item_row(item.pk if isinstance(item, Item) else item, lock=True).item
    if locked.merchant is not None and is_operator(actor, locked.merchant):
        raise PermissionDenied(_("The merchant's own operators do not approve its offers."))
    authz.require(actor, authz.MANAGE_SHOP, locked.region)
    if seen and not hmac.compare_digest(str(seen), locked.terms):
        raise Conflict(
            _("The merchant changed this offer after you opened it: look at it again first."),
            code="offer_changed",
        )
    if locked.approved_at is None:
        locked.approved_at, locked.approved_by = timezone.now(), actor
        Item.objects.filter(pk=locked.pk).update(approved_at=locked.approved_at, approved_by=actor)
        record(
            actor=actor,
            action="shop.item.approve",
            target=locked,
            region=locked.region,
            after=_audit_item(locked),
        )
    return locked


@transaction.atomic
def restock(*, actor: Person, item: Item, change: Any, note: str = "") -> Item:
    """Add (or, negative, remove: breakage, a count) stock; audited with the note."""
    delta = _clean_int(
        change,
        "change",
        low=-10_000_000,
        high=10_000_000,
        message=_("The change of stock is a whole number."),
    )
    if delta == 0:
        raise InvalidInput(_("The change of stock is a whole number."), field="change")
    note = _clean_text(note, "note", 200, required=delta < 0)
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("region", "merchant")
        .get(pk=item.pk)
    )
    require_item_manager(actor, item.region, item.merchant)
    if item.stock + delta < 0:
        raise Conflict(
            _("Only %(stock)s left: that much cannot be removed."),
            code="out_of_stock",
            params={"stock": item.stock},
        )
    before = item.stock
    Item.objects.filter(pk=item.pk).update(stock=F("stock") + delta)
    item.refresh_from_db(fields=["stock"])
    record(
        actor=actor,
        action="shop.item.restock",
        target=item,
        region=item.region,
        before={"stock": before},
        after={"stock": item.stock, "change": delta, "note": note},
    )
    return item


@transaction.atomic
def set_item_active(*, actor: Person, item: Item, active: bool) -> Item:
    """Take an item off sale or back; orders already placed are not touched."""
    item = (
        Item.objects.select_for_update(of=("self",))
        .select_related("region", "merchant")
        .get(pk=item.pk)
    )
    require_item_manager(actor, item.region, item.merchant)
    if item.is_active != active:
        Item.objects.filter(pk=item.pk).update(is_active=active)
        item.is_active = active
        record(
            actor=actor,
            action="shop.item.activate" if active else "shop.item.deactivate",
            target=item,
            region=item.region,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return item


@transaction.atomic
def set_item_image(*, actor: Person, item: Item, upload: Any) -> Item:
    """A photo of the item: checked and re-encoded as claim photos are (no metadata kept)."""
    require_item_manager(actor, item.region, item.merchant)
    data, fmt, _width, _height = clean_image(read_upload(upload))
    content_type = FORMATS[fmt][1]  # clean_image names the format (JPEG); served as its type
    changes: dict[str, Any] = {"image": data, "image_type": content_type}
    if item.merchant is not None and not may_approve(actor, item.region, item.merchant):
        # What an offer shows is part of the offer: staff see the new picture before it sells.
        changes.update(approved_at=None, approved_by=None)
    Item.objects.filter(pk=item.pk).update(**changes)
    for field, value in changes.items():
        setattr(item, field, value)
    record(actor=actor, action="shop.item.image", target=item, region=item.region)
    return item


# --- Where and when an item can be redeemed ----------------------------------------------


def item_serves(item: Item, community: Region) -> bool:
    """Is the item offered to residents of ``community`` (its own, or from above)?"""
    return community.is_within(item.region)


def on_sale(item: Item, day: date) -> bool:
    if not item.is_active or item.approved_at is None:  # a merchant's offer waiting for staff
        return False
    if item.merchant is not None and not item.merchant.is_active:
        return False
    if item.available_from and day < item.available_from:
        return False
    return not (item.available_until and day > item.available_until)


def _window(policy: CommunityPolicy) -> windows.Window:
    return windows.Window(
        months=windows.parse_months(policy.redemption_months),
        first_day=policy.redemption_first_day,
        last_day=policy.redemption_last_day,
    )


def window_of(community: Region) -> windows.Window:
    return _window(policy_for(community))


def _require_window(window: windows.Window, day: date) -> None:
    if windows.is_open(window, day):
        return
    opens = windows.next_opening(window, day)
    if opens is None:
        raise Conflict(_("The points supermarket is closed."), code="window_closed")
    raise Conflict(
        _("Redeeming is closed now; the next window opens on %(date)s."),
        code="window_closed",
        params={"date": opens.isoformat()},
    )


def period_start(period: str, day: date) -> date:
    """The first day of the limit's period (calendar month, quarter or year) around ``day``."""
    if period == LimitPeriod.YEAR:
        return date(day.year, 1, 1)
    if period == LimitPeriod.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, day.month, 1)


def already_taken(person: Person, item: Item, day: date) -> int:
    """How many of the item the person holds this period (orders not cancelled or expired)."""
    start = timezone.make_aware(
        datetime.combine(period_start(item.limit_period, day), datetime.min.time())
    )
    taken = Redemption.objects.filter(
        person=person,
        item=item,
        created_at__gte=start,
        status__in=[OrderStatus.RESERVED, OrderStatus.FULFILLED],
    ).aggregate(n=Sum("quantity"))["n"]
    return int(taken or 0)


# --- Redeeming ---------------------------------------------------------------------------


PRESENCE_REQUIRED = _(
    "A merchant takes points only from a resident who is there: scan or type the code of "
    "their volunteer card, or the pay code on their phone."
)


def _acting(
    actor: Person, person: Person | None, proof: Presence | None, item: Item
) -> tuple[Person, bool, str]:
    """(the holder, placed by a family proxy, how the holder was named — for the audit).

    A resident redeems for themself; their registered proxy and staff of their community
    may name them (the elderly at the counter). A merchant's operator takes points only
    with proof the resident is there (their card or pay code, ``presence``), never by
    naming them — not even one who is staff too; staff may use such a proof as well.
    Nobody uses their own proof."""
    operator = item.merchant is not None and is_operator(actor, item.merchant)
    if proof is not None:
        holder = proof.person
        if holder.pk == actor.pk:
            raise PermissionDenied(
                _("A card or pay code is shown at a counter; its holder does not use it.")
            )
        if operator or (
            holder.community is not None and authz.can(actor, authz.MANAGE_SHOP, holder.community)
        ):
            return holder, False, proof.via
        raise PermissionDenied(
            _("You take points with a card or pay code only for your own offers or shop.")
        )
    if person is None or person.pk == actor.pk:
        return actor, False, "self"
    if Proxy.objects.filter(principal=person, agent=actor, revoked_at__isnull=True).exists():
        return person, True, "proxy"
    if operator:
        # Also when the operator holds a staff role: naming a resident by id is the
        # counter's way for the shop of the community, not for a merchant paid in money
        # for the points it takes — nobody takes points for their own offers unseen.
        raise PermissionDenied(PRESENCE_REQUIRED, code="presence_required")
    if person.community is not None and authz.can(actor, authz.MANAGE_SHOP, person.community):
        return person, False, "staff"
    raise PermissionDenied(_("You may redeem only for yourself or a resident you act for."))


def clean_quantity(value: Any) -> int:
    return _clean_int(
        value,
        "quantity",
        low=1,
        high=MAX_QUANTITY,
        message=_("The quantity is a whole number from 1 to %(max)s."),
        params={"max": MAX_QUANTITY},
    )


_ITEM, _ITEM_REGION, _ITEM_MERCHANT, _ITEM_POLICY = (
    Columns(Item, "i", defer=("image",)),  # the picture is not needed to sell it
    Columns(Region, "r"),
    Columns(Merchant, "m"),
    Columns(CommunityPolicy, "c"),
)


@functools.cache
def _item_sql(vendor: str, lock: bool) -> str:
    """What ``Item.objects.select_for_update(of=("self",)).select_related("region",
    "merchant")`` reads, and the settings of the item's region, written once: every
    redemption of a crowd starts here, and the ORM took longer to build the statement
    than the database to answer it. The settings are the buyer's community's whenever
    the item is its own (the supermarket's shelf): one statement less for most orders.
    SQLite has no row locks; its writers queue at BEGIN IMMEDIATE instead."""
    quote = connection.ops.quote_name
    lock_clause = (
        " FOR UPDATE OF i" if lock and connection.features.has_select_for_update_of else ""
    )
    return (
        f"SELECT {_ITEM.select}, {_ITEM_REGION.select}, {_ITEM_MERCHANT.select}, "  # noqa: S608 - names from the models; the value is a parameter
        f"{_ITEM_POLICY.select} "
        f"FROM {_ITEM.source} "
        f"JOIN {_ITEM_REGION.source} ON r.{quote('id')} = i.{quote('region_id')} "
        f"LEFT JOIN {_ITEM_MERCHANT.source} ON m.{quote('id')} = i.{quote('merchant_id')} "
        f"LEFT JOIN {_ITEM_POLICY.source} ON c.{quote('region_id')} = i.{quote('region_id')} "
        f"WHERE i.{quote('id')} = %s{lock_clause}"
    )


class _Offered(NamedTuple):
    """An item as ``_item_row`` reads it, with the settings of its region."""

    item: Item
    policy: CommunityPolicy  # of the item's region (the defaults when it has none)


def _item_row(item_id: int, *, lock: bool) -> _Offered:
    with connection.cursor() as cursor:
        cursor.execute(_item_sql(connection.vendor, lock), [item_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("There is no such item."))
    item: Item = _ITEM.load(row)
    region = _ITEM_REGION.load(row, len(_ITEM))
    cache_related(item, "region", region)
    at = len(_ITEM) + len(_ITEM_REGION)
    cache_related(item, "merchant", _ITEM_MERCHANT.load(row, at))
    policy = policy_as_read(region, _ITEM_POLICY.load(row, at + len(_ITEM_MERCHANT)))
    return _Offered(item, policy)


@dataclass(frozen=True)
class _Checked:
    """Who an order is for and where, once every rule has let it through."""

    holder: Person
    by_proxy: bool
    proof: str
    community: Region
    policy: CommunityPolicy


def _check(
    actor: Person,
    person: Person | None,
    presence: Presence | None,
    offered: _Offered,
    count: int,
    day: date,
) -> _Checked:
    """Every rule of an order, in the order of ``redeem``'s refusals; a pay code is used
    up on the way (inside the order's transaction: a refusal after it rolls it back)."""
    item = offered.item
    holder, by_proxy, proof = _acting(actor, person, presence, item)
    if item.merchant is not None and item.merchant.operators.filter(pk=holder.pk).exists():
        # The merchant is paid in money for the points it takes: its own people spending
        # their points there would be paid for what they gave themselves.
        raise PermissionDenied(
            _("A merchant's operators do not spend their own points at the merchant."),
            code="own_merchant",
        )
    if presence is not None:
        consume(presence, actor)
    community = home_community(holder)
    if not item_serves(item, community):
        raise NotFound(_("There is no such item."))
    if not on_sale(item, day):
        raise Conflict(
            _("%(item)s is not on offer now."), code="not_available", params={"item": item.name}
        )
    # The item's own community's settings came with the item; another's are read.
    policy = offered.policy if item.region_id == community.pk else policy_for(community)
    if item.merchant is None:  # 一季一兑换 is the supermarket's; a merchant sells daily
        _require_window(_window(policy), day)
    if item.per_person_limit is not None:
        taken = already_taken(holder, item, day)
        if taken + count > item.per_person_limit:
            raise Conflict(
                _(
                    "%(item)s is limited to %(limit)s per person %(period)s; "
                    "%(taken)s already taken."
                ),
                code="limit_reached",
                params={
                    "item": item.name,
                    "limit": item.per_person_limit,
                    "period": item.get_limit_period_display(),
                    "taken": taken,
                },
            )
    if item.stock < count:
        raise Conflict(
            _("%(item)s is out of stock (%(stock)s left)."),
            code="out_of_stock",
            params={"item": item.name, "stock": item.stock},
        )
    return _Checked(holder, by_proxy, proof, community, policy)


def redeem(
    *,
    actor: Person,
    item: Item | int,
    quantity: Any,
    person: Person | None = None,
    presence: Presence | None = None,
    tell_holder: bool = True,
) -> Redemption:
    """Order ``quantity`` of the item for the holder (the actor, the person they act for,
    or the resident whose card or pay code they present): the points leave at once, the
    stock is reserved, the order gets its pickup code; a pay code is used up with it.
    When someone else orders for the holder (staff at the counter, a family proxy), the
    holder is told, with the pickup code.
    Refusals, in this order: ``forbidden``/``presence_required``/``own_merchant`` (who
    may), ``paycode_used``/``paycode_expired``, ``not_found`` (not offered to the
    holder), ``not_available`` (off sale or not approved), ``window_closed``,
    ``limit_reached``, ``out_of_stock``, ``insufficient_points``; each leaves everything
    as it was, the pay code unused."""
    count = clean_quantity(quantity)
    item_id = item.pk if isinstance(item, Item) else item
    today = timezone.localdate()
    if presence is None:
        # When a crowd races for an item, most come after the last one went. Each of them
        # is refused from the row as it stands — the same checks in the same order, so the
        # same answer — with no transaction and no wait in the queue for the row's lock.
        # What is read here was committed, so the refusal is the one the locked pass would
        # have given at that moment (stock a cancel or restock returns later is for the
        # next order); enough stock here proves nothing, and the order goes on to the
        # locked pass below. Nothing is written here.
        seen = _item_row(item_id, lock=False)
        if seen.item.stock < count:
            _check(actor, person, None, seen, count, today)  # refuses: out_of_stock or before
    with transaction.atomic():
        order = _place(actor, _item_row(item_id, lock=True), person, presence, count, today)
        if tell_holder and order.person_id != actor.pk:
            _tell(
                order,
                _("An order was placed for you: %(item)s"),
                _(
                    "%(actor)s ordered %(item)s × %(n)s for you (%(points)s points). "
                    "Pickup code: %(code)s."
                ),
                kind="order_ready",
                actor=actor.name,
                n=order.quantity,
            )
        return order


def _place(
    actor: Person,
    offered: _Offered,
    person: Person | None,
    presence: Presence | None,
    count: int,
    today: date,
) -> Redemption:
    """The order itself, in its transaction: every rule again on the locked row, then the
    stock, the order, the points and the audit."""
    checked = _check(actor, person, presence, offered, count, today)
    locked = offered.item
    holder, by_proxy, proof = checked.holder, checked.by_proxy, checked.proof
    community, policy = checked.community, checked.policy
    points = locked.points * count
    order = Redemption(
        person=holder,
        item=locked,
        community=community,
        merchant=locked.merchant,
        quantity=count,
        points=points,
        placed_by=None if holder.pk == actor.pk else actor,
        by_proxy=by_proxy,
        expires_at=timezone.now() + timedelta(days=policy.order_expiry_days),
        code=new_code(),
    )
    _take_stock_and_insert(order, locked.pk, count)
    if locked.merchant is not None:
        sink = ledger.account_for(locked.merchant)
        holder_account = ledger.account_for(holder)
    else:
        sink, holder_account = ledger.home_accounts(holder, AccountKind.SHOP)
    order.transfer = ledger.post(
        Posting(
            debit=holder_account,
            credit=sink,
            amount=points,
            kind=TransferKind.REDEMPTION,
            key=f"redemption:{order.pk}",
            actor=actor,
            memo=ledger_text(_("Redeemed %(item)s × %(n)s"), item=locked.name, n=count),
            source_type="redemption",
            source_id=order.pk,
        ),
        # The key names the order just written: new in this transaction, which an error
        # here rolls back whole.
        savepoint=False,
    )
    with connection.cursor() as cursor:
        cursor.execute(_order_sql(connection.vendor)[1], [order.transfer.pk, order.pk])
    locked.stock -= count
    record(
        actor=actor,
        action="shop.redeem",
        target=order,
        region=community,
        on_behalf_of=None if holder.pk == actor.pk else holder,
        after={
            "volunteer": holder.volunteer_no,
            "item": locked.name,
            "quantity": count,
            "points": points,
            "by_proxy": by_proxy,
            "proof": proof,
        },
    )
    return order


# A won order is written by fixed statements, as the item was read (``_item_sql``): the
# ORM built the stock's UPDATE, the pickup code's check, the order's INSERT and its
# transfer's UPDATE on every order, and took longer to build them than the database to
# run them. The code's check is the INSERT's own (``ON CONFLICT (code) DO NOTHING``).
_ORDER = Insert(Redemption, skip_on_conflict="code")


@functools.cache
def _order_sql(vendor: str) -> tuple[str, str]:
    """The stock taken, and the order's transfer recorded."""
    quote = connection.ops.quote_name
    item, order = quote(Item._meta.db_table), quote(Redemption._meta.db_table)
    stock = quote("stock")
    return (
        f"UPDATE {item} SET {stock} = {stock} - %s WHERE {quote('id')} = %s",  # noqa: S608 - names from the models
        f"UPDATE {order} SET {quote('transfer_id')} = %s WHERE {quote('id')} = %s",  # noqa: S608
    )


def _take_stock_and_insert(order: Redemption, item_id: int, count: int) -> None:
    """Take ``count`` from the locked item's stock (its CHECK refuses going below zero) and
    insert ``order``, with a pickup code no order has. On PostgreSQL both go as one
    message. A code already taken (a one-in-10¹¹ event) is drawn again."""
    take = _order_sql(connection.vendor)[0]
    with connection.cursor() as cursor:
        insert = _ORDER.sql(connection)
        if in_one_message(cursor):
            cursor.execute(f"{take}; {insert}", [count, item_id, *_ORDER.params(order, connection)])
            cursor.nextset()
        else:
            cursor.execute(take, [count, item_id])
            cursor.execute(insert, _ORDER.params(order, connection))
        pk = _ORDER.new_id(cursor, connection)
        while pk is None:
            order.code = new_code()
            cursor.execute(insert, _ORDER.params(order, connection))
            pk = _ORDER.new_id(cursor, connection)
    _ORDER.saved(order, pk, connection)


def normalize_code(text: str) -> str:
    """What a person typed or a scanner read: spaces and dashes dropped, upper case, and
    the look-alikes (O→0 is not in the alphabet) left for the lookup to refuse."""
    code = "".join(ch for ch in str(text or "").upper() if ch.isalnum())
    if code.startswith("JFO"):  # the QR on the order page: "JFO:<code>"
        code = code[3:]
    return code


# --- Hand-over, cancelling, expiry ------------------------------------------------------------


def may_hand_over(actor: Person, order: Redemption) -> bool:
    """Staff of the holder's community; for a merchant's offer, its operators too."""
    if order.merchant is not None and is_operator(actor, order.merchant):
        return True
    return authz.can(actor, authz.MANAGE_SHOP, order.community)


def _locked_order(order: Redemption | int) -> Redemption:
    pk = order.pk if isinstance(order, Redemption) else order
    found = (
        Redemption.objects.select_for_update(of=("self",))
        .select_related("item", "community", "merchant", "person", "transfer")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such order."))
    return found


def _not_reserved(order: Redemption) -> Conflict:
    if order.status == OrderStatus.FULFILLED:
        assert order.fulfilled_at is not None  # noqa: S101 - by the row's CHECK
        return Conflict(
            _("This order was handed over on %(when)s."),
            code="already_fulfilled",
            params={"when": timezone.localtime(order.fulfilled_at).strftime("%Y-%m-%d %H:%M")},
        )
    return Conflict(
        _("This order is %(status)s."),
        code="not_reserved",
        params={"status": order.get_status_display()},
    )


PICKUP_CODE_REQUIRED = _(
    "A merchant hands an order over only to the resident who shows its pickup code: scan "
    "or type the code of their order."
)


def _require_pickup_code(actor: Person, order: Redemption, code: str | None) -> None:
    """A merchant's operator hands an order over only on the pickup code its holder shows.
    Handing over ends the order — it can no longer be cancelled nor expire with a refund,
    and the merchant is paid for it — so an operator who picked an order by its id, with
    nobody at the counter, would keep a resident's points for goods never given. Staff of
    the holder's community hand over by id at the counter (audited), as they order by id."""
    if authz.can(actor, authz.MANAGE_SHOP, order.community):
        return
    if code is None or not hmac.compare_digest(normalize_code(code), order.code):
        raise PermissionDenied(PICKUP_CODE_REQUIRED, code="pickup_code_required")


@transaction.atomic
def fulfil(*, actor: Person, order: Redemption | int, code: str | None = None) -> Redemption:
    """Hand the goods over (核销): staff by the order's id; a merchant's operator with the
    pickup ``code`` the holder shows (``pickup``), or right after taking the points from
    the resident at the counter (``take_points``)."""
    locked = _locked_order(order)
    if not may_hand_over(actor, locked):
        raise NotFound(_("There is no such order."))
    _require_pickup_code(actor, locked, code)
    if locked.status != OrderStatus.RESERVED:
        raise _not_reserved(locked)
    locked.status = OrderStatus.FULFILLED
    locked.fulfilled_at = timezone.now()
    locked.fulfilled_by = actor
    locked.save(update_fields=["status", "fulfilled_at", "fulfilled_by"])
    record(
        actor=actor,
        action="shop.fulfil",
        target=locked,
        region=locked.community,
        on_behalf_of=locked.person,
        after={"code": locked.code, "item": locked.item.name, "quantity": locked.quantity},
    )
    return locked


def find_by_code(actor: Person, code: str) -> Redemption:
    """The order with this pickup code, when the actor may hand it over; 404 otherwise."""
    clean = normalize_code(code)
    if not clean or any(ch not in CODE_ALPHABET for ch in clean):
        raise InvalidInput(_("This is not a pickup code."), code="invalid_code", field="code")
    order = (
        Redemption.objects.select_related("item", "community", "merchant", "person")
        .filter(code=clean)
        .first()
    )
    if order is None or not may_hand_over(actor, order):
        raise NotFound(_("No order has this pickup code here."))
    return order


def pickup(*, actor: Person, code: str) -> Redemption:
    """Hand over the order with this pickup code."""
    return fulfil(actor=actor, order=find_by_code(actor, code), code=code)


def _undo(order: Redemption, actor: Person | None, status: str, reason: str) -> Redemption:
    """Refund the points, return the stock (the order's row is locked)."""
    Item.objects.select_for_update().filter(pk=order.item_id).update(
        stock=F("stock") + order.quantity
    )
    assert order.transfer is not None  # noqa: S101 - posted with the order
    order.refund = reverse_transfer(transfer=order.transfer, actor=actor, reason=reason)
    order.status = status
    order.cancelled_at = timezone.now()
    order.cancelled_by = actor
    order.reason = reason[:200]
    order.save(update_fields=["refund", "status", "cancelled_at", "cancelled_by", "reason"])
    return order


@transaction.atomic
def cancel(*, actor: Person, order: Redemption | int, reason: str = "") -> Redemption:
    """Before hand-over only, by the holder (or their proxy) or staff: the points come
    back by a refund transfer and the stock is returned."""
    locked = _locked_order(order)
    own = (
        locked.person_id == actor.pk
        or Proxy.objects.filter(
            principal_id=locked.person_id, agent=actor, revoked_at__isnull=True
        ).exists()
    )
    staff = authz.can(actor, authz.MANAGE_SHOP, locked.community)
    if not own and not staff:
        raise NotFound(_("There is no such order."))
    if locked.status != OrderStatus.RESERVED:
        raise _not_reserved(locked)
    reason = _clean_text(reason, "reason", 200, required=False)
    # Kept in the deployment's language: the ledger and the audit read the same for all.
    with translation.override(settings.LANGUAGE_CODE):
        memo = reason or (
            gettext("cancelled by the holder") if own else gettext("cancelled by staff")
        )
    _undo(
        locked,
        actor,
        OrderStatus.CANCELLED,
        ledger_text(_("Order %(code)s cancelled: %(why)s"), code=locked.code, why=memo),
    )
    record(
        actor=actor,
        action="shop.cancel",
        target=locked,
        region=locked.community,
        on_behalf_of=None if locked.person_id == actor.pk else locked.person,
        after={"code": locked.code, "points": locked.points, "reason": memo},
    )
    if actor.pk != locked.person_id:  # staff, or a family proxy: the holder hears of it
        _tell(
            locked,
            _("Your order %(code)s was cancelled"),
            _("%(points)s points are back. Reason: %(reason)s."),
            kind="order_cancelled",
            reason=reason or (_("cancelled by the holder") if own else _("cancelled by staff")),
        )
    return locked


def expire_overdue(now: datetime | None = None) -> int:
    """(From ``jifen tick``.) Orders not picked up in time are refunded, one transaction
    each; an order handed over or cancelled meanwhile is left alone."""
    now = now or timezone.now()
    done = 0
    overdue = Redemption.objects.filter(status=OrderStatus.RESERVED, expires_at__lt=now)
    for pk in overdue.values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            locked = _locked_order(pk)
            if locked.status != OrderStatus.RESERVED or locked.expires_at >= now:
                continue
            reason = ledger_text(_("Order %(code)s not picked up in time"), code=locked.code)
            _undo(locked, None, OrderStatus.EXPIRED, reason)
            record(
                actor=None,
                action="shop.expire",
                target=locked,
                region=locked.community,
                on_behalf_of=locked.person,
                after={"code": locked.code, "points": locked.points},
            )
            _tell(
                locked,
                _("Your order %(code)s has expired"),
                _("It was not picked up in time; %(points)s points are back."),
                kind="order_expired",
            )
            done += 1
    return done


def _tell(order: Redemption, subject: Any, body: Any, *, kind: str = "", **extra: Any) -> None:
    """The holder's notice, kept in this transaction and read in the reader's language;
    the backend hears after commit."""
    params = {"code": order.code, "points": order.points, "item": order.item.name, **extra}
    message = notify.Message(
        order.person,
        say(subject, **params),
        say(body, **params),
        kind=kind,
        url=reverse("shop:order", args=[order.pk]),
    )
    notices.send([message])


# --- Merchants -------------------------------------------------------------------------------


@transaction.atomic
def take_points(
    *, actor: Person, item: Item | int, presence: Presence, quantity: Any = 1
) -> Redemption:
    """A merchant's operator takes the points for one of the merchant's offers (100 积分
    兑换8折餐券) from the resident whose card or pay code is presented (``presence.
    identify``): ordered and handed over at once."""
    locked = _item_row(item.pk if isinstance(item, Item) else item, lock=True).item
    if locked.merchant is None or not is_operator(actor, locked.merchant):
        raise PermissionDenied(_("Only the merchant's operators take points for its offers."))
    order = redeem(
        actor=actor, item=locked, quantity=quantity, presence=presence, tell_holder=False
    )
    # The resident's card or pay code was just shown for this very order.
    order = fulfil(actor=actor, order=order, code=order.code)
    # The resident hears at once what left their balance, and where: a card shown to the
    # wrong counter is noticed the same day.
    _tell(
        order,
        _("%(points)s points paid at %(merchant)s"),
        _("%(merchant)s took %(points)s points for %(item)s × %(n)s."),
        kind="points_taken",
        merchant=locked.merchant.name,
        n=order.quantity,
    )
    return order


def merchant_orders(merchant: Merchant, month: str) -> Any:
    """The merchant's orders handed over in the month, oldest first."""
    start, end = months.month_bounds(month)
    return (
        Redemption.objects.filter(
            merchant=merchant,
            status=OrderStatus.FULFILLED,
            fulfilled_at__gte=start,
            fulfilled_at__lt=end,
        )
        .select_related("item", "person", "community")
        .order_by("fulfilled_at", "pk")
    )


@transaction.atomic
def settle_merchant(*, actor: Person, merchant: Merchant, month: str) -> MerchantSettlement:
    """The community has paid the merchant for the month: the points of the orders handed
    over that month leave the merchant's account for the settlement sink. Once a month."""
    authz.require(actor, authz.MANAGE_SHOP, merchant.region)
    # Only YYYY-MM (lib.months): a settlement is unique per month *string*, so
    # "2026-3" beside "2026-03" would settle March twice.
    _start, end = months.month_bounds(month)
    if end > timezone.now():
        raise Conflict(_("A month is settled once it has ended."), code="month_not_ended")
    if merchant.region.level != Level.COMMUNITY:
        raise InvalidInput(_("Only a merchant of a community can be settled here."))
    # Two clicks at once: the second waits on the merchant's row, then finds the month
    # settled (without it, it got past this check and failed on the unique settlement).
    Merchant.objects.select_for_update().filter(pk=merchant.pk).values_list("pk").get()
    if MerchantSettlement.objects.filter(merchant=merchant, month=month).exists():
        raise Conflict(_("This month is already settled."), code="already_settled")
    totals = merchant_orders(merchant, month).aggregate(points=Sum("points"), orders=Count("pk"))
    orders, points = int(totals["orders"]), int(totals["points"] or 0)
    if points == 0:
        raise Conflict(_("No order was handed over that month."), code="nothing_to_settle")
    transfer = ledger.post(
        Posting(
            debit=ledger.account_for(merchant),
            credit=ledger.system_account(merchant.region, AccountKind.SETTLEMENT),
            amount=points,
            kind=TransferKind.SETTLEMENT,
            key=f"merchant-settlement:{merchant.pk}:{month}",
            actor=actor,
            memo=ledger_text(
                _("Settlement of %(merchant)s for %(month)s"), merchant=merchant.name, month=month
            ),
            source_type="merchant",
            source_id=merchant.pk,
            period=month,
        )
    )
    settlement = MerchantSettlement.objects.create(
        merchant=merchant,
        month=month,
        orders=orders,
        points=points,
        transfer=transfer,
        settled_by=actor,
    )
    record(
        actor=actor,
        action="shop.merchant.settle",
        target=settlement,
        region=merchant.region,
        after={"merchant": merchant.name, "month": month, "orders": orders, "points": points},
    )
    return settlement
