"""GET /api/v1/me/todo: the contract's shape, for whoever is logged in, nobody else."""

import pytest
from django.utils.dateparse import parse_datetime

from jifen.claims.models import Status as ClaimStatus
from tests.api.conftest import assert_error
from tests.inbox.conftest import ago

pytestmark = pytest.mark.django_db


def test_it_needs_a_login(api):
    assert_error(api().get("/me/todo"), 401, "not_authenticated")


def test_an_empty_to_do_is_an_empty_list(world, make, api):
    response = api(world.resident).get("/me/todo")
    assert response.status_code == 200
    assert response.json_body == {"items": []}


def test_a_reviewer_gets_each_line_with_its_count_age_and_link(world, make, api):
    make.claim(created=ago(days=3))
    make.claim(created=ago(days=1))
    make.order(world.reviewer, created=ago(hours=2))
    response = api(world.reviewer).get("/me/todo")
    assert response.status_code == 200
    items = response.json_body["items"]
    assert [(i["kind"], i["count"], i["url"]) for i in items] == [
        ("claims_to_review", 2, "/console/claims/?stage=first"),
        ("orders_ready", 1, "/shop/orders/?status=reserved"),
    ]
    assert set(items[0]) >= {"kind", "count", "oldest_at", "url"}
    waited = ago() - parse_datetime(items[0]["oldest_at"])
    assert waited.days == 3
    assert parse_datetime(items[0]["oldest_at"]).utcoffset() is not None


def test_labels_follow_the_callers_language(world, make, api):
    make.claim(status=ClaimStatus.APPROVED, decided=ago(days=1))
    english = api(world.resident, language="en").get("/me/todo").json_body["items"][0]
    assert english["label"] == "Claims decided"


def test_a_reviewer_next_door_gets_nothing(world, make, api, jinyue_reviewer):
    make.claim()
    assert api(jinyue_reviewer).get("/me/todo").json_body == {"items": []}


def test_the_openapi_document_names_the_route(api):
    schema = api().get("/openapi.json").json_body
    assert "/api/v1/me/todo" in schema["paths"]


def test_the_claims_api_lists_what_each_line_counts(world, make, api):
    make.claim()
    cross = make.claim(needed=2)
    make.approve(cross, world.county_admin)
    appealed = make.claim(status=ClaimStatus.REJECTED, decided=ago(days=1))
    make.appeal(appealed)
    client = api(world.reviewer)
    todo = {i["kind"]: i["count"] for i in client.get("/me/todo").json_body["items"]}
    for kind, stage in (
        ("claims_to_review", "first"),
        ("cross_checks", "cross"),
        ("appeals", "appeals"),
    ):
        body = client.get(f"/claims?stage={stage}").json_body
        assert body["count"] == todo[kind] == 1
    assert client.get("/claims?stage=appeals").json_body["items"][0]["id"] == appealed.pk
    assert_error(client.get("/claims?stage=all"), 400, "invalid_input")
