"""The messages API: shapes per CONTRACT, who reads what, bounds and the error shape."""

import io

import pytest
from django.test import Client
from PIL import Image

from jifen.messages import services
from jifen.messages.models import Message, Status
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def _write(api, person, **body):
    data = {"region": "350524100001", "topic": "sanitation", "body": "路灯坏了", "public": True}
    return api(person).post("/messages", {**data, **body})


def test_write_answers_id_and_due_at(world, desk, api):
    response = _write(api, world.resident)
    assert response.status_code == 201, response.content
    assert set(response.json_body) == {"id", "due_at"}
    made = Message.objects.get(pk=response.json_body["id"])
    assert made.author == world.resident


def test_topics(world, desk, api):
    response = api(world.resident).get("/messages/topics?region=350524100001")
    assert response.status_code == 200
    codes = [t["code"] for t in response.json_body]
    assert "sanitation" in codes and "complaint" in codes
    assert all(t["due_days"] >= 1 for t in response.json_body)
    # Default: the caller's community.
    assert api(world.resident).get("/messages/topics").json_body == response.json_body
    assert_error(api(world.resident).get("/messages/topics?region=nope"), 404, "unknown_region")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"body": ""}, 400),
        ({"body": "字" * 5000}, 400),
        ({"body": "字" * 5001}, 400),
        ({"body": 5}, 400),
        ({"topic": "nope"}, 400),
        ({"topic": "x" * 40}, 400),
        ({"public": "maybe"}, 400),
        ({"region": "350524106001"}, 400),
        ({"region": "x" * 40}, 400),
        ({"region": "999"}, 404),
    ],
)
def test_bad_writes(world, desk, api, body, status):
    response = _write(api, world.resident, **body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("raw", ["[]", '"x"', "5", "not json", "{"])
def test_garbage_bodies(world, desk, api, raw):
    response = api(world.resident).post("/messages", raw=raw)
    assert response.status_code == 400, response.content


def test_anonymous_may_not_write(world, desk, api):
    assert _write(api, None).status_code == 401


def test_write_with_photos_as_a_form(world, desk, api):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "p.jpg"
    client = api(world.resident)
    response = client.client.post(
        "/api/v1/messages",
        {"region": "350524100001", "topic": "other", "body": "看图", "photos": [buffer]},
        headers=client.headers,
    )
    assert response.status_code == 201, response.content
    detail = client.get(f"/messages/{response.json()['id']}").json_body
    assert len(detail["photos"]) == 1
    picture = client.client.get(detail["photos"][0]["url"], headers=client.headers)
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/jpeg"
    outsider = api(world.neighbour)
    hidden = outsider.client.get(detail["photos"][0]["url"], headers=outsider.headers)
    assert hidden.status_code == 404
    # Not a picture: 400, nothing written.
    bad = io.BytesIO(b"not an image")
    bad.name = "x.jpg"
    response = client.client.post(
        "/api/v1/messages",
        {"region": "350524100001", "topic": "other", "body": "坏图", "photos": [bad]},
        headers=client.headers,
    )
    assert response.status_code == 400
    assert Message.objects.count() == 1


def test_reply_rate_and_not_resolved(world, desk, api, written):
    staff, author = api(world.staff), api(world.resident)
    response = staff.post(f"/messages/{written.pk}/reply", {"body": "已清运"})
    assert response.status_code == 200, response.content
    assert response.json_body["status"] == "answered"
    assert response.json_body["replies"][0]["body"] == "已清运"
    response = author.post(f"/messages/{written.pk}/rate", {"rating": 2, "resolved": False})
    assert response.status_code == 200, response.content
    assert response.json_body["status"] == "reopened"
    assert response.json_body["may_reopen"] is False
    staff.post(f"/messages/{written.pk}/reply", {"body": "再次清运"})
    assert_error(
        author.post(f"/messages/{written.pk}/rate", {"rating": 1, "resolved": False}),
        409,
        "already_reopened",
    )
    response = author.post(f"/messages/{written.pk}/rate", {"rating": 5})
    assert response.json_body["status"] == "closed"
    steps = [e["step"] for e in response.json_body["history"]]
    assert steps == ["write", "reply", "not_resolved", "reply", "rate"]


@pytest.mark.parametrize("rating", [0, 6, True, "5", 2.5, None, 2**70])
def test_bad_ratings(world, desk, api, written, rating):
    api(world.staff).post(f"/messages/{written.pk}/reply", {"body": "好"})
    response = api(world.resident).post(f"/messages/{written.pk}/rate", {"rating": rating})
    assert response.status_code == 400, response.content


def test_invalid_transition_is_409(world, desk, api, written):
    assert_error(
        api(world.resident).post(f"/messages/{written.pk}/rate", {"rating": 5}),
        409,
        "invalid_transition",
    )


def test_inspector_reads_everything_and_writes_nothing(world, desk, api, written):
    private = services.write(
        actor=world.neighbour, region=world.town, topic="other", body="私下反映", public=False
    )
    inspector = api(desk.inspector)
    listed = inspector.get("/messages").json_body["items"]
    assert {m["id"] for m in listed} == {written.pk, private.pk}
    detail = inspector.get(f"/messages/{private.pk}").json_body
    assert detail["author_name"] == "刘金悦"
    for path, body in (
        (f"/messages/{written.pk}/reply", {"body": "x"}),
        (f"/messages/{written.pk}/close", {"note": "x"}),
        (f"/messages/{written.pk}/incident", {"category": "HJWS"}),
        (f"/messages/{written.pk}/request", {"category": "x", "title": "x"}),
    ):
        assert_error(inspector.post(path, body), 403, "forbidden")
    assert inspector.post(f"/messages/{written.pk}/rate", {"rating": 5}).status_code == 403
    written.refresh_from_db()
    assert written.status == Status.OPEN


def test_private_messages(world, desk, api):
    private = services.write(
        actor=world.resident, region=world.wenchang, topic="other", body="私信", public=False
    )
    assert api(world.resident).get(f"/messages/{private.pk}").status_code == 200
    assert api(world.staff).get(f"/messages/{private.pk}").status_code == 200
    for outsider in (world.neighbour, world.other_staff, world.merchant):
        assert_error(api(outsider).get(f"/messages/{private.pk}"), 404, "not_found")
    board = api(None).get("/public/messages?region=350524100001").json_body
    assert board["count"] == 0


def test_staff_out_of_region(world, desk, api, written):
    other = api(world.other_staff)
    assert other.get(f"/messages/{written.pk}").status_code == 404
    assert other.post(f"/messages/{written.pk}/reply", {"body": "x"}).status_code == 404
    assert other.get("/messages").json_body["count"] == 0


def test_public_board_masks_authors(world, desk, api, written):
    api(world.staff).post(f"/messages/{written.pk}/reply", {"body": "已清运"})
    response = api(None).get("/public/messages?region=350524100001")
    assert response.status_code == 200
    body = response.content.decode()
    assert "王淑英" not in body and world.resident.phone not in body
    assert "陈文昌" not in body  # staff names neither
    (item,) = response.json()["items"]
    assert item["author"] == "王*英"
    assert item["replies"][0]["body"] == "已清运"
    assert item["replies"][0]["region_name"] == "文昌社区"
    # The town's board shows its communities' public messages.
    assert api(None).get("/public/messages?region=350524100").json()["count"] == 1
    assert api(None).get("/public/messages?region=350524106").json()["count"] == 0
    assert api(None).get("/public/messages").status_code == 400
    assert api(None).get("/public/messages?region=zzz").status_code == 404


def test_lists_and_filters(world, desk, api, written):
    staff = api(world.staff)
    assert staff.get("/messages?status=open").json_body["count"] == 1
    assert staff.get("/messages?status=answered").json_body["count"] == 0
    assert staff.get("/messages?topic=sanitation").json_body["count"] == 1
    assert staff.get("/messages?overdue=true").json_body["count"] == 1  # due in 2026-10
    assert_error(staff.get("/messages?status=bogus"), 400, "invalid_input")
    assert staff.get("/messages?limit=201").status_code == 400
    assert staff.get("/messages?offset=-1").status_code == 400
    mine = api(world.resident).get("/messages").json_body
    assert mine["count"] == 1 and mine["items"][0]["author"] == world.resident.pk
    assert api(world.neighbour).get("/messages").json_body["count"] == 0


@pytest.mark.parametrize("bad", ["0", "-1", str(2**63), "abc", "1.5"])
def test_ids_out_of_bounds(world, desk, api, bad):
    assert api(world.staff).get(f"/messages/{bad}").status_code in (400, 404)
    response = api(world.staff).post(f"/messages/{bad}/reply", {"body": "x"})
    assert response.status_code in (400, 404)
    assert response.status_code != 500


def test_to_incident_and_to_request(world, desk, api, written, grids):
    from jifen.requests.services import save_menu_item  # noqa: PLC0415

    staff = api(world.staff)
    response = staff.post(f"/messages/{written.pk}/incident", {"category": "HJWS"})
    assert response.status_code == 200, response.content
    incident_id = response.json_body["incident"]
    assert incident_id
    written.refresh_from_db()
    assert written.incident.messages.get() == written
    assert_error(
        staff.post(f"/messages/{written.pk}/incident", {"category": "HJWS"}),
        409,
        "already_linked",
    )
    assert_error(
        staff.post(f"/messages/{written.pk}/request", {"category": "nope", "title": "帮忙"}),
        400,
        "unknown_category",
    )
    save_menu_item(
        actor=None,
        region=world.county,
        code="clean",
        name="清洁服务",
        group="生活服务",
        rule_item=grids.report_item,
        points=2,
    )
    response = staff.post(f"/messages/{written.pk}/request", {"category": "clean", "title": "清运"})
    assert response.status_code == 200, response.content
    written.refresh_from_db()
    assert written.service_request.requester == world.resident
    steps = [e["step"] for e in response.json_body["history"]]
    assert steps == ["write", "to_incident", "to_request"]
    # Both consoles lead back to the message.
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(world.staff)
    for url in (
        f"/console/incidents/{written.incident_id}/",
        f"/console/requests/{written.service_request_id}/",
    ):
        answer = page.get(url)
        assert answer.status_code == 200, url
        assert f'data-message="{written.pk}"'.encode() in answer.content, url
