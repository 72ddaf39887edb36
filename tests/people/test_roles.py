import pytest

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.people import authz, services
from jifen.people.models import Person, Role, RoleGrant


def test_an_admin_grants_a_role_which_works_at_once_and_is_audited(world):
    resident = world.resident
    assert not authz.can(resident, authz.REGISTER_PERSON, world.wenchang)  # caches grants
    grant = services.grant_role(
        actor=world.town_admin, person=resident, role=Role.STAFF, region=world.wenchang
    )
    assert RoleGrant.objects.get(pk=grant.pk).granted_by == world.town_admin
    assert authz.can(resident, authz.REGISTER_PERSON, world.wenchang)
    event = AuditEvent.objects.get(action="role.grant", target_id=grant.pk)
    assert event.actor_id == world.town_admin.pk
    assert event.after == {
        "person": resident.volunteer_no,
        "role": "staff",
        "region": world.wenchang.code,
    }


def test_granting_the_same_role_twice_keeps_one_grant_and_one_audit_row(world):
    for _ in range(2):
        services.grant_role(
            actor=world.town_admin, person=world.resident, role=Role.STAFF, region=world.wenchang
        )
    assert RoleGrant.objects.filter(person=world.resident).count() == 1
    assert AuditEvent.objects.filter(action="role.grant", actor=world.town_admin).count() == 1


def test_an_unknown_role_is_refused(world):
    with pytest.raises(InvalidInput) as err:
        services.grant_role(actor=None, person=world.resident, role="king", region=world.county)
    assert err.value.code == "unknown_role"
    assert not RoleGrant.objects.filter(person=world.resident).exists()


def test_only_an_admin_over_the_region_may_grant(world):
    attempts = [
        (world.staff, world.wenchang),  # staff do not grant
        (world.reviewer, world.wenchang),
        (world.town_admin, world.county),  # above the admin's town
        (world.town_admin, world.wanmei),  # in the other town
    ]
    for actor, region in attempts:
        with pytest.raises(PermissionDenied):
            services.grant_role(actor=actor, person=world.resident, role=Role.ADMIN, region=region)
    assert not RoleGrant.objects.filter(person=world.resident).exists()


def test_an_admin_revokes_a_role_and_it_stops_working(world):
    grant = RoleGrant.objects.get(person=world.staff, role=Role.STAFF)
    services.revoke_role(actor=world.town_admin, grant=grant)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    staff = Person.objects.get(pk=world.staff.pk)
    assert not authz.can(staff, authz.REGISTER_PERSON, world.wenchang)
    event = AuditEvent.objects.get(action="role.revoke")
    assert event.before == {"person": staff.volunteer_no, "role": "staff", "region": "350524100001"}
    assert event.actor_id == world.town_admin.pk


def test_nobody_takes_away_their_own_admin_role(world):
    grant = RoleGrant.objects.get(person=world.town_admin, role=Role.ADMIN)
    with pytest.raises(Conflict) as err:
        services.revoke_role(actor=world.town_admin, grant=grant)
    assert err.value.code == "own_admin_role"
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    assert not AuditEvent.objects.filter(action="role.revoke").exists()
    # Another administrator above may.
    services.revoke_role(actor=world.county_admin, grant=grant)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_an_admin_may_drop_another_role_of_their_own(world):
    services.grant_role(actor=None, person=world.town_admin, role=Role.STAFF, region=world.wenchang)
    grant = RoleGrant.objects.get(person=world.town_admin, role=Role.STAFF)
    services.revoke_role(actor=world.town_admin, grant=grant)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_an_admin_cannot_revoke_a_role_held_above_or_beside_them(world):
    for grant in (
        RoleGrant.objects.get(person=world.county_admin),
        RoleGrant.objects.get(person=world.other_staff),
    ):
        with pytest.raises(PermissionDenied):
            services.revoke_role(actor=world.town_admin, grant=grant)
        assert RoleGrant.objects.filter(pk=grant.pk).exists()
    with pytest.raises(PermissionDenied):
        services.revoke_role(actor=world.staff, grant=RoleGrant.objects.get(person=world.reviewer))
