"""Self-registration and password change in the browser."""

from django.test import Client

from jifen.audit.models import AuditEvent
from jifen.people.auth import issue_token
from jifen.people.models import ApiToken, ConsentSource, Person
from tests.conftest import PASSWORD
from tests.web.conftest import logged_in_as


def _form(world, **kw):
    return {
        "name": "赵小梅",
        "phone": "13612345678",
        "community": world.wenchang.code,
        "password": "spring-rain-7",
        "agree": "on",
        **kw,
    }


def test_the_registration_page_offers_communities_only(world):
    response = Client().get("/register/")
    codes = [code for code, _label in response.context["form"].fields["community"].choices]
    assert codes == [world.wenchang.code, world.jinyue.code, world.wanmei.code]


def test_a_resident_registers_themself_and_is_logged_in(world):
    client = Client()
    response = client.post("/register/", _form(world, referrer=world.resident.volunteer_no))
    assert response.status_code == 302 and response["Location"] == "/"
    person = Person.objects.get(phone="13612345678")
    assert person.consent_source == ConsentSource.SELF_REGISTRATION
    assert person.referrer == world.resident
    assert person.check_password("spring-rain-7")
    assert logged_in_as(client) == person.pk
    home = client.get("/")
    assert home.status_code == 200  # consented: no detour to the consent page
    assert person.volunteer_no in home.content.decode()


def test_registration_without_agreeing_registers_a_volunteer_shown_by_number(world):
    """CONTRACT.md: consent never blocks earning or spending; it is an optional choice."""
    client = Client()
    response = client.post("/register/", _form(world, agree=""))
    assert response.status_code == 302 and response["Location"] == "/"
    person = Person.objects.get(phone="13612345678")
    assert person.consent_at is None and person.consent_source == "declined"
    assert logged_in_as(client) == person.pk
    # They answered in the form: no detour to the consent question right away.
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="person.register", target_id=person.pk)
    assert event.actor_id == person.pk


def test_a_taken_phone_is_a_field_error(world):
    response = Client().post("/register/", _form(world, phone=world.resident.phone))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert Person.objects.filter(phone=world.resident.phone).count() == 1


def test_an_unknown_referrer_or_a_weak_password_is_a_field_error(world):
    response = Client().post("/register/", _form(world, referrer="000000000"))
    assert "referrer" in response.context["form"].errors
    response = Client().post("/register/", _form(world, password="12345678"))
    assert "password" in response.context["form"].errors
    assert not Person.objects.filter(phone="13612345678").exists()


def test_a_password_change_keeps_the_session_and_revokes_api_tokens(world, as_person):
    issue_token(person=world.resident)
    client = as_person(world.resident)
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password": "autumn-leaf-42",
            "new_password_again": "autumn-leaf-42",
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=world.resident.pk).check_password("autumn-leaf-42")
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()
    assert client.get("/").status_code == 200
    assert logged_in_as(client) == world.resident.pk


def test_a_password_change_with_a_wrong_old_password_or_a_typo_changes_nothing(world, as_person):
    client = as_person(world.resident)
    wrong_old = client.post(
        "/password/",
        {
            "old_password": "guess-guess",
            "new_password": "autumn-leaf-42",
            "new_password_again": "autumn-leaf-42",
        },
    )
    assert "old_password" in wrong_old.context["form"].errors
    typo = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password": "autumn-leaf-42",
            "new_password_again": "autumn-leaf-24",
        },
    )
    assert "new_password_again" in typo.context["form"].errors
    assert Person.objects.get(pk=world.resident.pk).check_password(PASSWORD)


def test_other_sessions_end_when_the_password_changes(world, as_person):
    other_device = as_person(world.resident)
    as_person(world.resident).post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password": "autumn-leaf-42",
            "new_password_again": "autumn-leaf-42",
        },
    )
    assert other_device.get("/password/").status_code == 302  # sent to the login page
