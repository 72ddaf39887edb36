"""Staff pages of 三单 · 微实事 (desktop): the three lists as tabs for one community, a
need (from a request or a message: ``?request=<id>``, ``?message=<id>``) and what it
becomes, a new project matched to needs and resources, and one project with every step
staff may take. Every step is one service call; a refusal comes back on the form that
asked, and nothing is written."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jifen.claims.forms import item_label
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, NotFound
from jifen.lib.pagination import paginate
from jifen.messages.models import Message
from jifen.people import authz
from jifen.people.models import Organization, Person
from jifen.points.selectors import catalogue
from jifen.projects import selectors, services
from jifen.projects.forms import (
    MilestoneForm,
    NeedForm,
    NoteForm,
    ProjectForm,
    ReasonForm,
    ResourceForm,
    RewardForm,
    UnitForm,
)
from jifen.projects.models import (
    STEPS,
    Need,
    NeedStatus,
    Project,
    Resource,
    Status,
    may_take,
    may_take_need,
)
from jifen.projects.views.common import (
    offered_by,
    project_context,
    report_form_for,
    taken_by,
)
from jifen.regions.models import Level, Region
from jifen.requests.models import ServiceRequest
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25
TABS = ("projects", "needs", "resources")


def _communities(actor: Person) -> list[Region]:
    return list(
        Region.objects.filter(authz.regions_q(actor, authz.MANAGE_UNITS), level=Level.COMMUNITY)
        .select_related("parent")
        .order_by("path")[:500]
    )


def _community(request: HttpRequest, actor: Person) -> tuple[Region, list[Region]]:
    authz.require(actor, authz.MANAGE_UNITS)
    mine = _communities(actor)
    if not mine:
        raise Http404
    code = (request.GET.get("community") or request.POST.get("community") or "")[:32]
    chosen = next((c for c in mine if c.code == code), mine[0])
    return chosen, mine


def _lead_units(community: Region) -> list[tuple[int, str]]:
    """Units that may lead the community's projects: its own (their points are kept in
    its ledger)."""
    rows = Organization.objects.filter(region=community)
    return [(o.pk, o.name) for o in rows.order_by("name", "id")[:300]]


def _units(community: Region) -> list[tuple[int, str]]:
    """Units serving the community: its own and those below, and those of the town or
    county above it."""
    rows = Organization.objects.filter(
        Q(region__path__startswith=community.path) | Q(region__code__in=community.ancestor_codes())
    )
    return [(o.pk, o.name) for o in rows.order_by("name", "id")[:300]]


def _items(community: Region) -> list[tuple[int, str]]:
    return [(entry.item.pk, item_label(entry)) for entry in catalogue(community)]


def _staff_project(actor: Person, pk: int) -> Project:
    project = (
        Project.objects.select_related("community", "lead_organization", "claim")
        .filter(pk=pk)
        .first()
        if 1 <= pk <= MAX_ID
        else None
    )
    if project is None or not selectors.may_manage(actor, project.community):
        raise Http404
    return project


def _staff_need(actor: Person, pk: int) -> Need:
    need = (
        Need.objects.select_related("community", "claimed_by", "claimed_organization", "project")
        .filter(pk=pk)
        .first()
        if 1 <= pk <= MAX_ID
        else None
    )
    if need is None or not selectors.may_manage(actor, need.community):
        raise Http404
    return need


# --- The three lists ------


@console_view
def console_lists(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, communities = _community(request, actor)
    tab = request.GET.get("tab", "projects")
    tab = tab if tab in TABS else "projects"
    status = request.GET.get("status", "")
    rows: Any
    if tab == "projects":
        rows = selectors.projects(community, status=status if status in Status.values else None)
    elif tab == "needs":
        rows = selectors.needs(community, status=status if status in NeedStatus.values else None)
    else:
        rows = selectors.resources(community, active=status != "withdrawn")
    overdue = tab == "projects" and request.GET.get("overdue") == "on"
    if overdue:
        rows = rows.filter(pk__in=selectors.overdue_milestones().values("project_id"))
    page = paginate(request, rows, per_page=PER_PAGE)
    if tab == "resources":
        for r in page:
            r.offered_by = offered_by(r, full=True)
    if tab == "needs":
        for n in page:
            n.taken_by = taken_by(n, full=True)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/console/lists.html",
        {
            "community": community,
            "communities": communities,
            "tab": tab,
            "status": status,
            "overdue": overdue,
            "statuses": Status.choices
            if tab == "projects"
            else NeedStatus.choices
            if tab == "needs"
            else [("withdrawn", pgettext("resource", "withdrawn"))],
            "page": page,
            "query": query.urlencode(),
            "todo": {
                "needs": selectors.needs_unmatched(actor).count,
                "overdue": selectors.projects_overdue(actor).count,
            },
        },
    )


# --- Needs ------


def _prefill_need(request: HttpRequest, actor: Person, community: Region) -> dict[str, Any]:
    initial: dict[str, Any] = {"source": "visit"}
    raw_request = request.GET.get("request", "")
    raw_message = request.GET.get("message", "")
    if raw_request.isdigit() and 1 <= int(raw_request) <= MAX_ID:
        found = ServiceRequest.objects.filter(pk=int(raw_request), community=community).first()
        if found is not None:
            initial.update(
                source="request",
                service_request=found.pk,
                title=found.title,
                description=found.description,
            )
    if raw_message.isdigit() and 1 <= int(raw_message) <= MAX_ID:
        message = Message.objects.select_related("region").filter(pk=int(raw_message)).first()
        if message is not None and authz.can(actor, authz.MANAGE_UNITS, message.region):
            initial.update(source="message", message=message.pk)
    return initial


def _linked(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Nothing was found there, or you may not see it."), field=field)
    return found


@console_view
def console_need_new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, _all = _community(request, actor)
    context = {"community": community}
    if request.method != "POST":
        form = NeedForm(initial=_prefill_need(request, actor, community))
        return render(request, "projects/console/need_new.html", {**context, "form": form})
    form = NeedForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            need = services.create_need(
                actor=actor,
                community=community,
                title=data["title"],
                description=data["description"],
                source=data["source"],
                service_request=_linked(ServiceRequest, data["service_request"], "service_request"),
                message=_linked(Message, data["message"], "message"),
                source_note=data["source_note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The need is on the needs list."))
            return redirect("projects:console_need", pk=need.pk)
    return render(request, "projects/console/need_new.html", {**context, "form": form}, status=400)


def _render_need(request: HttpRequest, need: Need, status: int = 200, **given: Any) -> HttpResponse:
    need.taken_by = taken_by(need, full=True)  # type: ignore[attr-defined]
    return render(
        request,
        "projects/console/need.html",
        {
            "need": need,
            "history": need.events.select_related("actor", "organization"),
            "may": {
                name: may_take_need(name, need.status) for name in ("plan", "close", "release")
            },
            "close_form": given.get("close_form") or ReasonForm(prefix="close"),
        },
        status=status,
    )


@console_view
def console_need(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_need(request, _staff_need(person_of(request), pk))


@require_POST
@console_view
def console_need_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    need = _staff_need(actor, pk)
    form = ReasonForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            services.close_need(actor=actor, need=need, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The need is closed."))
            return redirect("projects:console_need", pk=pk)
    return _render_need(request, _staff_need(actor, pk), status=400, close_form=form)


@require_POST
@console_view
def console_need_release(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    need = _staff_need(actor, pk)
    try:
        services.release_need(actor=actor, need=need)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The need is back on the list."))
    return redirect("projects:console_need", pk=pk)


# --- Resources ------


@console_view
def console_resource_new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, _all = _community(request, actor)
    units = _units(community)
    context = {"community": community}
    if request.method != "POST":
        form = ResourceForm(units=units, by_person=True)
        return render(request, "projects/console/resource_new.html", {**context, "form": form})
    form = ResourceForm(request.POST, units=units, by_person=True)
    if form.is_valid():
        data = form.cleaned_data
        person = None
        if data.get("volunteer_no"):
            person = Person.objects.filter(volunteer_no=data["volunteer_no"].strip()).first()
            if person is None:
                form.add_error("volunteer_no", _("No volunteer has this number."))
        if not form.errors:
            try:
                services.offer_resource(
                    actor=actor,
                    community=community,
                    kind=data["kind"],
                    title=data["title"],
                    description=data["description"],
                    availability=data["availability"],
                    organization=_linked(
                        Organization, int(data["organization"] or 0) or None, "organization"
                    ),
                    person=person,
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("The resource is on the resources list."))
                return redirect(
                    f"{reverse('projects:console_lists')}?community={community.code}&tab=resources"
                )
    return render(
        request, "projects/console/resource_new.html", {**context, "form": form}, status=400
    )


@require_POST
@console_view
def console_resource_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    resource = Resource.objects.select_related("community").filter(pk=pk).first()
    if resource is None or not selectors.may_manage(actor, resource.community):
        raise Http404
    try:
        services.withdraw_resource(actor=actor, resource=resource)
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, _("The resource is no longer on offer."))
    return redirect(
        f"{reverse('projects:console_lists')}?community={resource.community.code}&tab=resources"
    )


# --- A new project ------


def _project_form(community: Region, data: Any = None, initial: Any = None) -> ProjectForm:
    needs = [
        (n.pk, f"#{n.pk} {n.title}")
        for n in selectors.needs(community).filter(
            status__in=[NeedStatus.OPEN, NeedStatus.CLAIMED]
        )[:200]
    ]
    resources = [
        (r.pk, f"{r.get_kind_display()} · {r.title} · {offered_by(r, full=True)}")
        for r in selectors.resources(community)[:200]
    ]
    return ProjectForm(
        data,
        initial=initial,
        needs=needs,
        resources=resources,
        items=_items(community),
        units=_lead_units(community),
    )


@console_view
def console_new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    community, _all = _community(request, actor)
    if request.method != "POST":
        initial: dict[str, Any] = {}
        raw = request.GET.get("need", "")
        if raw.isdigit() and 1 <= int(raw) <= MAX_ID:
            need = Need.objects.filter(pk=int(raw), community=community).first()
            if need is not None:
                initial = {"title": need.title, "summary": need.description, "needs": [need.pk]}
        form = _project_form(community, initial=initial)
        return render(request, "projects/console/new.html", {"community": community, "form": form})
    form = _project_form(community, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            lead = _linked(Organization, int(data["lead"] or 0) or None, "lead")
            needs = list(Need.objects.filter(pk__in=[int(i) for i in data["needs"]]))
            project = services.create_project(
                actor=actor,
                community=community,
                title=data["title"],
                summary=data["summary"],
                budget_fen=services.yuan_to_fen(data["budget"]),
                lead_organization=lead,
                milestones=data["milestones"],
                source="need" if needs else "staff",
                needs=needs,
                resources=list(Resource.objects.filter(pk__in=[int(i) for i in data["resources"]])),
                rule_item=int(data["rule_item"]) if data["rule_item"] else None,
                points=data["points"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The project is made."))
            return redirect("projects:console_detail", pk=project.pk)
    return render(
        request,
        "projects/console/new.html",
        {"community": community, "form": form},
        status=400,
    )


# --- One project ------


def _forms(project: Project, **given: Any) -> dict[str, Any]:
    made: dict[str, Any] = {
        "assign_form": UnitForm(prefix="assign", units=_lead_units(project.community)),
        "reward_form": RewardForm(
            prefix="reward",
            items=_items(project.community),
            initial={
                "rule_item": project.rule_item_id,
                "points": project.points,
                "budget": project.budget_yuan.replace(",", ""),
            },
        ),
        "milestone_form": MilestoneForm(prefix="milestone"),
        "complete_form": NoteForm(prefix="complete"),
        "cancel_form": ReasonForm(prefix="cancel"),
        "release_form": ReasonForm(prefix="release"),
    }
    made.update(given)
    return made


def _render_detail(
    request: HttpRequest, project: Project, status: int = 200, **given: Any
) -> HttpResponse:
    steps = {name: may_take(name, project.status) for name in STEPS}
    open_milestones = project.milestones.filter(done_at__isnull=True).exists()
    steps["complete"] = steps["complete"] and not open_milestones
    steps["release"] = (
        steps["release"] and not project.milestones.filter(done_at__isnull=False).exists()
    )
    editable = project.status not in (Status.COMPLETED, Status.REVIEWED, Status.CANCELLED)
    return render(
        request,
        "projects/console/detail.html",
        {
            **project_context(
                project,
                full=True,
                reporting=project.status in (Status.LED, Status.IN_PROGRESS),
                report_form=given.pop("report_form", None),
                report_for=given.pop("report_for", None),
            ),
            **_forms(project, **given),
            "may": steps,
            "editable": editable,
            "history": project.events.select_related("actor", "organization", "milestone"),
        },
        status=status,
    )


@console_view
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    project = _staff_project(actor, pk)
    if project.status == Status.COMPLETED and services.settle_review(project):
        project = _staff_project(actor, pk)
    return _render_detail(request, project)


def _step(
    request: HttpRequest,
    pk: int,
    name: str,
    form_class: Callable[..., forms.Form] | None,
    act: Callable[[Person, Project, dict[str, Any]], Any],
    done: str,
    **form_kwargs: Any,
) -> HttpResponse:
    actor = person_of(request)
    project = _staff_project(actor, pk)
    form = (
        form_class(request.POST, request.FILES, prefix=name, **form_kwargs)
        if form_class is not None
        else None
    )
    if form is not None and not form.is_valid():
        return _render_detail(request, project, status=400, **{f"{name}_form": form})
    try:
        act(actor, project, form.cleaned_data if form is not None else {})
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        if form is None:
            messages.error(request, exc.render())
            return redirect("projects:console_detail", pk=pk)
        add_domain_error(form, exc)
        return _render_detail(
            request, _staff_project(actor, pk), status=exc.status, **{f"{name}_form": form}
        )
    messages.success(request, done)
    return redirect("projects:console_detail", pk=pk)


@require_POST
@console_view
def console_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "publish",
        None,
        lambda actor, project, data: services.publish_project(actor=actor, project=project),
        _("The project is on the list for units to take the lead."),
    )


@require_POST
@console_view
def console_assign(request: HttpRequest, pk: int) -> HttpResponse:
    project = _staff_project(person_of(request), pk)
    return _step(
        request,
        pk,
        "assign",
        UnitForm,
        lambda actor, p, data: services.assign_lead(
            actor=actor,
            project=p,
            organization=_linked(Organization, int(data["organization"]), "organization"),
        ),
        _("The lead unit is named."),
        units=_lead_units(project.community),
    )


@require_POST
@console_view
def console_reward(request: HttpRequest, pk: int) -> HttpResponse:
    project = _staff_project(person_of(request), pk)

    def act(actor: Person, p: Project, data: dict[str, Any]) -> Project:
        budget = data.get("budget")
        return services.update_project(
            actor=actor,
            project=p,
            rule_item=int(data["rule_item"]),
            points=data["points"],
            budget_fen=services.yuan_to_fen(budget) if budget else None,
        )

    return _step(
        request,
        pk,
        "reward",
        RewardForm,
        act,
        _("The budget and points are saved."),
        items=_items(project.community),
    )


@require_POST
@console_view
def console_milestone(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "milestone",
        MilestoneForm,
        lambda actor, p, data: services.add_milestone(
            actor=actor, project=p, title=data["title"], due_on=data["due_on"]
        ),
        _("The milestone is added."),
    )


@require_POST
@console_view
def console_report(request: HttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    actor = person_of(request)
    project = _staff_project(actor, pk)
    if not 1 <= milestone_id <= MAX_ID or not project.milestones.filter(pk=milestone_id).exists():
        raise Http404
    form = report_form_for(milestone_id, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_milestone(
                actor=actor,
                milestone=milestone_id,
                note=form.cleaned_data["note"],
                photo=form.cleaned_data.get("photo"),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The milestone is reported."))
            return redirect("projects:console_detail", pk=pk)
    return _render_detail(
        request,
        _staff_project(actor, pk),
        status=400,
        report_form=form,
        report_for=milestone_id,
    )


@require_POST
@console_view
def console_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "complete",
        NoteForm,
        lambda actor, p, data: services.complete_project(actor=actor, project=p, note=data["note"]),
        _("The project is completed; the lead unit's claim waits for the review group."),
    )


@require_POST
@console_view
def console_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "release",
        ReasonForm,
        lambda actor, p, data: services.release_project(
            actor=actor, project=p, reason=data["reason"]
        ),
        _("The project is back on the list for another unit."),
    )


@require_POST
@console_view
def console_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "cancel",
        ReasonForm,
        lambda actor, p, data: services.cancel_project(
            actor=actor, project=p, reason=data["reason"]
        ),
        _("The project is cancelled; its needs are back on the list."),
    )
