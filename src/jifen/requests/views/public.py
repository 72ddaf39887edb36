"""The wishes wall (心愿墙), ``/wishes/<community code>/``: no login, phone first and
readable on a big screen. Open wishes, those being fulfilled, and those fulfilled this
month (挂牌销号) — the requester's name masked (王*英), never an address or a phone.

A logged-in resident who may take a wish sees a button to take it (the same step as
可接的单). ``wall_panel`` gives the community's big screen (publicity's kiosk) a panel of
the same wall.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.requests import selectors
from jifen.requests.models import Kind, Status

# A big screen shows this many of each list; a phone scrolls through them all.
PANEL_SIZE = 6


def _community(code: str) -> Region:
    community = Region.objects.filter(code=code, level=Level.COMMUNITY).first()
    if community is None:
        raise Http404
    return community


def _sections(community: Region) -> dict[str, list[selectors.WallLine]]:
    lines = selectors.wishes_wall(community)
    return {
        "waiting": [w for w in lines if w.status == Status.OPEN],
        "underway": [w for w in lines if w.status in (Status.ASSIGNED, Status.DONE)],
        "fulfilled": sorted(
            (w for w in lines if w.status == Status.COMPLETED),
            key=lambda w: w.closed_at or w.created_at,
            reverse=True,
        ),
    }


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
        **_sections(community),
        "takeable": _takeable(viewer, community),
        "month": timezone.localdate(),
        "updated": timezone.localtime(),
        "wall_url": request.path,
        "may_wish": isinstance(viewer, Person) and viewer.community_id == community.pk,
    }
    return render(request, "requests/wall.html", context)


def wall_panel(request: HttpRequest, community: Region) -> dict[str, Any]:
    """For the community's big screen: the wall's lists, shortened, and the address of the
    wall to print beside them as a QR code."""
    sections = _sections(community)
    return {
        "wishes_waiting": sections["waiting"][:PANEL_SIZE],
        "wishes_underway": sections["underway"][:PANEL_SIZE],
        "wishes_fulfilled": sections["fulfilled"][:PANEL_SIZE],
        "wishes_fulfilled_count": len(sections["fulfilled"]),
        "wishes_url": request.build_absolute_uri(reverse("requests:wall", args=[community.code])),
    }
