"""``{% checkpoint_badge community %}``: the county's current checkpoint beside a seal."""

from typing import Any

import segno
from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from jifen.regions.models import Region
from jifen.witness import selectors

register = template.Library()


def qr_svg(url: str, title: str = "") -> str:
    # A full QR code (never a Micro QR), inline SVG: no script, no request of its own.
    return str(
        segno.make_qr(url, error="m").svg_inline(
            border=2, omitsize=True, svgclass="witness-qr-svg", title=title or None
        )
    )


@register.inclusion_tag("witness/badge.html", takes_context=True)
def checkpoint_badge(context: template.Context, community: Any) -> dict[str, Any]:
    """The checkpoint of the county (else town) above ``community``: short hash, size,
    date and a QR to its public page. Renders nothing without a region or a log."""
    region = selectors.witness_region(community) if isinstance(community, Region) else None
    log = selectors.log_of(region)
    if region is None or log is None or not log.size:
        return {"badge": None}
    path = selectors.page_path(region)
    request = context.get("request")
    url = request.build_absolute_uri(path) if request is not None else path
    return {
        "badge": {
            "region": region,
            "size": log.size,
            "short": selectors.short_hash(log.head),
            "date": timezone.localtime(log.updated_at).date(),
            "url": path,
            "qr": mark_safe(qr_svg(url)),  # noqa: S308 - segno's own SVG of our URL
        }
    }
