"""No input answers 500 (CONTRACT, hardening rules): paging, ids, dates, text and body size
are bounded on every route, and the OpenAPI says so.

Each test here reproduces a 500 or a schema gap that a schemathesis run found; the
fuzzing itself runs in test_openapi_fuzz.py.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from jifen.activities.models import Activity
from jifen.api.main import api as ninja_api
from jifen.claims.models import Claim
from jifen.lib.bounds import MAX_ID, MAX_LIMIT, MAX_OFFSET
from jifen.points.models import RuleVersion
from jifen.points.services import save_rule_item
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

SCHEMA: dict[str, Any] = ninja_api.get_openapi_schema(path_prefix="/api/v1")
OPERATIONS = [
    (path, method, operation)
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
]
LISTS = [
    path
    for path, method, operation in OPERATIONS
    if method == "get"
    and any(p["name"] == "limit" for p in operation.get("parameters", []))
    and "{" not in path
]


def _params(operation: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p["in"] == where]


def test_every_list_bounds_limit_and_offset_in_its_schema():
    assert LISTS, "the API has lists"
    for path, _method, operation in OPERATIONS:
        for param in _params(operation, "query"):
            if param["name"] == "limit":
                assert param["schema"].get("maximum") == MAX_LIMIT, path
            if param["name"] == "offset":
                assert param["schema"].get("maximum") == MAX_OFFSET, path


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "query",
    [
        f"limit={MAX_LIMIT + 1}",
        "limit=9223372036854775808",
        "offset=10000001",
        "offset=18446744073709551616",
    ],
)
def test_a_list_refuses_paging_beyond_the_bounds(world, api, path, query):
    response = api(world.county_admin).get(f"{path.removeprefix('/api/v1')}?{query}")
    assert_error(response, 400, "invalid_input")


def test_every_id_in_a_path_or_query_is_bounded_in_its_schema():
    for path, method, operation in OPERATIONS:
        for param in operation.get("parameters", []):
            name, schema = param["name"], param["schema"]
            if schema.get("type") == "integer" and (name.endswith("_id") or name in {"person"}):
                assert (schema.get("minimum"), schema.get("maximum")) == (1, MAX_ID), (
                    method,
                    path,
                    name,
                )


@pytest.mark.parametrize(
    "method,path",
    [
        (method, path.removeprefix("/api/v1"))
        for path, method, _operation in OPERATIONS
        if "{" in path and "_id}" in path
    ],
)
@pytest.mark.parametrize("value", [0, MAX_ID + 1, 2**64, -1])
def test_an_id_beyond_64_bits_is_refused_on_every_route(world, api, method, path, value):
    filled = path
    while "{" in filled:
        start, end = filled.index("{"), filled.index("}")
        name = filled[start + 1 : end]
        filled = filled[:start] + (str(value) if name.endswith("_id") else "x") + filled[end + 1 :]
    client = api(world.county_admin)
    response = client.get(filled) if method == "get" else client._call(method, filled, {})
    assert response.status_code in (400, 404), (response.status_code, response.content)
    assert response.status_code != 500
    if response.status_code == 400:
        assert response.json()["error"]["code"] == "invalid_input"


def _activity(**changes: Any) -> dict[str, Any]:
    starts = timezone.now() + timedelta(days=3)
    body = {
        "title": "江滨花园楼道清扫",
        "community": "350524100001",
        "rule_item": 0,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 10,
    }
    return {**body, **changes}


@pytest.fixture
def rule(world) -> RuleVersion:
    return save_rule_item(
        actor=None,
        region=world.wenchang,
        code="CLEAN",
        name="楼道清扫",
        category="环境",
        unit="hour",
        points=5,
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"starts_at": "9999-12-31T09:00:00+08:00", "ends_at": "9999-12-31T11:00:00+08:00"},
        {"starts_at": "2101-01-01T09:00:00+08:00", "ends_at": "2101-01-01T11:00:00+08:00"},
        {"starts_at": "1999-12-31T09:00:00+08:00", "ends_at": "1999-12-31T11:00:00+08:00"},
    ],
)
def test_an_activity_dated_out_of_range_is_refused(world, api, rule, changes):
    body = _activity(rule_item=rule.item_id, **changes)
    assert_error(api(world.staff).post("/activities", body), 400, "invalid_input")
    assert not Activity.objects.exists()


def test_the_activity_service_refuses_a_date_out_of_range(world, rule):
    from jifen.activities import services
    from jifen.lib.errors import InvalidInput

    starts = timezone.now().replace(year=2101)
    with pytest.raises(InvalidInput) as refused:
        services.create_activity(
            actor=world.staff,
            region=world.wenchang,
            title="楼道清扫",
            rule_item_id=rule.item_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=5,
        )
    assert refused.value.code == "date_out_of_range"


@pytest.mark.parametrize("day", ["9999-01-01", "1999-12-31", "2101-01-01"])
def test_a_claim_dated_out_of_range_is_refused(world, api, rule, day):
    body = {"rule_item": rule.item_id, "quantity": 1, "occurred_on": day}
    assert_error(api(world.resident).post("/claims", body), 400, "invalid_input")
    assert not Claim.objects.exists()


@pytest.mark.parametrize("month", ["9999-01", "1999-12", "2101-01", "2024-13"])
def test_an_announcement_month_out_of_range_is_refused(world, api, month):
    body = {"community": "350524100001", "month": month}
    assert_error(api(world.staff).post("/announcements", body), 400, "invalid_input")


def test_totals_until_a_date_out_of_range_is_refused(world, api):
    response = api(world.staff).get("/communities/350524100001/totals?until=9999-12-31")
    assert_error(response, 400, "invalid_input")


@pytest.mark.parametrize(
    "title", ["楼道\r\n清扫", "楼道\n清扫", "楼道\u202e清扫", "楼道\ue000清扫"]
)
def test_an_activity_title_is_one_printable_line(world, api, rule, title):
    body = _activity(rule_item=rule.item_id, title=title)
    assert_error(api(world.staff).post("/activities", body), 400, "invalid_input")
    assert not Activity.objects.exists()


def test_a_description_keeps_its_line_breaks_and_nothing_else(world, api, rule):
    body = _activity(rule_item=rule.item_id, description="第一行\r\n第二行")
    made = api(world.staff).post("/activities", body)
    assert made.status_code == 201, made.content
    assert made.json()["description"] == "第一行\n第二行"
    bad = _activity(rule_item=rule.item_id, description="第一行\u202e第二行")
    assert_error(api(world.staff).post("/activities", bad), 400, "invalid_input")


def test_the_activity_service_refuses_a_title_of_two_lines(world, rule):
    from jifen.activities import services
    from jifen.lib.errors import InvalidInput

    starts = timezone.now() + timedelta(days=2)
    with pytest.raises(InvalidInput) as refused:
        services.create_activity(
            actor=world.staff,
            region=world.wenchang,
            title="楼道\r\n清扫",
            rule_item_id=rule.item_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=5,
        )
    assert refused.value.field == "title"


# --- Bodies over the size limit -----------------------------------------------------------


def _too_big() -> str:
    return json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})


@pytest.mark.parametrize(
    "who,path",
    [(None, "/people"), (None, "/auth/token"), ("staff", "/adjustments"), ("staff", "/claims")],
)
def test_a_body_over_the_limit_answers_413_in_the_error_shape(world, api, who, path):
    client = api(getattr(world, who) if who else None)
    response = client.post(path, raw=_too_big())
    assert_error(response, 413, "too_large")


def test_a_page_posted_over_the_limit_answers_a_413_page(world):
    response = Client().post(
        "/login/",
        data="phone=1&password=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
