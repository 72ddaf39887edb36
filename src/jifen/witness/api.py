"""The JSON API of witnesses: a county's or town's checkpoint, and its published keys.

``GET /public/checkpoints/{code}`` is the file anyone downloads and keeps
(docs/checkpoints.md); it is served as prepared JSON, not through a schema, so a log of
tens of thousands of entries answers at once (its entries are cached by size).
"""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router

from jifen.lib.errors import NotFound
from jifen.regions.models import Region
from jifen.witness import selectors

router = Router(tags=["witness"])


def logged_region(code: str) -> Region:
    """The county or town of that code (404 for any other)."""
    region = selectors.checkpoint_region(code)
    if region is None:
        raise NotFound(
            _("No county or town has the code %(code)s."),
            code="unknown_region",
            params={"code": code[:40]},
        )
    return region


def json_response(data: Any, filename: str = "") -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/public/checkpoints/{code}", auth=None, url_name="public_checkpoint")
def public_checkpoint(request: HttpRequest, code: str) -> HttpResponse:
    """A county's or town's checkpoint: version, region, size, head, generated_at, every
    entry in order with its chain hash, and the months missing from its communities."""
    return json_response(selectors.checkpoint(logged_region(code)))


@router.get("/public/checkpoints/{code}/keys", auth=None, url_name="public_checkpoint_keys")
def public_keys(request: HttpRequest, code: str) -> HttpResponse:
    """The region's signing keys, current first: fingerprint, PEM, since, superseded."""
    return json_response({"region": code, "keys": selectors.public_keys(logged_region(code))})
