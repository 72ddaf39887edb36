"""Residents' pages (phone first): 我要反映 — a category, a sentence, a photo, the place
(their community or one of its grids) — and 我的反映, their reports with where each
stands. Checking the fix, rating it and reopening it are steps of the incident's page
(detail.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.incidents import selectors
from jifen.incidents.models import OPEN, Status
from jifen.incidents.views.detail import mark_lateness
from jifen.incidents.views.reporting import report_page, resident_places
from jifen.lib.pagination import paginate
from jifen.web.views.errors import person_of, resident_view

# The to-do can open the list at ``?show=resolved`` (fixes waiting for the reporter's check).
SHOWN = {"open", "resolved", "closed"}


@resident_view
def new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    return report_page(
        request,
        places=resident_places(actor),
        template="incidents/report.html",
        context={"grid": False, "community": actor.community},
    )


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    shown = request.GET.get("show", "")
    shown = shown if shown in SHOWN else ""
    rows = selectors.visible(actor).filter(reporter=actor)
    if shown == "open":
        rows = rows.filter(status__in=OPEN).exclude(status=Status.RESOLVED)
    elif shown == "resolved":
        rows = rows.filter(status=Status.RESOLVED)
    elif shown == "closed":
        rows = rows.filter(status=Status.CLOSED)
    page = paginate(request, rows.order_by("-created_at", "-id"), per_page=20)
    mark_lateness(list(page.object_list))
    return render(
        request,
        "incidents/mine.html",
        {"page": page, "shown": shown, "query": f"show={shown}" if shown else ""},
    )
