"""Every role-bound action, for every role, inside, below and beside the role's region.

The expected answers come from the table below, written from CONTRACT.md's list of
roles, not from ``Action.roles``: a wrong role set in ``authz`` fails here.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from jifen.lib.errors import PermissionDenied
from jifen.people import authz, services
from jifen.people.models import Role
from jifen.regions.models import Region
from jifen.regions.services import add_region
from tests.conftest import make_person

ADMIN, STAFF, REVIEWER, MERCHANT, KIOSK = "admin", "staff", "reviewer", "merchant", "kiosk"

# action name -> the roles that may do it over their own region and below.
EXPECTED: dict[str, set[str]] = {
    "console.open": {ADMIN, STAFF, REVIEWER, MERCHANT, KIOSK},
    "person.register": {ADMIN, STAFF},
    "person.view": {ADMIN, STAFF},
    "person.edit": {ADMIN, STAFF},
    "proxy.manage": {ADMIN, STAFF},
    "group.manage": {ADMIN, STAFF},
    "role.grant": {ADMIN},
    "region.add": {ADMIN},
    "audit.view": {ADMIN},
    # The ledger's actions (CONTRACT.md: rules and adjustments are staff's, the ledger is
    # read by staff and reviewers).
    "rules.manage": {ADMIN, STAFF},
    "points.adjust": {ADMIN, STAFF},
    "points.view": {ADMIN, STAFF, REVIEWER},
    # Claims (CONTRACT.md: reviewers review; staff and reviewers list the queue).
    "claims.view": {ADMIN, STAFF, REVIEWER},
    "claims.enter": {ADMIN, STAFF},
    "claims.review": {ADMIN, REVIEWER},
    "claims.revoke": {ADMIN, REVIEWER},
    # Activities (CONTRACT.md: staff create and run them, reviewers approve the filing).
    "activity.manage": {ADMIN, STAFF},
    "activity.approve": {ADMIN, REVIEWER},
    # The points supermarket (CONTRACT.md: staff run the shop; merchants act as the
    # operators of their own merchant, not by a role over a region).
    "shop.manage": {ADMIN, STAFF},
    # 公示 (CONTRACT.md: staff draft announcements, reviewers publish).
    "announcement.draft": {ADMIN, STAFF},
    "announcement.publish": {ADMIN, REVIEWER},
    # Certificates of service (志愿服务记录证明) are issued by the community's staff.
    "certificate.issue": {ADMIN, STAFF},
}

ROLES = [ADMIN, STAFF, REVIEWER, MERCHANT, KIOSK]


def test_the_table_names_every_action_and_every_action_is_listed():
    # A new action must be added to the table above, or this test fails.
    missing = {action.name for action in authz.ACTIONS} - set(EXPECTED)
    assert missing == set(), f"add {sorted(missing)} to EXPECTED"
    defined = {value for value in vars(authz).values() if isinstance(value, authz.Action)}
    assert defined == set(authz.ACTIONS), "an Action is defined but missing from ACTIONS"
    assert {role for roles in EXPECTED.values() for role in roles} == set(Role.values)


def _places(world, held_over: str) -> dict[str, Region]:
    """Where to ask: the role's own region, a region below it, one beside it."""
    if held_over == "town":
        return {"inside": world.town, "child": world.wenchang, "sibling": world.other_town}
    return {"inside": world.wenchang, "child": world.compound, "sibling": world.jinyue}


@pytest.mark.parametrize("held_over", ["town", "community"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_table_says_where_it_holds_the_role(
    world, role, held_over
):
    region = world.town if held_over == "town" else world.wenchang
    person = make_person(world.wenchang, "郑矩阵")
    services.grant_role(actor=None, person=person, role=role, region=region)
    places = _places(world, held_over)
    wrong = []
    for action in authz.ACTIONS:
        allowed = role in EXPECTED[action.name]
        expected = {
            "inside": allowed,
            "child": allowed,
            "sibling": False,
            "parent": False,
            "anywhere": allowed,
        }
        asked = {**places, "parent": region.parent, "anywhere": None}
        for place, where in asked.items():
            answer = authz.can(person, action, where)
            if answer != expected[place]:
                wrong.append(f"{role}@{held_over} {action.name} {place}: {answer}")
            try:
                authz.require(person, action, where)
                required = True
            except PermissionDenied:
                required = False
            if required != answer:
                wrong.append(f"{role}@{held_over} {action.name} {place}: require disagrees")
    assert wrong == []


def test_a_plain_resident_may_do_nothing_anywhere(world):
    for action in authz.ACTIONS:
        for where in (None, world.county, world.town, world.wenchang, world.compound):
            assert not authz.can(world.resident, action, where), action.name
            with pytest.raises(PermissionDenied):
                authz.require(world.resident, action, where)


def test_nobody_logged_in_and_a_deactivated_admin_may_do_nothing(world):
    world.county_admin.is_active = False
    world.county_admin.save()
    for action in authz.ACTIONS:
        assert not authz.can(None, action, world.wenchang)
        assert not authz.can(AnonymousUser(), action, world.wenchang)
        assert not authz.can(world.county_admin, action, world.wenchang)


def test_a_role_in_one_community_gives_nothing_next_door(world):
    # Staff of 文昌 who also reviews in 金悦 registers only in 文昌.
    services.grant_role(actor=None, person=world.staff, role=Role.REVIEWER, region=world.jinyue)
    assert authz.can(world.staff, authz.REGISTER_PERSON, world.wenchang)
    assert not authz.can(world.staff, authz.REGISTER_PERSON, world.jinyue)
    assert authz.can(world.staff, authz.OPEN_CONSOLE, world.jinyue)


def test_a_region_whose_code_starts_with_another_code_is_not_below_it(world):
    lookalike = add_region(
        actor=None,
        code=world.wenchang.code + "9",
        name="相似社区",
        level="community",
        parent_code=world.town.code,
    )
    assert not authz.can(world.staff, authz.VIEW_PERSON, lookalike)
    assert authz.can(world.town_admin, authz.VIEW_PERSON, lookalike)


def test_only_an_admin_of_a_top_region_is_a_global_admin(world):
    assert authz.is_global_admin(world.county_admin)
    assert not authz.is_global_admin(world.town_admin)
    assert not authz.is_global_admin(world.staff)
    assert not authz.is_global_admin(world.resident)


def test_people_without_a_community_are_in_the_hands_of_a_top_admin_only(world):
    # The kiosk account has no home community.
    authz.require_over_person(world.county_admin, authz.EDIT_PERSON, world.kiosk)
    with pytest.raises(PermissionDenied):
        authz.require_over_person(world.town_admin, authz.EDIT_PERSON, world.kiosk)
    authz.require_over_person(world.town_admin, authz.EDIT_PERSON, world.resident)
    with pytest.raises(PermissionDenied):
        authz.require_over_person(world.other_staff, authz.EDIT_PERSON, world.resident)
