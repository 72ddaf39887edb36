"""Grid workers' pages (phone first, in the street): 我的网格 — the incidents of their grids
by what waits, 待受理, 待处置, 待核查, the overdue ones with how many working days past
their deadline — 上报, and the handler's steps taken from an incident's page: accept
(立案), assign (派遣) to an organisation such as the 物业 or to a person named by volunteer
number or name, escalate. 我处置的 lists what was given to the viewer or their
organisation (the property company's contact resolves from there).
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.incidents import selectors, services
from jifen.incidents.forms import AssignForm, EscalateForm
from jifen.incidents.models import RUNNING, Incident, Status
from jifen.incidents.views.detail import (
    detail_page,
    mark_lateness,
    my_organizations,
    organizations_for,
    refusal,
    refusal_status,
    require_may_try,
    step,
    visible,
)
from jifen.incidents.views.reporting import grid_places, report_page
from jifen.lib.errors import DomainError, InvalidInput, PermissionDenied
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Organization, Person
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view

# The tabs of 我的网格, each a filter and an order: what waits longest comes first.
TABS = ("reported", "running", "resolved", "overdue", "closed")


def _require_grid(person: Person) -> None:
    if not authz.can(person, authz.HANDLE_INCIDENTS):
        raise PermissionDenied(
            _("This page is for grid workers and community staff."), code="forbidden"
        )


@resident_view
def grid(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_grid(actor)
    tab = request.GET.get("show", "reported")
    tab = tab if tab in TABS else "reported"
    now = timezone.now()
    mine = selectors.for_handlers(actor)
    counts = mine.aggregate(
        reported=Count("pk", filter=Q(status=Status.REPORTED)),
        running=Count("pk", filter=Q(status__in=RUNNING)),
        resolved=Count("pk", filter=Q(status=Status.RESOLVED)),
        overdue=Count("pk", filter=selectors.overdue_q(now)),
    )
    if tab == "reported":
        rows = mine.filter(status=Status.REPORTED).order_by("created_at", "id")
    elif tab == "running":
        rows = mine.filter(status__in=RUNNING).order_by("due_at", "id")
    elif tab == "resolved":
        rows = mine.filter(status=Status.RESOLVED).order_by("resolved_at", "id")
    elif tab == "overdue":
        rows = mine.filter(selectors.overdue_q(now)).order_by("due_at", "id")
    else:
        rows = mine.filter(status=Status.CLOSED).order_by("-closed_at", "-id")
    page = paginate(request, rows.select_related("organization"), per_page=20)
    mark_lateness(list(page.object_list), now)
    return render(
        request,
        "incidents/grid.html",
        {
            "page": page,
            "tab": tab,
            "counts": counts,
            "query": urlencode({"show": tab}),
            "me": actor,
        },
    )


@resident_view
def report(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_grid(actor)
    return report_page(
        request,
        places=grid_places(actor),
        template="incidents/report.html",
        context={"grid": True},
    )


@resident_view
def handling(request: HttpRequest) -> HttpResponse:
    """我处置的: what was given to me or to my organisation — to resolve first."""
    actor = person_of(request)
    done = request.GET.get("show") == "done"
    rows = selectors.visible(actor).filter(
        Q(assignee=actor) | Q(assignee__isnull=True, organization_id__in=my_organizations(actor))
    )
    if done:
        rows = rows.exclude(status=Status.ASSIGNED).order_by("-updated_at", "-id")
    else:
        rows = rows.filter(status=Status.ASSIGNED).order_by("due_at", "id")
    page = paginate(request, rows.select_related("organization"), per_page=20)
    mark_lateness(list(page.object_list))
    return render(
        request,
        "incidents/handling.html",
        {"page": page, "done": done, "query": "show=done" if done else ""},
    )


@resident_view
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    item = visible(request, pk)
    try:
        services.accept(actor=person_of(request), incident=item)
    except DomainError as exc:
        status = refusal_status(exc)
        item.refresh_from_db()
        return detail_page(request, item, status=status, refusal=refusal(exc))
    item.refresh_from_db()
    due = timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M") if item.due_at else ""
    messages.success(request, _("Accepted. Due by %(due)s.") % {"due": due})
    return redirect("incidents:detail", pk=item.pk)


def find_person(item: Incident, text: str) -> Person | None:
    """A person of the incident's community (or one who works over it: its grid workers,
    staff), by volunteer number or by name; several of one name must be told apart by
    number."""
    text = text.strip()
    ours = Q(community=item.community) | Q(grants__region__code__in=item.region.ancestor_codes())
    people = Person.objects.filter(ours, is_active=True).distinct()
    if text.isdigit():
        return people.filter(volunteer_no=text).first()
    named = list(people.filter(name=text)[:2])
    if len(named) > 1:
        raise InvalidInput(
            _("Several people of %(community)s are called %(name)s: give the volunteer number."),
            field="person",
            params={"community": item.community.name, "name": text},
        )
    return named[0] if named else None


def _assignee(item: Incident, form: AssignForm) -> dict[str, Any]:
    data = form.cleaned_data
    if data.get("person"):
        person = find_person(item, data["person"])
        if person is None:
            raise InvalidInput(
                _("No one of %(community)s has this volunteer number or name."),
                field="person",
                params={"community": item.community.name},
            )
        return {"person": person}
    organization = Organization.objects.filter(pk=data["organization"]).first()
    if organization is None:
        raise InvalidInput(_("Choose an organisation from the list."), field="organization")
    return {"organization": organization}


@resident_view
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """派遣: to an organisation, to a person named by number or name, or (``me``) to
    oneself."""
    actor = person_of(request)
    item = visible(request, pk)
    require_may_try(actor, item, "assign")
    me = request.POST.get("me") == "1"
    if me:  # a button, no form: a refusal shows at the top, the form stays empty
        try:
            services.assign(actor=actor, incident=item, person=actor)
        except DomainError as exc:
            status = refusal_status(exc)
            item.refresh_from_db()
            return detail_page(request, item, status=status, refusal=refusal(exc))
        messages.success(request, _("Assigned to %(name)s; they are told.") % {"name": actor.name})
        return redirect("incidents:detail", pk=item.pk)
    form = AssignForm(request.POST, organizations=organizations_for(item))
    status = 400
    if form.is_valid():
        try:
            whom = _assignee(item, form)
            services.assign(actor=actor, incident=item, **whom)
        except DomainError as exc:
            status = refusal_status(exc)
            add_domain_error(form, exc)
            item.refresh_from_db()
        else:
            name = next(iter(whom.values())).name
            messages.success(request, _("Assigned to %(name)s; they are told.") % {"name": name})
            return redirect("incidents:detail", pk=item.pk)
    return detail_page(request, item, status=status, assign_form=form)


@resident_view
@require_POST
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request,
        pk,
        EscalateForm,
        "escalate_form",
        services.escalate,
        _("Escalated: the tier above takes it, with its own deadline."),
    )
