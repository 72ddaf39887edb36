"""Consent on the resident's pages: its state on 我的积分 and on /consent/, withdrawing it
after a confirmation that says what it does and does not do, giving it again; and the
registration form, where it is an optional choice whose error fits a phone."""

import pytest
from django.test import Client

from jifen.audit.models import AuditEvent
from jifen.people import services
from jifen.people.models import Person
from jifen.people.selectors import unconsented
from jifen.web.forms import RegisterForm
from tests.browser.helpers import zh

pytestmark = pytest.mark.django_db


def page_of(response) -> str:
    return response.content.decode()


def test_the_consent_page_shows_that_it_was_given_and_offers_to_withdraw(world, as_person):
    page = page_of(as_person(world.resident).get("/consent/"))
    assert 'data-consent="given"' in page
    assert 'href="/consent/?withdraw=1"' in page


def test_withdrawing_asks_first_and_says_sealed_months_stay(world, as_person):
    client = as_person(world.resident)
    response = client.get("/consent/?withdraw=1")
    assert response.status_code == 200
    page = page_of(response)
    assert 'data-note="sealed"' in page
    assert 'value="withdraw"' in page
    assert world.resident.volunteer_no in page
    # Looking at the question changes nothing.
    assert Person.objects.get(pk=world.resident.pk).consent_at is not None
    assert not AuditEvent.objects.filter(action="person.consent_withdraw").exists()


def test_withdrawing_on_the_page_records_and_audits_it(world, as_person):
    client = as_person(world.resident)
    response = client.post("/consent/", {"answer": "withdraw", "next": "/consent/"})
    assert response.status_code == 302 and response["Location"] == "/consent/"
    assert Person.objects.get(pk=world.resident.pk).consent_at is None
    assert (
        AuditEvent.objects.filter(
            action="person.consent_withdraw", target_id=world.resident.pk
        ).count()
        == 1
    )
    # No detour to the question on the next pages of this session.
    assert client.get("/points/").status_code == 200
    page = page_of(client.get("/consent/"))
    assert 'data-consent="none"' in page and 'value="agree"' in page
    points = page_of(client.get("/points/"))
    assert 'data-consent="none"' in points and world.resident.volunteer_no in points


def test_there_is_nothing_to_confirm_without_consent(world, as_person):
    services.withdraw_consent(person=world.resident)
    page = page_of(as_person(world.resident).get("/consent/?withdraw=1"))
    assert 'value="withdraw"' not in page and 'value="agree"' in page


def test_consent_is_given_again_on_the_page(world, as_person):
    services.withdraw_consent(person=world.resident)
    client = as_person(world.resident)
    response = client.post("/consent/", {"answer": "agree", "next": "/points/"})
    assert response.status_code == 302 and response["Location"] == "/points/"
    assert Person.objects.get(pk=world.resident.pk).has_consented
    assert AuditEvent.objects.filter(action="person.consent", target_id=world.resident.pk).exists()


def test_withdrawing_needs_a_login_and_a_post(world):
    response = Client().post("/consent/", {"answer": "withdraw"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Person.objects.get(pk=world.resident.pk).consent_at is not None


def test_the_registration_consent_box_is_optional_and_says_so(world):
    page = page_of(Client().get("/register/"))
    box = page[page.index('name="agree"') - 200 : page.index('name="agree"') + 200]
    assert "required" not in box
    assert zh(str(RegisterForm.base_fields["agree"].help_text)) in page


def test_registering_with_the_box_ticked_records_consent(world):
    client = Client()
    response = client.post(
        "/register/",
        {
            "name": "赵小梅",
            "phone": "13612345679",
            "community": world.wenchang.code,
            "password": "spring-rain-7",
            "agree": "on",
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(phone="13612345679").has_consented


def _asked(client: Client) -> bool:
    """Whether the first page after logging in is the consent question."""
    response = client.get("/")
    return response.status_code == 302 and response["Location"].startswith("/consent/")


def test_who_withdrew_is_not_asked_again_at_the_next_login(world, as_person):
    services.withdraw_consent(person=world.resident)
    resident = Person.objects.get(pk=world.resident.pk)
    assert resident.consent_at is None and resident.consent_source == "declined"
    assert not _asked(as_person(resident))  # a new session: a new login


def test_who_registered_without_consent_is_not_asked_at_login(world):
    person = services.register_self(
        name="林小青",
        phone="13712345678",
        password="correct-horse-42",
        community=world.wenchang,
        consent=False,
    )
    assert person.consent_at is None and person.consent_source == "declined"
    client = Client()
    client.force_login(person)
    assert not _asked(client)


def test_who_staff_registered_is_asked_once_and_not_counted_once_they_said_no(world, as_person):
    person = services.register_by_staff(
        actor=world.staff, name="郭大伯", phone="13712345679", community=world.wenchang
    )
    assert _asked(as_person(person))
    assert person in unconsented(world.staff)
    services.record_consent(person=person)
    services.withdraw_consent(person=Person.objects.get(pk=person.pk))
    assert person not in unconsented(world.staff)
    assert not _asked(as_person(Person.objects.get(pk=person.pk)))
