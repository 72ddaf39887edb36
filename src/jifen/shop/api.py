"""积分超市 and 商居联盟 over HTTP: the clearly priced list, items and stock, redeeming,
hand-over by pickup code, cancelling, the liability dashboard and merchants' settlement.

Thin on purpose: the services check who may and what is valid, so this module only
finds what the caller may reach (anything else is 404), parses the input and shapes the
answer. Every POST that creates an order or moves points (redeeming, cancelling,
settling) takes an ``Idempotency-Key``; hand-over takes one too, so that a scanner's
retry answers the first hand-over instead of ``already_fulfilled``.
"""

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import date, datetime
from typing import Annotated, Any, overload

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.api.fields import MAX_ID, Code, Id, LongText, Text
from jifen.api.idempotency import idempotent
from jifen.api.security import caller, optional_person
from jifen.lib import months
from jifen.lib.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.models import Merchant, Person, Proxy
from jifen.regions.models import Region
from jifen.regions.selectors import get_region
from jifen.shop import presence, selectors, services
from jifen.shop.models import Item, Kind, LimitPeriod, MerchantSettlement, Redemption
from jifen.shop.models import Status as OrderStatus
from jifen.shop.presence import Presence

router = Router(tags=["shop"])

QR_PREFIX = "JFO:"  # what the order's QR code holds; services.normalize_code reads it back


class Body(Schema):
    """A JSON object: ninja's schemas read any value by attribute, so an array, a string or
    a number would otherwise pass as an object with every field left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# A JSON integer: true, 2.5 and "2" are refused rather than read as numbers. Its range
# (quantity 1–99, stock 0 or more …) is the services' to check, with their own message.
Whole = Annotated[int, Field(strict=True)]


# --- Output -------------------------------------------------------------------------------
#
# Plain schemas filled from dicts: an idempotent POST records its answer as JSON and a
# replay validates that JSON against the same schema.


class ItemOut(Schema):
    id: int
    name: str
    kind: str = Field(description="goods, service, honour or voucher")
    kind_label: str
    description: str
    points: int = Field(description="the price of one, in points")
    stock: int
    per_person_limit: int | None = Field(description="per person per limit_period; null: none")
    limit_period: str = Field(description="month (calendar month), quarter or year")
    limit_period_label: str
    region: str = Field(description="code of the community, town or county that offers it")
    region_name: str
    merchant: int | None = Field(description="set for a partner merchant's own offer")
    merchant_name: str | None
    sponsor: str = Field(description="donor or sponsor (爱心商户, 驻区单位 …)")
    available_from: date | None
    available_until: date | None
    is_active: bool
    approved: bool = Field(
        description="a merchant's offer is on the list only once staff approve it; a change "
        "of its name, kind, description or price by the merchant waits for approval again"
    )
    image_url: str | None
    terms: str = Field(
        description="a fingerprint of the name, kind, description and price: send it back as "
        "`seen` when approving, so a change made meanwhile is refused (offer_changed)"
    )


class OrderOut(Schema):
    id: int
    code: str = Field(
        description="the pickup code (核销码), typed or scanned at hand-over; empty for a "
        "merchant's operator while the order waits: the holder shows it at the counter"
    )
    qr: str = Field(description="what the order's QR code holds (empty when code is)")
    status: str = Field(description="reserved, fulfilled, cancelled or expired")
    status_label: str
    item: int
    item_name: str
    item_kind: str
    quantity: int
    points: int = Field(description="points taken for the whole order")
    community: str = Field(description="code of the holder's home community")
    merchant: int | None
    merchant_name: str | None
    person: int = Field(description="the holder, whose points paid")
    person_name: str = Field(description="masked for a merchant's operators")
    volunteer_no: str | None
    placed_by: int | None = Field(description="who placed it for the holder; null: the holder")
    by_proxy: bool = Field(description="placed by the holder's registered family proxy")
    created_at: datetime
    expires_at: datetime
    fulfilled_at: datetime | None
    fulfilled_by: int | None
    cancelled_at: datetime | None
    cancelled_by: int | None
    reason: str
    transfer: int | None = Field(description="the ledger transfer that took the points")
    refund: int | None = Field(description="the refund transfer of a cancelled or expired order")


def _image_url(item: Item) -> str | None:
    if not item.image_type:  # the picture itself is deferred; its type says whether it exists
        return None
    return reverse("shop:item_image", kwargs={"item_id": item.pk})


def _item_out(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk,
        "name": item.name,
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "description": item.description,
        "points": item.points,
        "stock": item.stock,
        "per_person_limit": item.per_person_limit,
        "limit_period": item.limit_period,
        "limit_period_label": str(item.get_limit_period_display()),
        "region": item.region.code,
        "region_name": item.region.name,
        "merchant": item.merchant_id,
        "merchant_name": item.merchant.name if item.merchant else None,
        "sponsor": item.sponsor,
        "available_from": item.available_from,
        "available_until": item.available_until,
        "is_active": item.is_active,
        "approved": item.approved_at is not None,
        "terms": item.terms,
        "image_url": _image_url(item),
    }


class _Viewer:
    """Who reads orders: the holder, their proxy and staff see the holder's name; a
    merchant's operators see it masked (王*梅), as the public does."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self._principals: set[int] | None = None

    def knows(self, order: Redemption) -> bool:
        if order.person_id == self.person.pk:
            return True
        if authz.can(self.person, authz.MANAGE_SHOP, order.community):
            return True
        if self._principals is None:  # read once per request, not once per order
            self._principals = set(
                Proxy.objects.filter(agent=self.person, revoked_at__isnull=True).values_list(
                    "principal_id", flat=True
                )
            )
        return order.person_id in self._principals


def _order_out(viewer: _Viewer, order: Redemption) -> dict[str, Any]:
    name = order.person.name
    knows = viewer.knows(order)
    # A waiting order's pickup code is what its holder shows a merchant to have it handed
    # over (services.fulfil): the merchant's operators do not read it here.
    code = order.code if knows or order.status != OrderStatus.RESERVED else ""
    return {
        "id": order.pk,
        "code": code,
        "qr": QR_PREFIX + code if code else "",
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "item": order.item_id,
        "item_name": order.item.name,
        "item_kind": order.item.kind,
        "quantity": order.quantity,
        "points": order.points,
        "community": order.community.code,
        "merchant": order.merchant_id,
        "merchant_name": order.merchant.name if order.merchant else None,
        "person": order.person_id,
        "person_name": name if knows else mask_name(name),
        "volunteer_no": order.person.volunteer_no,
        "placed_by": order.placed_by_id,
        "by_proxy": order.by_proxy,
        "created_at": order.created_at,
        "expires_at": order.expires_at,
        "fulfilled_at": order.fulfilled_at,
        "fulfilled_by": order.fulfilled_by_id,
        "cancelled_at": order.cancelled_at,
        "cancelled_by": order.cancelled_by_id,
        "reason": order.reason,
        "transfer": order.transfer_id,
        "refund": order.refund_id,
    }


def _order_detail(viewer: Person, order_id: int) -> dict[str, Any]:
    """The order as the viewer may see it, read afresh (after a write, with its effect)."""
    return _order_out(_Viewer(viewer), selectors.get_order_for(viewer, order_id))


class _Page(Sequence[dict[str, Any]]):
    """Rows shaped for the answer only once the paginator has sliced them: it counts them
    in SQL and shapes only the page it shows."""

    def __init__(self, rows: QuerySet[Any], shape: Callable[[Any], dict[str, Any]]) -> None:
        self.rows, self.shape = rows, shape

    def __len__(self) -> int:
        return self.rows.count()

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self.shape(row) for row in self.rows[index]]
        return self.shape(self.rows[index])


# --- Helpers ------------------------------------------------------------------------------


def _choice(value: str, choices: list[str], field: str) -> str:
    if value and value not in choices:
        raise InvalidInput(
            _("%(field)s must be one of: %(choices)s."),
            field=field,
            params={"field": field, "choices": ", ".join(choices)},
        )
    return value


def _runs_a_counter(person: Person) -> bool:
    """Staff of some region's shop, or an operator of an active merchant."""
    return authz.can(person, authz.MANAGE_SHOP) or selectors.operated_merchants(person).exists()


def _require_counter(person: Person) -> None:
    if not _runs_a_counter(person):
        authz.require(person, authz.MANAGE_SHOP)  # refuses with the usual message


def _own_region(person: Person) -> Region:
    """The caller's own region: where they run the shop, or their home community."""
    paths = authz.region_paths(person, authz.MANAGE_SHOP)
    if len(paths) == 1:
        return Region.objects.get(path=paths[0])
    community = person.community
    if community is not None and (not paths or authz.can(person, authz.MANAGE_SHOP, community)):
        return community
    if not paths:
        authz.require(person, authz.MANAGE_SHOP)
    raise InvalidInput(
        _("You act in several regions; name the region."), field="region", code="region_required"
    )


def _manages(person: Person | None, item: Item) -> bool:
    if person is None:
        return False
    try:
        services.require_item_manager(person, item.region, item.merchant)
    except PermissionDenied:
        return False
    return True


def _item_for(viewer: Person | None, item_id: int) -> Item:
    """An item on sale (the public price list shows it to anyone), or any item of the
    viewer's shop or merchant; anything else is not found."""
    item = selectors.get_item(item_id)
    if _manages(viewer, item) or services.on_sale(item, timezone.localdate()):
        return item
    raise NotFound(_("There is no such item."))


def _merchant_for(viewer: Person, merchant_id: int) -> Merchant:
    """A merchant the viewer runs: staff of its region, or one of its operators."""
    merchant = Merchant.objects.select_related("region").filter(pk=merchant_id).first()
    if merchant is None or not (
        services.is_operator(viewer, merchant)
        or authz.can(viewer, authz.MANAGE_SHOP, merchant.region)
    ):
        raise NotFound(_("There is no such merchant."))
    return merchant


# --- Items --------------------------------------------------------------------------------


class ItemFilters(Schema):
    community: str = Field(
        "",
        max_length=32,
        description="code of the community whose list to show; a logged-in resident's "
        "defaults to their own, anonymous callers must name one",
    )
    kind: str = Field("", max_length=16, description="goods, service, honour or voucher")
    scope: str = Field(
        "",
        max_length=16,
        description="managed: staff and merchants' operators, every item they run "
        "(off sale too), under ``community`` when given",
    )


def _catalogue_region(viewer: Person | None, code: str) -> Region:
    if code:
        return get_region(code)
    if viewer is not None and viewer.community is not None:
        return viewer.community
    if viewer is not None and authz.can(viewer, authz.MANAGE_SHOP):
        return _own_region(viewer)
    raise InvalidInput(
        _("Please name the community: ?community=CODE."),
        code="community_required",
        field="community",
    )


@router.get("/shop/items", auth=None, response=list[ItemOut])
@paginate(Paging)
def list_items(request: HttpRequest, filters: Query[ItemFilters]) -> _Page:
    """The clearly priced list (明码标价), no login needed: what residents of a community
    can redeem today — its own items, those of its town and county, and its partner
    merchants' offers — cheapest first. A logged-in resident gets their own community's;
    anyone may name a community with ``?community=CODE``."""
    viewer = optional_person(request)
    kind = _choice(filters.kind, list(Kind.values), "kind")
    if _choice(filters.scope, ["managed"], "scope"):
        if viewer is None:
            raise NotAuthenticated()
        _require_counter(viewer)
        region = get_region(filters.community) if filters.community else None
        items = selectors.managed_items(viewer, region)
    else:
        items = selectors.items_for(_catalogue_region(viewer, filters.community))
    if kind:
        items = items.filter(kind=kind)
    return _Page(items, _item_out)


class ItemIn(Body):
    name: Text
    points: Whole = Field(description="the price of one, a whole number of points above 0")
    stock: Whole
    per_person_limit: Whole | None = Field(
        default=None, description="how many one person may redeem per limit_period"
    )
    limit_period: str = Field(default=LimitPeriod.MONTH.value, max_length=16)
    region: str | None = Field(
        default=None,
        max_length=32,
        description="code of the community, town or county that offers it; default: yours",
    )
    kind: str = Field(default=Kind.GOODS.value, max_length=16)
    description: LongText = ""
    sponsor: Text = ""
    available_from: date | None = None
    available_until: date | None = None
    merchant: Id | None = Field(
        default=None, description="a partner merchant's own offer (its region is the merchant's)"
    )


@router.post("/shop/items", response={201: ItemOut})
@idempotent
def create_item(request: HttpRequest, payload: ItemIn) -> Status[dict[str, Any]]:
    """Staff put an item on the list; a merchant's operators publish the merchant's own
    offers (``merchant``)."""
    actor = caller(request)
    merchant = None
    if payload.merchant is not None:
        merchant = Merchant.objects.select_related("region").filter(pk=payload.merchant).first()
        if merchant is None:
            raise NotFound(_("There is no such merchant."), field="merchant")
    if merchant is not None:
        region = merchant.region
    elif payload.region:
        region = get_region(payload.region)
    else:
        region = _own_region(actor)
    item = services.create_item(
        actor=actor,
        region=region,
        merchant=merchant,
        terms=services.ItemTerms(
            name=payload.name,
            points=payload.points,
            stock=payload.stock,
            kind=payload.kind,
            description=payload.description,
            per_person_limit=payload.per_person_limit,
            limit_period=payload.limit_period,
            available_from=payload.available_from,
            available_until=payload.available_until,
            sponsor=payload.sponsor,
        ),
    )
    return Status(201, _item_out(selectors.get_item(item.pk)))


@router.get("/shop/items/{item_id}", auth=None, response=ItemOut)
def get_item(request: HttpRequest, item_id: Id) -> dict[str, Any]:
    """One item on sale, for anyone; staff and operators also see their items off sale."""
    return _item_out(_item_for(optional_person(request), item_id))


class ItemPatch(Body):
    name: Text | None = None
    points: Whole | None = None
    per_person_limit: Whole | None = Field(default=None, description="null: no limit")
    limit_period: str | None = Field(default=None, max_length=16)
    kind: str | None = Field(default=None, max_length=16)
    description: LongText | None = None
    sponsor: Text | None = None
    available_from: date | None = None
    available_until: date | None = None
    is_active: bool | None = Field(default=None, description="false: off sale")


TERMS = (
    "name",
    "points",
    "per_person_limit",
    "limit_period",
    "kind",
    "description",
    "sponsor",
    "available_from",
    "available_until",
)


@router.patch("/shop/items/{item_id}", response=ItemOut)
def update_item(request: HttpRequest, item_id: Id, payload: ItemPatch) -> dict[str, Any]:
    """Change an item's terms (only the fields sent) or take it off sale; orders already
    placed keep their price. Stock changes go through ``/stock``, with a note."""
    actor = caller(request)
    item = _item_for(actor, item_id)
    given = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        current = Item.objects.select_for_update().get(pk=item.pk)
        if any(name in given for name in TERMS):
            terms = {name: getattr(current, name) for name in TERMS}
            terms.update({k: v for k, v in given.items() if k in TERMS})
            for text in ("name", "description", "sponsor", "kind", "limit_period"):
                if terms[text] is None:  # sent as null: as if left empty
                    terms[text] = ""
            services.update_item(
                actor=actor, item=current, terms=services.ItemTerms(stock=None, **terms)
            )
        if given.get("is_active") is not None:
            services.set_item_active(actor=actor, item=current, active=given["is_active"])
        if not any(name in given for name in (*TERMS, "is_active")):
            services.require_item_manager(actor, item.region, item.merchant)
    return _item_out(selectors.get_item(item.pk))


class StockIn(Body):
    change: Whole = Field(description="added to the stock; negative removes (a note is needed)")
    note: Text = ""


@router.post("/shop/items/{item_id}/stock", response=ItemOut)
def restock(request: HttpRequest, item_id: Id, payload: StockIn) -> dict[str, Any]:
    """Add stock, or remove it (breakage, a count) with a note; audited."""
    actor = caller(request)
    item = _item_for(actor, item_id)
    services.restock(actor=actor, item=item, change=payload.change, note=payload.note)
    return _item_out(selectors.get_item(item.pk))


@router.post("/shop/items/{item_id}/image", response=ItemOut)
def set_image(request: HttpRequest, item_id: Id, image: File[UploadedFile]) -> dict[str, Any]:
    """A photo of the item (multipart field ``image``, JPEG or PNG), stored re-encoded."""
    actor = caller(request)
    item = _item_for(actor, item_id)
    services.set_item_image(actor=actor, item=item, upload=image)
    return _item_out(selectors.get_item(item.pk))


class ApproveIn(Schema):
    seen: Code = Field(
        default="",
        description="the item's `terms` as you saw them (recommended): 409 "
        "offer_changed when the merchant changed the offer since",
    )


@router.post("/shop/items/{item_id}/approve", response=ItemOut)
def approve_item(
    request: HttpRequest, item_id: Id, payload: ApproveIn | None = None
) -> dict[str, Any]:
    """Staff of the offer's region approve a merchant's offer (new, or changed by the
    merchant): it goes on the price list and can be redeemed. Not its own operators."""
    actor = caller(request)
    item = _item_for(actor, item_id)
    services.approve_item(actor=actor, item=item, seen=payload.seen if payload else "")
    return _item_out(selectors.get_item(item.pk))


class WindowOut(Schema):
    community: str
    always: bool = Field(description="open every day (the default)")
    open_now: bool
    next_opening: date | None = Field(description="today when open; null when never")
    months: list[int] = Field(description="months when redeeming is open; empty: every month")
    first_day: int | None
    last_day: int | None


class CommunityFilter(Schema):
    community: str = Field("", max_length=32, description="code of the community")


@router.get("/shop/window", auth=None, response=WindowOut)
def window(request: HttpRequest, filters: Query[CommunityFilter]) -> dict[str, Any]:
    """When the community's supermarket lets residents redeem (一季一兑换); a logged-in
    resident's own community unless ``?community=CODE`` names one."""
    region = _catalogue_region(optional_person(request), filters.community)
    state = selectors.window_state(region)
    terms = services.window_of(region)
    return {
        "community": region.code,
        "always": state.always,
        "open_now": state.open_now,
        "next_opening": state.next_opening,
        "months": sorted(terms.months),
        "first_day": terms.first_day,
        "last_day": terms.last_day,
    }


# --- Redeeming ----------------------------------------------------------------------------


class RedeemIn(Body):
    item: Id
    quantity: Whole = Field(default=1, description="1 to 99")
    person: Id | None = Field(
        default=None,
        description="staff of the holder's community or a registered proxy: the holder, by "
        "id (audited). A merchant's operator may not name a resident (403 "
        "presence_required): it gives card or paycode",
    )
    card: Code = Field(
        default="",
        description="instead of person: the holder's volunteer card, its QR (JF1:…) or the "
        "code printed under it (volunteer number and 8 characters)",
    )
    paycode: Code = Field(
        default="",
        description="instead of person: the 16-digit pay code (付款码) on the holder's phone "
        "(GET /me/paycode), valid 120 s, used once; typed or scanned (JFP:…)",
    )
    hand_over: bool = Field(
        default=False,
        description="staff or the merchant: hand over at once (the resident is at the counter)",
    )


def _holder(actor: Person, payload: RedeemIn) -> tuple[Person | None, Presence | None]:
    """The holder someone names (None: the caller), or the proof of presence they give.
    Whether a resident exists is told only to those who may name them: their proxy and
    staff of their community. A merchant's operator who names one is refused whoever it
    is (403): it needs the resident's card or pay code. The services then decide."""
    if sum([payload.person is not None, bool(payload.card), bool(payload.paycode)]) > 1:
        raise InvalidInput(_("Give one of the person, the card or the pay code."), field="card")
    if payload.card or payload.paycode:
        return None, presence.identify(actor=actor, card=payload.card, paycode=payload.paycode)
    if payload.person is None:
        return None, None
    person = Person.objects.select_related("community").filter(pk=payload.person).first()
    if person is not None and person.pk == actor.pk:
        return None, None
    if (
        person is None
        or not person.is_active
        or not (
            Proxy.objects.filter(principal=person, agent=actor, revoked_at__isnull=True).exists()
            or (
                person.community is not None
                and authz.can(actor, authz.MANAGE_SHOP, person.community)
            )
        )
    ):
        if selectors.operated_merchants(actor).exists():
            raise PermissionDenied(services.PRESENCE_REQUIRED, code="presence_required")
        raise NotFound(_("No such person, or you may not see them."), field="person")
    return person, None


@router.post("/shop/redemptions", response={201: OrderOut})
@idempotent
def redeem(request: HttpRequest, payload: RedeemIn) -> Status[dict[str, Any]]:
    """Redeem: the points leave at once and the stock is reserved; the answer carries the
    pickup code. A volunteer redeems for themself; a registered proxy or staff of their
    community for a resident named by ``person``; a merchant's operator (for its offers)
    or staff for the resident whose ``card`` or ``paycode`` they present. Recorded as
    such. Refused with ``presence_required`` (a merchant naming a resident),
    ``invalid_card``, ``invalid_paycode``, ``paycode_used``, ``paycode_expired``,
    ``too_many_attempts`` (guessing), ``own_merchant``, ``window_closed``,
    ``limit_reached``, ``out_of_stock`` or ``insufficient_points``; nothing is written."""
    actor = caller(request)
    holder, proof = _holder(actor, payload)  # outside the transaction: guesses are counted
    # Ordering and handing over at once are one transaction; ordering alone is the
    # service's own (no savepoint inside an outer one on every redemption of a crowd).
    with transaction.atomic() if payload.hand_over else nullcontext():
        order = services.redeem(
            actor=actor,
            item=payload.item,
            quantity=payload.quantity,
            person=holder,
            presence=proof,
        )
        if payload.hand_over:
            if not services.may_hand_over(actor, order):
                raise PermissionDenied(_("Only staff or the merchant hand an order over."))
            # The card or pay code was shown (or the caller acts by id) for this very order.
            order = services.fulfil(actor=actor, order=order, code=order.code)
    # The service hands back the order with its item, holder, community and merchant as
    # it wrote them: shaped from there, not read again (a third of a redemption's CPU).
    return Status(201, _order_out(_Viewer(actor), order))


class PayCodeOut(Schema):
    code: str = Field(description="16 digits, shown big (grouped by four) and as a QR")
    qr: str = Field(description="what the QR holds: JFP:<code>")
    expires_at: datetime = Field(description="at most 120 s from now; used once")
    seconds: int = Field(description="seconds left when issued")


@router.get("/me/paycode", response=PayCodeOut)
def paycode(request: HttpRequest) -> dict[str, Any]:
    """A one-time pay code (付款码) for the caller's phone, as payment apps show: a merchant
    or staff types or scans it to take the caller's points for one order, within 120 s.
    A new code voids the one shown before; the caller cannot use it themself."""
    code, expires = presence.issue_paycode(person=caller(request))
    return {
        "code": code,
        "qr": presence.PAYCODE_PREFIX + code,
        "expires_at": expires,
        "seconds": presence.PAYCODE_SECONDS,
    }


class OrderFilters(Schema):
    scope: str = Field(
        "",
        max_length=16,
        description="empty or mine: your own orders (with person: those of a resident you "
        "are the proxy of); counter: the orders of the shops and merchants you serve",
    )
    status: str = Field("", max_length=16, description="reserved, fulfilled, cancelled, expired")
    person: int | None = Field(None, ge=1, le=MAX_ID)
    merchant: int | None = Field(None, ge=1, le=MAX_ID, description="counter: one merchant's")


@router.get("/shop/redemptions", response=list[OrderOut])
@paginate(Paging)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> _Page:
    """Your orders, newest first; ``?scope=counter`` for staff and merchants' operators."""
    viewer = caller(request)
    scope = _choice(filters.scope, ["mine", "counter"], "scope") or "mine"
    status = _choice(filters.status, list(OrderStatus.values), "status")
    if scope == "counter":
        _require_counter(viewer)
        orders = selectors.counter_orders(viewer, status)
        if filters.person is not None:
            orders = orders.filter(person_id=filters.person)
        if filters.merchant is not None:
            orders = orders.filter(merchant_id=filters.merchant)
    else:
        holder = viewer
        if filters.person is not None and filters.person != viewer.pk:
            proxy = (
                Proxy.objects.select_related("principal")
                .filter(principal_id=filters.person, agent=viewer, revoked_at__isnull=True)
                .first()
            )
            if proxy is None:
                raise NotFound(_("No such person, or you may not see them."), field="person")
            holder = proxy.principal
        orders = selectors.orders_of(holder).select_related("person")
        if status:
            orders = orders.filter(status=status)
    shown = _Viewer(viewer)
    return _Page(orders, lambda order: _order_out(shown, order))


@router.get("/shop/redemptions/{order_id}", response=OrderOut)
def get_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    """One order: for the holder, their proxy, staff of the holder's community, and the
    operators of the merchant whose offer it is."""
    return _order_detail(caller(request), order_id)


class PickupIn(Body):
    code: Code = Field(description="the pickup code as typed, or the order's scanned QR")


@router.get("/shop/pickups/{code}", response=OrderOut)
def find_pickup(request: HttpRequest, code: str) -> dict[str, Any]:
    """The order with this pickup code, to check before handing it over."""
    actor = caller(request)
    return _order_out(_Viewer(actor), services.find_by_code(actor, code[:200]))


@router.post("/shop/pickups", response=OrderOut)
@idempotent
def pickup(request: HttpRequest, payload: PickupIn) -> dict[str, Any]:
    """Hand over the order with this pickup code (核销): staff of the holder's community,
    or the operators of the merchant whose offer it is."""
    actor = caller(request)
    order = services.pickup(actor=actor, code=payload.code)
    return _order_detail(actor, order.pk)


@router.post("/shop/redemptions/{order_id}/fulfil", response=OrderOut)
@idempotent
def fulfil(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    """Hand the order over by its id: staff of the holder's community. A merchant's
    operator hands over with the pickup code the holder shows (``POST /shop/pickups``):
    by id, 403 ``pickup_code_required``."""
    actor = caller(request)
    order = selectors.get_order_for(actor, order_id)
    if not services.may_hand_over(actor, order):
        raise PermissionDenied(_("Only staff or the merchant hand an order over."))
    services.fulfil(actor=actor, order=order)
    return _order_detail(actor, order_id)


class CancelIn(Body):
    reason: Text = ""


@router.post("/shop/redemptions/{order_id}/cancel", response=OrderOut)
@idempotent
def cancel(request: HttpRequest, order_id: Id, payload: CancelIn | None = None) -> dict[str, Any]:
    """Before hand-over only (the holder, their proxy, staff): the points come back by a
    refund transfer and the stock is returned. After hand-over: 409 ``already_fulfilled``."""
    actor = caller(request)
    order = selectors.get_order_for(actor, order_id)
    if not _Viewer(actor).knows(order):  # a merchant's operator sees the order, not more
        raise PermissionDenied(_("Only the holder, their proxy or staff cancel an order."))
    services.cancel(actor=actor, order=order, reason=payload.reason if payload else "")
    return _order_detail(actor, order_id)


# --- The liability dashboard --------------------------------------------------------------


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    issued: int
    redeemed: int = Field(description="redemptions less refunds")
    expired: int


class LiabilityOut(Schema):
    community: str
    community_name: str
    outstanding: int = Field(description="points in residents' and organisations' hands")
    reserved: int = Field(description="points of orders waiting for pickup (already taken)")
    stock_points: int = Field(description="the community's own items on hand, at their prices")
    point_value_fen: int = Field(description="the reference value of one point, in fen")
    outstanding_yuan: float
    stock_yuan: float
    monthly_redemption: float = Field(description="average of the last three full months")
    cover_months: float | None = Field(description="months the stock lasts at that rate")
    covers_outstanding: bool = Field(description="the stock would honour every point today")
    months: list[MonthOut] = Field(description="the last 12 months with transfers, newest first")


@router.get("/shop/liability", response=LiabilityOut)
def liability(request: HttpRequest, filters: Query[CommunityFilter]) -> dict[str, Any]:
    """Can the community's supermarket honour the points in residents' hands? (staff)"""
    viewer = caller(request)
    region = get_region(filters.community) if filters.community else _own_region(viewer)
    authz.require(viewer, authz.MANAGE_SHOP, region)
    report = selectors.liability(region)
    return {
        "community": region.code,
        "community_name": region.name,
        "outstanding": report.outstanding,
        "reserved": report.reserved,
        "stock_points": report.stock_points,
        "point_value_fen": report.point_value_fen,
        "outstanding_yuan": report.outstanding_yuan,
        "stock_yuan": report.stock_yuan,
        "monthly_redemption": round(report.monthly_redemption, 2),
        "cover_months": (
            round(report.cover_months, 2) if report.cover_months is not None else None
        ),
        "covers_outstanding": report.covers_outstanding,
        "months": [
            {
                "month": row.month.strftime("%Y-%m"),
                "issued": row.issued,
                "redeemed": row.redeemed,
                "expired": row.expired,
            }
            for row in report.months
        ],
    }


# --- Merchants: the monthly settlement ----------------------------------------------------


class SettlementLineOut(Schema):
    order: int
    code: str
    fulfilled_at: datetime
    item: int
    item_name: str
    quantity: int
    points: int
    person_name: str = Field(description="masked")
    volunteer_no: str | None


class SettlementOut(Schema):
    merchant: int
    merchant_name: str
    community: str
    month: str
    orders: int = Field(description="orders handed over in the month")
    points: int
    settled: bool
    settled_at: datetime | None
    settled_by: int | None
    transfer: int | None = Field(description="the settlement transfer, once settled")
    lines: list[SettlementLineOut]


class MonthIn(Body):
    month: str = Field(max_length=16, description="YYYY-MM, a month that has ended")


class MonthFilter(Schema):
    month: str = Field("", max_length=16, description="YYYY-MM; default: last month")


def _month(text: str) -> str:
    """``YYYY-MM`` exactly: a settlement is kept per month string."""
    return months.label(months.parse_month(text.strip()))


def _last_month() -> str:
    return months.label(months.previous_month(months.this_month()))


def _settlement_out(merchant: Merchant, month: str) -> dict[str, Any]:
    orders = list(services.merchant_orders(merchant, month))
    done = MerchantSettlement.objects.filter(merchant=merchant, month=month).first()
    return {
        "merchant": merchant.pk,
        "merchant_name": merchant.name,
        "community": merchant.region.code,
        "month": month,
        "orders": done.orders if done else len(orders),
        "points": done.points if done else sum(order.points for order in orders),
        "settled": done is not None,
        "settled_at": done.settled_at if done else None,
        "settled_by": done.settled_by_id if done else None,
        "transfer": done.transfer_id if done else None,
        "lines": [
            {
                "order": order.pk,
                "code": order.code,
                "fulfilled_at": order.fulfilled_at,
                "item": order.item_id,
                "item_name": order.item.name,
                "quantity": order.quantity,
                "points": order.points,
                "person_name": mask_name(order.person.name),
                "volunteer_no": order.person.volunteer_no,
            }
            for order in orders
        ],
    }


@router.get("/merchants/{merchant_id}/settlement", response=SettlementOut)
def settlement(
    request: HttpRequest, merchant_id: Id, filters: Query[MonthFilter]
) -> dict[str, Any]:
    """A merchant's month (default: last month): the orders it handed over and the points
    it took, and whether the community has settled it. For staff of the merchant's region
    and its operators."""
    merchant = _merchant_for(caller(request), merchant_id)
    return _settlement_out(merchant, _month(filters.month) if filters.month else _last_month())


@router.post("/merchants/{merchant_id}/settlement", response={201: SettlementOut})
@idempotent
def settle(request: HttpRequest, merchant_id: Id, payload: MonthIn) -> Status[dict[str, Any]]:
    """Staff record that the community has paid the merchant for a month that has ended:
    the month's points leave the merchant's account for the settlement account. Once."""
    actor = caller(request)
    merchant = _merchant_for(actor, merchant_id)
    month = _month(payload.month)
    services.settle_merchant(actor=actor, merchant=merchant, month=month)
    return Status(201, _settlement_out(merchant, month))
