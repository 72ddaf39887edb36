"""Withdrawing consent to publication (DELETE /me/consent) and giving it again: the
person's own choice, audited, and from the next publication on they appear as 志愿者 and
their volunteer number; months already sealed are not rewritten."""

import pytest

from jifen.audit.models import AuditEvent
from jifen.lib.masking import mask_name
from jifen.people import services
from jifen.people.models import Person
from jifen.publicity import services as publicity
from jifen.publicity.models import Announcement
from jifen.publicity.selectors import public_name
from tests.api.conftest import assert_error
from tests.publicity.conftest import Book, Months, at

pytestmark = pytest.mark.django_db


def _audits(person: Person, action: str) -> int:
    return AuditEvent.objects.filter(action=action, target_id=person.pk).count()


def test_a_resident_withdraws_consent_over_the_api(api, world):
    assert world.resident.consent_at is not None
    response = api(world.resident).delete("/me/consent")
    assert response.status_code == 200, response.content
    assert response.json()["consent_at"] is None
    person = Person.objects.get(pk=world.resident.pk)
    assert person.consent_at is None and person.consent_source == "declined"
    event = AuditEvent.objects.get(action="person.consent_withdraw", target_id=person.pk)
    assert event.actor_id == person.pk
    assert event.before["consent_at"] and event.after == {"consent_at": None}


def test_withdrawing_twice_changes_nothing_more(api, world):
    client = api(world.resident)
    assert client.delete("/me/consent").status_code == 200
    assert client.delete("/me/consent").status_code == 200
    assert _audits(world.resident, "person.consent_withdraw") == 1


def test_consent_is_given_again_the_existing_way(api, world):
    client = api(world.resident)
    client.delete("/me/consent")
    response = client.post("/me/consent")
    assert response.status_code == 200
    assert response.json()["consent_at"] is not None
    assert Person.objects.get(pk=world.resident.pk).has_consented
    assert _audits(world.resident, "person.consent") == 1


def test_withdrawing_needs_a_login(api, world):
    assert_error(api().delete("/me/consent"), 401, "not_authenticated")
    assert Person.objects.get(pk=world.resident.pk).consent_at is not None


def test_one_withdraws_only_ones_own_consent(api, world):
    api(world.neighbour).delete("/me/consent")
    assert Person.objects.get(pk=world.resident.pk).consent_at is not None
    assert Person.objects.get(pk=world.neighbour.pk).consent_at is None


def test_the_service_is_the_same_for_pages_and_api(world):
    services.withdraw_consent(person=world.resident)
    assert not world.resident.has_consented
    services.record_consent(person=world.resident)
    assert world.resident.has_consented


def test_the_next_publication_masks_them_and_sealed_months_stay(world):
    months, book = Months.now(), Book()
    resident = world.resident
    book.award(resident, 20, at(months.before, 5))
    book.award(resident, 30, at(months.last, 5))

    def publish(month: str) -> Announcement:
        drafted = publicity.draft(actor=world.staff, community=world.wenchang, month=month)
        return publicity.publish(actor=world.reviewer, announcement=drafted)

    before = publish(months.before)
    assert before.ranking[0]["name"] == mask_name(resident.name)
    seal_before = before.seal

    services.withdraw_consent(person=Person.objects.get(pk=resident.pk))
    last = publish(months.last)
    volunteer = public_name(resident.name, False, resident.volunteer_no)
    assert last.ranking[0]["name"] == volunteer
    assert resident.volunteer_no in volunteer
    # The sealed month is not rewritten: its figures and seal are as published.
    again = Announcement.objects.get(pk=before.pk)
    assert again.ranking[0]["name"] == mask_name(resident.name)
    assert again.seal == seal_before


def test_self_registration_over_the_api_records_the_choice(api, world):
    body = {
        "name": "赵小梅",
        "phone": "13612345671",
        "password": "spring-rain-7",
        "community": world.wenchang.code,
    }
    agreed = api().post("/people", body)
    assert agreed.status_code == 201, agreed.content
    assert agreed.json()["consent_at"] is not None  # the default, as before
    declined = api().post("/people", {**body, "phone": "13612345672", "consent": False})
    assert declined.status_code == 201, declined.content
    assert declined.json()["consent_at"] is None
    person = Person.objects.get(phone="13612345672")
    assert not person.has_consented
    assert AuditEvent.objects.get(action="person.register", target_id=person.pk).actor_id == (
        person.pk
    )
