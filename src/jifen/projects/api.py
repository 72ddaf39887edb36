"""三单 and 微实事 over HTTP: resources, needs, projects and their milestones.

Thin on purpose: the services check who may take which step; this module finds the row
(404 when there is none or the caller may not see it), parses the input and shapes the
answer. Resources and projects are public (``/public/resources``, ``/public/projects``)
but for drafts; a person who offers a resource or takes a need appears masked to anyone
but staff of the community; no phone appears anywhere.
"""

from datetime import date, datetime
from decimal import Decimal
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
from jifen.api.fields import Date, Id, Line, LongText, Reason, ShapedPage, one_of
from jifen.api.idempotency import idempotent
from jifen.api.security import caller, optional_person
from jifen.lib.errors import InvalidInput, NotFound
from jifen.lib.masking import mask_name
from jifen.lib.pagination import Paging
from jifen.messages.models import Message
from jifen.people.models import Organization, Person
from jifen.projects import selectors, services
from jifen.projects.models import (
    PUBLIC,
    Milestone,
    Need,
    NeedSource,
    NeedStatus,
    Project,
    ProjectSource,
    Resource,
    ResourceKind,
)
from jifen.projects.models import Status as St
from jifen.regions.models import Region
from jifen.regions.selectors import get_region
from jifen.requests.models import ServiceRequest

router = Router(tags=["projects"])

RegionCode = Annotated[str, Field(max_length=32)]
Ids = Annotated[list[Id], Field(max_length=20)]
Yuan = Annotated[
    Decimal,
    Field(ge=0, le=100_000_000, max_digits=11, decimal_places=2, description="yuan, ≤ 2 decimals"),
]


class ProjectsBody(Schema):
    """A JSON object: an array, a string or a number is not a body with fields left out."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("a JSON object is expected")
        return data


def _community(code: str) -> Region:
    return get_region(code)


def _organization(pk: int | None, field: str = "organization") -> Organization | None:
    if pk is None:
        return None
    found = Organization.objects.select_related("region").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("There is no such organisation."), field=field)
    return found


def _person_name(person: Person | None, full: bool) -> str:
    if person is None:
        return ""
    return person.name if full else mask_name(person.name)


# --- Resources ------


class ResourceOut(Schema):
    id: int
    community: str
    kind: str = Field(description="venue, expertise, vehicle, funds, goods or other")
    kind_label: str
    title: str
    description: str
    availability: str
    organization: int | None
    person: int | None = Field(description="staff of the community only")
    offered_by: str = Field(description="the unit's name, or a person's masked name")
    active: bool
    created_at: datetime


def _resource_out(resource: Resource, full: bool = False) -> dict[str, Any]:
    return {
        "id": resource.pk,
        "community": resource.community.code,
        "kind": resource.kind,
        "kind_label": str(resource.get_kind_display()),
        "title": resource.title,
        "description": resource.description,
        "availability": resource.availability,
        "organization": resource.organization_id,
        "person": resource.person_id if full else None,
        "offered_by": resource.organization.name
        if resource.organization is not None
        else _person_name(resource.person, full),
        "active": resource.is_active,
        "created_at": resource.created_at,
    }


class ResourceFilters(Schema):
    community: RegionCode = Field(description="the community's code")
    kind: str = Field("", max_length=16)


@router.get("/public/resources", auth=None, response=list[ResourceOut])
@paginate(Paging)
def public_resources(request: HttpRequest, filters: Query[ResourceFilters]) -> ShapedPage:
    """No login: the community's resources on offer (资源清单), newest first."""
    community = _community(filters.community)
    one_of(filters.kind, list(ResourceKind.values), "kind")
    rows = selectors.resources(community).select_related("community")
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return ShapedPage(rows, _resource_out)


class ResourceListFilters(ResourceFilters):
    active: bool = Field(True, description="false: those withdrawn (staff)")


@router.get("/resources", response=list[ResourceOut])
@paginate(Paging)
def list_resources(request: HttpRequest, filters: Query[ResourceListFilters]) -> ShapedPage:
    """Anyone logged in: the community's resources; staff of the community see who offers
    in full, and those withdrawn with ``active=false``."""
    viewer = caller(request)
    community = _community(filters.community)
    one_of(filters.kind, list(ResourceKind.values), "kind")
    full = selectors.may_manage(viewer, community)
    rows = selectors.resources(community, active=True if not full else filters.active)
    rows = rows.select_related("community")
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    return ShapedPage(rows, lambda r: _resource_out(r, full))


class ResourceIn(ProjectsBody):
    community: RegionCode
    kind: str = Field(max_length=16, description="venue, expertise, vehicle, funds, goods, other")
    title: Line
    description: LongText = ""
    availability: Line = ""
    organization: Id | None = Field(None, description="the unit that offers it")
    person: Id | None = Field(None, description="staff: the person who offers it")


@router.post("/resources", response={201: ResourceOut})
def offer_resource(request: HttpRequest, payload: ResourceIn) -> Status[dict[str, Any]]:
    """A unit's contact offers a resource of the unit; staff enter a unit's or a person's."""
    actor = caller(request)
    community = _community(payload.community)
    person = None
    if payload.person is not None:
        person = Person.objects.filter(pk=payload.person).first()
        if person is None:
            raise NotFound(_("No such person, or you may not see them."), field="person")
    resource = services.offer_resource(
        actor=actor,
        community=community,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        availability=payload.availability,
        organization=_organization(payload.organization),
        person=person,
    )
    return Status(201, _resource_out(resource, selectors.may_manage(actor, community)))


@router.post("/resources/{resource_id}/withdraw", response=ResourceOut)
def withdraw_resource(request: HttpRequest, resource_id: Id) -> dict[str, Any]:
    """The unit's contact (or staff) takes a resource off the list."""
    actor = caller(request)
    resource = services.withdraw_resource(actor=actor, resource=resource_id)
    return _resource_out(resource, selectors.may_manage(actor, resource.community))


# --- Needs ------


class NeedEventOut(Schema):
    step: str
    label: str
    from_status: str
    to_status: str
    actor: str | None
    organization: str | None
    note: str
    at: datetime


class NeedOut(Schema):
    id: int
    community: str
    title: str
    description: str
    source: str = Field(description="request, message, survey, visit or other")
    source_label: str
    status: str = Field(description="open, claimed, planned, met or closed")
    status_label: str
    taken_by: str = Field(description="the unit, or the person's masked name")
    taken_by_organization: int | None
    taken_at: datetime | None
    project: int | None
    created_at: datetime


class NeedDetailOut(NeedOut):
    service_request: int | None = Field(description="staff: the request it came from")
    message: int | None = Field(description="staff: the message it came from")
    source_note: str
    close_reason: str
    history: list[NeedEventOut] = Field(description="staff of the community")


def _need_out(need: Need, full: bool = False) -> dict[str, Any]:
    return {
        "id": need.pk,
        "community": need.community.code,
        "title": need.title,
        "description": need.description,
        "source": need.source,
        "source_label": str(need.get_source_display()),
        "status": need.status,
        "status_label": str(need.get_status_display()),
        "taken_by": need.claimed_organization.name
        if need.claimed_organization is not None
        else _person_name(need.claimed_by, full),
        "taken_by_organization": need.claimed_organization_id,
        "taken_at": need.claimed_at,
        "project": need.project_id,
        "created_at": need.created_at,
    }


def _need_detail(viewer: Person, need_id: int) -> dict[str, Any]:
    need = (
        Need.objects.select_related("community", "claimed_by", "claimed_organization")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise NotFound(_("There is no such need."))
    full = selectors.may_manage(viewer, need.community) or need.claimed_by_id == viewer.pk
    staff = selectors.may_manage(viewer, need.community)
    return {
        **_need_out(need, full),
        "service_request": need.service_request_id if staff else None,
        "message": need.message_id if staff else None,
        "source_note": need.source_note if staff else "",
        "close_reason": need.close_reason,
        "history": [
            {
                "step": e.step,
                "label": str(e.label),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.name if e.actor is not None else None,
                "organization": e.organization.name if e.organization is not None else None,
                "note": e.note,
                "at": e.at,
            }
            for e in need.events.select_related("actor", "organization")
        ]
        if staff
        else [],
    }


class NeedFilters(Schema):
    community: RegionCode = Field(description="the community's code")
    status: str = Field("", max_length=16, description="empty: open ones")
    mine: bool = Field(False, description="those the caller (or their unit) took")


@router.get("/needs", response=list[NeedOut])
@paginate(Paging)
def list_needs(request: HttpRequest, filters: Query[NeedFilters]) -> ShapedPage:
    """Anyone logged in: the community's needs to take (``open``, oldest first); staff of
    the community may ask for any status; ``mine=true``: those the caller took."""
    viewer = caller(request)
    community = _community(filters.community)
    one_of(filters.status, list(NeedStatus.values), "status")
    full = selectors.may_manage(viewer, community)
    if filters.mine:
        rows = selectors.needs_taken_by(viewer).filter(community=community)
    elif full and filters.status:
        rows = selectors.needs(community, status=filters.status)
    elif filters.status and filters.status != NeedStatus.OPEN:
        rows = selectors.needs(community, status=filters.status).exclude(status=NeedStatus.CLOSED)
    else:
        rows = selectors.open_needs(community)
    rows = rows.select_related("community", "claimed_by", "claimed_organization")
    return ShapedPage(rows, lambda n: _need_out(n, full or n.claimed_by_id == viewer.pk))


@router.get("/needs/{need_id}", response=NeedDetailOut)
def get_need(request: HttpRequest, need_id: Id) -> dict[str, Any]:
    """One need; staff of the community also read its source and history."""
    return _need_detail(caller(request), need_id)


class NeedIn(ProjectsBody):
    community: RegionCode
    title: Line
    description: LongText = ""
    source: str = Field(
        "other", max_length=16, description="request, message, survey, visit, other"
    )
    service_request: Id | None = Field(None, description="the resident's request it comes from")
    message: Id | None = Field(None, description="the resident's message it comes from")
    source_note: Line = Field("", description="which survey or visit")


@router.post("/needs", response={201: NeedDetailOut})
def create_need(request: HttpRequest, payload: NeedIn) -> Status[dict[str, Any]]:
    """Staff list a need, linked to the request or message it comes from."""
    actor = caller(request)
    one_of(payload.source, list(NeedSource.values), "source")
    service_request = message = None
    if payload.service_request is not None:
        service_request = ServiceRequest.objects.filter(pk=payload.service_request).first()
        if service_request is None:
            raise NotFound(_("There is no such request."), field="service_request")
    if payload.message is not None:
        message = Message.objects.select_related("region").filter(pk=payload.message).first()
        if message is None:
            raise NotFound(_("There is no such message."), field="message")
    need = services.create_need(
        actor=actor,
        community=_community(payload.community),
        title=payload.title,
        description=payload.description,
        source=payload.source,
        service_request=service_request,
        message=message,
        source_note=payload.source_note,
    )
    return Status(201, _need_detail(actor, need.pk))


class ClaimIn(ProjectsBody):
    organization: Id | None = Field(None, description="take it for this unit (its contact)")


@router.post("/needs/{need_id}/claim", response=NeedDetailOut)
def claim_need(request: HttpRequest, need_id: Id, payload: ClaimIn) -> dict[str, Any]:
    """认领: a party member takes a need in person, or a unit's contact for the unit; of
    many at once one wins, the others get 409 ``already_taken``."""
    actor = caller(request)
    services.claim_need(actor=actor, need=need_id, organization=_organization(payload.organization))
    return _need_detail(actor, need_id)


class ProjectNoteIn(ProjectsBody):
    note: Reason = ""


@router.post("/needs/{need_id}/release", response=NeedDetailOut)
def release_need(request: HttpRequest, need_id: Id, payload: ProjectNoteIn) -> dict[str, Any]:
    """The taker (or staff) gives the need back to the list."""
    actor = caller(request)
    services.release_need(actor=actor, need=need_id, note=payload.note)
    return _need_detail(actor, need_id)


@router.post("/needs/{need_id}/meet", response=NeedDetailOut)
def meet_need(request: HttpRequest, need_id: Id, payload: ProjectNoteIn) -> dict[str, Any]:
    """The taker (or staff) reports the need met."""
    actor = caller(request)
    services.meet_need(actor=actor, need=need_id, note=payload.note)
    return _need_detail(actor, need_id)


class ReasonBody(ProjectsBody):
    reason: Reason


@router.post("/needs/{need_id}/close", response=NeedDetailOut)
def close_need(request: HttpRequest, need_id: Id, payload: ReasonBody) -> dict[str, Any]:
    """Staff close a need that will not be met here, with the reason."""
    actor = caller(request)
    services.close_need(actor=actor, need=need_id, reason=payload.reason)
    return _need_detail(actor, need_id)


# --- Projects ------


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date | None
    done: bool
    done_at: datetime | None
    note: str
    photo_url: str | None
    overdue: bool


class ProjectEventOut(Schema):
    step: str
    label: str
    from_status: str
    to_status: str
    actor: str | None = Field(description="staff: who; null for the system")
    organization: str | None
    note: str
    at: datetime


class ProjectOut(Schema):
    id: int
    community: str
    community_name: str
    title: str
    summary: str
    budget_fen: int
    budget_yuan: str
    source: str = Field(description="staff, need or contest")
    source_ref: str
    status: str = Field(
        description="draft, open, led, in_progress, completed, reviewed or cancelled"
    )
    status_label: str
    lead_organization: int | None
    lead_name: str
    points: int | None = Field(description="what completion earns the lead unit, after review")
    milestones_total: int
    milestones_done: int
    led_at: datetime | None
    completed_at: datetime | None
    created_at: datetime


class ProjectDetailOut(ProjectOut):
    milestones: list[MilestoneOut]
    resources: list[ResourceOut]
    needs: list[NeedOut]
    completion_note: str
    cancel_reason: str
    claim: int | None = Field(description="the lead unit's claim, once completed")
    claim_status: str | None = Field(description="pending, approved, rejected, revoked")
    rule_item: int | None
    history: list[ProjectEventOut]
    may_lead_for: list[int] = Field(description="the caller's units that may take the lead now")
    may_report: bool = Field(description="the caller may report milestones and completion")


def _photo_url(project: Project, milestone: Milestone) -> str | None:
    if not milestone.photo:
        return None
    return reverse("api:project_milestone_photo", args=[project.pk, milestone.pk])


def _project_out(project: Project) -> dict[str, Any]:
    total = getattr(project, "milestone_count", None)
    done = getattr(project, "milestones_done", None)
    if total is None or done is None:
        total = project.milestones.count()
        done = project.milestones.filter(done_at__isnull=False).count()
    return {
        "id": project.pk,
        "community": project.community.code,
        "community_name": project.community.name,
        "title": project.title,
        "summary": project.summary,
        "budget_fen": project.budget_fen,
        "budget_yuan": project.budget_yuan,
        "source": project.source,
        "source_ref": project.source_ref,
        "status": project.status,
        "status_label": str(project.get_status_display()),
        "lead_organization": project.lead_organization_id,
        "lead_name": project.lead_organization.name if project.lead_organization else "",
        "points": project.points,
        "milestones_total": total,
        "milestones_done": done,
        "led_at": project.led_at,
        "completed_at": project.completed_at,
        "created_at": project.created_at,
    }


def _visible_project(viewer: Person | None, project_id: int) -> Project:
    project = (
        Project.objects.select_related("community", "lead_organization", "claim")
        .filter(pk=project_id)
        .first()
    )
    if project is None or (
        project.status not in PUBLIC and not selectors.may_manage(viewer, project.community)
    ):
        raise NotFound(_("There is no such project."))
    return project


def _project_detail(viewer: Person | None, project_id: int) -> dict[str, Any]:
    project = _visible_project(viewer, project_id)
    if project.status == St.COMPLETED and services.settle_review(project):
        project = _visible_project(viewer, project_id)
    staff = selectors.may_manage(viewer, project.community)
    today = timezone.localdate()
    may_lead_for: list[int] = []
    if viewer is not None and project.status == St.OPEN:
        may_lead_for = [
            unit.pk
            for unit in selectors.contact_units(viewer).select_related("region")
            if services.may_lead(unit, project.community)
        ]
    return {
        **_project_out(project),
        "milestones": [
            {
                "id": m.pk,
                "title": m.title,
                "due_on": m.due_on,
                "done": m.done_at is not None,
                "done_at": m.done_at,
                "note": m.note,
                "photo_url": _photo_url(project, m),
                "overdue": m.done_at is None and m.due_on is not None and m.due_on < today,
            }
            for m in project.milestones.all()
        ],
        "resources": [
            _resource_out(r, staff)
            for r in project.resources.select_related("community", "organization", "person")
        ],
        "needs": [
            _need_out(n, staff)
            for n in project.needs.select_related("community", "claimed_by", "claimed_organization")
        ],
        "completion_note": project.completion_note,
        "cancel_reason": project.cancel_reason,
        "claim": project.claim_id,
        "claim_status": project.claim.status if project.claim is not None else None,
        "rule_item": project.rule_item_id if staff else None,
        "history": [
            {
                "step": e.step,
                "label": str(e.label),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": (e.actor.name if staff else None) if e.actor is not None else None,
                "organization": e.organization.name if e.organization is not None else None,
                "note": e.note,
                "at": e.at,
            }
            for e in project.events.select_related("actor", "organization")
        ],
        "may_lead_for": may_lead_for,
        "may_report": project.status in (St.LED, St.IN_PROGRESS)
        and (staff or services.is_lead_contact(viewer, project)),
    }


class PublicProjectFilters(Schema):
    community: RegionCode = Field(description="the community's code")
    status: str = Field("", max_length=16)


@router.get("/public/projects", auth=None, response=list[ProjectOut])
@paginate(Paging)
def public_projects(request: HttpRequest, filters: Query[PublicProjectFilters]) -> ShapedPage:
    """No login: the community's 微实事 (drafts aside), newest first, with how many
    milestones are reached."""
    community = _community(filters.community)
    one_of(filters.status, [s for s in St.values if s in PUBLIC], "status")
    rows = selectors.public_projects(community).select_related("community")
    if filters.status:
        rows = rows.filter(status=filters.status)
    return ShapedPage(rows, _project_out)


@router.get("/public/projects/{project_id}", auth=None, response=ProjectDetailOut)
def public_project(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    """No login: one project, its milestones (notes, photos), its completion."""
    return _project_detail(optional_person(request), project_id)


@router.get(
    "/projects/{project_id}/milestones/{milestone_id}/photo",
    auth=None,
    url_name="project_milestone_photo",
)
def milestone_photo(request: HttpRequest, project_id: Id, milestone_id: Id) -> FileResponse:
    """The milestone's photo (re-encoded, without metadata): public with the project."""
    project = _visible_project(optional_person(request), project_id)
    milestone = project.milestones.filter(pk=milestone_id).first()
    if milestone is None or not milestone.photo:
        raise NotFound(_("This milestone has no photo."))
    response = FileResponse(milestone.photo.open("rb"), content_type=milestone.photo_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


class ProjectFilters(Schema):
    community: RegionCode = Field("", description="the community's code (not with mine)")
    status: str = Field("", max_length=16)
    mine: bool = Field(False, description="projects the caller's units lead")


@router.get("/projects", response=list[ProjectOut])
@paginate(Paging)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> ShapedPage:
    """Anyone logged in: a community's projects (staff of it: drafts too); ``mine=true``:
    the projects the caller's units lead."""
    viewer = caller(request)
    one_of(filters.status, list(St.values), "status")
    if filters.mine:
        rows = selectors.led_by(viewer)
    else:
        if not filters.community:
            raise InvalidInput(_("Choose the community."), field="community")
        community = _community(filters.community)
        rows = selectors.projects(community)
        if not selectors.may_manage(viewer, community):
            rows = rows.filter(status__in=PUBLIC)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return ShapedPage(rows.select_related("community", "lead_organization"), _project_out)


@router.get("/projects/{project_id}", response=ProjectDetailOut)
def get_project(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    """One project; staff of the community read drafts, who did what and its rule item."""
    return _project_detail(caller(request), project_id)


class MilestoneIn(ProjectsBody):
    title: Line
    due_on: Date | None = None


class ProjectIn(ProjectsBody):
    community: RegionCode
    title: Line
    summary: LongText = ""
    budget: Yuan = Field(Decimal(0), description="yuan (stored in fen)")
    lead_organization: Id | None = Field(None, description="name the lead unit at once")
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=20)
    source: str = Field("staff", max_length=16, description="staff, need or contest")
    source_ref: Line = ""
    needs: Ids = Field(default_factory=list, description="needs it meets")
    resources: Ids = Field(default_factory=list, description="resources it draws on")
    rule_item: Id | None = Field(None, description="the item the lead unit's claim is under")
    points: int | None = Field(None, ge=1, le=1_000_000, description="what completion earns")


def _needs(ids: list[int]) -> list[Need]:
    found = {n.pk: n for n in Need.objects.filter(pk__in=ids)}
    if any(i not in found for i in ids):
        raise NotFound(_("There is no such need."), field="needs")
    return [found[i] for i in dict.fromkeys(ids)]


def _resources(ids: list[int]) -> list[Resource]:
    found = {r.pk: r for r in Resource.objects.filter(pk__in=ids)}
    if any(i not in found for i in ids):
        raise NotFound(_("There is no such resource."), field="resources")
    return [found[i] for i in dict.fromkeys(ids)]


def _fen(yuan: Decimal) -> int:
    return int(yuan * 100)


@router.post("/projects", response={201: ProjectDetailOut})
def create_project(request: HttpRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    """Staff: a 微实事 — a draft to publish, or led at once when ``lead_organization`` is
    named; from needs (``source: need``) matched to resources."""
    actor = caller(request)
    one_of(payload.source, list(ProjectSource.values), "source")
    project = services.create_project(
        actor=actor,
        community=_community(payload.community),
        title=payload.title,
        summary=payload.summary,
        budget_fen=_fen(payload.budget),
        lead_organization=_organization(payload.lead_organization, "lead_organization"),
        milestones=[(m.title, m.due_on) for m in payload.milestones],
        source=payload.source,
        source_ref=payload.source_ref,
        needs=_needs(payload.needs),
        resources=_resources(payload.resources),
        rule_item=payload.rule_item,
        points=payload.points,
    )
    return Status(201, _project_detail(actor, project.pk))


class ProjectPatch(ProjectsBody):
    title: Line | None = None
    summary: LongText | None = None
    budget: Yuan | None = None
    rule_item: Id | None = None
    points: int | None = Field(None, ge=1, le=1_000_000)
    resources: Ids | None = Field(None, description="replaces the resources it draws on")
    needs: Ids = Field(default_factory=list, description="more needs it meets")


@router.patch("/projects/{project_id}", response=ProjectDetailOut)
def update_project(request: HttpRequest, project_id: Id, payload: ProjectPatch) -> dict[str, Any]:
    """Staff correct a project before completion: words, budget, reward, resources, needs."""
    actor = caller(request)
    services.update_project(
        actor=actor,
        project=_visible_project(actor, project_id),
        title=payload.title,
        summary=payload.summary,
        budget_fen=None if payload.budget is None else _fen(payload.budget),
        rule_item=payload.rule_item,
        points=payload.points,
        resources=None if payload.resources is None else _resources(payload.resources),
        needs=_needs(payload.needs),
    )
    return _project_detail(actor, project_id)


@router.post("/projects/{project_id}/publish", response=ProjectDetailOut)
def publish_project(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    """Staff put a draft on the list for units to take the lead."""
    actor = caller(request)
    services.publish_project(actor=actor, project=_visible_project(actor, project_id))
    return _project_detail(actor, project_id)


class OrganizationIn(ProjectsBody):
    organization: Id


@router.post("/projects/{project_id}/lead", response=ProjectDetailOut)
def lead_project(request: HttpRequest, project_id: Id, payload: OrganizationIn) -> dict[str, Any]:
    """领办: a unit's contact takes the lead of an open project for the unit; of many at
    once one wins, the rest get 409 ``already_taken``."""
    actor = caller(request)
    organization = _organization(payload.organization)
    assert organization is not None  # noqa: S101 - the field is required
    services.lead_project(
        actor=actor, project=_visible_project(actor, project_id), organization=organization
    )
    return _project_detail(actor, project_id)


@router.post("/projects/{project_id}/assign", response=ProjectDetailOut)
def assign_lead(request: HttpRequest, project_id: Id, payload: OrganizationIn) -> dict[str, Any]:
    """Staff name the lead unit of a draft or open project."""
    actor = caller(request)
    organization = _organization(payload.organization)
    assert organization is not None  # noqa: S101 - the field is required
    services.assign_lead(
        actor=actor, project=_visible_project(actor, project_id), organization=organization
    )
    return _project_detail(actor, project_id)


class OptionalReasonIn(ProjectsBody):
    reason: Reason = ""


@router.post("/projects/{project_id}/release", response=ProjectDetailOut)
def release_project(
    request: HttpRequest, project_id: Id, payload: OptionalReasonIn
) -> dict[str, Any]:
    """The lead unit gives the project back before any milestone is reached."""
    actor = caller(request)
    services.release_project(
        actor=actor, project=_visible_project(actor, project_id), reason=payload.reason
    )
    return _project_detail(actor, project_id)


@router.post("/projects/{project_id}/milestones", response={201: ProjectDetailOut})
def add_milestone(
    request: HttpRequest, project_id: Id, payload: MilestoneIn
) -> Status[dict[str, Any]]:
    """Staff or the lead unit's contact plan one more milestone."""
    actor = caller(request)
    services.add_milestone(
        actor=actor,
        project=_visible_project(actor, project_id),
        title=payload.title,
        due_on=payload.due_on,
    )
    return Status(201, _project_detail(actor, project_id))


class MilestoneReportIn(ProjectsBody):
    note: LongText = ""


@router.post(
    "/projects/{project_id}/milestones/{milestone_id}/report",
    response=ProjectDetailOut,
    openapi_extra=body_doc(MilestoneReportIn, files="photo"),
)
def report_milestone(request: HttpRequest, project_id: Id, milestone_id: Id) -> dict[str, Any]:
    """The lead unit's contact (or staff) reports a milestone reached: JSON, or a form
    with one ``photo``."""
    actor = caller(request)
    project = _visible_project(actor, project_id)
    milestone = project.milestones.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound(_("There is no such milestone."))
    payload, photos = form_or_json(request, MilestoneReportIn, files="photo")
    if len(photos) > 1:
        raise InvalidInput(_("One photo per milestone, please."), field="photo")
    services.report_milestone(
        actor=actor, milestone=milestone, note=payload.note, photo=photos[0] if photos else None
    )
    return _project_detail(actor, project_id)


@router.post("/projects/{project_id}/complete", response=ProjectDetailOut)
@idempotent
def complete_project(
    request: HttpRequest, project_id: Id, payload: ProjectNoteIn
) -> dict[str, Any]:
    """The lead unit's contact (or staff) reports it completed once every milestone is
    reached; the unit's claim enters review (``claim``), its points posted on approval."""
    actor = caller(request)
    services.complete_project(
        actor=actor, project=_visible_project(actor, project_id), note=payload.note
    )
    return _project_detail(actor, project_id)


@router.post("/projects/{project_id}/cancel", response=ProjectDetailOut)
def cancel_project(request: HttpRequest, project_id: Id, payload: ReasonBody) -> dict[str, Any]:
    """Staff cancel a project before completion; its needs are listed again."""
    actor = caller(request)
    services.cancel_project(
        actor=actor, project=_visible_project(actor, project_id), reason=payload.reason
    )
    return _project_detail(actor, project_id)
