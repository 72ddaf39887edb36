"""Teams, organisations and merchants."""

import pytest
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.people import selectors, services
from jifen.people.models import Merchant, Organization, OrganizationMember, Team, TeamMember


def _team(world, **kw):
    args = {
        "actor": world.staff,
        "region": world.wenchang,
        "name": "环境卫生队",
        "leader": world.resident,
    }
    return services.create_team(**{**args, **kw})


def test_a_new_team_has_its_leader_as_first_member(world):
    team = _team(world)
    member = TeamMember.objects.get(team=team)
    assert member.person == world.resident
    assert member.joined_on == timezone.localdate()
    assert member.left_on is None
    event = AuditEvent.objects.get(action="team.create", target_id=team.pk)
    assert event.after == {"name": "环境卫生队", "leader": world.resident.volunteer_no}


def test_a_team_name_is_unique_in_its_region_and_not_blank(world):
    _team(world)
    with pytest.raises(Conflict) as err:
        _team(world, name=" 环境卫生队 ")
    assert err.value.code == "name_taken"
    with pytest.raises(InvalidInput):
        _team(world, name=" ")
    assert Team.objects.count() == 1
    # The same name in another community is fine.
    _team(world, actor=world.other_staff, region=world.wanmei, leader=world.stranger)
    assert Team.objects.count() == 2


def test_only_staff_of_the_region_manage_its_groups(world):
    for actor in (world.other_staff, world.reviewer, world.merchant, world.resident):
        with pytest.raises(PermissionDenied):
            _team(world, actor=actor)
        with pytest.raises(PermissionDenied):
            services.create_organization(actor=actor, region=world.wenchang, name="供电所")
        with pytest.raises(PermissionDenied):
            services.create_merchant(actor=actor, region=world.wenchang, name="理发店")
    assert not Team.objects.exists()
    assert not Organization.objects.exists()
    assert not Merchant.objects.exists()


def test_members_join_leave_and_may_join_again(world):
    team = _team(world)
    services.add_team_member(actor=world.staff, team=team, person=world.neighbour)
    with pytest.raises(Conflict) as err:
        services.add_team_member(actor=world.staff, team=team, person=world.neighbour)
    assert err.value.code == "already_member"
    services.remove_team_member(actor=world.staff, team=team, person=world.neighbour)
    left = TeamMember.objects.get(team=team, person=world.neighbour)
    assert left.left_on == timezone.localdate()
    services.add_team_member(actor=world.staff, team=team, person=world.neighbour)
    assert TeamMember.objects.filter(team=team, person=world.neighbour).count() == 2
    assert (
        TeamMember.objects.filter(team=team, person=world.neighbour, left_on__isnull=True).count()
        == 1
    )
    actions = list(
        AuditEvent.objects.filter(target_id=team.pk, action__startswith="team.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["team.create", "team.join", "team.leave", "team.join"]


def test_the_leader_cannot_leave_their_own_team(world):
    team = _team(world)
    with pytest.raises(Conflict) as err:
        services.remove_team_member(actor=world.staff, team=team, person=world.resident)
    assert err.value.code == "leader_leaving"
    assert TeamMember.objects.get(team=team, person=world.resident).left_on is None


def test_removing_someone_who_is_not_a_member_writes_nothing(world):
    team = _team(world)
    services.remove_team_member(actor=world.staff, team=team, person=world.stranger)
    assert not AuditEvent.objects.filter(action="team.leave").exists()


def test_staff_of_another_community_cannot_change_a_team(world):
    team = _team(world)
    with pytest.raises(PermissionDenied):
        services.add_team_member(actor=world.other_staff, team=team, person=world.stranger)
    assert TeamMember.objects.filter(team=team).count() == 1


def test_an_organisation_gets_members_once(world):
    org = services.create_organization(
        actor=world.staff, region=world.wenchang, name="凤城供电所", credit_code=" 91350524X "
    )
    assert Organization.objects.get(pk=org.pk).credit_code == "91350524X"
    for _ in range(2):
        services.add_organization_member(
            actor=world.staff, organization=org, person=world.resident, is_contact=True
        )
    assert OrganizationMember.objects.get(organization=org).is_contact
    assert AuditEvent.objects.filter(action="organization.join").count() == 1
    with pytest.raises(Conflict):
        services.create_organization(actor=world.staff, region=world.wenchang, name="凤城供电所")


def test_a_merchant_is_created_with_its_operators(world):
    merchant = services.create_merchant(
        actor=world.staff,
        region=world.wenchang,
        name="文昌爱心理发店",
        address="文昌路18号",
        operators=[world.merchant],
    )
    assert list(Merchant.objects.get(pk=merchant.pk).operators.all()) == [world.merchant]
    event = AuditEvent.objects.get(action="merchant.create")
    assert event.after["operators"] == [world.merchant.volunteer_no]
    with pytest.raises(Conflict):
        services.create_merchant(actor=world.staff, region=world.wenchang, name="文昌爱心理发店")
    assert Merchant.objects.count() == 1


def test_staff_see_only_the_groups_of_their_regions(world):
    _team(world)
    _team(world, actor=world.other_staff, region=world.wanmei, name="应急队", leader=world.stranger)
    assert [t.name for t in selectors.visible_teams(world.staff)] == ["环境卫生队"]
    assert [t.name for t in selectors.visible_teams(world.other_staff)] == ["应急队"]
    assert len(selectors.visible_teams(world.county_admin)) == 2
    assert list(selectors.visible_teams(world.reviewer)) == []


def test_no_one_of_another_county_is_named_to_a_team_or_unit(world):
    from jifen.lib.errors import NotFound
    from jifen.regions.services import add_region
    from tests.conftest import make_person

    add_region(actor=None, code="350526", name="德化县", level="county")
    add_region(actor=None, code="350526100", name="浔中镇", level="town", parent_code="350526")
    village = add_region(
        actor=None, code="350526100001", name="浔中村", level="community", parent_code="350526100"
    )
    stranger = make_person(village, "外县人")
    team = _team(world)
    unit = services.create_organization(actor=world.staff, region=world.wenchang, name="供电所")
    with pytest.raises(NotFound):
        services.add_team_member(actor=world.staff, team=team, person=stranger)
    with pytest.raises(NotFound):
        services.add_organization_member(actor=world.staff, organization=unit, person=stranger)
    assert not TeamMember.objects.filter(person=stranger).exists()
    assert not OrganizationMember.objects.filter(person=stranger).exists()
    # Next door, in the same county, is fine (a volunteer from 金悦 in 文昌's team).
    services.add_organization_member(actor=world.staff, organization=unit, person=world.neighbour)
