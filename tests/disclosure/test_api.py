"""/api/v1 of 村务公开: the CONTRACT's shapes, bounds and refusals, never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jifen.disclosure.models import Disclosure
from jifen.people.auth import issue_token
from tests.api.conftest import assert_error
from tests.disclosure.conftest import LEASE_TABLE, PDF, sections

pytestmark = pytest.mark.django_db


def _publish(api, world, **body):
    return api(world.staff).post(
        "/disclosures",
        {
            "region": world.wenchang.code,
            "category": "leases",
            "title": "租赁公告",
            "body": "招租",
            **body,
        },
    )


def test_staff_publish_and_anyone_reads_the_list_newest_first(api, world, media):
    first = _publish(api, world, table=LEASE_TABLE)
    assert first.status_code == 201, first.content
    item = first.json_body
    assert item["category"] == "leases" and item["title"] == "租赁公告" and item["body"] == "招租"
    assert item["region"] == world.wenchang.code and item["current"] and item["version"] == 1
    assert item["table"]["rows_yuan"][0][2] == "36,000.00"
    second = _publish(api, world, title="第二条")
    listed = api().get(f"/public/disclosures?region={world.wenchang.code}")
    assert listed.status_code == 200
    ids = [row["id"] for row in listed.json_body["items"]]
    assert ids == [second.json_body["id"], item["id"]]
    assert all("views" in row for row in listed.json_body["items"])
    assert listed.json_body["count"] == 2
    only = api().get(f"/public/disclosures?region={world.county.code}&category=finance")
    assert only.json_body["count"] == 0


@pytest.mark.parametrize("who", ["resident", "reviewer", "inspector", "other_staff"])
def test_others_get_403_and_nothing_is_written(api, world, village, who):
    actor = village.inspector if who == "inspector" else getattr(world, who)
    response = api(actor).post(
        "/disclosures",
        {"region": world.wenchang.code, "category": "finance", "title": "x", "body": ""},
    )
    assert_error(response, 403, "forbidden")
    assert not Disclosure.objects.exists()


def test_anonymous_publish_is_401(api, world):
    response = api().post(
        "/disclosures", {"region": world.wenchang.code, "category": "x", "title": "x"}
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"category": "gossip"},
        {"title": ""},
        {"title": "a\nb"},
        {"title": 5},
        {"region": "nowhere"},
        {"table": {"columns": ["a"], "rows": [["x", "y"]]}},
        {"table": {"columns": [{"name": "a", "money": True}], "rows": [["12.5"]]}},
        {"follows": 2**63},
        {"follows": 0},
        {"decided_on": "1999-12-31"},
        {"period": "soon"},
    ],
)
def test_bad_bodies_are_4xx_and_write_nothing(api, world, body):
    response = _publish(api, world, **body)
    assert 400 <= response.status_code < 500, response.content
    assert "error" in response.json_body
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("raw", ["[]", "5", '"x"', "{", "null"])
def test_garbage_json_is_400(api, world, raw):
    response = api(world.staff).post("/disclosures", raw=raw)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "limit=201",
        "limit=0",
        "offset=-1",
        "offset=10000001",
        "category=gossip",
        "region=" + "x" * 40,
    ],
)
def test_list_bounds_are_400(api, query):
    response = api().get(f"/public/disclosures?{query}")
    assert response.status_code == 400, response.content


def test_unknown_region_is_404(api):
    assert api().get("/public/disclosures?region=nowhere").status_code == 404


@pytest.mark.parametrize("pk", ["0", "9223372036854775808", "abc", "-1"])
def test_bad_ids_are_4xx(api, pk):
    assert api().get(f"/public/disclosures/{pk}").status_code in (400, 404, 422)


def test_detail_shows_the_thread_and_the_versions(api, world, media):
    notice = _publish(api, world).json_body
    contract = _publish(
        api, world, title="合同", category="contracts", follows=notice["id"]
    ).json_body
    fixed = api(world.staff).post(
        f"/disclosures/{notice['id']}/correct", {"note": "更正面积", "body": "120亩"}
    )
    assert fixed.status_code == 201, fixed.content
    new = fixed.json_body
    assert new["version"] == 2 and new["correction_note"] == "更正面积"
    old = api().get(f"/public/disclosures/{notice['id']}").json_body
    assert old["current"] is False and old["current_id"] == new["id"]
    assert [v["version"] for v in old["versions"]] == [1, 2]
    detail = api().get(f"/public/disclosures/{contract['id']}").json_body
    assert [t["id"] for t in detail["thread"]] == [new["id"], contract["id"]]
    again = api(world.staff).post(f"/disclosures/{notice['id']}/correct", {"note": "x"})
    assert_error(again, 409, "superseded")


def test_an_inspector_may_not_correct(api, world, village, media):
    notice = _publish(api, world).json_body
    response = api(village.inspector).post(f"/disclosures/{notice['id']}/correct", {"note": "x"})
    assert_error(response, 403, "forbidden")
    assert Disclosure.objects.count() == 1


def test_publish_takes_a_form_with_attachments(world, media):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_token(person=world.staff)}")
    response = client.post(
        "/api/v1/disclosures",
        {
            "region": world.wenchang.code,
            "category": "contracts",
            "title": "合同",
            "table": '{"columns": ["甲方"], "rows": [["村委会"]]}',
            "attachments": [SimpleUploadedFile("合同.pdf", PDF)],
        },
    )
    assert response.status_code == 201, response.content
    attached = response.json()["attachments"]
    assert attached[0]["content_type"] == "application/pdf" and attached[0]["name"] == "合同.pdf"
    file = Client().get(attached[0]["url"])
    assert file.status_code == 200 and file["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in file["Content-Security-Policy"]
    assert file["Content-Disposition"].startswith("attachment")
    bad = client.post(
        "/api/v1/disclosures",
        {
            "region": world.wenchang.code,
            "category": "contracts",
            "title": "x",
            "attachments": [SimpleUploadedFile("x.pdf", b"<script>alert(1)</script>")],
        },
    )
    assert_error(bad, 400, "invalid_attachment")
    assert Disclosure.objects.count() == 1


def _report(world, **override):
    body = {"region": world.wenchang.code, "month": "2026-10", "matters": "修缮村道"}
    body.update(sections())
    body.update(override)
    return body


def test_the_monthly_report_over_the_api(api, world):
    response = api(world.staff).post("/disclosures/reports", _report(world))
    assert response.status_code == 201, response.content
    report = response.json_body["report"]
    assert [s["key"] for s in report["sections"]][:2] == ["income", "expenses"]
    assert report["sections"][0]["total_yuan"] == "12,000.50"
    assert response.json_body["period"] == "2026-10" and response.json_body["category"] == "finance"
    again = api(world.staff).post("/disclosures/reports", _report(world))
    assert_error(again, 409, "already_published")


@pytest.mark.parametrize(
    "override",
    [
        {"income": {"lines": [{"label": "x", "amount": 100}], "total": 99}},
        {"income": {"lines": [{"label": "x", "amount": 1.5}], "total": 1.5}},
        {"income": {"lines": [{"label": "x", "amount": 10**15}], "total": 10**15}},
        {"month": "2026-13"},
        {"month": "1999-12"},
    ],
)
def test_bad_reports_are_400_and_write_nothing(api, world, override):
    response = api(world.staff).post("/disclosures/reports", _report(world, **override))
    assert response.status_code == 400, response.content
    assert not Disclosure.objects.exists()


def test_total_mismatch_names_its_code(api, world):
    body = _report(world, expenses={"lines": [{"label": "x", "amount": 100}], "total": 99})
    error = assert_error(api(world.staff).post("/disclosures/reports", body), 400, "total_mismatch")
    assert error["message"]


def test_calendar_and_missing_over_the_api(api, world, village):
    saved = api(world.staff).post(
        "/disclosures/schedules",
        {
            "region": world.wenchang.code,
            "category": "finance",
            "frequency": "monthly",
            "due_day": 10,
            "starts_on": "2026-01-01",
        },
    )
    assert saved.status_code == 201, saved.content
    listed = api(village.inspector).get("/disclosures/schedules").json_body
    assert [s["category"] for s in listed] == ["finance"]
    missing = api(village.inspector).get("/disclosures/missing?as_of=2026-03-11")
    assert [(m["period"], m["due_on"]) for m in missing.json_body] == [
        ("2026-01", "2026-02-10"),
        ("2026-02", "2026-03-10"),
    ]
    assert api(world.resident).get("/disclosures/missing").status_code == 403
    refused = api(village.inspector).post(
        "/disclosures/schedules",
        {"region": world.wenchang.code, "category": "assets", "frequency": "yearly"},
    )
    assert_error(refused, 403, "forbidden")
    assert (
        api(village.inspector).delete(f"/disclosures/schedules/{saved.json_body['id']}").status_code
        == 403
    )
    assert (
        api(world.staff).delete(f"/disclosures/schedules/{saved.json_body['id']}").status_code
        == 204
    )
    assert api(world.staff).get("/disclosures/missing?as_of=2101-01-01").status_code == 400


def test_staff_list_shows_superseded_on_request(api, world):
    item = _publish(api, world).json_body
    api(world.staff).post(f"/disclosures/{item['id']}/correct", {"note": "x"})
    current = api(world.staff).get("/disclosures").json_body
    everything = api(world.staff).get("/disclosures?superseded=true").json_body
    assert current["count"] == 1 and everything["count"] == 2
    assert api(world.resident).get("/disclosures").status_code == 403
