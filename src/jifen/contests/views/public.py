"""Public pages (no login; a phone and the big screen): a region's contests, and one
contest — its stage, its finalists, and once published the ranking with each phase's
score and how ties were broken. No judge's single sheet, no person's name."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.contests import selectors
from jifen.contests.models import Contest, EntryStatus, Stage
from jifen.lib.bounds import MAX_ID
from jifen.lib.pagination import paginate
from jifen.projects.models import PUBLIC as PUBLIC_PROJECTS
from jifen.projects.models import Project
from jifen.regions.models import Region


def public_or_404(pk: int) -> Contest:
    contest = selectors.get(pk) if 1 <= pk <= MAX_ID else None
    if contest is None or contest.stage == Stage.DRAFT:
        raise Http404
    return contest


def standings_context(contest: Contest) -> dict[str, Any]:
    table = selectors.standings(contest)
    ids = [row.entry.project_id for row in table if row.entry.project_id]
    public_projects = set(
        Project.objects.filter(pk__in=ids, status__in=PUBLIC_PROJECTS).values_list("pk", flat=True)
    )
    for row in table:
        row.tied = [o.entry.code for o in selectors.tied_with(table, row)]  # type: ignore[attr-defined]
        row.tie_text = selectors.tie_label(row.tie_break)  # type: ignore[attr-defined]
        row.winner = row.rank <= contest.winners  # type: ignore[attr-defined]
        row.roadshow_text = selectors.ranking_text(row.roadshow)  # type: ignore[attr-defined]
        row.live_text = selectors.ranking_text(row.live)  # type: ignore[attr-defined]
        row.review_text = selectors.ranking_text(row.review)  # type: ignore[attr-defined]
        row.project_public = row.entry.project_id in public_projects  # type: ignore[attr-defined]
    return {"standings": table}


def public_list(request: HttpRequest, code: str) -> HttpResponse:
    region = Region.objects.filter(code=code[:32]).first()
    if region is None:
        raise Http404
    page = paginate(request, selectors.public(region))
    return render(request, "contests/public_list.html", {"region": region, "page": page})


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contest = public_or_404(pk)
    context: dict[str, Any] = {"contest": contest}
    if contest.stage == Stage.PUBLISHED:
        context.update(standings_context(contest))
    elif contest.stage == Stage.FINAL:
        context["finalists"] = list(
            contest.entries.filter(status=EntryStatus.FINALIST).order_by("code")
        )
    return render(request, "contests/public_detail.html", context)
