"""Reads about people, each filtered to what the viewer may see."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput, NotFound
from jifen.people import authz
from jifen.people.models import (
    ConsentSource,
    Merchant,
    Organization,
    Person,
    Proxy,
    RoleGrant,
    Team,
)


def visible_people(viewer: Person, action: authz.Action = authz.VIEW_PERSON) -> QuerySet[Person]:
    people = Person.objects.select_related("community", "household")
    reach = authz.regions_q(viewer, action, "community")
    if authz.is_global_admin(viewer):
        # Accounts with no home community (made for staff or screens) are a top admin's;
        # people of another top region (another county) stay out of reach.
        reach |= Q(community__isnull=True)
    return people.filter(reach)


def get_person_for(viewer: Person, person_id: int) -> Person:
    """The person, when the viewer is that person or staff over their community; else 404."""
    person = Person.objects.select_related("community", "household").filter(pk=person_id).first()
    if person is None or not (
        person.pk == viewer.pk or visible_people(viewer).filter(pk=person.pk).exists()
    ):
        raise NotFound(_("No such person, or you may not see them."))
    return person


def search_people(viewer: Person, query: str = "") -> QuerySet[Person]:
    people = visible_people(viewer).order_by("-created_at", "-id")
    query = query.strip()
    if query:
        people = people.filter(
            Q(name__contains=query) | Q(volunteer_no=query) | Q(phone__endswith=query)
        )
    return people


def get_referrer(person_id: int) -> Person:
    referrer = Person.objects.filter(pk=person_id, is_active=True).first()
    if referrer is None:
        raise InvalidInput(
            _("No active volunteer has that id; check the referrer."),
            code="invalid_referrer",
            field="referrer",
        )
    return referrer


def find_by_volunteer_no(number: str) -> Person | None:
    return Person.objects.filter(volunteer_no=number.strip(), is_active=True).first()


def grants_of(person: Person) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(person=person).select_related("region").order_by("role")


def proxies_of(person: Person) -> QuerySet[Proxy]:
    return Proxy.objects.filter(principal=person, revoked_at__isnull=True).select_related("agent")


def visible_teams(viewer: Person) -> QuerySet[Team]:
    return (
        Team.objects.filter(authz.regions_q(viewer, authz.MANAGE_GROUPS, "region"))
        .select_related("region", "leader")
        .order_by("region__path", "name")
    )


def visible_organizations(viewer: Person) -> QuerySet[Organization]:
    return (
        Organization.objects.filter(authz.regions_q(viewer, authz.MANAGE_GROUPS, "region"))
        .select_related("region")
        .order_by("region__path", "name")
    )


def visible_merchants(viewer: Person) -> QuerySet[Merchant]:
    return (
        Merchant.objects.filter(authz.regions_q(viewer, authz.MANAGE_GROUPS, "region"))
        .select_related("region")
        .order_by("region__path", "name")
    )


def principals_of(agent: Person) -> QuerySet[Proxy]:
    """The residents this person may act for as a family proxy."""
    return Proxy.objects.filter(agent=agent, revoked_at__isnull=True).select_related("principal")


# --- To-do (待办, read by jifen.inbox) ---------------------------------------------------------


def unconsented(viewer: Person) -> QuerySet[Person]:
    """People of the viewer's regions, still active, who have not been asked or not
    answered whether their masked name may be published (public pages show them as 志愿者
    + number until they agree); those who said no are not counted: it was their answer."""
    return (
        visible_people(viewer)
        .filter(consent_at__isnull=True, is_active=True, erased_at__isnull=True)
        .exclude(consent_source=ConsentSource.DECLINED)
    )


def unconsented_todo(viewer: Person) -> int | None:
    """How many of ``unconsented`` there are, in one query; None when the viewer sees no
    people. No "since when": not agreeing to publication is a choice, not a backlog, and
    nobody waits on it."""
    if not authz.can(viewer, authz.VIEW_PERSON):
        return None
    return unconsented(viewer).count()
