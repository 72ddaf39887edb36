"""The community's big screen (电子屏), ``/kiosk/<community code>/``: full screen, read
from three metres, turning by itself between this month's ranking, the latest 公示 and
the activities coming up.

The page loads once; its script turns the panels and fetches them again as an HTML
fragment (``/kiosk/<code>/panels/``) every minute. When a fetch fails — the network is
down, the server restarts — the screen keeps what it shows and says, discreetly, since
when it has been offline; the next fetch that succeeds puts it right. Like the other
public pages it needs no login (a ``kiosk`` role exists for screens that log in).
"""

from typing import Any

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jifen.lib.months import label, previous_month, this_month
from jifen.publicity import rankings, selectors
from jifen.publicity.views.public import activity_news
from jifen.regions.models import Level, Region
from jifen.requests import selectors as wishes

RANKING_SIZE = 10  # two columns of five, each name large enough for three metres
LEADERS_ON_ANNOUNCEMENT = 5
ACTIVITIES_SHOWN = 4
TURN_S = 15  # seconds each panel stays
REFRESH_S = 60  # seconds between fetches of fresh panels
# Tests (and a screen that wants it) may ask for other timings, within these bounds.
TIMING_BOUNDS = (1, 3600)


def _community(code: str) -> Region:
    community = Region.objects.filter(code=code, level=Level.COMMUNITY).first()
    if community is None:
        raise Http404
    return community


def _seconds(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    low, high = TIMING_BOUNDS
    return min(max(int(raw), low), high) if raw.isdigit() else default


def _qr(url: str, title: str) -> str:
    # A full QR code, never a Micro QR (which many phones' scanners cannot read).
    return str(
        segno.make_qr(url, error="m").svg_inline(
            border=2, omitsize=True, svgclass="kiosk-qr-svg", title=title
        )
    )


def panels_context(request: HttpRequest, community: Region) -> dict[str, Any]:
    """What the three panels show, read afresh."""
    month = this_month()
    leaders = rankings.month_top(community, label(month), RANKING_SIZE)
    if not leaders:  # the first days of a month: last month's, rather than an empty screen
        month = previous_month(month)
        leaders = rankings.month_top(community, label(month), RANKING_SIZE)
    latest = selectors.published(community).first()
    upcoming, _recent = activity_news(community)
    context: dict[str, Any] = {
        "community": community,
        "ranking_month": month,
        "ranking_is_current": month == this_month(),
        "columns": [leaders[:5], leaders[5:]] if len(leaders) > 5 else [leaders],
        "announcement": latest,
        "upcoming": upcoming[:ACTIVITIES_SHOWN],
        "updated": timezone.localtime(),
    }
    if latest is not None:
        url = request.build_absolute_uri(reverse("publicity:public_announcement", args=[latest.pk]))
        context.update(
            announcement_leaders=latest.ranking[:LEADERS_ON_ANNOUNCEMENT],
            announcement_qr=_qr(url, _("Scan to read every line on your phone")),
        )
    activities_url = request.build_absolute_uri(
        reverse("publicity:public_activities", args=[community.code])
    )
    context["activities_qr"] = _qr(activities_url, _("Scan to see the activities and sign up"))
    # 心愿墙: the community's open and fulfilled wishes, and the wall on a phone.
    context.update(wishes.wall_panel(community))
    wall_url = request.build_absolute_uri(reverse("requests:wall", args=[community.code]))
    context["wishes_qr"] = _qr(wall_url, _("Scan to see the wishes wall"))
    return context


@require_GET
def screen(request: HttpRequest, code: str) -> HttpResponse:
    community = _community(code)
    context = panels_context(request, community)
    context.update(
        turn=_seconds(request, "turn", TURN_S),
        refresh=_seconds(request, "refresh", REFRESH_S),
        panels_url=reverse("publicity:kiosk_panels", args=[community.code]),
    )
    return render(request, "publicity/kiosk/screen.html", context)


@require_GET
def panels(request: HttpRequest, code: str) -> HttpResponse:
    """The panels alone, for the screen's script to put in place."""
    community = _community(code)
    response = render(
        request, "publicity/kiosk/partials/panels.html", panels_context(request, community)
    )
    response["Cache-Control"] = "no-store"
    return response
