"""议事协商 over HTTP: matters, polls and votes, meetings, decisions, follow-up actions.

Thin on purpose: the services check who may take which step, this module finds what the
caller may see (anything else is 404), parses the input and shapes the answer. Matters
are public (``/public/deliberations``); the staff's extras — the parties' ids, the
history, where the matter came from — are for staff and inspectors of its place. A
poll's counts appear only once it is closed, for everyone alike; how a person voted is
shown to them alone (``my_choice``).
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

from jifen.api.fields import Date, DateTime, Id, Line, LongText, Reason, ShapedPage, one_of
from jifen.api.security import caller, optional_person
from jifen.deliberation import selectors, services
from jifen.deliberation.models import (
    Action,
    ActionStatus,
    Choice,
    Matter,
    MeetingKind,
    Tier,
)
from jifen.deliberation.models import (
    Status as St,
)
from jifen.incidents.models import Incident
from jifen.lib.errors import NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.messages.models import Message
from jifen.people.models import Organization, Person
from jifen.regions.selectors import get_region
from jifen.requests.models import ServiceRequest

router = Router(tags=["deliberation"])

RegionCode = Annotated[str, Field(max_length=32)]
Whole = Annotated[int, Field(strict=True)]
Ids = Annotated[list[Id], Field(max_length=50)]


class MatterBody(Schema):
    """A JSON object: an array, a string or a number is not a body with fields left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


# --- Output ------


class ResultsOut(Schema):
    agree: int
    disagree: int
    abstain: int
    turnout: int = Field(description="ballots cast")
    electorate: int = Field(description="who could vote: residents of the place, or the parties")
    turnout_percent: int
    quorum_met: bool


class PollOut(Schema):
    opens_at: datetime
    closes_at: datetime
    quorum_percent: int
    closed: bool
    results: ResultsOut | None = Field(description="null until the poll is closed, for everyone")


class PartyOut(Schema):
    id: int = Field(description="the invitee's id (for attended in the minutes)")
    kind: str = Field(description="organization or person")
    organization: int | None
    person: int | None = Field(description="staff and inspectors only")
    name: str = Field(description="a person's name is masked for anyone but staff and inspectors")
    attended: bool | None


class MeetingOut(Schema):
    kind: str = Field(description="hall (邻里议事厅, monthly) or joint (社区联席会议, quarterly)")
    kind_label: str
    at: datetime
    place: str
    agenda: str
    minutes: str
    residents_present: int | None


class UpdateOut(Schema):
    percent: int
    status: str
    note: str
    at: datetime


class ActionOut(Schema):
    id: int
    title: str
    owner: str = Field(description="an organisation, or a person's masked name")
    due_on: date
    percent: int
    status: str = Field(description="planned, underway or done")
    status_label: str
    overdue: bool
    updates: list[UpdateOut]


class MatterEventOut(Schema):
    step: str
    label: str
    from_status: str
    to_status: str
    tier: str
    actor: str | None = Field(description="null: the system (a poll closed at its time)")
    note: str
    at: datetime


class MatterOut(Schema):
    id: int
    region: str
    region_name: str
    community: str
    community_name: str
    tier: str = Field(description="simple, urgent or major")
    tier_label: str
    status: str = Field(
        description="open, voting, counted, meeting, decided, done or cancelled (withdrawn)"
    )
    status_label: str
    title: str
    description: str
    poll: PollOut | None
    meeting: MeetingOut | None
    parties: list[PartyOut]
    decision: str
    decided_at: datetime | None
    done_at: datetime | None
    cancel_reason: str
    escalations: int
    actions: list[ActionOut]
    created_at: datetime


class MatterDetailOut(MatterOut):
    may_vote: bool = Field(description="the caller may vote in this poll now")
    my_choice: str | None = Field(description="the caller's own ballot: agree, disagree, abstain")
    incident: int | None = Field(description="staff and inspectors: where the matter came from")
    service_request: int | None
    message: int | None
    history: list[MatterEventOut] = Field(description="staff and inspectors of the place")


class CreatedOut(Schema):
    id: int
    status: str
    tier: str


class VoteOut(Schema):
    matter: int
    choice: str
    changes: int = Field(description="how many times the ballot was changed")
    closes_at: datetime


def _results(matter: Matter) -> dict[str, Any] | None:
    if not matter.results_public:
        return None
    return {
        "agree": matter.agree or 0,
        "disagree": matter.disagree or 0,
        "abstain": matter.abstain or 0,
        "turnout": matter.turnout,
        "electorate": matter.electorate or 0,
        "turnout_percent": matter.turnout_percent,
        "quorum_met": bool(matter.quorum_met),
    }


def _action_out(action: Action, today: date) -> dict[str, Any]:
    owner = (
        action.owner_organization.name
        if action.owner_organization is not None
        else mask_name(action.owner_person.name)  # type: ignore[union-attr]
    )
    return {
        "id": action.pk,
        "title": action.title,
        "owner": owner,
        "due_on": action.due_on,
        "percent": action.percent,
        "status": action.status,
        "status_label": str(action.get_status_display()),
        "overdue": action.status != ActionStatus.DONE and action.due_on < today,
        "updates": [
            {"percent": u.percent, "status": u.status, "note": u.note, "at": u.at}
            for u in action.updates.all()
        ],
    }


def _action(action_id: int) -> Action:
    return (
        Action.objects.select_related("owner_person", "owner_organization")
        .prefetch_related("updates")
        .get(pk=action_id)
    )


def _matter_out(matter: Matter, *, full: bool = False) -> dict[str, Any]:
    today = timezone.localdate()
    poll = None
    if matter.opens_at is not None and matter.closes_at is not None:
        poll = {
            "opens_at": matter.opens_at,
            "closes_at": matter.closes_at,
            "quorum_percent": matter.quorum_percent or 0,
            "closed": matter.closed_at is not None,
            "results": _results(matter),
        }
    meeting = None
    if matter.meeting_at is not None:
        meeting = {
            "kind": matter.meeting_kind,
            "kind_label": str(matter.get_meeting_kind_display()),
            "at": matter.meeting_at,
            "place": matter.place,
            "agenda": matter.agenda,
            "minutes": matter.minutes,
            "residents_present": matter.residents_present,
        }
    parties = []
    for invitee in selectors.invitees(matter):
        person = invitee.person
        parties.append(
            {
                "id": invitee.pk,
                "kind": "organization" if invitee.organization_id else "person",
                "organization": invitee.organization_id,
                "person": invitee.person_id if full else None,
                "name": invitee.organization.name
                if invitee.organization is not None
                else (person.name if full else mask_name(person.name)),  # type: ignore[union-attr]
                "attended": invitee.attended,
            }
        )
    return {
        "id": matter.pk,
        "region": matter.region.code,
        "region_name": matter.region.name,
        "community": matter.community.code,
        "community_name": matter.community.name,
        "tier": matter.tier,
        "tier_label": str(matter.get_tier_display()),
        "status": matter.status,
        "status_label": str(matter.get_status_display()),
        "title": matter.title,
        "description": matter.description,
        "poll": poll,
        "meeting": meeting,
        "parties": parties,
        "decision": matter.decision,
        "decided_at": matter.decided_at,
        "done_at": matter.done_at,
        "cancel_reason": matter.cancel_reason,
        "escalations": matter.escalations,
        "actions": [_action_out(a, today) for a in selectors.actions(matter)],
        "created_at": matter.created_at,
    }


def _detail(viewer: Person, matter_id: int) -> dict[str, Any]:
    matter = selectors.get_public(matter_id)
    if matter is None:
        raise NotFound(_("There is no such matter."))
    services.close_if_due(matter)
    full = selectors.may_read(viewer, matter.region)
    mine = selectors.my_vote(viewer, matter)
    now = timezone.now()
    may_vote = bool(
        matter.status == St.VOTING
        and matter.closes_at is not None
        and matter.closes_at > now
        and selectors.ballot_for(viewer, matter) is not None
    )
    return {
        **_matter_out(matter, full=full),
        "may_vote": may_vote,
        "my_choice": mine.choice if mine is not None else None,
        "incident": matter.incident_id if full else None,
        "service_request": matter.service_request_id if full else None,
        "message": matter.message_id if full else None,
        "history": [
            {
                "step": e.step,
                "label": str(e.label),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "tier": e.tier,
                "actor": e.actor.name if e.actor is not None else None,
                "note": e.note,
                "at": e.at,
            }
            for e in selectors.history(matter)
        ]
        if full
        else [],
    }


def _staff_matter(viewer: Person, matter_id: int) -> Matter:
    """The matter when the caller is staff or an inspector of its place; 404 otherwise."""
    matter = selectors.get_visible(viewer, matter_id)
    if matter is None:
        raise NotFound(_("There is no such matter."))
    return matter


def _organizations(ids: list[int]) -> list[Organization]:
    found = {o.pk: o for o in Organization.objects.select_related("region").filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(_("There is no such organisation."), field="organizations")
    return [found[i] for i in dict.fromkeys(ids)]


def _people(ids: list[int], field: str = "people") -> list[Person]:
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    if any(i not in found for i in ids):
        raise NotFound(_("No such person, or you may not see them."), field=field)
    return [found[i] for i in dict.fromkeys(ids)]


# --- Reading ------


class MatterListFilters(Schema):
    region: RegionCode = Field("", description="a place's code: matters there and below")
    status: str = Field("", max_length=16)
    tier: str = Field("", max_length=16)


@router.get("/deliberations", response=list[MatterOut])
@paginate(Paging)
def list_matters(request: HttpRequest, filters: Query[MatterListFilters]) -> ShapedPage:
    """Staff and inspectors: the matters of their regions, newest first."""
    viewer = caller(request)
    rows = selectors.listed(
        viewer,
        region=get_region(filters.region) if filters.region else None,
        status=one_of(filters.status, list(St.values), "status"),
        tier=one_of(filters.tier, list(Tier.values), "tier"),
    )
    return ShapedPage(rows, lambda m: _matter_out(m, full=True))


@router.get("/deliberations/open-for-me", response=list[MatterOut])
@paginate(Paging)
def open_for_me(request: HttpRequest) -> ShapedPage:
    """The polls running now in which the caller may vote (their building's, compound's,
    community's; the urgent polls naming them or their organisation)."""
    return ShapedPage(selectors.open_for(caller(request)), _matter_out)


@router.get("/deliberations/{matter_id}", response=MatterDetailOut)
def get_matter(request: HttpRequest, matter_id: Id) -> dict[str, Any]:
    """One matter, for anyone logged in, with ``may_vote`` and their own ``my_choice``;
    staff and inspectors of its place also read its history and sources."""
    return _detail(caller(request), matter_id)


class PublicMatterFilters(Schema):
    region: RegionCode = Field(description="a place's code: its matters and those below it")


@router.get("/public/deliberations", auth=None, response=list[MatterOut])
@paginate(Paging)
def public_list(request: HttpRequest, filters: Query[PublicMatterFilters]) -> ShapedPage:
    """No login: the matters of a place, newest first, with their decisions and actions."""
    region = get_region(filters.region)
    return ShapedPage(selectors.public(region), _matter_out)


@router.get("/public/deliberations/{matter_id}", auth=None, response=MatterOut)
def public_matter(request: HttpRequest, matter_id: Id) -> dict[str, Any]:
    """No login: the matter, its tier, the poll's result once closed, the meeting, the
    decision and its follow-up actions with their progress; people's names masked."""
    matter = selectors.get_public(matter_id)
    if matter is None:
        raise NotFound(_("There is no such matter."))
    services.close_if_due(matter)
    viewer = optional_person(request)
    full = viewer is not None and selectors.may_read(viewer, matter.region)
    return _matter_out(matter, full=full)


# --- Staff ------


class MatterIn(MatterBody):
    region: RegionCode = Field(description="the place: a community, compound, grid or building")
    tier: str = Field(max_length=16, description="simple, urgent or major")
    title: Line
    description: LongText = ""
    incident: Id | None = Field(None, description="the grid incident it comes from")
    service_request: Id | None = Field(None, description="the service request it comes from")
    message: Id | None = Field(None, description="the resident's message it comes from")
    organizations: Ids = Field(default_factory=list, description="parties: organisations")
    people: Ids = Field(default_factory=list, description="parties: people")


@router.post("/deliberations", response={201: CreatedOut})
def create(request: HttpRequest, payload: MatterIn) -> Status[dict[str, Any]]:
    """Staff: put a matter to a tier → ``{id}`` (status ``open``)."""
    actor = caller(request)
    region = get_region(payload.region)
    one_of(payload.tier, list(Tier.values), "tier")
    incident = service_request = message = None
    if payload.incident is not None:
        incident = Incident.objects.select_related("region").filter(pk=payload.incident).first()
        if incident is None:
            raise NotFound(_("There is no such incident."), field="incident")
    if payload.service_request is not None:
        service_request = ServiceRequest.objects.filter(pk=payload.service_request).first()
        if service_request is None:
            raise NotFound(_("There is no such request."), field="service_request")
    if payload.message is not None:
        message = Message.objects.select_related("region").filter(pk=payload.message).first()
        if message is None:
            raise NotFound(_("There is no such message."), field="message")
    matter = services.create_matter(
        actor=actor,
        region=region,
        tier=payload.tier,
        title=payload.title,
        description=payload.description,
        incident=incident,
        service_request=service_request,
        message=message,
        organizations=_organizations(payload.organizations),
        people=_people(payload.people),
    )
    return Status(201, {"id": matter.pk, "status": matter.status, "tier": matter.tier})


class PartiesIn(MatterBody):
    organizations: Ids = Field(default_factory=list)
    people: Ids = Field(default_factory=list)


@router.post("/deliberations/{matter_id}/invitees", response=MatterDetailOut)
def invite(request: HttpRequest, matter_id: Id, payload: PartiesIn) -> dict[str, Any]:
    """Staff: name more parties (before the poll opens or the meeting is held)."""
    actor = caller(request)
    services.invite(
        actor=actor,
        matter=_staff_matter(actor, matter_id),
        organizations=_organizations(payload.organizations),
        people=_people(payload.people),
    )
    return _detail(actor, matter_id)


class PollIn(PartiesIn):
    closes_at: DateTime = Field(
        description="simple: 10 minutes to 30 days from now; urgent: within 24 hours"
    )
    quorum_percent: Whole = Field(50, description="1–100: the share of voters needed")


@router.post("/deliberations/{matter_id}/poll", response=MatterDetailOut)
def open_poll(request: HttpRequest, matter_id: Id, payload: PollIn) -> dict[str, Any]:
    """Staff: open the poll (simple or urgent tier); the voters hear of it."""
    actor = caller(request)
    services.open_poll(
        actor=actor,
        matter=_staff_matter(actor, matter_id),
        closes_at=payload.closes_at,
        quorum_percent=payload.quorum_percent,
        organizations=_organizations(payload.organizations),
        people=_people(payload.people),
    )
    return _detail(actor, matter_id)


class MatterNoteIn(MatterBody):
    note: Reason = ""


@router.post("/deliberations/{matter_id}/close", response=MatterDetailOut)
def close_poll(request: HttpRequest, matter_id: Id, payload: MatterNoteIn) -> dict[str, Any]:
    """Staff: close the poll before its time, with a note why; the result is public."""
    actor = caller(request)
    services.close_poll(actor=actor, matter=_staff_matter(actor, matter_id), note=payload.note)
    return _detail(actor, matter_id)


class VoteIn(MatterBody):
    choice: str = Field(max_length=16, description="agree, disagree or abstain")


@router.post("/deliberations/{matter_id}/votes", response=VoteOut)
def cast_vote(request: HttpRequest, matter_id: Id, payload: VoteIn) -> dict[str, Any]:
    """A resident of the place (simple) or a named party (urgent) votes while the poll is
    open; voting again changes the ballot. 403 ``not_a_voter``, 409 ``poll_not_open``."""
    actor = caller(request)
    matter = selectors.get_public(matter_id)
    if matter is None:
        raise NotFound(_("There is no such matter."))
    one_of(payload.choice, list(Choice.values), "choice")
    ballot = services.vote(actor=actor, matter=matter, choice=payload.choice)
    return {
        "matter": matter.pk,
        "choice": ballot.choice,
        "changes": ballot.changes,
        "closes_at": matter.closes_at,
    }


class MeetingIn(PartiesIn):
    kind: str = Field(max_length=8, description="hall (monthly) or joint (quarterly)")
    at: DateTime
    place: Line
    agenda: LongText


@router.post("/deliberations/{matter_id}/meeting", response=MatterDetailOut)
def call_meeting(request: HttpRequest, matter_id: Id, payload: MeetingIn) -> dict[str, Any]:
    """Staff: call the meeting of a major matter; the invited parties hear of it."""
    actor = caller(request)
    one_of(payload.kind, list(MeetingKind.values), "kind")
    services.call_meeting(
        actor=actor,
        matter=_staff_matter(actor, matter_id),
        kind=payload.kind,
        at=payload.at,
        place=payload.place,
        agenda=payload.agenda,
        organizations=_organizations(payload.organizations),
        people=_people(payload.people),
    )
    return _detail(actor, matter_id)


class MinutesIn(MatterBody):
    minutes: LongText
    attended: Ids = Field(default_factory=list, description="ids of the parties present")
    residents_present: Whole = Field(0, description="how many residents came")


@router.post("/deliberations/{matter_id}/minutes", response=MatterDetailOut)
def record_meeting(request: HttpRequest, matter_id: Id, payload: MinutesIn) -> dict[str, Any]:
    """Staff: the meeting's minutes and attendance (again to correct them)."""
    actor = caller(request)
    services.record_meeting(
        actor=actor,
        matter=_staff_matter(actor, matter_id),
        minutes=payload.minutes,
        attended=payload.attended,
        residents_present=payload.residents_present,
    )
    return _detail(actor, matter_id)


@router.post("/deliberations/{matter_id}/escalate", response=MatterDetailOut)
def escalate(request: HttpRequest, matter_id: Id, payload: MatterNoteIn) -> dict[str, Any]:
    """Staff: the tier cannot settle it — it goes to a meeting (major)."""
    actor = caller(request)
    services.escalate(actor=actor, matter=_staff_matter(actor, matter_id), note=payload.note)
    return _detail(actor, matter_id)


class MatterDecisionIn(MatterBody):
    decision: LongText


@router.post("/deliberations/{matter_id}/decide", response=MatterDetailOut)
def decide(request: HttpRequest, matter_id: Id, payload: MatterDecisionIn) -> dict[str, Any]:
    """Staff: record the decision (after the poll closed or the meeting's minutes); it is
    public, and the voters and parties hear of it."""
    actor = caller(request)
    services.decide(actor=actor, matter=_staff_matter(actor, matter_id), decision=payload.decision)
    return _detail(actor, matter_id)


class MatterCancelIn(MatterBody):
    reason: Reason


@router.post("/deliberations/{matter_id}/cancel", response=MatterDetailOut)
def cancel(request: HttpRequest, matter_id: Id, payload: MatterCancelIn) -> dict[str, Any]:
    """Staff: withdraw the matter before its decision, for a public reason."""
    actor = caller(request)
    services.cancel(actor=actor, matter=_staff_matter(actor, matter_id), reason=payload.reason)
    return _detail(actor, matter_id)


@router.post("/deliberations/{matter_id}/complete", response=MatterDetailOut)
def complete(request: HttpRequest, matter_id: Id) -> dict[str, Any]:
    """Staff: the decision is carried out (409 ``actions_open`` while an action is not)."""
    actor = caller(request)
    services.complete(actor=actor, matter=_staff_matter(actor, matter_id))
    return _detail(actor, matter_id)


class ActionIn(MatterBody):
    title: Line
    due_on: Date
    owner_person: Id | None = None
    owner_organization: Id | None = None


@router.post("/deliberations/{matter_id}/actions", response={201: ActionOut})
def add_action(request: HttpRequest, matter_id: Id, payload: ActionIn) -> Status[dict[str, Any]]:
    """Staff: a follow-up action of the decision, with its owner (a person or an
    organisation) and due date."""
    actor = caller(request)
    matter = _staff_matter(actor, matter_id)
    person = _people([payload.owner_person], "owner_person")[0] if payload.owner_person else None
    organization = (
        _organizations([payload.owner_organization])[0] if payload.owner_organization else None
    )
    action = services.add_action(
        actor=actor,
        matter=matter,
        title=payload.title,
        due_on=payload.due_on,
        owner_person=person,
        owner_organization=organization,
    )
    return Status(201, _action_out(_action(action.pk), timezone.localdate()))


class ProgressIn(MatterBody):
    percent: Whole = Field(description="0–100; 100 is done")
    status: str = Field("", max_length=16, description="planned, underway or done (optional)")
    note: Reason = ""


@router.post("/deliberations/actions/{action_id}/progress", response=ActionOut)
def report_progress(request: HttpRequest, action_id: Id, payload: ProgressIn) -> dict[str, Any]:
    """Staff of the place or the action's owner (a contact of the owning organisation):
    how far it has got. When every action is done, the matter is done."""
    actor = caller(request)
    one_of(payload.status, list(ActionStatus.values), "status")
    services.report_progress(
        actor=actor,
        action=action_id,
        percent=payload.percent,
        status=payload.status,
        note=payload.note,
    )
    return _action_out(_action(action_id), timezone.localdate())
