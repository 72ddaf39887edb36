"""Reads of grid incidents: the categories in force, who handles, who sees what.

Who sees an incident: grid workers, staff and the review group (inspection) over its
place (``VIEW_INCIDENTS``), its reporter, and its handler (a person, or the members of
the organisation it was assigned to — only once it is assigned to it: a category's
default organisation is a suggestion to whoever assigns, never a reader).
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from jifen.incidents.models import OPEN, RUNNING, Category, Event, Incident, Status
from jifen.lib.waiting import Waiting
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person, RoleGrant
from jifen.regions.models import Region

# FixMyStreet suggests open reports within 50 m as possible duplicates.
NEARBY_METRES = 50


def categories(community: Region, *, active_only: bool = True) -> list[Category]:
    """The categories in force for ``community``: its own, and those of the regions
    above it unless one of the same code lower down replaces them."""
    rows = Category.objects.filter(region__code__in=community.ancestor_codes()).select_related(
        "region", "default_organization"
    )
    chosen: dict[str, Category] = {}
    for row in sorted(rows, key=lambda c: c.region.path.count("/")):
        chosen[row.code] = row
    found = [c for c in chosen.values() if c.is_active or not active_only]
    return sorted(found, key=lambda c: (c.position, c.code))


def category(community: Region, code: Any) -> Category | None:
    if not isinstance(code, str) or not code:
        return None
    return next((c for c in categories(community) if c.code == code), None)


def role_holders(region: Region, role: str) -> list[Person]:
    """The people holding ``role`` nearest above ``region`` (its own, else its parent's
    …): who is told about what happens there."""
    grants = RoleGrant.objects.filter(
        role=role, region__code__in=region.ancestor_codes(), person__is_active=True
    ).select_related("person", "region")
    by_depth: dict[int, list[Person]] = {}
    for grant in grants:
        by_depth.setdefault(grant.region.path.count("/"), []).append(grant.person)
    return by_depth[max(by_depth)] if by_depth else []


def organization_serves(organization: Organization, community: Region) -> bool:
    """An organisation serves the communities within its region (a county's utility) or
    containing it (a compound's 物业)."""
    return community.is_within(organization.region) or organization.region.is_within(community)


def default_organization_for(incident: Incident) -> Organization | None:
    """The category's default organisation, when it serves the incident's community: what
    the assign form may preselect. Never applied by itself."""
    organization = incident.category.default_organization
    if organization is None or not organization_serves(organization, incident.community):
        return None
    return organization


def _member_of(person: Person) -> QuerySet[OrganizationMember, int]:
    return OrganizationMember.objects.filter(person=person).values_list(
        "organization_id", flat=True
    )


# The statuses in which an organisation holds an incident it was assigned (it is cleared
# when the incident is escalated, reopened or assigned to someone else).
HELD = (Status.ASSIGNED, Status.RESOLVED, Status.CLOSED)


def _organization_q(person: Person) -> Q:
    return Q(organization_id__in=_member_of(person), status__in=HELD)


def visible(person: Person) -> QuerySet[Incident]:
    """What the person may see: in their regions, reported by them, or theirs to handle."""
    return Incident.objects.filter(
        authz.regions_q(person, authz.VIEW_INCIDENTS, "region")
        | Q(reporter=person)
        | Q(assignee=person)
        | _organization_q(person)
    ).select_related("category", "region", "community", "handling_region", "assignee")


def mine(person: Person) -> QuerySet[Incident]:
    """What the person reported or handles (themselves, or through their organisation)."""
    return Incident.objects.filter(
        Q(reporter=person) | Q(assignee=person) | _organization_q(person)
    ).select_related("category", "region", "community", "handling_region", "assignee")


def get_visible(person: Person, pk: Any) -> Incident | None:
    return visible(person).filter(pk=pk).first()


def resolver_id(incident: Incident) -> int | None:
    """Who resolved it last: the one who may not check the fix (four eyes)."""
    last = incident.events.filter(step="resolve").order_by("-at", "-id").first()
    return last.actor_id if last is not None else None


def closing_region(incident: Incident) -> Region:
    """Where staff close it without a fix: its community, or the town once it was
    escalated there (``CLOSE_INCIDENTS`` over this region)."""
    if incident.handling_region.is_within(incident.community):
        return incident.community
    return incident.handling_region


def history(incident: Incident) -> QuerySet[Event]:
    return incident.events.select_related("actor").prefetch_related("photos")


def overdue_q(now: datetime | None = None) -> Q:
    return Q(status__in=RUNNING, due_at__lt=now or timezone.now())


@dataclass(frozen=True)
class Filters:
    status: str = ""
    category: str = ""
    region: Region | None = None
    overdue: bool = False
    tier: str = ""


def for_handlers(person: Person, filters: Filters = Filters()) -> QuerySet[Incident]:
    """The queue of a grid worker or staff: incidents in their regions, newest first."""
    rows = Incident.objects.filter(
        authz.regions_q(person, authz.VIEW_INCIDENTS, "region")
    ).select_related("category", "region", "community", "handling_region", "assignee")
    return filtered(rows, filters)


def filtered(rows: QuerySet[Incident], filters: Filters) -> QuerySet[Incident]:
    """``rows`` narrowed by ``filters`` (status ``open``: every status before closed)."""
    if filters.status == "open":
        rows = rows.filter(status__in=OPEN)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category__code=filters.category)
    if filters.region is not None:
        rows = rows.filter(region__path__startswith=filters.region.path)
    if filters.overdue:
        rows = rows.filter(overdue_q())
    if filters.tier:
        rows = rows.filter(tier=filters.tier)
    return rows


def _metres(lat1: Decimal, lng1: Decimal, lat2: Decimal, lng2: Decimal) -> float:
    """Great-circle distance (haversine), ample for 50 m."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def possible_duplicates(
    region: Region, category_code: str, lat: Any = None, lng: Any = None, limit: int = 5
) -> list[Incident]:
    """Open incidents of the same category nearby: within 50 m of the map point, or, with
    no point, at the same place (grid or building). Suggested before a report is sent."""
    rows = Incident.objects.filter(status__in=OPEN, category__code=category_code).select_related(
        "category", "region"
    )
    if lat in (None, "") or lng in (None, ""):
        return list(rows.filter(region=region).order_by("-created_at")[:limit])
    try:
        here = Decimal(str(lat)), Decimal(str(lng))
    except ArithmeticError:
        return []
    # A box of about ±0.001° (≈110 m) first, then the exact distance.
    box = Decimal("0.001")
    near = rows.filter(
        lat__range=(here[0] - box, here[0] + box), lng__range=(here[1] - box, here[1] + box)
    )[:200]
    found = [
        i
        for i in near
        if i.lat is not None
        and i.lng is not None
        and _metres(here[0], here[1], i.lat, i.lng) <= NEARBY_METRES
    ]
    return found[:limit]


# --- To-do counts (one aggregate query each, whatever the data size) -------------------------


def handler_todo(person: Person, now: datetime | None = None) -> dict[str, Waiting]:
    """Grid workers and staff: reported incidents to accept and running ones past their
    deadline, where the person handles (one query)."""
    now = now or timezone.now()
    row = Incident.objects.filter(
        authz.regions_q(person, authz.HANDLE_INCIDENTS, "handling_region")
    ).aggregate(
        to_accept=Count("pk", filter=Q(status=Status.REPORTED)),
        oldest_reported=Min("created_at", filter=Q(status=Status.REPORTED)),
        overdue=Count("pk", filter=overdue_q(now)),
        oldest_due=Min("due_at", filter=overdue_q(now)),
    )
    return {
        "to_accept": Waiting(row["to_accept"], row["oldest_reported"]),
        "overdue": Waiting(row["overdue"], row["oldest_due"]),
    }


def person_todo(person: Person) -> dict[str, Waiting]:
    """Anyone: incidents given to them (or their organisation) to handle, and their own
    reports resolved and waiting for their check (one query)."""
    mine = Q(assignee=person) | Q(assignee__isnull=True, organization_id__in=_member_of(person))
    row = Incident.objects.filter(mine | Q(reporter=person)).aggregate(
        to_handle=Count("pk", filter=mine & Q(status=Status.ASSIGNED)),
        oldest_assigned=Min("updated_at", filter=mine & Q(status=Status.ASSIGNED)),
        to_verify=Count("pk", filter=Q(reporter=person, status=Status.RESOLVED)),
        oldest_resolved=Min("resolved_at", filter=Q(reporter=person, status=Status.RESOLVED)),
    )
    return {
        "to_handle": Waiting(row["to_handle"], row["oldest_assigned"]),
        "to_verify": Waiting(row["to_verify"], row["oldest_resolved"]),
    }
