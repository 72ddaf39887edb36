"""The incident loop over /api/v1 (CONTRACT "Wave 2: grid incidents"): what each step
answers, what it stores, and every bad input a 400 with its field, never a 500."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from jifen.incidents import services
from jifen.incidents.models import Event, Incident, Photo, Status
from jifen.lib.bounds import MAX_ID
from tests.api.conftest import assert_error


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 30)).save(out, "JPEG")
    return out.getvalue()


def multipart(client, path, data, **headers):
    response = client.client.post(
        f"/api/v1{path}", data=data, headers={**client.headers, **headers}
    )
    response.json_body = response.json() if response.content else None
    return response


BODY = {
    "region": "350524100001G1",
    "category": "HJWS",
    "description": "垃圾桶满溢，三天没人清运",
    "address": "文昌路 8 号门口",
    "lat": 24.9876,
    "lng": 118.1234,
}


def test_a_report_answers_201_reported_with_its_tier(world, grids, api):
    response = api(grids.worker).post("/incidents", BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "reported" and body["tier"] == "grid"
    assert body["region"] == "350524100001G1" and body["category"] == "HJWS"
    assert body["lat"] == 24.9876 and body["lng"] == 118.1234
    assert body["due_at"] is None and body["overdue"] is False
    assert [e["step"] for e in body["history"]] == ["report"]
    stored = Incident.objects.get(pk=body["id"])
    assert stored.reporter == grids.worker and stored.source == "grid"
    assert str(stored.lat) == "24.987600"


def test_an_offline_report_resent_is_the_same_incident_with_200(world, grids, api):
    client = api(world.resident)
    body = {**BODY, "client_key": "phone-0001"}
    first = client.post("/incidents", body)
    again = client.post("/incidents", body)
    assert first.status_code == 201 and again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Incident.objects.count() == 1 and Event.objects.count() == 1
    # Another person's phone may use the same key: a report of its own.
    other = api(world.staff).post("/incidents", body)
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def test_an_idempotency_key_replays_the_first_answer(world, grids, api):
    client = api(world.resident)
    first = client.post("/incidents", BODY, **{"Idempotency-Key": "k-1"})
    again = client.post("/incidents", BODY, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and Incident.objects.count() == 1
    changed = client.post(
        "/incidents", {**BODY, "description": "另一件事"}, **{"Idempotency-Key": "k-1"}
    )
    assert_error(changed, 409, "idempotency_conflict")


def test_a_report_with_photos_as_a_form(world, grids, api, media):
    data = {
        "region": "350524100001G1",
        "category": "AQYH",
        "description": "电线裸露",
        "lat": "24.9876",
        "lng": "118.1234",
        "photos": [SimpleUploadedFile("a.jpg", jpeg(), content_type="image/jpeg")],
    }
    response = multipart(api(grids.worker), "/incidents", data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tier"] == "community" and len(body["photos"]) == 1
    assert body["history"][0]["photos"][0]["id"] == body["photos"][0]["id"]
    staff = api(world.staff)
    picture = staff.client.get(body["photos"][0]["url"], headers=staff.headers)
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert b"".join(picture.streaming_content)[:2] == b"\xff\xd8"
    # Nobody else reads it.
    stranger = api(world.stranger)
    assert (
        stranger.client.get(body["photos"][0]["url"], headers=stranger.headers).status_code == 404
    )


def test_a_grid_workers_urgent_report_without_a_photo_is_refused(world, grids, api):
    response = api(grids.worker).post("/incidents", {**BODY, "category": "AQYH"})
    error = assert_error(response, 400, "photo_required")
    assert error["field"] == "photos" and Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "NOPE"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "x" * 1001}, "description"),
        ({"lat": 91}, "lat"),
        ({"lat": "abc"}, "lat"),
        ({"lng": 1e400}, "lng"),
        ({"lat": 24.0, "lng": None}, "lat"),
        ({"region": "350524100"}, "region"),
        ({"client_key": "k" * 65}, "client_key"),
        ({"description": "a\x00b"}, "description"),
    ],
)
def test_bad_reports_are_400_with_the_field(world, grids, api, change, field):
    response = api(world.resident).post("/incidents", {**BODY, **change})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error.get("field") == field or field in {f["field"] for f in error.get("fields", [])}
    assert Incident.objects.count() == 0


def test_a_body_that_is_not_an_object_is_400(world, grids, api):
    client = api(world.resident)
    for raw in ("[1, 2]", '"x"', "{", "null"):
        assert_error(client.post("/incidents", raw=raw), 400, "invalid_input")
    assert_error(client.post("/incidents", {**BODY, "region": "NOWHERE"}), 404, "unknown_region")
    assert api().post("/incidents", BODY).status_code == 401


def test_the_whole_loop_over_http(world, grids, api, media):
    worker, staff, contact = api(grids.worker), api(world.staff), api(grids.contact)
    pk = worker.post("/incidents", BODY).json()["id"]
    accepted = worker.post(f"/incidents/{pk}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted" and accepted.json()["due_at"]
    assigned = staff.post(f"/incidents/{pk}/assign", {"organization": grids.property_co.pk})
    assert assigned.status_code == 200 and assigned.json()["organization"] == grids.property_co.pk
    # The property company's contact sees it, and resolves it with a photo of the fix.
    assert contact.get(f"/incidents/{pk}").status_code == 200
    resolved = multipart(
        contact,
        f"/incidents/{pk}/resolve",
        {"note": "已清运", "photos": [SimpleUploadedFile("b.jpg", jpeg(), "image/jpeg")]},
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"
    [fix] = Photo.objects.filter(incident_id=pk)
    assert fix.event.step == "resolve" and fix.uploaded_by == grids.contact
    not_fixed = worker.post(f"/incidents/{pk}/verify", {"ok": False, "note": "还有一袋"})
    assert not_fixed.json()["status"] == "assigned"
    contact.post(f"/incidents/{pk}/resolve", {"note": "全部运走"})
    closed = worker.post(f"/incidents/{pk}/verify", {"ok": True})
    assert closed.json()["status"] == "closed" and closed.json()["close_reason"] == "fixed"
    rated = worker.post(f"/incidents/{pk}/rate", {"rating": 5})
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    assert_error(worker.post(f"/incidents/{pk}/rate", {"rating": 4}), 409, "already_rated")
    detail = worker.get(f"/incidents/{pk}").json()
    assert [e["step"] for e in detail["history"]] == [
        "report",
        "accept",
        "assign",
        "resolve",
        "verify_not",
        "resolve",
        "verify_ok",
        "rate",
    ]
    assert detail["history"][4]["note"] == "还有一袋" and detail["history"][1]["actor"] == "郑网格"


def test_wrong_steps_are_409_invalid_transition_and_change_nothing(world, grids, api):
    worker = api(grids.worker)
    pk = worker.post("/incidents", BODY).json()["id"]
    for path, body in (
        ("resolve", {"note": "x"}),
        ("verify", {"ok": True}),
        ("reopen", {"note": "x"}),
        ("rate", {"rating": 5}),
    ):
        response = worker.post(f"/incidents/{pk}/{path}", body)
        assert response.status_code in (403, 409), (path, response.content)
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "invalid_transition"
    worker.post(f"/incidents/{pk}/accept")
    assert_error(worker.post(f"/incidents/{pk}/accept"), 409, "invalid_transition")
    assert Incident.objects.get(pk=pk).status == Status.ACCEPTED
    assert Event.objects.filter(incident_id=pk).count() == 2


def test_escalation_to_the_top_then_409_top_tier(world, grids, api):
    pk = api(grids.worker).post("/incidents", BODY).json()["id"]
    up = api(grids.worker).post(f"/incidents/{pk}/escalate", {"note": "需要社区协调"})
    assert up.status_code == 200 and up.json()["tier"] == "community"
    up = api(world.staff).post(f"/incidents/{pk}/escalate", {"note": "需要镇里协调"})
    assert up.json()["tier"] == "town" and up.json()["handling_region"] == world.town.code
    assert_error(
        api(world.town_admin).post(f"/incidents/{pk}/escalate", {"note": "x"}), 409, "top_tier"
    )


def test_close_without_a_fix_needs_a_reason_and_reopen_expires(world, grids, api):
    worker, staff = api(grids.worker), api(world.staff)
    first = worker.post("/incidents", BODY).json()["id"]
    second = worker.post("/incidents", {**BODY, "description": "同一个垃圾桶"}).json()["id"]
    assert_error(
        staff.post(f"/incidents/{second}/close", {"reason": "fixed"}), 400, "invalid_input"
    )
    assert_error(staff.post(f"/incidents/{second}/close", {}), 400, "invalid_input")
    assert_error(
        staff.post(f"/incidents/{second}/close", {"reason": "duplicate", "duplicate_of": MAX_ID}),
        404,
        "not_found",
    )
    assert_error(
        worker.post(f"/incidents/{second}/close", {"reason": "no_action"}), 403, "forbidden"
    )
    closed = staff.post(
        f"/incidents/{second}/close", {"reason": "duplicate", "duplicate_of": first, "note": "重复"}
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["close_reason"] == "duplicate" and closed.json()["duplicate_of"] == first
    Incident.objects.filter(pk=second).update(closed_at=timezone.now() - timedelta(days=31))
    assert_error(
        worker.post(f"/incidents/{second}/reopen", {"note": "又出现了"}), 409, "reopen_too_late"
    )


def test_the_list_filters_pages_and_marks_overdue(world, grids, api):
    worker = api(grids.worker)
    ids = [
        worker.post("/incidents", {**BODY, "description": f"第{i}件"}).json()["id"]
        for i in range(3)
    ]
    api(world.resident).post("/incidents", {**BODY, "region": world.wenchang.code})
    worker.post(f"/incidents/{ids[0]}/accept")
    Incident.objects.filter(pk=ids[0]).update(due_at=timezone.now() - timedelta(hours=1))
    staff = api(world.staff)
    every = staff.get("/incidents").json()
    assert every["count"] == 4
    assert [i["id"] for i in every["items"][1:]] == list(reversed(ids))  # newest first
    overdue = staff.get("/incidents?overdue=true").json()
    assert [i["id"] for i in overdue["items"]] == [ids[0]] and overdue["items"][0]["overdue"]
    assert staff.get("/incidents?status=reported").json()["count"] == 3
    assert staff.get("/incidents?status=open").json()["count"] == 4
    assert staff.get(f"/incidents?region={grids.east.code}").json()["count"] == 3
    assert staff.get("/incidents?tier=grid&category=HJWS").json()["count"] == 3
    page = staff.get("/incidents?limit=2&offset=1").json()
    assert page["count"] == 4 and len(page["items"]) == 2
    # The grid worker of the other grid sees none of them; the resident only their own.
    assert api(grids.other_worker).get("/incidents").json()["count"] == 0
    mine = api(world.resident).get("/incidents").json()
    assert mine["count"] == 1 and mine["items"][0]["region"] == world.wenchang.code
    assert worker.get("/incidents?mine=true").json()["count"] == 3
    for bad in ("status=nope", "tier=county", "limit=201", "offset=-1", "overdue=maybe"):
        assert_error(staff.get(f"/incidents?{bad}"), 400, "invalid_input")
    assert_error(staff.get("/incidents?region=NOWHERE"), 404, "unknown_region")


def test_what_the_caller_may_not_see_is_404(world, grids, api):
    pk = api(grids.worker).post("/incidents", BODY).json()["id"]
    for outsider in (world.stranger, world.other_staff, grids.other_worker, world.neighbour):
        assert_error(api(outsider).get(f"/incidents/{pk}"), 404, "not_found")
        assert_error(api(outsider).post(f"/incidents/{pk}/accept"), 404, "not_found")
    for bad in ("0", str(MAX_ID + 1), "abc", "-1"):
        response = api(world.staff).get(f"/incidents/{bad}")
        assert response.status_code in (400, 404), response.content
    assert_error(api(world.staff).get(f"/incidents/{MAX_ID}"), 404, "not_found")
    assert_error(api(world.staff).get(f"/incidents/{MAX_ID + 1}"), 400, "invalid_input")


def test_assign_to_an_unknown_person_or_to_both_is_refused(world, grids, api):
    pk = api(grids.worker).post("/incidents", BODY).json()["id"]
    staff = api(world.staff)
    staff.post(f"/incidents/{pk}/accept")
    assert_error(staff.post(f"/incidents/{pk}/assign", {"person": MAX_ID}), 404, "not_found")
    assert_error(staff.post(f"/incidents/{pk}/assign", {}), 400, "invalid_input")
    both = {"person": grids.worker.pk, "organization": grids.property_co.pk}
    assert_error(staff.post(f"/incidents/{pk}/assign", both), 400, "invalid_input")
    assert_error(staff.post(f"/incidents/{pk}/assign", {"person": "x"}), 400, "invalid_input")
    # A resident who may see their own report still may not assign it.
    own = api(world.resident).post("/incidents", BODY).json()["id"]
    assert_error(
        api(world.resident).post(f"/incidents/{own}/assign", {"person": world.resident.pk}),
        403,
        "forbidden",
    )


def test_verify_and_rate_take_only_their_types(world, grids, api):
    pk = api(grids.worker).post("/incidents", BODY).json()["id"]
    services.accept(actor=grids.worker, incident=pk)
    services.assign(actor=grids.worker, incident=pk, person=grids.worker)
    services.resolve(actor=grids.worker, incident=pk, note="好了")
    worker = api(grids.worker)
    for ok in ("true", 1, None):
        assert_error(worker.post(f"/incidents/{pk}/verify", {"ok": ok}), 400, "invalid_input")
    # Four eyes: whoever resolved it does not check it.
    assert_error(worker.post(f"/incidents/{pk}/verify", {"ok": True}), 403, "self_verify")
    assert api(world.staff).post(f"/incidents/{pk}/verify", {"ok": True}).status_code == 200
    for rating in (0, 6, "5", 4.5, True):
        response = worker.post(f"/incidents/{pk}/rate", {"rating": rating})
        assert response.status_code == 400, (rating, response.content)
    assert Incident.objects.get(pk=pk).rating is None


def test_categories_in_force_and_duplicates_before_sending(world, grids, api):
    services.save_category(
        actor=None, region=world.wenchang, code="HJWS", name="文昌环境卫生", deadline_days=2
    )
    client = api(world.resident)
    mine = client.get("/incidents/categories").json()
    assert {c["code"]: c["name"] for c in mine} == {"HJWS": "文昌环境卫生", "AQYH": "安全隐患"}
    there = client.get(f"/incidents/categories?region={world.jinyue.code}").json()
    assert {c["code"]: c["name"] for c in there}["HJWS"] == "环境卫生"
    assert [c for c in there if c["code"] == "AQYH"][0]["photo_required"] is True
    assert_error(
        client.get(f"/incidents/categories?region={world.town.code}"), 400, "invalid_input"
    )
    pk = api(grids.worker).post("/incidents", BODY).json()["id"]
    near = client.get(
        f"/incidents/duplicates?region={grids.east.code}&category=HJWS&lat=24.98775&lng=118.12345"
    )
    assert near.status_code == 200 and [i["id"] for i in near.json()] == [pk]
    assert "reporter" not in near.json()[0]
    far = client.get(
        f"/incidents/duplicates?region={grids.east.code}&category=HJWS&lat=24.99&lng=118.1234"
    )
    assert far.json() == []
    for bad in ("lat=95&lng=1", "lat=nan&lng=1", "lat=1", "lat=x&lng=y"):
        response = client.get(f"/incidents/duplicates?region={grids.east.code}&category=HJWS&{bad}")
        assert_error(response, 400, "invalid_input")


def test_openapi_documents_the_incident_routes(world, api):
    paths = api().get("/openapi.json").json()["paths"]
    report = paths["/api/v1/incidents"]["post"]
    assert set(report["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert "/api/v1/incidents/{incident_id}/verify" in paths


def test_stats_count_by_status_and_category_for_staff_and_inspectors(world, grids, api):
    worker = api(grids.worker)
    ids = [worker.post("/incidents", BODY).json()["id"] for _ in range(3)]
    worker.post(f"/incidents/{ids[0]}/accept")
    Incident.objects.filter(pk=ids[0]).update(due_at=timezone.now() - timedelta(hours=1))
    today = timezone.localdate().isoformat()
    path = f"/incidents/stats?region={world.wenchang.code}&from=2026-01-01&to={today}"
    for viewer in (world.staff, world.reviewer, world.town_admin):
        response = api(viewer).get(path)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["total"] == 3 and body["by_category"] == {"HJWS": 3}
        assert body["by_status"]["reported"] == 2 and body["by_status"]["accepted"] == 1
        assert body["overdue"] == 1 and body["on_time_rate"] == 0
    assert (
        api(world.staff).get(f"/incidents/stats?region={world.wenchang.code}").json()["total"] == 3
    )
    assert_error(api(world.resident).get(path), 403, "forbidden")
    assert_error(api(world.other_staff).get(path), 403, "forbidden")
    for bad in ("from=2026-13-01", "from=1999-12-31", f"from={today}&to=2020-01-01"):
        response = api(world.staff).get(f"/incidents/stats?region={world.wenchang.code}&{bad}")
        assert_error(response, 400, "invalid_input")


def test_a_page_of_the_list_costs_the_same_few_queries(
    world, grids, api, media, django_assert_max_num_queries
):
    worker = api(grids.worker)
    for i in range(8):
        worker.post("/incidents", {**BODY, "description": f"第{i}件"})
    staff = api(world.staff)
    with django_assert_max_num_queries(8):
        page = staff.get("/incidents?limit=50")
    assert page.json()["count"] == 8
