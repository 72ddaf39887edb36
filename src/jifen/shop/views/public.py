"""The points supermarket in public, no login: the clearly priced list (明码标价) a
resident reads on a phone, the community's big screen (电子屏), and the items' photos.

What is on sale, and when redeeming is open, come from the selectors; these views only
arrange it: the community's own items by kind, then each partner merchant's offers.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import segno
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jifen.people.models import Merchant, Person
from jifen.points.selectors import balance_of
from jifen.regions.models import Level, Region
from jifen.shop import selectors, services
from jifen.shop.models import Item, Kind

KIND_TITLES = {
    Kind.GOODS: gettext_lazy("Goods"),
    Kind.SERVICE: gettext_lazy("Services"),
    Kind.HONOUR: gettext_lazy("Honours"),
    Kind.VOUCHER: gettext_lazy("Vouchers"),
}
KIND_ORDER = list(KIND_TITLES)
# A select of every community while they are few; past that, a search by name.
PICKER_LIST_MAX = 300
SEARCH_RESULTS_MAX = 20
# The big screen: 8 items a page (4 × 2 at 1920 × 1080), turned every SCREEN_TURN_S.
SCREEN_PER_PAGE = 8
SCREEN_TURN_S = 20
SCREEN_REFRESH_S = 60
# The photo types set_item_image stores (older rows may hold Pillow's format name).
IMAGE_TYPES = {
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
}


@dataclass
class Shelf:
    """A group of the list: the community's items of one kind, or one merchant's offers."""

    title: str
    kind: str = ""
    merchant: Merchant | None = None
    items: list[Item] = field(default_factory=list)


def shelves(items: Iterable[Item]) -> list[Shelf]:
    """The community's own items (and those from the town and county) by kind, then each
    merchant's offers; within a shelf the selectors' order (cheapest first), sold out last."""
    by_kind = {kind: Shelf(title=str(KIND_TITLES[kind]), kind=kind) for kind in KIND_ORDER}
    by_merchant: dict[int, Shelf] = {}
    for item in items:
        if item.merchant is None:
            by_kind[Kind(item.kind)].items.append(item)
        else:
            shelf = by_merchant.setdefault(
                item.merchant.pk, Shelf(title=item.merchant.name, merchant=item.merchant)
            )
            shelf.items.append(item)
    own = [shelf for shelf in by_kind.values() if shelf.items]
    merchants = sorted(by_merchant.values(), key=lambda shelf: shelf.title)
    for shelf in own + merchants:
        # What is left comes first; what is all redeemed stays listed, at the end.
        shelf.items.sort(key=lambda item: item.stock == 0)
    return own + merchants


def screen_order(items: Iterable[Item]) -> list[Item]:
    """One running list for the screen, in the order of the shelves."""
    return [item for shelf in shelves(items) for item in shelf.items]


def community_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code, level=Level.COMMUNITY).first()


def _picker(request: HttpRequest) -> dict[str, Any]:
    """The communities to choose from: all of them while few, else those matching ``q``."""
    communities = Region.objects.filter(level=Level.COMMUNITY)
    query = request.GET.get("q", "").strip()[:50]
    if query:
        found = communities.filter(Q(name__contains=query) | Q(code=query))
        return {
            "q": query,
            "matches": list(found.select_related("parent").order_by("path")[:SEARCH_RESULTS_MAX]),
            "choices": None,
        }
    if communities.count() > PICKER_LIST_MAX:
        return {"q": "", "matches": None, "choices": None}
    return {
        "q": "",
        "matches": None,
        "choices": list(communities.select_related("parent").order_by("path")),
    }


def window_rule(community: Region) -> str:
    """The community's redemption window (一季一兑换) as a sentence; empty when always open."""
    window = services.window_of(community)
    if window.always:
        return ""
    months = "、".join(str(month) for month in sorted(window.months))
    days = {"first": window.first_day or 1, "last": window.last_day or _("month end")}
    if window.months and (window.first_day or window.last_day):
        return _("Redeeming is open in months %(months)s, on days %(first)s–%(last)s.") % {
            "months": months,
            **days,
        }
    if window.months:
        return _("Redeeming is open in months %(months)s.") % {"months": months}
    return _("Redeeming is open on days %(first)s–%(last)s of every month.") % days


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The price list of one community: ``?community=CODE``, or the visitor's own."""
    user = request.user
    person: Person | None = user if user.is_authenticated else None
    code = request.GET.get("community", "").strip()
    community, error, status = None, "", 200
    if code:
        community = community_by_code(code)
        if community is None:
            error, status = _("There is no community with this code."), 404
    elif person is not None and person.community is not None:
        community = person.community
    context: dict[str, Any] = {"community": community, "error": error, "person": person}
    if community is None or "q" in request.GET:
        context.update(_picker(request), show_picker=True)
    if person is not None:
        context["balance"] = balance_of(person)
    if community is not None:
        own = person is not None and person.community_id == community.pk
        window = selectors.window_state(community)
        listed = shelves(selectors.items_for(community))
        if person is not None:
            # One verdict per item for the whole page, in a fixed number of queries: a
            # button shows only where redeeming can work, and otherwise says why not.
            offers = selectors.offers_for(
                person,
                [item for shelf in listed for item in shelf.items],
                balance=context["balance"].balance,
                window=window if own else None,
            )
            for shelf in listed:
                for item in shelf.items:
                    setattr(item, "offer", offers[item.pk])  # noqa: B010 - read by the card
        context.update(shelves=listed, window=window, rule=window_rule(community), own=own)
    return render(request, "shop/public/catalogue.html", context, status=status)


def qr_code(text: str) -> segno.QRCode:
    # A full QR code, never a Micro QR (which many phones' scanners cannot read).
    return segno.make_qr(text, error="m")


def svg_qr(text: str, title: str) -> str:
    """The QR code as an <svg> to put in a page (CSS sizes it)."""
    return qr_code(text).svg_inline(border=2, omitsize=True, svgclass="qr-svg", title=title)


@require_GET
def screen(request: HttpRequest, code: str) -> HttpResponse:
    """The community's big screen: very large type, a page of items at a time, turning by
    itself. htmx asks for the next page in the background; when the network is down the
    request fails and the screen keeps showing what it has."""
    community = community_by_code(code)
    if community is None:
        raise Http404
    items = screen_order(selectors.items_for(community))
    page = Paginator(items, SCREEN_PER_PAGE).get_page(request.GET.get("page"))
    following = page.next_page_number() if page.has_next() else 1
    turns = page.paginator.num_pages > 1
    list_url = request.build_absolute_uri(f"{reverse('shop:catalogue')}?community={code}")
    context = {
        "community": community,
        "page": page,
        "window": selectors.window_state(community),
        "rule": window_rule(community),
        "next_url": f"{reverse('shop:screen', args=[code])}?page={following}",
        "every": SCREEN_TURN_S if turns else SCREEN_REFRESH_S,
        "now": timezone.localtime(),
        "list_url": list_url,
        "qr": svg_qr(list_url, _("Scan to see the list on your phone")),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "shop/public/partials/screen_body.html", context)
    return render(request, "shop/public/screen.html", context)


@require_GET
def item_image(request: HttpRequest, item_id: int) -> HttpResponse:
    """An item's photo: public like the price list; revalidated by its hash, so a new photo
    shows within minutes."""
    row = Item.objects.filter(pk=item_id).values_list("image", "image_type").first()
    if row is None or not row[0] or row[1] not in IMAGE_TYPES:
        raise Http404
    data = bytes(row[0])
    etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(data, content_type=IMAGE_TYPES[row[1]])
        response["Content-Disposition"] = "inline"
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
