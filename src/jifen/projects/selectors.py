"""Reads of 三单 and 微实事.

The three lists are public but for drafts: anyone reads the resources on offer (a unit's
name, a person's masked name, never a phone), the needs (their source's kind, not the
resident who asked) and the projects with their milestones. The console's lists — with
drafts, history and who took what — are for staff over the community (``MANAGE_UNITS``);
a unit's contact sees what their units lead and took.
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.claims.models import Claim
from jifen.claims.origins import Origin
from jifen.lib.waiting import Waiting
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.projects.models import (
    PUBLIC,
    RUNNING,
    Event,
    Milestone,
    Need,
    NeedStatus,
    Project,
    Resource,
    Status,
)
from jifen.regions.models import Region


def may_manage(viewer: Person | None, community: Region) -> bool:
    return authz.can(viewer, authz.MANAGE_UNITS, community)


def contact_units(person: Person) -> QuerySet[Organization]:
    """The units the person is a contact of."""
    return Organization.objects.filter(
        pk__in=OrganizationMember.objects.filter(person=person, is_contact=True).values(
            "organization_id"
        )
    ).order_by("name", "id")


# --- Resources ------


def resources(community: Region, *, active: bool | None = True) -> QuerySet[Resource]:
    found = Resource.objects.filter(community=community).select_related("organization", "person")
    if active is not None:
        found = found.filter(is_active=active)
    return found


# --- Needs ------


def open_needs(community: Region) -> QuerySet[Need]:
    """The needs anyone eligible may take (认领), oldest first."""
    return (
        Need.objects.filter(community=community, status=NeedStatus.OPEN)
        .select_related("community")
        .order_by("created_at", "id")
    )


def needs(community: Region, *, status: str | None = None) -> QuerySet[Need]:
    found = Need.objects.filter(community=community).select_related(
        "claimed_by", "claimed_organization", "project"
    )
    if status:
        found = found.filter(status=status)
    return found


def needs_taken_by(person: Person) -> QuerySet[Need]:
    """What the person took, in person or for a unit they are a contact of."""
    return (
        Need.objects.filter(
            Q(claimed_by=person, claimed_organization__isnull=True)
            | Q(claimed_organization__in=contact_units(person))
        )
        .select_related("community", "claimed_organization")
        .order_by("-claimed_at", "-id")
    )


# --- Projects ------


def projects(community: Region, *, status: str | None = None) -> QuerySet[Project]:
    found = Project.objects.filter(community=community).select_related("lead_organization")
    if status:
        found = found.filter(status=status)
    return found.order_by("-created_at", "-id").annotate(
        milestone_count=Count("milestones", distinct=True),
        milestones_done=Count(
            "milestones", filter=Q(milestones__done_at__isnull=False), distinct=True
        ),
    )


def public_projects(community: Region) -> QuerySet[Project]:
    return projects(community).filter(status__in=PUBLIC)


def open_projects(community: Region) -> QuerySet[Project]:
    """Projects waiting for a lead unit (领办)."""
    return projects(community, status=Status.OPEN).order_by("created_at", "id")


def led_by(person: Person) -> QuerySet[Project]:
    """Projects the units of which the person is a contact lead."""
    return (
        Project.objects.filter(lead_organization__in=contact_units(person))
        .select_related("community", "lead_organization")
        .annotate(
            milestone_count=Count("milestones", distinct=True),
            milestones_done=Count(
                "milestones", filter=Q(milestones__done_at__isnull=False), distinct=True
            ),
        )
        .order_by("-updated_at", "-id")
    )


def milestones(project: Project) -> QuerySet[Milestone]:
    return project.milestones.all()


def overdue_milestones(today: date | None = None) -> QuerySet[Milestone]:
    today = today or timezone.localdate()
    return Milestone.objects.filter(
        done_at__isnull=True, due_on__lt=today, project__status__in=RUNNING
    )


# --- Where a claim came from ------


def claim_origin(claim: Claim) -> Origin | None:
    """A lead unit's claim: the project it completed (registered with ``claims.origins``).
    Whoever reported its milestones or its completion vouched for the service, so none
    of them reviews the claim."""
    found = Project.objects.filter(claim_id=claim.pk).values_list("pk", "title").first()
    if found is None:
        return None
    pk, _title = found
    reporters = set(
        Milestone.objects.filter(project_id=pk, done_by__isnull=False).values_list(
            "done_by_id", flat=True
        )
    ) | set(
        Event.objects.filter(project_id=pk, step="complete", actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )
    return Origin(
        text=_("From the micro-project #%(id)s") % {"id": pk},
        console_url=reverse("projects:console_detail", args=[pk]),
        url=reverse("projects:public_detail", args=[pk]),
        parties=frozenset(reporters),
    )


# --- To-do (inbox) ------


def needs_unmatched(viewer: Person) -> Waiting:
    """Staff: open needs of their communities nobody has taken or planned."""
    found = Need.objects.filter(
        authz.regions_q(viewer, authz.MANAGE_UNITS, "community"), status=NeedStatus.OPEN
    ).aggregate(count=Count("id"), oldest=Min("created_at"))
    return Waiting(found["count"], found["oldest"])


def _day_after(day: date | None) -> datetime | None:
    """When a milestone due on ``day`` became overdue: the start of the next day."""
    if day is None:
        return None
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def projects_overdue(viewer: Person, today: date | None = None) -> Waiting:
    """Staff: running projects of their communities with a milestone past its due date,
    since the first of them fell overdue."""
    found = (
        overdue_milestones(today)
        .filter(authz.regions_q(viewer, authz.MANAGE_UNITS, "project__community"))
        .aggregate(count=Count("project_id", distinct=True), oldest=Min("due_on"))
    )
    return Waiting(found["count"], _day_after(found["oldest"]))


def milestones_due(person: Person, today: date | None = None, days: int = 7) -> Waiting:
    """A unit's contact: milestones of their units' running projects due within ``days``
    (or overdue), not yet reported."""
    today = today or timezone.localdate()
    found = Milestone.objects.filter(
        project__lead_organization__in=contact_units(person),
        project__status__in=RUNNING,
        done_at__isnull=True,
        due_on__lte=today + timedelta(days=days),
    ).aggregate(count=Count("id"), oldest=Min("due_on"))
    oldest = found["oldest"]
    return Waiting(found["count"], _day_after(oldest) if oldest and oldest < today else None)
