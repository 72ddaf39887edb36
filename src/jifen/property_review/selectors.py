"""Reads of 物业互评: who reads which round, inspection and finding; what waits for whom.

- Staff (``MANAGE_PROPERTY_REVIEWS``) over the round's region read everything of it.
- A panel member reads their own inspections (the checklist, their scores).
- A property company's contact reads its findings (and rectifies them).
- Anyone reads the public page of a round once it is open: the scores once published,
  the findings staff sorted as the company's to fix or handed on, with their progress;
  no person's name, no photo.
"""

from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from jifen.lib.waiting import Waiting
from jifen.people import authz
from jifen.people.models import OrganizationMember, Person, Role, RoleGrant
from jifen.property_review.models import (
    PUBLIC_FINDINGS,
    TO_RECTIFY,
    Company,
    Finding,
    FindingEvent,
    FindingPhoto,
    FindingStatus,
    Inspection,
    Item,
    PanelMember,
    Result,
    Round,
    RoundEvent,
    RoundStatus,
    Score,
)
from jifen.regions.models import Region

PUBLIC_ROUNDS = (RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.PUBLISHED)


# --- Reach ------


def may_manage(viewer: Person | None, region: Region) -> bool:
    return authz.can(viewer, authz.MANAGE_PROPERTY_REVIEWS, region)


def managed(viewer: Person) -> QuerySet[Round]:
    return Round.objects.filter(
        authz.regions_q(viewer, authz.MANAGE_PROPERTY_REVIEWS, "region")
    ).select_related("region")


def listed(viewer: Person, *, region: Region | None = None, status: str = "") -> QuerySet[Round]:
    rows = managed(viewer)
    if region is not None:
        rows = rows.filter(region__path__startswith=region.path)
    if status:
        rows = rows.filter(status=status)
    return rows


def get_managed(viewer: Person, pk: int) -> Round | None:
    return managed(viewer).filter(pk=pk).first()


def contact_organizations(person: Person) -> list[int]:
    return list(
        OrganizationMember.objects.filter(person=person, is_contact=True).values_list(
            "organization_id", flat=True
        )
    )


def contacts_of(organization_id: int) -> list[Person]:
    return [
        m.person
        for m in OrganizationMember.objects.filter(
            organization_id=organization_id, is_contact=True
        ).select_related("person")
    ]


def staff_of(region: Region) -> list[Person]:
    """Staff and admins over the region (its own, else the nearest above it)."""
    grants = RoleGrant.objects.filter(
        role__in=[Role.STAFF], region__code__in=region.ancestor_codes(), person__is_active=True
    ).select_related("person", "region")
    by_depth: dict[int, list[Person]] = {}
    for grant in grants:
        by_depth.setdefault(grant.region.path.count("/"), []).append(grant.person)
    return by_depth[max(by_depth)] if by_depth else []


# --- A round ------


def public_rounds(region: Region | None = None) -> QuerySet[Round]:
    rows = Round.objects.filter(status__in=PUBLIC_ROUNDS).select_related("region")
    if region is not None:
        rows = rows.filter(
            Q(region__path__startswith=region.path) | Q(region__code__in=region.ancestor_codes())
        )
    return rows


def get_public(pk: int) -> Round | None:
    return public_rounds().filter(pk=pk).first()


def items(round_: Round) -> list[Item]:
    return list(round_.items.all())


def companies(round_: Round) -> list[Company]:
    return list(
        round_.companies.select_related("organization").prefetch_related("compounds__region")
    )


def inspections(round_: Round) -> list[Inspection]:
    return list(
        round_.inspections.select_related(
            "compound__region", "inspector__organization", "inspected__organization"
        )
        .prefetch_related("panel__person")
        .annotate(findings_count=Count("findings", distinct=True))
    )


def scored_counts(round_: Round) -> dict[int, int]:
    """Panel member id → how many items they scored."""
    return dict(
        Score.objects.filter(member__inspection__round=round_)
        .values_list("member_id")
        .annotate(n=Count("pk"))
    )


def results(round_: Round) -> list[Result]:
    return list(
        Result.objects.filter(round=round_)
        .select_related("company__organization")
        .prefetch_related("items__item")
        .order_by("rank", "company__organization__name")
    )


def history(round_: Round) -> QuerySet[RoundEvent]:
    return round_.events.select_related("actor")


# --- The panel ------


def my_inspections(person: Person) -> QuerySet[Inspection]:
    """The inspections of open rounds the person is on the panel of."""
    return (
        Inspection.objects.filter(panel__person=person, round__status=RoundStatus.OPEN)
        .select_related("round__region", "compound__region", "inspector__organization")
        .order_by("scheduled_on", "id")
        .distinct()
    )


def panel_member(person: Person, inspection: Inspection) -> PanelMember | None:
    return PanelMember.objects.filter(inspection=inspection, person=person).first()


def get_inspection(pk: int) -> Inspection | None:
    return (
        Inspection.objects.select_related(
            "round__region",
            "compound__region",
            "inspector__organization",
            "inspected__organization",
        )
        .filter(pk=pk)
        .first()
    )


def may_read_inspection(viewer: Person, inspection: Inspection) -> bool:
    return may_manage(viewer, inspection.round.region) or (
        panel_member(viewer, inspection) is not None
    )


def my_scores(member: PanelMember | None) -> dict[int, int]:
    if member is None:
        return {}
    return dict(member.scores.values_list("item_id", "score"))


# --- Findings ------


def _findings() -> QuerySet[Finding]:
    return Finding.objects.select_related(
        "round__region", "company__organization", "compound__region", "incident"
    )


def get_finding(pk: int) -> Finding | None:
    return _findings().filter(pk=pk).first()


def may_read_finding(viewer: Person | None, finding: Finding) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    if may_manage(viewer, finding.round.region) or finding.reported_by_id == viewer.pk:
        return True
    if finding.company.organization_id in contact_organizations(viewer):
        # The company hears of a finding once staff sorted it as its to fix.
        return finding.status not in (FindingStatus.RECORDED, FindingStatus.DISMISSED)
    return PanelMember.objects.filter(inspection_id=finding.inspection_id, person=viewer).exists()


def findings_for(
    viewer: Person, *, round_: Round | None = None, status: str = "", mine: bool = False
) -> QuerySet[Finding]:
    """Staff: their regions' findings; with ``mine`` (or for anyone else): the findings of
    the companies the viewer is a contact of, once sorted for them, and those they recorded."""
    staff = authz.regions_q(viewer, authz.MANAGE_PROPERTY_REVIEWS, "round__region")
    own = Q(company__organization_id__in=contact_organizations(viewer)) & ~Q(
        status__in=[FindingStatus.RECORDED, FindingStatus.DISMISSED]
    )
    reach = (own | Q(reported_by=viewer)) if mine else (staff | own | Q(reported_by=viewer))
    rows = _findings().filter(reach)
    if round_ is not None:
        rows = rows.filter(round=round_)
    if status:
        rows = rows.filter(status=status)
    return rows


def to_rectify(person: Person) -> QuerySet[Finding]:
    """The findings the person's companies have to rectify."""
    return (
        _findings()
        .filter(company__organization_id__in=contact_organizations(person), status__in=TO_RECTIFY)
        .order_by("due_on", "id")
    )


def public_findings(round_: Round) -> QuerySet[Finding]:
    return (
        _findings()
        .filter(round=round_, status__in=PUBLIC_FINDINGS)
        .order_by("company__organization__name", "-created_at", "-id")
    )


def finding_history(finding: Finding) -> QuerySet[FindingEvent]:
    return finding.events.select_related("actor")


def finding_photos(finding: Finding) -> list[FindingPhoto]:
    return list(finding.photos.select_related("event"))


# --- What waits (the to-do list) ------


def panel_todo(person: Person) -> Waiting:
    """Inspections of open rounds where the person is on the panel and has not scored
    every item yet; the oldest since the round opened."""
    rows = (
        PanelMember.objects.filter(person=person, inspection__round__status=RoundStatus.OPEN)
        .annotate(
            scored=Count("scores", distinct=True),
            needed=Count("inspection__round__items", distinct=True),
        )
        .values_list("scored", "needed", "inspection__round__opened_at")
    )
    waiting = [opened for scored, needed, opened in rows if scored < needed]
    return Waiting(len(waiting), min((o for o in waiting if o), default=None))


def contact_todo(person: Person) -> Waiting:
    """Findings the person's companies have to rectify (open, being rectified, reopened)."""
    row = to_rectify(person).aggregate(count=Count("pk"), oldest=Min("updated_at"))
    return Waiting(row["count"], row["oldest"])


def staff_todo(person: Person, now: datetime | None = None) -> dict[str, Waiting]:
    """Staff: findings to sort (recorded by a panel) and fixes to verify."""
    reach = authz.regions_q(person, authz.MANAGE_PROPERTY_REVIEWS, "round__region")
    to_sort = Q(status=FindingStatus.RECORDED)
    to_verify = Q(status=FindingStatus.FIXED)
    row = Finding.objects.filter(reach).aggregate(
        to_sort=Count("pk", filter=to_sort),
        oldest_sort=Min("created_at", filter=to_sort),
        to_verify=Count("pk", filter=to_verify),
        oldest_verify=Min("fixed_at", filter=to_verify),
    )
    return {
        "findings_to_sort": Waiting(row["to_sort"], row["oldest_sort"]),
        "fixes_to_verify": Waiting(row["to_verify"], row["oldest_verify"]),
    }


def overdue_count(round_: Round) -> int:
    return Finding.objects.filter(
        round=round_, status__in=TO_RECTIFY, due_on__lt=timezone.localdate()
    ).count()


def involved(person: Person) -> bool:
    """Whether the person's home page should lead to 物业互评: on a panel of a round that is
    open, or the contact of a company with findings to rectify."""
    on_panel = PanelMember.objects.filter(
        person=person, inspection__round__status=RoundStatus.OPEN
    ).exists()
    return on_panel or to_rectify(person).exists()
