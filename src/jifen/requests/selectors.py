"""Reads of service requests: who sees which, the menu in force, the lists and counts.

Who sees a request: staff and the review group of its community (everything but
nothing more than their regions); the requester and their family proxies; the helper,
and the leader or contact of the group it was given to; while it is open, the
volunteers who may take it. The address and the phones are for those who go or send
someone: staff who manage requests, the requester's side, and the helper while it is in
hand — not the review group, which checks and reads names only. The public wishes wall
shows a masked name and the title.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.claims.models import Claim
from jifen.claims.origins import Origin
from jifen.lib.masking import mask_name
from jifen.lib.rawrows import Columns, cache_related, execute_planned
from jifen.lib.waiting import Waiting
from jifen.people import authz
from jifen.people.models import OrganizationMember, Person, Proxy, RoleGrant, Team, TeamMember
from jifen.regions.models import Region
from jifen.requests import rules
from jifen.requests.models import (
    IN_HAND,
    Eligibility,
    EnteredAs,
    Event,
    Kind,
    MenuItem,
    ServiceRequest,
    Status,
)

# --- The menu -----------------------------------------------------------------------------------


def menu(community: Region, *, kind: str = "", active_only: bool = True) -> list[MenuItem]:
    """The lines in force for ``community``: its own, and those of the regions above it
    unless a line of the same code lower down replaces them; in menu order. ``kind``
    (request or wish): only the lines that serve it."""
    items = MenuItem.objects.filter(region__code__in=community.ancestor_codes()).select_related(
        "region", "rule_item"
    )
    chosen: dict[str, MenuItem] = {}
    for item in sorted(items, key=lambda i: i.region.path.count("/")):
        chosen[item.code] = item
    lines = [
        i
        for i in chosen.values()
        if (i.is_active or not active_only) and (not kind or i.kind == kind)
    ]
    return sorted(lines, key=lambda i: (i.group, i.position, i.code))


def menu_item(community: Region, code: Any) -> MenuItem | None:
    """The active line of that code for ``community`` (None when there is none)."""
    if not isinstance(code, str) or not code:
        return None
    found = [i for i in menu(community) if i.code == code]
    return found[0] if found else None


# --- Who sees what --------------------------------------------------------------------------


def _proxied(person: Person) -> QuerySet[Proxy, int]:
    """The residents the person acts for, as a subquery (no query of its own)."""
    return Proxy.objects.filter(agent=person, revoked_at__isnull=True).values_list(
        "principal_id", flat=True
    )


def _proxies_of(person: Person) -> QuerySet[Proxy, int]:
    """The family proxies who act for the person, as a subquery."""
    return Proxy.objects.filter(principal=person, revoked_at__isnull=True).values_list(
        "agent_id", flat=True
    )


def _household_q(person: Person) -> Q:
    if person.household_id is None:
        return Q(pk__in=[])
    return Q(requester__household_id=person.household_id)


def _headed(person: Person) -> tuple[QuerySet[Team, int], QuerySet[OrganizationMember, int]]:
    """Teams the person leads, organisations they are a contact of (subqueries)."""
    teams = Team.objects.filter(leader=person).values_list("pk", flat=True)
    orgs = OrganizationMember.objects.filter(person=person, is_contact=True).values_list(
        "organization_id", flat=True
    )
    return teams, orgs


def unit_regions(person: Person) -> list[int]:
    """Regions of the organisations the person is a member of (驻区单位 serve below them)."""
    return list(
        OrganizationMember.objects.filter(person=person).values_list(
            "organization__region_id", flat=True
        )
    )


def _own_q(person: Person) -> Q:
    """Requests the person asked for (or for a resident they act for), was given, or
    whose group they lead."""
    teams, orgs = _headed(person)
    return (
        Q(requester=person)
        | Q(requester_id__in=_proxied(person))
        | Q(assignee=person)
        | Q(team_id__in=teams, status__in=IN_HAND)
        | Q(organization_id__in=orgs, status__in=IN_HAND)
    )


def can_see(person: Person, request: ServiceRequest) -> bool:
    if authz.can(person, authz.VIEW_REQUESTS, request.community):
        return True
    if ServiceRequest.objects.filter(_own_q(person), pk=request.pk).exists():
        return True
    return request.status == Status.OPEN and rules.may_accept(person, request)


def can_see_address(person: Person, request: ServiceRequest) -> bool:
    """The address is for staff who manage requests, the requester's side, and the helper
    while it is in hand; not for the review group."""
    return address_reader(person)(request)


def _reader(
    person: Person, *, staff: authz.Action, helper_in_hand: bool
) -> Callable[[ServiceRequest], bool]:
    principals: list[int] | None = None

    def reads(request: ServiceRequest) -> bool:
        nonlocal principals
        if authz.can(person, staff, request.community):
            return True
        if person.pk == request.requester_id:
            return True
        if request.assignee_id == person.pk and (not helper_in_hand or request.status in IN_HAND):
            return True
        if principals is None:
            principals = list(_proxied(person))
        return request.requester_id in principals

    return reads


def address_reader(person: Person) -> Callable[[ServiceRequest], bool]:
    """``can_see_address`` for many requests read by one person: what the person is
    (their grants, the residents they act for) is read once, not once per request."""
    return _reader(person, staff=authz.MANAGE_REQUESTS, helper_in_hand=True)


def party_reader(person: Person) -> Callable[[ServiceRequest], bool]:
    """Who reads the names, notes and reasons of a request: staff and the review group,
    the requester's side, and its helper (also once it is completed: they see themselves
    on what they did). A volunteer who only may take it reads the requester masked."""
    return _reader(person, staff=authz.VIEW_REQUESTS, helper_in_hand=False)


def contact_for(viewer: Person, request: ServiceRequest) -> list[tuple[str, str]]:
    """How to reach the resident — (name, phone) of the requester and, when a family proxy
    entered the request, of the proxy: for staff who manage requests always, for the
    helper while it is in hand (to agree a time, to find the door), for nobody else."""
    staff = authz.can(viewer, authz.MANAGE_REQUESTS, request.community)
    helper = request.assignee_id == viewer.pk and request.status in IN_HAND
    if not (staff or helper):
        return []
    people = [request.requester]
    if request.entered_as == EnteredAs.PROXY and request.entered_by_id != request.requester_id:
        people.append(request.entered_by)
    return [(p.name, p.phone) for p in people if p.phone]


def managers(community: Region) -> list[Person]:
    """Who manages the community's requests, nearest level first found (its own staff,
    else the town's, else the county's): told when a request goes wrong (handed back,
    disputed)."""
    grants = RoleGrant.objects.filter(
        role__in=authz.MANAGE_REQUESTS.roles,
        region__code__in=community.ancestor_codes(),
        person__is_active=True,
    ).select_related("person", "region")
    by_depth: dict[int, list[Person]] = {}
    for grant in grants:
        by_depth.setdefault(grant.region.path.count("/"), []).append(grant.person)
    return by_depth[max(by_depth)] if by_depth else []


def get_visible(person: Person, pk: Any) -> ServiceRequest | None:
    request = (
        ServiceRequest.objects.select_related(
            "community",
            "menu_item",
            "requester",
            "entered_by",
            "assignee",
            "team",
            "organization",
            "claim",
        )
        .filter(pk=pk)
        .first()
    )
    if request is None or not can_see(person, request):
        return None
    return request


_TAKEABLE = (
    Columns(ServiceRequest, "r"),
    Columns(Region, "c"),
    Columns(MenuItem, "m"),
    Columns(Person, "p"),
)


@functools.cache
def _takeable_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    request, community, item, requester = _TAKEABLE
    return (
        f"SELECT {', '.join(columns.select for columns in _TAKEABLE)} "  # noqa: S608 - names from the models
        f"FROM {request.source} "
        f"JOIN {community.source} ON c.{quote('id')} = r.{quote('community_id')} "
        f"JOIN {item.source} ON m.{quote('id')} = r.{quote('menu_item_id')} "
        f"JOIN {requester.source} ON p.{quote('id')} = r.{quote('requester_id')} "
        f"WHERE r.{quote('id')} = %s"
    )


@functools.cache
def _takeable_family_sql(vendor: str) -> str:
    """``_takeable_sql`` and, last, whether the reader is of the requester's family
    (``rules.is_family``), so a racer's refusal costs one statement, not two."""
    select, rest = _takeable_sql(vendor).split(" FROM ", 1)
    return f"{select}, ({rules.family_sql(vendor, requester='r.requester_id')}) FROM {rest}"


def get_takeable(person: Person, pk: Any) -> ServiceRequest | None:
    """The request a volunteer tries to take (抢单): one they may see, or one of their
    community (or of one their unit serves) that they could have seen while it was open.
    So the racers who lose hear ``already_taken`` and a volunteer the menu does not admit
    hears ``not_eligible`` from the service, while a stranger learns nothing (None).

    Read by one statement written once (``lib.rawrows``): every racer of a 抢单 passes
    here, and the ORM's ``select_related`` cost more to build than to run
    (docs/performance.md, "The accept race")."""
    with connection.cursor() as cursor:
        execute_planned(
            cursor,
            "jifen_takeable_request",
            _takeable_family_sql(connection.vendor),
            [*rules.family_params(person), pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    request: ServiceRequest = _TAKEABLE[0].load(row)
    start = len(_TAKEABLE[0])
    for name, columns in zip(("community", "menu_item", "requester"), _TAKEABLE[1:], strict=True):
        cache_related(request, name, columns.load(row, start))
        start += len(columns)
    rules.knew_family(request, person, bool(row[start]))
    if request.community_id == person.community_id or can_see(person, request):
        return request
    return request if rules.unit_member(person, request) else None


def history(request: ServiceRequest) -> QuerySet[Event]:
    return request.events.select_related("actor", "on_behalf_of", "assignee").order_by("at", "id")


def claim_origin(claim: Claim) -> Origin | None:
    """How a helper's claim (source ``request``) tells where it came from: the request,
    its number and the resident's rating (registered with ``claims.origins``)."""
    found = (
        ServiceRequest.objects.filter(claim_id=claim.pk)
        .values_list("pk", "rating", "kind", "requester_id", "entered_by_id")
        .first()
    )
    if found is None:
        return None
    pk, rating, kind, requester, entered_by = found
    confirmers = Event.objects.filter(
        request_id=pk, step__in=("confirm", "dispute"), actor__isnull=False
    ).values_list("actor_id", flat=True)
    text = (
        _("From a resident's wish #%(id)s")
        if kind == Kind.WISH
        else _("From a resident's request #%(id)s")
    ) % {"id": pk}
    return Origin(
        text=text,
        console_url=reverse("requests:console_detail", args=[pk]),
        url=reverse("requests:detail", args=[pk]),
        rating=rating,
        parties=frozenset({requester, entered_by, *confirmers}),
    )


# --- Lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    status: str = ""
    kind: str = ""
    category: str = ""
    community: Region | None = None
    assignee: Person | None = None
    overdue: bool = False


def _base() -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.select_related(
        "community", "menu_item", "requester", "assignee", "team", "organization"
    )


def _filtered(requests: QuerySet[ServiceRequest], filters: Filters) -> QuerySet[ServiceRequest]:
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.kind:
        requests = requests.filter(kind=filters.kind)
    if filters.category:
        requests = requests.filter(menu_item__code=filters.category)
    if filters.community is not None:
        requests = requests.filter(community__path__startswith=filters.community.path)
    if filters.assignee is not None:
        requests = requests.filter(assignee=filters.assignee)
    if filters.overdue:
        requests = requests.filter(overdue_q())
    return requests


def overdue_q(today: Any = None) -> Q:
    today = today or timezone.localdate()
    return Q(status=Status.ASSIGNED, due_on__lt=today)


def for_staff(viewer: Person, filters: Filters = Filters()) -> QuerySet[ServiceRequest]:
    """Every request in the viewer's regions, newest first."""
    return _filtered(
        _base().filter(authz.regions_q(viewer, authz.VIEW_REQUESTS, "community")), filters
    )


def _eligibility_q(person: Person) -> Q:
    """The menu rules the person meets (computed once, not per request)."""
    today = timezone.localdate()
    rules = [Eligibility.ANYONE]
    if person.is_party_member:
        rules.append(Eligibility.PARTY)
    in_team = (
        TeamMember.objects.filter(person=person, joined_on__lte=today)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .exists()
        or Team.objects.filter(leader=person).exists()
    )
    if in_team:
        rules.append(Eligibility.TEAM)
    if OrganizationMember.objects.filter(person=person).exists():
        rules.append(Eligibility.ORGANIZATION)
    return Q(menu_item__eligibility__in=rules)


def open_for(person: Person, filters: Filters = Filters()) -> QuerySet[ServiceRequest]:
    """可接的单: open requests of the person's community (and of communities below the
    units they belong to) that the menu lets them take, not their own family's
    (``rules.is_family``); oldest first."""
    where = Q(community_id=person.community_id) if person.community_id else Q(pk__in=[])
    for region_id in unit_regions(person):
        region = Region.objects.filter(pk=region_id).first()
        if region is not None:
            where |= Q(community__path__startswith=region.path)
    return (
        _filtered(_base().filter(where, _eligibility_q(person), status=Status.OPEN), filters)
        .exclude(requester=person)
        .exclude(requester_id__in=_proxied(person))
        .exclude(requester_id__in=_proxies_of(person))
        .exclude(_household_q(person))
        .order_by("created_at", "id")
    )


def mine(person: Person, filters: Filters = Filters()) -> QuerySet[ServiceRequest]:
    """我的: what the person asked for (or for a resident they act for), was given, or
    whose group they lead; newest first."""
    return _filtered(_base().filter(_own_q(person)), filters)


def asked_by(person: Person) -> QuerySet[ServiceRequest]:
    return _base().filter(Q(requester=person) | Q(requester_id__in=_proxied(person)))


def taken_by(person: Person) -> QuerySet[ServiceRequest]:
    teams, orgs = _headed(person)
    return _base().filter(
        Q(assignee=person)
        | Q(team_id__in=teams, assignee__isnull=True, status=Status.ASSIGNED)
        | Q(organization_id__in=orgs, assignee__isnull=True, status=Status.ASSIGNED)
    )


# --- The public wishes wall -------------------------------------------------------------------


@dataclass(frozen=True)
class WallLine:
    id: int
    title: str
    requester: str  # masked
    status: str
    status_label: str
    category: str
    created_at: datetime
    closed_at: datetime | None


def public_name(person: Person) -> str:
    """A name on a public page (CONTRACT): masked (王*梅), or, until the person agrees to
    publication, only 志愿者 and their volunteer number (as publicity's pages do)."""
    if not person.has_consented:
        return _("Volunteer %(number)s") % {"number": person.volunteer_no or ""}
    return mask_name(person.name)


def wishes_wall(community: Region, *, limit: int = 200) -> list[WallLine]:
    """Open wishes, those being fulfilled, and those fulfilled this month (挂牌销号):
    masked requester and the title only."""
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    wishes = (
        ServiceRequest.objects.filter(kind=Kind.WISH, community=community)
        .filter(
            Q(status__in=[Status.OPEN, Status.ASSIGNED, Status.DONE])
            | Q(status=Status.COMPLETED, closed_at__gte=month_start)
        )
        .select_related("requester", "menu_item")
        .order_by("created_at", "id")[:limit]
    )
    return [
        WallLine(
            id=w.pk,
            title=w.title,
            requester=public_name(w.requester),
            status=w.status,
            status_label=str(w.get_status_display()),
            category=w.menu_item.name,
            created_at=w.created_at,
            closed_at=w.closed_at,
        )
        for w in wishes
    ]


def wall_sections(community: Region) -> dict[str, list[WallLine]]:
    """The wall's three lists: waiting, being fulfilled, fulfilled this month (latest first)."""
    lines = wishes_wall(community)
    return {
        "waiting": [w for w in lines if w.status == Status.OPEN],
        "underway": [w for w in lines if w.status in (Status.ASSIGNED, Status.DONE)],
        "fulfilled": sorted(
            (w for w in lines if w.status == Status.COMPLETED),
            key=lambda w: w.closed_at or w.created_at,
            reverse=True,
        ),
    }


# A big screen shows this many of each list; a phone scrolls through them all.
PANEL_SIZE = 6


def wall_panel(community: Region) -> dict[str, Any]:
    """For the community's big screen (the kiosk's wishes panel): the lists, shortened."""
    sections = wall_sections(community)
    return {
        "wishes_waiting": sections["waiting"][:PANEL_SIZE],
        "wishes_underway": sections["underway"][:PANEL_SIZE],
        "wishes_fulfilled": sections["fulfilled"][:PANEL_SIZE],
        "wishes_fulfilled_count": len(sections["fulfilled"]),
    }


# --- To-do counts (fixed queries whatever the data size) ------------------------------------


def _waiting(requests: QuerySet[ServiceRequest], field: str) -> Waiting:
    row = requests.aggregate(count=Count("id"), oldest=Min(field))
    return Waiting(row["count"], row["oldest"])


def to_check(viewer: Person) -> Waiting:
    """Staff: requests waiting for the community's check."""
    return _waiting(
        ServiceRequest.objects.filter(
            authz.regions_q(viewer, authz.MANAGE_REQUESTS, "community"), status=Status.SUBMITTED
        ),
        "created_at",
    )


def overdue(viewer: Person) -> Waiting:
    """Staff: requests whose helper is past the deadline; ``oldest_at`` is when the
    longest-overdue one became late (the start of the day after its due day), so the
    line says how late, not how long ago it was assigned."""
    row = ServiceRequest.objects.filter(
        authz.regions_q(viewer, authz.MANAGE_REQUESTS, "community"), overdue_q()
    ).aggregate(count=Count("id"), due=Min("due_on"))
    late = None
    if row["due"] is not None:
        late = timezone.make_aware(datetime.combine(row["due"] + timedelta(days=1), time.min))
    return Waiting(row["count"], late)


def to_confirm(person: Person) -> Waiting:
    """Residents: requests reported done, waiting for their confirmation."""
    return _waiting(asked_by(person).filter(status=Status.DONE), "done_at")


def in_hand(person: Person) -> Waiting:
    """Volunteers: requests given to them (or to their group, to name who goes)."""
    return _waiting(taken_by(person).filter(status=Status.ASSIGNED), "assigned_at")
