"""Staff pages (留言办理台, desktop): the queue with its filters — status, topic, overdue
with the working days over — and one message with its answers, history and the steps:
answer, close, turn into a grid incident or a service request (each asked to confirm),
take it to deliberation when that domain is there. Inspectors (巡察) see the same pages
without a single form: the services would refuse them anyway (403).
"""

from typing import Any

from django.contrib import messages as flash
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.incidents import selectors as incident_selectors
from jifen.lib.errors import DomainError, InvalidInput, NotFound
from jifen.lib.masking import mask_phone
from jifen.lib.pagination import paginate
from jifen.messages import selectors, services
from jifen.messages.forms import CloseForm, FilterForm, IncidentForm, ReplyForm, RequestForm
from jifen.messages.models import OPEN, WAITING, Message, Topic, may_take
from jifen.messages.views.common import refuse, timeline
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Level, Region
from jifen.requests import selectors as request_selectors
from jifen.web.views.console import console_view
from jifen.web.views.errors import person_of

PER_PAGE = 25


def _topics(actor: Person) -> list[tuple[str, str]]:
    """Every topic code in the actor's reach, once (a community's own name wins)."""
    rows = Topic.objects.filter(
        Q(region__code__in=_above(actor)) | authz.regions_q(actor, authz.VIEW_MESSAGES, "region")
    ).order_by("position", "code")
    seen: dict[str, str] = {}
    for topic in rows:
        seen.setdefault(topic.code, topic.name)
    return list(seen.items())


def _above(actor: Person) -> set[str]:
    codes: set[str] = set()
    for path in authz.region_paths(actor, authz.VIEW_MESSAGES):
        codes.update(c for c in path.split("/") if c)
    return codes


# A town's staff choose among its communities; a county's among its towns and villages.
MAX_PLACES = 500
PLACE_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)


def _places(actor: Person) -> dict[str, Region]:
    """The regions within the actor's reach a message may be addressed to, by code."""
    rows = (
        Region.objects.filter(authz.regions_q(actor, authz.VIEW_MESSAGES), level__in=PLACE_LEVELS)
        .order_by("path")
        .only("code", "name", "path", "level")[:MAX_PLACES]
    )
    return {region.code: region for region in rows}


@console_view
def console_list(request: HttpRequest) -> HttpResponse:
    actor = person_of(request)
    authz.require(actor, authz.VIEW_MESSAGES)
    places = _places(actor)
    form = FilterForm(
        request.GET or None,
        topics=_topics(actor),
        regions=[(code, region.name) for code, region in places.items()],
    )
    form.is_valid()
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    filters = selectors.Filters(
        status=data.get("status") or "",
        topic=data.get("topic") or "",
        region=places.get(data.get("region") or ""),
        overdue=bool(data.get("overdue")),
    )
    now = timezone.now()
    found = selectors.for_staff(actor, filters)
    if form.errors:
        found = found.none()
    elif filters.status == "waiting" and not filters.overdue:
        found = found.order_by("created_at", "id")  # who waited longest first
    counts = (
        selectors.for_staff(actor)
        .order_by()
        .aggregate(
            waiting=Count("id", filter=Q(status__in=WAITING)),
            overdue=Count("id", filter=selectors.overdue_q(now)),
            unclosed=Count("id", filter=Q(status__in=OPEN)),
        )
    )
    page = paginate(request, found, per_page=PER_PAGE)
    selectors.mark_lateness(list(page.object_list), now)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "messages/console/list.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "filters": filters,
            "query": query.urlencode(),
            "answers": authz.can(actor, authz.ANSWER_MESSAGES),
        },
    )


def _get(actor: Person, pk: int) -> Message:
    authz.require(actor, authz.VIEW_MESSAGES)
    found = selectors.for_staff(actor).filter(pk=pk).first() if 1 <= pk <= 2**63 - 1 else None
    if found is None:
        raise NotFound(_("There is no such message."))
    return found


def _deliberation_url(message: Message) -> str:
    """转为议事: the deliberation domain's own page, when it is there."""
    try:
        return f"{reverse('deliberation:console_new')}?message={message.pk}"
    except NoReverseMatch:
        return ""


def _place(message: Message) -> Region | None:
    try:
        return services.place_of(message)
    except InvalidInput:
        return None


def _render(
    request: HttpRequest, message: Message, status: int = 200, **bound: Any
) -> HttpResponse:
    actor = person_of(request)
    answers = selectors.may_answer(actor, message)
    place = _place(message)
    may = {
        "reply": answers and may_take("reply", message.status),
        "close": answers and may_take("close", message.status),
        "incident": answers
        and place is not None
        and message.incident_id is None
        and may_take("to_incident", message.status),
        "request": answers
        and message.author.community_id is not None
        and message.service_request_id is None
        and may_take("to_request", message.status),
    }
    categories = (
        [(c.code, c.name) for c in incident_selectors.categories(place)]
        if may["incident"] and place is not None
        else []
    )
    menu = (
        [(m.code, m.name) for m in request_selectors.menu(message.author.community)]
        if may["request"] and message.author.community is not None
        else []
    )
    forms: dict[str, Any] = {
        "reply_form": ReplyForm(prefix="reply"),
        "close_form": CloseForm(prefix="close"),
        "incident_form": IncidentForm(prefix="incident", categories=categories),
        "request_form": RequestForm(
            prefix="request",
            categories=menu,
            initial={"title": f"{message.topic.name}: {message.body[:40]}"},
        ),
    }
    forms.update(bound)
    phone = message.author.phone or ""
    if not authz.can(actor, authz.VIEW_PERSON, message.author.community):
        phone = mask_phone(phone)
    selectors.mark_lateness([message])
    context: dict[str, Any] = {
        "item": message,
        "may": may,
        "any_step": any(may.values()),
        "phone": phone,
        "replies": list(selectors.replies(message)),
        "photos": list(message.photos.all()),
        "timeline": timeline(message, True),
        "unknown_year": selectors.unknown_holidays(message.due_at),
        "deliberation_url": _deliberation_url(message) if answers else "",
        # No form, and why: an inspector reads only; staff below the region a message
        # went up to no longer answer it.
        "read_only": not authz.can(actor, authz.ANSWER_MESSAGES),
        "answered_elsewhere": not answers
        and authz.can(actor, authz.ANSWER_MESSAGES)
        and message.status in WAITING,
        "place": place,
        **forms,
    }
    shows = {"reply_form": "reply", "close_form": "close", "incident_form": "incident"}
    shows["request_form"] = "request"
    context["refused"] = [
        str(error)
        for name, form in bound.items()
        if not may.get(shows.get(name, ""), False)
        for errors in form.errors.values()
        for error in errors
    ]
    return render(request, "messages/console/detail.html", context, status=status)


@console_view
def console_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _get(person_of(request), pk))


def _done(request: HttpRequest, message: Message, text: str) -> HttpResponse:
    flash.success(request, text)
    return redirect("messages:console_detail", message.pk)


@console_view
@require_POST
def console_reply(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    message = _get(actor, pk)
    form = ReplyForm(request.POST, prefix="reply")
    if not form.is_valid():
        return _render(request, message, 400, reply_form=form)
    try:
        services.reply(actor=actor, message=message, body=form.cleaned_data["body"])
    except DomainError as exc:
        return _render(request, message, refuse(form, exc), reply_form=form)
    return _done(request, message, _("Answered. The author is told."))


@console_view
@require_POST
def console_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    message = _get(actor, pk)
    form = CloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return _render(request, message, 400, close_form=form)
    try:
        services.close(actor=actor, message=message, note=form.cleaned_data["note"])
    except DomainError as exc:
        return _render(request, message, refuse(form, exc), close_form=form)
    return _done(request, message, _("Closed. The author is told why."))


@console_view
@require_POST
def console_incident(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    message = _get(actor, pk)
    place = _place(message)
    categories = [(c.code, c.name) for c in incident_selectors.categories(place)] if place else []
    form = IncidentForm(request.POST, prefix="incident", categories=categories)
    if not form.is_valid():
        return _render(request, message, 400, incident_form=form)
    try:
        services.to_incident(
            actor=actor,
            message=message,
            category=form.cleaned_data["category"],
            address=form.cleaned_data["address"],
        )
    except DomainError as exc:
        return _render(request, message, refuse(form, exc), incident_form=form)
    return _done(request, message, _("A grid incident was made of this message."))


@console_view
@require_POST
def console_request(request: HttpRequest, pk: int) -> HttpResponse:
    actor = person_of(request)
    message = _get(actor, pk)
    community = message.author.community
    menu = [(m.code, m.name) for m in request_selectors.menu(community)] if community else []
    form = RequestForm(request.POST, prefix="request", categories=menu)
    if not form.is_valid():
        return _render(request, message, 400, request_form=form)
    try:
        services.to_request(
            actor=actor,
            message=message,
            category=form.cleaned_data["category"],
            title=form.cleaned_data["title"],
        )
    except DomainError as exc:
        return _render(request, message, refuse(form, exc), request_form=form)
    return _done(request, message, _("A service request was made of this message."))
