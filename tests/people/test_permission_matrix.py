"""Every role-bound action, for every role, inside, below and beside the role's region.

The expected answers come from the table below, written from CONTRACT.md's list of
roles, not from ``Action.roles``: a wrong role set in ``authz`` fails here.
"""

import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from jifen.lib.errors import DomainError, PermissionDenied
from jifen.people import authz, services
from jifen.people.models import Organization, OrganizationMember, Role, Team
from jifen.regions.models import Region
from jifen.regions.services import add_region
from tests.conftest import make_person

ADMIN, STAFF, REVIEWER, MERCHANT, KIOSK = "admin", "staff", "reviewer", "merchant", "kiosk"
GRID = "grid"
INSPECTOR = "inspector"

# action name -> the roles that may do it over their own region and below.
EXPECTED: dict[str, set[str]] = {
    "console.open": {ADMIN, STAFF, REVIEWER, MERCHANT, KIOSK, GRID, INSPECTOR},
    "person.register": {ADMIN, STAFF},
    "person.view": {ADMIN, STAFF},
    "person.edit": {ADMIN, STAFF},
    # Of people without a role; a role-holder's only by an admin over all their roles
    # (the acts on another person, at the end of this file).
    "person.password": {ADMIN, STAFF},
    "proxy.manage": {ADMIN, STAFF},
    "group.manage": {ADMIN, STAFF},
    "role.grant": {ADMIN},
    "region.add": {ADMIN},
    # Staff read the log of their own communities (issue 13).
    "audit.view": {ADMIN, STAFF},
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
    # 居民点单: staff check, publish and dispatch; the review group reads them beside
    # the claims they make.
    "requests.view": {ADMIN, STAFF, REVIEWER},
    "requests.manage": {ADMIN, STAFF},
    # 网格事件: grid workers report and handle in their grids; only staff close without a
    # fix; the review group and the inspectors (巡察) read.
    "incidents.view": {ADMIN, STAFF, REVIEWER, GRID, INSPECTOR},
    "incidents.handle": {ADMIN, STAFF, GRID},
    "incidents.close": {ADMIN, STAFF},
    # 小微权力 (CONTRACT.md: staff publish and answer; inspectors read and write nothing).
    "disclosures.publish": {ADMIN, STAFF},
    "messages.view": {ADMIN, STAFF, INSPECTOR},
    "messages.answer": {ADMIN, STAFF},
    "inspection.view": {ADMIN, INSPECTOR},
    "units.manage": {ADMIN, STAFF},
    "party.manage": {ADMIN, STAFF},
    "contests.manage": {ADMIN, STAFF},
    "property_reviews.manage": {ADMIN, STAFF},
    "checkpoints.sign": {ADMIN},
    # 议事协商: staff open matters and record decisions.
    "deliberations.manage": {ADMIN, STAFF},
}

ROLES = [ADMIN, STAFF, REVIEWER, MERCHANT, KIOSK, GRID, INSPECTOR]


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


# --- Acts on another person -------------------------------------------------------------------
#
# No role acts as another (CONTRACT, wave 2): whoever sets a person's password, phone,
# details or proxy can be that person, so these acts on someone holding a role belong to
# an admin over every region of their roles; roles are given and taken by an admin over
# the role's region. Each row below says, for each kind of person acted on, which actors
# may do it; every other actor must be refused and leave the person as they were.
#
# Actors: staff, reviewer, merchant and kiosk of 文昌, the admin of 凤城镇 (文昌's town),
# the county's admin, and a resident with no role ("none"). The people acted on all live
# in 文昌, so staff of 文昌 reach every one of them as a resident; "spanning" reviews in
# 文昌 and in 湾美 (参内镇), which the town's admin does not cover.

ACTORS = ["staff", "reviewer", "merchant", "kiosk", "town_admin", "county_admin", "none"]
TARGETS = ["no_role", "reviewer", "staff", "merchant", "town_admin", "county_admin", "spanning"]
ADMINS = {"town_admin", "county_admin"}
# Who covers every role of the person acted on (and so may act on their account).
COVERING: dict[str, set[str]] = {
    "no_role": {"staff", *ADMINS},
    "reviewer": ADMINS,
    "staff": ADMINS,
    "merchant": ADMINS,
    "town_admin": ADMINS,  # an admin of the town may act on another admin of the same town
    "county_admin": {"county_admin"},
    "spanning": {"county_admin"},
}
NOBODY: dict[str, set[str]] = {target: set() for target in TARGETS}
# act -> target kind -> the actors that may do it.
EXPECTED_ON_PEOPLE: dict[str, dict[str, set[str]]] = {
    "password.set": COVERING,
    "details.edit": COVERING,
    # The actor records themself as the person's family proxy (代办).
    "proxy.add_self": COVERING,
    # Ending a proxy takes power away from the agent, never gives it: the principal's
    # community's staff may, whoever the principal is.
    "proxy.end": {target: {"staff", *ADMINS} for target in TARGETS},
    # The phone is the login; the ID number, the home community and whether the account
    # works are not edited from the console or the API at all (the operator's command line
    # is trusted). Changing a reviewer's phone to one the actor holds would be a takeover.
    "phone.change": NOBODY,
    "id_number.change": NOBODY,
    "community.change": NOBODY,
    "account.deactivate": NOBODY,
    # Roles: only an admin over the role's region, whoever receives it.
    "role.grant_reviewer_here": {target: ADMINS for target in TARGETS},
    "role.grant_admin_of_town": {target: ADMINS for target in TARGETS},
    "role.grant_admin_of_county": {target: {"county_admin"} for target in TARGETS},
    # The person's role over the widest region (湾美's for "spanning"): only an admin
    # over it takes it away, so no staff take an admin's role.
    "role.revoke": {**COVERING, "no_role": set()},
    # Teams and organisations carry no role (a team leader's bonus, an organisation's unit
    # points, both reviewed like any claim): the community's staff manage them for anyone.
    "team.add": {target: {"staff", *ADMINS} for target in TARGETS},
    "team.remove": {target: {"staff", *ADMINS} for target in TARGETS},
    "organization.add": {target: {"staff", *ADMINS} for target in TARGETS},
}
# Every service of people.services that acts on another person, and the rows above that
# walk it; a new one fails test_every_act_on_another_person_is_in_the_matrix until added.
SERVICES_IN_MATRIX = {
    "set_password_by_staff": ["password.set"],
    "update_person": [
        "details.edit",
        "phone.change",
        "id_number.change",
        "community.change",
        "account.deactivate",
    ],
    "add_proxy": ["proxy.add_self"],
    "revoke_proxy": ["proxy.end"],
    "grant_role": [
        "role.grant_reviewer_here",
        "role.grant_admin_of_town",
        "role.grant_admin_of_county",
    ],
    "revoke_role": ["role.revoke"],
    "add_team_member": ["team.add"],
    "remove_team_member": ["team.remove"],
    "add_organization_member": ["organization.add"],
}


def _actor(world, kind: str):
    if kind == "none":
        return world.resident
    return getattr(world, kind)


def _target(world, kind: str):
    person = make_person(world.wenchang, "许目标")
    grants = {
        "no_role": [],
        "reviewer": [(Role.REVIEWER, world.wenchang)],
        "staff": [(Role.STAFF, world.wenchang)],
        "merchant": [(Role.MERCHANT, world.wenchang)],
        "town_admin": [(Role.ADMIN, world.town)],
        "county_admin": [(Role.ADMIN, world.county)],
        "spanning": [(Role.REVIEWER, world.wenchang), (Role.REVIEWER, world.wanmei)],
    }[kind]
    for role, region in grants:
        services.grant_role(actor=None, person=person, role=role, region=region)
    return person


def _team(world) -> Team:
    team = Team.objects.filter(region=world.wenchang).first()
    if team is None:
        team = services.create_team(
            actor=world.county_admin,
            region=world.wenchang,
            name="文昌志愿队",
            leader=world.stranger,
        )
    return team


def _state(person) -> tuple:
    person = type(person).objects.get(pk=person.pk)
    return (
        person.password,
        person.phone,
        person.name,
        person.email,
        person.community_id,
        person.id_number_hash,
        person.is_active,
        sorted(person.grants.values_list("role", "region_id")),
        sorted(person.proxies.filter(revoked_at__isnull=True).values_list("agent_id", flat=True)),
        sorted(
            person.team_memberships.filter(left_on__isnull=True).values_list("team_id", flat=True)
        ),
        OrganizationMember.objects.filter(person=person).count(),
    )


def _attempt(world, act: str, actor, target) -> None:
    """Do ``act`` as ``actor`` on ``target``, the way the console and the API call it."""
    if act == "password.set":
        services.set_password_by_staff(actor=actor, person=target, new_password="taken-over-77")
    elif act == "details.edit":
        services.update_person(actor=actor, person=target, email="x@example.com", name="改名")
    elif act == "phone.change":
        services.update_person(actor=actor, person=target, phone="13999999999")
    elif act == "id_number.change":
        services.update_person(actor=actor, person=target, id_number="350524195003011234")
    elif act == "community.change":
        services.update_person(actor=actor, person=target, community=world.jinyue)
    elif act == "account.deactivate":
        services.update_person(actor=actor, person=target, is_active=False)
    elif act == "proxy.add_self":
        services.add_proxy(actor=actor, principal=target, agent=actor, relation="亲属")
    elif act == "proxy.end":
        proxy = services.add_proxy(
            actor=world.county_admin, principal=target, agent=world.stranger, relation="女儿"
        )
        services.revoke_proxy(actor=actor, proxy=proxy)
    elif act.startswith("role.grant_"):
        region = {
            "role.grant_reviewer_here": world.wenchang,
            "role.grant_admin_of_town": world.town,
            "role.grant_admin_of_county": world.county,
        }[act]
        role = Role.REVIEWER if act == "role.grant_reviewer_here" else Role.ADMIN
        services.grant_role(actor=actor, person=target, role=role, region=region)
    elif act == "role.revoke":
        # The only grant, or 湾美's of the person reviewing in two towns.
        grant = target.grants.select_related("region").order_by("-region__path").first()
        services.revoke_role(actor=actor, grant=grant)
    elif act == "team.add":
        services.add_team_member(actor=actor, team=_team(world), person=target)
    elif act == "team.remove":
        team = _team(world)
        services.add_team_member(actor=world.county_admin, team=team, person=target)
        services.remove_team_member(actor=actor, team=team, person=target)
    elif act == "organization.add":
        organization = Organization.objects.filter(region=world.wenchang).first()
        if organization is None:
            organization = services.create_organization(
                actor=world.county_admin, region=world.wenchang, name="县人民医院"
            )
        services.add_organization_member(actor=actor, organization=organization, person=target)
    else:  # pragma: no cover - a row without a way to try it
        raise AssertionError(act)


def test_the_acts_table_covers_every_actor_and_target():
    for act, row in EXPECTED_ON_PEOPLE.items():
        assert set(row) == set(TARGETS), act
        for allowed in row.values():
            assert allowed <= set(ACTORS), act
    walked = {act for acts in SERVICES_IN_MATRIX.values() for act in acts}
    assert walked == set(EXPECTED_ON_PEOPLE)


def test_every_act_on_another_person_is_in_the_matrix():
    # A service taking an actor and a person (or one of their grants or proxies) acts on
    # another person; it must be walked below before it ships.
    on_person = {"person", "principal", "grant", "proxy"}
    found = {
        name
        for name, function in vars(services).items()
        if inspect.isfunction(function)
        and function.__module__ == services.__name__
        and not name.startswith("_")
        and "actor" in inspect.signature(function).parameters
        and on_person & set(inspect.signature(function).parameters)
    }
    assert found == set(SERVICES_IN_MATRIX)


@pytest.mark.parametrize("target_kind", TARGETS)
@pytest.mark.parametrize("act", list(EXPECTED_ON_PEOPLE))
def test_no_act_on_another_person_lets_a_lower_role_become_a_higher_one(world, act, target_kind):
    wrong = []
    if act == "role.revoke" and target_kind == "no_role":
        return  # nothing to take away
    for actor_kind in ACTORS:
        target = _target(world, target_kind)
        actor = _actor(world, actor_kind)
        authz.forget_grants(actor)
        allowed = actor_kind in EXPECTED_ON_PEOPLE[act][target_kind]
        before = _state(target)
        try:
            with transaction.atomic():
                _attempt(world, act, actor, target)
            done = True
        except DomainError as exc:
            done = False
            if allowed:
                wrong.append(f"{actor_kind} → {target_kind} {act}: refused ({exc.code})")
        if done and not allowed:
            wrong.append(f"{actor_kind} → {target_kind} {act}: allowed")
        if not done and _state(target) != before:
            wrong.append(f"{actor_kind} → {target_kind} {act}: refused but changed")
    assert wrong == []
