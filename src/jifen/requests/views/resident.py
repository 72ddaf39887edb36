"""Residents' pages (phone first): 我要点单 and 许个微心愿, 我的点单, and one request with
its history and the requester's steps (cancel, confirm with stars, 没有完成).

One request's page serves everyone who may see it (``selectors.get_visible``; 404
otherwise): the requester's side, the helper, the leader of the group it went to, a
volunteer who may take it while it is open, staff (who act in the console). The
address, the photos and the history are shown only to those who may read the address
(``selectors.can_see_address``). Buttons are a courtesy: the services refuse whatever
is not allowed.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.lib.bounds import MAX_ID
from jifen.lib.errors import DomainError, NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import paginate
from jifen.people import authz
from jifen.people.models import Person, Proxy
from jifen.people.selectors import principals_of
from jifen.requests import rules, selectors, services
from jifen.requests.forms import (
    AssignForm,
    CancelForm,
    ConfirmForm,
    DisputeForm,
    DoneForm,
    HandBackForm,
    RequestForm,
)
from jifen.requests.models import (
    IN_HAND,
    EnteredAs,
    Event,
    Kind,
    Photo,
    ServiceRequest,
    Status,
)
from jifen.web.forms import add_domain_error
from jifen.web.templatetags.jifen_text import acting_for
from jifen.web.views.errors import person_of, resident_view

# --- For whom --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Asker:
    """Who a request is for: the viewer, or a resident they act for as family proxy."""

    person: Person
    proxy: Proxy | None

    @property
    def key(self) -> str:
        return str(self.person.pk) if self.proxy else ""


def _askers(actor: Person) -> list[Asker]:
    return [Asker(actor, None)] + [
        Asker(proxy.principal, proxy)
        for proxy in principals_of(actor).select_related("principal__community")
    ]


def _chosen(askers: list[Asker], key: str) -> Asker:
    for asker in askers:
        if asker.key == key:
            return asker
    raise NotFound(_("You do not act for this person."))


# --- 我要点单 / 许个微心愿 -----------------------------------------------------------------------


def _asker_choices(askers: list[Asker]) -> list[tuple[str, str]]:
    return [
        (
            a.key,
            acting_for(a.person.name, a.proxy.relation)
            if a.proxy
            else _("Myself (%(name)s)") % {"name": a.person.name},
        )
        for a in askers
    ]


def _ask(request: HttpRequest, kind: str) -> HttpResponse:
    actor = person_of(request)
    askers = _askers(actor)
    key = request.POST.get("for") if request.method == "POST" else request.GET.get("for")
    asker = _chosen(askers, key or "")
    community = asker.person.community
    wish = kind == Kind.WISH
    # The wish form offers the wish lines (微心愿), the request form the services.
    menu = selectors.menu(community, kind=kind) if community is not None else []
    service = request.GET.get("service", "")
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        menu=menu,
        wish=wish,
        askers=_asker_choices(askers),
        initial={"for": asker.key, **({"category": service} if service else {})},
    )
    status = 200
    if request.method == "POST" and community is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.submit_request(
                    actor=actor,
                    person=asker.person if asker.proxy else None,
                    community=community,
                    kind=kind,
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    address=data["address"],
                    wanted_from=data["wanted_from"],
                    wanted_until=data["wanted_until"],
                    photos=data["photos"],
                )
            except DomainError as exc:
                if exc.field == "photo":
                    exc.field = "photos"
                add_domain_error(form, exc)
            else:
                if wish:
                    text = _(
                        "Your wish is sent. The community checks it, then it goes on the wall."
                    )
                else:
                    text = _(
                        "Your request is sent. The community checks it and tells you each step."
                    )
                messages.success(request, text)
                return redirect("requests:detail", pk=created.pk)
        status = 400
    return render(
        request,
        "requests/new.html",
        {
            "form": form,
            "askers": askers,
            "asker": asker,
            "community": community,
            "wish": wish,
            "action": reverse("requests:new_wish" if wish else "requests:new"),
        },
        status=status,
    )


@resident_view
def new(request: HttpRequest) -> HttpResponse:
    return _ask(request, Kind.REQUEST)


@resident_view
def new_wish(request: HttpRequest) -> HttpResponse:
    return _ask(request, Kind.WISH)


# --- 我的点单 ------------------------------------------------------------------------------------

# The to-do's link (requests_to_confirm) opens the list at ``?status=done``.
LIST_FILTERS = {"done", "active", "closed"}


@resident_view
def mine(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    shown = request.GET.get("status", "")
    shown = shown if shown in LIST_FILTERS else ""
    asked = selectors.asked_by(actor)
    if shown == "done":
        asked = asked.filter(status=Status.DONE)
    elif shown == "active":
        asked = asked.filter(status__in=[Status.SUBMITTED, Status.OPEN, *IN_HAND])
    elif shown == "closed":
        asked = asked.filter(status__in=[Status.COMPLETED, Status.REJECTED, Status.CANCELLED])
    page = paginate(request, asked.prefetch_related("photos"), per_page=20)
    return render(
        request,
        "requests/mine.html",
        {
            "page": page,
            "shown": shown,
            "query": urlencode({"status": shown}) if shown else "",
            "acts_for": principals_of(actor).exists(),
            "today": timezone.localdate(),
        },
    )


# --- One request ---------------------------------------------------------------------------


@dataclass
class Line:
    """One step in the history, as the viewer may read it."""

    at: Any
    step: str
    label: str
    who: str
    note: str


# Steps only staff take; ``cancel``, ``submit`` and ``assign_member`` are staff's when
# nobody of the request's own people took them.
STAFF_STEPS = {"publish", "reject", "dispatch", "reassign"}


def _by_staff(event: Event, item: ServiceRequest, heads: set[int]) -> bool:
    actor_id = event.actor_id
    if event.step in STAFF_STEPS:
        return True
    if event.step == "submit":
        return item.entered_as == EnteredAs.STAFF
    if event.step == "cancel":
        return actor_id != item.requester_id and event.on_behalf_of_id is None
    if event.step == "assign_member":
        return actor_id not in heads
    return False


def _who(event: Event, item: ServiceRequest, heads: set[int]) -> str:
    """Who took the step, the same way on every resident's page: staff as their role with
    their name (社区工作者（陈文昌）, as the API names them), everyone else by name."""
    actor = event.actor
    if actor is None:
        return _("the system")
    if _by_staff(event, item, heads):
        name = _("community staff (%(name)s)") % {"name": actor.name}
    else:
        name = actor.name
    if event.on_behalf_of is not None and event.on_behalf_of_id != actor.pk:
        return _("%(actor)s for %(person)s") % {"actor": name, "person": event.on_behalf_of.name}
    return name


def _heads(item: ServiceRequest) -> set[int]:
    """The team's leader or the organisation's contacts: they name a member as themselves."""
    if item.team is not None:
        return {item.team.leader_id}
    if item.organization is not None:
        return set(
            item.organization.organizationmember_set.filter(is_contact=True).values_list(
                "person_id", flat=True
            )
        )
    return set()


def _history(item: ServiceRequest) -> list[Line]:
    heads = _heads(item)
    return [
        Line(
            at=event.at,
            step=event.step,
            label=str(event.label),
            who=_who(event, item, heads),
            note=event.note,
        )
        for event in selectors.history(item)
    ]


# The way through, as the requester reads it: 审核中 → 待接单 → 服务中 → 待确认 → 已完成.
PATH = [Status.SUBMITTED, Status.OPEN, Status.ASSIGNED, Status.DONE, Status.COMPLETED]


def _progress(item: ServiceRequest) -> list[dict[str, Any]]:
    """The stages with the current one marked; a request dispatched straight from the
    check skips 待接单, a rejected or cancelled one ends where it stopped."""
    events = {e.to_status for e in item.events.all()}
    path = [s for s in PATH if s != Status.OPEN or Status.OPEN in events or item.status == s]
    if item.status in (Status.REJECTED, Status.CANCELLED):
        reached = [s for s in path if s in events]
        path = [*(reached or [Status.SUBMITTED]), Status(item.status)]
    current = path.index(Status(item.status)) if item.status in path else 0
    return [
        {
            "status": status,
            "label": Status(status).label,
            "state": "done" if i < current else ("now" if i == current else "later"),
        }
        for i, status in enumerate(path)
    ]


def console_url(item: ServiceRequest) -> str | None:
    """The staff's page of the request, once the console has one."""
    try:
        return reverse("requests:console_detail", args=[item.pk])
    except NoReverseMatch:
        return None


def group_members(item: ServiceRequest) -> list[tuple[int, str]]:
    """Whom the leader of the team (or a contact of the organisation) may name."""
    today = timezone.localdate()
    people: dict[int, str] = {}
    if item.team is not None:
        people[item.team.leader_id] = item.team.leader.name
        for member in item.team.memberships.select_related("person").filter(joined_on__lte=today):
            if member.left_on is None or member.left_on > today:
                people[member.person_id] = member.person.name
    elif item.organization is not None:
        for unit_member in item.organization.organizationmember_set.select_related("person"):
            people[unit_member.person_id] = unit_member.person.name
    people.pop(item.requester_id, None)
    return sorted(people.items(), key=lambda pair: pair[1])


def _is_group_head(viewer: Person, item: ServiceRequest) -> bool:
    if item.team is not None:
        return item.team.leader_id == viewer.pk
    if item.organization is not None:
        return item.organization.organizationmember_set.filter(
            person=viewer, is_contact=True
        ).exists()
    return False


@dataclass(frozen=True)
class Contact:
    """A person to phone about the request: the requester, or the proxy who entered it."""

    name: str
    phone: str
    proxy: bool


def contacts(viewer: Person, item: ServiceRequest) -> list[Contact]:
    """Whom the helper (or staff) may phone, as ``selectors.contact_for`` allows."""
    found = selectors.contact_for(viewer, item)
    by_proxy = item.entered_as == EnteredAs.PROXY and item.entered_by_id != item.requester_id
    proxy_phone = item.entered_by.phone if by_proxy and found else None
    return [Contact(name, phone, proxy=phone == proxy_phone) for name, phone in found]


def _overdue(item: ServiceRequest, today: date) -> bool:
    return item.status == Status.ASSIGNED and item.due_on is not None and item.due_on < today


def detail_page(
    request: HttpRequest, item: ServiceRequest, status: int = 200, **forms: Any
) -> HttpResponse:
    viewer = person_of(request)
    full = selectors.can_see_address(viewer, item)
    staff = authz.can(viewer, authz.VIEW_REQUESTS, item.community)
    requester_side = viewer.pk == item.requester_id or rules.is_proxy(viewer, item.requester_id)
    is_helper = item.assignee_id == viewer.pk
    head = _is_group_head(viewer, item) and item.status == Status.ASSIGNED
    today = timezone.localdate()
    context: dict[str, Any] = {
        "item": item,
        "full": full,
        "staff": staff,
        "console_url": console_url(item) if staff else None,
        "requester_side": requester_side,
        "is_helper": is_helper,
        "requester_name": item.requester.name if full else mask_name(item.requester.name),
        "history": _history(item) if full else [],
        "progress": _progress(item),
        "photos": list(item.photos.all()) if full else [],
        "contacts": contacts(viewer, item),
        "overdue": _overdue(item, today),
        # What the viewer may do now (the services check again).
        "may_cancel": requester_side and item.status in (Status.SUBMITTED, Status.OPEN),
        "may_confirm": requester_side and item.status == Status.DONE,
        "may_accept": item.status == Status.OPEN and rules.may_accept(viewer, item),
        "may_finish": is_helper and item.status == Status.ASSIGNED,
        "may_hand_back": (is_helper or head) and item.status == Status.ASSIGNED,
        "may_assign": head,
        "group_name": (item.team or item.organization).name  # type: ignore[union-attr]
        if item.team or item.organization
        else "",
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(),
        "dispute_form": forms.get("dispute_form") or DisputeForm(),
        "done_form": forms.get("done_form") or DoneForm(),
        "hand_back_form": forms.get("hand_back_form") or HandBackForm(),
        "assign_form": forms.get("assign_form")
        or (AssignForm(members=group_members(item)) if head else None),
        "open_form": next(iter(forms), ""),
    }
    # A step refused on a form the page no longer shows (the request moved on meanwhile):
    # its errors go at the top instead.
    shown_by = {
        "cancel_form": "may_cancel",
        "confirm_form": "may_confirm",
        "dispute_form": "may_confirm",
        "done_form": "may_finish",
        "hand_back_form": "may_hand_back",
        "assign_form": "may_assign",
    }
    context["refused"] = [
        str(error)
        for name, form in forms.items()
        if not context[shown_by[name]]
        for errors in form.errors.values()
        for error in errors
    ]
    return render(request, "requests/detail.html", context, status=status)


def real_id(pk: int) -> bool:
    """An id the database can hold (a longer one in the address is simply not found)."""
    return 0 < pk <= MAX_ID


def visible(request: HttpRequest, pk: int) -> ServiceRequest:
    item = selectors.get_visible(person_of(request), pk) if real_id(pk) else None
    if item is None:
        raise NotFound(_("There is no such request, or you may not see it."))
    return item


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
    **form_kwargs: Any,
) -> HttpResponse:
    """A step posted from the request's page: parse the form, call the service, say what
    happened; a refusal shows the page again with the reason on the form."""
    item = visible(request, pk)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            call(actor=person_of(request), request=item, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("requests:detail", pk=item.pk)
    return detail_page(request, item, status=400, **{name: form})


@resident_view
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request, pk, CancelForm, "cancel_form", services.cancel, _("The request is cancelled.")
    )


@resident_view
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request,
        pk,
        ConfirmForm,
        "confirm_form",
        services.confirm,
        _("Thank you. The volunteer's points now go to the review group."),
    )


@resident_view
@require_POST
def dispute(request: HttpRequest, pk: int) -> HttpResponse:
    return step(
        request,
        pk,
        DisputeForm,
        "dispute_form",
        services.dispute,
        _("Sent back to the volunteer with your words."),
    )


@resident_view
def photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    """A photo of the need: for those who may read the address, never a public file."""
    viewer = person_of(request)
    item = (
        Photo.objects.select_related("request__community").filter(pk=photo_id).first()
        if real_id(photo_id)
        else None
    )
    if (
        item is None
        or selectors.get_visible(viewer, item.request_id) is None
        or not selectors.can_see_address(viewer, item.request)
    ):
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
