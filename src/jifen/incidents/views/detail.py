"""One incident's page, for everyone who may see it (``selectors.get_visible``; 404
otherwise): what, where, the due time (and how many working days past it), the timeline
with its photos, and the steps the viewer may take — the handler's 处置, the reporter's
核查, 评价 and reopening. Photos are served by a guarded view, never a public file.

Buttons are a courtesy: the services refuse whatever is not allowed, and a refusal shows
the page again with the reason on the form.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from jifen.audit.models import AuditEvent
from jifen.incidents import selectors, services
from jifen.incidents.forms import (
    AssignForm,
    EscalateForm,
    RateForm,
    ReopenForm,
    ResolveForm,
    VerifyForm,
)
from jifen.incidents.models import (
    REOPEN_DAYS,
    RUNNING,
    Incident,
    Photo,
    Status,
    Tier,
    may_take,
)
from jifen.lib import workdays
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, NotFound, PermissionDenied
from jifen.lib.masking import mask_name
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.web.forms import add_domain_error
from jifen.web.views.errors import person_of, resident_view

# --- Shared by the lists ----------------------------------------------------------------------


def mark_lateness(items: list[Incident], now: datetime | None = None) -> list[Incident]:
    """Sets ``late_days`` on each incident past its deadline and not yet resolved: the
    working days since the day it was due, at least 1 once it is past due (as the
    dashboard counts, ``stats._Overdue``); None when it is not late. One read of the
    calendar's corrections for the whole list. The phone's pages and the console both
    use this one count."""
    now = now or timezone.now()
    late = [i for i in items if i.status in RUNNING and i.due_at is not None and i.due_at < now]
    for item in items:
        item.late_days = None  # type: ignore[attr-defined]
    if not late:
        return items
    today = timezone.localdate(now)
    first = min(timezone.localdate(i.due_at) for i in late)
    corrections = workdays.overrides(first, today)
    for item in late:
        day: date = timezone.localdate(item.due_at)
        count = 0
        while day < today:
            day += timedelta(days=1)
            count += workdays.is_working_day(day, corrections)
        item.late_days = max(count, 1)  # type: ignore[attr-defined]
    return items


def my_organizations(person: Person) -> list[int]:
    return list(
        OrganizationMember.objects.filter(person=person).values_list("organization_id", flat=True)
    )


def is_handler(viewer: Person, item: Incident) -> bool:
    """The person it was assigned to, or a member of the organisation (as the service)."""
    if item.assignee_id is not None:
        return item.assignee_id == viewer.pk
    return item.organization_id is not None and item.organization_id in my_organizations(viewer)


def organizations_for(item: Incident) -> list[tuple[int, str]]:
    """The organisations that serve the incident's community (the service's own rule)."""
    community = item.community
    rows = Organization.objects.filter(region__code__in=community.ancestor_codes()) | (
        Organization.objects.filter(region__path__startswith=community.path)
    )
    return [(o.pk, o.name) for o in rows.distinct().order_by("name")[:200]]


class _Refusal(django_forms.Form):
    """A refusal of a step that has no form of its own (a button: 立案, 我自己处置)."""


def refusal(exc: DomainError) -> django_forms.Form:
    """A bound, valid, empty form holding the service's refusal: a page can show it like
    any form's errors (an unbound form cannot take an error)."""
    form = _Refusal(data={})
    form.is_valid()
    form.add_error(None, exc.render())
    return form


def refusal_status(exc: DomainError) -> int:
    """The status of a page that shows a refusal again: the refusal's own (400, 403,
    409); a 404 is raised instead, as it would be for the page itself."""
    if exc.status == 404:
        raise exc
    return exc.status


def assign_targets(item: Incident, events: list[Any]) -> dict[int, str]:
    """Whom each 派遣 of ``events`` gave the incident to (event id → a person's or an
    organisation's name), from the audit rows the steps kept, in the same order: two
    reads for the whole timeline."""
    assigns = [e for e in events if e.step == "assign"]
    if not assigns:
        return {}
    rows = list(
        AuditEvent.objects.filter(
            target_type=Incident._meta.label_lower, target_id=item.pk, action="incidents.assign"
        )
        .order_by("id")
        .values_list("after", flat=True)
    )
    numbers = {r.get("assignee") for r in rows if isinstance(r, dict) and r.get("assignee")}
    names = dict(
        Person.objects.filter(volunteer_no__in=numbers).values_list("volunteer_no", "name")
    )
    whom: dict[int, str] = {}
    for event, after in zip(assigns, rows, strict=False):
        if not isinstance(after, dict):
            continue
        name = names.get(after.get("assignee") or "") or after.get("organization") or ""
        if name:
            whom[event.pk] = name
    return whom


def console_url(item: Incident) -> str | None:
    """The staff's page of the incident, once the console has one."""
    try:
        return reverse("incidents:console_detail", args=[item.pk])
    except NoReverseMatch:
        return None


# --- One incident ---------------------------------------------------------------------------


@dataclass
class Line:
    """One step in the timeline, as the viewer may read it."""

    at: Any
    step: str
    label: str
    who: str
    note: str
    tier: str
    photos: list[Photo] = field(default_factory=list)


def _timeline(item: Incident, viewer: Person, inside: bool) -> list[Line]:
    lines = []
    events = list(selectors.history(item))
    whom = assign_targets(item, events) if inside else {}
    for event in events:
        actor = event.actor
        if actor is None:
            who = _("the system")
        elif inside or actor.pk == viewer.pk:
            who = actor.name
        else:  # a resident reads who handled it, masked as on public pages
            who = mask_name(actor.name)
        lines.append(
            Line(
                at=event.at,
                step=event.step,
                label=(
                    pgettext("incident step", "assigned to %(whom)s") % {"whom": whom[event.pk]}
                    if event.pk in whom
                    else str(event.label)
                ),
                who=who,
                note=event.note,
                tier=str(Tier(event.tier).label) if event.tier in Tier.values else "",
                photos=list(event.photos.all()),
            )
        )
    return lines


def may_try(viewer: Person, item: Incident, step_name: str) -> bool:
    """Whether the viewer is one who takes this step on this incident at all (whatever its
    status): the tier's grid workers and staff accept, assign and escalate; the handler
    resolves; the reporter, or the grid or staff of the place, verifies; the reporter
    rates and reopens. Readers (the review group, 巡察) are none of them."""
    if step_name in ("accept", "assign", "escalate"):
        return authz.can(viewer, authz.HANDLE_INCIDENTS, item.handling_region)
    if step_name == "resolve":
        return is_handler(viewer, item)
    if step_name == "verify":
        return viewer.pk == item.reporter_id or authz.can(
            viewer, authz.HANDLE_INCIDENTS, item.region
        )
    return viewer.pk == item.reporter_id  # rate, reopen


def require_may_try(viewer: Person, item: Incident, step_name: str) -> None:
    """403 before a posted form is even read, for one who never takes this step: a
    reader's post is refused as such, not answered with the form's errors."""
    if not may_try(viewer, item, step_name):
        raise PermissionDenied(_("You may see this incident but not act on it."))


def visible(request: HttpRequest, pk: int) -> Incident:
    item = selectors.get_visible(person_of(request), pk) if 0 < pk <= MAX_ID else None
    if item is None:
        raise NotFound(_("There is no such incident, or you may not see it."))
    return item


def detail_page(
    request: HttpRequest, item: Incident, status: int = 200, **forms: Any
) -> HttpResponse:
    viewer = person_of(request)
    now = timezone.now()
    mark_lateness([item], now)
    inside = authz.can(viewer, authz.VIEW_INCIDENTS, item.region)
    handles = authz.can(viewer, authz.HANDLE_INCIDENTS, item.handling_region)
    reporter = viewer.pk == item.reporter_id
    handler = is_handler(viewer, item)
    # Four eyes: whoever resolved it does not check the fix (the service refuses too).
    may_verify = (
        (reporter or authz.can(viewer, authz.HANDLE_INCIDENTS, item.region))
        and may_take("verify_ok", item.status)
        and viewer.pk != selectors.resolver_id(item)
    )
    reopen_until = (
        item.closed_at + timedelta(days=REOPEN_DAYS) if item.closed_at is not None else None
    )
    context: dict[str, Any] = {
        "item": item,
        "inside": inside,
        "reporter": reporter,
        "handler": handler,
        "reporter_name": (
            item.reporter.name
            if item.reporter and (inside or reporter)
            else mask_name(item.reporter.name)
            if item.reporter
            else ""
        ),
        "timeline": _timeline(item, viewer, inside),
        "running": item.status in RUNNING,
        "console_url": console_url(item) if inside else None,
        "reopen_until": reopen_until,
        # What the viewer may do now (the services check again).
        "may_accept": handles and may_take("accept", item.status),
        "may_assign": handles and may_take("assign", item.status),
        "may_escalate": handles and may_take("escalate", item.status) and item.tier != Tier.TOWN,
        "may_resolve": handler and may_take("resolve", item.status),
        "may_verify": may_verify,
        "may_rate": reporter and item.status == Status.CLOSED and item.rating is None,
        "may_reopen": reporter
        and item.status == Status.CLOSED
        and reopen_until is not None
        and now <= reopen_until,
        "assign_form": forms.get("assign_form")
        or (AssignForm(organizations=organizations_for(item)) if handles else None),
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "verify_form": forms.get("verify_form") or VerifyForm(),
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "rate_form": forms.get("rate_form") or RateForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "open_form": next(iter(forms), ""),
    }
    # A step refused on a form the page no longer shows (the incident moved on
    # meanwhile): its errors go at the top instead.
    shown_by = {
        "assign_form": "may_assign",
        "resolve_form": "may_resolve",
        "verify_form": "may_verify",
        "escalate_form": "may_escalate",
        "rate_form": "may_rate",
        "reopen_form": "may_reopen",
        "accept_form": "may_accept",
        "refusal": "may_accept",
    }
    context["refused"] = [
        str(error)
        for name, form in forms.items()
        if not context[shown_by[name]] or name in ("accept_form", "refusal")
        for errors in form.errors.values()
        for error in errors
    ]
    return render(request, "incidents/detail.html", context, status=status)


@resident_view
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, visible(request, pk))


def step(
    request: HttpRequest,
    pk: int,
    form_class: type,
    name: str,
    call: Any,
    done: str,
    *,
    files: bool = False,
    **form_kwargs: Any,
) -> HttpResponse:
    """A step posted from the incident's page: parse the form, call the service, say what
    happened; a refusal shows the page again with the reason on the form."""
    item = visible(request, pk)
    require_may_try(person_of(request), item, name.removesuffix("_form"))
    form = form_class(request.POST, request.FILES if files else None, **form_kwargs)
    status = 400
    if form.is_valid():
        try:
            call(actor=person_of(request), incident=item, **form.cleaned_data)
        except DomainError as exc:
            status = refusal_status(exc)
            add_domain_error(form, exc)
            item.refresh_from_db()
        else:
            messages.success(request, done)
            return redirect("incidents:detail", pk=item.pk)
    return detail_page(request, item, status=status, **{name: form})


def _resolve(*, actor: Person, incident: Incident, note: str, photos: list[Any]) -> None:
    services.resolve(actor=actor, incident=incident, note=note, photos=photos)


def _verify(*, actor: Person, incident: Incident, fixed: str, note: str) -> None:
    services.verify(actor=actor, incident=incident, ok=fixed == "yes", note=note)


@resident_view
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request,
        pk,
        ResolveForm,
        "resolve_form",
        _resolve,
        _("Reported fixed. The reporter is asked to check it."),
        files=True,
    )


@resident_view
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    fixed = request.POST.get("fixed") == "yes"
    return step(
        request,
        pk,
        VerifyForm,
        "verify_form",
        _verify,
        _("Thank you: it is closed as fixed.") if fixed else _("Sent back to the handler."),
    )


@resident_view
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    return step(request, pk, RateForm, "rate_form", services.rate, _("Thank you for your rating."))


@resident_view
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request,
        pk,
        ReopenForm,
        "reopen_form",
        services.reopen,
        _("Reopened: it is handled again, with a new deadline."),
    )


@resident_view
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A photo of the place or the fix: for those who may see the incident, never a
    public file."""
    viewer = person_of(request)
    item = Photo.objects.filter(pk=photo_id).first() if 0 < photo_id <= MAX_ID else None
    if item is None or selectors.get_visible(viewer, item.incident_id) is None:
        raise NotFound(_("There is no such photo."))
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise NotFound(_("There is no such photo.")) from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response  # type: ignore[return-value] # a streamed file, as the claims' photos
