"""Teams, organisations, merchants and regions in the console."""

from jifen.people import services
from jifen.people.models import Merchant, Organization, OrganizationMember, Team, TeamMember
from jifen.regions.models import Region
from tests.web.conftest import said_error, said_success


def _create(client, world, **kw):
    return client.post(
        "/console/groups/",
        {"kind": "team", "name": "环境卫生队", "region": world.wenchang.code, **kw},
    )


def test_staff_create_a_team_an_organisation_and_a_merchant(world, as_person):
    client = as_person(world.staff)
    page = client.get("/console/groups/")
    assert page.status_code == 200
    assert [c for c, _ in page.context["form"].fields["region"].choices] == [
        world.wenchang.code,
        world.compound.code,
    ]
    team = _create(client, world, leader=world.resident.volunteer_no)
    assert team.status_code == 302 and said_success(team)
    assert Team.objects.get().leader == world.resident
    org = _create(
        client, world, kind="organization", name="凤城供电所", leader=world.neighbour.volunteer_no
    )
    assert org.status_code == 302
    member = OrganizationMember.objects.get()
    assert member.organization.name == "凤城供电所" and member.person == world.neighbour
    assert member.is_contact
    shop = _create(
        client,
        world,
        kind="merchant",
        name="爱心理发店",
        address="文昌路18号",
        leader=world.merchant.volunteer_no,
    )
    assert shop.status_code == 302
    merchant = Merchant.objects.get()
    assert merchant.address == "文昌路18号"
    assert list(merchant.operators.all()) == [world.merchant]
    listing = client.get("/console/groups/")
    assert [t.name for t in listing.context["teams"]] == ["环境卫生队"]
    assert [o.name for o in listing.context["organizations"]] == ["凤城供电所"]
    assert [m.name for m in listing.context["merchants"]] == ["爱心理发店"]


def test_a_team_without_a_leader_or_with_a_taken_name_is_a_form_error(world, as_person):
    client = as_person(world.staff)
    no_leader = _create(client, world)
    assert "leader" in no_leader.context["form"].errors
    unknown = _create(client, world, leader="000000000")
    assert "leader" in unknown.context["form"].errors
    _create(client, world, leader=world.resident.volunteer_no)
    taken = _create(client, world, leader=world.resident.volunteer_no)
    assert "name" in taken.context["form"].errors
    assert Team.objects.count() == 1


def test_staff_cannot_create_groups_in_a_region_out_of_reach(world, as_person):
    response = _create(
        as_person(world.staff), world, region=world.wanmei.code, leader=world.resident.volunteer_no
    )
    assert "region" in response.context["form"].errors
    assert not Team.objects.exists()
    assert as_person(world.reviewer).get("/console/groups/").status_code == 403
    assert not Organization.objects.exists()


def test_team_members_are_added_and_removed_on_the_team_page(world, as_person):
    team = services.create_team(
        actor=world.staff, region=world.wenchang, name="文艺队", leader=world.resident
    )
    client = as_person(world.staff)
    url = f"/console/teams/{team.pk}/"
    response = client.post(url, {"volunteer_no": world.neighbour.volunteer_no, "action": "add"})
    assert response.status_code == 302 and said_success(response)
    assert TeamMember.objects.filter(team=team, left_on__isnull=True).count() == 2
    members = client.get(url).context["members"]
    assert {m.person for m in members} == {world.resident, world.neighbour}
    response = client.post(url, {"volunteer_no": world.neighbour.volunteer_no, "action": "remove"})
    assert said_success(response)
    assert TeamMember.objects.get(team=team, person=world.neighbour).left_on is not None
    leader = client.post(url, {"volunteer_no": world.resident.volunteer_no, "action": "remove"})
    assert said_error(leader)
    unknown = client.post(url, {"volunteer_no": "000000000", "action": "add"})
    assert said_error(unknown)
    assert {m.person for m in client.get(url).context["members"]} == {world.resident}


def test_the_groups_page_counts_only_current_team_members(world, as_person):
    team = services.create_team(
        actor=world.staff, region=world.wenchang, name="文艺队", leader=world.resident
    )
    services.add_team_member(actor=world.staff, team=team, person=world.neighbour)
    services.add_team_member(actor=world.staff, team=team, person=world.stranger)
    services.remove_team_member(actor=world.staff, team=team, person=world.stranger)
    teams = as_person(world.staff).get("/console/groups/").context["teams"]
    assert [(t.name, t.size) for t in teams] == [("文艺队", 2)]


def test_staff_of_another_community_cannot_open_a_team(world, as_person):
    team = services.create_team(
        actor=world.staff, region=world.wenchang, name="文艺队", leader=world.resident
    )
    client = as_person(world.other_staff)
    assert client.get(f"/console/teams/{team.pk}/").status_code == 404
    response = client.post(
        f"/console/teams/{team.pk}/", {"volunteer_no": world.stranger.volunteer_no}
    )
    assert response.status_code == 404
    assert TeamMember.objects.filter(team=team).count() == 1


def test_an_admin_adds_a_region_on_the_regions_page(world, as_person):
    client = as_person(world.town_admin)
    page = client.get("/console/regions/")
    codes = [r.code for r, _depth in page.context["rows"]]
    assert codes == [world.town.code, world.wenchang.code, world.compound.code, world.jinyue.code]
    parents = [c for c, _ in page.context["form"].fields["parent"].choices]
    assert world.other_town.code not in parents
    response = client.post(
        "/console/regions/",
        {
            "code": "350524100003",
            "name": "新华社区",
            "level": "community",
            "parent": world.town.code,
        },
    )
    assert response.status_code == 302 and said_success(response)
    region = Region.objects.get(code="350524100003")
    assert region.parent == world.town and region.path == f"{world.town.path}350524100003/"


def test_a_region_at_the_wrong_level_or_with_a_bad_code_is_a_form_error(world, as_person):
    client = as_person(world.town_admin)
    wrong_level = client.post(
        "/console/regions/",
        {"code": "350524100003", "name": "新镇", "level": "town", "parent": world.town.code},
    )
    assert "level" in wrong_level.context["form"].errors
    bad_code = client.post(
        "/console/regions/",
        {"code": "新 社区", "name": "新社区", "level": "community", "parent": world.town.code},
    )
    assert "code" in bad_code.context["form"].errors
    taken = client.post(
        "/console/regions/",
        {
            "code": world.wanmei.code,
            "name": "重号",
            "level": "community",
            "parent": world.town.code,
        },
    )
    assert "code" in taken.context["form"].errors
    assert Region.objects.count() == 7


def test_staff_see_their_regions_but_get_no_form_to_add_one(world, as_person):
    client = as_person(world.staff)
    page = client.get("/console/regions/")
    assert page.context["form"] is None
    assert [r.code for r, _ in page.context["rows"]] == [world.wenchang.code, world.compound.code]
    client.post(
        "/console/regions/",
        {"code": "X9", "name": "偷加", "level": "compound", "parent": world.wenchang.code},
    )
    assert not Region.objects.filter(code="X9").exists()
