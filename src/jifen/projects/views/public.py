"""Public pages (no login; a phone and the big screen): a community's 微实事 with how far
each has got, the resources on offer, and one project with its milestones, photos and
completion. People's names are masked; no phone appears."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.lib.pagination import paginate
from jifen.projects import selectors, services
from jifen.projects.models import Status
from jifen.projects.views.common import offered_by, project_context, project_or_404
from jifen.regions.models import Level, Region


def public_list(request: HttpRequest, code: str) -> HttpResponse:
    community = Region.objects.filter(code=code[:32], level=Level.COMMUNITY).first()
    if community is None:
        raise Http404
    page = paginate(request, selectors.public_projects(community).select_related("community"))
    for project in page:
        total = project.milestone_count
        project.percent = round(100 * project.milestones_done / total) if total else 0
    resources = list(selectors.resources(community)[:30])
    for r in resources:
        r.offered_by = offered_by(r)  # type: ignore[attr-defined]
    return render(
        request,
        "projects/public_list.html",
        {"community": community, "page": page, "resources": resources},
    )


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_or_404(pk)
    if project.status == Status.COMPLETED and services.settle_review(project):
        project = project_or_404(pk)
    return render(request, "projects/public_detail.html", project_context(project))
