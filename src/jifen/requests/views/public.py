"""The wishes wall (心愿墙), ``/wishes/<community code>/``: no login, phone first and
readable on a big screen. Open wishes, those being fulfilled, and those fulfilled this
month (挂牌销号) — the requester's name masked (王*英), never an address or a phone.

A logged-in resident who may take a wish sees a button to take it (the same step as
可接的单). The community's big screen (publicity's kiosk) shows a panel of the same wall
(``selectors.wall_panel``).
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.requests import selectors
from jifen.requests.models import Kind


def _community(code: str) -> Region:
    community = Region.objects.filter(code=code, level=Level.COMMUNITY).first()
    if community is None:
        raise Http404
    return community


def _takeable(viewer: Any, community: Region) -> set[int]:
    """The open wishes of the wall the viewer may take (one query, not one per wish)."""
    if not isinstance(viewer, Person) or not viewer.is_authenticated:
        return set()
    return set(
        selectors.open_for(viewer, selectors.Filters(kind=Kind.WISH))
        .filter(community=community)
        .values_list("pk", flat=True)
    )


@require_GET
def wall(request: HttpRequest, code: str) -> HttpResponse:
    community = _community(code)
    viewer = request.user
    context: dict[str, Any] = {
        "community": community,
        **selectors.wall_sections(community),
        "takeable": _takeable(viewer, community),
        "month": timezone.localdate(),
        "updated": timezone.localtime(),
        "wall_url": request.path,
        "may_wish": isinstance(viewer, Person) and viewer.community_id == community.pk,
    }
    return render(request, "requests/wall.html", context)
