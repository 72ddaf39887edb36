"""Nobody earns points from their own family's request: not the requester, their proxy, a
resident the requester acts for, nor a member of the requester's household — whether they
take it, staff dispatch it to them, or a team's leader names them."""

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from jifen.lib.errors import PermissionDenied
from jifen.people.models import Household, Person, Proxy, Team, TeamMember
from jifen.requests import selectors, services
from jifen.requests.models import ServiceRequest, Status
from tests.conftest import make_person

STAFF_REFUSAL = (
    "A request cannot be given to the requester, their proxy or a member of their household."
)


@pytest.fixture
def family(world) -> dict[str, Person]:
    """王淑英 lives with her husband; she is the registered proxy of her old mother, who
    lives elsewhere in 文昌."""
    home = Household.objects.create(region=world.wenchang, label="江滨花园 3 栋 201")
    world.resident.household = home
    world.resident.save(update_fields=["household"])
    husband = make_person(world.wenchang, "杜国平", household=home)
    mother = make_person(world.wenchang, "林阿婆")
    Proxy.objects.create(
        principal=mother,
        agent=world.resident,
        relation="女儿",
        region=world.wenchang,
        created_by=world.staff,
    )
    return {"husband": husband, "mother": mother}


def _open(world, asked: ServiceRequest) -> ServiceRequest:
    return services.publish(actor=world.staff, request=asked)


def test_a_household_member_cannot_take_the_request(world, menu, asked, family):
    _open(world, asked)
    with pytest.raises(PermissionDenied) as refused:
        services.accept(actor=family["husband"], request=asked)
    assert refused.value.code == "own_request"
    assert refused.value.render() != gettext(STAFF_REFUSAL)
    asked.refresh_from_db()
    assert asked.status == Status.OPEN and asked.assignee is None
    assert asked not in selectors.open_for(family["husband"])


def test_a_resident_the_requester_acts_for_cannot_take_it(world, menu, asked, family):
    """The requester is the mother's proxy: the mother helping would pay the family."""
    _open(world, asked)
    with pytest.raises(PermissionDenied) as refused:
        services.accept(actor=family["mother"], request=asked)
    assert refused.value.code == "own_request"
    assert asked not in selectors.open_for(family["mother"])


def test_a_neighbour_not_of_the_family_still_may(world, menu, asked, family, helper):
    _open(world, asked)
    assert asked in selectors.open_for(helper)
    services.accept(actor=helper, request=asked)
    asked.refresh_from_db()
    assert asked.assignee == helper


@pytest.mark.parametrize("who", ["husband", "mother", "requester", "proxy"])
def test_staff_cannot_dispatch_it_to_the_family_and_are_told_so(
    world, menu, asked, family, daughter, who
):
    person = {**family, "requester": world.resident, "proxy": daughter}[who]
    with pytest.raises(PermissionDenied) as refused:
        services.dispatch(actor=world.staff, request=asked, person=person)
    assert refused.value.code == "own_request"
    # Said as staff's refusal (不能派给点单人本人、其代办人或同户家人), not a volunteer's.
    assert refused.value.render() == gettext(STAFF_REFUSAL)
    asked.refresh_from_db()
    assert asked.status == Status.SUBMITTED and asked.assignee is None


def test_a_leader_cannot_name_a_household_member(world, menu, asked, family):
    leader = make_person(world.wenchang, "队长甲")
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=leader)
    TeamMember.objects.create(team=team, person=family["husband"], joined_on=timezone.localdate())
    services.dispatch(actor=world.staff, request=asked, team=team)
    with pytest.raises(PermissionDenied) as refused:
        services.assign_member(actor=leader, request=asked, person=family["husband"])
    assert refused.value.code == "own_request"
    assert refused.value.render() == gettext(STAFF_REFUSAL)
    asked.refresh_from_db()
    assert asked.assignee is None


def test_over_http_a_household_member_hears_own_request(world, menu, asked, family, api):
    _open(world, asked)
    answer = api(family["husband"]).post(f"/requests/{asked.pk}/accept")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "own_request"
