"""No role acts as another (CONTRACT, wave 2 hardening rules).

Staff enter, reviewers approve, a second reviewer cross-checks: that split is only worth
something if staff cannot become a reviewer. A phone is the login, so whoever sets a
person's password can be that person. A password of someone holding a role is therefore
set only by an admin over every region of their roles; staff set passwords of people
without roles; a password someone else set must be changed by its owner, who is told.
"""

import pytest

from jifen.audit.models import AuditEvent
from jifen.claims import services as claims
from jifen.claims.models import Status
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.people import authz, services
from jifen.people.models import Person, Proxy, Role, RoleGrant
from tests.conftest import PASSWORD, make_person


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def _refused(err: pytest.ExceptionInfo) -> None:
    assert err.value.code == "covering_admin_required"
    assert err.value.status == 403


# --- The attack, and the resident later made an admin -----------------------------------------


def test_staff_cannot_set_the_password_of_a_reviewer_of_their_own_community(world):
    with pytest.raises(PermissionDenied) as err:
        services.set_password_by_staff(
            actor=world.staff, person=world.reviewer, new_password="taken-over-77"
        )
    _refused(err)
    reviewer = fresh(world.reviewer)
    assert reviewer.check_password(PASSWORD)
    assert not reviewer.must_change_password
    assert not AuditEvent.objects.filter(action="person.password_reset").exists()


def test_staff_cannot_set_the_password_of_a_resident_later_made_county_admin(world):
    services.grant_role(
        actor=world.county_admin, person=world.resident, role=Role.ADMIN, region=world.county
    )
    for actor in (world.staff, world.town_admin):  # the town does not cover the county
        with pytest.raises(PermissionDenied) as err:
            services.set_password_by_staff(
                actor=actor, person=world.resident, new_password="taken-over-77"
            )
        _refused(err)
    assert fresh(world.resident).check_password(PASSWORD)
    services.set_password_by_staff(
        actor=world.county_admin, person=world.resident, new_password="reset-by-county-1"
    )
    assert fresh(world.resident).check_password("reset-by-county-1")


def test_a_password_staff_set_is_changed_by_its_owner_before_they_are_given_a_role(world):
    # Staff may set the password of a resident without a role; the same resident made an
    # admin next day would otherwise be an admin whose password staff know.
    services.set_password_by_staff(
        actor=world.staff, person=world.resident, new_password="given-at-desk-5"
    )
    with pytest.raises(Conflict) as err:
        services.grant_role(
            actor=world.county_admin, person=world.resident, role=Role.ADMIN, region=world.county
        )
    assert err.value.code == "password_not_own"
    assert not RoleGrant.objects.filter(person=world.resident).exists()
    services.change_password(
        person=fresh(world.resident), old_password="given-at-desk-5", new_password="mine-alone-88"
    )
    services.grant_role(
        actor=world.county_admin, person=world.resident, role=Role.ADMIN, region=world.county
    )
    assert authz.can(fresh(world.resident), authz.GRANT_ROLE, world.county)


def test_a_first_password_given_at_registration_counts_as_set_by_staff(world):
    person = services.register_by_staff(
        actor=world.staff,
        name="赵大爷",
        phone="13612345679",
        community=world.wenchang,
        password="first-pass-77",
    )
    assert fresh(person).must_change_password
    with pytest.raises(Conflict):
        services.grant_role(
            actor=world.town_admin, person=person, role=Role.REVIEWER, region=world.wenchang
        )
    # Without a password nobody knows one: the grant goes through.
    other = services.register_by_staff(
        actor=world.staff, name="钱大妈", phone="13612345680", community=world.wenchang
    )
    assert not fresh(other).must_change_password
    services.grant_role(
        actor=world.town_admin, person=other, role=Role.REVIEWER, region=world.wenchang
    )


# --- Who may reset, and what a reset does -------------------------------------------------------


def test_an_admin_over_every_role_resets_and_the_person_must_change_it_and_is_told(
    world, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_password_by_staff(
            actor=world.town_admin, person=world.reviewer, new_password="reset-by-admin-3"
        )
    reviewer = fresh(world.reviewer)
    assert reviewer.check_password("reset-by-admin-3")
    assert reviewer.must_change_password
    event = AuditEvent.objects.get(action="person.password_reset", target_id=reviewer.pk)
    assert event.actor_id == world.town_admin.pk
    [message] = outbox
    assert message.person.pk == reviewer.pk
    said = message.subject + message.body
    assert world.town_admin.name in said
    assert "reset-by-admin-3" not in said and reviewer.phone not in said
    assert "reset-by-admin-3" not in repr([event.before, event.after])


def test_staff_still_set_the_password_of_a_resident_without_roles_who_must_change_it(
    world, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.set_password_by_staff(
            actor=world.staff, person=world.resident, new_password="given-at-desk-5"
        )
    resident = fresh(world.resident)
    assert resident.check_password("given-at-desk-5") and resident.must_change_password
    assert [m.person.pk for m in outbox] == [resident.pk]


def test_roles_in_two_regions_need_an_admin_over_both(world):
    services.grant_role(actor=None, person=world.reviewer, role=Role.REVIEWER, region=world.wanmei)
    # 凤城's admin covers 文昌 but not 湾美 (参内镇); 湾美's staff cover neither role's home.
    for actor in (world.town_admin, world.staff, world.other_staff):
        with pytest.raises(PermissionDenied):
            services.set_password_by_staff(
                actor=actor, person=world.reviewer, new_password="taken-over-77"
            )
    assert fresh(world.reviewer).check_password(PASSWORD)
    services.set_password_by_staff(
        actor=world.county_admin, person=world.reviewer, new_password="reset-by-county-1"
    )


def test_nobody_resets_their_own_password_without_the_current_one(world):
    with pytest.raises(InvalidInput) as err:
        services.set_password_by_staff(
            actor=world.county_admin, person=world.county_admin, new_password="no-old-needed-1"
        )
    assert err.value.code == "own_password"
    assert fresh(world.county_admin).check_password(PASSWORD)


def test_the_owner_changes_it_and_may_not_keep_the_password_someone_else_chose(world):
    services.set_password_by_staff(
        actor=world.staff, person=world.resident, new_password="given-at-desk-5"
    )
    with pytest.raises(InvalidInput) as err:
        services.change_password(
            person=fresh(world.resident),
            old_password="given-at-desk-5",
            new_password="given-at-desk-5",
        )
    assert err.value.code == "same_password"
    assert fresh(world.resident).must_change_password
    services.change_password(
        person=fresh(world.resident), old_password="given-at-desk-5", new_password="mine-alone-88"
    )
    resident = fresh(world.resident)
    assert resident.check_password("mine-alone-88") and not resident.must_change_password


def test_a_deactivated_admin_resets_nothing(world):
    world.county_admin.is_active = False
    world.county_admin.save()
    with pytest.raises(PermissionDenied):
        services.set_password_by_staff(
            actor=world.county_admin, person=world.reviewer, new_password="taken-over-77"
        )


# --- The other acts on a person -----------------------------------------------------------------


def test_staff_cannot_edit_the_details_of_a_role_holder(world):
    # The household decides whose claims a reviewer may not review; the email is where
    # notices (a password reset's too) go.
    with pytest.raises(PermissionDenied) as err:
        services.update_person(actor=world.staff, person=world.reviewer, email="staff@example.com")
    _refused(err)
    with pytest.raises(PermissionDenied):
        services.update_person(actor=world.staff, person=world.reviewer, household_label="1栋")
    assert fresh(world.reviewer).email == ""
    services.update_person(actor=world.town_admin, person=world.reviewer, email="r@example.com")
    assert fresh(world.reviewer).email == "r@example.com"


def test_staff_cannot_make_themselves_the_proxy_of_a_role_holder(world):
    with pytest.raises(PermissionDenied) as err:
        services.add_proxy(
            actor=world.staff, principal=world.reviewer, agent=world.staff, relation="同事"
        )
    _refused(err)
    assert not Proxy.objects.exists()
    services.add_proxy(
        actor=world.town_admin, principal=world.reviewer, agent=world.neighbour, relation="女儿"
    )


def test_a_proxy_never_acts_in_a_role_of_its_principal(world, declare):
    # Recorded by an admin over the reviewer's roles: the daughter may declare and redeem
    # for her father, never review for him.
    services.add_proxy(
        actor=world.town_admin, principal=world.reviewer, agent=world.neighbour, relation="女儿"
    )
    for action in authz.ACTIONS:
        assert not authz.can(world.neighbour, action, world.wenchang), action.name
    claim = declare()
    with pytest.raises(PermissionDenied):
        claims.approve_claim(claim=claim, reviewer=world.neighbour)
    assert claims.approve_claim(claim=claim, reviewer=world.reviewer).status == Status.APPROVED


def test_a_reviewer_does_not_review_a_claim_of_the_resident_they_act_for(world, declare):
    # A family proxy is as close as the household: the resident's claim goes to another
    # reviewer, as one of the reviewer's own household would.
    services.add_proxy(
        actor=world.staff, principal=world.resident, agent=world.reviewer, relation="儿子"
    )
    claim = declare()
    with pytest.raises(Conflict) as err:
        claims.approve_claim(claim=claim, reviewer=world.reviewer)
    assert err.value.code == "self_review"


def test_one_reviewer_gives_one_approval_of_a_cross_check_whoever_they_act_for(
    world, declare, second_reviewer
):
    # Even as the recorded proxy of the second reviewer, the first reviewer's second
    # approval is theirs again, not the second reviewer's.
    services.add_proxy(
        actor=world.town_admin, principal=second_reviewer, agent=world.reviewer, relation="丈夫"
    )
    claim = declare(quantity=6)  # 60 points: two approvals by two reviewers
    claims.approve_claim(claim=claim, reviewer=world.reviewer)
    with pytest.raises(Conflict) as err:
        claims.approve_claim(claim=claim, reviewer=world.reviewer)
    assert err.value.code == "already_reviewed"
    assert claims.approve_claim(claim=claim, reviewer=second_reviewer).status == Status.APPROVED


def test_a_role_holder_made_by_an_admin_keeps_their_own_password(world):
    # Giving a role never touches the password nor asks for a change.
    person = make_person(world.wenchang, "许新任")
    services.grant_role(
        actor=world.town_admin, person=person, role=Role.STAFF, region=world.wenchang
    )
    person = fresh(person)
    assert person.check_password(PASSWORD) and not person.must_change_password
