"""网格事件 over HTTP: report, accept, assign, resolve, verify, escalate, close, reopen, rate.

Thin on purpose: the services check who may take which step and what is valid, so this
module only finds what the caller may see (anything else is 404), parses the input and
shapes the answer. A report (``POST /incidents``) takes an ``Idempotency-Key``, and a
phone that composed it offline sends its own ``client_key``: resent when the network
returns, the same report answers 200 with the incident it made, never a second one.

A report and a resolution carry photos: both take JSON, or the same fields as
``multipart/form-data`` with the pictures in ``photos`` (JPEG or PNG, up to four).
"""

from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.api.bodies import body_doc, form_or_json
from jifen.api.fields import Date, Id, Line, LongText, ShapedPage, one_of
from jifen.api.idempotency import idempotent
from jifen.api.security import caller
from jifen.incidents import selectors, services
from jifen.incidents.models import RUNNING, CloseReason, Event, Incident, Photo, Tier
from jifen.incidents.models import Status as St
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.models import Organization, Person
from jifen.regions.models import Region
from jifen.regions.selectors import get_region

router = Router(tags=["incidents"])


class IncidentBody(Schema):
    """A JSON object: ninja's schemas read any value by attribute, so an array, a string or
    a number would otherwise pass as an object with every field left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# A JSON integer: true, 2.5 and "5" are refused; the range is the service's to check.
Whole = Annotated[int, Field(strict=True)]
# A map coordinate: a number (or, from a form, a numeric string); NaN and infinity refused.
Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-180, le=180)]
RegionCode = Annotated[str, Field(max_length=32)]
CategoryCode = Annotated[str, Field(max_length=32)]


# --- Output -------------------------------------------------------------------------------
#
# Plain schemas filled from dicts: an idempotent POST records its answer as JSON and a
# replay validates that JSON against the same schema.


class IncidentPhotoOut(Schema):
    id: int
    url: str = Field(description="the stored picture, for whoever may see the incident")
    width: int
    height: int
    content_type: str


class IncidentOut(Schema):
    id: int
    status: str = Field(description="reported, accepted, assigned, resolved, closed or reopened")
    status_label: str
    tier: str = Field(description="who handles it now: grid, community or town")
    tier_label: str
    handling_region: str = Field(description="code of the region of the tier handling it")
    handling_region_name: str
    category: str = Field(description="the category's code (GET /incidents/categories)")
    category_name: str
    region: str = Field(description="code of the place: a grid, building or community")
    region_name: str
    community: str
    community_name: str
    description: str
    address: str
    lat: float | None
    lng: float | None
    source: str = Field(description="grid, resident, staff or open311: who reported it")
    reporter: int | None = Field(description="the reporter's id: theirs and the handlers'")
    reporter_name: str | None = Field(description="masked for anyone but the handlers")
    assignee: int | None
    assignee_name: str | None
    organization: int | None = Field(description="assigned to an organisation: its contacts act")
    organization_name: str | None
    accepted_at: datetime | None
    due_at: datetime | None = Field(
        description="the deadline, in working days (or hours for urgent categories)"
    )
    overdue: bool = Field(description="still being handled and past its due_at")
    resolved_at: datetime | None
    closed_at: datetime | None
    close_reason: str = Field(
        description="fixed, duplicate, not_responsible or no_action; empty while open"
    )
    closed_on_time: bool | None
    duplicate_of: int | None
    rating: int | None
    escalations: int
    created_at: datetime
    updated_at: datetime
    photos: list[IncidentPhotoOut]


class IncidentEventOut(Schema):
    step: str = Field(description="report, accept, assign, resolve, verify_ok, verify_not, …")
    label: str
    from_status: str
    to_status: str
    tier: str
    actor: str | None = Field(description="null: the system (jifen tick)")
    note: str
    due_at: datetime | None
    at: datetime
    photos: list[IncidentPhotoOut]


class IncidentDetailOut(IncidentOut):
    history: list[IncidentEventOut]


class IncidentCategoryOut(Schema):
    code: str
    name: str
    description: str
    tier: str = Field(description="handled by default by: grid, community or town")
    deadline_days: int = Field(description="working days from acceptance")
    deadline_hours: int = Field(description="urgent: hours instead of working days (0: none)")
    photo_required: bool = Field(
        description="a report needs a photo (except staff entering a phone call, and Open311)"
    )


class IncidentDuplicateOut(Schema):
    id: int
    status: str
    status_label: str
    category: str
    category_name: str
    region: str
    region_name: str
    description: str
    address: str
    lat: float | None
    lng: float | None
    created_at: datetime


def _photo_out(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "url": reverse(
            "api:incident_photo_file",
            kwargs={"incident_id": photo.incident_id, "photo_id": photo.pk},
        ),
        "width": photo.width,
        "height": photo.height,
        "content_type": photo.content_type,
    }


def _coordinate(value: Any) -> float | None:
    return None if value is None else float(value)


class _Reader:
    """What one caller reads: their grants are read once per answer, not per incident."""

    def __init__(self, viewer: Person) -> None:
        self.viewer = viewer
        self.paths = authz.region_paths(viewer, authz.VIEW_INCIDENTS)

    def handles(self, incident: Incident) -> bool:
        """Grid workers, staff and inspectors of its place, and the reporter, read names."""
        return self.viewer.pk == incident.reporter_id or any(
            incident.region.path.startswith(path) for path in self.paths
        )


def _incident_out(reader: _Reader, incident: Incident) -> dict[str, Any]:
    full = reader.handles(incident)
    reporter = incident.reporter
    now = timezone.now()
    return {
        "id": incident.pk,
        "status": incident.status,
        "status_label": str(incident.get_status_display()),
        "tier": incident.tier,
        "tier_label": str(incident.get_tier_display()),
        "handling_region": incident.handling_region.code,
        "handling_region_name": incident.handling_region.name,
        "category": incident.category.code,
        "category_name": incident.category.name,
        "region": incident.region.code,
        "region_name": incident.region.name,
        "community": incident.community.code,
        "community_name": incident.community.name,
        "description": incident.description,
        "address": incident.address,
        "lat": _coordinate(incident.lat),
        "lng": _coordinate(incident.lng),
        "source": incident.source,
        "reporter": incident.reporter_id if full else None,
        "reporter_name": (
            None if reporter is None else reporter.name if full else mask_name(reporter.name)
        ),
        "assignee": incident.assignee_id,
        "assignee_name": incident.assignee.name if incident.assignee else None,
        "organization": incident.organization_id,
        "organization_name": incident.organization.name if incident.organization else None,
        "accepted_at": incident.accepted_at,
        "due_at": incident.due_at,
        "overdue": bool(
            incident.status in RUNNING and incident.due_at is not None and incident.due_at < now
        ),
        "resolved_at": incident.resolved_at,
        "closed_at": incident.closed_at,
        "close_reason": incident.close_reason,
        "closed_on_time": incident.closed_on_time,
        "duplicate_of": incident.duplicate_of_id,
        "rating": incident.rating,
        "escalations": incident.escalations,
        "created_at": incident.created_at,
        "updated_at": incident.updated_at,
        "photos": [_photo_out(p) for p in incident.photos.all()],
    }


def _event_out(event: Event) -> dict[str, Any]:
    return {
        "step": event.step,
        "label": str(event.label),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "tier": event.tier,
        "actor": event.actor.name if event.actor is not None else None,
        "note": event.note,
        "due_at": event.due_at,
        "at": event.at,
        "photos": [_photo_out(p) for p in event.photos.all()],
    }


RELATED = (
    "category",
    "region",
    "community",
    "handling_region",
    "assignee",
    "organization",
    "reporter",
)


def _visible(viewer: Person, incident_id: int) -> Incident:
    """The incident when the caller may see it; 404 otherwise (never 403, which would
    tell them it exists)."""
    incident = selectors.get_visible(viewer, incident_id)
    if incident is None:
        raise NotFound(_("There is no such incident."))
    return incident


def _detail(viewer: Person, incident_id: int) -> dict[str, Any]:
    incident = (
        selectors.visible(viewer)
        .select_related(*RELATED)
        .prefetch_related("photos")
        .filter(pk=incident_id)
        .first()
    )
    if incident is None:
        raise NotFound(_("There is no such incident."))
    return {
        **_incident_out(_Reader(viewer), incident),
        "history": [_event_out(e) for e in selectors.history(incident)],
    }


def _after(viewer: Person, incident_id: int) -> dict[str, Any]:
    """The answer of a step: the incident as the caller now sees it. A step can take it
    out of their sight (escalated past their region); they still hear what it became."""
    if selectors.get_visible(viewer, incident_id) is not None:
        return _detail(viewer, incident_id)
    incident = Incident.objects.select_related(*RELATED).get(pk=incident_id)
    return {**_incident_out(_Reader(viewer), incident), "history": []}


def _place(viewer: Person | None, code: str) -> Region:
    """The region named, or the caller's own community."""
    if code:
        return get_region(code)
    if viewer is not None and viewer.community is not None:
        return viewer.community
    raise InvalidInput(
        _("Please name the place: ?region=CODE."), code="region_required", field="region"
    )


# --- Input that is JSON or a form with photos ---------------------------------------------


# --- Reading ------------------------------------------------------------------------------


class IncidentCategoryFilters(Schema):
    region: RegionCode = Field("", description="a community, grid or building; default: yours")


@router.get("/incidents/categories", response=list[IncidentCategoryOut])
def categories(
    request: HttpRequest, filters: Query[IncidentCategoryFilters]
) -> list[dict[str, Any]]:
    """The categories in force where the place lies: the county's, and the community's
    own that replace them there; ``category`` in ``POST /incidents`` is one of these."""
    community = services.community_of(_place(caller(request), filters.region))
    return [
        {
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "tier": c.tier,
            "deadline_days": c.deadline_days,
            "deadline_hours": c.deadline_hours,
            "photo_required": c.photo_required,
        }
        for c in selectors.categories(community)
    ]


class IncidentDuplicateFilters(Schema):
    region: RegionCode = Field(description="the place: a community, grid or building")
    category: CategoryCode
    lat: Annotated[float, Field(allow_inf_nan=False, ge=-90, le=90)] | None = None
    lng: Coordinate | None = None


@router.get("/incidents/duplicates", response=list[IncidentDuplicateOut])
def duplicates(
    request: HttpRequest, filters: Query[IncidentDuplicateFilters]
) -> list[dict[str, Any]]:
    """Before a report is sent: open incidents of the same category within 50 m of the
    map point (or, without one, at the same place) — perhaps it is reported already."""
    caller(request)
    region = get_region(filters.region)
    if (filters.lat is None) != (filters.lng is None):
        raise InvalidInput(_("A map point is two numbers."), field="lat")
    found = selectors.possible_duplicates(
        region,
        filters.category,
        None if filters.lat is None else repr(filters.lat),
        None if filters.lng is None else repr(filters.lng),
    )
    return [
        {
            "id": i.pk,
            "status": i.status,
            "status_label": str(i.get_status_display()),
            "category": i.category.code,
            "category_name": i.category.name,
            "region": i.region.code,
            "region_name": i.region.name,
            "description": i.description,
            "address": i.address,
            "lat": _coordinate(i.lat),
            "lng": _coordinate(i.lng),
            "created_at": i.created_at,
        }
        for i in found
    ]


class IncidentStatsFilters(Schema):
    region: RegionCode = Field(description="the region whose incidents are counted")
    start: Date | None = Field(
        None, alias="from", description="reported on or after (default: since the start)"
    )
    end: Date | None = Field(None, alias="to", description="reported on or before (default: today)")


@router.get("/incidents/stats", response=dict[str, Any])
def stats(request: HttpRequest, filters: Query[IncidentStatsFilters]) -> Any:
    """Staff and inspectors: counts by status and by category, the on-time rate (closed on
    time ÷ (closed + open overdue)) of a region's incidents reported in the period."""
    from jifen.incidents import stats as incident_stats  # noqa: PLC0415 - the dashboards' module

    if filters.start and filters.end and filters.start > filters.end:
        raise InvalidInput(_("The period ends before it starts."), field="from")
    end = filters.end or timezone.localdate()
    result = incident_stats.summary(
        viewer=caller(request),
        region=get_region(filters.region),
        start=filters.start or incident_stats.EARLIEST,
        end=end,
    )
    return asdict(result) if is_dataclass(result) and not isinstance(result, type) else result


class IncidentListFilters(Schema):
    region: RegionCode = Field("", description="a region's code: incidents at places under it")
    status: str = Field(
        "", max_length=16, description="one status, or open (any before closed); empty: all"
    )
    category: CategoryCode = ""
    tier: str = Field("", max_length=16, description="grid, community or town")
    overdue: bool = Field(False, description="being handled and past due_at")
    mine: bool = Field(False, description="only those the caller reported or handles")


@router.get("/incidents", response=list[IncidentOut])
@paginate(Paging)
def list_incidents(request: HttpRequest, filters: Query[IncidentListFilters]) -> ShapedPage:
    """Grid workers, staff and inspectors: the incidents of their regions, newest first.
    Anyone else (and with ``mine=true``): those they reported or handle."""
    viewer = caller(request)
    chosen = selectors.Filters(
        status=one_of(filters.status, [*St.values, "open"], "status"),
        category=filters.category,
        region=get_region(filters.region) if filters.region else None,
        overdue=filters.overdue,
        tier=one_of(filters.tier, list(Tier.values), "tier"),
    )
    if filters.mine:
        rows = selectors.filtered(selectors.mine(viewer), chosen)
    elif authz.can(viewer, authz.VIEW_INCIDENTS):
        rows = selectors.for_handlers(viewer, chosen)
    else:
        rows = selectors.filtered(selectors.visible(viewer), chosen)
    reader = _Reader(viewer)
    return ShapedPage(
        rows.select_related(*RELATED).prefetch_related("photos"),
        lambda i: _incident_out(reader, i),
    )


@router.get("/incidents/{incident_id}", response=IncidentDetailOut)
def get_incident(request: HttpRequest, incident_id: Id) -> dict[str, Any]:
    """One incident and its history (who, when, note, photos), for whoever may see it:
    the grid workers, staff and inspectors of its place, its reporter and its handler."""
    return _detail(caller(request), incident_id)


@router.get("/incidents/{incident_id}/photos/{photo_id}", url_name="incident_photo_file")
def photo_file(request: HttpRequest, incident_id: Id, photo_id: Id) -> FileResponse:
    """The stored photo (re-encoded, without metadata) for whoever may see the incident."""
    incident = _visible(caller(request), incident_id)
    photo = incident.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("This incident has no such photo."))
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- Reporting ----------------------------------------------------------------------------


class IncidentReportIn(IncidentBody):
    region: RegionCode = Field(description="where: a community, grid or building, by code")
    category: CategoryCode = Field(description="a code from GET /incidents/categories")
    description: LongText
    address: Line = ""
    lat: Annotated[float, Field(allow_inf_nan=False, ge=-90, le=90)] | None = None
    lng: Coordinate | None = None
    client_key: str = Field(
        "",
        max_length=64,
        description="the phone's own id for a report composed offline: resent, it is the "
        "same report (200 with it), never a second",
    )


@router.post(
    "/incidents",
    response={200: IncidentDetailOut, 201: IncidentDetailOut},
    openapi_extra=body_doc(IncidentReportIn),
)
@idempotent
def report(request: HttpRequest) -> Status[dict[str, Any]]:
    """上报: a grid worker in the street, a resident, or staff taking a phone call; JSON, or
    a form with ``photos``. 201 with the new incident (``reported``); 200 with the same
    incident when this ``client_key`` was sent before."""
    actor = caller(request)
    payload, photos = form_or_json(request, IncidentReportIn)
    key = payload.client_key.strip()
    if key and Incident.objects.filter(reporter=actor, client_key=key).exists():
        sent = Incident.objects.get(reporter=actor, client_key=key)
        return Status(200, _detail(actor, sent.pk))
    made = services.report(
        actor=actor,
        region=get_region(payload.region),
        category=payload.category,
        description=payload.description,
        address=payload.address,
        lat=None if payload.lat is None else repr(payload.lat),
        lng=None if payload.lng is None else repr(payload.lng),
        photos=photos,
        client_key=key,
    )
    return Status(201, _detail(actor, made.pk))


# --- Handling -----------------------------------------------------------------------------


@router.post("/incidents/{incident_id}/accept", response=IncidentDetailOut)
def accept(request: HttpRequest, incident_id: Id) -> dict[str, Any]:
    """立案: the grid or staff of the tier handling it take it on; ``due_at`` is set from
    the category's deadline."""
    actor = caller(request)
    services.accept(actor=actor, incident=_visible(actor, incident_id))
    return _after(actor, incident_id)


class IncidentAssignIn(IncidentBody):
    person: Id | None = Field(
        default=None, description="a person who handles it: a resident or worker of its community"
    )
    organization: Id | None = Field(
        default=None, description="an organisation (物业, a utility): its contacts act"
    )


@router.post("/incidents/{incident_id}/assign", response=IncidentDetailOut)
def assign(request: HttpRequest, incident_id: Id, payload: IncidentAssignIn) -> dict[str, Any]:
    """派遣: to one person or one organisation (also to reassign)."""
    actor = caller(request)
    target = _visible(actor, incident_id)
    # Whom a stranger's id names is the handlers' business only: the same 403 the
    # service gives, before any id is looked up.
    authz.require(actor, authz.HANDLE_INCIDENTS, target.handling_region)
    person = organization = None
    if payload.person is not None:
        person = Person.objects.filter(pk=payload.person).first()
        if person is None:
            raise NotFound(_("No such person, or you may not see them."), field="person")
    if payload.organization is not None:
        organization = (
            Organization.objects.select_related("region").filter(pk=payload.organization).first()
        )
        if organization is None:
            raise NotFound(_("There is no such organisation."), field="organization")
    services.assign(actor=actor, incident=target, person=person, organization=organization)
    return _after(actor, incident_id)


class IncidentNoteIn(IncidentBody):
    note: LongText = ""


class IncidentResolveIn(IncidentBody):
    note: LongText = Field("", description="what was done")


@router.post(
    "/incidents/{incident_id}/resolve",
    response=IncidentDetailOut,
    openapi_extra=body_doc(IncidentResolveIn),
)
def resolve(request: HttpRequest, incident_id: Id) -> dict[str, Any]:
    """处置: the person or organisation it was assigned to says what was done, with photos
    of the fix (JSON, or a form with ``photos``)."""
    actor = caller(request)
    target = _visible(actor, incident_id)
    payload, photos = form_or_json(request, IncidentResolveIn)
    services.resolve(actor=actor, incident=target, note=payload.note, photos=photos)
    return _after(actor, incident_id)


class IncidentVerifyIn(IncidentBody):
    ok: bool = Field(strict=True, description="true: fixed, closed; false: back to the handler")
    note: LongText = Field("", description="required when not fixed")


@router.post("/incidents/{incident_id}/verify", response=IncidentDetailOut)
def verify(request: HttpRequest, incident_id: Id, payload: IncidentVerifyIn) -> dict[str, Any]:
    """核查: the reporter, or the grid or staff of its place, checks the fix — never the
    one who resolved it (403 ``self_verify``)."""
    actor = caller(request)
    services.verify(
        actor=actor, incident=_visible(actor, incident_id), ok=payload.ok, note=payload.note
    )
    return _after(actor, incident_id)


@router.post("/incidents/{incident_id}/escalate", response=IncidentDetailOut)
def escalate(request: HttpRequest, incident_id: Id, payload: IncidentNoteIn) -> dict[str, Any]:
    """分级处置: the next tier up (grid → community → town) takes it, with a new ``due_at``;
    409 ``top_tier`` at the town."""
    actor = caller(request)
    services.escalate(actor=actor, incident=_visible(actor, incident_id), note=payload.note)
    return _after(actor, incident_id)


class IncidentCloseIn(IncidentBody):
    reason: str = Field(
        max_length=16, description="duplicate, not_responsible or no_action: seen by the reporter"
    )
    note: LongText = ""
    duplicate_of: Id | None = Field(default=None, description="with duplicate: the other one")


@router.post("/incidents/{incident_id}/close", response=IncidentDetailOut)
def close(request: HttpRequest, incident_id: Id, payload: IncidentCloseIn) -> dict[str, Any]:
    """Staff close it without a fix, for a reason the reporter sees: the community's,
    or the town's once it is escalated there. A duplicate names an incident still open or
    closed as fixed (400 ``duplicate_not_open`` otherwise)."""
    actor = caller(request)
    target = _visible(actor, incident_id)
    original = None
    if payload.duplicate_of is not None:
        original = selectors.get_visible(actor, payload.duplicate_of)
        if original is None:
            raise NotFound(_("There is no such incident."), field="duplicate_of")
    services.close(
        actor=actor,
        incident=target,
        reason=one_of(
            payload.reason,
            [CloseReason.DUPLICATE, CloseReason.NOT_RESPONSIBLE, CloseReason.NO_ACTION],
            "reason",
        )
        or payload.reason,
        note=payload.note,
        duplicate_of=original,
    )
    return _after(actor, incident_id)


@router.post("/incidents/{incident_id}/reopen", response=IncidentDetailOut)
def reopen(request: HttpRequest, incident_id: Id, payload: IncidentNoteIn) -> dict[str, Any]:
    """The reporter, within 30 days of closing: handled again as accepted, with a new
    deadline; 409 ``reopen_too_late`` after."""
    actor = caller(request)
    services.reopen(actor=actor, incident=_visible(actor, incident_id), note=payload.note)
    return _after(actor, incident_id)


class IncidentRateIn(IncidentBody):
    rating: Whole = Field(description="1 to 5 stars")
    note: LongText = ""


@router.post("/incidents/{incident_id}/rate", response=IncidentDetailOut)
def rate(request: HttpRequest, incident_id: Id, payload: IncidentRateIn) -> dict[str, Any]:
    """回访评价: the reporter rates how it was handled, once, after it is closed (409
    ``already_rated`` the second time)."""
    actor = caller(request)
    services.rate(
        actor=actor,
        incident=_visible(actor, incident_id),
        rating=payload.rating,
        note=payload.note,
    )
    return _after(actor, incident_id)
