"""What the pages of 三单 · 微实事 share: a project's context (milestones with their
photos and lateness, resources, needs — people masked), the communities a unit serves."""

from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jifen.lib.bounds import MAX_ID
from jifen.lib.masking import mask_name
from jifen.people.models import Organization, Person
from jifen.projects import selectors
from jifen.projects.forms import ReportForm
from jifen.projects.models import PUBLIC, Need, Project, Resource
from jifen.regions.models import Level, Region


def project_or_404(pk: int, *, drafts: bool = False) -> Project:
    project = (
        Project.objects.select_related("community", "lead_organization", "claim")
        .filter(pk=pk)
        .first()
        if 1 <= pk <= MAX_ID
        else None
    )
    if project is None or (not drafts and project.status not in PUBLIC):
        raise Http404
    return project


def report_form_for(milestone_id: int, data: Any = None, files: Any = None) -> ReportForm:
    return ReportForm(data, files, prefix=f"report-{milestone_id}")


def offered_by(resource: Resource, full: bool = False) -> str:
    if resource.organization is not None:
        return resource.organization.name
    name = resource.person.name if resource.person is not None else ""
    return name if full else mask_name(name)


def taken_by(need: Need, full: bool = False) -> str:
    if need.claimed_organization is not None:
        return need.claimed_organization.name
    name = need.claimed_by.name if need.claimed_by is not None else ""
    return name if full else mask_name(name)


def project_context(
    project: Project,
    *,
    full: bool = False,
    reporting: bool = False,
    report_form: ReportForm | None = None,
    report_for: int | None = None,
) -> dict[str, Any]:
    """``reporting``: each milestone not yet reached carries its report form (prefixed by
    its id, so a page of several keeps its fields apart); the one that failed carries
    ``report_form`` back with its errors."""
    today = timezone.localdate()
    milestones = list(selectors.milestones(project))
    for m in milestones:
        m.report_form = (  # type: ignore[attr-defined]
            (report_form if report_for == m.pk and report_form else report_form_for(m.pk))
            if reporting and m.done_at is None
            else None
        )
        m.overdue = m.done_at is None and m.due_on is not None and m.due_on < today  # type: ignore[attr-defined]
        m.photo_url = (  # type: ignore[attr-defined]
            reverse("api:project_milestone_photo", args=[project.pk, m.pk]) if m.photo else ""
        )
    resources = list(project.resources.select_related("organization", "person"))
    for r in resources:
        r.offered_by = offered_by(r, full)  # type: ignore[attr-defined]
    needs = list(project.needs.select_related("claimed_by", "claimed_organization"))
    done = sum(1 for m in milestones if m.done_at is not None)
    return {
        "project": project,
        "milestones": milestones,
        "milestones_done": done,
        "report_for": report_for,
        "percent": round(100 * done / len(milestones)) if milestones else 0,
        "resources": resources,
        "needs": needs,
    }


def community_of(region: Region) -> Region | None:
    """The community a region is, or lies in; None above a community."""
    if region.level == Level.COMMUNITY:
        return region
    return Region.objects.filter(code__in=region.ancestor_codes(), level=Level.COMMUNITY).first()


def communities_for(person: Person, units: list[Organization]) -> list[Region]:
    """Where a person's lists are: their home community and their units' communities."""
    found: dict[int, Region] = {}
    if person.community is not None:
        found[person.community.pk] = person.community
    for unit in units:
        community = community_of(unit.region)
        if community is not None:
            found.setdefault(community.pk, community)
    return list(found.values())
