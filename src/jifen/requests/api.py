"""居民点单 · 社区派单 · 志愿者接单 and the 心愿墙 over HTTP.

Thin on purpose: the services check who may take which step and what is valid, so this
module only finds what the caller may see (anything else is 404), parses the input and
shapes the answer. Asking (``POST /requests``) and confirming (which makes the helper's
claim) take an ``Idempotency-Key``: a replay answers the first answer and makes nothing
more.

What a caller reads of a request follows ``selectors``: the names, notes and history
when the caller is part of it (``party_reader``: staff, the review group, the requester's
side, the helper); the address only when ``can_see_address``, the phones only when
``contact_for`` gives them; a volunteer who may take an open request, but is not part of
it, reads the requester's name masked and the history without names or notes.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.api.fields import MAX_ID, DateTime, Id, Line, LongText, Reason, ShapedPage, one_of
from jifen.api.idempotency import idempotent
from jifen.api.security import caller
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.models import Organization, Person, Team
from jifen.regions.models import Region
from jifen.regions.selectors import get_region
from jifen.requests import selectors, services
from jifen.requests.models import Event, Kind, ServiceRequest
from jifen.requests.models import Status as RequestStatus

router = Router(tags=["requests"])


class RequestBody(Schema):
    """A JSON object: ninja's schemas read any value by attribute, so an array, a string or
    a number would otherwise pass as an object with every field left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# A JSON integer: true, 2.5 and "5" are refused rather than read as numbers; its range is
# the services' to check, with their own message.
Whole = Annotated[int, Field(strict=True)]
RegionCode = Annotated[str, Field(max_length=32)]


# --- Output -------------------------------------------------------------------------------
#
# Plain schemas filled from dicts: an idempotent POST records its answer as JSON and a
# replay validates that JSON against the same schema.


class RequestOut(Schema):
    id: int
    kind: str = Field(description="request (点单) or wish (微心愿)")
    status: str = Field(
        description="submitted, open, rejected, assigned, done, completed or cancelled"
    )
    status_label: str
    community: str = Field(description="code of the requester's community")
    community_name: str
    category: str = Field(description="the menu item's code (GET /requests/categories)")
    category_name: str
    title: str
    description: str
    points: int | None = Field(
        description="what the completion earns the helper; fixed when published or dispatched"
    )
    requester: int | None = Field(description="null for a volunteer who only may take it")
    requester_name: str = Field(description="masked unless the caller is part of the request")
    entered_as: str = Field(description="self, proxy or staff: who put it in")
    address: str | None = Field(
        description="staff who manage requests, the requester's side and, while it is in "
        "hand, the helper; null for anyone else (the review group too)"
    )
    wanted_from: datetime | None
    wanted_until: datetime | None
    assignee: int | None
    assignee_name: str | None
    team: int | None = Field(description="dispatched to a team: its leader names who goes")
    team_name: str | None
    organization: int | None = Field(
        description="dispatched to an organisation: its contact names who goes"
    )
    organization_name: str | None
    assigned_at: datetime | None
    due_on: date | None
    overdue: bool = Field(description="assigned and past its due day")
    done_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    comment: str
    auto_confirmed: bool = Field(description="confirmed by jifen tick after confirm_days")
    reason: str = Field(description="why it was rejected or cancelled (its people and staff)")
    claim: int | None = Field(description="the helper's claim, made on confirmation")
    created_at: datetime


class RequestEventOut(Schema):
    step: str = Field(description="submit, publish, reject, dispatch, accept, …")
    label: str
    from_status: str
    to_status: str
    at: datetime
    actor: str | None = Field(description="null: the system, or not the caller's to read")
    on_behalf_of: str | None
    assignee: str | None
    note: str
    automatic: bool


class ContactOut(Schema):
    name: str
    phone: str


class RequestDetailOut(RequestOut):
    contacts: list[ContactOut] = Field(
        [],
        description="how to reach the resident (and the family proxy who asked for them): "
        "for staff who manage requests, and for the helper while it is in hand; empty "
        "for anyone else",
    )
    history: list[RequestEventOut]


class CategoryOut(Schema):
    code: str
    name: str
    points: int = Field(description="the suggested points")
    max_points: int = Field(description="the most staff may fix")
    group: str
    kind: str = Field(description="request or wish: what the line serves")
    description: str
    eligibility: str = Field(description="anyone, party, team or organization")
    eligibility_label: str
    deadline_days: int = Field(description="working days from assignment to done")


class WishOut(Schema):
    id: int
    title: str
    requester: str = Field(description="masked (王*梅), or 志愿者 and the number")
    status: str
    status_label: str
    category: str
    created_at: datetime
    closed_at: datetime | None


class _Reader:
    """What one caller reads of requests: their grants and the residents they act for are
    read once per answer, not once per request."""

    def __init__(self, viewer: Person) -> None:
        self.viewer = viewer
        self.involved = selectors.party_reader(viewer)
        self.reads_address = selectors.address_reader(viewer)


def _name(person: Person | None) -> str | None:
    return person.name if person is not None else None


def _request_out(reader: _Reader, request: ServiceRequest) -> dict[str, Any]:
    involved = reader.involved(request)
    today = timezone.localdate()
    return {
        "id": request.pk,
        "kind": request.kind,
        "status": request.status,
        "status_label": str(request.get_status_display()),
        "community": request.community.code,
        "community_name": request.community.name,
        "category": request.menu_item.code,
        "category_name": request.menu_item.name,
        "title": request.title,
        "description": request.description,
        "points": request.points,
        "requester": request.requester_id if involved else None,
        "requester_name": (
            request.requester.name if involved else mask_name(request.requester.name)
        ),
        "entered_as": request.entered_as,
        "address": request.address if reader.reads_address(request) else None,
        "wanted_from": request.wanted_from,
        "wanted_until": request.wanted_until,
        "assignee": request.assignee_id if involved else None,
        "assignee_name": _name(request.assignee) if involved else None,
        "team": request.team_id,
        "team_name": request.team.name if request.team else None,
        "organization": request.organization_id,
        "organization_name": request.organization.name if request.organization else None,
        "assigned_at": request.assigned_at,
        "due_on": request.due_on,
        "overdue": bool(
            request.status == RequestStatus.ASSIGNED and request.due_on and request.due_on < today
        ),
        "done_at": request.done_at,
        "closed_at": request.closed_at,
        "rating": request.rating,
        "comment": request.comment if involved else "",
        "auto_confirmed": request.auto_confirmed,
        "reason": request.reason if involved else "",
        "claim": request.claim_id if involved else None,
        "created_at": request.created_at,
    }


def _event_out(event: Event, involved: bool) -> dict[str, Any]:
    return {
        "step": event.step,
        "label": str(event.label),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "at": event.at,
        "actor": _name(event.actor) if involved else None,
        "on_behalf_of": _name(event.on_behalf_of) if involved else None,
        "assignee": _name(event.assignee) if involved else None,
        "note": event.note if involved else "",
        "automatic": event.actor_id is None,
    }


def _visible(viewer: Person, request_id: int) -> ServiceRequest:
    """The request when the caller may see it; 404 otherwise (never 403, which would tell
    them it exists)."""
    request = selectors.get_visible(viewer, request_id)
    if request is None:
        raise NotFound(_("There is no such request."))
    return request


def _detail(viewer: Person, request_id: int) -> dict[str, Any]:
    """The request as the viewer may see it, read afresh (after a step, with its effect)."""
    request = _visible(viewer, request_id)
    reader = _Reader(viewer)
    involved = reader.involved(request)
    return {
        **_request_out(reader, request),
        "contacts": [
            {"name": name, "phone": phone} for name, phone in selectors.contact_for(viewer, request)
        ],
        "history": [_event_out(e, involved) for e in selectors.history(request)],
    }


def _after(viewer: Person, request_id: int) -> dict[str, Any]:
    """The answer of a step: the request as the caller now sees it. A step can take it out
    of their sight (a volunteer handing it back to a list they do not see, staff who
    cancelled …); they still hear what it became."""
    if selectors.get_visible(viewer, request_id) is not None:
        return _detail(viewer, request_id)
    request = ServiceRequest.objects.select_related(
        "community", "menu_item", "requester", "assignee", "team", "organization"
    ).get(pk=request_id)
    reader = _Reader(viewer)
    return {**_request_out(reader, request), "contacts": [], "history": []}


def _community(viewer: Person | None, code: str) -> Region:
    if code:
        return get_region(code)
    if viewer is not None and viewer.community is not None:
        return viewer.community
    raise InvalidInput(
        _("Please name the community: ?community=CODE."),
        code="community_required",
        field="community",
    )


# --- Reading ------------------------------------------------------------------------------


class CategoryFilters(Schema):
    community: RegionCode = Field("", description="a community's code; default: yours")
    kind: str = Field(
        "", max_length=16, description="request or wish: the lines serving it; empty: all"
    )


@router.get("/requests/categories", response=list[CategoryOut])
def categories(request: HttpRequest, filters: Query[CategoryFilters]) -> list[dict[str, Any]]:
    """The service menu (菜单服务) of a community: the county's and town's lines and its
    own; ``category`` in ``POST /requests`` is one of these codes, of a line serving its
    ``kind``."""
    community = _community(caller(request), filters.community)
    kind = one_of(filters.kind, list(Kind.values), "kind")
    return [
        {
            "code": item.code,
            "name": item.name,
            "points": item.points,
            "max_points": item.max_points,
            "group": item.group,
            "kind": item.kind,
            "description": item.description,
            "eligibility": item.eligibility,
            "eligibility_label": str(item.get_eligibility_display()),
            "deadline_days": item.deadline_days,
        }
        for item in selectors.menu(community, kind=kind)
    ]


class RequestListFilters(Schema):
    status: str = Field("", max_length=16, description="one status; empty: every status")
    community: RegionCode = Field("", description="a region code: requests under it")
    mine: bool = Field(False, description="what the caller asked for or was given")
    open_to_me: bool = Field(
        False, description="可接的单: open requests the caller may take (also for staff)"
    )
    kind: str = Field("", max_length=16, description="request or wish")
    category: str = Field("", max_length=32, description="a menu item's code")
    overdue: bool = Field(False, description="assigned and past the due day")
    assignee: int | None = Field(None, ge=1, le=MAX_ID, description="staff: given to this person")


@router.get("/requests", response=list[RequestOut])
@paginate(Paging)
def list_requests(request: HttpRequest, filters: Query[RequestListFilters]) -> ShapedPage:
    """Staff and the review group: the requests of their regions, newest first. Anyone
    else: the open requests they may take (可接的单), oldest first; with ``mine=true``
    those they asked for or were given, newest first."""
    viewer = caller(request)
    assignee = None
    if filters.assignee is not None:
        assignee = Person.objects.filter(pk=filters.assignee).first() or Person(pk=0)
    chosen = selectors.Filters(
        status=one_of(filters.status, list(RequestStatus.values), "status"),
        kind=one_of(filters.kind, list(Kind.values), "kind"),
        category=filters.category,
        community=get_region(filters.community) if filters.community else None,
        assignee=assignee,
        overdue=filters.overdue,
    )
    if filters.mine:
        requests = selectors.mine(viewer, chosen)
    elif filters.open_to_me or not authz.can(viewer, authz.VIEW_REQUESTS):
        requests = selectors.open_for(viewer, chosen)
    else:
        requests = selectors.for_staff(viewer, chosen)
    reader = _Reader(viewer)
    return ShapedPage(requests, lambda r: _request_out(reader, r))


@router.get("/requests/{request_id}", response=RequestDetailOut)
def get_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    """One request and its history, for whoever may see it: staff and reviewers of its
    community, the requester and their proxy, the helper (and their group's head), and,
    while it is open, the volunteers who may take it (without the address)."""
    return _detail(caller(request), request_id)


class WallFilters(Schema):
    community: RegionCode = Field(description="the community's code")


@router.get("/public/wishes", auth=None, response=list[WishOut])
@paginate(Paging)
def wishes(request: HttpRequest, filters: Query[WallFilters]) -> list[dict[str, Any]]:
    """The wishes wall (心愿墙), no login: open wishes, those being fulfilled and those
    fulfilled this month (挂牌销号); the requester masked, no phone, no address."""
    if not filters.community:
        _community(None, "")
    community = get_region(filters.community)
    return [
        {
            "id": line.id,
            "title": line.title,
            "requester": line.requester,
            "status": line.status,
            "status_label": line.status_label,
            "category": line.category,
            "created_at": line.created_at,
            "closed_at": line.closed_at,
        }
        for line in selectors.wishes_wall(community)
    ]


# --- Asking -------------------------------------------------------------------------------


class RequestIn(RequestBody):
    kind: str = Field(Kind.REQUEST.value, max_length=16, description="request or wish")
    community: RegionCode = Field(description="the requester's community, by code")
    category: str = Field(max_length=32, description="a code from GET /requests/categories")
    title: Line
    description: LongText = ""
    points: Whole | None = Field(
        default=None, description="suggested points, within the menu item's most"
    )
    person: Id | None = Field(
        default=None,
        description="ask for a resident: one you are the registered proxy of, or (staff) a "
        "resident of your community",
    )
    address: Line = Field("", description="private: staff, the requester's side, the helper")
    wanted_from: DateTime | None = None
    wanted_until: DateTime | None = None


@router.post("/requests", response={201: RequestDetailOut})
@idempotent
def submit(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    """A resident asks for help or posts a small wish; their family proxy or staff at the
    desk may ask for them (``person``). It waits for staff to check it (``submitted``)."""
    actor = caller(request)
    person = None
    if payload.person is not None:
        person = Person.objects.select_related("community").filter(pk=payload.person).first()
        if person is None:
            raise NotFound(_("No such person, or you may not see them."), field="person")
    made = services.submit_request(
        actor=actor,
        community=get_region(payload.community),
        category=payload.category,
        title=payload.title,
        description=payload.description,
        kind=one_of(payload.kind, list(Kind.values), "kind") or Kind.REQUEST,
        person=person,
        points=payload.points,
        address=payload.address,
        wanted_from=payload.wanted_from,
        wanted_until=payload.wanted_until,
    )
    return Status(201, _detail(actor, made.pk))


# --- Staff: publish, reject, dispatch -----------------------------------------------------


class PublishIn(RequestBody):
    points: Whole | None = Field(
        default=None,
        description="what the completion earns, within the menu item's most; "
        "default: the menu's suggestion (or the requester's)",
    )


@router.post("/requests/{request_id}/publish", response=RequestDetailOut)
def publish(request: HttpRequest, request_id: Id, payload: PublishIn) -> dict[str, Any]:
    """Staff open it for every eligible volunteer to take (抢单); its points are fixed."""
    actor = caller(request)
    services.publish(actor=actor, request=_visible(actor, request_id), points=payload.points)
    return _after(actor, request_id)


class ReasonIn(RequestBody):
    reason: Reason


@router.post("/requests/{request_id}/reject", response=RequestDetailOut)
def reject(request: HttpRequest, request_id: Id, payload: ReasonIn) -> dict[str, Any]:
    """Staff decline it; the requester sees the reason."""
    actor = caller(request)
    services.reject(actor=actor, request=_visible(actor, request_id), reason=payload.reason)
    return _after(actor, request_id)


class DispatchIn(RequestBody):
    person: Id | None = Field(default=None, description="a volunteer of the community")
    team: Id | None = Field(default=None, description="a team serving it: its leader names who")
    organization: Id | None = Field(
        default=None, description="an organisation serving it: its contact names who"
    )
    points: Whole | None = Field(default=None, description="within the menu item's most")


def _one(model: type[Any], pk: int | None, field: str, missing: Any) -> Any:
    if pk is None:
        return None
    found = model.objects.select_related("region").filter(pk=pk).first()
    if found is None:
        raise NotFound(missing, field=field)
    return found


@router.post("/requests/{request_id}/dispatch", response=RequestDetailOut)
def dispatch(request: HttpRequest, request_id: Id, payload: DispatchIn) -> dict[str, Any]:
    """派单: staff give it to a volunteer, a team or an organisation (also to reassign an
    assigned one)."""
    actor = caller(request)
    target = _visible(actor, request_id)
    # Whom a stranger's id names is nobody's business but staff's of the request (the
    # service refuses anyone else the same way, 403, whatever the body says).
    authz.require(actor, authz.MANAGE_REQUESTS, target.community)
    person = None
    if payload.person is not None:
        person = Person.objects.select_related("community").filter(pk=payload.person).first()
        if person is None:
            raise NotFound(_("No such person, or you may not see them."), field="person")
    services.dispatch(
        actor=actor,
        request=target,
        person=person,
        team=_one(Team, payload.team, "team", _("There is no such team.")),
        organization=_one(
            Organization, payload.organization, "organization", _("There is no such organisation.")
        ),
        points=payload.points,
    )
    return _after(actor, request_id)


# --- Volunteers: accept, name a member, hand back, done -----------------------------------


@router.post("/requests/{request_id}/accept", response=RequestDetailOut)
def accept(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    """抢单: the first eligible volunteer to take it has it; of many at once exactly one
    wins, the rest hear 409 ``already_taken``."""
    actor = caller(request)
    target = selectors.get_takeable(actor, request_id)
    if target is None:
        raise NotFound(_("There is no such request."))
    services.accept(actor=actor, request=target)
    return _after(actor, request_id)


class RequestPersonIn(RequestBody):
    person: Id


@router.post("/requests/{request_id}/assign", response=RequestDetailOut)
def assign_member(request: HttpRequest, request_id: Id, payload: RequestPersonIn) -> dict[str, Any]:
    """The leader of the team (or a contact of the organisation) it was given to names the
    member who goes; staff may too."""
    actor = caller(request)
    target = _visible(actor, request_id)
    person = Person.objects.select_related("community").filter(pk=payload.person).first()
    if person is None:
        raise NotFound(_("No such person, or you may not see them."), field="person")
    services.assign_member(actor=actor, request=target, person=person)
    return _after(actor, request_id)


@router.post("/requests/{request_id}/hand-back", response=RequestDetailOut)
def hand_back(request: HttpRequest, request_id: Id, payload: ReasonIn) -> dict[str, Any]:
    """The helper cannot do it after all: it is open again, with the reason."""
    actor = caller(request)
    services.hand_back(actor=actor, request=_visible(actor, request_id), reason=payload.reason)
    return _after(actor, request_id)


class NoteIn(RequestBody):
    note: LongText = ""


@router.post("/requests/{request_id}/done", response=RequestDetailOut)
def done(request: HttpRequest, request_id: Id, payload: NoteIn) -> dict[str, Any]:
    """The helper reports it done; the requester is asked to confirm."""
    actor = caller(request)
    services.mark_done(actor=actor, request=_visible(actor, request_id), note=payload.note)
    return _after(actor, request_id)


# --- The requester: confirm, dispute, cancel ------------------------------------------------


class ConfirmIn(RequestBody):
    rating: Whole = Field(description="1 to 5 stars")
    comment: LongText = ""


@router.post("/requests/{request_id}/confirm", response=RequestDetailOut)
@idempotent
def confirm(request: HttpRequest, request_id: Id, payload: ConfirmIn) -> dict[str, Any]:
    """The requester (or their proxy) confirms and rates it: the helper's claim (source
    ``request``) enters review once; its approval posts the points."""
    actor = caller(request)
    services.confirm(
        actor=actor,
        request=_visible(actor, request_id),
        rating=payload.rating,
        comment=payload.comment,
    )
    return _after(actor, request_id)


class DisputeIn(RequestBody):
    note: LongText


@router.post("/requests/{request_id}/dispute", response=RequestDetailOut)
def dispute(request: HttpRequest, request_id: Id, payload: DisputeIn) -> dict[str, Any]:
    """ "Not done": back to the helper with the requester's words."""
    actor = caller(request)
    services.dispute(actor=actor, request=_visible(actor, request_id), note=payload.note)
    return _after(actor, request_id)


@router.post("/requests/{request_id}/cancel", response=RequestDetailOut)
def cancel(request: HttpRequest, request_id: Id, payload: ReasonIn) -> dict[str, Any]:
    """The requester withdraws it before anyone has it; staff may until it is done."""
    actor = caller(request)
    services.cancel(actor=actor, request=_visible(actor, request_id), reason=payload.reason)
    return _after(actor, request_id)
