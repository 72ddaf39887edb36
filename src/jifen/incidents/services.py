"""Writes of grid incidents: one transaction per step, checked here.

Every step goes through ``_step``: the incident row is locked, the workflow table
(``models.STEPS``) says whether the step may be taken from its status (409
``invalid_transition`` naming the status otherwise), the row changes, and the step is
written to the incident's history and the audit log, with notices to the people it
concerns. Who may take a step is decided here: the grid workers (role ``grid``) and
staff over the region of the tier that handles it now; the reporter for their own
report; staff alone close without a fix.

Deadlines come from ``lib.workdays`` (China's working days with 调休, the
administrators' corrections) and are recomputed when the incident moves up a tier.
Grid workers' points (党建+网格+积分) are claims with source ``incident``, reviewed like
any claim: one when their report is accepted by someone else, one when an incident they
handled is closed verified by someone else (四眼: whoever resolved it never checks it) —
each at most once per incident.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.claims import services as claims
from jifen.claims.models import Provenance, Source
from jifen.claims.photos import FORMATS, clean_image, read_upload
from jifen.incidents import selectors
from jifen.incidents.models import (
    REOPEN_DAYS,
    RUNNING,
    STEPS,
    TIER_ORDER,
    Category,
    CloseReason,
    Event,
    Incident,
    Photo,
    Status,
    Tier,
    may_take,
)
from jifen.incidents.models import (
    Source as IncidentSource,
)
from jifen.lib import notify, workdays
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person, Role
from jifen.points.models import RuleItem
from jifen.points.services import CODE_RE
from jifen.regions.models import Level, Region

MAX_PHOTOS = 4


# --- Helpers ------------------------------------------------------------------------------------


def _locked(incident: Incident | int) -> Incident:
    pk = incident.pk if isinstance(incident, Incident) else incident
    # The row is locked by itself first, then read with what it points at: locked through
    # its joins, a row whose handling region a concurrent escalation just changed would
    # drop out on PostgreSQL (its re-check joins the new row to the old region) and the
    # step would answer 404.
    try:
        Incident.objects.select_for_update().filter(pk=pk).values_list("pk").get()
        return Incident.objects.select_related(
            "community", "region", "handling_region", "category", "reporter"
        ).get(pk=pk)
    except (Incident.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("There is no such incident.")) from None


def _require_step(incident: Incident, step: str) -> None:
    if not may_take(step, incident.status):
        raise Conflict(
            _("This incident is %(status)s, so it cannot be %(step)s."),
            code="invalid_transition",
            params={"status": incident.get_status_display(), "step": STEPS[step].label},
        )


def _require_handler(actor: Person | None, incident: Incident) -> None:
    """Grid workers and staff over the region of the tier that handles it now (and the
    tiers above: a community's staff may act on their grids' incidents)."""
    authz.require(actor, authz.HANDLE_INCIDENTS, incident.handling_region)


def _step(
    incident: Incident,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
) -> Event:
    before = incident.status
    target = STEPS[step].target
    if target is not None:
        incident.status = target
    incident.save(update_fields=["status", "updated_at", *fields])
    event = Event.objects.create(
        incident=incident,
        step=step,
        from_status=before,
        to_status=incident.status,
        tier=incident.tier,
        actor=actor,
        note=note,
        due_at=incident.due_at,
    )
    record(
        actor=actor,
        action=f"incidents.{step}",
        target=incident,
        region=incident.community,
        before={"status": before},
        after={"status": incident.status, "tier": incident.tier, **(audit or {})},
    )
    return event


def detail_url(incident: Incident) -> str:
    try:
        return reverse("incidents:detail", args=[incident.pk])
    except NoReverseMatch:  # the pages are not wired (a test of the services alone)
        return ""


def _tell(
    people: Iterable[Person | None],
    incident: Incident,
    subject: str | Promise,
    body: str | Promise,
    *,
    kind: str,
    skip: Person | None = None,
    **params: Any,
) -> None:
    """A notice to each person once, in each reader's language; the backend hears after
    commit. ``skip``: whoever took the step knows already (a grid worker accepting their
    own report, or taking it on themselves) and is not told of it."""
    seen: set[int] = set() if skip is None else {skip.pk}
    targets = []
    for person in people:
        if person is not None and person.pk not in seen and person.is_active:
            seen.add(person.pk)
            targets.append(person)
    if not targets:
        return
    params = {"id": incident.pk, "category": incident.category.name, **params}
    url = detail_url(incident)
    notices.send(
        [
            notify.Message(p, say(subject, **params), say(body, **params), kind=kind, url=url)
            for p in targets
        ]
    )


def _handlers(incident: Incident) -> list[Person]:
    """Who acts on it now: its handler, or the organisation's contacts, or else the grid
    workers (or, above the grid, the staff) of the handling region."""
    if incident.assignee is not None:
        return [incident.assignee]
    if incident.organization is not None:
        return [
            m.person
            for m in OrganizationMember.objects.filter(
                organization=incident.organization, is_contact=True
            ).select_related("person")
        ]
    return _tier_workers(incident)


def _tier_workers(incident: Incident) -> list[Person]:
    """The grid workers of the handling grid (or, where it has none, and above the grid,
    the staff over the handling region): who accepts and assigns it."""
    if incident.tier == Tier.GRID:
        workers = selectors.role_holders(incident.handling_region, Role.GRID)
        if workers:
            return workers
    return selectors.role_holders(incident.handling_region, Role.STAFF)


def _supervisors(incident: Incident) -> list[Person]:
    """The staff of the community (or, at the town tier, of the town)."""
    region = incident.handling_region if incident.tier == Tier.TOWN else incident.community
    return selectors.role_holders(region, Role.STAFF)


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    return clean_field(value, field, limit, required=required, lines=True)


def _photos(incident: Incident, uploads: list[Any], actor: Person | None, event: Event) -> None:
    if len(uploads) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)s photos at a time."), field="photos", params={"n": MAX_PHOTOS}
        )
    for upload in uploads:
        data, fmt, width, height = clean_image(read_upload(upload))
        extension, content_type = FORMATS[fmt]
        photo = Photo(
            incident=incident,
            event=event,
            content_type=content_type,
            width=width,
            height=height,
            uploaded_by=actor,
        )
        photo.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
        photo.save()


def _deadline(incident: Incident, start: datetime) -> datetime:
    category = incident.category
    if category.deadline_hours:
        return workdays.deadline(start, hours=category.deadline_hours)
    return workdays.deadline(start, days=category.deadline_days)


def _grid_worker(person: Person | None, region: Region) -> bool:
    return person is not None and any(
        role == Role.GRID and region.path.startswith(path) for role, path in authz.grants(person)
    )


# --- Categories -----------------------------------------------------------------------------------


@transaction.atomic
def save_category(
    *,
    actor: Person | None,
    region: Region,
    code: str,
    name: str,
    tier: str = Tier.GRID,
    deadline_days: Any = 3,
    deadline_hours: Any = 0,
    photo_required: bool = False,
    default_organization: Organization | None = None,
    report_item: Any = None,
    close_item: Any = None,
    description: str = "",
    is_active: bool = True,
    position: int = 0,
) -> Category:
    """A county's category (serving every community below), or a community's own of the
    same code replacing it there; saving an existing code changes it."""
    if actor is not None:
        authz.require(actor, authz.MANAGE_RULES, region)
    if region.level not in (Level.COUNTY, Level.TOWN, Level.COMMUNITY):
        raise InvalidInput(_("Categories belong to a county, town or community."), field="region")
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(_("An item code has 1 to 32 letters, digits, '-' or '_'."), field="code")
    if tier not in Tier.values:
        raise InvalidInput(_("Choose who handles it from the list."), field="tier")
    for field, value, top in (
        ("deadline_days", deadline_days, 60),
        ("deadline_hours", deadline_hours, 168),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise InvalidInput(
                _("This is a whole number from 0 to %(max)s."), field=field, params={"max": top}
            )
    if deadline_days < 1:
        raise InvalidInput(_("The deadline is 1 to 60 working days."), field="deadline_days")
    items = {}
    for field, value in (("report_item", report_item), ("close_item", close_item)):
        items[field] = (
            None
            if value in (None, "")
            else value
            if isinstance(value, RuleItem)
            else claims.rule_item_for(region, value)
        )
    values = {
        "name": clean_field(name, "name", 50),
        "description": clean_field(description, "description", 300, required=False),
        "tier": tier,
        "deadline_days": deadline_days,
        "deadline_hours": deadline_hours,
        "photo_required": bool(photo_required),
        "default_organization": default_organization,
        "is_active": bool(is_active),
        "position": position,
        **items,
    }
    row, created = Category.objects.update_or_create(region=region, code=code, defaults=values)
    record(
        actor=actor,
        action="incidents.category.save",
        target=row,
        region=region,
        after={"code": code, "name": row.name, "tier": tier, "created": created},
    )
    return row


# --- Reporting --------------------------------------------------------------------------------


def _point(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        a, b = Decimal(str(lat)), Decimal(str(lng))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("A map point is two numbers."), field="lat") from None
    if not (a.is_finite() and b.is_finite() and -90 <= a <= 90 and -180 <= b <= 180):
        raise InvalidInput(_("This map point is not on the earth."), field="lat")
    return a.quantize(Decimal("0.000001")), b.quantize(Decimal("0.000001"))


def community_of(region: Region) -> Region:
    """The community a place lies in (400 for a town or a county: not a place)."""
    return _community_of(region)


def _community_of(region: Region) -> Region:
    if region.level in (Level.COUNTY, Level.TOWN):
        raise InvalidInput(_("Choose the community, grid or building where it is."), field="region")
    if region.level == Level.COMMUNITY:
        return region
    found = Region.objects.filter(code__in=region.ancestor_codes(), level=Level.COMMUNITY).first()
    if found is None:  # a region always lies in a community below a town
        raise InvalidInput(_("This place lies in no community."), field="region")
    return found


def handling_region(place: Region, tier: str) -> tuple[str, Region]:
    """The tier that handles an incident at ``place`` and its region: the grid the place
    lies in (or, where the community has drawn no grid there, the community), the
    community, or the town."""
    ancestors = {r.level: r for r in Region.objects.filter(code__in=place.ancestor_codes())}
    if tier == Tier.GRID:
        if Level.GRID in ancestors:
            return Tier.GRID, ancestors[Level.GRID]
        tier = Tier.COMMUNITY
    if tier == Tier.COMMUNITY:
        return Tier.COMMUNITY, ancestors[Level.COMMUNITY]
    return Tier.TOWN, ancestors[Level.TOWN]


@transaction.atomic
def report(
    *,
    actor: Person | None,
    region: Region,
    category: str,
    description: str,
    address: str = "",
    lat: Any = None,
    lng: Any = None,
    photos: list[Any] = (),  # type: ignore[assignment]
    client_key: str = "",
    source: str | None = None,
) -> Incident:
    """上报: a grid worker in the street, a resident, staff taking a call (or an Open311
    client). A phone that composed it offline sends its own ``client_key``: sent again
    when the network returns, it is the same report, never a second."""
    if actor is None and source != IncidentSource.OPEN311:
        raise PermissionDenied(_("Please log in first."))
    client_key = (client_key or "").strip()
    if len(client_key) > 64:
        raise InvalidInput(_("The report's key is at most 64 characters."), field="client_key")
    if client_key and actor is not None:
        sent = Incident.objects.filter(reporter=actor, client_key=client_key).first()
        if sent is not None:
            return sent
    community = _community_of(region)
    item = selectors.category(community, category)
    if item is None:
        raise InvalidInput(
            _("Choose a category of %(community)s."),
            code="unknown_category",
            field="category",
            params={"community": community.name},
        )
    if source is None:
        if _grid_worker(actor, region):
            source = IncidentSource.GRID
        elif authz.can(actor, authz.HANDLE_INCIDENTS, community):
            source = IncidentSource.STAFF
        else:
            source = IncidentSource.RESIDENT
    description = _text(description, "description", 1000)
    address = _text(address, "address", 200, required=False).replace("\n", " ")
    point = _point(lat, lng)
    # Staff typing a phone call and Open311 clients cannot attach a photo; everyone
    # else reporting in person or on the phone's page can.
    if (
        item.photo_required
        and not photos
        and source not in (IncidentSource.STAFF, IncidentSource.OPEN311)
    ):
        raise InvalidInput(
            _("%(category)s needs a photo of the place."),
            code="photo_required",
            field="photos",
            params={"category": item.name},
        )
    tier, handler_region = handling_region(region, item.tier)
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                region=region,
                community=community,
                category=item,
                description=description,
                address=address,
                lat=point[0],
                lng=point[1],
                source=source,
                reporter=actor,
                client_key=client_key,
                tier=tier,
                handling_region=handler_region,
            )
    except IntegrityError:  # the same offline report, sent twice at the same moment
        return Incident.objects.get(reporter=actor, client_key=client_key)
    event = Event.objects.create(
        incident=incident,
        step="report",
        to_status=incident.status,
        tier=tier,
        actor=actor,
    )
    _photos(incident, list(photos), actor, event)
    record(
        actor=actor,
        action="incidents.report",
        target=incident,
        region=community,
        after={"category": item.code, "tier": tier, "source": source, "status": incident.status},
    )
    # Whoever reported it knows already (a grid worker reporting in their own grid).
    _tell(
        _tier_workers(incident),
        incident,
        _("A new incident to accept: %(category)s"),
        _("Incident %(id)s (%(category)s) was reported at %(place)s. Please accept it."),
        kind="incident.reported",
        skip=actor,
        place=region.name,
    )
    return incident


# --- Handling ------------------------------------------------------------------------------------


def _claim(person: Person | None, incident: Incident, item: Any, event: Event) -> Any:
    """A grid worker's points for this step, as a claim waiting for review (none when
    the category gives none or the worker has no home community)."""
    if item is None or person is None or person.community is None:
        return None
    return claims.create_claim(
        person=person,
        rule_item=item,
        quantity=1,
        occurred_on=timezone.localdate(),
        description=str(
            say(_("Incident %(id)s: %(category)s"), id=incident.pk, category=incident.category.name)
        )[:500],
        source=Source.INCIDENT,
        source_id=event.pk,
        provenance=Provenance.ON_SITE,
        created_by=None,
        check_age=False,
    )


@transaction.atomic
def accept(*, actor: Person, incident: Incident | int) -> Incident:
    """立案: the handling tier takes it on; its deadline starts."""
    incident = _locked(incident)
    _require_handler(actor, incident)
    _require_step(incident, "accept")
    now = timezone.now()
    incident.accepted_at = now
    incident.due_at = _deadline(incident, now)
    event = _step(
        incident,
        "accept",
        actor,
        fields=["accepted_at", "due_at"],
        audit={"due_at": incident.due_at.isoformat()},
    )
    # A grid worker accepting their own report earns nothing for it: someone else must
    # have judged it worth a case.
    if (
        incident.source == IncidentSource.GRID
        and incident.report_claim_id is None
        and incident.reporter_id != actor.pk
    ):
        claim = _claim(incident.reporter, incident, incident.category.report_item, event)
        if claim is not None:
            incident.report_claim = claim
            incident.save(update_fields=["report_claim"])
    _tell(
        [incident.reporter],
        incident,
        _("Your report was accepted: %(category)s"),
        _("Incident %(id)s is accepted; it is due by %(due)s."),
        kind="incident.accepted",
        skip=actor,
        due=timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M"),
    )
    return incident


@transaction.atomic
def assign(
    *,
    actor: Person,
    incident: Incident | int,
    person: Person | None = None,
    organization: Organization | None = None,
) -> Incident:
    """派遣: to a person (a grid worker, staff, a volunteer) or an organisation (物业, a
    utility), whose contacts act for it."""
    incident = _locked(incident)
    _require_handler(actor, incident)
    _require_step(incident, "assign")
    if (person is None) == (organization is None):
        raise InvalidInput(_("Assign to one person or one organisation."), field="person")
    if person is not None and not person.is_active:
        raise InvalidInput(_("This person's account is closed."), field="person")
    if person is not None and not _of_community(person, incident):
        raise InvalidInput(
            _("This person is neither a resident nor a worker of this community."),
            code="not_of_community",
            field="person",
        )
    if organization is not None and not selectors.organization_serves(
        organization, incident.community
    ):
        raise InvalidInput(
            _("This organisation does not serve %(community)s."),
            field="organization",
            params={"community": incident.community.name},
        )
    incident.assignee, incident.organization = person, organization
    _step(
        incident,
        "assign",
        actor,
        fields=["assignee", "organization"],
        audit={
            "assignee": person.volunteer_no if person else None,
            "organization": organization.name if organization else None,
        },
    )
    _tell(
        _handlers(incident),
        incident,
        _("An incident for you to handle: %(category)s"),
        _("Please handle incident %(id)s (%(category)s) by %(due)s."),
        kind="incident.assigned",
        skip=actor,
        due=timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M")
        if incident.due_at
        else "",
    )
    return incident


def _of_community(person: Person, incident: Incident) -> bool:
    """Lives in the incident's community, or works there: a grid worker, staff or an
    administrator over its place, or of a grid or building within its community."""
    if person.community_id is not None and person.community_id == incident.community_id:
        return True
    return any(
        role in (Role.GRID, Role.STAFF, Role.ADMIN)
        and (incident.region.path.startswith(path) or path.startswith(incident.community.path))
        for role, path in authz.grants(person)
    )


def _is_handler(actor: Person, incident: Incident) -> bool:
    if incident.assignee_id is not None:
        return actor.pk == incident.assignee_id
    return (
        incident.organization_id is not None
        and OrganizationMember.objects.filter(
            organization_id=incident.organization_id, person=actor
        ).exists()
    )


@transaction.atomic
def resolve(
    *,
    actor: Person,
    incident: Incident | int,
    note: str,
    photos: list[Any] = (),  # type: ignore[assignment]
) -> Incident:
    """处置: the handler says what was done, with photos of the fix."""
    incident = _locked(incident)
    if not _is_handler(actor, incident):
        raise PermissionDenied(
            _("Only the person or organisation it was assigned to resolves it."),
            code="not_assignee",
        )
    _require_step(incident, "resolve")
    note = _text(note, "note", 500)
    incident.resolved_at = timezone.now()
    event = _step(incident, "resolve", actor, note=note, fields=["resolved_at"])
    _photos(incident, list(photos), actor, event)
    verifiers = (
        [incident.reporter]
        if incident.source in (IncidentSource.GRID, IncidentSource.RESIDENT)
        and incident.reporter_id != actor.pk
        else _checkers(incident, actor)
    )
    _tell(
        verifiers,
        incident,
        _("Please check the fix: %(category)s"),
        _("Incident %(id)s is reported fixed: %(note)s. Please check and say whether it is."),
        kind="incident.resolved",
        note=note,
    )
    return incident


def _checkers(incident: Incident, resolver: Person) -> list[Person]:
    """Who checks a fix the reporter cannot (anonymous, staff entries, or the reporter
    fixed it): the grid workers of the place, or else its staff — never the resolver."""
    for role in (Role.GRID, Role.STAFF):
        found = [p for p in selectors.role_holders(incident.region, role) if p.pk != resolver.pk]
        if found:
            return found
    return []


def _may_verify(actor: Person, incident: Incident) -> bool:
    return actor.pk == incident.reporter_id or authz.can(
        actor, authz.HANDLE_INCIDENTS, incident.region
    )


@transaction.atomic
def verify(*, actor: Person, incident: Incident | int, ok: Any, note: str = "") -> Incident:
    """核查: the reporter (or the grid or staff, for anonymous and staff entries) checks
    the fix — fixed: closed; not fixed: back to the handler."""
    incident = _locked(incident)
    if not _may_verify(actor, incident):
        raise PermissionDenied(
            _("Only the reporter, or the grid or staff of the place, checks the fix."),
            code="not_verifier",
        )
    if not isinstance(ok, bool):
        raise InvalidInput(_("Say whether it is fixed (true or false)."), field="ok")
    step = "verify_ok" if ok else "verify_not"
    _require_step(incident, step)
    if selectors.resolver_id(incident) == actor.pk:
        raise PermissionDenied(
            _(
                "Whoever resolved it cannot check their own fix: the reporter, another grid"
                " worker or staff checks it."
            ),
            code="self_verify",
        )
    note = _text(note, "note", 500, required=not ok)
    if not ok:
        incident.resolved_at = None
        _step(incident, step, actor, note=note, fields=["resolved_at"])
        _tell(
            _handlers(incident),
            incident,
            _("Not fixed yet: %(category)s"),
            _("Incident %(id)s is not fixed yet: %(note)s"),
            kind="incident.not_fixed",
            note=note,
        )
        return incident
    now = timezone.now()
    incident.closed_at = now
    incident.close_reason = CloseReason.FIXED
    incident.closed_on_time = bool(
        incident.due_at is None or (incident.resolved_at or now) <= incident.due_at
    )
    event = _step(
        incident,
        step,
        actor,
        note=note,
        fields=["closed_at", "close_reason", "closed_on_time"],
        audit={"on_time": incident.closed_on_time},
    )
    handler = incident.assignee
    if (
        incident.close_claim_id is None
        and handler is not None
        and _grid_worker(handler, incident.region)
    ):
        claim = _claim(handler, incident, incident.category.close_item, event)
        if claim is not None:
            incident.close_claim = claim
            incident.save(update_fields=["close_claim"])
    _tell(
        [incident.reporter, handler],
        incident,
        _("Closed: %(category)s"),
        _("Incident %(id)s is closed as fixed. Reporter, you may rate how it was handled."),
        kind="incident.closed",
    )
    return incident


def _next_tier(incident: Incident) -> str:
    index = TIER_ORDER.index(Tier(incident.tier))
    if index + 1 >= len(TIER_ORDER):
        raise Conflict(_("The town handles it already; there is no tier above."), code="top_tier")
    return TIER_ORDER[index + 1]


def _escalate(
    incident: Incident, actor: Person | None, note: str, now: datetime | None = None
) -> Incident:
    tier, region = handling_region(incident.region, _next_tier(incident))
    previous = incident.tier
    now = now or timezone.now()
    incident.tier, incident.handling_region = tier, region
    incident.assignee, incident.organization = None, None
    incident.accepted_at, incident.resolved_at = now, None
    incident.due_at = _deadline(incident, now)
    incident.reminded_at = None
    incident.escalations += 1
    _step(
        incident,
        "escalate",
        actor,
        note=note,
        fields=[
            "tier",
            "handling_region",
            "assignee",
            "organization",
            "accepted_at",
            "resolved_at",
            "due_at",
            "reminded_at",
            "escalations",
        ],
        audit={"from_tier": previous, "due_at": incident.due_at.isoformat()},
    )
    _tell(
        [*_handlers(incident), *_supervisors(incident)],
        incident,
        _("An incident escalated to you: %(category)s"),
        _("Incident %(id)s was escalated to %(region)s; it is due by %(due)s."),
        kind="incident.escalated",
        region=region.name,
        due=timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M"),
    )
    return incident


@transaction.atomic
def escalate(*, actor: Person, incident: Incident | int, note: str) -> Incident:
    """分级处置: what the grid cannot handle goes to the community, then the town, each with
    its own deadline from now."""
    incident = _locked(incident)
    _require_handler(actor, incident)
    _require_step(incident, "escalate")
    return _escalate(incident, actor, _text(note, "note", 500))


def _pk(incident: Incident | int) -> Any:
    return incident.pk if isinstance(incident, Incident) else incident


@transaction.atomic
def close(
    *,
    actor: Person,
    incident: Incident | int,
    reason: str,
    note: str = "",
    duplicate_of: Incident | None = None,
) -> Incident:
    """Closed without a fix, for a reason the reporter sees: a duplicate, not ours to
    handle, or nothing to do."""
    if duplicate_of is not None and duplicate_of.pk != _pk(incident):
        # Both rows locked, in id order: two closings naming each other wait in line,
        # and the second sees the first closed as a duplicate.
        list(
            Incident.objects.select_for_update(of=("self",))
            .filter(pk__in=[_pk(incident), duplicate_of.pk])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        duplicate_of = Incident.objects.get(pk=duplicate_of.pk)
    incident = _locked(incident)
    authz.require(actor, authz.CLOSE_INCIDENTS, selectors.closing_region(incident))
    _require_step(incident, "close")
    if reason not in (CloseReason.DUPLICATE, CloseReason.NOT_RESPONSIBLE, CloseReason.NO_ACTION):
        raise InvalidInput(
            _("Choose why it is closed: a duplicate, not ours to handle, or no action needed."),
            field="reason",
        )
    if duplicate_of is not None and (
        duplicate_of.pk == incident.pk or duplicate_of.community_id != incident.community_id
    ):
        raise InvalidInput(_("Name another incident of the same community."), field="duplicate_of")
    if (
        duplicate_of is not None
        and reason == CloseReason.DUPLICATE
        and duplicate_of.status == Status.CLOSED
        and duplicate_of.close_reason != CloseReason.FIXED
    ):
        raise InvalidInput(
            _("Name an incident still open or closed as fixed, not one closed without a fix."),
            code="duplicate_not_open",
            field="duplicate_of",
        )
    incident.close_reason = reason
    incident.duplicate_of = duplicate_of if reason == CloseReason.DUPLICATE else None
    incident.closed_at = timezone.now()
    incident.closed_on_time = None  # not handled: neither on time nor late
    note = _text(note, "note", 500, required=False)
    _step(
        incident,
        "close",
        actor,
        note=note,
        fields=["close_reason", "duplicate_of", "closed_at", "closed_on_time"],
        audit={"reason": reason, "duplicate_of": incident.duplicate_of_id},
    )
    _tell(
        [incident.reporter],
        incident,
        _("Closed: %(category)s"),
        _("Incident %(id)s is closed: %(reason)s. %(note)s"),
        kind="incident.closed",
        reason=CloseReason(reason).label,
        note=note,
    )
    return incident


@transaction.atomic
def reopen(*, actor: Person, incident: Incident | int, note: str) -> Incident:
    """The reporter says it is back, within 30 days of closing: handled again as accepted,
    with a new deadline."""
    incident = _locked(incident)
    if actor.pk != incident.reporter_id:
        raise PermissionDenied(_("Only the reporter reopens an incident."), code="not_reporter")
    _require_step(incident, "reopen")
    assert incident.closed_at is not None  # noqa: S101 - closed incidents have the time
    if timezone.now() > incident.closed_at + timedelta(days=REOPEN_DAYS):
        raise Conflict(
            _("It was closed more than %(days)s days ago: please report it again."),
            code="reopen_too_late",
            params={"days": REOPEN_DAYS},
        )
    now = timezone.now()
    incident.accepted_at = now
    incident.due_at = _deadline(incident, now)
    incident.closed_at = incident.resolved_at = None
    incident.close_reason, incident.closed_on_time = "", None
    incident.reminded_at = None
    # It waits for a new assignment; who handled it before stays in its history.
    incident.assignee, incident.organization = None, None
    _step(
        incident,
        "reopen",
        actor,
        note=_text(note, "note", 500),
        fields=[
            "assignee",
            "organization",
            "accepted_at",
            "due_at",
            "closed_at",
            "resolved_at",
            "close_reason",
            "closed_on_time",
            "reminded_at",
        ],
    )
    _tell(
        [*_handlers(incident), *_supervisors(incident)],
        incident,
        _("Reopened: %(category)s"),
        _("The reporter reopened incident %(id)s; it is due again by %(due)s."),
        kind="incident.reopened",
        due=timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M"),
    )
    return incident


@transaction.atomic
def rate(*, actor: Person, incident: Incident | int, rating: Any, note: str = "") -> Incident:
    """回访评价: the reporter rates how it was handled, once, after it is closed."""
    incident = _locked(incident)
    if actor.pk != incident.reporter_id:
        raise PermissionDenied(_("Only the reporter rates it."), code="not_reporter")
    _require_step(incident, "rate")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("The rating is 1 to 5 stars."), code="invalid_rating", field="rating")
    if incident.rating is not None:
        raise Conflict(_("You have rated it already."), code="already_rated")
    incident.rating = rating
    _step(
        incident,
        "rate",
        actor,
        note=_text(note, "note", 500, required=False),
        fields=["rating"],
        audit={"rating": rating},
    )
    return incident


# --- Scheduled (jifen tick) ----------------------------------------------------------------------


def remind_overdue(now: datetime | None = None) -> int:
    """督办: on the first day past the deadline, a notice to the handler and their
    supervisor, once per deadline."""
    now = now or timezone.now()
    count = 0
    late = Incident.objects.filter(status__in=RUNNING, due_at__lt=now, reminded_at__isnull=True)
    for pk in late.values_list("pk", flat=True):
        with transaction.atomic():
            incident = _locked(pk)
            if incident.status not in RUNNING or incident.reminded_at is not None:
                continue
            incident.reminded_at = now
            incident.save(update_fields=["reminded_at"])
            Event.objects.create(
                incident=incident,
                step="remind",
                from_status=incident.status,
                to_status=incident.status,
                tier=incident.tier,
                due_at=incident.due_at,
            )
            assert incident.due_at is not None  # noqa: S101 - running incidents are due
            _tell(
                [*_handlers(incident), *_supervisors(incident)],
                incident,
                _("Overdue: %(category)s"),
                _("Incident %(id)s was due by %(due)s and is not resolved. Please see to it."),
                kind="incident.overdue",
                due=timezone.localtime(incident.due_at).strftime("%Y-%m-%d %H:%M"),
            )
            count += 1
    return count


def stale_at(incident: Incident) -> datetime | None:
    """When a running incident has stayed unresolved three times its deadline: for a
    deadline in working days, the end of the (3 × N)th working day after it was accepted
    (China's calendar with 调休, as the deadline itself); for an urgent one in hours,
    three times its hours after."""
    if incident.accepted_at is None or incident.due_at is None:
        return None
    if incident.category.deadline_hours:
        return incident.accepted_at + 3 * (incident.due_at - incident.accepted_at)
    start = timezone.localtime(incident.accepted_at).date()
    days = workdays.working_days_between(start, timezone.localtime(incident.due_at).date())
    return workdays.deadline(incident.accepted_at, days=3 * max(days, 1))


def escalate_stale(now: datetime | None = None) -> int:
    """An incident still unresolved past three times its deadline (counted as the
    deadline is: working days, or hours for urgent ones) goes up a tier by itself; its new
    deadline counts from ``now`` (the moment the tick judges)."""
    now = now or timezone.now()
    count = 0
    candidates = (
        Incident.objects.filter(status__in=RUNNING, due_at__lt=now, accepted_at__isnull=False)
        .exclude(tier=Tier.TOWN)
        .select_related("category")
    )
    for found in candidates.only("pk", "accepted_at", "due_at", "category__deadline_hours"):
        stale = stale_at(found)
        if stale is None or now <= stale:
            continue
        with transaction.atomic():
            incident = _locked(found.pk)
            if incident.status not in RUNNING or incident.tier == Tier.TOWN:
                continue
            stale = stale_at(incident)
            if stale is None or now <= stale:
                continue
            _escalate(
                incident,
                None,
                str(say(_("Unresolved at three times its deadline: escalated automatically."))),
                now,
            )
            count += 1
    return count
