"""The points supermarket's reads: the public price list, a resident's orders, the
counter's orders, a merchant's, and the liability dashboard."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.lib.errors import NotFound
from jifen.lib.months import previous_month
from jifen.people import authz
from jifen.people.models import Merchant, Person, Proxy
from jifen.points import selectors as points
from jifen.points.services import policy_for
from jifen.regions.models import Level, Region
from jifen.shop import services, windows
from jifen.shop.models import Item, MerchantSettlement, Redemption
from jifen.shop.models import Status as OrderStatus


def items_for(community: Region, day: date | None = None) -> QuerySet[Item]:
    """What residents of ``community`` can redeem (明码标价): the community's own items,
    those of the town and county above it, and offers of merchants there; on sale today.
    Cheapest first, then by name."""
    day = day or timezone.localdate()
    return (
        Item.objects.filter(
            region__code__in=community.ancestor_codes(), is_active=True, approved_at__isnull=False
        )
        .filter(Q(merchant__isnull=True) | Q(merchant__is_active=True))
        .filter(Q(available_from__isnull=True) | Q(available_from__lte=day))
        .filter(Q(available_until__isnull=True) | Q(available_until__gte=day))
        .select_related("region", "merchant")
        .defer("image")
        # The community's own items first, then merchants' offers, on either database
        # (PostgreSQL sorts NULL last, SQLite first).
        .order_by(F("merchant_id").asc(nulls_first=True), "points", "name", "pk")
    )


def get_item(item_id: int) -> Item:
    item = Item.objects.select_related("region", "merchant").defer("image").filter(pk=item_id)
    found = item.first()
    if found is None:
        raise NotFound(_("There is no such item."))
    return found


def managed_items(person: Person, region: Region | None = None) -> QuerySet[Item]:
    """Items the person runs: those of their staff regions (any status), and the offers of
    merchants they operate."""
    items = Item.objects.filter(
        authz.regions_q(person, authz.MANAGE_SHOP, "region")
        | Q(merchant__operators=person, merchant__is_active=True)
    )
    if region is not None:
        items = items.filter(region__path__startswith=region.path)
    return items.select_related("region", "merchant").defer("image").distinct().order_by("-pk")


def orders_of(person: Person) -> QuerySet[Redemption]:
    """A resident's own orders, newest first."""
    return (
        Redemption.objects.filter(person=person)
        .select_related("item", "merchant", "community")
        .defer("item__image")
        .order_by("-created_at", "-pk")
    )


def counter_orders(person: Person, status: str = "") -> QuerySet[Redemption]:
    """Orders at the counters the person serves: their staff regions' orders, and those of
    the merchants they operate. Newest first."""
    orders = Redemption.objects.filter(
        authz.regions_q(person, authz.MANAGE_SHOP, "community")
        | Q(merchant__operators=person, merchant__is_active=True)
    )
    if status:
        orders = orders.filter(status=status)
    return (
        orders.select_related("item", "merchant", "community", "person")
        .defer("item__image")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def may_see_order(person: Person, order: Redemption) -> bool:
    if order.person_id == person.pk or services.may_hand_over(person, order):
        return True
    return Proxy.objects.filter(
        principal_id=order.person_id, agent=person, revoked_at__isnull=True
    ).exists()


def get_order_for(person: Person, order_id: int) -> Redemption:
    order = (
        Redemption.objects.select_related("item", "merchant", "community", "person")
        .defer("item__image")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not may_see_order(person, order):
        raise NotFound(_("There is no such order."))
    return order


def operated_merchants(person: Person) -> QuerySet[Merchant]:
    return Merchant.objects.filter(operators=person, is_active=True).select_related("region")


def merchants_to_settle(person: Person) -> QuerySet[Merchant]:
    """Merchants of the regions where the person runs the shop."""
    return (
        Merchant.objects.filter(authz.regions_q(person, authz.MANAGE_SHOP, "region"))
        .select_related("region")
        .order_by("region__path", "name")
    )


def settlements_of(merchant: Merchant) -> QuerySet[MerchantSettlement]:
    return MerchantSettlement.objects.filter(merchant=merchant).order_by("-month")


# --- The redemption window ---------------------------------------------------------------


@dataclass(frozen=True)
class WindowState:
    always: bool
    open_now: bool
    next_opening: date | None


def window_state(community: Region, day: date | None = None) -> WindowState:
    day = day or timezone.localdate()
    window = services.window_of(community)
    return WindowState(
        always=window.always,
        open_now=windows.is_open(window, day),
        next_opening=windows.next_opening(window, day),
    )


# --- The liability dashboard -------------------------------------------------------------


@dataclass(frozen=True)
class Liability:
    """Can the community's supermarket honour the points in residents' hands?"""

    community: Region
    outstanding: int  # points held by residents and organisations
    reserved: int  # points of orders waiting for pickup (already taken)
    stock_points: int  # the community's own items on hand, at their prices
    point_value_fen: int  # the reference value of a point
    months: list[points.MonthRow]  # issued and redeemed per month, newest first
    monthly_redemption: float  # average of the last three full months (points)

    @property
    def outstanding_yuan(self) -> float:
        return self.outstanding * self.point_value_fen / 100

    @property
    def stock_yuan(self) -> float:
        return self.stock_points * self.point_value_fen / 100

    @property
    def cover_months(self) -> float | None:
        """Months the stock on hand lasts at the current rate of redemption."""
        if self.monthly_redemption <= 0:
            return None
        return self.stock_points / self.monthly_redemption

    @property
    def covers_outstanding(self) -> bool:
        """Would the stock honour every point in residents' hands today?"""
        return self.stock_points >= self.outstanding


def liability(community: Region) -> Liability:
    """The liability dashboard of one community (staff, admins)."""
    if community.level != Level.COMMUNITY:
        raise NotFound(_("Only a community or village keeps a points ledger."))
    totals = points.community_totals(community)
    stock = (
        Item.objects.filter(region=community, merchant__isnull=True, is_active=True).aggregate(
            s=Sum(F("stock") * F("points"))
        )["s"]
        or 0
    )
    reserved = (
        Redemption.objects.filter(community=community, status=OrderStatus.RESERVED).aggregate(
            s=Sum("points")
        )["s"]
        or 0
    )
    months = points.monthly_totals(community)
    this_month = timezone.localdate().replace(day=1)
    # The last three full months; a month without any transfer counts as none redeemed.
    since = previous_month(previous_month(previous_month(this_month)))
    three = [row for row in months if since <= row.month < this_month]
    rate = sum(row.redeemed for row in three) / 3
    return Liability(
        community=community,
        outstanding=totals.outstanding,
        reserved=int(reserved),
        stock_points=int(stock),
        point_value_fen=policy_for(community).point_value_fen,
        months=months[:12],
        monthly_redemption=float(rate),
    )


# --- What stands between a person and each item of a list ---------------------------------


@dataclass(frozen=True)
class Offer:
    """What the page tells a person about one item today. The service decides; this only
    spares a person a button that cannot work, and says why (``blocker``)."""

    blocker: str  # "", or the code of the refusal the service would give first
    most: int  # the largest quantity to offer in a list
    taken: int  # of the item this period, when it has a limit per person
    short: int = 0  # the points still missing, when the blocker is insufficient_points


# The quantity a person picks from a list: enough for a household, short to scroll.
QUANTITY_CHOICES_MAX = 20


def offers_for(
    person: Person,
    items: "list[Item]",
    *,
    balance: int,
    window: WindowState | None = None,
    day: date | None = None,
) -> dict[int, Offer]:
    """For each item (by id), whether ``person`` can redeem it today and, if not, why — in
    the order of ``services.redeem``'s refusals. A whole list costs at most two queries
    (the community's window when not given, and one for every limit already used),
    however many items it holds."""
    day = day or timezone.localdate()
    community = person.community
    if community is not None and window is None:
        window = window_state(community, day)
    serving = set(community.ancestor_codes()) if community is not None else set()
    limited = [item for item in items if item.per_person_limit]
    taken = _taken_this_period(person, limited, day)
    offers = {}
    for item in items:
        used = taken.get(item.pk, 0)
        left_in_limit = (
            item.per_person_limit - used if item.per_person_limit else services.MAX_QUANTITY
        )
        most = min(item.stock, left_in_limit, balance // max(item.points, 1), QUANTITY_CHOICES_MAX)
        if item.region.code not in serving:
            blocker = "not_offered"
        elif not services.on_sale(item, day):
            blocker = "not_available"
        elif item.merchant_id is None and window is not None and not window.open_now:
            blocker = "window_closed"  # 一季一兑换 is the supermarket's; merchants sell daily
        elif left_in_limit <= 0:
            blocker = "limit_reached"
        elif item.stock <= 0:
            blocker = "out_of_stock"
        elif balance < item.points:
            blocker = "insufficient_points"
        else:
            blocker = ""
        offers[item.pk] = Offer(
            blocker=blocker,
            most=max(most, 0),
            taken=used,
            short=item.points - balance if blocker == "insufficient_points" else 0,
        )
    return offers


def _taken_this_period(person: Person, items: "list[Item]", day: date) -> dict[int, int]:
    """How many of each limited item the person holds in its limit's period (orders not
    cancelled or expired), in one query whatever the number of items."""
    if not items:
        return {}
    starts = {item.pk: services.period_start(item.limit_period, day) for item in items}
    since = timezone.make_aware(datetime.combine(min(starts.values()), datetime.min.time()))
    rows = Redemption.objects.filter(
        person=person,
        item_id__in=list(starts),
        created_at__gte=since,
        status__in=[OrderStatus.RESERVED, OrderStatus.FULFILLED],
    ).values_list("item_id", "created_at", "quantity")
    taken: dict[int, int] = {}
    for item_id, created_at, quantity in rows:
        if timezone.localdate(created_at) >= starts[item_id]:
            taken[item_id] = taken.get(item_id, 0) + quantity
    return taken


# --- To-do (待办, read by jifen.inbox) ---------------------------------------------------------

# An order waiting for pickup is "expiring" on staff's to-do this long before it expires.
EXPIRING_WITHIN = timedelta(days=2)


def counter_todo(
    person: Person, now: datetime | None = None
) -> dict[str, tuple[int, datetime | None]]:
    """Staff's orders at the counter, in one query: ``pickups`` — waiting for hand-over in
    the regions where they run the shop (since placed); ``orders_expiring`` — of those, the
    ones that expire within ``EXPIRING_WITHIN`` (since placed)."""
    if not authz.can(person, authz.MANAGE_SHOP):
        return {}
    now = now or timezone.now()
    expiring = Q(expires_at__lt=now + EXPIRING_WITHIN)
    row = Redemption.objects.filter(
        authz.regions_q(person, authz.MANAGE_SHOP, "community"), status=OrderStatus.RESERVED
    ).aggregate(
        n=Count("pk"),
        at=Min("created_at"),
        expiring_n=Count("pk", filter=expiring),
        expiring_at=Min("created_at", filter=expiring),
    )
    return {
        "pickups": (row["n"], row["at"]),
        "orders_expiring": (row["expiring_n"], row["expiring_at"]),
    }


def merchant_todo(person: Person) -> tuple[list[int], int, datetime | None]:
    """For an operator of partner merchants, in two queries: the ids of the merchants they
    operate, and their orders waiting for hand-over (count, since the oldest was placed)."""
    merchants = list(operated_merchants(person).order_by("pk").values_list("pk", flat=True))
    if not merchants:
        return [], 0, None
    row = Redemption.objects.filter(
        merchant_id__in=merchants, status=OrderStatus.RESERVED
    ).aggregate(n=Count("pk"), at=Min("created_at"))
    return merchants, row["n"], row["at"]


def ready_for(person: Person) -> tuple[int, datetime | None]:
    """The person's own orders waiting for pickup (count, since the oldest was placed)."""
    row = Redemption.objects.filter(person_id=person.pk, status=OrderStatus.RESERVED).aggregate(
        n=Count("pk"), at=Min("created_at")
    )
    return row["n"], row["at"]
