"""志愿服务活动 over HTTP: filing, recruitment, check-in and out, closing into claims.

Thin on purpose: the services check who may and what is valid. This module finds what
the caller may reach (anything else is 404), parses the input and shapes the answer.
POSTs that create (an activity, a signup, a paper attendance, the claims of a closing)
take an ``Idempotency-Key``.
"""

import hashlib
import hmac
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.schema import DjangoGetter
from pydantic import Field, model_validator

from jifen.activities import cards, selectors, services, tokens
from jifen.activities.models import Activity, Attendance, Signup
from jifen.activities.models import Status as ActivityStatus
from jifen.api.fields import Code, DateTime, Id, LongText, Reason, ReasonIn, Text
from jifen.api.idempotency import idempotent
from jifen.api.security import caller
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.http import client_address
from jifen.lib.pagination import Paging
from jifen.people import authz
from jifen.people.models import Organization, Person, Team
from jifen.regions.selectors import get_region

router = Router(tags=["activities"])


# --- Output -------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    title: str
    description: str
    community: str = Field(description="code of the region: a community, or a town-wide one")
    community_name: str
    place: str
    rule_item: int
    rule_item_code: str
    rule_item_name: str
    unit: str
    points: int = Field(description="points per unit of the item")
    starts_at: datetime
    ends_at: datetime
    capacity: int
    status: str
    status_label: str
    phase: str = Field(description="the status; a published one is upcoming, in_progress or ended")
    organiser: int
    organiser_name: str
    team: int | None
    organization: int | None
    tags: str
    min_age: int | None
    risk_notes: str
    needs_insurance: bool
    cancel_reason: str
    review_comment: str = Field(description="the reviewer's comments when the filing was sent back")
    returned_at: datetime | None
    approved_by: int | None
    created_at: datetime
    closed_at: datetime | None
    confirmed: int
    waitlisted: int
    checked_in: int
    checked_out: int


class ClosedOut(ActivityOut):
    claims: int = Field(description="pending claims the attendances made")


class SignupOut(Schema):
    id: int
    activity: int
    person: int
    status: str = Field(description="confirmed, waitlisted or withdrawn")
    created_at: datetime
    withdrawn_at: datetime | None


class AttendanceOut(Schema):
    id: int
    activity: int
    person: int
    person_name: str
    volunteer_no: str | None
    checkin_at: datetime
    checkout_at: datetime | None
    method: str = Field(description="qr, card, staff or paper")
    checkout_method: str
    auto_checkout: bool
    hours: float | None = Field(description="hours earned by the rules; null while open")
    recorded_by: int | None
    note: str


class AttendanceRowOut(AttendanceOut):
    flags: list[str] = Field(description="what a reviewer should look at")


class QrOut(Schema):
    token: str
    url: str
    seconds_left: int


COUNTS = ("confirmed", "waitlisted", "checked_in", "checked_out")


def _activity_out(activity: Activity) -> dict[str, Any]:
    terms = selectors.item_terms(activity)
    # Lists and details come annotated (selectors.with_counts); anything else is counted.
    source: Any = activity if hasattr(activity, "confirmed") else selectors.board(activity)
    counts = {name: getattr(source, name) for name in COUNTS}
    return {
        "id": activity.pk,
        "title": activity.title,
        "description": activity.description,
        "community": activity.region.code,
        "community_name": activity.region.name,
        "place": activity.place,
        "rule_item": activity.rule_item_id,
        "rule_item_code": activity.rule_item.code,
        "rule_item_name": terms.name if terms else "",
        "unit": terms.unit if terms else "",
        "points": terms.points if terms else 0,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "capacity": activity.capacity,
        "status": activity.status,
        "status_label": str(activity.get_status_display()),
        "phase": selectors.phase(activity),
        "organiser": activity.organiser_id,
        "organiser_name": activity.organiser.name,
        "team": activity.team_id,
        "organization": activity.organization_id,
        "tags": activity.tags,
        "min_age": activity.min_age,
        "risk_notes": activity.risk_notes,
        "needs_insurance": activity.needs_insurance,
        "cancel_reason": activity.cancel_reason,
        "review_comment": activity.review_comment,
        "returned_at": activity.returned_at,
        "approved_by": activity.approved_by_id,
        "created_at": activity.created_at,
        "closed_at": activity.closed_at,
        **counts,
    }


def _detail(viewer: Person, activity_id: Id) -> dict[str, Any]:
    """The activity as the viewer may see it, read afresh (after a write, with its effect)."""
    return _activity_out(selectors.get_activity_for(viewer, activity_id))


def _signup_out(signup: Signup) -> dict[str, Any]:
    return {
        "id": signup.pk,
        "activity": signup.activity_id,
        "person": signup.person_id,
        "status": signup.status,
        "created_at": signup.created_at,
        "withdrawn_at": signup.withdrawn_at,
    }


def _attendance_out(attendance: Attendance, activity: Activity) -> dict[str, Any]:
    return {
        "id": attendance.pk,
        "activity": attendance.activity_id,
        "person": attendance.person_id,
        "person_name": attendance.person.name,
        "volunteer_no": attendance.person.volunteer_no,
        "checkin_at": attendance.checkin_at,
        "checkout_at": attendance.checkout_at,
        "method": attendance.method,
        "checkout_method": attendance.checkout_method,
        "auto_checkout": attendance.auto_checkout,
        "hours": selectors.attendance_hours(attendance, activity),
        "recorded_by": attendance.recorded_by_id,
        "note": attendance.note,
    }


# --- Helpers ------------------------------------------------------------------------------


def device_of(request: HttpRequest) -> str:
    """Which device a check-in came from: the app's ``X-Device-Id`` when it sends one,
    else a keyed short hash of the address and browser. The address itself is never
    stored, and the hash cannot be turned back into it without the server's key."""
    given = request.headers.get("X-Device-Id", "").strip()
    if given and len(given) <= 64 and given.isprintable():
        return given
    seed = given or f"{client_address(request) or ''}\n{request.headers.get('User-Agent', '')}"
    key = f"{settings.SECRET_KEY}:device".encode()
    return "h:" + hmac.new(key, seed.encode(), hashlib.sha256).hexdigest()[:16]


def _person_for(actor: Person, activity: Activity, person_id: int | None) -> Person | None:
    """The person staff act for (None: the caller themselves). Only staff of the activity
    may name someone else; to anyone else, whether that person exists is not told."""
    if person_id is None or person_id == actor.pk:
        return None
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    person = Person.objects.select_related("community").filter(pk=person_id, is_active=True).first()
    if person is None:
        raise NotFound(_("No such person, or you may not see them."), field="person")
    return person


def _group(model: type[Team] | type[Organization], pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.select_related("region").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("There is no such team or organisation."), field=field)
    return found


# --- Filing -------------------------------------------------------------------------------


class ActivityIn(Schema):
    title: Text
    community: Code = Field(description="code of the community (or, town-wide, the town)")
    rule_item: Id
    starts_at: DateTime
    ends_at: DateTime
    capacity: int
    place: Text = ""
    description: LongText = ""
    tags: Text = ""
    min_age: int | None = None
    risk_notes: LongText = ""
    needs_insurance: bool = False
    team: Id | None = None
    organization: Id | None = None


class ListFilters(Schema):
    status: str = Field(
        "",
        max_length=16,
        description="empty: published ones; staff and reviewers: draft, submitted, "
        "returned, published, closed, settled or cancelled ones of their regions",
    )


class _Shaped:
    """A queryset that ninja's paginator slices and counts, shaped row by row."""

    def __init__(self, activities: QuerySet[Activity]) -> None:
        self.activities = activities

    def count(self) -> int:
        return self.activities.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return [_activity_out(a) for a in self.activities[window]]


@router.post("/activities", response={201: ActivityOut})
@idempotent
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[dict[str, Any]]:
    """Staff file an activity; it is a draft until a reviewer approves it (备案)."""
    actor = caller(request)
    activity = services.create_activity(
        actor=actor,
        region=get_region(payload.community),
        title=payload.title,
        rule_item_id=payload.rule_item,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        place=payload.place,
        description=payload.description,
        team=_group(Team, payload.team, "team"),
        organization=_group(Organization, payload.organization, "organization"),
        tags=payload.tags,
        min_age=payload.min_age,
        risk_notes=payload.risk_notes,
        needs_insurance=payload.needs_insurance,
    )
    return Status(201, _detail(actor, activity.pk))


@router.get("/activities", response=list[ActivityOut])
@paginate(Paging)
def list_activities(request: HttpRequest, filters: Query[ListFilters]) -> Any:
    """Published activities of your community and the regions above it (upcoming and in
    progress), newest first; with ``?status=`` staff and reviewers also get their
    regions' drafts, filings and past activities."""
    status = filters.status
    if status and status not in ActivityStatus.values:
        raise InvalidInput(
            _("%(field)s must be one of: %(choices)s."),
            field="status",
            params={"field": "status", "choices": ", ".join(ActivityStatus.values)},
        )
    return _Shaped(selectors.list_activities(caller(request), status))


@router.get("/activities/{activity_id}", response=ActivityOut)
def get_activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    """One activity with its counts: confirmed, waitlisted, checked in, checked out."""
    return _detail(caller(request), activity_id)


@router.post("/activities/{activity_id}/submit", response=ActivityOut)
def submit_activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    """Staff send a draft for filing (备案), or a filing sent back once they have made
    the reviewer's changes."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    services.submit_activity(actor=actor, activity=activity.pk)
    return _detail(actor, activity_id)


@router.post("/activities/{activity_id}/approve", response=ActivityOut)
def approve_activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    """A reviewer approves the filing of a draft or submitted activity; it is published."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    services.approve_activity(actor=actor, activity=activity.pk)
    return _detail(actor, activity_id)


class _Object(Schema):
    """A JSON object: ninja's schemas read any value by attribute, so a string would
    otherwise pass as an object (``"title"`` gave its ``.title``) and an array as one
    with every field left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


class ActivityPatch(_Object):
    """Only the fields sent change; ``null`` clears an optional one."""

    title: Text | None = None
    rule_item: Id | None = None
    starts_at: DateTime | None = None
    ends_at: DateTime | None = None
    capacity: int | None = None
    place: Text | None = None
    description: LongText | None = None
    tags: Text | None = None
    min_age: int | None = None
    risk_notes: LongText | None = None
    needs_insurance: bool | None = None
    team: Id | None = None
    organization: Id | None = None


# Fields that may be sent as null to clear them; any other null is refused.
NULLABLE = ("min_age", "team", "organization", "description", "tags", "risk_notes", "place")


@router.patch("/activities/{activity_id}", response=ActivityOut)
def update_activity(
    request: HttpRequest, activity_id: Id, payload: ActivityPatch
) -> dict[str, Any]:
    """Staff change an activity (only the fields sent). A draft, a filing or one sent back
    changes freely; a published one is changed with an audit row (before → after) and a
    notice to everyone signed up. Refused: a finished or cancelled activity (409
    ``not_editable``), another time or service item once somebody checked in (409
    ``has_checkins``), fewer places than confirmed signups (409 ``below_signups``)."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    given = payload.model_dump(exclude_unset=True)
    for name, value in given.items():
        if value is None and name not in NULLABLE:
            raise InvalidInput(_("%(field)s cannot be empty."), field=name, params={"field": name})
    changes: dict[str, Any] = {}
    for name, value in given.items():
        if name == "team":
            changes[name] = _group(Team, value, "team")
        elif name == "organization":
            changes[name] = _group(Organization, value, "organization")
        elif value is None and name not in ("min_age",):
            changes[name] = ""
        else:
            changes[name] = value
    services.update_activity(actor=actor, activity=activity.pk, changes=changes)
    return _detail(actor, activity_id)


class CommentIn(_Object):
    comment: LongText = Field(description="what staff should change (at most 500 characters)")


@router.post("/activities/{activity_id}/return", response=ActivityOut)
def return_activity(request: HttpRequest, activity_id: Id, payload: CommentIn) -> dict[str, Any]:
    """A reviewer sends a submitted filing back to staff with comments (``returned``);
    staff fix it (PATCH) and submit it again (``…/submit``)."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    services.return_activity(actor=actor, activity=activity.pk, comment=payload.comment)
    return _detail(actor, activity_id)


@router.post("/activities/{activity_id}/cancel", response=ActivityOut)
def cancel_activity(request: HttpRequest, activity_id: Id, payload: ReasonIn) -> dict[str, Any]:
    """Staff cancel an activity nobody has checked in to; everyone signed up is told."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    services.cancel_activity(actor=actor, activity=activity.pk, reason=payload.reason)
    return _detail(actor, activity_id)


# --- Recruitment --------------------------------------------------------------------------


class SignupIn(Schema):
    person: Id | None = Field(default=None, description="staff: sign up this resident")


@router.post("/activities/{activity_id}/signups", response={200: SignupOut, 201: SignupOut})
@idempotent
def sign_up(
    request: HttpRequest, activity_id: Id, payload: SignupIn | None = None
) -> Status[dict[str, Any]]:
    """Sign up (yourself, or staff for a resident): confirmed while places are left, then
    on the waiting list. Signing up again answers the first signup (200)."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    person = _person_for(actor, activity, payload.person if payload else None)
    existed = selectors.signup_of(activity, person or actor) is not None
    signup = services.sign_up(actor=actor, activity=activity.pk, person=person)
    return Status(200 if existed else 201, _signup_out(signup))


@router.delete("/activities/{activity_id}/signups/{person_id}", response=SignupOut)
def withdraw(request: HttpRequest, activity_id: Id, person_id: Id) -> dict[str, Any]:
    """Withdraw before the start (the volunteer, or staff); the first on the waiting list
    moves up and is told."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    person = _person_for(actor, activity, person_id)
    signup = services.withdraw(actor=actor, activity=activity.pk, person=person)
    return _signup_out(signup)


# --- Attendance ---------------------------------------------------------------------------


class PresenceIn(Schema):
    token: Code = Field(default="", description="the volunteer: the token of the QR code")
    person: Id | None = Field(default=None, description="staff: the volunteer's id")
    card: Code = Field(default="", description="staff: the scanned code of the volunteer's card")


def _presence(actor: Person, activity: Activity, payload: PresenceIn) -> tuple[Person | None, bool]:
    """(the person staff act for, or None for the caller; whether by card)."""
    if payload.card and payload.person is not None:
        raise InvalidInput(_("Give either the person or the card, not both."), field="card")
    if payload.card:
        person = cards.person_from_card(payload.card)
        if person is None:
            raise InvalidInput(
                _("This is not a volunteer card of ours."), code="invalid_card", field="card"
            )
        return (None if person.pk == actor.pk else person), True
    return _person_for(actor, activity, payload.person), False


@router.post("/activities/{activity_id}/checkin", response={200: AttendanceOut, 201: AttendanceOut})
def check_in(request: HttpRequest, activity_id: Id, payload: PresenceIn) -> Status[dict[str, Any]]:
    """Check in now: the volunteer with the token of the activity's QR code, or staff for a
    volunteer (``person``, or the scanned ``card``). A second check-in answers the first
    (200)."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    person, card = _presence(actor, activity, payload)
    attendance, created = services.get_or_check_in(
        actor=actor,
        activity=activity,
        token=payload.token,
        person=person,
        card=card,
        device=device_of(request),
    )
    return Status(201 if created else 200, _attendance_out(attendance, activity))


@router.post("/activities/{activity_id}/checkout", response=AttendanceOut)
def check_out(request: HttpRequest, activity_id: Id, payload: PresenceIn) -> dict[str, Any]:
    """Check out now, the same three ways; before any check-in it is refused
    (``not_checked_in``), a second check-out answers the first."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    person, card = _presence(actor, activity, payload)
    attendance = services.check_out(
        actor=actor, activity=activity.pk, token=payload.token, person=person, card=card
    )
    return _attendance_out(attendance, activity)


class PaperIn(Schema):
    person: Id
    checkin_at: DateTime
    checkout_at: DateTime
    note: Reason = ""


@router.post("/activities/{activity_id}/attendance", response={201: AttendanceOut})
@idempotent
def record_attendance(
    request: HttpRequest, activity_id: Id, payload: PaperIn
) -> Status[dict[str, Any]]:
    """Staff record an attendance from a paper sign-in sheet (audited, method ``paper``)."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    authz.require(actor, authz.MANAGE_ACTIVITIES, activity.region)
    person = Person.objects.select_related("community").filter(pk=payload.person).first()
    if person is None or not person.is_active:
        raise NotFound(_("No such person, or you may not see them."), field="person")
    attendance = services.record_attendance(
        actor=actor,
        activity=activity.pk,
        person=person,
        checkin_at=payload.checkin_at,
        checkout_at=payload.checkout_at,
        note=payload.note,
    )
    return Status(201, _attendance_out(attendance, activity))


@router.post("/activities/{activity_id}/close", response=ClosedOut)
@idempotent
def close_activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    """Staff end the activity: whoever forgot is checked out at the end, and each
    attendance that earned something becomes a pending claim, verified on site."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    services.close_activity(actor=actor, activity=activity.pk)
    return {**_detail(actor, activity_id), "claims": selectors.claims_made(activity)}


@router.get("/activities/{activity_id}/attendances", response=list[AttendanceRowOut])
@paginate(Paging)
def list_attendances(request: HttpRequest, activity_id: Id) -> list[dict[str, Any]]:
    """Who came (staff and reviewers of the activity's region), in order of check-in, each
    with how it was recorded, whether it was checked out automatically, its hours and the
    flags a reviewer should look at."""
    viewer = caller(request)
    activity = selectors.get_activity_for(viewer, activity_id)
    if not selectors.may_oversee(viewer, activity):
        authz.require(viewer, authz.MANAGE_ACTIVITIES, activity.region)
    flagged = selectors.flags_by_attendance(activity)
    return [
        {**_attendance_out(a, activity), "flags": flagged.get(a.pk, [])}
        for a in selectors.attendances_of(activity)
    ]


@router.get("/activities/{activity_id}/qr", response=QrOut)
def qr(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    """The code of the moment for the organiser's screen; it turns every 30 seconds."""
    actor = caller(request)
    activity = selectors.get_reachable(actor, activity_id)
    token, seconds_left = services.qr_token(actor=actor, activity=activity)
    return {
        "token": token,
        "url": request.build_absolute_uri(tokens.checkin_path(activity.pk, token)),
        "seconds_left": seconds_left,
    }
