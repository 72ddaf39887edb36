"""Writes of service requests and wishes: one transaction per step, checked here.

Every step goes through ``_step``: the request row is locked, the workflow table
(``models.STEPS``) says whether the step may be taken from its status (409
``invalid_transition`` naming the status otherwise), the row changes, and the step is
written to the request's history and the audit log, with notices to the people it
concerns. Who may take a step is decided here too, so the API, the pages and the
scheduled jobs cannot disagree.

Points: a request's points are fixed when staff publish or dispatch it, within its
menu item's bound. The requester's confirmation (or ``jifen tick``'s, after the
community's ``request_confirm_days``) makes one pending claim for the helper (source
``request``): the review group approves it as any claim and only then do points move.
The claim is made at most once per request (``claims.create_claim`` is idempotent per
source record and the request holds it one-to-one).
"""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.audit.services import record
from jifen.claims import services as claims
from jifen.claims.models import Provenance, Source
from jifen.claims.photos import FORMATS, clean_image, read_upload
from jifen.lib import notify, workdays
from jifen.lib.bounds import check_date, check_points
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.lib.text import clean_field
from jifen.notices import services as notices
from jifen.notices.texts import say
from jifen.people import authz
from jifen.people.models import (
    Organization,
    OrganizationMember,
    Person,
    Proxy,
    Team,
    TeamMember,
)
from jifen.points.models import RuleItem
from jifen.points.services import CODE_RE, policy_for
from jifen.regions.models import Level, Region
from jifen.requests import rules, selectors
from jifen.requests.models import (
    STEPS,
    Eligibility,
    EnteredAs,
    Event,
    Kind,
    MenuItem,
    Photo,
    ServiceRequest,
    Status,
    may_take,
)

MAX_PHOTOS = 4
TITLE_MAX = 100
DESCRIPTION_MAX = 1000


# --- The service menu ---------------------------------------------------------------------


@transaction.atomic
def save_menu_item(
    *,
    actor: Person | None,
    region: Region,
    code: str,
    name: str,
    group: str,
    rule_item: RuleItem | int | str | None,
    points: Any,
    kind: str = Kind.REQUEST,
    max_points: Any = None,
    eligibility: str = Eligibility.ANYONE,
    deadline_days: Any = 3,
    description: str = "",
    is_active: bool = True,
    position: int = 0,
) -> MenuItem:
    """Add a line to a region's menu, or change the line of that code (a county's or
    town's line serves every community below; a community's line of the same code
    replaces it there). ``kind``: whether the line serves requests or wishes."""
    if actor is not None:
        authz.require(actor, authz.MANAGE_RULES, region)
    if region.level not in (Level.COUNTY, Level.TOWN, Level.COMMUNITY):
        raise InvalidInput(
            _("The service menu belongs to a county, town or community."), field="region"
        )
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise InvalidInput(
            _("An item code has 1 to 32 letters, digits, '-' or '_'."),
            code="invalid_code",
            field="code",
        )
    name = clean_field(name, "name", 50)
    group = clean_field(group, "group", 30)
    description = clean_field(description, "description", 300, required=False)
    if not isinstance(rule_item, RuleItem):
        rule_item = claims.rule_item_for(region, rule_item)
    elif not rule_item.region.is_within(region) and not region.is_within(rule_item.region):
        raise InvalidInput(_("This points item does not serve this region."), field="rule_item")
    points = check_points(points, "points")
    max_points = points if max_points in (None, "") else check_points(max_points, "max_points")
    if max_points < points:
        raise InvalidInput(
            _("The most points cannot be below the suggested points."), field="max_points"
        )
    if kind not in Kind.values:
        raise InvalidInput(_("A menu line serves requests or wishes."), field="kind")
    if eligibility not in Eligibility.values:
        raise InvalidInput(_("Choose who may take it from the list."), field="eligibility")
    if isinstance(deadline_days, bool) or not isinstance(deadline_days, int):
        raise InvalidInput(_("The deadline is a whole number of days."), field="deadline_days")
    if not 1 <= deadline_days <= 60:
        raise InvalidInput(_("The deadline is 1 to 60 working days."), field="deadline_days")
    values = {
        "name": name,
        "group": group,
        "kind": kind,
        "description": description,
        "rule_item": rule_item,
        "points": points,
        "max_points": max_points,
        "eligibility": eligibility,
        "deadline_days": deadline_days,
        "is_active": bool(is_active),
        "position": position,
    }
    item = MenuItem.objects.select_for_update().filter(region=region, code=code).first()
    before = None
    if item is None:
        item = MenuItem.objects.create(region=region, code=code, **values)
    else:
        before = _menu_terms(item)
        for field, value in values.items():
            setattr(item, field, value)
        item.save()
    record(
        actor=actor,
        action="requests.menu.save",
        target=item,
        region=region,
        before=before,
        after=_menu_terms(item),
    )
    return item


def _menu_terms(item: MenuItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "name": item.name,
        "group": item.group,
        "kind": item.kind,
        "item": item.rule_item.code,
        "points": item.points,
        "max_points": item.max_points,
        "eligibility": item.eligibility,
        "deadline_days": item.deadline_days,
        "is_active": item.is_active,
    }


# --- Helpers ------------------------------------------------------------------------------------


def _text(value: Any, field: str, limit: int, *, required: bool = True, lines: bool = False) -> str:
    return clean_field(value, field, limit, required=required, lines=lines)


def _locked(request: ServiceRequest | int) -> ServiceRequest:
    pk = request.pk if isinstance(request, ServiceRequest) else request
    try:
        return (
            ServiceRequest.objects.select_for_update(of=("self",))
            .select_related("community", "menu_item", "requester", "assignee", "team")
            .get(pk=pk)
        )
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("There is no such request.")) from None


def _invalid(request: ServiceRequest, step: str) -> Conflict:
    return Conflict(
        _("This request is %(status)s, so it cannot be %(step)s."),
        code="invalid_transition",
        params={"status": request.get_status_display(), "step": STEPS[step].label},
    )


def _require_step(request: ServiceRequest, step: str) -> None:
    if not may_take(step, request.status):
        raise _invalid(request, step)


def _is_staff(actor: Person | None, request: ServiceRequest) -> bool:
    return authz.can(actor, authz.MANAGE_REQUESTS, request.community)


def _require_staff(actor: Person | None, request: ServiceRequest) -> None:
    authz.require(actor, authz.MANAGE_REQUESTS, request.community)


def _for_requester(actor: Person, request: ServiceRequest) -> Person | None:
    """The actor acts as the requester: themselves (None) or as their proxy (the
    requester, for the record); refused otherwise."""
    if actor.pk == request.requester_id:
        return None
    if rules.is_proxy(actor, request.requester_id):
        return request.requester
    raise PermissionDenied(
        _("Only the resident who asked, or their family proxy, may do this."),
        code="not_requester",
    )


def _check_points(value: Any, item: MenuItem, field: str = "points") -> int:
    points = check_points(value, field)
    if points > item.max_points:
        raise InvalidInput(
            _("The points of %(item)s are at most %(max)s."),
            code="invalid_amount",
            field=field,
            params={"item": item.name, "max": item.max_points},
        )
    return points


def _step(
    request: ServiceRequest,
    step: str,
    actor: Person | None,
    *,
    note: str = "",
    on_behalf_of: Person | None = None,
    fields: Iterable[str] = (),
    audit: dict[str, Any] | None = None,
) -> Event:
    """Take ``step`` (already allowed by ``_require_step``): save the row's changed
    fields and the status, and keep the step in the history and the audit log."""
    before = request.status
    request.status = STEPS[step].target
    request.save(update_fields=["status", "updated_at", *fields])
    event = Event.objects.create(
        request=request,
        step=step,
        from_status=before,
        to_status=request.status,
        actor=actor,
        on_behalf_of=on_behalf_of,
        assignee=request.assignee,
        note=note,
    )
    record(
        actor=actor,
        action=f"requests.{step}",
        target=request,
        region=request.community,
        on_behalf_of=on_behalf_of,
        before={"status": before},
        after={"status": request.status, **(audit or {})},
    )
    return event


def detail_url(request: ServiceRequest) -> str:
    return reverse("requests:detail", args=[request.pk])


def _tell(
    people: Iterable[Person | None],
    request: ServiceRequest,
    subject: str | Promise,
    body: str | Promise,
    *,
    kind: str,
    url: str | None = None,
    **params: Any,
) -> None:
    """A notice to each person (once each), kept in their notices in this transaction
    and read in each reader's language; the backend hears after commit. ``url``: where
    the notice leads (the request's page by default)."""
    seen: set[int] = set()
    targets = []
    for person in people:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            targets.append(person)
    if not targets:
        return
    params = {"title": request.title, "id": request.pk, **params}
    messages = [
        notify.Message(
            person,
            say(subject, **params),
            say(body, **params),
            kind=kind,
            url=url or detail_url(request),
        )
        for person in targets
    ]
    notices.send(messages)


def _requester_side(request: ServiceRequest, *, but: Person | None = None) -> list[Person]:
    """The requester and their active proxies: whoever may confirm, and who hears every
    step (an elderly resident's daughter learns what happened as they do); ``but``: the
    one who took the step, who need not be told."""
    agents = [
        p.agent
        for p in Proxy.objects.filter(
            principal_id=request.requester_id, revoked_at__isnull=True
        ).select_related("agent")
    ]
    side = [request.requester, *agents]
    return [p for p in side if but is None or p.pk != but.pk]


def _group_heads(request: ServiceRequest) -> list[Person]:
    """Who names the member for a request dispatched to a team or organisation."""
    if request.team is not None:
        return [request.team.leader]
    if request.organization is not None:
        return [
            m.person
            for m in OrganizationMember.objects.filter(
                organization=request.organization, is_contact=True
            ).select_related("person")
        ]
    return []


# --- Asking -------------------------------------------------------------------------------------


def _acting_as(actor: Person, person: Person | None) -> tuple[Person, str]:
    """Whom the request is for, and how it was entered: the actor, a resident they are
    the registered proxy of, or any resident of a community where the actor is staff."""
    if person is None or person.pk == actor.pk:
        return actor, EnteredAs.SELF
    if rules.is_proxy(actor, person.pk):
        return person, EnteredAs.PROXY
    if person.community is not None and authz.can(actor, authz.MANAGE_REQUESTS, person.community):
        return person, EnteredAs.STAFF
    raise NotFound(_("No such person, or you may not see them."), field="person")


@transaction.atomic
def submit_request(
    *,
    actor: Person,
    community: Region,
    category: str,
    title: str,
    description: str = "",
    kind: str = Kind.REQUEST,
    person: Person | None = None,
    points: Any = None,
    address: str = "",
    wanted_from: datetime | None = None,
    wanted_until: datetime | None = None,
    photos: list[Any] = (),  # type: ignore[assignment]
) -> ServiceRequest:
    """A resident asks their community for help (or posts a wish); a family proxy or
    staff at the desk may ask for them. It waits for staff to check it."""
    requester, entered_as = _acting_as(actor, person)
    if kind not in Kind.values:
        raise InvalidInput(_("A request is a service request or a wish."), field="kind")
    if requester.community_id != community.pk:
        raise InvalidInput(
            _("A request goes to the requester's own community (%(community)s)."),
            code="wrong_community",
            field="community",
            params={"community": requester.community.name if requester.community else "—"},
        )
    item = selectors.menu_item(community, category)
    if item is None:
        raise InvalidInput(
            _("Choose a service from the menu of %(community)s."),
            code="unknown_category",
            field="category",
            params={"community": community.name},
        )
    if item.kind != kind:
        raise InvalidInput(
            _("Please choose a small-wish item.")
            if kind == Kind.WISH
            else _("Please choose an item of the service menu."),
            code="unknown_category",
            field="category",
        )
    title = _text(title, "title", TITLE_MAX)
    description = _text(description, "description", DESCRIPTION_MAX, required=False, lines=True)
    address = _text(address, "address", 200, required=False)
    fixed = None if points in (None, "") else _check_points(points, item)
    for field, value in (("wanted_from", wanted_from), ("wanted_until", wanted_until)):
        if value is not None:
            if timezone.is_naive(value):
                raise InvalidInput(_("Times need a time zone."), field=field)
            check_date(value, field)
    if wanted_until is not None and wanted_until <= timezone.now():
        raise InvalidInput(_("The time wanted is already over."), field="wanted_until")
    if wanted_from and wanted_until and wanted_until <= wanted_from:
        raise InvalidInput(_("The time wanted must end after it starts."), field="wanted_until")
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            _("At most %(n)s photos per request."), field="photos", params={"n": MAX_PHOTOS}
        )
    request = ServiceRequest.objects.create(
        kind=kind,
        community=community,
        menu_item=item,
        title=title,
        description=description,
        address=address,
        wanted_from=wanted_from,
        wanted_until=wanted_until,
        requester=requester,
        entered_by=actor,
        entered_as=entered_as,
        points=fixed,
    )
    for upload in photos:
        add_photo(request=request, upload=upload, actor=actor)
    on_behalf_of = requester if entered_as != EnteredAs.SELF else None
    Event.objects.create(
        request=request,
        step="submit",
        to_status=request.status,
        actor=actor,
        on_behalf_of=on_behalf_of,
    )
    record(
        actor=actor,
        action="requests.submit",
        target=request,
        region=community,
        on_behalf_of=on_behalf_of,
        after={
            "kind": kind,
            "category": item.code,
            "entered_as": entered_as,
            "status": request.status,
        },
    )
    if entered_as != EnteredAs.SELF:
        _tell(
            [requester],
            request,
            _("A request was made for you: %(title)s"),
            _(
                "%(by)s asked the community for help for you: %(title)s. We will tell you "
                "each step."
            ),
            kind="request.submitted",
            by=actor.name,
        )
    _tell(
        [p for p in _requester_side(request, but=actor) if p.pk != requester.pk],
        request,
        _("A request was made for %(name)s: %(title)s"),
        _(
            "%(by)s asked the community for help for %(name)s: %(title)s. We will tell you "
            "each step."
        ),
        kind="request.submitted",
        by=actor.name,
        name=requester.name,
    )
    return request


def add_photo(*, request: ServiceRequest, upload: Any, actor: Person) -> Photo:
    data, fmt, width, height = clean_image(read_upload(upload))
    extension, content_type = FORMATS[fmt]
    photo = Photo(
        request=request,
        content_type=content_type,
        width=width,
        height=height,
        uploaded_by=actor,
    )
    photo.image.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    photo.save()
    return photo


# --- Staff: check, publish, reject, dispatch ---------------------------------------------------


@transaction.atomic
def publish(*, actor: Person, request: ServiceRequest | int, points: Any = None) -> ServiceRequest:
    """Open the request for every eligible volunteer to take (抢单); its points are fixed."""
    request = _locked(request)
    _require_staff(actor, request)
    _require_step(request, "publish")
    request.points = _fixed_points(request, points)
    _step(request, "publish", actor, fields=["points"], audit={"points": request.points})
    _tell(
        _requester_side(request),
        request,
        _("Your request is published: %(title)s"),
        _(
            "The community checked your request “%(title)s” and published it for volunteers "
            "to take."
        ),
        kind="request.published",
    )
    return request


def _fixed_points(request: ServiceRequest, points: Any) -> int:
    if points not in (None, ""):
        return _check_points(points, request.menu_item)
    return request.points or request.menu_item.points


@transaction.atomic
def reject(*, actor: Person, request: ServiceRequest | int, reason: str) -> ServiceRequest:
    """Not something the community takes on; the requester sees the reason."""
    request = _locked(request)
    _require_staff(actor, request)
    _require_step(request, "reject")
    request.reason = _text(reason, "reason", 200)
    request.closed_at = timezone.now()
    _step(request, "reject", actor, note=request.reason, fields=["reason", "closed_at"])
    _tell(
        _requester_side(request),
        request,
        _("Your request was not taken on: %(title)s"),
        _("The community could not take on “%(title)s”: %(reason)s"),
        kind="request.rejected",
        reason=request.reason,
    )
    return request


def _deadline(request: ServiceRequest) -> Any:
    return workdays.add_working_days(timezone.localdate(), request.menu_item.deadline_days)


def _serves(region: Region, community: Region) -> bool:
    return community.is_within(region) or region.is_within(community)


@transaction.atomic
def dispatch(
    *,
    actor: Person,
    request: ServiceRequest | int,
    person: Person | None = None,
    team: Team | None = None,
    organization: Organization | None = None,
    points: Any = None,
) -> ServiceRequest:
    """派单: staff give the request to a volunteer, or to a team or an organisation whose
    leader or contact then names the member who goes. From ``assigned`` it reassigns
    (改派: the step ``reassign``, so the history tells the two apart)."""
    request = _locked(request)
    _require_staff(actor, request)
    step = "reassign" if request.status == Status.ASSIGNED else "dispatch"
    _require_step(request, step)
    if sum(x is not None for x in (person, team, organization)) != 1:
        raise InvalidInput(
            _("Dispatch to one volunteer, one team or one organisation."), field="person"
        )
    if person is not None:
        rules.check_helper(request, person, by_staff=True)
        if not (person.community_id == request.community_id or rules.unit_member(person, request)):
            raise InvalidInput(
                # Not named: the id may be anyone's, and their name is not the caller's to read.
                _("This person is not a volunteer of %(community)s."),
                field="person",
                params={"community": request.community.name},
            )
    for group in (team, organization):
        if group is not None and not _serves(group.region, request.community):
            raise InvalidInput(
                _("This team or organisation does not serve %(community)s."),
                field="team" if group is team else "organization",
                params={"community": request.community.name},
            )
    previous = request.assignee
    request.points = _fixed_points(request, points)
    request.assignee, request.team, request.organization = person, team, organization
    request.assigned_at = timezone.now()
    request.due_on = _deadline(request)
    _step(
        request,
        step,
        actor,
        fields=["points", "assignee", "team", "organization", "assigned_at", "due_on"],
        audit={
            "points": request.points,
            "assignee": person.volunteer_no if person else None,
            "team": team.name if team else None,
            "organization": organization.name if organization else None,
            "due_on": request.due_on.isoformat(),
        },
    )
    if person is not None:
        _tell_assigned(request)
    else:
        _tell(
            _group_heads(request),
            request,
            _("A request for your group: %(title)s"),
            _("The community gave “%(title)s” to %(group)s. Please name who goes, by %(due)s."),
            kind="request.to_assign",
            group=(team or organization).name,  # type: ignore[union-attr]
            due=request.due_on.isoformat(),
        )
    if previous is not None and previous != person:
        _tell(
            [previous],
            request,
            _("A request was given to someone else: %(title)s"),
            _("The community gave “%(title)s” to someone else; you need not do it."),
            kind="request.reassigned",
        )
    _tell(
        _requester_side(request),
        request,
        _("Your request has a helper: %(title)s"),
        _("The community arranged help for “%(title)s”. We will tell you when it is done."),
        kind="request.assigned",
    )
    return request


def _tell_assigned(request: ServiceRequest) -> None:
    _tell(
        [request.assignee],
        request,
        _("A request for you: %(title)s"),
        _("Please help with “%(title)s” by %(due)s. The address is on the request's page."),
        kind="request.assigned_to_you",
        due=request.due_on.isoformat() if request.due_on else "",
    )


# --- Volunteers: take, name a member, hand back, report done ------------------------------


def _taken() -> Conflict:
    return Conflict(_("Someone else has just taken this request."), code="already_taken")


def accept(*, actor: Person, request: ServiceRequest | int) -> ServiceRequest:
    """抢单: the first eligible volunteer to take it has it; the rest hear 409
    ``already_taken``. The row lock makes the check and the write one step.

    A request read a moment ago as already someone else's is refused at once: in a rush
    most takers arrive after the first one, and need not queue for the row's lock to
    hear what they would hear behind it (a request is handed back rarely; then the
    volunteer taps again)."""
    if (
        isinstance(request, ServiceRequest)
        and request.status == Status.ASSIGNED
        and request.assignee_id not in (None, actor.pk)
    ):
        rules.check_eligible(actor, request)
        raise _taken()
    return _accept(actor, request)


@transaction.atomic
def _accept(actor: Person, request: ServiceRequest | int) -> ServiceRequest:
    request = _locked(request)
    rules.check_eligible(actor, request)
    if request.status == Status.ASSIGNED:
        if request.assignee_id == actor.pk:
            return request  # the same volunteer's second tap
        raise _taken()
    _require_step(request, "accept")
    request.assignee, request.team, request.organization = actor, None, None
    request.assigned_at = timezone.now()
    request.due_on = _deadline(request)
    _step(
        request,
        "accept",
        actor,
        fields=["assignee", "team", "organization", "assigned_at", "due_on"],
        audit={"assignee": actor.volunteer_no, "due_on": request.due_on.isoformat()},
    )
    _tell(
        _requester_side(request),
        request,
        _("A volunteer took your request: %(title)s"),
        _("%(name)s will help with “%(title)s”."),
        kind="request.accepted",
        name=actor.name,
    )
    return request


@transaction.atomic
def assign_member(
    *, actor: Person, request: ServiceRequest | int, person: Person
) -> ServiceRequest:
    """The leader of the team (or a contact of the organisation) it was dispatched to
    names the member who goes; staff may too."""
    request = _locked(request)
    _require_step(request, "assign_member")
    group = request.team or request.organization
    if group is None:
        raise Conflict(
            _("This request was given to a person, not a group."), code="invalid_transition"
        )
    if not (actor in _group_heads(request) or _is_staff(actor, request)):
        raise PermissionDenied(
            _("Only the team's leader or the organisation's contact names who goes."),
            code="not_group_head",
        )
    today = timezone.localdate()
    if request.team is not None:
        member = (
            person.pk == request.team.leader_id
            or TeamMember.objects.filter(
                Q(left_on__isnull=True) | Q(left_on__gt=today), team=request.team, person=person
            ).exists()
        )
    else:
        member = OrganizationMember.objects.filter(
            organization=request.organization, person=person
        ).exists()
    if not member:
        raise InvalidInput(
            # Not named: the id may be anyone's, and their name is not the caller's to read.
            _("This person is not a member of %(group)s."),
            field="person",
            params={"group": group.name},
        )
    rules.check_helper(request, person, by_staff=True)
    request.assignee = person
    _step(
        request,
        "assign_member",
        actor,
        fields=["assignee"],
        audit={"assignee": person.volunteer_no, "group": group.name},
    )
    _tell_assigned(request)
    return request


@transaction.atomic
def hand_back(*, actor: Person, request: ServiceRequest | int, reason: str) -> ServiceRequest:
    """The helper cannot do it after all: it is open again for others (and staff)."""
    request = _locked(request)
    _require_step(request, "hand_back")
    heads = _group_heads(request)
    if not (actor.pk == request.assignee_id or actor in heads):
        raise PermissionDenied(
            _("Only the volunteer it was given to may hand it back."), code="not_assignee"
        )
    reason = _text(reason, "reason", 200)
    previous = request.assignee
    request.assignee, request.team, request.organization = None, None, None
    request.assigned_at, request.due_on = None, None
    _step(
        request,
        "hand_back",
        actor,
        note=reason,
        fields=["assignee", "team", "organization", "assigned_at", "due_on"],
        audit={"previous": previous.volunteer_no if previous else None, "reason": reason},
    )
    _tell(
        _requester_side(request),
        request,
        _("Your request is looking for a new helper: %(title)s"),
        _("The volunteer could not help with “%(title)s”; the community is finding another."),
        kind="request.handed_back",
    )
    _tell(
        selectors.managers(request.community),
        request,
        _("A request was handed back: %(title)s"),
        _("%(name)s handed back “%(title)s”: %(reason)s. It is open again for volunteers."),
        kind="request.handed_back_staff",
        name=actor.name,
        reason=reason,
        url=reverse("requests:console_detail", args=[request.pk]),
    )
    return request


@transaction.atomic
def mark_done(*, actor: Person, request: ServiceRequest | int, note: str = "") -> ServiceRequest:
    request = _locked(request)
    if request.status == Status.ASSIGNED and actor.pk != request.assignee_id:
        raise PermissionDenied(
            _("Only the volunteer it was given to may report it done."), code="not_assignee"
        )
    _require_step(request, "done")
    if request.assignee_id is None:
        raise Conflict(
            _("Nobody has been named to do this request yet."), code="invalid_transition"
        )
    request.done_at = timezone.now()
    note = _text(note, "note", 500, required=False, lines=True)
    _step(request, "done", actor, note=note, fields=["done_at"])
    days = policy_for(request.community).request_confirm_days
    _tell(
        _requester_side(request),
        request,
        _("Please confirm: %(title)s"),
        _(
            "%(name)s reports “%(title)s” done. Please confirm and rate it; without an answer "
            "it is confirmed in %(days)s days."
        ),
        kind="request.done",
        name=actor.name,
        days=days,
    )
    return request


# --- The requester: confirm, dispute, cancel -------------------------------------------------


def _clean_rating(rating: Any) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("The rating is 1 to 5 stars."), code="invalid_rating", field="rating")
    return rating


def _claim_for(request: ServiceRequest) -> None:
    """The helper's claim, once: it waits for the review group like any other."""
    helper = request.assignee
    assert helper is not None  # noqa: S101 - done requests have a helper (a CHECK)
    if helper.community is None or request.points is None:
        return  # an account without a ledger (staff made for a screen) earns nothing
    request.claim = claims.create_claim(
        person=helper,
        rule_item=request.menu_item.rule_item,
        quantity=1,
        occurred_on=timezone.localtime(request.done_at).date(),
        description=request.title,
        source=Source.REQUEST,
        source_id=request.pk,
        # Made by the system on the resident's confirmation: nobody entered it, and the
        # confirmer is in the request's history.
        provenance=Provenance.CONFIRMED,
        created_by=None,
        check_age=False,
        fixed_points=request.points,
    )


@transaction.atomic
def confirm(
    *, actor: Person, request: ServiceRequest | int, rating: Any, comment: str = ""
) -> ServiceRequest:
    """The requester (or proxy) confirms it was done and rates it; the helper's claim
    enters review."""
    request = _locked(request)
    on_behalf_of = _for_requester(actor, request)
    _require_step(request, "confirm")
    request.rating = _clean_rating(rating)
    request.comment = _text(comment, "comment", 500, required=False, lines=True)
    return _complete(request, actor, on_behalf_of=on_behalf_of, step="confirm")


def _complete(
    request: ServiceRequest, actor: Person | None, *, on_behalf_of: Person | None, step: str
) -> ServiceRequest:
    request.closed_at = timezone.now()
    request.auto_confirmed = step == "auto_confirm"
    _claim_for(request)
    _step(
        request,
        step,
        actor,
        note=request.comment,
        on_behalf_of=on_behalf_of,
        fields=["rating", "comment", "closed_at", "auto_confirmed", "claim"],
        audit={"rating": request.rating, "claim": request.claim_id, "points": request.points},
    )
    _tell(
        [request.assignee],
        request,
        _("Confirmed: %(title)s"),
        _(
            "“%(title)s” is confirmed%(stars)s. Your %(points)s points wait for the review "
            "group's approval."
        ),
        kind="request.confirmed",
        stars=f" ★{request.rating}" if request.rating else "",
        points=request.points or 0,
    )
    return request


@transaction.atomic
def dispute(*, actor: Person, request: ServiceRequest | int, note: str) -> ServiceRequest:
    """ "Not done": back to the helper with the requester's words."""
    request = _locked(request)
    on_behalf_of = _for_requester(actor, request)
    _require_step(request, "dispute")
    note = _text(note, "note", 500, lines=True)
    request.done_at = None
    request.due_on = _deadline(request)
    _step(
        request,
        "dispute",
        actor,
        note=note,
        on_behalf_of=on_behalf_of,
        fields=["done_at", "due_on"],
        audit={"note": note},
    )
    _tell(
        [request.assignee],
        request,
        _("Not done yet, says the resident: %(title)s"),
        _("The resident says “%(title)s” is not done: %(note)s"),
        kind="request.disputed",
        note=note,
    )
    _tell(
        selectors.managers(request.community),
        request,
        _("A resident says a request is not done: %(title)s"),
        _("The resident says “%(title)s” is not done: %(note)s. It is back with %(name)s."),
        kind="request.disputed_staff",
        note=note,
        name=request.assignee.name if request.assignee else "—",
        url=reverse("requests:console_detail", args=[request.pk]),
    )
    return request


@transaction.atomic
def cancel(*, actor: Person, request: ServiceRequest | int, reason: str) -> ServiceRequest:
    """The requester withdraws it before anyone has it; staff may until it is done."""
    request = _locked(request)
    staff = _is_staff(actor, request)
    on_behalf_of = None
    if not staff:
        on_behalf_of = _for_requester(actor, request)
        if request.status not in (Status.SUBMITTED, Status.OPEN) and may_take(
            "cancel", request.status
        ):
            raise Conflict(
                _("A volunteer already has this request; ask the community to cancel it."),
                code="invalid_transition",
            )
    _require_step(request, "cancel")
    request.reason = _text(reason, "reason", 200)
    request.closed_at = timezone.now()
    helper = request.assignee
    _step(
        request,
        "cancel",
        actor,
        note=request.reason,
        on_behalf_of=on_behalf_of,
        fields=["reason", "closed_at"],
        audit={"reason": request.reason},
    )
    # The helper and the group who had it, and the requester's side but the one who
    # cancelled: a proxy's cancelling is told to the resident, staff's to them all.
    others = [helper, *_group_heads(request)] if staff else [helper]
    _tell(
        [*others, *_requester_side(request, but=actor)],
        request,
        _("Request cancelled: %(title)s"),
        _("“%(title)s” was cancelled: %(reason)s"),
        kind="request.cancelled",
        reason=request.reason,
    )
    return request


# --- Scheduled ------------------------------------------------------------------------------------


def confirm_unanswered(now: datetime | None = None) -> int:
    """(From ``jifen tick``.) Confirm what a requester left unanswered for the community's
    ``request_confirm_days`` after it was reported done; marked automatic, no rating."""
    now = now or timezone.now()
    confirmed = 0
    waiting = ServiceRequest.objects.filter(status=Status.DONE).select_related("community")
    days_of: dict[int, int] = {}
    for candidate in waiting.only("id", "done_at", "community"):
        community = candidate.community
        if community.pk not in days_of:
            days_of[community.pk] = policy_for(community).request_confirm_days
        if candidate.done_at and candidate.done_at + timedelta(days=days_of[community.pk]) <= now:
            with transaction.atomic():
                request = _locked(candidate.pk)
                if request.status != Status.DONE:
                    continue
                _complete(request, None, on_behalf_of=None, step="auto_confirm")
                confirmed += 1
    return confirmed
