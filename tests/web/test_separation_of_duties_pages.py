"""The console refuses staff who would become a reviewer or an admin, and a person whose
password someone else set changes it before they do anything else."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from jifen.audit.models import AuditEvent
from jifen.people import services
from jifen.people.models import Person, Proxy, Role
from tests.conftest import PASSWORD
from tests.web.conftest import said_success


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


# --- The attack on the page ---------------------------------------------------------------------


def test_staff_setting_a_reviewers_password_get_a_403_page_and_nothing_changes(world, as_person):
    client = as_person(world.staff)
    response = client.post(
        f"/console/people/{world.reviewer.pk}/password/", {"new_password": "taken-over-77"}
    )
    assert response.status_code == 403
    assert "web/error.html" in [t.name for t in response.templates]
    assert fresh(world.reviewer).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="person.password_reset").exists()
    # And the reviewer's own password still logs them in; the staff's choice does not.
    assert (
        Client()
        .post("/login/", {"phone": world.reviewer.phone, "password": "taken-over-77"})
        .status_code
        == 200
    )


def test_staff_setting_the_password_of_a_resident_made_county_admin_get_a_403(world, as_person):
    services.grant_role(
        actor=world.county_admin, person=world.resident, role=Role.ADMIN, region=world.county
    )
    response = as_person(world.staff).post(
        f"/console/people/{world.resident.pk}/password/", {"new_password": "taken-over-77"}
    )
    assert response.status_code == 403
    assert fresh(world.resident).check_password(PASSWORD)


def test_the_person_page_offers_staff_no_password_form_for_a_role_holder(world, as_person):
    page = as_person(world.staff).get(f"/console/people/{world.reviewer.pk}/")
    assert page.status_code == 200
    assert page.context["password_form"] is None
    assert f"/console/people/{world.reviewer.pk}/password/" not in page.content.decode()
    own = as_person(world.staff).get(f"/console/people/{world.resident.pk}/")
    assert own.context["password_form"] is not None
    admin = as_person(world.town_admin).get(f"/console/people/{world.reviewer.pk}/")
    assert admin.context["password_form"] is not None


def test_staff_cannot_edit_a_reviewer_or_make_themselves_their_proxy(world, as_person):
    client = as_person(world.staff)
    assert client.get(f"/console/people/{world.reviewer.pk}/edit/").status_code == 403
    response = client.post(
        f"/console/people/{world.reviewer.pk}/edit/", {"name": "黄审核", "email": "s@example.com"}
    )
    assert response.status_code == 403
    assert fresh(world.reviewer).email == ""
    response = client.post(
        f"/console/people/{world.reviewer.pk}/proxies/",
        {"agent": world.staff.volunteer_no, "relation": "同事"},
    )
    assert response.status_code == 403
    assert not Proxy.objects.exists()


# --- The forced change --------------------------------------------------------------------------


def _log_in(person: Person, password: str) -> Client:
    client = Client()
    response = client.post("/login/", {"phone": person.phone, "password": password})
    assert response.status_code == 302
    return client


@pytest.fixture
def reset_reviewer(world) -> Person:
    services.set_password_by_staff(
        actor=world.town_admin, person=world.reviewer, new_password="reset-by-admin-3"
    )
    return fresh(world.reviewer)


def test_after_a_reset_every_page_leads_to_the_password_change(reset_reviewer):
    client = _log_in(reset_reviewer, "reset-by-admin-3")
    for path in ("/", "/console/", "/console/people/", "/claims/"):
        response = client.get(path)
        assert response.status_code == 302, path
        location = urlsplit(response["Location"])
        assert location.path == "/password/", path
        assert parse_qs(location.query)["next"] == [path]
    page = client.get("/password/")
    assert page.status_code == 200
    assert page.context["forced"]


def test_a_post_before_the_change_does_nothing_and_htmx_is_sent_to_the_change(
    world, reset_reviewer
):
    client = _log_in(reset_reviewer, "reset-by-admin-3")
    response = client.post(
        f"/console/people/{world.resident.pk}/edit/", {"name": "篡改"}, follow=False
    )
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/password/"
    assert fresh(world.resident).name == "王淑英"
    htmx = client.get("/console/people/", {"q": "王"}, headers={"HX-Request": "true"})
    assert urlsplit(htmx["HX-Redirect"]).path == "/password/"


def test_the_change_lifts_the_duty_and_goes_on_to_the_page_asked_for(reset_reviewer):
    client = _log_in(reset_reviewer, "reset-by-admin-3")
    same = client.post(
        "/password/?next=/console/",
        {
            "old_password": "reset-by-admin-3",
            "new_password": "reset-by-admin-3",
            "new_password_again": "reset-by-admin-3",
        },
    )
    assert same.status_code == 200 and same.context["form"].errors
    assert fresh(reset_reviewer).must_change_password
    response = client.post(
        "/password/?next=/console/",
        {
            "old_password": "reset-by-admin-3",
            "new_password": "mine-alone-88",
            "new_password_again": "mine-alone-88",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert said_success(response)
    assert not fresh(reset_reviewer).must_change_password
    assert client.get("/console/").status_code == 200


def test_logging_out_is_allowed_before_the_change(reset_reviewer):
    client = _log_in(reset_reviewer, "reset-by-admin-3")
    response = client.post("/logout/")
    assert response.status_code == 302 and urlsplit(response["Location"]).path == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_staff_registered_elder_changes_the_first_password_then_answers_consent(world):
    elder = services.register_by_staff(
        actor=world.staff,
        name="孙奶奶",
        phone="13612345675",
        community=world.wenchang,
        password="first-pass-77",
    )
    client = _log_in(elder, "first-pass-77")
    assert urlsplit(client.get("/")["Location"]).path == "/password/"
    assert client.get("/password/?next=/").status_code == 200  # not sent on to consent
    client.post(
        "/password/?next=/",
        {
            "old_password": "first-pass-77",
            "new_password": "my-own-pass-9",
            "new_password_again": "my-own-pass-9",
        },
    )
    assert urlsplit(client.get("/")["Location"]).path == "/consent/"
