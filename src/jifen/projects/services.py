"""Writes of 三单 and 微实事: one transaction per step, checked here.

Staff over the community (``MANAGE_UNITS``) keep the three lists. A unit's contact
(``OrganizationMember.is_contact``, not a role) acts for the unit: offers its resources,
takes a need or the lead of an open project (领办), reports milestones and completion. A
party member takes a need in person. Every step locks its row, asks the tables of
``models`` whether it may be taken from the row's status (409 ``invalid_transition``
naming the status otherwise), and writes a history row and an audit row in the same
transaction. Completing a project makes the lead unit's claim (source ``project``), which
the review group approves or rejects like any claim; the project is reviewed when they
have (``settle_reviews``: the clock, and whoever reads the project).
"""

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.claims import services as claims
from jifen.claims.models import Claim, Provenance
from jifen.claims.models import Status as ClaimStatus
from jifen.claims.photos import FORMATS, clean_image, read_upload
from jifen.lib import notify
from jifen.lib.bounds import MAX_POINTS, check_date
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.messages.models import Message
from jifen.notices import services as notices
from jifen.notices.texts import say, words
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.points.models import RuleItem
from jifen.projects.models import (
    AVAILABILITY_MAX,
    MAX_BUDGET_FEN,
    MAX_MILESTONES,
    NEED_STEP_LABELS,
    NEED_STEPS,
    NOTE_MAX,
    SOURCE_REF_MAX,
    STEP_LABELS,
    STEPS,
    SUMMARY_MAX,
    TITLE_MAX,
    Event,
    Milestone,
    Need,
    NeedEvent,
    NeedSource,
    NeedStatus,
    Project,
    ProjectSource,
    Resource,
    ResourceKind,
    Status,
    may_take,
    may_take_need,
)
from jifen.regions.models import Level, Region
from jifen.requests.models import ServiceRequest

# The claim a completed project makes (claims.Source has no member for it yet: the
# column is free text, and the coordinator adds the label).
CLAIM_SOURCE = "project"
# How many resources one project may draw on, and needs one project may meet.
MAX_LINKS = 20

# --- Helpers ------


def _line(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required)


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required, lines=True)


def _community(region: Region) -> Region:
    if region.level != Level.COMMUNITY:
        raise InvalidInput(
            _("The three lists are kept by a community or village."), field="community"
        )
    return region


def is_staff(actor: Person | None, community: Region) -> bool:
    """The operator (``actor=None``) or staff and admins over the community."""
    return actor is None or authz.can(actor, authz.MANAGE_UNITS, community)


def _require_staff(actor: Person | None, community: Region) -> None:
    if actor is not None:
        authz.require(actor, authz.MANAGE_UNITS, community)


def is_contact(person: Person | None, organization: Organization | None) -> bool:
    if person is None or organization is None or not person.is_active:
        return False
    return OrganizationMember.objects.filter(
        organization=organization, person=person, is_contact=True
    ).exists()


def serves(organization: Organization, community: Region) -> bool:
    """A unit serves the community it is registered in, one below it, or the town or
    county above it (a county organ serves every community under it)."""
    return community.is_within(organization.region) or organization.region.is_within(community)


def _require_serves(organization: Organization, community: Region, field: str) -> None:
    if not serves(organization, community):
        raise InvalidInput(
            _("%(name)s does not serve %(community)s."),
            code="organization_elsewhere",
            field=field,
            params={"name": organization.name, "community": community.name},
        )


def may_lead(organization: Organization, community: Region) -> bool:
    """A project's lead unit is a unit of its community: its points (the completion's
    claim) are kept in the community's ledger, which only a community keeps."""
    return organization.region_id == community.pk


def _require_may_lead(organization: Organization, community: Region, field: str) -> None:
    if not may_lead(organization, community):
        raise InvalidInput(
            _("The lead unit must be a unit of %(community)s, whose ledger keeps its points."),
            code="organization_elsewhere",
            field=field,
            params={"community": community.name},
        )


def _not_yours() -> PermissionDenied:
    return PermissionDenied(
        _("Only the unit's contact person or the community's staff may do this."),
        code="not_contact",
    )


def clean_budget(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BUDGET_FEN:
        raise InvalidInput(
            _("The budget is a sum from 0 to %(max)s yuan."),
            code="invalid_budget",
            field="budget",
            params={"max": f"{MAX_BUDGET_FEN // 100:,}"},
        )
    return value


def yuan_to_fen(value: Any) -> int:
    """A sum in yuan as typed ("12500", "12,500.5", 12500.50) → fen; 400 otherwise."""
    text = str(value if value is not None else "").replace(",", "").replace("，", "").strip()
    try:
        amount = Decimal(text or "0")
    except InvalidOperation:
        amount = Decimal("NaN")
    if amount.is_finite() and not 0 <= amount <= MAX_BUDGET_FEN // 100:
        clean_budget(-1)  # out of bounds: its message names them
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01"), ROUND_DOWN):
        raise InvalidInput(
            _("Enter the budget in yuan, with at most two decimals."),
            code="invalid_budget",
            field="budget",
        )
    return int(amount * 100)


def _clean_points(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POINTS:
        raise InvalidInput(
            _("Points are a whole number from 1 to %(max)s."),
            code="invalid_amount",
            field="points",
            params={"max": f"{MAX_POINTS:,}"},
        )
    return value


def _clean_due(value: date | None) -> date | None:
    if value is not None:
        check_date(value, "due_on")
    return value


def _project_url(project: Project) -> str:
    try:
        return reverse("projects:detail", args=[project.pk])
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        return ""


def _tell_contacts(
    organization: Organization | None,
    project: Project,
    subject: str | Promise,
    body: str | Promise,
    **params: Any,
) -> int:
    """A notice to each active contact of the unit, in each reader's language."""
    if organization is None:
        return 0
    contacts = [
        m.person
        for m in OrganizationMember.objects.filter(
            organization=organization, is_contact=True, person__is_active=True
        ).select_related("person")
    ]
    params = {"title": project.title, "unit": organization.name, **params}
    url = _project_url(project)
    return notices.send(
        [
            notify.Message(
                person, say(subject, **params), say(body, **params), kind="projects", url=url
            )
            for person in contacts
        ]
    )


# --- Resources (资源清单) ------


@transaction.atomic
def offer_resource(
    *,
    actor: Person | None,
    community: Region,
    kind: str,
    title: str,
    description: str = "",
    availability: str = "",
    organization: Organization | None = None,
    person: Person | None = None,
) -> Resource:
    """A unit's contact offers what the unit can give; staff enter a unit's or a person's."""
    community = _community(community)
    staff = is_staff(actor, community)
    if organization is not None and person is not None:
        raise InvalidInput(_("Offered by a unit or by a person, not both."), field="person")
    if organization is None and person is None:
        if actor is None or staff:
            raise InvalidInput(_("Choose the unit or the person who offers it."), field="person")
        raise _not_yours()
    if organization is not None:
        if not staff and not is_contact(actor, organization):
            raise _not_yours()
        _require_serves(organization, community, "organization")
    elif not staff:
        raise _not_yours()
    if kind not in ResourceKind.values:
        raise InvalidInput(_("Choose what kind of resource it is."), field="kind")
    resource = Resource.objects.create(
        community=community,
        kind=kind,
        title=_line(title, "title", TITLE_MAX),
        description=_text(description, "description", SUMMARY_MAX, required=False),
        availability=_line(availability, "availability", AVAILABILITY_MAX, required=False),
        organization=organization,
        person=person,
        created_by=actor,
    )
    record(
        actor=actor,
        action="projects.resource.offer",
        target=resource,
        region=community,
        after={
            "kind": kind,
            "title": resource.title,
            "organization": organization.name if organization else None,
            "person": person.volunteer_no if person else None,
        },
    )
    return resource


def _locked_resource(resource: Resource | int) -> Resource:
    pk = resource.pk if isinstance(resource, Resource) else resource
    try:
        return (
            Resource.objects.select_for_update(of=("self",))
            .select_related("community", "organization")
            .get(pk=pk)
        )
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such resource.")) from None


@transaction.atomic
def withdraw_resource(*, actor: Person | None, resource: Resource | int) -> Resource:
    """No longer on offer (kept: projects that drew on it still name it)."""
    resource = _locked_resource(resource)
    if not (
        is_staff(actor, resource.community)
        or is_contact(actor, resource.organization)
        or (actor is not None and resource.person_id == actor.pk)
    ):
        raise _not_yours()
    if not resource.is_active:
        raise Conflict(_("This resource is no longer on offer."), code="invalid_transition")
    resource.is_active = False
    resource.save(update_fields=["is_active", "updated_at"])
    record(
        actor=actor,
        action="projects.resource.withdraw",
        target=resource,
        region=resource.community,
        before={"is_active": True},
        after={"is_active": False},
    )
    return resource


# --- Needs (需求清单) ------


def _locked_need(need: Need | int) -> Need:
    pk = need.pk if isinstance(need, Need) else need
    try:
        return (
            Need.objects.select_for_update(of=("self",))
            .select_related("community", "claimed_organization", "claimed_by")
            .get(pk=pk)
        )
    except (Need.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such need.")) from None


def _require_need_step(need: Need, step: str) -> None:
    if not may_take_need(step, need.status):
        if step == "claim" and need.status == NeedStatus.CLAIMED:
            raise Conflict(
                _("Someone has already taken this need."),
                code="already_taken",
            )
        raise Conflict(
            _("This need is %(status)s, so the step “%(step)s” cannot be taken."),
            code="invalid_transition",
            params={"status": need.get_status_display(), "step": NEED_STEP_LABELS[step]},
        )


def _need_step(
    need: Need,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    organization: Organization | None = None,
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
) -> NeedEvent:
    before = need.status
    need.status = NEED_STEPS[step].target
    need.save(update_fields=["status", "updated_at", *fields])
    event = NeedEvent.objects.create(
        need=need,
        step=step,
        from_status=before,
        to_status=need.status,
        actor=actor,
        organization=organization,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"projects.need.{step}",
        target=need,
        region=need.community,
        before={"status": before},
        after={"status": need.status, **(audit or {})},
    )
    return event


@transaction.atomic
def create_need(
    *,
    actor: Person | None,
    community: Region,
    title: str,
    description: str = "",
    source: str = NeedSource.OTHER,
    service_request: ServiceRequest | None = None,
    message: Message | None = None,
    source_note: str = "",
) -> Need:
    """Staff list a need: from a resident's request or message (linked), a survey or a
    visit (noted)."""
    community = _community(community)
    _require_staff(actor, community)
    if source not in NeedSource.values:
        raise InvalidInput(_("Choose where the need came from."), field="source")
    if service_request is not None:
        if service_request.community_id != community.pk:
            raise InvalidInput(
                _("That request was made in another community."), field="service_request"
            )
        source = NeedSource.REQUEST
    if message is not None:
        if not (community.is_within(message.region) or message.region.is_within(community)):
            raise InvalidInput(_("That message was written to another place."), field="message")
        if service_request is None:
            source = NeedSource.MESSAGE
    if source == NeedSource.REQUEST and service_request is None:
        raise InvalidInput(_("Choose the request it came from."), field="service_request")
    if source == NeedSource.MESSAGE and message is None:
        raise InvalidInput(_("Choose the message it came from."), field="message")
    need = Need.objects.create(
        community=community,
        title=_line(title, "title", TITLE_MAX),
        description=_text(description, "description", SUMMARY_MAX, required=False),
        source=source,
        service_request=service_request,
        message=message,
        source_note=_line(source_note, "source_note", SOURCE_REF_MAX, required=False),
        created_by=actor,
    )
    NeedEvent.objects.create(need=need, step="create", to_status=need.status, actor=actor)
    record(
        actor=actor,
        action="projects.need.create",
        target=need,
        region=community,
        after={
            "title": need.title,
            "source": source,
            "service_request": service_request.pk if service_request else None,
            "message": message.pk if message else None,
        },
    )
    return need


def may_claim_in_person(person: Person | None) -> bool:
    """Who takes a need in person: a party member (在职党员 reporting home or not)."""
    return (
        person is not None
        and person.is_active
        and (person.is_party_member or person.is_reporting_party_member)
    )


@transaction.atomic
def claim_need(
    *, actor: Person | None, need: Need | int, organization: Organization | None = None
) -> Need:
    """认领: a person (a party member) or a unit (by its contact) takes a need from the
    list. Of many at once exactly one wins; the rest get 409 ``already_taken``."""
    need = _locked_need(need)
    if actor is None:
        raise PermissionDenied(_("A need is taken by a person or a unit's contact."))
    if organization is not None:
        if not is_contact(actor, organization):
            raise _not_yours()
        _require_serves(organization, need.community, "organization")
    elif not may_claim_in_person(actor):
        raise PermissionDenied(
            _("Needs are taken in person by party members, or by a unit's contact for the unit."),
            code="not_party_member",
        )
    elif not (actor.is_reporting_party_member or actor.community_id == need.community_id):
        # A party member serves their home community; one working elsewhere reports home
        # (在职党员回家报到) to the community they choose, which the party records keep.
        raise PermissionDenied(
            _("Party members take the needs of their own community."), code="not_your_community"
        )
    _require_need_step(need, "claim")
    need.claimed_by = actor
    need.claimed_organization = organization
    need.claimed_at = timezone.now()
    _need_step(
        need,
        "claim",
        actor,
        organization=organization,
        fields=["claimed_by", "claimed_organization", "claimed_at"],
        audit={"organization": organization.name if organization else None},
    )
    return need


def _is_taker(actor: Person | None, need: Need) -> bool:
    if actor is None:
        return False
    if need.claimed_organization_id:
        return is_contact(actor, need.claimed_organization)
    return need.claimed_by_id == actor.pk


@transaction.atomic
def release_need(*, actor: Person | None, need: Need | int, note: str = "") -> Need:
    """The taker gives a need back to the list (or staff take it back)."""
    need = _locked_need(need)
    if not (_is_taker(actor, need) or is_staff(actor, need.community)):
        raise PermissionDenied(_("Only whoever took this need, or staff, may give it back."))
    _require_need_step(need, "release")
    need.claimed_by = None
    need.claimed_organization = None
    need.claimed_at = None
    _need_step(
        need,
        "release",
        actor,
        note=_line(note, "note", NOTE_MAX, required=False),
        fields=["claimed_by", "claimed_organization", "claimed_at"],
    )
    return need


@transaction.atomic
def meet_need(*, actor: Person | None, need: Need | int, note: str = "") -> Need:
    """The taker (or staff) reports a taken need met."""
    need = _locked_need(need)
    staff = is_staff(actor, need.community)
    if not (staff or _is_taker(actor, need)):
        raise PermissionDenied(_("Only whoever took this need, or staff, may report it met."))
    if need.status == NeedStatus.PLANNED and not staff:
        raise PermissionDenied(_("A need in a project is met when its project is completed."))
    _require_need_step(need, "meet")
    need.met_at = timezone.now()
    _need_step(
        need,
        "meet",
        actor,
        note=_text(note, "note", NOTE_MAX, required=False),
        fields=["met_at"],
    )
    return need


@transaction.atomic
def close_need(*, actor: Person | None, need: Need | int, reason: str) -> Need:
    """Staff close a need that will not be met here (a duplicate, another body's)."""
    need = _locked_need(need)
    _require_staff(actor, need.community)
    _require_need_step(need, "close")
    need.close_reason = _line(reason, "reason", NOTE_MAX)
    _need_step(need, "close", actor, note=need.close_reason, fields=["close_reason"])
    return need


# --- Projects (项目清单 · 微实事) ------


def _locked(project: Project | int) -> Project:
    pk = project.pk if isinstance(project, Project) else project
    try:
        return (
            Project.objects.select_for_update(of=("self",))
            .select_related("community", "lead_organization")
            .get(pk=pk)
        )
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such project.")) from None


def _require_step(project: Project, step: str) -> None:
    if not may_take(step, project.status):
        if step == "lead" and project.status in (Status.LED, Status.IN_PROGRESS):
            raise Conflict(_("Another unit has already taken the lead."), code="already_taken")
        raise Conflict(
            _("This project is %(status)s, so the step “%(step)s” cannot be taken."),
            code="invalid_transition",
            params={"status": project.get_status_display(), "step": STEP_LABELS[step]},
        )


def _step(
    project: Project,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    organization: Organization | None = None,
    milestone: Milestone | None = None,
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
) -> Event:
    before = project.status
    project.status = STEPS[step].target
    project.save(update_fields=["status", "updated_at", *fields])
    event = Event.objects.create(
        project=project,
        step=step,
        from_status=before,
        to_status=project.status,
        actor=actor,
        organization=organization,
        milestone=milestone,
        note=note[:NOTE_MAX],
    )
    record(
        actor=actor,
        action=f"projects.project.{step}",
        target=project,
        region=project.community,
        before={"status": before},
        after={"status": project.status, **(audit or {})},
    )
    return event


def is_lead_contact(actor: Person | None, project: Project) -> bool:
    return is_contact(actor, project.lead_organization)


def _require_lead_or_staff(actor: Person | None, project: Project) -> bool:
    """True for staff; the lead unit's contact passes too; anyone else gets 403."""
    if is_staff(actor, project.community):
        return True
    if is_lead_contact(actor, project):
        return False
    raise _not_yours()


def clean_reward(
    community: Region, rule_item: RuleItem | int | None, points: Any
) -> tuple[RuleItem | None, int | None]:
    """The rule item (of the community or above) and the points a completion earns."""
    item = None
    if rule_item is not None:
        item = claims.rule_item_for(
            community, rule_item.pk if isinstance(rule_item, RuleItem) else rule_item
        )
    return item, _clean_points(points)


def _add_milestones(
    project: Project, milestones: Iterable[tuple[str, date | None]]
) -> list[Milestone]:
    items = list(milestones)
    have = project.milestones.count() if project.pk else 0
    if have + len(items) > MAX_MILESTONES:
        raise InvalidInput(
            _("At most %(n)s milestones per project."),
            field="milestones",
            params={"n": MAX_MILESTONES},
        )
    made = []
    for offset, item in enumerate(items):
        try:
            title, due_on = item
        except (TypeError, ValueError):
            raise InvalidInput(
                _("A milestone is a title and a due date."), field="milestones"
            ) from None
        if due_on is not None and not isinstance(due_on, date):
            raise InvalidInput(_("Enter a valid date."), field="milestones")
        made.append(
            Milestone.objects.create(
                project=project,
                position=have + offset + 1,
                title=_line(title, "milestones", TITLE_MAX),
                due_on=_clean_due(due_on),
            )
        )
    return made


def _plan_needs(project: Project, needs: Sequence[Need], actor: Person | None) -> None:
    if len(needs) > MAX_LINKS:
        raise InvalidInput(_("Too many needs for one project."), field="needs")
    for need in sorted(needs, key=lambda n: n.pk):  # lock in id order: no deadlock
        locked = _locked_need(need)
        if locked.community_id != project.community_id:
            raise InvalidInput(_("That need is another community's."), field="needs")
        _require_need_step(locked, "plan")
        locked.project = project
        _need_step(
            locked,
            "plan",
            actor,
            fields=["project"],
            audit={"project": project.pk},
        )


def _link_resources(project: Project, resources: Sequence[Resource]) -> None:
    if len(resources) > MAX_LINKS:
        raise InvalidInput(_("Too many resources for one project."), field="resources")
    for resource in resources:
        if resource.community_id != project.community_id:
            raise InvalidInput(
                _("That resource is offered to another community."), field="resources"
            )
        if not resource.is_active:
            raise InvalidInput(_("That resource is no longer on offer."), field="resources")
    project.resources.add(*resources)


@transaction.atomic
def create_project(
    *,
    actor: Person | None,
    community: Region,
    title: str,
    summary: str,
    budget_fen: int,
    lead_organization: Organization | None = None,
    milestones: Iterable[tuple[str, date | None]] = (),
    source: str = "staff",
    source_ref: str = "",
    needs: Sequence[Need] = (),
    resources: Sequence[Resource] = (),
    rule_item: RuleItem | int | None = None,
    points: int | None = None,
) -> Project:
    """微实事: staff (or, for a contest's winners, the contest's staff) make a project — a
    draft to publish for units to lead, or led at once when its lead unit is named."""
    community = _community(community)
    _require_staff(actor, community)
    if source not in ProjectSource.values:
        raise InvalidInput(_("Choose staff, need or contest."), field="source")
    if lead_organization is not None:
        _require_may_lead(lead_organization, community, "lead_organization")
    item, worth = clean_reward(community, rule_item, points)
    project = Project.objects.create(
        community=community,
        title=_line(title, "title", TITLE_MAX),
        summary=_text(summary, "summary", SUMMARY_MAX, required=False),
        budget_fen=clean_budget(budget_fen),
        source=source,
        source_ref=_line(source_ref, "source_ref", SOURCE_REF_MAX, required=False),
        rule_item=item,
        points=worth,
        created_by=actor,
    )
    made = _add_milestones(project, milestones)
    Event.objects.create(project=project, step="create", to_status=project.status, actor=actor)
    record(
        actor=actor,
        action="projects.project.create",
        target=project,
        region=community,
        after={
            "title": project.title,
            "budget_fen": project.budget_fen,
            "source": source,
            "source_ref": project.source_ref,
            "milestones": len(made),
            "points": worth,
        },
    )
    _plan_needs(project, needs, actor)
    _link_resources(project, resources)
    if lead_organization is not None:
        project.lead_organization = lead_organization
        project.led_at = timezone.now()
        _step(
            project,
            "assign",
            actor,
            organization=lead_organization,
            fields=["lead_organization", "led_at"],
            audit={"lead_organization": lead_organization.name},
        )
        _tell_assigned(project, lead_organization)
    return project


@transaction.atomic
def update_project(
    *,
    actor: Person | None,
    project: Project | int,
    title: str | None = None,
    summary: str | None = None,
    budget_fen: int | None = None,
    rule_item: RuleItem | int | None = None,
    points: int | None = None,
    resources: Sequence[Resource] | None = None,
    needs: Sequence[Need] = (),
) -> Project:
    """Staff correct a project before it is completed: its words, budget, reward, the
    resources it draws on, more needs it meets."""
    project = _locked(project)
    _require_staff(actor, project.community)
    if project.status in (Status.COMPLETED, Status.REVIEWED, Status.CANCELLED):
        raise Conflict(
            _("A completed or cancelled project is no longer changed."),
            code="invalid_transition",
        )
    before = {
        "title": project.title,
        "budget_fen": project.budget_fen,
        "points": project.points,
        "rule_item": project.rule_item_id,
    }
    if title is not None:
        project.title = _line(title, "title", TITLE_MAX)
    if summary is not None:
        project.summary = _text(summary, "summary", SUMMARY_MAX, required=False)
    if budget_fen is not None:
        project.budget_fen = clean_budget(budget_fen)
    if rule_item is not None or points is not None:
        item, worth = clean_reward(
            project.community,
            rule_item if rule_item is not None else project.rule_item,
            points if points is not None else project.points,
        )
        project.rule_item, project.points = item, worth
    project.save()
    if resources is not None:
        project.resources.clear()
        _link_resources(project, resources)
    _plan_needs(project, needs, actor)
    record(
        actor=actor,
        action="projects.project.update",
        target=project,
        region=project.community,
        before=before,
        after={
            "title": project.title,
            "budget_fen": project.budget_fen,
            "points": project.points,
            "rule_item": project.rule_item_id,
            "resources": sorted(project.resources.values_list("pk", flat=True)),
            "needs": sorted(n.pk for n in needs),
        },
    )
    return project


@transaction.atomic
def add_milestone(
    *, actor: Person | None, project: Project | int, title: str, due_on: date | None = None
) -> Milestone:
    """Staff, or the lead unit's contact, plan one more milestone before completion."""
    project = _locked(project)
    _require_lead_or_staff(actor, project)
    if project.status in (Status.COMPLETED, Status.REVIEWED, Status.CANCELLED):
        raise Conflict(
            _("A completed or cancelled project takes no more milestones."),
            code="invalid_transition",
        )
    (milestone,) = _add_milestones(project, [(title, due_on)])
    record(
        actor=actor,
        action="projects.milestone.add",
        target=project,
        region=project.community,
        after={"milestone": milestone.pk, "title": milestone.title, "due_on": str(due_on or "")},
    )
    return milestone


@transaction.atomic
def publish_project(*, actor: Person | None, project: Project | int) -> Project:
    """Staff put a draft on the projects list for units to take the lead."""
    project = _locked(project)
    _require_staff(actor, project.community)
    _require_step(project, "publish")
    _step(project, "publish", actor)
    return project


@transaction.atomic
def lead_project(
    *, actor: Person | None, project: Project | int, organization: Organization
) -> Project:
    """领办: a unit's contact takes the lead of an open project for the unit. Of many at
    once exactly one wins; the rest get 409 ``already_taken``."""
    project = _locked(project)
    if not is_contact(actor, organization):
        raise _not_yours()
    _require_may_lead(organization, project.community, "organization")
    _require_step(project, "lead")
    project.lead_organization = organization
    project.led_at = timezone.now()
    _step(
        project,
        "lead",
        actor,
        organization=organization,
        fields=["lead_organization", "led_at"],
        audit={"lead_organization": organization.name},
    )
    return project


@transaction.atomic
def assign_lead(
    *, actor: Person | None, project: Project | int, organization: Organization
) -> Project:
    """Staff name the lead unit of a draft or open project."""
    project = _locked(project)
    _require_staff(actor, project.community)
    _require_may_lead(organization, project.community, "organization")
    _require_step(project, "assign")
    project.lead_organization = organization
    project.led_at = timezone.now()
    _step(
        project,
        "assign",
        actor,
        organization=organization,
        fields=["lead_organization", "led_at"],
        audit={"lead_organization": organization.name},
    )
    _tell_assigned(project, organization)
    return project


def _tell_assigned(project: Project, organization: Organization) -> None:
    _tell_contacts(
        organization,
        project,
        _("Your unit leads “%(title)s”"),
        _(
            "The community named %(unit)s the lead unit of the micro-project “%(title)s”. "
            "Report each milestone as it is reached, then its completion."
        ),
    )


@transaction.atomic
def release_project(*, actor: Person | None, project: Project | int, reason: str = "") -> Project:
    """The lead unit gives the project back to the list before any milestone is reached."""
    project = _locked(project)
    _require_lead_or_staff(actor, project)
    by_lead = is_lead_contact(actor, project)
    _require_step(project, "release")
    if project.milestones.filter(done_at__isnull=False).exists():
        raise Conflict(
            _("A milestone has been reached: the project can no longer be given back."),
            code="invalid_transition",
        )
    former = project.lead_organization
    project.lead_organization = None
    project.led_at = None
    note = _line(reason, "reason", NOTE_MAX, required=False)
    _step(
        project,
        "release",
        actor,
        note=note,
        organization=former,
        fields=["lead_organization", "led_at"],
        audit={"lead_organization": former.name if former else None},
    )
    if not by_lead:  # staff took it back: the unit hears it from Jifen, with the reason
        _tell_contacts(
            former,
            project,
            _("“%(title)s” is back on the list"),
            _(
                "The community took the micro-project “%(title)s” back from %(unit)s and "
                "put it on the list for another unit. Reason: %(reason)s"
            ),
            reason=words(note) if note else "—",
        )
    return project


def _locked_milestone(milestone: Milestone | int) -> Milestone:
    pk = milestone.pk if isinstance(milestone, Milestone) else milestone
    try:
        return Milestone.objects.select_for_update(of=("self",)).get(pk=pk)
    except (Milestone.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such milestone.")) from None


@transaction.atomic
def report_milestone(
    *,
    actor: Person | None,
    milestone: Milestone | int,
    note: str = "",
    photo: Any = None,
) -> Milestone:
    """The lead unit's contact (or staff) reports a milestone reached, with a note and a
    photo; the project is then in progress."""
    pk = milestone.pk if isinstance(milestone, Milestone) else milestone
    try:
        project_id = Milestone.objects.values_list("project_id", flat=True).get(pk=pk)
    except (Milestone.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such milestone.")) from None
    project = _locked(project_id)  # the project first, then its milestone: one order
    milestone = _locked_milestone(pk)
    _require_lead_or_staff(actor, project)
    _require_step(project, "report")
    if milestone.done_at is not None:
        raise Conflict(_("This milestone has already been reported."), code="already_done")
    milestone.note = _text(note, "note", NOTE_MAX, required=False)
    if photo is not None:
        data, fmt, _width, _height = clean_image(read_upload(photo))
        extension, content_type = FORMATS[fmt]
        milestone.photo.save(
            f"{project.pk}-{milestone.pk}-{timezone.now():%Y%m%d%H%M%S}.{extension}",
            ContentFile(data),
            save=False,
        )
        milestone.photo_type = content_type
    milestone.done_at = timezone.now()
    milestone.done_by = actor
    milestone.save()
    _step(
        project,
        "report",
        actor,
        note=milestone.note,
        organization=project.lead_organization,
        milestone=milestone,
        audit={"milestone": milestone.pk, "title": milestone.title, "photo": bool(photo)},
    )
    return milestone


def _claimant(actor: Person | None, project: Project) -> Person:
    """Who the lead unit's claim names: the contact who completed it, or the unit's
    first contact when staff did."""
    if actor is not None and is_lead_contact(actor, project):
        return actor
    member = (
        OrganizationMember.objects.filter(
            organization=project.lead_organization, is_contact=True, person__is_active=True
        )
        .select_related("person")
        .order_by("id")
        .first()
    )
    if member is None:
        raise Conflict(
            _("The lead unit has no contact person to hold its claim; name one first."),
            code="no_contact",
        )
    return member.person


@transaction.atomic
def complete_project(*, actor: Person | None, project: Project | int, note: str = "") -> Project:
    """The lead unit's contact (or staff) reports the project completed once every
    milestone is reached: its needs are met and the lead unit's claim enters review."""
    project = _locked(project)
    staff = _require_lead_or_staff(actor, project)
    _require_step(project, "complete")
    if project.milestones.filter(done_at__isnull=True).exists():
        raise Conflict(
            _("Report every milestone before completing the project."), code="milestones_open"
        )
    if project.rule_item_id is None or project.points is None:
        raise Conflict(
            _("The community has not yet set the points this project earns; ask its staff."),
            code="no_reward",
        )
    project.completion_note = _text(note, "note", SUMMARY_MAX, required=False)
    project.completed_at = timezone.now()
    assert project.lead_organization is not None  # noqa: S101 - a CHECK of led projects
    assert project.rule_item is not None  # noqa: S101 - checked above
    project.claim = claims.create_claim(
        person=_claimant(actor, project),
        rule_item=project.rule_item,
        quantity=1,
        occurred_on=timezone.localdate(),
        description=project.title,
        source=CLAIM_SOURCE,
        source_id=project.pk,
        provenance=Provenance.ON_SITE if staff else Provenance.DECLARED,
        created_by=actor,
        organization=project.lead_organization,
        check_age=False,
        fixed_points=project.points,
    )
    _step(
        project,
        "complete",
        actor,
        note=project.completion_note,
        organization=project.lead_organization,
        fields=["completion_note", "completed_at", "claim"],
        audit={"claim": project.claim.pk, "points": project.points},
    )
    for need in project.needs.filter(status=NeedStatus.PLANNED).order_by("pk"):
        locked = _locked_need(need)
        locked.met_at = project.completed_at
        _need_step(locked, "meet", actor, fields=["met_at"], audit={"project": project.pk})
    return project


def settle_review(project: Project | int) -> bool:
    """A completed project whose claim the review group has decided becomes reviewed
    (by the system). Idempotent; True when it moved."""
    pk = project.pk if isinstance(project, Project) else project
    with transaction.atomic():
        locked = _locked(pk)
        if locked.status != Status.COMPLETED or locked.claim_id is None:
            return False
        claim = Claim.objects.get(pk=locked.claim_id)
        if claim.status == ClaimStatus.PENDING:
            return False
        locked.reviewed_at = timezone.now()
        _step(
            locked,
            "review",
            None,
            note=str(claim.status),
            fields=["reviewed_at"],
            audit={"claim": claim.pk, "claim_status": claim.status},
        )
        if claim.status == ClaimStatus.APPROVED:
            _tell_contacts(
                locked.lead_organization,
                locked,
                _("Points for “%(title)s”"),
                _("The review group approved %(points)s points to %(unit)s for “%(title)s”."),
                points=claim.points,
            )
        else:
            _tell_contacts(
                locked.lead_organization,
                locked,
                _("Points for “%(title)s” not approved"),
                _(
                    "The review group did not approve the points of %(unit)s for “%(title)s”; "
                    "the claim's page says why."
                ),
            )
        return True


def settle_reviews(limit: int = 500) -> int:
    """``jifen tick``: every completed project whose claim has been decided."""
    ids = list(
        Project.objects.filter(status=Status.COMPLETED)
        .exclude(claim__status=ClaimStatus.PENDING)
        .values_list("pk", flat=True)[:limit]
    )
    return sum(settle_review(pk) for pk in ids)


@transaction.atomic
def cancel_project(*, actor: Person | None, project: Project | int, reason: str) -> Project:
    """Staff cancel a project before completion; its needs go back on the list."""
    project = _locked(project)
    _require_staff(actor, project.community)
    _require_step(project, "cancel")
    project.cancel_reason = _line(reason, "reason", NOTE_MAX)
    _step(project, "cancel", actor, note=project.cancel_reason, fields=["cancel_reason"])
    _tell_contacts(
        project.lead_organization,
        project,
        _("“%(title)s” is cancelled"),
        _("The community cancelled the micro-project “%(title)s”: %(reason)s"),
        reason=project.cancel_reason,
    )
    for need in project.needs.filter(status=NeedStatus.PLANNED).order_by("pk"):
        locked = _locked_need(need)
        locked.project = None
        _need_step(locked, "reopen", actor, fields=["project"], audit={"project": project.pk})
    return project
