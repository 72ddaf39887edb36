"""Public pages (no login; a phone and the big screen): a community's 红色积分联盟 with its
units' points this quarter, and the quarterly unit ranking of a community or a town."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.lib.errors import InvalidInput
from jifen.regions.models import Level, Region
from jifen.units import selectors


def _region(code: str, levels: tuple[str, ...]) -> Region:
    region = Region.objects.filter(code=code[:32], level__in=levels).first()
    if region is None:
        raise Http404
    return region


def _quarter(request: HttpRequest) -> selectors.Quarter:
    try:
        return selectors.parse_quarter(request.GET.get("quarter", ""))
    except InvalidInput:
        return selectors.this_quarter()


def alliance(request: HttpRequest, code: str) -> HttpResponse:
    community = _region(code, (Level.COMMUNITY,))
    quarter = _quarter(request)
    rows = list(selectors.alliance_members(community)[: selectors.MAX_UNITS])
    points = selectors.quarter_points([m.organization_id for m in rows], quarter)
    for m in rows:
        m.points = points.get(m.organization_id, 0)  # type: ignore[attr-defined]
    return render(
        request,
        "units/public_alliance.html",
        {"community": community, "quarter": quarter, "rows": rows},
    )


def rankings(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(code, (Level.COMMUNITY, Level.TOWN))
    quarter = _quarter(request)
    return render(
        request,
        "units/public_rankings.html",
        {
            "region": region,
            "quarter": quarter,
            "previous": quarter.previous,
            "next": quarter.next
            if quarter.next.first_day <= selectors.this_quarter().first_day
            else None,
            "rows": selectors.ranking(region, quarter),
        },
    )
