"""Reads of 议事协商: who reads a matter, who may vote in its poll, what waits for whom.

Matters are public (title, tier, status, decision, actions): anyone reads them on the
public pages. The console's lists — with the poll's electorate, invitees, history — are
for staff (``MANAGE_DELIBERATIONS``) and inspectors (``INSPECT``) over the matter's place.

Who is a resident of a place (a simple poll's electorate): an active person whose
household's address (``Household.region``) lies in the place, or whose home community
lies in it. So a building's or a compound's poll is for the households registered there,
and a community's poll for everyone whose home community it is (and the households of its
buildings). A resident with no household address votes only in their community's polls.
"""

from datetime import date, datetime

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from jifen.deliberation.models import (
    Action,
    ActionStatus,
    Event,
    Invitee,
    Matter,
    Status,
    Tier,
    Vote,
)
from jifen.lib.waiting import Waiting
from jifen.people import authz
from jifen.people.models import OrganizationMember, Person
from jifen.regions.models import Region

# --- Reach ------


def readers_q(viewer: Person, field: str = "region") -> Q:
    """Staff and inspectors over the matter's place."""
    return authz.regions_q(viewer, authz.MANAGE_DELIBERATIONS, field) | authz.regions_q(
        viewer, authz.INSPECT, field
    )


def may_read(viewer: Person | None, region: Region) -> bool:
    return authz.can(viewer, authz.MANAGE_DELIBERATIONS, region) or authz.can(
        viewer, authz.INSPECT, region
    )


def may_manage(viewer: Person | None, region: Region) -> bool:
    return authz.can(viewer, authz.MANAGE_DELIBERATIONS, region)


def visible(viewer: Person) -> QuerySet[Matter]:
    return Matter.objects.filter(readers_q(viewer))


def get_visible(viewer: Person, matter_id: int) -> Matter | None:
    return (
        visible(viewer)
        .select_related("region", "community", "incident", "service_request")
        .filter(pk=matter_id)
        .first()
    )


def get_public(matter_id: int) -> Matter | None:
    return Matter.objects.select_related("region", "community").filter(pk=matter_id).first()


def public(region: Region | None = None) -> QuerySet[Matter]:
    """Every matter of a place (and the places below it), newest first."""
    rows = Matter.objects.select_related("region", "community")
    if region is not None:
        rows = rows.filter(region__path__startswith=region.path)
    return rows


def listed(
    viewer: Person, *, region: Region | None = None, status: str = "", tier: str = ""
) -> QuerySet[Matter]:
    rows = visible(viewer).select_related("region", "community")
    if region is not None:
        rows = rows.filter(region__path__startswith=region.path)
    if status:
        rows = rows.filter(status=status)
    if tier:
        rows = rows.filter(tier=tier)
    return rows


# --- Residents and parties ------


def residents_q(region: Region, prefix: str = "") -> Q:
    """Residents of ``region`` (see the module's note), on Person or on ``<prefix>``."""
    return Q(**{f"{prefix}household__region__path__startswith": region.path}) | Q(
        **{f"{prefix}community__path__startswith": region.path}
    )


def residents(region: Region) -> QuerySet[Person]:
    return Person.objects.filter(residents_q(region), is_active=True, erased_at__isnull=True)


def is_resident(person: Person, region: Region) -> bool:
    return residents(region).filter(pk=person.pk).exists()


def _places(person: Person) -> set[str]:
    """Codes of every region a person is a resident of (their household's address and its
    ancestors, their community and its ancestors)."""
    codes: set[str] = set()
    household = person.household
    if household is not None:
        codes.update(household.region.ancestor_codes())
    if person.community is not None:
        codes.update(person.community.ancestor_codes())
    return codes


def contact_organizations(person: Person) -> list[int]:
    return list(
        OrganizationMember.objects.filter(person=person, is_contact=True).values_list(
            "organization_id", flat=True
        )
    )


def ballot_for(person: Person | None, matter: Matter) -> tuple[str, int | None] | None:
    """The ballot the person casts in the matter's poll — ``("p<id>", None)`` for their
    own, ``("o<id>", organisation id)`` for a party they are a contact of — or None when
    they may not vote in it."""
    if person is None or not person.is_authenticated or not person.is_active:
        return None
    if matter.tier == Tier.SIMPLE:
        return (f"p{person.pk}", None) if is_resident(person, matter.region) else None
    named = list(matter.invitees.values_list("person_id", "organization_id"))
    if any(pid == person.pk for pid, _org in named):
        return (f"p{person.pk}", None)
    mine = set(contact_organizations(person))
    for _pid, org in named:
        if org is not None and org in mine:
            return (f"o{org}", org)
    return None


def electorate(matter: Matter) -> int:
    """Who could vote, counted when the poll closes: the residents of the place for a
    simple poll, the named parties for an urgent one. A resident who voted and has moved
    away since still counts (their ballot does): turnout never exceeds the electorate."""
    if matter.tier == Tier.SIMPLE:
        voted = matter.votes.values("voter_id")
        here = residents(matter.region).values("pk")
        return Person.objects.filter(Q(pk__in=here) | Q(pk__in=voted)).count()
    return matter.invitees.count()


def my_vote(person: Person, matter: Matter) -> Vote | None:
    ballot = ballot_for(person, matter)
    if ballot is None:
        return None
    return Vote.objects.filter(matter=matter, ballot=ballot[0]).first()


def open_for(person: Person) -> QuerySet[Matter]:
    """Polls running now in which the person may vote: their places' simple polls and the
    urgent polls naming them or a party they are a contact of."""
    person_places = Q(tier=Tier.SIMPLE, region__code__in=_places(person))
    named = Q(tier=Tier.URGENT, invitees__person=person) | Q(
        tier=Tier.URGENT, invitees__organization_id__in=contact_organizations(person)
    )
    # Past its closing time a poll takes no vote, though the tick has not closed it yet.
    running = Q(status=Status.VOTING) & (
        Q(closes_at__isnull=True) | Q(closes_at__gt=timezone.now())
    )
    ids = Matter.objects.filter(running & (person_places | named)).values("pk")
    return (
        Matter.objects.filter(pk__in=ids)
        .select_related("region", "community")
        .order_by("closes_at", "id")
    )


def recent_for(person: Person, limit: int = 20) -> list[Matter]:
    """The matters of the person's places and parties that are no longer voting: results,
    meetings, decisions."""
    person_places = Q(region__code__in=_places(person))
    named = Q(invitees__person=person) | Q(
        invitees__organization_id__in=contact_organizations(person)
    )
    ids = (
        Matter.objects.filter(person_places | named)
        .exclude(status__in=[Status.VOTING, Status.CANCELLED])
        .values("pk")
    )
    return list(Matter.objects.filter(pk__in=ids).select_related("region", "community")[:limit])


def invitees(matter: Matter) -> list[Invitee]:
    return list(matter.invitees.select_related("organization", "person"))


def party_people(matter: Matter) -> list[Person]:
    """The named people and the contacts of the named organisations."""
    people: list[Person] = []
    for invitee in invitees(matter):
        if invitee.person is not None:
            people.append(invitee.person)
        else:
            people.extend(
                m.person
                for m in OrganizationMember.objects.filter(
                    organization=invitee.organization, is_contact=True
                ).select_related("person")
            )
    return people


def voters(matter: Matter) -> list[Person]:
    return [v.voter for v in matter.votes.select_related("voter")]


def actions(matter: Matter) -> list[Action]:
    return list(
        matter.actions.select_related("owner_person", "owner_organization").prefetch_related(
            "updates"
        )
    )


def history(matter: Matter) -> QuerySet[Event]:
    return matter.events.select_related("actor")


# --- The clock ------


def due_to_close(now: datetime) -> QuerySet[Matter]:
    return Matter.objects.filter(status=Status.VOTING, closes_at__lte=now)


# --- What waits (the to-do list) ------


def resident_todo(person: Person) -> Waiting:
    """Polls open for the person that they have not voted in yet (nor a party of theirs
    has): counted by one statement, however many polls are open."""
    ballots = [f"p{person.pk}", *(f"o{org}" for org in contact_organizations(person))]
    row = (
        open_for(person)
        .exclude(votes__ballot__in=ballots)
        .aggregate(count=Count("pk"), oldest=Min("opens_at"))
    )
    return Waiting(row["count"], row["oldest"])


def staff_todo(person: Person, now: datetime | None = None) -> dict[str, Waiting]:
    """Staff: polls past their closing time still running (the tick closes them), matters
    waiting for a decision (a closed poll, a meeting held), follow-up actions past due."""
    now = now or timezone.now()
    today: date = timezone.localdate(now)
    reach = authz.regions_q(person, authz.MANAGE_DELIBERATIONS, "region")
    to_close = Q(status=Status.VOTING, closes_at__lte=now)
    pending = Q(status=Status.COUNTED) | Q(status=Status.MEETING, meeting_at__lte=now)
    row = Matter.objects.filter(reach).aggregate(
        to_close=Count("pk", filter=to_close),
        oldest_close=Min("closes_at", filter=to_close),
        pending=Count("pk", filter=pending),
        oldest_pending=Min("updated_at", filter=pending),
    )
    late = Action.objects.filter(
        authz.regions_q(person, authz.MANAGE_DELIBERATIONS, "matter__region"),
        matter__status=Status.DECIDED,
        due_on__lt=today,
    ).exclude(status=ActionStatus.DONE)
    late_row = late.aggregate(count=Count("pk"), oldest=Min("due_on"))
    oldest_due = late_row["oldest"]
    return {
        "to_close": Waiting(row["to_close"], row["oldest_close"]),
        "decisions_pending": Waiting(row["pending"], row["oldest_pending"]),
        "actions_overdue": Waiting(
            late_row["count"],
            None
            if oldest_due is None
            else datetime.combine(oldest_due, datetime.min.time(), tzinfo=now.tzinfo),
        ),
    }
