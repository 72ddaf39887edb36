"""Staff pages of 议事协商 (desktop): the list of matters, a new matter (prefilled from a
message, an incident or a request: ``?message=<id>``, ``?incident=<id>``,
``?request=<id>``), and one matter with every step staff may take — open or close the
poll, call the meeting and record its minutes and attendance, escalate, decide, add
follow-up actions and report their progress, withdraw. Inspectors read the same pages
and are offered no step (the services refuse them anyway).

Every step is one service call: these views parse the form, call it and say what
happened; a refusal comes back on the form that asked, and nothing is written.
"""

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.deliberation import selectors, services
from jifen.deliberation.forms import (
    ActionForm,
    CancelForm,
    DecisionForm,
    FilterForm,
    MatterForm,
    MeetingForm,
    MinutesForm,
    NoteForm,
    PollForm,
    ProgressForm,
)
from jifen.deliberation.models import (
    POLL_TIERS,
    STEPS,
    Action,
    ActionStatus,
    Matter,
    Tier,
    may_take,
)
from jifen.deliberation.views.public import matter_context
from jifen.incidents.models import Incident
from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, InvalidInput, NotFound
from jifen.lib.pagination import paginate
from jifen.messages.models import Message
from jifen.people import authz
from jifen.people.models import Organization, Person
from jifen.regions.models import Level, Region
from jifen.requests.models import ServiceRequest
from jifen.web.forms import add_domain_error
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25
PLACES = [Level.COMMUNITY, Level.COMPOUND, Level.GRID, Level.BUILDING]


def _require_reader(actor: Person) -> None:
    if not (authz.can(actor, authz.MANAGE_DELIBERATIONS) or authz.can(actor, authz.INSPECT)):
        authz.require(actor, authz.MANAGE_DELIBERATIONS)


def _get(actor: Person, pk: int) -> Matter:
    matter = selectors.get_visible(actor, pk) if 1 <= pk <= MAX_ID else None
    if matter is None:
        raise Http404
    return matter


def _places(actor: Person) -> list[tuple[str, str]]:
    regions = (
        Region.objects.filter(authz.regions_q(actor, authz.MANAGE_DELIBERATIONS), level__in=PLACES)
        .select_related("parent")
        .order_by("path")[:2000]
    )
    return [(r.code, f"{'　' * max(r.path.count('/') - 4, 0)}{r.name}") for r in regions]


def _organizations_for(community: Region | None, actor: Person) -> list[tuple[int, str]]:
    """The organisations serving the community (its own, its compounds', the town's and
    county's above it), or all within the actor's reach when no community is known."""
    rows = Organization.objects.select_related("region")
    if community is not None:
        rows = rows.filter(
            Q(region__path__startswith=community.path)
            | Q(region__code__in=community.ancestor_codes())
        )
    else:
        rows = rows.filter(authz.regions_q(actor, authz.MANAGE_DELIBERATIONS, "region"))
    return [(o.pk, o.name) for o in rows.order_by("name")[:200]]


def _chosen_organizations(ids: list[str]) -> list[Organization]:
    return list(Organization.objects.select_related("region").filter(pk__in=[int(i) for i in ids]))


# --- The list ------


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    _require_reader(actor)
    form = FilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    rows = selectors.listed(actor, status=data.get("status") or "", tier=data.get("tier") or "")
    page = paginate(request, rows, per_page=PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deliberation/console/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_create": authz.can(actor, authz.MANAGE_DELIBERATIONS),
            "todo": selectors.staff_todo(actor),
        },
    )


# --- A new matter ------


def _source_id(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_ID else None


def _prefill(request: HttpRequest, actor: Person) -> dict[str, Any]:
    """The new matter's fields from the message, incident or request named in the query,
    when the actor may manage its place."""
    initial: dict[str, Any] = {"tier": Tier.SIMPLE}
    incident_id = _source_id(request, "incident")
    request_id = _source_id(request, "request")
    message_id = _source_id(request, "message")
    if incident_id:
        incident = Incident.objects.select_related("region", "category").filter(pk=incident_id)
        found = incident.first()
        if found is not None and authz.can(actor, authz.MANAGE_DELIBERATIONS, found.region):
            initial.update(
                incident=found.pk,
                region=found.region.code,
                title=_phones_masked(f"{found.category.name}：{found.description[:60]}"),
                description=_phones_masked(found.description),
            )
    if request_id:
        found_request = (
            ServiceRequest.objects.select_related("community").filter(pk=request_id).first()
        )
        if found_request is not None and authz.can(
            actor, authz.MANAGE_DELIBERATIONS, found_request.community
        ):
            initial.update(
                service_request=found_request.pk,
                region=found_request.community.code,
                title=_phones_masked(found_request.title),
                description=_phones_masked(found_request.description),
            )
    if message_id:
        message = Message.objects.select_related("region").filter(pk=message_id).first()
        if message is not None and authz.can(actor, authz.MANAGE_DELIBERATIONS, message.region):
            initial.update(message=message.pk, region=message.region.code)
            if message.public:
                initial.update(
                    title=_phones_masked(message.body[:60].replace("\n", " ")),
                    description=_phones_masked(message.body[:2000]),
                )
            else:
                # A private message's words stay with its author and staff: the matter's
                # title and description are public, so staff write them afresh.
                initial["private_source"] = True
    return initial


PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def _phones_masked(text: str) -> str:
    """A mobile number someone wrote into a text copied to a public field: 139****5678."""
    return PHONE_IN_TEXT.sub(r"\1****\3", text)


@console_view
def console_new(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.MANAGE_DELIBERATIONS)
    organizations = _organizations_for(None, actor)
    places = _places(actor)
    if request.method != "POST":
        form = MatterForm(
            initial=_prefill(request, actor), regions=places, organizations=organizations
        )
        return render(request, "deliberation/console/new.html", {"form": form})
    form = MatterForm(request.POST, regions=places, organizations=organizations)
    if form.is_valid():
        data = form.cleaned_data
        try:
            matter = services.create_matter(
                actor=actor,
                region=Region.objects.get(code=data["region"]),
                tier=data["tier"],
                title=data["title"],
                description=data["description"],
                incident=_linked(Incident, data["incident"], "incident"),
                service_request=_linked(ServiceRequest, data["service_request"], "service_request"),
                message=_linked(Message, data["message"], "message"),
                organizations=_chosen_organizations(data["organizations"]),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The matter is opened."))
            return redirect("deliberation:console_detail", pk=matter.pk)
    return render(request, "deliberation/console/new.html", {"form": form}, status=400)


def _linked(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Nothing was found there, or you may not see it."), field=field)
    return found


# --- One matter ------


def _forms(matter: Matter, actor: Person, **given: Any) -> dict[str, Any]:
    orgs = _organizations_for(matter.community, actor)
    invitees = [(i.pk, i.name) for i in selectors.invitees(matter)]
    made: dict[str, Any] = {
        "poll_form": PollForm(prefix="poll", organizations=orgs),
        "close_form": NoteForm(prefix="close"),
        "meeting_form": MeetingForm(prefix="meeting", organizations=orgs),
        "minutes_form": MinutesForm(
            prefix="minutes",
            invitees=invitees,
            initial={
                "minutes": matter.minutes,
                "residents_present": matter.residents_present or 0,
                "attended": [i.pk for i in selectors.invitees(matter) if i.attended],
            },
        ),
        "escalate_form": NoteForm(prefix="escalate"),
        "decide_form": DecisionForm(prefix="decide"),
        "cancel_form": CancelForm(prefix="cancel"),
        "action_form": ActionForm(prefix="action", organizations=orgs),
        "progress_form": ProgressForm(prefix="progress"),
    }
    made.update(given)
    return made


def _render_detail(
    request: HttpRequest, matter: Matter, status: int = 200, **given: Any
) -> HttpResponse:
    actor = person_of(request)
    manage = selectors.may_manage(actor, matter.region)

    def may(step: str) -> bool:
        return manage and may_take(step, matter.status, matter.tier)

    steps = {name: may(name) for name in STEPS}
    # Offered once nothing is left to do (the service refuses it otherwise).
    steps["complete"] = (
        steps["complete"] and not matter.actions.exclude(status=ActionStatus.DONE).exists()
    )
    return render(
        request,
        "deliberation/console/detail.html",
        {
            **matter_context(matter),
            **_forms(matter, actor, **given),
            "may": steps,
            "manage": manage,
            "any_step": any(steps.values()),
            "history": selectors.history(matter),
            "is_poll_tier": matter.tier in POLL_TIERS,
            "invitee_rows": selectors.invitees(matter),
        },
        status=status,
    )


@console_view
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    matter = _get(actor, pk)
    if services.close_if_due(matter):
        matter = _get(actor, pk)
    return _render_detail(request, matter)


def _step(
    request: HttpRequest,
    pk: int,
    name: str,
    form_class: Callable[..., forms.Form],
    act: Callable[[Person, Matter, dict[str, Any]], Any],
    done: str,
    **form_kwargs: Any,
) -> HttpResponse:
    actor = person_of(request)
    matter = _get(actor, pk)
    extra = {
        key: value(matter, actor) if callable(value) else value
        for key, value in form_kwargs.items()
    }
    form = form_class(request.POST, prefix=name, **extra)
    if not form.is_valid():
        return _render_detail(request, matter, status=400, **{f"{name}_form": form})
    try:
        act(actor, matter, form.cleaned_data)
    except DomainError as exc:
        if exc.status == 404 and exc.field is None:
            raise
        add_domain_error(form, exc)
        matter = _get(actor, pk)
        return _render_detail(request, matter, status=exc.status, **{f"{name}_form": form})
    messages.success(request, done)
    return redirect("deliberation:console_detail", pk=pk)


def _orgs(matter: Matter, actor: Person) -> list[tuple[int, str]]:
    return _organizations_for(matter.community, actor)


@console_view
@require_POST
def console_poll(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "poll",
        PollForm,
        lambda actor, matter, data: services.open_poll(
            actor=actor,
            matter=matter,
            closes_at=data["closes_at"],
            quorum_percent=data["quorum_percent"],
            organizations=_chosen_organizations(data["organizations"]),
        ),
        _("The poll is open; those who may vote are told."),
        organizations=_orgs,
    )


@console_view
@require_POST
def console_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "close",
        NoteForm,
        lambda actor, matter, data: services.close_poll(
            actor=actor, matter=matter, note=data["note"]
        ),
        _("The poll is closed and its result is public."),
    )


@console_view
@require_POST
def console_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "meeting",
        MeetingForm,
        lambda actor, matter, data: services.call_meeting(
            actor=actor,
            matter=matter,
            kind=data["kind"],
            at=data["at"],
            place=data["place"],
            agenda=data["agenda"],
            organizations=_chosen_organizations(data["organizations"]),
        ),
        _("The meeting is called; the invited parties are told."),
        organizations=_orgs,
    )


@console_view
@require_POST
def console_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "minutes",
        MinutesForm,
        lambda actor, matter, data: services.record_meeting(
            actor=actor,
            matter=matter,
            minutes=data["minutes"],
            attended=[int(i) for i in data["attended"]],
            residents_present=data["residents_present"],
        ),
        _("The minutes and attendance are recorded."),
        invitees=lambda matter, actor: [(i.pk, i.name) for i in selectors.invitees(matter)],
    )


@console_view
@require_POST
def console_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "escalate",
        NoteForm,
        lambda actor, matter, data: services.escalate(
            actor=actor, matter=matter, note=data["note"]
        ),
        _("The matter goes to a meeting."),
    )


@console_view
@require_POST
def console_decide(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "decide",
        DecisionForm,
        lambda actor, matter, data: services.decide(
            actor=actor, matter=matter, decision=data["decision"]
        ),
        _("The decision is recorded and public."),
    )


@console_view
@require_POST
def console_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "cancel",
        CancelForm,
        lambda actor, matter, data: services.cancel(
            actor=actor, matter=matter, reason=data["reason"]
        ),
        _("The matter is withdrawn."),
    )


class _Nothing(forms.Form):
    pass


@console_view
@require_POST
def console_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "complete",
        _Nothing,
        lambda actor, matter, data: services.complete(actor=actor, matter=matter),
        _("The matter is done."),
    )


def _add_action(actor: Person, matter: Matter, data: dict[str, Any]) -> Action:
    person = organization = None
    if data["owner_organization"]:
        organization = Organization.objects.filter(pk=int(data["owner_organization"])).first()
    phone = (data["owner_phone"] or "").strip()
    if phone:
        person = Person.objects.filter(phone=phone, is_active=True).first()
        if person is None:
            raise InvalidInput(_("No one has this mobile number."), field="owner_phone")
    if (person is None) == (organization is None):
        raise InvalidInput(
            _("Name one owner: a person or an organisation."), field="owner_organization"
        )
    return services.add_action(
        actor=actor,
        matter=matter,
        title=data["title"],
        due_on=data["due_on"],
        owner_person=person,
        owner_organization=organization,
    )


@console_view
@require_POST
def console_action(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        "action",
        ActionForm,
        _add_action,
        _("The follow-up action is added and shown publicly."),
        organizations=_orgs,
    )


@console_view
@require_POST
def console_progress(request: HttpRequest, pk: int, action_id: int) -> HttpResponse:
    actor = person_of(request)
    matter = _get(actor, pk)
    if not matter.actions.filter(pk=action_id).exists():
        raise Http404

    def act(actor: Person, matter: Matter, data: dict[str, Any]) -> Any:
        return services.report_progress(
            actor=actor,
            action=action_id,
            percent=data["percent"],
            status=data["status"] or "",
            note=data["note"],
        )

    return _step(
        request,
        pk,
        "progress",
        ProgressForm,
        act,
        _("The progress is recorded and shown publicly."),
    )
