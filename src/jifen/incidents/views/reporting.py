"""Reporting, shared by 上报 (grid workers) and 我要反映 (residents): the form, the places
one may report at, the possible duplicates shown before sending, and the offline queue's
resend (``static/incidents/report.js``), answered in JSON.

A phone that composed a report offline sends it with its own ``client_key``; sent again
(the network came back, the page was reloaded), ``services.report`` answers the same
incident: never lost, never twice.
"""

import math
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jifen.incidents import selectors, services
from jifen.incidents.forms import ReportForm
from jifen.incidents.models import Category
from jifen.lib.errors import DomainError
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view

# Where a report may be placed: a community and what lies below it.
PLACE_LEVELS = (Level.COMMUNITY, Level.COMPOUND, Level.GRID, Level.BUILDING)
MAX_PLACES = 300
OFFLINE_HEADER = "X-Jifen-Offline"


def _labelled(regions: list[Region]) -> list[tuple[str, str]]:
    """Each place with its community in front: 文昌社区 · 东片网格."""
    codes = {code for r in regions for code in r.ancestor_codes()}
    communities = {
        r.code: r.name for r in Region.objects.filter(code__in=codes, level=Level.COMMUNITY)
    }
    found = []
    for region in regions:
        community = next((communities[c] for c in region.ancestor_codes() if c in communities), "")
        label = (
            region.name
            if region.level == Level.COMMUNITY or not community
            else (f"{community} · {region.name}")
        )
        found.append((region.code, label))
    return found


def grid_places(person: Person) -> list[tuple[str, str]]:
    """A grid worker's (or staff's) places: every community, compound, grid and building
    where they handle incidents, their grids first."""
    paths = authz.region_paths(person, authz.HANDLE_INCIDENTS)
    if not paths:
        return []
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(path__startswith=path)
    regions = list(Region.objects.filter(query, level__in=PLACE_LEVELS).order_by("path"))
    order = {Level.GRID: 0, Level.BUILDING: 1, Level.COMPOUND: 2, Level.COMMUNITY: 3}
    regions.sort(key=lambda r: (order.get(Level(r.level), 9), r.path))
    return _labelled(regions[:MAX_PLACES])


def resident_places(person: Person) -> list[tuple[str, str]]:
    """A resident's: their community, or one of its grids."""
    community = person.community
    if community is None:
        return []
    grids = Region.objects.filter(path__startswith=community.path, level=Level.GRID).order_by(
        "path"
    )
    return _labelled([community, *grids[:MAX_PLACES]])


def categories_for(places: list[tuple[str, str]]) -> list[Category]:
    """The categories in force at the places' communities (a county's set, with a
    community's own replacing one of the same code)."""
    codes = [code for code, _label in places]
    regions = Region.objects.filter(code__in=codes[:MAX_PLACES])
    communities: dict[str, Region] = {}
    for region in regions:
        if region.level == Level.COMMUNITY:
            communities[region.code] = region
    if not communities:
        ancestors = {c for r in regions for c in r.ancestor_codes()}
        for region in Region.objects.filter(code__in=ancestors, level=Level.COMMUNITY):
            communities[region.code] = region
    chosen: dict[str, Category] = {}
    for community in list(communities.values())[:10]:
        for category in selectors.categories(community):
            chosen.setdefault(category.code, category)
    return sorted(chosen.values(), key=lambda c: (c.position, c.code))


def _json_errors(form: ReportForm) -> JsonResponse:
    errors = [str(e) for errors in form.errors.values() for e in errors]
    return JsonResponse({"ok": False, "errors": errors}, status=400)


def report_page(
    request: HttpRequest,
    *,
    places: list[tuple[str, str]],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The report form, shown and sent; from the offline queue (``X-Jifen-Offline``),
    sent and answered in JSON."""
    actor = person_of(request)
    offline = request.headers.get(OFFLINE_HEADER) == "1"
    posted = request.method == "POST"
    categories = categories_for(places)
    form = ReportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        categories=categories,
        places=places,
        initial={"place": request.GET.get("place", ""), "category": request.GET.get("category")},
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        region = Region.objects.get(code=data["place"])
        try:
            incident = services.report(
                actor=actor,
                region=region,
                category=data["category"],
                description=data["description"],
                address=data["address"],
                lat=data["lat"] or None,
                lng=data["lng"] or None,
                photos=data["photos"],
                client_key=data["client_key"],
            )
        except DomainError as exc:
            if exc.field in ("lat", "lng", "client_key", "region"):
                exc.field = "place" if exc.field == "region" else None
            add_domain_error(form, exc)
        else:
            url = reverse("incidents:detail", args=[incident.pk])
            if offline:
                return JsonResponse(
                    {"ok": True, "id": incident.pk, "url": url, "status": incident.status}
                )
            messages.success(
                request,
                _("Reported (number %(id)s). You are told at each step.") % {"id": incident.pk},
            )
            return redirect(url)
    if posted and offline:
        return _json_errors(form)
    return render(
        request,
        template,
        {
            "form": form,
            "categories": categories,
            "has_places": bool(places),
            "photo_required": [c.code for c in categories if c.photo_required],
            **context,
        },
        status=400 if posted else 200,
    )


def _point(lat: Any, lng: Any) -> tuple[str | None, str | None]:
    """A map point as two numbers on the earth, or none."""
    try:
        a, b = float(lat), float(lng)
    except (TypeError, ValueError):
        return None, None
    if not (math.isfinite(a) and math.isfinite(b) and -90 <= a <= 90 and -180 <= b <= 180):
        return None, None
    return f"{a:.6f}", f"{b:.6f}"


@resident_view
def duplicates(request: HttpRequest) -> HttpResponse:
    """Open incidents of the same category nearby (50 m of the map point, else the same
    place), for the form to ask 这是同一件事吗？ — an htmx partial."""
    actor = person_of(request)
    code = request.GET.get("place", "")
    category = request.GET.get("category", "")
    allowed = {c for c, _label in grid_places(actor)} | {c for c, _l in resident_places(actor)}
    found: list[Any] = []
    if code in allowed and category:
        region = Region.objects.filter(code=code).first()
        if region is not None:
            try:
                lat, lng = _point(request.GET.get("lat"), request.GET.get("lng"))
                found = selectors.possible_duplicates(region, category, lat, lng)
            except (ValueError, ArithmeticError):
                found = []
    seen = {i.pk for i in selectors.visible(actor).filter(pk__in=[i.pk for i in found])}
    return render(
        request,
        "incidents/partials/duplicates.html",
        {
            "found": found,
            "seen": seen,
            "near": _point(request.GET.get("lat"), request.GET.get("lng"))[0] is not None,
        },
    )
