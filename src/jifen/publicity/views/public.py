"""The public pages (no login), built for a resident's phone: choose a county, town or
community; its published 公示 (announcements), each with every line and its seal; the
rankings of the month and of the year for the community, its town and the county; the
activities coming up and just past; and the way to the points supermarket's list.

Only what is published is shown, and people only by their public name (masked, or
志愿者 and their number until they agree: ``selectors.public_name``) and volunteer
number; phone and ID numbers are never read here. The reads are the selectors' and
``rankings``'; these views only arrange them.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from jifen.activities.models import Activity
from jifen.activities.models import Status as ActivityStatus
from jifen.activities.selectors import PUBLIC as PUBLIC_ACTIVITIES
from jifen.activities.selectors import phase, with_counts
from jifen.lib.errors import DomainError
from jifen.lib.months import label, next_month, parse_month, previous_month, this_month
from jifen.lib.pagination import paginate
from jifen.publicity import rankings, selectors, self_check
from jifen.regions.models import Level, Region

ANNOUNCEMENTS_PER_PAGE = 20
LINES_PER_PAGE = 50
RANKING_SIZE = 50  # on the rankings page; the region's page shows the first ten
SUMMARY_SIZE = 10
ACTIVITIES_SHOWN = 20
RECENT_DAYS = 60
SEARCH_RESULTS_MAX = 20


def public_region(code: str) -> Region:
    """A county, town or community by its code; 404 for anything else."""
    region = Region.objects.filter(code=code, level__in=rankings.SCOPES).first()
    if region is None:
        raise Http404
    return region


def trail(region: Region) -> list[Region]:
    """The county, the town and the community above and including ``region``, top first."""
    return list(
        Region.objects.filter(code__in=region.ancestor_codes(), level__in=rankings.SCOPES)
        .order_by("path")
        .only("code", "name", "level", "path")
    )


# --- Activities ---------------------------------------------------------------------------------


def activity_news(region: Region) -> tuple[list[Activity], list[Activity]]:
    """Published activities a resident of ``region`` may join or has just seen: those of
    the region, of the regions above it and (for a town or county) of those below it.
    (Upcoming or in progress, soonest first; ended within ``RECENT_DAYS``, latest first.)"""
    reach = Q(region__code__in=region.ancestor_codes()) | Q(region__path__startswith=region.path)
    found: QuerySet[Activity] = Activity.objects.filter(
        reach, status__in=PUBLIC_ACTIVITIES
    ).select_related("region")
    now = timezone.now()
    upcoming = list(
        with_counts(found.filter(status=ActivityStatus.PUBLISHED, ends_at__gte=now)).order_by(
            "starts_at", "id"
        )[:ACTIVITIES_SHOWN]
    )
    recent = list(
        found.filter(ends_at__lt=now, ends_at__gte=now - timedelta(days=RECENT_DAYS))
        .exclude(status=ActivityStatus.CANCELLED)
        .order_by("-ends_at", "-id")[:ACTIVITIES_SHOWN]
    )
    for activity in upcoming:
        activity.phase = phase(activity, now)  # type: ignore[attr-defined]
        confirmed = getattr(activity, "confirmed", 0) or 0
        activity.places_left = max(activity.capacity - confirmed, 0)  # type: ignore[attr-defined]
    return upcoming, recent


# --- Periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """What a ranking covers: one month, or a year (to date)."""

    kind: str  # "month" | "year"
    month: str  # YYYY-MM (kind "month")
    year: int

    @property
    def query(self) -> str:
        if self.kind == "year":
            return urlencode({"period": "year", "year": self.year})
        return urlencode({"period": "month", "month": self.month})

    @property
    def is_current(self) -> bool:
        current = this_month()
        return self.month == label(current) if self.kind == "month" else self.year == current.year

    def before(self) -> "Period | None":
        if self.kind == "year":
            return Period("year", "", self.year - 1) if self.year > 2000 else None
        first = previous_month(parse_month(self.month))
        return Period("month", label(first), first.year) if first.year >= 2000 else None

    def after(self) -> "Period | None":
        if self.is_current:
            return None
        if self.kind == "year":
            return Period("year", "", self.year + 1)
        first = next_month(parse_month(self.month))
        return Period("month", label(first), first.year)


def period_from(request: HttpRequest) -> Period:
    """``?period=month&month=YYYY-MM`` (default this month) or ``?period=year&year=YYYY``
    (default this year); anything unreadable or still to come gives the current one."""
    current = this_month()
    if request.GET.get("period") == "year":
        raw = request.GET.get("year", "")
        year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= current.year else current.year
        return Period("year", "", year)
    try:
        first = parse_month(request.GET.get("month", ""))
    except DomainError:
        first = current
    if first > current:
        first = current
    return Period("month", label(first), first.year)


def ranked(region: Region, period: Period, size: int) -> list[rankings.Ranked]:
    if period.kind == "year":
        return rankings.year_top(region, period.year, size)
    return rankings.month_top(region, period.month, size)


# --- Pages ----------------------------------------------------------------------------------------


@require_GET
@require_GET
def rankings_home(request: HttpRequest) -> HttpResponse:
    """排名 in the header of every page: the visitor's own community's ranking, or the
    choice of a place for someone not logged in (or without a community)."""
    user = request.user
    mine = getattr(user, "community", None) if user.is_authenticated else None
    if mine is None:
        return redirect(f"{reverse('publicity:public_index')}?{urlencode({'for': 'rankings'})}")
    return redirect("publicity:public_rankings", mine.code)


def index(request: HttpRequest) -> HttpResponse:
    """Choose where: every county with its towns, a search for a community by name, and
    the visitor's own community when they are logged in."""
    towns = list(Region.objects.filter(level=Level.TOWN).select_related("parent").order_by("path"))
    counties = list(Region.objects.filter(level=Level.COUNTY).order_by("path"))
    by_county: dict[int, list[Region]] = {county.pk: [] for county in counties}
    for town in towns:
        if town.parent_id in by_county:
            by_county[town.parent_id].append(town)
    query = request.GET.get("q", "").strip()[:50]
    matches = None
    if query:
        matches = list(
            Region.objects.filter(level=Level.COMMUNITY)
            .filter(Q(name__contains=query) | Q(code=query))
            .select_related("parent")
            .order_by("path")[:SEARCH_RESULTS_MAX]
        )
    user = request.user
    mine = getattr(user, "community", None) if user.is_authenticated else None
    return render(
        request,
        "publicity/public/index.html",
        {
            "counties": [(county, by_county[county.pk]) for county in counties],
            "q": query,
            "matches": matches,
            "mine": mine,
        },
    )


@require_GET
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    """A county's, town's or community's page: this month's leaders, the latest 公示, what
    is coming up, and the regions below it."""
    region = public_region(code)
    period = Period("month", label(this_month()), this_month().year)
    leaders = ranked(region, period, SUMMARY_SIZE)
    if not leaders:  # early in a month: last month's, rather than an empty table
        first = previous_month(this_month())
        period = Period("month", label(first), first.year)
        leaders = ranked(region, period, SUMMARY_SIZE)
    upcoming, _recent = activity_news(region)
    children = (
        list(region.children.filter(level__in=rankings.SCOPES).order_by("path"))
        if region.level != Level.COMMUNITY
        else []
    )
    return render(
        request,
        "publicity/public/region.html",
        {
            "region": region,
            "trail": trail(region),
            "period": period,
            "leaders": leaders,
            "announcements": list(selectors.published(region)[:5]),
            "upcoming": upcoming[:3],
            "children": children,
            "is_community": region.level == Level.COMMUNITY,
        },
    )


@require_GET
def announcement_list(request: HttpRequest, code: str) -> HttpResponse:
    """The published 公示 of a community (or of every community of a town or county),
    newest month first."""
    region = public_region(code)
    page = paginate(request, selectors.published(region), ANNOUNCEMENTS_PER_PAGE)
    return render(
        request,
        "publicity/public/announcements.html",
        {"region": region, "trail": trail(region), "page": page},
    )


def _total_labels() -> dict[str, str]:
    return {
        "issued": _("points given"),
        "redeemed": _("points spent"),
        "expired": _("points expired"),
        "entries": _("entries"),
        "transfers": _("transfers of the ledger"),
        "people": pgettext("announcement totals", "People"),
    }


def _self_check(announcement: Any) -> dict[str, Any] | None:
    """The month's self-check for the page (None for a month sealed before v2): whether
    its sealed figures still give its seal, and each total its lines now disagree with."""
    try:
        check = selectors.self_check(announcement)
    except (ValueError, TypeError):  # stored figures that cannot be read: a failure
        return {"ok": False, "seal_ok": False, "differ": []}
    if check is None:
        return None
    labels = _total_labels()
    differ = [
        {
            "key": key,
            "label": labels[key],
            "sealed": check.sealed.get(key, "?"),
            "now": check.lines.get(key, "?"),
        }
        for key in check.differ
    ]
    return {"ok": check.ok, "seal_ok": check.seal_ok, "differ": differ}


@require_GET
def announcement_page(request: HttpRequest, announcement_id: int) -> HttpResponse:
    """One published 公示: its totals, its ranking, every line (paged) and its seal."""
    try:
        announcement = selectors.get_published(announcement_id)
    except DomainError:
        raise Http404 from None
    community = announcement.community
    page = paginate(request, selectors.lines(community, announcement.month), LINES_PER_PAGE)
    lines = [selectors.line(transfer) for transfer in page]
    now = timezone.now()
    return render(
        request,
        "publicity/public/announcement.html",
        {
            "announcement": announcement,
            "community": community,
            "trail": trail(community),
            "month": parse_month(announcement.month),
            "totals": announcement.totals,
            "ranking": announcement.ranking,
            "page": page,
            "lines": lines,
            # The page checks itself: its lines' totals against the sealed ones.
            "check": _self_check(announcement),
            # And its seal against the one the county's checkpoint took at publication.
            "witnessed": self_check.witnessed_month(announcement),
            "objections_open": announcement.objections_until is not None
            and now <= announcement.objections_until,
        },
    )


@require_GET
def ranking_page(request: HttpRequest, code: str) -> HttpResponse:
    """The ranking of a month or of the year, for the region; the same period for the
    regions above it is one tap away."""
    region = public_region(code)
    period = period_from(request)
    return render(
        request,
        "publicity/public/rankings.html",
        {
            "region": region,
            "trail": trail(region),
            "period": period,
            "ranked": ranked(region, period, RANKING_SIZE),
            "this_month": Period("month", label(this_month()), this_month().year),
            "this_year": Period("year", "", this_month().year),
        },
    )


@require_GET
def activities_page(request: HttpRequest, code: str) -> HttpResponse:
    """Activity news: what volunteers can sign up for, and what was done lately."""
    region = public_region(code)
    upcoming, recent = activity_news(region)
    return render(
        request,
        "publicity/public/activities.html",
        {"region": region, "trail": trail(region), "upcoming": upcoming, "recent": recent},
    )
