"""Reads of 驻区单位 and 红色积分联盟: a community's units, the alliance, quarterly unit
points and rankings, a unit's balance, ledger, claims and spending, staff's to-do."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.claims.models import Claim
from jifen.lib.bounds import MAX_DATE, MIN_DATE
from jifen.lib.errors import InvalidInput
from jifen.lib.waiting import Waiting
from jifen.people import authz
from jifen.people.models import Organization, OrganizationMember, Person
from jifen.points.models import Account, AccountKind, Transfer
from jifen.regions.models import Level, Region
from jifen.units.models import (
    AllianceEvent,
    AllianceMembership,
    AllianceStatus,
    Spending,
    SpendingUse,
)

# Units listed or ranked at once: a town has a few hundred at most.
MAX_UNITS = 1000


# --- Quarters ------


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def next(self) -> "Quarter":
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    @property
    def previous(self) -> "Quarter":
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.first_day, datetime.min.time(), tzinfo=zone),
            datetime.combine(self.next.first_day, datetime.min.time(), tzinfo=zone),
        )

    def __str__(self) -> str:
        return self.code


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def this_quarter() -> Quarter:
    return quarter_of(timezone.localdate())


def parse_quarter(value: str, field_name: str = "quarter") -> Quarter:
    """``2026Q4``; empty means this quarter; 400 naming the field otherwise."""
    text = str(value or "").strip().upper()
    if not text:
        return this_quarter()
    year, sep, number = text.partition("Q")
    if (
        sep
        and len(year) == 4
        and year.isdigit()
        and number in ("1", "2", "3", "4")
        and MIN_DATE.year <= int(year) <= MAX_DATE.year
    ):
        return Quarter(int(year), int(number))
    raise InvalidInput(_("Give the quarter as YYYYQn, e.g. 2026Q4."), field=field_name)


# --- Units ------


def in_reach(person: Person) -> QuerySet[Organization]:
    """The units staff keep: those based in their regions."""
    return Organization.objects.filter(authz.regions_q(person, authz.MANAGE_UNITS, "region"))


def of_community(community: Region) -> QuerySet[Organization]:
    """A community's units: based in it (or in a compound of it), or in its alliance."""
    members = AllianceMembership.objects.filter(
        community=community, status=AllianceStatus.MEMBER
    ).values("organization_id")
    return (
        Organization.objects.filter(Q(region__path__startswith=community.path) | Q(pk__in=members))
        .select_related("region")
        .order_by("name", "pk")
    )


def in_alliance(community: Region) -> set[int]:
    return set(
        AllianceMembership.objects.filter(
            community=community, status=AllianceStatus.MEMBER
        ).values_list("organization_id", flat=True)
    )


def alliance_members(community: Region) -> QuerySet[AllianceMembership]:
    return (
        AllianceMembership.objects.filter(community=community, status=AllianceStatus.MEMBER)
        .select_related("organization__region")
        .order_by("joined_at", "pk")
    )


def memberships_of(organization: Organization) -> QuerySet[AllianceMembership]:
    return AllianceMembership.objects.filter(organization=organization).select_related("community")


def history(membership: AllianceMembership) -> QuerySet[AllianceEvent]:
    return membership.events.select_related("actor").order_by("at", "pk")


def contact_units(person: Person) -> QuerySet[Organization]:
    """The units the person is a contact of."""
    return (
        Organization.objects.filter(
            pk__in=OrganizationMember.objects.filter(person=person, is_contact=True).values(
                "organization_id"
            )
        )
        .select_related("region")
        .order_by("name", "pk")
    )


def members(organization: Organization) -> list[OrganizationMember]:
    return list(
        OrganizationMember.objects.filter(organization=organization)
        .select_related("person")
        .order_by("-is_contact", "person__name", "pk")[:500]
    )


@dataclass(frozen=True)
class UnitBalance:
    balance: int
    earned: int
    spent: int


def balance(organization: Organization) -> UnitBalance:
    row = (
        Account.objects.filter(organization=organization)
        .values_list("balance", "earned", "spent")
        .first()
    )
    return UnitBalance(*row) if row else UnitBalance(0, 0, 0)


def ledger(organization: Organization) -> QuerySet[Transfer]:
    """The unit's transfers, newest first."""
    account = Account.objects.filter(organization=organization).first()
    if account is None:
        return Transfer.objects.none()
    return (
        Transfer.objects.filter(Q(debit=account) | Q(credit=account))
        .select_related("debit", "credit")
        .order_by("-created_at", "-pk")
    )


def claims(organization: Organization) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(organization=organization)
        .select_related("rule_version", "person")
        .order_by("-created_at", "-pk")
    )


def spendings(organization: Organization) -> QuerySet[Spending]:
    return Spending.objects.filter(organization=organization).select_related("use", "created_by")


def uses(community: Region, *, active_only: bool = False) -> QuerySet[SpendingUse]:
    rows = SpendingUse.objects.filter(community=community)
    if active_only:
        rows = rows.filter(is_active=True)
    return rows.order_by("name", "pk")


# --- Quarterly points and rankings ------


def quarter_points(organizations: list[int], quarter: Quarter) -> dict[int, int]:
    """Per unit: the points the issuer gave it in the quarter, less what went back to the
    issuer (reversals, negative adjustments). Spending does not lower what was earned."""
    if not organizations:
        return {}
    start, end = quarter.bounds()
    when = Q(created_at__gte=start, created_at__lt=end)
    given = (
        Transfer.objects.filter(
            when, credit__organization_id__in=organizations, debit__kind=AccountKind.ISSUER
        )
        .values_list("credit__organization_id")
        .annotate(total=Sum("amount"))
    )
    taken = (
        Transfer.objects.filter(
            when, debit__organization_id__in=organizations, credit__kind=AccountKind.ISSUER
        )
        .values_list("debit__organization_id")
        .annotate(total=Sum("amount"))
    )
    points: dict[int, int] = {pk: 0 for pk in organizations}
    for pk, total in given:
        points[pk] += total or 0
    for pk, total in taken:
        points[pk] -= total or 0
    return points


@dataclass
class RankRow:
    rank: int
    organization: Organization
    community: str
    points: int
    in_alliance: bool
    extra: dict[str, object] = field(default_factory=dict)


def ranking_scope(region: Region) -> QuerySet[Organization]:
    """The units ranked for a community or a town: those based within it."""
    if region.level not in (Level.COMMUNITY, Level.TOWN):
        raise InvalidInput(_("Unit rankings are kept per community and per town."), field="region")
    return Organization.objects.filter(region__path__startswith=region.path).select_related(
        "region"
    )


def ranking(region: Region, quarter: Quarter) -> list[RankRow]:
    """Units of a community or a town by their points in the quarter, most first; equal
    points share a rank (1, 2, 2, 4)."""
    units = list(ranking_scope(region).order_by("name", "pk")[:MAX_UNITS])
    ids = [u.pk for u in units]
    points = quarter_points(ids, quarter)
    allied = set(
        AllianceMembership.objects.filter(
            organization_id__in=ids, status=AllianceStatus.MEMBER
        ).values_list("organization_id", flat=True)
    )
    units.sort(key=lambda u: (-points.get(u.pk, 0), u.name, u.pk))
    rows: list[RankRow] = []
    previous: int | None = None
    rank = 0
    for position, unit in enumerate(units, start=1):
        value = points.get(unit.pk, 0)
        if value != previous:
            rank, previous = position, value
        rows.append(RankRow(rank, unit, unit.region.name, value, unit.pk in allied))
    return rows


# --- Staff's to-do ------


def requests_waiting(person: Person) -> QuerySet[AllianceMembership]:
    return (
        AllianceMembership.objects.filter(
            authz.regions_q(person, authz.MANAGE_UNITS, "community"),
            status=AllianceStatus.REQUESTED,
        )
        .select_related("organization__region", "community")
        .order_by("requested_at", "pk")
    )


def staff_todo(person: Person) -> Waiting:
    """Staff: requests to join the alliance waiting for their decision, and since when."""
    row = requests_waiting(person).aggregate(count=Count("pk"), oldest=Min("requested_at"))
    return Waiting(row["count"], row["oldest"])
