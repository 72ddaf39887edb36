"""Passwords over the API: staff set them for people without roles only, and a person whose
password someone else set may do nothing but read /me, change it, or log out."""

from jifen.audit.models import AuditEvent
from jifen.people import services
from jifen.people.models import ApiToken, Person, Role
from tests.api.conftest import ApiClient, assert_error
from tests.conftest import PASSWORD


def fresh(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def test_staff_setting_a_reviewers_password_over_the_api_are_refused_403(world, api):
    response = api(world.staff).post(
        f"/people/{world.reviewer.pk}/password", {"new_password": "taken-over-77"}
    )
    assert_error(response, 403, "covering_admin_required")
    assert fresh(world.reviewer).check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="person.password_reset").exists()


def test_staff_setting_the_password_of_a_resident_made_county_admin_are_refused_403(world, api):
    services.grant_role(
        actor=world.county_admin, person=world.resident, role=Role.ADMIN, region=world.county
    )
    response = api(world.staff).post(
        f"/people/{world.resident.pk}/password", {"new_password": "taken-over-77"}
    )
    assert_error(response, 403, "covering_admin_required")
    assert fresh(world.resident).check_password(PASSWORD)


def test_staff_set_a_residents_password_and_the_residents_tokens_end(world, api):
    old = api(world.resident)
    response = api(world.staff).post(
        f"/people/{world.resident.pk}/password", {"new_password": "given-at-desk-5"}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"password_change_required": True}
    assert "given-at-desk-5" not in response.content.decode()
    assert fresh(world.resident).check_password("given-at-desk-5")
    assert_error(old.get("/me"), 401, "invalid_token")


def test_people_out_of_reach_are_not_found_and_a_weak_password_is_400(world, api):
    assert_error(
        api(world.other_staff).post(
            f"/people/{world.resident.pk}/password", {"new_password": "given-at-desk-5"}
        ),
        404,
        "not_found",
    )
    assert_error(
        api(world.staff).post(f"/people/{world.resident.pk}/password", {"new_password": "123"}),
        400,
        "weak_password",
    )
    assert fresh(world.resident).check_password(PASSWORD)


def _reset(world) -> ApiClient:
    services.set_password_by_staff(
        actor=world.town_admin, person=world.reviewer, new_password="reset-by-admin-3"
    )
    token = ApiClient().post(
        "/auth/token", {"phone": world.reviewer.phone, "password": "reset-by-admin-3"}
    )
    assert token.status_code == 201, token.content
    client = ApiClient()
    client.headers["Authorization"] = f"Bearer {token.json()['token']}"
    return client


def test_after_a_reset_only_me_the_change_and_logging_out_answer(world):
    client = _reset(world)
    me = client.get("/me")
    assert me.status_code == 200
    assert me.json()["password_change_required"] is True
    for method, path in (
        ("get", f"/people/{world.reviewer.pk}"),
        ("get", "/claims?status=pending"),
        ("post", "/me/consent"),
        ("post", "/claims/approve"),
    ):
        response = getattr(client, method)(path)
        error = assert_error(response, 403, "password_change_required")
        assert "/me/password" in error["message"]


def test_the_change_over_the_api_gives_a_new_token_and_lifts_the_duty(world):
    client = _reset(world)
    assert_error(
        client.post(
            "/me/password",
            {"old_password": "reset-by-admin-3", "new_password": "reset-by-admin-3"},
        ),
        400,
        "same_password",
    )
    assert_error(
        client.post("/me/password", {"old_password": "not-it-1", "new_password": "mine-alone-88"}),
        400,
        "wrong_password",
    )
    response = client.post(
        "/me/password", {"old_password": "reset-by-admin-3", "new_password": "mine-alone-88"}
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert_error(client.get("/me"), 401, "invalid_token")  # every old token ends
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/me").json()["password_change_required"] is False
    assert client.get(f"/people/{world.reviewer.pk}").status_code == 200
    assert ApiToken.objects.filter(person=world.reviewer, revoked_at__isnull=True).count() == 1


def test_logging_out_works_before_the_change(world):
    client = _reset(world)
    assert client.delete("/auth/token").status_code == 200
    assert_error(client.get("/me"), 401, "invalid_token")


def test_the_forced_change_is_in_english_too(world):
    client = _reset(world)
    english = ApiClient(language="en")
    english.headers = client.headers
    error = assert_error(
        english.get(f"/people/{world.reviewer.pk}"), 403, "password_change_required"
    )
    assert "password" in error["message"]
