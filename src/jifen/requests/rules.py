"""Who may help with a request: the one rule the list of 可接的单 and the write share."""

import functools
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput, PermissionDenied
from jifen.people.models import OrganizationMember, Person, Proxy, Team, TeamMember
from jifen.requests.models import Eligibility, ServiceRequest


def is_proxy(agent: Person, principal_id: int) -> bool:
    return Proxy.objects.filter(
        principal_id=principal_id, agent=agent, revoked_at__isnull=True
    ).exists()


def is_family(person: Person, request: ServiceRequest) -> bool:
    """The requester's side in the wide sense: the requester, a proxy of theirs, a
    resident they act for, or a member of their household (户). One statement, written
    once (``lib.rawrows``'s way): every racer of a 抢单 is checked, and the ORM's query
    cost more to build than to run (docs/performance.md, "The accept race"); none when
    the request was read with the answer for this person (``knew_family``)."""
    if person.pk == request.requester_id:
        return True
    known = getattr(request, _KNOWN, None)
    if known is not None and known[0] == person.pk:
        return bool(known[1])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {family_sql(connection.vendor)}",
            [request.requester_id, *family_params(person)],
        )
        row = cursor.fetchone()
    return bool(row[0])


_KNOWN = "_family_of_reader"


def knew_family(request: ServiceRequest, person: Person, family: bool) -> None:
    """Keep ``is_family``'s answer for ``person``, read with ``request`` in the same
    statement (``family_sql``), so that checking them costs nothing more. Only on the
    instance just read: a row read again (the locked pass) asks again."""
    setattr(request, _KNOWN, (person.pk, family))


def family_params(person: Person) -> list[Any]:
    """The parameters of ``family_sql`` after the requester's (when it is one)."""
    return [person.household_id, person.pk, person.pk]


@functools.cache
def family_sql(vendor: str, requester: str = "%s") -> str:
    """An SQL expression, true when the person of ``family_params`` is of the requester's
    household (never when they have none), a proxy of the requester or a resident the
    requester acts for; ``requester``: a column, or a parameter before theirs."""
    quote = connection.ops.quote_name
    proxy, person = quote(Proxy._meta.db_table), quote(Person._meta.db_table)
    principal, agent, revoked = quote("principal_id"), quote("agent_id"), quote("revoked_at")
    pk = quote("id")
    return (
        f"EXISTS (SELECT 1 FROM {person} h WHERE h.{pk} = {requester} "  # noqa: S608 - names from the models
        f"AND (h.{quote('household_id')} = %s OR EXISTS (SELECT 1 FROM {proxy} x "  # noqa: S608
        f"WHERE x.{revoked} IS NULL AND ((x.{principal} = h.{pk} AND x.{agent} = %s) "
        f"OR (x.{principal} = %s AND x.{agent} = h.{pk})))))"
    )


def check_helper(request: ServiceRequest, person: Person, *, by_staff: bool = False) -> None:
    """Nobody earns points from their own family's request: not the requester, their
    proxy, a resident they act for, nor a member of their household. ``by_staff``: the
    refusal reads as staff's (派单 / naming a member), not a volunteer's."""
    if is_family(person, request):
        if by_staff:
            raise PermissionDenied(
                _(
                    "A request cannot be given to the requester, their proxy or a member of "
                    "their household."
                ),
                code="own_request",
            )
        raise PermissionDenied(
            _(
                "You cannot take a request of your own family: yours, your proxy's, that of "
                "a resident you act for, or your household's."
            ),
            code="own_request",
        )
    if not person.is_active:
        raise InvalidInput(_("This person's account is closed."), field="person")


def unit_member(person: Person, request: ServiceRequest) -> bool:
    """A member of an organisation of the community or of a region above it (驻区单位)."""
    return OrganizationMember.objects.filter(
        person=person, organization__region__code__in=request.community.ancestor_codes()
    ).exists()


def team_member(person: Person, request: ServiceRequest) -> bool:
    today = timezone.localdate()
    return (
        TeamMember.objects.filter(person=person, joined_on__lte=today)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
        .filter(team__region__code__in=request.community.ancestor_codes())
        .exists()
        or Team.objects.filter(
            leader=person, region__code__in=request.community.ancestor_codes()
        ).exists()
    )


def may_accept(person: Person, request: ServiceRequest) -> bool:
    try:
        check_eligible(person, request)
    except (PermissionDenied, InvalidInput):
        return False
    return True


def check_eligible(person: Person, request: ServiceRequest) -> None:
    """A volunteer of the community (or a member of a unit serving it) whom the menu
    item admits: anyone, party members, team members, or unit members."""
    check_helper(request, person)
    of_community = person.community_id == request.community_id
    if not of_community and not unit_member(person, request):
        raise PermissionDenied(
            _("Only volunteers of %(community)s may take its requests."),
            code="not_eligible",
            params={"community": request.community.name},
        )
    rule = request.menu_item.eligibility
    allowed = (
        rule == Eligibility.ANYONE
        or (rule == Eligibility.PARTY and person.is_party_member)
        or (rule == Eligibility.TEAM and team_member(person, request))
        or (rule == Eligibility.ORGANIZATION and unit_member(person, request))
    )
    if not allowed:
        raise PermissionDenied(
            _("This request is for %(who)s."),
            code="not_eligible",
            params={"who": Eligibility(rule).label},
        )
