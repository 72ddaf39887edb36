"""Logging in and out in the browser."""

from django.test import Client, override_settings

from jifen.people.models import LoginFailure
from tests.conftest import PASSWORD
from tests.web.conftest import logged_in_as


def test_the_login_page_shows_its_form(db):
    response = Client().get("/login/")
    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"phone", "password"}


def test_the_right_phone_and_password_log_in_and_go_home(world):
    client = Client()
    response = client.post("/login/", {"phone": world.resident.phone, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(client) == world.resident.pk
    home = client.get("/")
    assert home.status_code == 200
    assert home.context["person"] == world.resident


def test_a_wrong_password_shows_a_form_error_and_logs_nobody_in(world):
    client = Client()
    response = client.post("/login/", {"phone": world.resident.phone, "password": "not-it-at-all"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert 'role="alert"' in response.content.decode()
    assert logged_in_as(client) is None
    assert LoginFailure.objects.count() == 1


@override_settings(LOGIN_THROTTLE_PER_PHONE=2)
def test_after_too_many_failures_even_the_right_password_is_held_back(world):
    client = Client()
    for _ in range(2):
        client.post("/login/", {"phone": world.resident.phone, "password": "not-it-at-all"})
    response = client.post("/login/", {"phone": world.resident.phone, "password": PASSWORD})
    assert response.status_code == 200
    errors = list(response.context["form"].non_field_errors())
    assert len(errors) == 1
    assert logged_in_as(client) is None
    # The message differs from a plain wrong password: it says to wait.
    wrong = Client().post("/login/", {"phone": world.neighbour.phone, "password": "nope-nope-1"})
    assert list(wrong.context["form"].non_field_errors()) != errors


def test_login_follows_a_local_next_but_never_an_outside_one(world):
    client = Client()
    response = client.post(
        "/login/?next=/console/",
        {"phone": world.staff.phone, "password": PASSWORD, "next": "/console/"},
    )
    assert response["Location"] == "/console/"
    client = Client()
    response = client.post(
        "/login/",
        {"phone": world.staff.phone, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"
    assert logged_in_as(client) == world.staff.pk


def test_a_logged_in_person_visiting_the_login_page_goes_home(world, as_person):
    response = as_person(world.resident).get("/login/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_logout_is_post_only(world, as_person):
    client = as_person(world.resident)
    response = client.get("/logout/")
    assert response.status_code == 405
    assert logged_in_as(client) == world.resident.pk
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert logged_in_as(client) is None


def test_a_page_for_logged_in_people_sends_visitors_to_login(db):
    response = Client().get("/password/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/password/")


def test_page_forms_need_the_csrf_token_but_the_token_api_does_not(world):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/login/", {"phone": world.resident.phone, "password": PASSWORD})
    assert response.status_code == 403
    assert logged_in_as(browser) is None
    page = browser.get("/login/")
    token = page.cookies["csrftoken"].value
    response = browser.post(
        "/login/",
        {"phone": world.resident.phone, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert logged_in_as(browser) == world.resident.pk
    api = Client(enforce_csrf_checks=True).post(
        "/api/v1/auth/token",
        {"phone": world.resident.phone, "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 201
