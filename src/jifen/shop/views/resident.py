"""The points supermarket for residents (phone first): one item, redeeming it after a
confirmation that shows the points and the balance after, my orders, one order with its
pickup code (核销码) and QR, cancelling before hand-over, and the pay code (付款码) a
merchant or the counter takes points with.

A registered family proxy (代办) chooses for whom: themselves or each person they act
for; the service records the order as placed by proxy. Whether a button shows is only
a courtesy to the reader: the services refuse whatever is not allowed.
"""

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.errors import DomainError, InvalidInput, NotFound
from jifen.lib.pagination import paginate
from jifen.people.models import Person, Proxy
from jifen.people.selectors import principals_of
from jifen.points.selectors import balance_of
from jifen.points.services import policy_for
from jifen.shop import presence, selectors, services
from jifen.shop.models import Item, Redemption
from jifen.shop.models import Status as OrderStatus
from jifen.shop.views.public import qr_code, svg_qr, window_rule
from jifen.web.views.errors import person_of, resident_view

QR_PREFIX = "JFO:"  # services.normalize_code strips it again


def qr_text(order: Redemption) -> str:
    """What the order's QR code says: the counter's scanner types it into the pickup field."""
    return f"{QR_PREFIX}{order.code}"


# --- For whom --------------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """Whose points: the viewer's own, or a person they act for as family proxy."""

    person: Person
    proxy: Proxy | None  # None: the viewer themselves

    @property
    def key(self) -> str:
        return str(self.person.pk) if self.proxy else ""


def _holders(actor: Person) -> list[Holder]:
    return [Holder(actor, None)] + [
        Holder(proxy.principal, proxy)
        for proxy in principals_of(actor).select_related("principal__community")
    ]


def _chosen(holders: list[Holder], key: str) -> Holder:
    """``?for=<id>`` names one of the people the viewer acts for; empty: the first of
    ``holders`` (the viewer themselves, when they are in the list)."""
    if not key:
        return holders[0]
    for holder in holders:
        if holder.key == key or (holder.proxy is None and str(holder.person.pk) == key):
            return holder
    raise NotFound(_("You do not act for this person."))


def _serves(item: Item, person: Person) -> bool:
    return person.community is not None and services.item_serves(item, person.community)


def _item_for(holders: list[Holder], item_id: int) -> tuple[Item, list[Holder]]:
    """The item, when it is offered to the viewer or someone they act for (404 otherwise),
    and those of them it is offered to."""
    item = selectors.get_item(item_id)
    served = [holder for holder in holders if _serves(item, holder.person)]
    if not served:
        raise NotFound(_("There is no such item."))
    return item, served


# --- One item, and redeeming it ----------------------------------------------------------------


def _offer(
    item: Item, holder: Person, balance: int, window: selectors.WindowState
) -> selectors.Offer:
    """What stands between the holder and the item today, as the list says it too."""
    return selectors.offers_for(holder, [item], balance=balance, window=window)[item.pk]


def _item_page(
    request: HttpRequest,
    *,
    item: Item,
    holder: Holder,
    served: list[Holder],
    quantity: Any = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    person = holder.person
    community = person.community
    assert community is not None  # noqa: S101 - the item serves the holder's community
    balance = balance_of(person).balance
    window = selectors.window_state(community)
    offer = _offer(item, person, balance, window)
    confirm: dict[str, Any] | None = None
    if quantity is not None and not error:
        try:
            count = services.clean_quantity(quantity)
        except InvalidInput as exc:
            error, status = exc.render(), exc.status
        else:
            cost = count * item.points
            confirm = {
                "quantity": count,
                "cost": cost,
                "after": balance - cost,
                "enough": balance >= cost,
            }
    return render(
        request,
        "shop/resident/item.html",
        {
            "item": item,
            "holder": holder,
            "holders": served if len(served) > 1 else [],
            "balance": balance,
            "window": window,
            "rule": window_rule(community),
            "expiry_days": policy_for(community).order_expiry_days,
            "offer": offer,
            "choices": range(1, offer.most + 1),
            "confirm": confirm,
            "error": error,
        },
        status=status,
    )


@resident_view
def item(request: HttpRequest, item_id: int) -> HttpResponse:
    """The item, a quantity to choose and, with ``?quantity=``, the confirmation: the points
    it costs and the balance after, with the one button that redeems."""
    holders = _holders(person_of(request))
    item, served = _item_for(holders, item_id)
    holder = _chosen(served, request.GET.get("for", ""))
    return _item_page(
        request, item=item, holder=holder, served=served, quantity=request.GET.get("quantity")
    )


@resident_view
@require_POST
def redeem(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = person_of(request)
    holders = _holders(actor)
    item, served = _item_for(holders, item_id)
    # Whose points: named by the form, never guessed (empty is the viewer's own).
    holder = _chosen(holders, request.POST.get("for", ""))
    if holder not in served:
        raise NotFound(_("There is no such item."))
    try:
        order = services.redeem(
            actor=actor,
            item=item.pk,
            quantity=request.POST.get("quantity"),
            person=holder.person if holder.proxy else None,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        # Nothing was written: the page again, as it stands now, saying why.
        return _item_page(
            request,
            item=selectors.get_item(item_id),
            holder=holder,
            served=served,
            error=exc.render(),
            status=exc.status,
        )
    messages.success(
        request,
        _("Redeemed. Show this pickup code at the counter to collect it."),
    )
    return redirect("shop:order", order_id=order.pk)


# --- Orders --------------------------------------------------------------------------------


@resident_view
def orders(request: HttpRequest) -> HttpResponse:
    """My orders, newest first; a family proxy also sees each person they act for."""
    holders = _holders(person_of(request))
    holder = _chosen(holders, request.GET.get("for", ""))
    found = selectors.orders_of(holder.person)
    query = {"for": holder.key} if holder.proxy else {}
    ready = request.GET.get("status") == OrderStatus.RESERVED  # the to-do's line
    if ready:
        found = found.filter(status=OrderStatus.RESERVED)
        query["status"] = OrderStatus.RESERVED
    page = paginate(request, found, per_page=10)
    return render(
        request,
        "shop/resident/orders.html",
        {
            "page": page,
            "holder": holder,
            "holders": holders if len(holders) > 1 else [],
            "query": urlencode(query),
            "ready": ready,
        },
    )


def _acts_for(actor: Person, order: Redemption) -> bool:
    """The holder, or their family proxy (staff cancel at the counter, in the console)."""
    if order.person_id == actor.pk:
        return True
    return principals_of(actor).filter(principal_id=order.person_id).exists()


@resident_view
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    """The order with its pickup code in very large characters and its QR code."""
    actor = person_of(request)
    found = selectors.get_order_for(actor, order_id)
    mine = _acts_for(actor, found)
    reserved = found.status == OrderStatus.RESERVED
    # The holder knows why they cancelled; staff's reason is worth showing.
    by_staff = (
        found.status == OrderStatus.CANCELLED
        and found.cancelled_by_id not in (None, found.person_id)
        and not Proxy.objects.filter(
            principal_id=found.person_id, agent_id=found.cancelled_by_id
        ).exists()
    )
    return render(
        request,
        "shop/resident/order.html",
        {
            "order": found,
            "mine": mine,
            "for_other": found.person_id != actor.pk,
            "may_cancel": mine and reserved,
            "reserved": reserved,
            "cancelled_by_staff": by_staff,
            "qr": svg_qr(qr_text(found), _("QR code of the pickup code")) if reserved else "",
            "balance": balance_of(found.person).balance if mine else None,
        },
    )


@resident_view
def order_qr(request: HttpRequest, order_id: int) -> HttpResponse:
    """The order's QR code alone, as an SVG image (to save or show full screen)."""
    found = selectors.get_order_for(person_of(request), order_id)
    if found.status != OrderStatus.RESERVED:
        raise NotFound(_("This order has no pickup code to show any more."))
    out = io.BytesIO()
    qr_code(qr_text(found)).save(
        out, kind="svg", border=2, scale=8, title=_("QR code of the pickup code")
    )
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@resident_view
@require_POST
def cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    """Before hand-over: the points come back and the stock is returned."""
    actor = person_of(request)
    found = selectors.get_order_for(actor, order_id)
    try:
        done = services.cancel(actor=actor, order=found)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.render())
    else:
        messages.success(
            request,
            _("The order is cancelled: %(points)s points are back.") % {"points": done.points},
        )
    return redirect("shop:order", order_id=found.pk)


# --- The pay code (付款码) ------------------------------------------------------------------


def _paycode_context(actor: Person) -> dict[str, Any]:
    code, expires = presence.issue_paycode(person=actor)
    return {
        "code": code,
        "groups": [code[i : i + 4] for i in range(0, len(code), 4)],
        "expires_ms": int(expires.timestamp() * 1000),
        "seconds": presence.PAYCODE_SECONDS,
        "qr": svg_qr(presence.PAYCODE_PREFIX + code, _("QR code of the pay code")),
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"  # a pay code is never kept by a cache
    return response


@resident_view
def paycode(request: HttpRequest) -> HttpResponse:
    """The pay code (付款码) shown big with its QR and a countdown, for a merchant or the
    counter to take points for one order; refreshed before it runs out."""
    actor = person_of(request)
    context = _paycode_context(actor)
    context["balance"] = balance_of(actor).balance
    return _no_store(render(request, "shop/resident/paycode.html", context))


@resident_view
def paycode_fresh(request: HttpRequest) -> HttpResponse:
    """A new pay code (htmx swaps it in; the one shown before is void)."""
    context = _paycode_context(person_of(request))
    return _no_store(render(request, "shop/resident/partials/paycode.html", context))
