"""Pages of a unit's contact and a party member (phone first): what my units lead and
the milestones due, projects waiting for a lead unit (领办), needs to take (认领), a
resource to offer; one project with big buttons to take the lead, report a milestone
with a photo, and report completion. The services check who may; a refusal is a
message on the page, and nothing is written."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError
from jifen.people.models import Organization
from jifen.projects import selectors, services
from jifen.projects.forms import ClaimForm, NoteForm, ResourceForm
from jifen.projects.models import Need, NeedStatus, Project, Status
from jifen.projects.views.common import (
    communities_for,
    project_context,
    project_or_404,
    report_form_for,
)
from jifen.regions.models import Region
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view


def _unit_choices(units: list[Organization]) -> list[tuple[Any, str]]:
    return [(u.pk, u.name) for u in units]


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    units = list(selectors.contact_units(person).select_related("region"))
    communities = communities_for(person, units)
    led = list(selectors.led_by(person).exclude(status=Status.CANCELLED)[:50])
    open_projects: list[Project] = []
    open_needs: list[Need] = []
    for community in communities:
        if units:
            open_projects.extend(selectors.open_projects(community)[:20])
        if units or services.may_claim_in_person(person):
            open_needs.extend(selectors.open_needs(community)[:20])
    return render(
        request,
        "projects/mine.html",
        {
            "units": units,
            "communities": communities,
            "led": led,
            "open_projects": open_projects,
            "open_needs": open_needs,
            "taken": list(selectors.needs_taken_by(person).filter(status=NeedStatus.CLAIMED)[:50]),
            "claim_form": ClaimForm(units=_unit_choices(units)),
            "in_person": services.may_claim_in_person(person),
            "due": selectors.milestones_due(person).count,
        },
    )


def _render_project(
    request: HttpRequest, project: Project, status: int = 200, **given: Any
) -> HttpResponse:
    person = person_of(request)
    lead_contact = services.is_lead_contact(person, project)
    may_report = lead_contact and project.status in (Status.LED, Status.IN_PROGRESS)
    may_lead_for = []
    if project.status == Status.OPEN:
        may_lead_for = [
            u
            for u in selectors.contact_units(person).select_related("region")
            if services.may_lead(u, project.community)
        ]
    context = project_context(
        project,
        reporting=may_report,
        report_form=given.get("report_form"),
        report_for=given.get("report_for"),
    )
    all_reached = may_report and context["milestones_done"] == len(context["milestones"])
    rewarded = project.rule_item_id is not None and project.points is not None
    return render(
        request,
        "projects/detail.html",
        {
            **context,
            "may_lead_for": may_lead_for,
            "may_report": may_report,
            "may_complete": all_reached and rewarded,
            "may_release": project.status == Status.LED
            and lead_contact
            and context["milestones_done"] == 0,
            # Every milestone reached but no points set yet: completion would be refused.
            "awaiting_reward": all_reached and not rewarded,
            "complete_form": given.get("complete_form") or NoteForm(prefix="complete"),
        },
        status=status,
    )


@resident_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_or_404(pk)
    if project.status == Status.COMPLETED and services.settle_review(project):
        project = project_or_404(pk)
    return _render_project(request, project)


@require_POST
@resident_view
def lead(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_or_404(pk)
    raw = request.POST.get("organization", "")
    unit = (
        Organization.objects.select_related("region").filter(pk=int(raw)).first()
        if raw.isdigit() and 1 <= int(raw) <= MAX_ID
        else None
    )
    if unit is None:
        messages.error(request, _("Choose the unit that takes the lead."))
        return redirect("projects:detail", pk=pk)
    try:
        services.lead_project(actor=person_of(request), project=project, organization=unit)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(
            request,
            _("%(unit)s leads this project now. Report each milestone here.") % {"unit": unit.name},
        )
    return redirect("projects:detail", pk=pk)


@require_POST
@resident_view
def release(request: HttpRequest, pk: int) -> HttpResponse:
    """The lead unit's contact gives the project back before any milestone is reached."""
    project = project_or_404(pk)
    try:
        services.release_project(
            actor=person_of(request),
            project=project,
            reason=request.POST.get("reason", "")[:600],
        )
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The project is back on the list for another unit."))
    return redirect("projects:detail", pk=pk)


@require_POST
@resident_view
def report(request: HttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    project = project_or_404(pk)
    if not 1 <= milestone_id <= MAX_ID or not project.milestones.filter(pk=milestone_id).exists():
        raise Http404
    form = report_form_for(milestone_id, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_milestone(
                actor=person_of(request),
                milestone=milestone_id,
                note=form.cleaned_data["note"],
                photo=form.cleaned_data.get("photo"),
            )
        except DomainError as exc:
            if exc.field in form.fields:
                add_domain_error(form, exc)
            else:
                messages.error(request, exc.render())
                return redirect("projects:detail", pk=pk)
        else:
            messages.success(request, _("The milestone is reported and shown publicly."))
            return redirect(f"{reverse('projects:detail', args=[pk])}#milestones")
    return _render_project(
        request, project_or_404(pk), status=400, report_form=form, report_for=milestone_id
    )


@require_POST
@resident_view
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    project = project_or_404(pk)
    form = NoteForm(request.POST, prefix="complete")
    if form.is_valid():
        try:
            services.complete_project(
                actor=person_of(request), project=project, note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            messages.error(request, exc.render())
        else:
            messages.success(
                request,
                _("Completed. The unit's points wait for the review group's approval."),
            )
        return redirect("projects:detail", pk=pk)
    return _render_project(request, project, status=400, complete_form=form)


def _need(pk: int) -> Need:
    need = Need.objects.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if need is None:
        raise Http404
    return need


@require_POST
@resident_view
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_of(request)
    need = _need(pk)
    units = list(selectors.contact_units(person))
    form = ClaimForm(request.POST, units=_unit_choices(units))
    if not form.is_valid():
        messages.error(request, _("Choose yourself or one of your units."))
        return redirect("projects:mine")
    raw = form.cleaned_data["organization"]
    unit = next((u for u in units if str(u.pk) == raw), None) if raw else None
    try:
        services.claim_need(actor=person, need=need, organization=unit)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("You have taken this need. Report it met when it is done."))
    return redirect("projects:mine")


@require_POST
@resident_view
def need_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    need = _need(pk)
    note = request.POST.get("note", "")[:500]
    try:
        if step == "meet":
            services.meet_need(actor=person_of(request), need=need, note=note)
            messages.success(request, _("Thank you: the need is met."))
        elif step == "release":
            services.release_need(actor=person_of(request), need=need, note=note)
            messages.success(request, _("The need is back on the list for others."))
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.render())
    return redirect("projects:mine")


@resident_view
def offer(request: HttpRequest) -> HttpResponse:
    person = person_of(request)
    units = list(selectors.contact_units(person).select_related("region"))
    if not units:
        messages.error(request, _("Resources are offered by a unit's contact person."))
        return redirect("projects:mine")
    choices = _unit_choices(units)
    if request.method != "POST":
        form = ResourceForm(units=choices, initial={"organization": units[0].pk})
        return render(request, "projects/offer.html", {"form": form})
    form = ResourceForm(request.POST, units=choices)
    if form.is_valid():
        data = form.cleaned_data
        unit = next((u for u in units if str(u.pk) == data["organization"]), None)
        if unit is None:
            form.add_error("organization", _("Choose the unit that offers it."))
        else:
            communities = communities_for(person, [unit])
            community: Region | None = next(
                (c for c in communities if unit.region.is_within(c)), None
            ) or (communities[0] if communities else None)
            if community is None:
                form.add_error("organization", _("This unit lies in no community."))
            else:
                try:
                    services.offer_resource(
                        actor=person,
                        community=community,
                        kind=data["kind"],
                        title=data["title"],
                        description=data["description"],
                        availability=data["availability"],
                        organization=unit,
                    )
                except DomainError as exc:
                    add_domain_error(form, exc)
                else:
                    messages.success(request, _("Thank you: it is on the resources list."))
                    return redirect("projects:mine")
    return render(request, "projects/offer.html", {"form": form}, status=400)
