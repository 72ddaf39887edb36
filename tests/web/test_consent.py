"""A resident registered by staff is asked about publication at their first login."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from jifen.audit.models import AuditEvent
from jifen.people import services
from jifen.people.models import ConsentSource, Person


@pytest.fixture
def elder(world) -> Person:
    elder = services.register_by_staff(
        actor=world.staff,
        name="孙奶奶",
        phone="13612345675",
        community=world.wenchang,
        password="first-pass-77",
    )
    # The first password staff gave is changed first (test_separation_of_duties_pages).
    services.change_password(
        person=elder, old_password="first-pass-77", new_password="her-own-pass-8"
    )
    return elder


def _login(elder) -> Client:
    client = Client()
    response = client.post("/login/", {"phone": elder.phone, "password": "her-own-pass-8"})
    assert response.status_code == 302
    return client


def test_the_first_page_after_login_asks_for_consent(elder):
    client = _login(elder)
    response = client.get("/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/consent/"
    assert parse_qs(location.query)["next"] == ["/"]
    assert client.get(response["Location"]).status_code == 200


def test_agreeing_records_consent_and_goes_on(elder):
    client = _login(elder)
    response = client.post("/consent/", {"answer": "agree", "next": "/password/"})
    assert response.status_code == 302 and response["Location"] == "/password/"
    elder.refresh_from_db()
    assert elder.consent_at is not None
    assert elder.consent_source == ConsentSource.FIRST_LOGIN
    assert AuditEvent.objects.filter(action="person.consent", target_id=elder.pk).count() == 1
    assert client.get("/").status_code == 200


def test_not_now_records_nothing_and_does_not_ask_again_in_the_session(elder):
    client = _login(elder)
    response = client.post("/consent/", {"answer": "later", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert Person.objects.get(pk=elder.pk).consent_at is None
    assert not AuditEvent.objects.filter(action="person.consent").exists()
    for path in ("/", "/password/", "/"):
        assert client.get(path).status_code == 200, path
    # A new session asks again.
    again = _login(elder)
    assert urlsplit(again.get("/")["Location"]).path == "/consent/"


def test_the_question_keeps_the_whole_address_to_return_to(elder):
    client = _login(elder)
    response = client.get("/password/?a=1&b=2")
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/password/?a=1&b=2"]


def test_the_consent_page_never_sends_anyone_outside(elder):
    client = _login(elder)
    response = client.post("/consent/", {"answer": "later", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_people_who_consented_are_never_asked(world, as_person):
    assert as_person(world.resident).get("/").status_code == 200


def test_posts_and_logout_are_not_held_up_by_the_question(elder):
    client = _login(elder)
    assert client.post("/logout/").status_code == 302
    assert client.session.get("_auth_user_id") is None
