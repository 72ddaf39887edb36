"""Who may help with a request: the one rule the list of 可接的单 and the write share."""

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


def check_helper(request: ServiceRequest, person: Person) -> None:
    """Nobody helps with their own request, nor with one of a resident they act for."""
    if person.pk == request.requester_id or is_proxy(person, request.requester_id):
        raise PermissionDenied(
            _("A resident cannot take their own request, nor one they asked for as proxy."),
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
