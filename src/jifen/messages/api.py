"""留言 over HTTP: write, answer, rate (or say "not resolved" once), close, turn into an
incident or a request; the staff's and the author's lists; the public board.

Thin on purpose: the services check who may take which step and what is valid; this
module finds what the caller may read (anything else is 404, never 403, which would
tell them it exists), parses the input and shapes the answer. A message takes JSON, or
the same fields as ``multipart/form-data`` with pictures in ``photos`` (JPEG or PNG, up
to four). The public board masks authors and shows no phone and no photo.
"""

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
from jifen.api.fields import Id, Line, LongText, ShapedPage, one_of
from jifen.api.security import caller
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.messages import selectors, services
from jifen.messages.models import WAITING, Event, Message, Photo, Reply
from jifen.messages.models import Status as St
from jifen.people import authz
from jifen.people.models import Person
from jifen.regions.models import Region
from jifen.regions.selectors import get_region

router = Router(tags=["messages"])

RegionCode = Annotated[str, Field(max_length=32)]
TopicCode = Annotated[str, Field(max_length=32)]
# A JSON integer: true, 2.5 and "5" are refused; the range is the service's to check.
Whole = Annotated[int, Field(strict=True)]
STATUS_FILTERS = [*St.values, "waiting", "unclosed"]


class MessageBody(Schema):
    """A JSON object (an array, a string or a number is 400, not an empty object)."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# --- Output ---------------------------------------------------------------------------------


class TopicOut(Schema):
    code: str
    name: str
    due_days: int = Field(description="working days to answer (调休 counted)")


class WrittenOut(Schema):
    id: int
    due_at: datetime = Field(description="23:59:59 local of the topic's Nth working day")


class ReplyOut(Schema):
    body: str
    region: str = Field(description="the region that answered")
    region_name: str
    author_name: str | None = Field(description="who answered: for staff and inspectors only")
    created_at: datetime


class MessagePhotoOut(Schema):
    id: int
    url: str
    width: int
    height: int
    content_type: str


class MessageOut(Schema):
    id: int
    status: str = Field(description="open, answered, reopened or closed")
    status_label: str
    region: str = Field(description="where it was addressed")
    region_name: str
    handling_region: str = Field(description="who answers now (a region above after escalation)")
    handling_region_name: str
    topic: str
    topic_name: str
    body: str
    public: bool
    author: int | None = Field(description="the author's id: for staff, inspectors and the author")
    author_name: str
    created_at: datetime
    due_at: datetime
    overdue: bool = Field(description="waiting for an answer past due_at")
    first_answered_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    rating: int | None
    rated_at: datetime | None
    reopened_at: datetime | None
    may_reopen: bool = Field(description="the author may still say once that it is not resolved")
    escalations: int
    incident: int | None
    service_request: int | None
    replies: list[ReplyOut]
    photos: list[MessagePhotoOut]


class MessageEventOut(Schema):
    step: str = Field(description="write, reply, rate, not_resolved, close, escalate, …")
    label: str
    from_status: str
    to_status: str
    region: str | None = Field(description="the region answering at that moment")
    actor: str | None = Field(description="null: the system (jifen tick), or masked")
    note: str
    due_at: datetime | None
    created_at: datetime


class MessageDetailOut(MessageOut):
    history: list[MessageEventOut]


class PublicReplyOut(Schema):
    body: str
    region_name: str
    created_at: datetime


class PublicMessageOut(Schema):
    id: int
    region: str
    region_name: str
    topic: str
    topic_name: str
    body: str
    author: str = Field(description="masked: 王*英")
    status: str
    status_label: str
    created_at: datetime
    answered_at: datetime | None
    rating: int | None
    replies: list[PublicReplyOut]


def _photo_out(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "url": reverse(
            "api:message_photo_file",
            kwargs={"message_id": photo.message_id, "photo_id": photo.pk},
        ),
        "width": photo.width,
        "height": photo.height,
        "content_type": photo.content_type,
    }


def _reply_out(reply: Reply, full: bool) -> dict[str, Any]:
    return {
        "body": reply.body,
        "region": reply.region.code if reply.region else "",
        "region_name": reply.region.name if reply.region else "",
        "author_name": reply.author.name if full else None,
        "created_at": reply.created_at,
    }


def _message_out(viewer: Person, message: Message) -> dict[str, Any]:
    full = selectors.reads_all(viewer, message)
    own = message.author_id == viewer.pk
    now = timezone.now()
    return {
        "id": message.pk,
        "status": message.status,
        "status_label": str(message.get_status_display()),
        "region": message.region.code,
        "region_name": message.region.name,
        "handling_region": message.handling_region.code,
        "handling_region_name": message.handling_region.name,
        "topic": message.topic.code,
        "topic_name": message.topic.name,
        "body": message.body,
        "public": message.public,
        "author": message.author_id if (full or own) else None,
        "author_name": message.author.name if (full or own) else mask_name(message.author.name),
        "created_at": message.created_at,
        "due_at": message.due_at,
        "overdue": message.status in WAITING and message.due_at < now,
        "first_answered_at": message.first_answered_at,
        "answered_at": message.answered_at,
        "closed_at": message.closed_at,
        "rating": message.rating,
        "rated_at": message.rated_at,
        "reopened_at": message.reopened_at,
        "may_reopen": message.reopened_at is None and message.status == St.ANSWERED,
        "escalations": message.escalations,
        "incident": message.incident_id,
        "service_request": message.service_request_id,
        "replies": [_reply_out(r, full) for r in message.replies.all()],
        "photos": [_photo_out(p) for p in message.photos.all()],
    }


def _event_out(event: Event, full: bool) -> dict[str, Any]:
    actor = event.actor
    return {
        "step": event.step,
        "label": str(event.label),
        "from_status": event.from_status,
        "to_status": event.to_status,
        "region": event.region.code if event.region else None,
        "actor": None if actor is None else actor.name if full else mask_name(actor.name),
        "note": event.note,
        "due_at": event.due_at,
        "created_at": event.created_at,
    }


def _rows(rows: Any) -> Any:
    return rows.prefetch_related("replies__region", "replies__author", "photos")


def _visible(viewer: Person, message_id: int) -> Message:
    message = selectors.get_visible(viewer, message_id)
    if message is None:
        raise NotFound(_("There is no such message."))
    return message


def _detail(viewer: Person, message_id: int) -> dict[str, Any]:
    message = _rows(selectors.visible(viewer)).filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("There is no such message."))
    full = selectors.reads_all(viewer, message) or message.author_id == viewer.pk
    return {
        **_message_out(viewer, message),
        "history": [_event_out(e, full) for e in selectors.history(message)],
    }


# --- JSON or a form with photos ---------------------------------------------------------------


def _place(viewer: Person | None, code: str) -> Region:
    if code:
        return get_region(code)
    if viewer is not None and viewer.community is not None:
        return viewer.community
    raise InvalidInput(
        _("Please name the region: ?region=CODE."), code="region_required", field="region"
    )


# --- Reading ----------------------------------------------------------------------------------


class TopicFilters(Schema):
    region: RegionCode = Field("", description="the region written to; default: your community")


@router.get("/messages/topics", response=list[TopicOut])
def topics(request: HttpRequest, filters: Query[TopicFilters]) -> list[dict[str, Any]]:
    """The topics of a region's menu with their working days to answer; ``topic`` in
    ``POST /messages`` is one of these codes."""
    region = _place(caller(request), filters.region)
    return [
        {"code": t.code, "name": t.name, "due_days": t.due_days}
        for t in services.ensure_topics(region)
    ]


class MessageListFilters(Schema):
    region: RegionCode = Field("", description="messages addressed within this region")
    status: str = Field(
        "",
        max_length=16,
        description="open, answered, reopened, closed; waiting (open or reopened); "
        "unclosed; empty: all",
    )
    topic: TopicCode = ""
    overdue: bool = Field(False, description="waiting past due_at, oldest deadline first")
    mine: bool = Field(False, description="only the caller's own messages")


@router.get("/messages", response=list[MessageOut])
@paginate(Paging)
def list_messages(request: HttpRequest, filters: Query[MessageListFilters]) -> ShapedPage:
    """Staff and inspectors: the messages addressed within their regions, newest first
    (overdue: oldest deadline first). Anyone else, and with ``mine=true``: their own."""
    viewer = caller(request)
    chosen = selectors.Filters(
        status=one_of(filters.status, STATUS_FILTERS, "status"),
        topic=filters.topic,
        region=get_region(filters.region) if filters.region else None,
        overdue=filters.overdue,
    )
    if filters.mine or not authz.can(viewer, authz.VIEW_MESSAGES):
        rows = selectors.filtered(selectors.mine(viewer), chosen)
    else:
        rows = selectors.for_staff(viewer, chosen)
    return ShapedPage(_rows(rows), lambda m: _message_out(viewer, m))


class BoardFilters(Schema):
    region: RegionCode = Field(description="a community or village (or a region above it)")


@router.get("/public/messages", auth=None, response=list[PublicMessageOut])
@paginate(Paging)
def public_messages(request: HttpRequest, filters: Query[BoardFilters]) -> ShapedPage:
    """The public board, no login: public messages addressed within the region and their
    answers, newest first; authors masked, no phone, no photo, no staff names."""
    region = get_region(filters.region)

    def shape(m: Message) -> dict[str, Any]:
        return {
            "id": m.pk,
            "region": m.region.code,
            "region_name": m.region.name,
            "topic": m.topic.code,
            "topic_name": m.topic.name,
            "body": selectors.public_text(m.body),
            "author": mask_name(m.author.name),
            "status": m.status,
            "status_label": str(m.get_status_display()),
            "created_at": m.created_at,
            "answered_at": m.answered_at,
            "rating": m.rating,
            "replies": [
                {
                    "body": selectors.public_text(r.body),
                    "region_name": r.region.name if r.region else "",
                    "created_at": r.created_at,
                }
                for r in m.replies.all()
            ],
        }

    return ShapedPage(selectors.public_board(region), shape)


@router.get("/messages/{message_id}", response=MessageDetailOut)
def get_message(request: HttpRequest, message_id: Id) -> dict[str, Any]:
    """One message with its answers and history: for its author, and the staff and
    inspectors of the region it was addressed to."""
    return _detail(caller(request), message_id)


@router.get("/messages/{message_id}/photos/{photo_id}", url_name="message_photo_file")
def photo_file(request: HttpRequest, message_id: Id, photo_id: Id) -> FileResponse:
    """A stored photo (re-encoded, without metadata) for whoever reads the message."""
    message = _visible(caller(request), message_id)
    photo = message.photos.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound(_("This message has no such photo."))
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:  # the file went missing from storage: gone, not a 500
        raise NotFound(_("This message has no such photo.")) from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Writing and answering --------------------------------------------------------------------


class WriteIn(MessageBody):
    region: RegionCode = Field(description="your community or a region above it, by code")
    topic: TopicCode = Field(description="a code from GET /messages/topics?region=")
    body: LongText = Field(description="1 to 2,000 characters")
    public: bool = Field(True, description="shown on the public board, the author masked")


@router.post("/messages", response={201: WrittenOut}, openapi_extra=body_doc(WriteIn))
def write(request: HttpRequest) -> Status[dict[str, Any]]:
    """留言: anyone logged in, to their community or a region above it; JSON, or a form
    with ``photos``. 201 with the id and the deadline."""
    actor = caller(request)
    payload, photos = form_or_json(request, WriteIn)
    made = services.write(
        actor=actor,
        region=get_region(payload.region),
        topic=payload.topic,
        body=payload.body,
        public=payload.public,
        photos=photos,
    )
    return Status(201, {"id": made.pk, "due_at": made.due_at})


class ReplyIn(MessageBody):
    body: LongText = Field(description="the answer, 1 to 2,000 characters")


@router.post("/messages/{message_id}/reply", response=MessageDetailOut)
def reply(request: HttpRequest, message_id: Id, payload: ReplyIn) -> dict[str, Any]:
    """答复: staff of the region answering it now; ``answered``. Inspectors: 403."""
    actor = caller(request)
    services.reply(actor=actor, message=_visible(actor, message_id), body=payload.body)
    return _detail(actor, message_id)


class RateIn(MessageBody):
    rating: Whole = Field(description="1 to 5 stars")
    resolved: bool = Field(
        True,
        strict=True,
        description="false: not resolved — reopened with a new deadline, once (409 "
        "already_reopened the second time)",
    )
    note: LongText = ""


@router.post("/messages/{message_id}/rate", response=MessageDetailOut)
def rate(request: HttpRequest, message_id: Id, payload: RateIn) -> dict[str, Any]:
    """评价: the author rates the answer; closed, or reopened when not resolved."""
    actor = caller(request)
    services.rate(
        actor=actor,
        message=_visible(actor, message_id),
        rating=payload.rating,
        resolved=payload.resolved,
        note=payload.note,
    )
    return _detail(actor, message_id)


class CloseIn(MessageBody):
    note: LongText = Field("", description="staff: the reason the author reads (required)")


@router.post("/messages/{message_id}/close", response=MessageDetailOut)
def close(request: HttpRequest, message_id: Id, payload: CloseIn) -> dict[str, Any]:
    """Staff answering it close it with a reason; the author may withdraw their own."""
    actor = caller(request)
    services.close(actor=actor, message=_visible(actor, message_id), note=payload.note)
    return _detail(actor, message_id)


class IncidentIn(MessageBody):
    category: TopicCode = Field(description="a code from GET /incidents/categories")
    region: RegionCode = Field("", description="the place; default: the message's community")
    address: Line = ""


@router.post("/messages/{message_id}/incident", response=MessageDetailOut)
def to_incident(request: HttpRequest, message_id: Id, payload: IncidentIn) -> dict[str, Any]:
    """Staff turn it into a grid incident (linked both ways); 409 ``already_linked``."""
    actor = caller(request)
    services.to_incident(
        actor=actor,
        message=_visible(actor, message_id),
        category=payload.category,
        region=get_region(payload.region) if payload.region else None,
        address=payload.address,
    )
    return _detail(actor, message_id)


class MessageRequestIn(MessageBody):
    category: TopicCode = Field(description="a code from GET /requests/categories")
    title: Line = Field(description="the request's title, up to 100 characters")


@router.post("/messages/{message_id}/request", response=MessageDetailOut)
def to_request(request: HttpRequest, message_id: Id, payload: MessageRequestIn) -> dict[str, Any]:
    """Staff turn it into a service request for the author (linked both ways)."""
    actor = caller(request)
    services.to_request(
        actor=actor,
        message=_visible(actor, message_id),
        category=payload.category,
        title=payload.title,
    )
    return _detail(actor, message_id)
