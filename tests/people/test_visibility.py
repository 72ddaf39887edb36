"""What each viewer may read: ``regions_q`` on regions and ``visible_people`` on people."""

import pytest

from jifen.lib.errors import NotFound
from jifen.people import authz, selectors, services
from jifen.people.models import Person, Role
from jifen.regions.models import Region
from jifen.regions.services import add_region
from tests.conftest import make_person


def _codes(person, action=authz.VIEW_PERSON) -> set[str]:
    return set(
        Region.objects.filter(authz.regions_q(person, action)).values_list("code", flat=True)
    )


def test_a_town_admin_reaches_every_community_of_the_town_and_nothing_beside_it(world):
    assert _codes(world.town_admin) == {
        world.town.code,
        world.wenchang.code,
        world.jinyue.code,
        world.compound.code,
    }


def test_staff_reach_only_their_own_subtree(world):
    assert _codes(world.staff) == {world.wenchang.code, world.compound.code}
    assert _codes(world.other_staff) == {world.wanmei.code}


def test_roles_that_do_not_allow_the_action_reach_nothing(world):
    assert _codes(world.reviewer) == set()
    assert _codes(world.kiosk) == set()
    assert _codes(world.resident) == set()
    assert _codes(world.reviewer, authz.OPEN_CONSOLE) == {world.wenchang.code, world.compound.code}


def test_a_county_admin_reaches_the_whole_county(world):
    assert _codes(world.county_admin) == set(Region.objects.values_list("code", flat=True))


def test_overlapping_grants_collapse_to_the_highest_region(world):
    services.grant_role(actor=None, person=world.staff, role=Role.STAFF, region=world.town)
    assert authz.region_paths(world.staff, authz.VIEW_PERSON) == [world.town.path]


def test_regions_q_filters_another_table_through_its_region_field(world):
    people = Person.objects.filter(authz.regions_q(world.staff, authz.VIEW_PERSON, "community"))
    assert world.resident in people
    assert world.neighbour not in people


def _visible(viewer) -> set[str]:
    return set(selectors.visible_people(viewer).values_list("name", flat=True))


def test_a_town_admin_sees_the_people_of_every_community_in_the_town(world):
    seen = _visible(world.town_admin)
    assert {"王淑英", "刘金悦", "陈文昌", "黄审核", "苏理发"} <= seen
    assert "蔡湾美" not in seen and "李湾美" not in seen
    # Accounts without a home community belong to the top administrator.
    assert "大屏幕" not in seen and "林县管" not in seen


def test_staff_see_only_the_people_of_their_community(world):
    seen = _visible(world.staff)
    assert "王淑英" in seen
    assert "刘金悦" not in seen
    assert "蔡湾美" not in seen
    assert _visible(world.other_staff) == {"李湾美", "蔡湾美"}


def test_a_county_admin_sees_everybody_including_people_without_a_community(world):
    assert _visible(world.county_admin) == set(Person.objects.values_list("name", flat=True))


def test_reviewers_merchants_kiosks_and_residents_see_nobody_through_the_list(world):
    for viewer in (world.reviewer, world.merchant, world.kiosk, world.resident):
        assert _visible(viewer) == set()


def test_a_person_is_found_by_themself_and_by_staff_of_their_community_only(world):
    assert selectors.get_person_for(world.resident, world.resident.pk) == world.resident
    assert selectors.get_person_for(world.staff, world.resident.pk) == world.resident
    assert selectors.get_person_for(world.town_admin, world.resident.pk) == world.resident
    for viewer in (world.neighbour, world.other_staff, world.reviewer, world.kiosk):
        with pytest.raises(NotFound):
            selectors.get_person_for(viewer, world.resident.pk)
    with pytest.raises(NotFound):
        selectors.get_person_for(world.county_admin, 10**12)


def test_search_finds_by_name_volunteer_number_or_phone_tail_within_reach(world):
    def names(query):
        return set(selectors.search_people(world.staff, query).values_list("name", flat=True))

    assert names("淑英") == {"王淑英"}
    assert names(world.resident.volunteer_no) == {"王淑英"}
    assert names(world.resident.phone[-4:]) == {"王淑英"}
    # 刘金悦 lives next door: staff of 文昌 do not find her even by her exact number.
    assert names(world.neighbour.volunteer_no) == set()
    assert names("金悦") == set()


def test_an_admin_of_one_county_sees_nobody_in_another_county(world):
    # A province-scale instance holds several counties; each top admin keeps to their own.
    add_region(actor=None, code="350525", name="永春县", level="county")
    add_region(actor=None, code="350525100", name="桃城镇", level="town", parent_code="350525")
    taocheng = add_region(
        actor=None, code="350525100001", name="留安社区", level="community", parent_code="350525100"
    )
    outsider = make_person(taocheng, "郑永春")
    assert authz.is_global_admin(world.county_admin)
    assert outsider not in selectors.visible_people(world.county_admin)
    with pytest.raises(NotFound):
        selectors.get_person_for(world.county_admin, outsider.pk)
    assert "郑永春" not in _visible(world.county_admin)
    # Accounts with no community at all still belong to the top admins.
    assert world.kiosk in selectors.visible_people(world.county_admin)
