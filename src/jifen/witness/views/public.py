"""Public pages of checkpoints (no login; a phone and the big screen): a county's or
town's checkpoint to read aloud and keep, what it covers, its gaps in red, its keys, and
the document that says how to keep a history of them."""

from pathlib import Path
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from jifen.regions.models import Region
from jifen.witness import selectors
from jifen.witness.templatetags.witness_tags import qr_svg

METHOD_DOC = Path(__file__).resolve().parents[1] / "templates/witness/checkpoints.md"


def region_or_404(code: str) -> Region:
    region = selectors.checkpoint_region(code)
    if region is None:
        raise Http404
    return region


def checkpoint_page(request: HttpRequest, code: str) -> HttpResponse:
    region = region_or_404(code)
    log = selectors.log_of(region)
    gaps = selectors.gaps(region)
    names = dict(Region.objects.filter(path__startswith=region.path).values_list("code", "name"))
    context: dict[str, Any] = {
        "region": region,
        "log": log,
        "size": log.size if log else 0,
        "head": log.head if log else "",
        "short": selectors.short_hash(log.head) if log else "",
        "updated": timezone.localtime(log.updated_at) if log else None,
        "coverage": selectors.coverage(region),
        "gaps": [{**gap, "name": names.get(gap["community"], "")} for gap in gaps or []],
        "gaps_known": gaps is not None,
        "download": reverse("api:public_checkpoint", args=[region.code]),
        "filename": f"checkpoint-{region.code}-{timezone.localdate().isoformat()}.json",
        "qr": mark_safe(qr_svg(request.build_absolute_uri()[:500])),  # noqa: S308 - segno's SVG
        "keys": selectors.public_keys(region)[:1],
        "parent": region.parent if region.level != "county" else None,
    }
    return render(request, "witness/public.html", context)


def key_page(request: HttpRequest, code: str) -> HttpResponse:
    """The region's verification keys: the current one and every one before it (PEM and
    fingerprint), so that signatures of old keys still verify."""
    region = region_or_404(code)
    keys = selectors.public_keys(region)
    if request.GET.get("format") == "pem":
        if not keys:
            raise Http404
        response = HttpResponse(keys[0]["public_key"], content_type="application/x-pem-file")
        response["Content-Disposition"] = f'attachment; filename="checkpoint-key-{region.code}.pem"'
        return response
    return render(request, "witness/key.html", {"region": region, "keys": keys})


def method(request: HttpRequest) -> HttpResponse:
    """docs/checkpoints.md, as published with Jifen."""
    try:
        text = METHOD_DOC.read_text(encoding="utf-8")
    except OSError:  # an installation without the docs folder
        raise Http404 from None
    if request.GET.get("format") == "md":
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="checkpoints.md"'
        return response
    return render(request, "witness/method.html", {"text": text})
