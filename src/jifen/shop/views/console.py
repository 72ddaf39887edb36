"""Staff pages of the points supermarket (积分超市): the counter where orders are handed
over, ordering for a resident (an elderly holder at the counter), items and stock, the
liability dashboard, the redemption window, and the merchants' monthly settlement.

Every write is one service call; these views parse the request, call it and say what
happened. The counter answers htmx with the order panel alone, always with status 200 so
htmx swaps it in, the refusal written in it; without JavaScript the same forms post and
come back as whole pages.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from openpyxl.styles import Font

from jifen.activities.cards import looks_like_card, person_from_card
from jifen.lib import months
from jifen.lib.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from jifen.lib.masking import mask_name
from jifen.lib.pagination import paginate
from jifen.lib.xlsx import append_row, first_sheet, new_workbook, workbook_bytes
from jifen.people import authz
from jifen.people.models import Merchant, Person
from jifen.people.selectors import visible_people
from jifen.points import selectors as points
from jifen.points.services import policy_for, update_policy
from jifen.regions.models import Level, Region
from jifen.shop import selectors, services
from jifen.shop.forms import (
    CancelForm,
    CodeForm,
    ItemForm,
    OrderFilterForm,
    PhotoForm,
    RedeemForm,
    RestockForm,
    WindowForm,
    item_initial,
)
from jifen.shop.models import Item, MerchantSettlement, Redemption
from jifen.shop.models import Status as OrderStatus
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

# Stock at or below this is highlighted on the items list: time to reorder.
LOW_STOCK = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _require_shop(actor: Person) -> None:
    authz.require(actor, authz.MANAGE_SHOP)


def _int(text: Any) -> int:
    try:
        return int(str(text))
    except ValueError:
        raise NotFound() from None


def _communities(
    request: HttpRequest, actor: Person, action: authz.Action
) -> tuple[Region, list[Region]]:
    """The community chosen with ``?community=`` among those the actor runs (their home
    community first when they run it), and all of them for the picker."""
    communities = list(points.visible_communities(actor, action))
    if not communities:
        raise NotFound(_("You hold no role over a community."))
    code = (request.POST.get("community") or request.GET.get("community") or "").strip()
    chosen = next((c for c in communities if c.code == code), None)
    if code and chosen is None:
        # Never the actor's own community instead: a form posted for another one would
        # change the wrong community's terms without a word.
        raise PermissionDenied(
            _("You do not run community %(code)s: nothing was changed."), params={"code": code}
        )
    if chosen is None and actor.community in communities:
        chosen = actor.community
    return chosen or communities[0], communities


# --- Months (the merchants' settlement and reports) ---------------------------------------


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift_month(month: str, by: int) -> str:
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_param(request: HttpRequest, default: str) -> str:
    """``?month=YYYY-MM``, or the default when it is missing or not a month."""
    try:
        return months.label(months.parse_month(request.GET.get("month", "")))
    except InvalidInput:
        return default


# --- The counter ---------------------------------------------------------------------------


def _order_panel(order: Redemption | None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"order": order, "cancel_form": CancelForm(), **extra}
    if order is not None:
        context["overdue"] = (
            order.status == OrderStatus.RESERVED and order.expires_at < timezone.now()
        )
    return context


def _card_panel(actor: Person, code: str) -> dict[str, Any]:
    """A resident's card at the counter: their orders waiting here (they lost the code)."""
    holder = person_from_card(code)
    reach = visible_people(actor, authz.MANAGE_SHOP)
    if holder is None or not reach.filter(pk=holder.pk).exists():
        raise NotFound(_("This is not the card of a resident of your communities."))
    waiting = selectors.counter_orders(actor, OrderStatus.RESERVED).filter(person=holder)
    return {"holder": holder, "waiting": list(waiting[:20])}


def _panel_response(request: HttpRequest, panel: dict[str, Any], status: int = 200) -> HttpResponse:
    if _htmx(request):
        return render(request, "shop/console/partials/order_panel.html", panel)
    return render(
        request, "shop/console/counter.html", {"form": CodeForm(), **panel}, status=status
    )


def _counter_url(order: Redemption | int) -> str:
    pk = order.pk if isinstance(order, Redemption) else order
    return f"{reverse('shop:counter')}?order={pk}"


@console_view
def counter(request: HttpRequest) -> HttpResponse:
    """The counter: a pickup code typed, scanned by the camera or by a handheld scanner."""
    actor = person_of(request)
    _require_shop(actor)
    order = None
    if request.GET.get("order"):
        order = selectors.get_order_for(actor, _int(request.GET["order"]))
    return render(request, "shop/console/counter.html", {"form": CodeForm(), **_order_panel(order)})


@console_view
@require_POST
def lookup(request: HttpRequest) -> HttpResponse:
    """The order of a pickup code (or the waiting orders of a scanned card)."""
    actor = person_of(request)
    _require_shop(actor)
    text = request.POST.get("code", "").strip()
    try:
        if looks_like_card(text):  # scanned, or the code printed under its QR typed
            panel = _card_panel(actor, text)
        else:
            panel = _order_panel(services.find_by_code(actor, text))
    except DomainError as exc:
        return _panel_response(request, {"error": exc.render()}, status=exc.status)
    return _panel_response(request, panel)


def _order_or_none(actor: Person, order_id: int) -> Redemption | None:
    try:
        return selectors.get_order_for(actor, order_id)
    except NotFound:
        return None


def _after_action(
    request: HttpRequest,
    actor: Person,
    order_id: int,
    done: Any,
    order: Redemption | None,
    error: DomainError | None,
) -> HttpResponse:
    """htmx: the panel with what happened. Without it: a message and the counter again;
    an order the actor may not touch is a 404 page."""
    if _htmx(request):
        if error is not None:
            return _panel_response(
                request, _order_panel(_order_or_none(actor, order_id), error=error.render())
            )
        return _panel_response(request, _order_panel(order, done=done))
    if error is not None:
        if error.status in (403, 404):
            raise error
        messages.error(request, error.render())
    else:
        messages.success(request, done)
    return redirect(_counter_url(order_id))


@console_view
@require_POST
def fulfil(request: HttpRequest, order_id: int) -> HttpResponse:
    """Hand the goods over (核销)."""
    actor = person_of(request)
    _require_shop(actor)
    try:
        order = services.fulfil(actor=actor, order=order_id)
    except DomainError as exc:
        return _after_action(request, actor, order_id, "", None, exc)
    done = _("Handed over: %(item)s × %(n)s to %(name)s.") % {
        "item": order.item.name,
        "n": order.quantity,
        "name": order.person.name,
    }
    return _after_action(request, actor, order_id, done, order, None)


@console_view
@require_POST
def cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    """Cancel before hand-over: the points come back, the stock returns."""
    actor = person_of(request)
    _require_shop(actor)
    form = CancelForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Please say why the order is cancelled."), field="reason")
        order = services.cancel(actor=actor, order=order_id, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _after_action(request, actor, order_id, "", None, exc)
    done = _("Cancelled: %(points)s points are back with %(name)s.") % {
        "points": order.points,
        "name": order.person.name,
    }
    return _after_action(request, actor, order_id, done, order, None)


@console_view
def orders(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    form = OrderFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    found = selectors.counter_orders(actor, status).select_related("placed_by")
    query = {"status": status} if status else {}
    expiring = request.GET.get("expiring") == "1"
    if expiring:  # the to-do's "orders about to expire": the soonest first
        found = found.filter(
            status=OrderStatus.RESERVED,
            expires_at__lt=timezone.now() + selectors.EXPIRING_WITHIN,
        ).order_by("expires_at", "pk")
        query["expiring"] = "1"
    page = paginate(request, found, per_page=25)
    return render(
        request,
        "shop/console/orders.html",
        {
            "page": page,
            "status": status,
            "expiring": expiring,
            "tabs": [("", _("All")), *OrderStatus.choices],
            "query": urlencode(query),
        },
    )


# --- Ordering for a resident at the counter -------------------------------------------------


def _people_matching(reach: Any, text: str) -> list[Person]:
    if looks_like_card(text):
        person = person_from_card(text)
        return [person] if person is not None and reach.filter(pk=person.pk).exists() else []
    query = Q(name__contains=text) | Q(volunteer_no=text)
    if text.isdigit() and len(text) >= 4:
        query |= Q(phone__endswith=text)
    return list(reach.filter(query).order_by("name", "id")[:20])


def _item_label(item: Item) -> str:
    return _("%(name)s · %(points)s points · %(stock)s left") % {
        "name": item.name,
        "points": item.points,
        "stock": item.stock,
    }


@console_view
def redeem_for(request: HttpRequest) -> HttpResponse:
    """Staff order for a resident who is at the counter (often elderly, without a phone):
    find them by card or search, pick an item, confirm; the order is recorded as placed
    by the staff member and can be handed over at once."""
    actor = person_of(request)
    _require_shop(actor)
    reach = visible_people(actor, authz.MANAGE_SHOP).filter(is_active=True)
    person_id = request.POST.get("person") or request.GET.get("person")
    if not person_id:
        who = request.GET.get("who", "").strip()
        matches = _people_matching(reach, who) if who else []
        if len(matches) == 1:
            return redirect(f"{request.path}?person={matches[0].pk}")
        return render(
            request,
            "shop/console/redeem.html",
            {"who": who, "matches": matches, "searched": bool(who)},
        )
    person = reach.filter(pk=_int(person_id)).first()
    if person is None or person.community is None:
        raise NotFound(_("No such person, or you may not see them."))
    offered = [
        item
        for item in selectors.items_for(person.community).filter(merchant__isnull=True)
        if item.stock > 0
    ]
    form = RedeemForm(
        request.POST or None,
        items=[(str(item.pk), _item_label(item)) for item in offered],
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.redeem(
                actor=actor,
                item=int(form.cleaned_data["item"]),
                quantity=form.cleaned_data["quantity"],
                person=person,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Ordered for %(name)s: %(points)s points taken. Hand it over now.")
                % {"name": person.name, "points": order.points},
            )
            return redirect(_counter_url(order))
    return render(
        request,
        "shop/console/redeem.html",
        {
            "person": person,
            "form": form,
            "balance": points.balance_of(person),
            "window": selectors.window_state(person.community),
            "offered": offered,
        },
    )


# --- Items and stock -----------------------------------------------------------------------


def _managed_item(actor: Person, item_id: int) -> Item:
    item = selectors.managed_items(actor).filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("There is no such item."))
    return item


def _region_choices(actor: Person) -> list[tuple[str, str]]:
    regions = Region.objects.filter(
        authz.regions_q(actor, authz.MANAGE_SHOP),
        level__in=[Level.COUNTY, Level.TOWN, Level.COMMUNITY],
    ).order_by("path")
    labels: dict[str, str] = {
        Level.COUNTY: _("%(name)s (whole county)"),
        Level.TOWN: _("%(name)s (whole town)"),
    }
    return [(r.code, labels.get(r.level, "%(name)s") % {"name": r.name}) for r in regions]


ITEM_VIEWS = {
    "on": (gettext_lazy("On sale"), Q(is_active=True)),
    "low": (gettext_lazy("Low stock"), Q(is_active=True, stock__lte=LOW_STOCK)),
    "off": (gettext_lazy("Off sale"), Q(is_active=False)),
    "pending": (
        gettext_lazy("Waiting for approval"),
        Q(merchant__isnull=False, approved_at__isnull=True),
    ),
    "all": (gettext_lazy("All"), Q()),
}


@console_view
def items(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    show = request.GET.get("show", "on")
    if show not in ITEM_VIEWS:
        show = "on"
    found = selectors.managed_items(actor).filter(ITEM_VIEWS[show][1])
    page = paginate(request, found, per_page=25)
    pending = selectors.managed_items(actor).filter(ITEM_VIEWS["pending"][1]).count()
    return render(
        request,
        "shop/console/items.html",
        {
            "page": page,
            "show": show,
            "tabs": [(key, label) for key, (label, _q) in ITEM_VIEWS.items()],
            "query": urlencode({"show": show}),
            "low_stock": LOW_STOCK,
            "restock_form": RestockForm(),
            "pending": pending,
        },
    )


@console_view
@require_POST
def item_approve(request: HttpRequest, item_id: int) -> HttpResponse:
    """Approve a merchant's offer as it stands: it goes on the price list."""
    actor = person_of(request)
    _require_shop(actor)
    item = _managed_item(actor, item_id)
    try:
        item = services.approve_item(actor=actor, item=item, seen=request.POST.get("seen", ""))
    except Conflict as refusal:  # changed since the page was shown: look again
        messages.error(request, refusal.render())
        return _back_to(request, item)
    messages.success(request, _("%(name)s is approved and on offer.") % {"name": item.name})
    return _back_to(request, item)


@console_view
def item_create(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    regions = _region_choices(actor)
    codes = [code for code, _label in regions]
    home = actor.community.code if actor.community and actor.community.code in codes else None
    form = ItemForm(
        request.POST or None,
        regions=regions,
        initial={"region": home or (codes[0] if codes else "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_item(
                actor=actor,
                terms=form.terms(),
                region=Region.objects.get(code=form.cleaned_data["region"]),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(name)s is on sale.") % {"name": item.name})
            return redirect("shop:item_edit", item_id=item.pk)
    return render(request, "shop/console/item_form.html", {"form": form, "creating": True})


def save_terms(actor: Person, item: Item, form: ItemForm) -> Item:
    """Save the form's terms (the form carries no stock: the service keeps the row's)."""
    return services.update_item(
        actor=actor, item=item, terms=form.terms(stock=item.stock, sponsor=item.sponsor)
    )


@console_view
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    item = _managed_item(actor, item_id)
    form = ItemForm(request.POST or None, initial=item_initial(item), with_stock=False)
    if request.method == "POST" and form.is_valid():
        try:
            item = save_terms(actor, item, form)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The item is saved."))
            return redirect("shop:item_edit", item_id=item.pk)
    waiting = Redemption.objects.filter(item=item, status=OrderStatus.RESERVED).aggregate(
        n=Sum("quantity")
    )["n"]
    return render(
        request,
        "shop/console/item_form.html",
        {
            "form": form,
            "item": item,
            "restock_form": RestockForm(),
            "photo_form": PhotoForm(),
            "waiting": waiting or 0,
            "low_stock": LOW_STOCK,
        },
    )


def _back_to(request: HttpRequest, item: Item) -> HttpResponse:
    if request.POST.get("next") == "list":
        return redirect(f"{reverse('shop:items')}?{request.POST.get('query', '')}")
    return redirect("shop:item_edit", item_id=item.pk)


@console_view
@require_POST
def restock(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    item = _managed_item(actor, item_id)
    form = RestockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change of stock is a whole number."))
        return _back_to(request, item)
    try:
        item = services.restock(
            actor=actor,
            item=item,
            change=form.cleaned_data["change"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, f"{item.name}: {exc.render()}")
    else:
        messages.success(
            request,
            _("%(name)s: the stock is now %(stock)s.") % {"name": item.name, "stock": item.stock},
        )
    return _back_to(request, item)


@console_view
@require_POST
def item_active(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    item = _managed_item(actor, item_id)
    active = request.POST.get("active") == "1"
    item = services.set_item_active(actor=actor, item=item, active=active)
    text = _("%(name)s is on sale again.") if active else _("%(name)s is taken off sale.")
    messages.success(request, text % {"name": item.name})
    return _back_to(request, item)


@console_view
@require_POST
def item_image(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    item = _managed_item(actor, item_id)
    form = PhotoForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise InvalidInput(_("Please choose a photo in JPEG or PNG format."))
        services.set_item_image(actor=actor, item=item, upload=form.cleaned_data["photo"])
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The photo is saved."))
    return redirect("shop:item_edit", item_id=item.pk)


# --- Liability and the redemption window ---------------------------------------------------


@dataclass(frozen=True)
class MonthBar:
    month: date
    issued: int
    redeemed: int
    issued_pct: int  # of the largest figure of the table: the CSS bar's width
    redeemed_pct: int


def _last_months(rows: list[points.MonthRow], count: int) -> list[MonthBar]:
    """The last ``count`` calendar months, newest first, months without points as zero."""
    by_month = {row.month: row for row in rows}
    firsts = [months.this_month()]
    while len(firsts) < count:
        firsts.append(months.previous_month(firsts[-1]))
    figures = [
        (first, by_month[first].issued, by_month[first].redeemed)
        if first in by_month
        else (first, 0, 0)
        for first in firsts
    ]
    top = max([1, *(max(issued, redeemed) for _first, issued, redeemed in figures)])
    return [
        MonthBar(
            first,
            issued,
            redeemed,
            round(100 * max(issued, 0) / top),
            round(100 * max(redeemed, 0) / top),
        )
        for first, issued, redeemed in figures
    ]


@console_view
def liability(request: HttpRequest) -> HttpResponse:
    """Can the supermarket honour the points in residents' hands? Seen before it happens."""
    actor = person_of(request)
    _require_shop(actor)
    community, communities = _communities(request, actor, authz.MANAGE_SHOP)
    figures = selectors.liability(community)
    shortfall = max(figures.outstanding - figures.stock_points, 0)
    bars = _last_months(figures.months, 12)
    return render(
        request,
        "shop/console/liability.html",
        {
            # The rate counts full months only: a community redeeming for the first time
            # this month has a rate of none, yet it has redeemed (not "no redemptions").
            "redeemed_this_month": bars[0].redeemed,
            "community": community,
            "communities": communities,
            "l": figures,
            "shortfall": shortfall,
            "shortfall_yuan": shortfall * figures.point_value_fen / 100,
            "months": bars,
            "point_value_yuan": figures.point_value_fen / 100,
        },
    )


POLICY_FIELDS = {"point_value_fen": "point_value"}


@console_view
def window(request: HttpRequest) -> HttpResponse:
    """The community's redemption window (一季一兑换), order expiry and point value."""
    actor = person_of(request)
    _require_shop(actor)
    community, communities = _communities(request, actor, authz.MANAGE_RULES)
    policy = policy_for(community)
    initial = {
        "redemption_months": policy.redemption_months,
        "redemption_first_day": policy.redemption_first_day,
        "redemption_last_day": policy.redemption_last_day,
        "order_expiry_days": policy.order_expiry_days,
        "point_value": (Decimal(policy.point_value_fen) / 100).quantize(Decimal("0.01")),
    }
    form = WindowForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_policy(actor=actor, community=community, **form.policy_changes())
        except DomainError as exc:
            add_domain_error(form, exc)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                name = POLICY_FIELDS.get(field, field)
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The redemption window is saved."))
            return redirect(f"{request.path}?community={community.code}")
    return render(
        request,
        "shop/console/window.html",
        {
            "community": community,
            "communities": communities,
            "form": form,
            "state": selectors.window_state(community),
        },
    )


# --- Merchants' settlement -----------------------------------------------------------------


@dataclass(frozen=True)
class MerchantMonth:
    merchant: Merchant
    orders: int
    points: int
    value_yuan: float
    settlement: MerchantSettlement | None
    history: list[MerchantSettlement]


def _settled_merchant(actor: Person, merchant_id: int) -> Merchant:
    merchant = selectors.merchants_to_settle(actor).filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound(_("There is no such merchant, or you may not see it."))
    return merchant


@console_view
def merchants(request: HttpRequest) -> HttpResponse:
    """Each merchant's month: orders handed over, points taken, the report, settling."""
    actor = person_of(request)
    _require_shop(actor)
    this_month = month_of(timezone.localdate())
    month = month_param(request, shift_month(this_month, -1))
    start, end = months.month_bounds(month)
    found = list(selectors.merchants_to_settle(actor))
    totals: dict[int, dict[str, Any]] = {
        row["merchant"]: dict(row)
        for row in Redemption.objects.filter(
            merchant__in=found,
            status=OrderStatus.FULFILLED,
            fulfilled_at__gte=start,
            fulfilled_at__lt=end,
        )
        .values("merchant")
        .annotate(orders=Count("pk"), points=Sum("points"))
        .order_by()
    }
    history: dict[int, list[MerchantSettlement]] = {}
    for settled in MerchantSettlement.objects.filter(merchant__in=found).order_by("-month"):
        history.setdefault(settled.merchant_id, []).append(settled)
    values: dict[int, int] = {}
    rows = []
    for merchant in found:
        if merchant.region_id not in values:
            values[merchant.region_id] = policy_for(merchant.region).point_value_fen
        row = totals.get(merchant.pk, {})
        taken = int(row.get("points") or 0)
        rows.append(
            MerchantMonth(
                merchant=merchant,
                orders=int(row.get("orders") or 0),
                points=taken,
                value_yuan=taken * values[merchant.region_id] / 100,
                settlement=next(
                    (s for s in history.get(merchant.pk, []) if s.month == month), None
                ),
                history=history.get(merchant.pk, [])[:6],
            )
        )
    return render(
        request,
        "shop/console/merchants.html",
        {
            "rows": rows,
            "month": month,
            "previous": shift_month(month, -1),
            "next": shift_month(month, 1) if month < this_month else None,
            "ended": end <= timezone.now(),
        },
    )


def month_workbook(merchant: Merchant, month: str, orders: list[Redemption]) -> bytes:
    """The month's orders handed over at the merchant (商户结算明细): one row an order, and
    the totals the community reimburses."""
    book = new_workbook()
    sheet = first_sheet(book)
    sheet.title = _("Settlement %(month)s") % {"month": month}
    sheet.append([_("Merchant settlement report")])
    sheet["A1"].font = Font(size=14, bold=True)
    append_row(sheet, [_("Merchant"), merchant.name, _("Community"), merchant.region.name])
    sheet.append([_("Month"), month, _("Made at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    sheet.append([])
    sheet.append(
        [
            _("Handed over at"),
            _("Pickup code"),
            pgettext("shop", "Item"),
            pgettext("shop", "Quantity"),
            _("Points"),
            _("Volunteer number"),
            _("Name (masked)"),
            _("Community"),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for order in orders:
        assert order.fulfilled_at is not None  # noqa: S101 - handed over
        append_row(
            sheet,
            [
                timezone.localtime(order.fulfilled_at).strftime("%Y-%m-%d %H:%M"),
                order.code,
                order.item.name,
                order.quantity,
                order.points,
                order.person.volunteer_no or "",
                mask_name(order.person.name),
                order.community.name,
            ],
        )
    total = sum(order.points for order in orders)
    sheet.append([])
    sheet.append(
        [
            _("Total"),
            _("%(n)s orders") % {"n": len(orders)},
            "",
            sum(order.quantity for order in orders),
            total,
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    value = policy_for(merchant.region).point_value_fen
    sheet.append([_("Reference value (yuan)"), round(total * value / 100, 2)])
    for column, width in zip("ABCDEFGH", (18, 12, 24, 8, 10, 18, 10, 14), strict=True):
        sheet.column_dimensions[column].width = width
    return workbook_bytes(book)


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@console_view
def settlement_xlsx(request: HttpRequest, merchant_id: int, month: str) -> HttpResponse:
    actor = person_of(request)
    _require_shop(actor)
    merchant = _settled_merchant(actor, merchant_id)
    orders = list(services.merchant_orders(merchant, month))
    return xlsx_response(
        month_workbook(merchant, month, orders), f"settlement-{merchant.pk}-{month}.xlsx"
    )


@console_view
@require_POST
def settle(request: HttpRequest, merchant_id: int, month: str) -> HttpResponse:
    """The community has paid the merchant for the month: its points leave circulation."""
    actor = person_of(request)
    _require_shop(actor)
    merchant = _settled_merchant(actor, merchant_id)
    try:
        settlement = services.settle_merchant(actor=actor, merchant=merchant, month=month)
    except DomainError as exc:
        messages.error(request, f"{merchant.name}: {exc.render()}")
    else:
        messages.success(
            request,
            _("%(merchant)s is settled for %(month)s: %(points)s points of %(orders)s orders.")
            % {
                "merchant": merchant.name,
                "month": month,
                "points": settlement.points,
                "orders": settlement.orders,
            },
        )
    return redirect(f"{reverse('shop:merchants')}?{urlencode({'month': month})}")
