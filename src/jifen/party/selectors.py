"""Reads of 在职党员回家报到: reports, marked service, statements, members not reporting."""

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from jifen.lib.waiting import Waiting
from jifen.party.models import (
    COUNTS,
    Report,
    ReportEvent,
    ReportStatus,
    Service,
    ServiceEvent,
    ServiceStatus,
    Statement,
)
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person

HALF_YEAR = 182  # days


def active_report(person: Person) -> Report | None:
    return (
        Report.objects.select_related("community", "employer")
        .filter(person=person, status=ReportStatus.ACTIVE)
        .first()
    )


def my_reports(person: Person) -> QuerySet[Report]:
    return Report.objects.select_related("community", "employer").filter(person=person)


def my_services(person: Person) -> QuerySet[Service]:
    return Service.objects.select_related("claim", "attendance__activity", "employer").filter(
        person=person
    )


def staff_reports(
    actor: Person, *, status: str = "", community_code: str = "", query: str = ""
) -> QuerySet[Report]:
    rows = Report.objects.select_related("person", "community", "employer").filter(
        authz.regions_q(actor, authz.MANAGE_PARTY, "community")
    )
    if status:
        rows = rows.filter(status=status)
    if community_code:
        rows = rows.filter(community__code=community_code)
    if query:
        rows = rows.filter(
            Q(person__name__icontains=query)
            | Q(person__volunteer_no=query)
            | Q(employer__name__icontains=query)
        )
    return rows.order_by("-started_on", "-id")


def get_report_for(actor: Person, pk: int) -> Report | None:
    """A report its member or staff over its community may see; None otherwise."""
    found = Report.objects.select_related("person", "community", "employer").filter(pk=pk).first()
    if found is None:
        return None
    if found.person_id == actor.pk or authz.can(actor, authz.MANAGE_PARTY, found.community):
        return found
    return None


def report_history(report: Report) -> QuerySet[ReportEvent]:
    return report.events.select_related("actor", "employer").all()


def pending_services(actor: Person) -> QuerySet[Service]:
    """Service in working hours waiting for the actor's approval (the to-do line)."""
    return (
        Service.objects.select_related("person", "community", "employer", "claim", "attendance")
        .filter(authz.regions_q(actor, authz.MANAGE_PARTY, "community"))
        .filter(status=ServiceStatus.PENDING)
        .order_by("day", "id")
    )


def waiting_approval(actor: Person) -> Waiting:
    """The inbox's count: home-day service waiting for the actor's approval, since when."""
    row = (
        Service.objects.filter(authz.regions_q(actor, authz.MANAGE_PARTY, "community"))
        .filter(status=ServiceStatus.PENDING)
        .aggregate(count=Count("pk"), oldest=Min("created_at"))
    )
    return Waiting(row["count"], row["oldest"])


def staff_services(actor: Person, *, status: str = "") -> QuerySet[Service]:
    rows = Service.objects.select_related("person", "community", "employer").filter(
        authz.regions_q(actor, authz.MANAGE_PARTY, "community")
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-day", "-id")


def service_history(service: Service) -> QuerySet[ServiceEvent]:
    return service.events.select_related("actor").all()


def contact_units(person: Person) -> QuerySet[Organization]:
    return (
        Organization.objects.select_related("region")
        .filter(
            pk__in=OrganizationMember.objects.filter(person_id=person.pk, is_contact=True).values(
                "organization_id"
            )
        )
        .order_by("name")
    )


def staff_units(actor: Person) -> QuerySet[Organization]:
    """Units with members reporting home to the actor's communities, or in their region."""
    reporting = Report.objects.filter(authz.regions_q(actor, authz.MANAGE_PARTY, "community"))
    return (
        Organization.objects.select_related("region")
        .filter(
            Q(pk__in=reporting.values("employer_id"))
            | authz.regions_q(actor, authz.MANAGE_PARTY, "region")
        )
        .order_by("name")
    )


def statements_of(organization: Organization) -> QuerySet[Statement]:
    return Statement.objects.filter(organization=organization).order_by("-quarter")


def public_statement(pk: int) -> Statement | None:
    return (
        Statement.objects.select_related("organization", "region").filter(pk=pk).first()
        if 1 <= pk <= 2**63 - 1
        else None
    )


def not_reporting(
    organization: Organization, today: date | None = None, people: set[int] | None = None
) -> list[dict[str, Any]]:
    """The unit's members reporting home for at least half a year (``HALF_YEAR`` days) who
    have no service counted as reporting home in it (counted or approved); with
    ``people``, only those of them (what the caller may read)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=HALF_YEAR)
    served = Service.objects.filter(
        report=OuterRef("pk"), status__in=COUNTS, day__gt=since, day__lte=today
    )
    rows = (
        Report.objects.select_related("person", "community")
        .filter(employer=organization, status=ReportStatus.ACTIVE, started_on__lte=since)
        .annotate(served=Exists(served))
        .filter(served=False)
        .order_by("community__name", "person__name", "pk")
    )
    if people is not None:
        rows = rows.filter(person_id__in=people)
    result = []
    for report in rows:
        last = (
            Service.objects.filter(report=report, status__in=COUNTS)
            .order_by("-day")
            .values_list("day", flat=True)
            .first()
        )
        result.append({"report": report, "person": report.person, "last_served": last})
    return result
