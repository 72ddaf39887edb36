"""村务公开 for everyone, no login, phone first: ``/disclosures/`` (the regions that
publish), ``/disclosures/r/<code>/`` (a region's items, newest first, by category), one
item (``/disclosures/<id>/``: text, table in yuan, attachments, thread, versions, the
月报's sections) with its PDF and Excel file, and the attachments.

A reading is counted on the item's page: one UPDATE, never twice from the same browser
within ``SEEN_MINUTES`` (a signed cookie, no session row for an anonymous reader), at most
``PER_ADDRESS`` times from one address in that while (a loop without cookies), and never
a refused page for a count that could not be written.
"""

import hashlib
import time
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.signing import BadSignature
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from jifen.disclosure import exports, pdf, selectors, services
from jifen.disclosure.api import report_view, table_view
from jifen.disclosure.models import Attachment, Category, Disclosure
from jifen.lib.http import client_address
from jifen.lib.pagination import paginate
from jifen.regions.models import Region

PER_PAGE = 20
SEEN_COOKIE = "jifen_seen"
SEEN_SALT = "jifen.disclosure.seen"
SEEN_MINUTES = 30
SEEN_KEEP = 40
PER_ADDRESS = 10


def _item(pk: int) -> Disclosure:
    item = selectors.public_item(pk)
    if item is None:
        raise Http404
    return item


def _seen(request: HttpRequest) -> dict[int, int]:
    try:
        raw = request.get_signed_cookie(SEEN_COOKIE, default="", salt=SEEN_SALT)
    except BadSignature:
        return {}
    seen = {}
    for part in str(raw).split(",")[:SEEN_KEEP]:
        key, _sep, at = part.partition(".")
        if key.isdigit() and at.isdigit():
            seen[int(key)] = int(at)
    return seen


def _address_allows(request: HttpRequest, item: Disclosure) -> bool:
    """At most ``PER_ADDRESS`` readings of one item from one address in ``SEEN_MINUTES``:
    a loop that drops the cookie does not inflate the count, and a village's households
    behind one mobile network's address are still counted. Only a digest of the address
    is kept, in the cache, for that while."""
    address = client_address(request)
    if not address:
        return True
    digest = hashlib.sha256(f"{SEEN_SALT}:{address}".encode()).hexdigest()[:24]
    first = item.series or item  # its id and its time: an id reused after a restore is new
    key = f"disclosure-seen:{first.pk}.{first.published_at.timestamp():.6f}:{digest}"
    try:
        cache.add(key, 0, timeout=SEEN_MINUTES * 60)
        return cache.incr(key) <= PER_ADDRESS
    except Exception:  # noqa: BLE001 - evicted between add and incr, a cache not reachable:
        return True  # the page never fails for its count


def _count(request: HttpRequest, item: Disclosure) -> dict[int, int] | None:
    """Count this reading unless this browser was counted lately; the cookie's new value
    (None: nothing to set)."""
    now = int(time.time())
    seen = {k: v for k, v in _seen(request).items() if now - v < SEEN_MINUTES * 60}
    series = item.series_id or item.pk
    if series in seen:
        return None
    if _address_allows(request, item):
        services.count_view(item)
    seen[series] = now
    return seen


def _remember(response: HttpResponse, seen: dict[int, int] | None) -> None:
    if seen is None:
        return
    newest = sorted(seen.items(), key=lambda kv: -kv[1])[:SEEN_KEEP]
    response.set_signed_cookie(
        SEEN_COOKIE,
        ",".join(f"{k}.{v}" for k, v in newest),
        salt=SEEN_SALT,
        max_age=SEEN_MINUTES * 60,
        httponly=True,
        samesite="Lax",
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    regions = list(selectors.regions_with_items()[:500])
    return render(request, "disclosure/index.html", {"regions": regions})


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code[:32]).first()
    if region is None:
        raise Http404
    return region


def _category(request: HttpRequest) -> str:
    value = request.GET.get("category", "")
    return value if value in Category.values else ""


@require_GET
def region_list(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(code)
    category = _category(request)
    page = paginate(request, selectors.public_items(region, category), PER_PAGE)
    context: dict[str, Any] = {
        "region": region,
        "category": category,
        "categories": Category.choices,
        "page": page,
        "query": urlencode({"category": category}) if category else "",
    }
    return render(request, "disclosure/list.html", context)


@require_GET
def region_export(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(code)
    rows = selectors.public_items(region, _category(request))[: exports.LIMIT]
    return _file(
        exports.list_xlsx(rows),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"disclosures-{region.code}.xlsx",
    )


def item_context(item: Disclosure) -> dict[str, Any]:
    return {
        "item": item,
        "current": selectors.current_of(item),
        "table": table_view(item.table),
        "report": report_view(item.report),
        "attachments": list(item.attachments.all()),
        "thread": selectors.thread(item),
        "versions": selectors.versions(item),
        "views": selectors.views_of(item, fresh=True),
        "late": selectors.is_late(item),
        "due_on": selectors.at_once_due(item.decided_on) if item.decided_on else None,
        "seal": selectors.seal_status(item),
    }


@require_GET
def item(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(pk)
    seen = _count(request, found)  # first, so the page counts its own reader
    response = render(request, "disclosure/item.html", item_context(found))
    _remember(response, seen)
    return response


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def item_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(pk)
    url = request.build_absolute_uri(reverse("disclosure:item", args=[found.pk]))
    return _file(pdf.disclosure_pdf(found, url), "application/pdf", f"disclosure-{found.pk}.pdf")


@require_GET
def item_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    found = _item(pk)
    return _file(
        exports.item_xlsx(found),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"disclosure-{found.pk}.xlsx",
    )


@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The stored file with its own type: a picture shown, a PDF downloaded, neither
    able to run anything in the site's name (nosniff, a sandboxing CSP)."""
    row = Attachment.objects.filter(pk=pk).first()
    if row is None:
        raise Http404
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=row.content_type,
        as_attachment=not row.is_image,
        filename=row.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response
