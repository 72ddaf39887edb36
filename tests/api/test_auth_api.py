"""POST/DELETE /api/v1/auth/token and what a token lets through."""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from jifen.people import services
from jifen.people.models import ApiToken, LoginFailure
from tests.api.conftest import assert_error
from tests.conftest import PASSWORD


def test_a_token_is_issued_for_the_right_phone_and_password_and_opens_me(world, api):
    anonymous = api()
    response = anonymous.post("/auth/token", {"phone": world.resident.phone, "password": PASSWORD})
    assert response.status_code == 201, response.content
    token = response.json()["token"]
    assert ApiToken.objects.filter(person=world.resident, revoked_at__isnull=True).count() == 1
    me = anonymous.get("/me", Authorization=f"Bearer {token}")
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == world.resident.pk
    assert body["community"] == world.wenchang.code
    assert body["roles"] == []


def test_a_wrong_password_is_401_invalid_credentials_and_issues_nothing(world, api):
    response = api().post("/auth/token", {"phone": world.resident.phone, "password": "nope-nope"})
    assert_error(response, 401, "invalid_credentials")
    assert not ApiToken.objects.exists()
    assert LoginFailure.objects.count() == 1


@override_settings(LOGIN_THROTTLE_PER_PHONE=2)
def test_after_too_many_failures_the_answer_is_429_too_many_attempts(world, api):
    client = api()
    for _ in range(2):
        client.post("/auth/token", {"phone": world.resident.phone, "password": "nope-nope"})
    response = client.post("/auth/token", {"phone": world.resident.phone, "password": PASSWORD})
    assert_error(response, 429, "too_many_attempts")
    assert not ApiToken.objects.exists()


def test_an_expired_token_is_401_token_expired(world, api):
    client = api(world.resident)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert_error(client.get("/me"), 401, "token_expired")
    # Also on an endpoint that works without a token: a bad token is never ignored.
    response = client.post(
        "/people", {"name": "赵", "phone": "13612345670", "community": world.wenchang.code}
    )
    assert_error(response, 401, "token_expired")


def test_a_revoked_token_is_401(world, api):
    client = api(world.resident)
    assert client.delete("/auth/token").status_code == 200
    assert ApiToken.objects.get().revoked_at is not None
    assert_error(client.get("/me"), 401, "invalid_token")
    assert_error(client.delete("/auth/token"), 401, "invalid_token")


def test_changing_the_password_shuts_out_the_phone_app(world, api):
    client = api(world.resident)
    assert client.get("/me").status_code == 200
    services.change_password(
        person=world.resident, old_password=PASSWORD, new_password="fresh-secret-31"
    )
    assert_error(client.get("/me"), 401, "invalid_token")


def test_no_token_or_another_scheme_is_401(world, api):
    anonymous = api()
    assert_error(anonymous.get("/me"), 401, "not_authenticated")
    assert_error(anonymous.delete("/auth/token"), 401, "not_authenticated")
    assert_error(anonymous.get("/me", Authorization="Basic dXNlcjpwYXNz"), 401, "not_authenticated")
    assert_error(anonymous.get("/me", Authorization="Bearer jf_guess"), 401, "invalid_token")
