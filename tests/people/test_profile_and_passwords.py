import json
from datetime import date

import pytest

from jifen.audit.models import AuditEvent
from jifen.lib.errors import InvalidInput, PermissionDenied
from jifen.people import services
from jifen.people.auth import issue_token
from jifen.people.models import ApiToken, ConsentSource, Person
from tests.conftest import PASSWORD


def test_an_edit_is_audited_before_and_after_with_the_phone_masked(world):
    resident = world.resident
    services.update_person(
        actor=world.staff,
        person=resident,
        name=" 王淑梅 ",
        is_party_member=True,
        birth_date=date(1950, 3, 1),
        household_label="江滨花园1栋101",
    )
    resident.refresh_from_db()
    assert resident.name == "王淑梅"
    assert resident.is_party_member
    assert resident.birth_date == date(1950, 3, 1)
    assert resident.household.label == "江滨花园1栋101"
    event = AuditEvent.objects.get(action="person.edit", target_id=resident.pk)
    assert event.actor_id == world.staff.pk
    assert event.region == world.wenchang
    assert event.before["name"] == "王淑英" and event.after["name"] == "王淑梅"
    assert event.before["is_party_member"] is False and event.after["is_party_member"] is True
    assert event.before["household"] is None and event.after["household"] == "江滨花园1栋101"
    masked = f"{resident.phone[:3]}****{resident.phone[-4:]}"
    assert event.before["phone"] == masked and event.after["phone"] == masked
    assert resident.phone not in json.dumps([event.before, event.after])


def test_an_empty_household_label_takes_the_person_out_of_their_household(world):
    services.update_person(actor=world.staff, person=world.resident, household_label="3栋201")
    services.update_person(actor=world.staff, person=world.resident, household_label="")
    assert Person.objects.get(pk=world.resident.pk).household is None


def test_the_phone_and_other_details_outside_the_list_cannot_be_edited(world):
    phone = world.resident.phone
    for field, value in (("phone", "13999999999"), ("community", world.jinyue), ("is_active", 0)):
        with pytest.raises(InvalidInput):
            services.update_person(actor=world.staff, person=world.resident, **{field: value})
    fresh = Person.objects.get(pk=world.resident.pk)
    assert (fresh.phone, fresh.community, fresh.is_active) == (phone, world.wenchang, True)
    assert not AuditEvent.objects.filter(action="person.edit").exists()


def test_an_edit_with_a_bad_name_changes_nothing(world):
    with pytest.raises(InvalidInput):
        services.update_person(actor=world.staff, person=world.resident, name="  ")
    assert Person.objects.get(pk=world.resident.pk).name == "王淑英"


def test_staff_of_another_community_and_non_staff_cannot_edit(world):
    for actor in (world.other_staff, world.reviewer, world.merchant, world.neighbour):
        with pytest.raises(PermissionDenied):
            services.update_person(actor=actor, person=world.resident, name="篡改")
    assert Person.objects.get(pk=world.resident.pk).name == "王淑英"
    assert not AuditEvent.objects.filter(action="person.edit").exists()


def test_consent_is_recorded_once(world):
    person = services.register_by_staff(
        actor=world.staff, name="赵大爷", phone="13612345679", community=world.wenchang
    )
    services.record_consent(person=person)
    first = Person.objects.get(pk=person.pk)
    assert first.consent_source == ConsentSource.FIRST_LOGIN
    services.record_consent(person=first)
    again = Person.objects.get(pk=person.pk)
    assert again.consent_at == first.consent_at
    assert AuditEvent.objects.filter(action="person.consent", target_id=person.pk).count() == 1


def test_a_password_change_needs_the_old_password(world):
    with pytest.raises(InvalidInput) as err:
        services.change_password(
            person=world.resident, old_password="wrong-one", new_password="new-secret-99"
        )
    assert err.value.code == "wrong_password"
    assert Person.objects.get(pk=world.resident.pk).check_password(PASSWORD)


def test_a_weak_new_password_is_refused(world):
    with pytest.raises(InvalidInput) as err:
        services.change_password(
            person=world.resident, old_password=PASSWORD, new_password="12345678"
        )
    assert err.value.code == "weak_password"
    assert Person.objects.get(pk=world.resident.pk).check_password(PASSWORD)


def test_a_password_change_revokes_every_api_token(world):
    issue_token(person=world.resident)
    issue_token(person=world.resident)
    other = issue_token(person=world.neighbour)
    services.change_password(
        person=world.resident, old_password=PASSWORD, new_password="new-secret-99"
    )
    assert Person.objects.get(pk=world.resident.pk).check_password("new-secret-99")
    assert not ApiToken.objects.filter(person=world.resident, revoked_at__isnull=True).exists()
    assert ApiToken.objects.filter(person=world.neighbour, revoked_at__isnull=True).count() == 1
    assert other
    assert AuditEvent.objects.filter(action="person.password", target_id=world.resident.pk).exists()


def test_staff_set_a_new_password_which_also_revokes_api_tokens(world):
    issue_token(person=world.resident)
    services.set_password_by_staff(
        actor=world.staff, person=world.resident, new_password="given-at-desk-5"
    )
    assert Person.objects.get(pk=world.resident.pk).check_password("given-at-desk-5")
    assert not ApiToken.objects.filter(person=world.resident, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="person.password_reset", target_id=world.resident.pk)
    assert event.actor_id == world.staff.pk


def test_staff_of_another_community_cannot_set_a_password(world):
    with pytest.raises(PermissionDenied):
        services.set_password_by_staff(
            actor=world.other_staff, person=world.resident, new_password="given-at-desk-5"
        )
    assert Person.objects.get(pk=world.resident.pk).check_password(PASSWORD)


def test_an_edited_employer_is_trimmed_to_what_the_column_holds(world):
    services.update_person(
        actor=world.staff, person=world.resident, employer=" 县人民医院 " + "科" * 120
    )
    employer = Person.objects.get(pk=world.resident.pk).employer
    assert employer.startswith("县人民医院") and len(employer) == 100
