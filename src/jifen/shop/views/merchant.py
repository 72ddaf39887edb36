"""Pages of a partner merchant (爱心商户, 商居联盟), for its operators on their phones:
take points from a resident who is there — their card scanned or its printed code typed,
or the pay code (付款码) on their phone — or hand over an order by its QR code; publish
the merchant's own offers (on the list once staff approve them), see its orders month by
month and download the month's report.

Only the merchant's operators open these pages; anybody else gets "not found". Every
write is one service call, which checks again. A step that moves points ends in a
redirect, so reloading the page never takes points twice.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jifen.lib.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from jifen.lib.masking import mask_name
from jifen.lib.pagination import paginate
from jifen.people.models import Merchant, Person
from jifen.shop import presence, selectors, services
from jifen.shop.forms import CodeForm, ItemForm, RestockForm, TakeForm, item_initial
from jifen.shop.models import Item, Kind, MerchantSettlement, Redemption, Status
from jifen.shop.presence import Presence
from jifen.shop.views.console import (
    month_of,
    month_param,
    month_workbook,
    save_terms,
    shift_month,
    xlsx_response,
)
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view


def _merchant(actor: Person, merchant_id: int) -> Merchant:
    """A merchant the actor operates; "not found" for every other."""
    merchant = selectors.operated_merchants(actor).filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound(_("There is no such merchant, or you do not operate it."))
    return merchant


def _offers(merchant: Merchant) -> QuerySet[Item]:
    return Item.objects.filter(merchant=merchant).defer("image")


def _offer(merchant: Merchant, item_id: int) -> Item:
    item = _offers(merchant).select_related("region", "merchant").filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("There is no such item."))
    return item


@resident_view
def home(request: HttpRequest) -> HttpResponse:
    """The merchants the person operates, each with its three tasks."""
    actor = person_of(request)
    found = list(selectors.operated_merchants(actor).order_by("name"))
    if not found:
        raise PermissionDenied(_("These pages are for the operators of a partner merchant."))
    return render(request, "shop/merchant/home.html", {"merchants": found})


# --- Taking points -------------------------------------------------------------------------


def _offer_choices(merchant: Merchant) -> list[tuple[str, str]]:
    today = timezone.localdate()
    return [
        (
            str(item.pk),
            _("%(name)s · %(points)s points") % {"name": item.name, "points": item.points},
        )
        for item in _offers(merchant)
        .select_related("merchant")
        .filter(is_active=True, stock__gt=0)
        .order_by("points", "name")
        if services.on_sale(item, today)
    ]


def _present(actor: Person, merchant: Merchant, *, card: str = "", paycode: str = "") -> Presence:
    """The resident whose card or pay code this is, when the merchant's offers serve them
    (``presence.identify`` counts a guess, and says what to type for a bare number)."""
    proof = presence.identify(actor=actor, card=card, paycode=paycode)
    person = proof.person
    if person.community is None or not person.community.is_within(merchant.region):
        raise InvalidInput(
            _(
                "This resident's points are kept by another community: the offers here "
                "are for residents of %(place)s."
            )
            % {"place": merchant.region.name},
            field="code",
        )
    return proof


def _take_page(request: HttpRequest, merchant: Merchant, **context: Any) -> HttpResponse:
    context.setdefault("form", CodeForm())
    return render(
        request,
        "shop/merchant/take.html",
        {"merchant": merchant, **context},
        status=context.pop("status", 200),
    )


@resident_view
def take(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """Three steps on one page: scan (a card, or an order's QR code); choose the offer and
    quantity (a card) or look at the order (a QR code); confirm. Then "done"."""
    actor = person_of(request)
    merchant = _merchant(actor, merchant_id)
    if request.method != "POST":
        shown = request.GET.get("done", "")
        done = (
            # Only an order handed over: a waiting one's pickup code is its holder's to show.
            Redemption.objects.filter(merchant=merchant, pk=int(shown), status=Status.FULFILLED)
            .select_related("item", "person")
            .first()
            if shown.isdigit()
            else None
        )
        if done is None:
            return _take_page(request, merchant, step="scan")
        return _take_page(
            request, merchant, step="done", done=done, masked=mask_name(done.person.name)
        )
    step = request.POST.get("step", "scan")
    if step == "scan":
        return _scanned(request, actor, merchant)
    if step == "fulfil":
        # By the pickup code the resident showed, never by an order's id: an operator
        # hands over only what its holder brings to the counter (services.fulfil).
        try:
            order = services.pickup(actor=actor, code=request.POST.get("code", "")[:64])
        except DomainError as exc:
            return _take_page(request, merchant, step="scan", error=exc.render())
        return redirect(f"{reverse('shop:take', args=[merchant.pk])}?done={order.pk}")
    return _taken(request, actor, merchant)


WHAT_TO_TYPE = gettext_lazy(
    "Type the code printed under the QR of the resident's volunteer card, the 16-digit pay "
    "code on their phone, or the pickup code of their order."
)


def _choose_page(
    request: HttpRequest, merchant: Merchant, proof: Presence, take_form: TakeForm
) -> HttpResponse:
    return _take_page(
        request,
        merchant,
        step="choose",
        take_form=take_form,
        holder=proof.person,
        masked=mask_name(proof.person.name),
        via=proof.via,
    )


def _scanned(request: HttpRequest, actor: Person, merchant: Merchant) -> HttpResponse:
    """A card (scanned or its printed code typed) or a pay code names the resident, who
    then chooses the offer; a pickup code opens the order to hand it over."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _take_page(request, merchant, step="scan", form=form)
    code = form.cleaned_data["code"].strip()
    kind = presence.kind_of(code)
    try:
        if kind in ("card", "paycode", "number"):
            given = {"paycode": code} if kind == "paycode" else {"card": code}
            proof = _present(actor, merchant, **given)
            take_form = TakeForm(initial=given, items=_offer_choices(merchant))
            return _choose_page(request, merchant, proof, take_form)
        if kind == "unknown":
            raise InvalidInput(WHAT_TO_TYPE, field="code")
        order = services.find_by_code(actor, code)
    except DomainError as exc:
        exc.field = "code"  # one field on this page holds whatever was typed
        add_domain_error(form, exc)
        return _take_page(request, merchant, step="scan", form=form)
    return _take_page(
        request, merchant, step="order", order=order, masked=mask_name(order.person.name)
    )


def _taken(request: HttpRequest, actor: Person, merchant: Merchant) -> HttpResponse:
    take_form = TakeForm(request.POST, items=_offer_choices(merchant))
    card, paycode = request.POST.get("card", ""), request.POST.get("paycode", "")
    try:
        if not (card or paycode):
            raise InvalidInput(WHAT_TO_TYPE)
        proof = _present(actor, merchant, card=card, paycode=paycode)
    except DomainError as exc:
        return _take_page(request, merchant, step="scan", error=exc.render())
    if take_form.is_valid():
        try:
            order = services.take_points(
                actor=actor,
                item=int(take_form.cleaned_data["item"]),
                presence=proof,
                quantity=take_form.cleaned_data["quantity"],
            )
        except DomainError as exc:
            if exc.code in ("paycode_used", "paycode_expired"):
                return _take_page(request, merchant, step="scan", error=exc.render())
            add_domain_error(take_form, exc)
        else:
            return redirect(f"{reverse('shop:take', args=[merchant.pk])}?done={order.pk}")
    return _choose_page(request, merchant, proof, take_form)


# --- Offers --------------------------------------------------------------------------------


@resident_view
def offers(request: HttpRequest, merchant_id: int) -> HttpResponse:
    actor = person_of(request)
    merchant = _merchant(actor, merchant_id)
    found = _offers(merchant).order_by("-is_active", "points", "name", "pk")
    return render(
        request, "shop/merchant/offers.html", {"merchant": merchant, "offers": list(found)}
    )


@resident_view
def offer_create(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """A new offer of the merchant (e.g. 100 积分兑换8折餐券): the points it takes go to
    the merchant's account, and the community pays the merchant for them each month."""
    actor = person_of(request)
    merchant = _merchant(actor, merchant_id)
    form = ItemForm(request.POST or None, initial={"kind": Kind.VOUCHER}, merchant_offer=True)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_item(actor=actor, terms=form.terms(), merchant=merchant)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if item.approved_at is None:
                messages.success(
                    request,
                    _("%(name)s is saved: it is on offer once the community's staff approve it.")
                    % {"name": item.name},
                )
            else:
                messages.success(request, _("%(name)s is on offer.") % {"name": item.name})
            return redirect("shop:offers", merchant_id=merchant.pk)
    return render(
        request,
        "shop/merchant/offer_form.html",
        {"merchant": merchant, "form": form, "creating": True},
    )


@resident_view
def offer_edit(request: HttpRequest, merchant_id: int, item_id: int) -> HttpResponse:
    """Change an offer's terms; add or remove stock; take it off or put it back on offer."""
    actor = person_of(request)
    merchant = _merchant(actor, merchant_id)
    item = _offer(merchant, item_id)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    form = ItemForm(
        request.POST if action == "save" else None,
        initial=item_initial(item),
        with_stock=False,
        merchant_offer=True,
    )
    restock_form = RestockForm(request.POST if action == "restock" else None)
    try:
        if action == "save" and form.is_valid():
            item = save_terms(actor, item, form)
            if item.approved_at is None:
                messages.success(
                    request,
                    _("The offer is saved: it is on offer once the community's staff approve it."),
                )
            else:
                messages.success(request, _("The offer is saved."))
            return redirect("shop:offers", merchant_id=merchant.pk)
        if action == "restock" and restock_form.is_valid():
            item = services.restock(
                actor=actor,
                item=item,
                change=restock_form.cleaned_data["change"],
                note=restock_form.cleaned_data["note"],
            )
            messages.success(request, _("The stock is now %(stock)s.") % {"stock": item.stock})
            return redirect("shop:offer_edit", merchant_id=merchant.pk, item_id=item.pk)
        if action in ("on", "off"):
            services.set_item_active(actor=actor, item=item, active=action == "on")
            messages.success(
                request,
                _("The offer is back on.") if action == "on" else _("The offer is taken off."),
            )
            return redirect("shop:offers", merchant_id=merchant.pk)
    except DomainError as exc:
        add_domain_error(restock_form if action == "restock" else form, exc)
    return render(
        request,
        "shop/merchant/offer_form.html",
        {"merchant": merchant, "form": form, "item": item, "restock_form": restock_form},
    )


# --- Orders and the month's report ----------------------------------------------------------


@resident_view
def orders(request: HttpRequest, merchant_id: int) -> HttpResponse:
    actor = person_of(request)
    merchant = _merchant(actor, merchant_id)
    if request.GET.get("status") == Status.RESERVED:
        return _waiting_orders(request, merchant)
    this_month = month_of(timezone.localdate())
    month = month_param(request, this_month)
    found = services.merchant_orders(merchant, month)
    totals = found.aggregate(orders=Count("pk"), points=Sum("points"))
    page = paginate(request, found.order_by("-fulfilled_at", "-pk"), per_page=20)
    return render(
        request,
        "shop/merchant/orders.html",
        {
            "merchant": merchant,
            "month": month,
            "previous": shift_month(month, -1),
            "next": shift_month(month, 1) if month < this_month else None,
            "page": page,
            "rows": [(order, mask_name(order.person.name)) for order in page],
            "orders": totals["orders"] or 0,
            "points": totals["points"] or 0,
            "settlement": MerchantSettlement.objects.filter(merchant=merchant, month=month).first(),
            "query": urlencode({"month": month}),
        },
    )


def _waiting_orders(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """The merchant's orders waiting for hand-over (the to-do's link), oldest first; the
    pickup code stays its holder's to show at the counter."""
    found = (
        Redemption.objects.filter(merchant=merchant, status=Status.RESERVED)
        .select_related("item", "person")
        .defer("item__image")
        .order_by("created_at", "pk")
    )
    page = paginate(request, found, per_page=20)
    return render(
        request,
        "shop/merchant/orders.html",
        {
            "merchant": merchant,
            "waiting": True,
            "page": page,
            "rows": [(order, mask_name(order.person.name)) for order in page],
            "query": urlencode({"status": Status.RESERVED}),
        },
    )


@resident_view
def month_xlsx(request: HttpRequest, merchant_id: int, month: str) -> HttpResponse:
    actor = person_of(request)
    merchant = _merchant(actor, merchant_id)
    found = list(services.merchant_orders(merchant, month))
    return xlsx_response(
        month_workbook(merchant, month, found), f"merchant-{merchant.pk}-{month}.xlsx"
    )
