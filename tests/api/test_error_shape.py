"""Every non-2xx answer of /api/v1 is {"error": {"code", "message"}} in JSON, never a 500."""

import json

import pytest

from jifen.people.models import Person
from tests.api.conftest import assert_error


def _registration(**kw):
    return {
        "name": "赵小梅",
        "phone": "13612345678",
        "password": "spring-rain-7",
        "community": "350524100001",
        **kw,
    }


def test_a_5000_character_name_is_400_and_nothing_is_written(world, api):
    assert_error(api().post("/people", _registration(name="名" * 5000)), 400, "invalid_name")
    assert_error(api().post("/people", _registration(name="名" * 5001)), 400, "invalid_input")
    assert not Person.objects.filter(phone="13612345678").exists()


@pytest.mark.parametrize("raw", ["{not json", "", "[]", '"text"', "null", '{"name": 1'])
def test_a_body_that_is_not_a_json_object_is_400(world, api, raw):
    response = api().post("/people", raw=raw)
    assert_error(response, 400, "invalid_input")
    assert not Person.objects.filter(phone="13612345678").exists()


def test_fields_of_the_wrong_type_are_400_with_the_field_named(world, api):
    response = api().post("/people", _registration(referrer="someone"))
    error = assert_error(response, 400, "invalid_input")
    assert {"field": "referrer"}.items() <= error["fields"][0].items()


def test_a_person_id_too_large_for_the_database_or_a_word_is_bad_input(world, api):
    # CONTRACT (hardening rules): ids outside 1..2^63-1 are refused with 400 on every route.
    assert_error(api(world.staff).get(f"/people/{10**20}"), 400, "invalid_input")
    assert_error(api(world.staff).get("/people/0"), 400, "invalid_input")
    assert_error(api(world.staff).get("/people/abc"), 400, "invalid_input")


def test_an_unknown_path_is_404_in_json(world, api):
    assert_error(api().get("/no/such/path"), 404, "not_found")


def test_a_method_the_path_does_not_take_is_405_in_json(world, api):
    response = api(world.resident)._call("put", "/me", {})
    error = assert_error(response, 405, "method_not_allowed")
    assert error["message"]
    assert "GET" in response["Allow"]
    response = api()._call("patch", "/auth/token", {})
    assert_error(response, 405, "method_not_allowed")


def test_error_bodies_are_valid_utf8_json_with_only_the_error_key(world, api):
    responses = [
        api().get("/me"),
        api().post("/people", raw="{"),
        api().post("/people", _registration(community="nope")),
        api(world.other_staff).post("/people", _registration(password=None)),
        api(world.staff).get(f"/people/{world.stranger.pk}"),
        api().post("/people", _registration(phone=world.resident.phone)),
        api().post("/auth/token", {"phone": world.resident.phone, "password": "wrong-one"}),
    ]
    statuses = [r.status_code for r in responses]
    assert statuses == [401, 400, 404, 403, 404, 409, 401]
    for response in responses:
        body = json.loads(response.content.decode("utf-8"))
        assert list(body) == ["error"]
        assert set(body["error"]) >= {"code", "message"}
        assert body["error"]["code"].replace("_", "").isalpha()
        assert body["error"]["code"] == body["error"]["code"].lower()
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused_in_the_readers_language(client):
    answer = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "请求内容不是有效的 JSON。"
    english = client.post(
        "/api/v1/auth/token",
        data="{not json",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.json()["error"]["message"] == "The request body is not valid JSON."
