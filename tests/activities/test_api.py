"""/api/v1/activities: every endpoint, its error codes, and nothing written on a refusal."""

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jifen.activities import cards
from jifen.activities.models import Activity, Attendance, Method, Signup, SignupStatus, Status
from jifen.api.models import IdempotencyRecord
from jifen.audit.models import AuditEvent
from jifen.claims.models import Claim, Provenance
from jifen.people.models import Team
from tests.activities.conftest import qr, set_times, set_window
from tests.api.conftest import assert_error


def _filing(world, items, **changes):
    starts = timezone.localtime() + timedelta(days=3)
    return {
        "title": "江滨花园环境整治",
        "community": world.wenchang.code,
        "rule_item": items.basic.pk,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 20,
        **changes,
    }


# --- Filing -------------------------------------------------------------------------------


def test_staff_file_a_draft(world, items, api):
    team = Team.objects.create(region=world.wenchang, name="文昌志愿服务队", leader=world.resident)
    response = api(world.staff).post(
        "/activities",
        _filing(
            world,
            items,
            place="江滨花园",
            description="清理楼道杂物",
            tags="身体健康",
            min_age=16,
            risk_notes="注意安全",
            needs_insurance=True,
            team=team.pk,
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json_body
    assert body["status"] == "draft" and body["phase"] == "draft"
    assert body["community"] == world.wenchang.code
    assert body["rule_item"] == items.basic.pk
    assert (body["rule_item_code"], body["unit"], body["points"]) == ("BASIC", "hour", 10)
    assert body["organiser"] == world.staff.pk and body["team"] == team.pk
    assert body["min_age"] == 16 and body["needs_insurance"] is True
    assert (body["confirmed"], body["waitlisted"], body["checked_in"], body["checked_out"]) == (
        0,
        0,
        0,
        0,
    )
    activity = Activity.objects.get()
    assert activity.pk == body["id"] and activity.status == Status.DRAFT
    assert "qr_secret" not in body


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("resident", 403, "forbidden"), ("reviewer", 403, "forbidden"), (None, 401, None)],
)
def test_only_staff_file_activities(world, items, api, who, status, code):
    person = getattr(world, who) if who else None
    response = api(person).post("/activities", _filing(world, items))
    assert_error(response, status, code or "not_authenticated")
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"starts_at": "2030-01-01T09:00:00", "ends_at": "2030-01-01T10:00:00"}, 400, None),
        ({"capacity": "many"}, 400, None),
        ({"capacity": 0}, 400, None),
        ({"capacity": 10**30}, 400, None),
        ({"rule_item": "BASIC"}, 400, None),
        ({"rule_item": 10**30}, 400, None),
        ({"rule_item": 999_999}, 400, "unknown_rule_item"),
        ({"title": "题" * 101}, 400, None),
        ({"title": "题" * 100_000}, 400, None),
        ({"title": "清\x00扫"}, 400, None),
        ({"description": "述" * 2001}, 400, None),
        ({"starts_at": "tomorrow"}, 400, None),
        ({"starts_at": 10**20}, 400, None),
        ({"min_age": -1}, 400, None),
        ({"needs_insurance": "perhaps"}, 400, None),
        ({"community": "nowhere"}, 404, "unknown_region"),
        ({"community": "x" * 5000}, 400, None),
        ({"team": 999_999}, 404, None),
        ({"organization": 999_999}, 404, None),
        ({"title": None}, 400, None),
    ],
)
def test_bad_filings_are_refused_and_nothing_is_written(world, items, api, change, status, code):
    body = _filing(world, items, **change)
    response = api(world.staff).post("/activities", body)
    assert_error(response, status, code or ("invalid_input" if status == 400 else "not_found"))
    assert not Activity.objects.exists()


def test_a_past_window_is_refused(world, items, api):
    starts = timezone.localtime() - timedelta(hours=3)
    body = _filing(
        world,
        items,
        starts_at=starts.isoformat(),
        ends_at=(starts + timedelta(hours=1)).isoformat(),
    )
    error = assert_error(api(world.staff).post("/activities", body), 400, "invalid_input")
    assert error["field"] == "ends_at"


def test_filing_is_idempotent_with_a_key(world, items, api):
    client = api(world.staff)
    body = _filing(world, items)
    first = client.post("/activities", body, **{"Idempotency-Key": "filing-1"})
    again = client.post("/activities", body, **{"Idempotency-Key": "filing-1"})
    assert first.status_code == again.status_code == 201
    assert again.json_body == first.json_body
    assert Activity.objects.count() == 1
    other = client.post("/activities", {**body, "capacity": 5}, **{"Idempotency-Key": "filing-1"})
    assert_error(other, 409, "idempotency_conflict")
    assert Activity.objects.count() == 1


def test_messages_are_in_english_on_request(world, items, api):
    response = api(world.resident, language="en").post("/activities", _filing(world, items))
    assert "Your role does not allow you" in assert_error(response, 403, "forbidden")["message"]


# --- Reading ------------------------------------------------------------------------------


def test_a_resident_lists_the_published_activities_of_their_community_and_town(
    make_activity, world, api
):
    own = make_activity()
    town_wide = make_activity(region=world.town, actor=world.town_admin)
    make_activity(status="draft")
    make_activity(region=world.wanmei, actor=world.county_admin)
    response = api(world.resident).get("/activities")
    assert response.status_code == 200
    body = response.json_body
    assert body["count"] == 2
    assert {item["id"] for item in body["items"]} == {own.pk, town_wide.pk}
    assert all(item["status"] == "published" for item in body["items"])
    paged = api(world.resident).get("/activities?limit=1&offset=1").json_body
    assert paged["count"] == 2 and len(paged["items"]) == 1


def test_the_list_is_newest_first(make_activity, world, api, now):
    later = make_activity(starts_at=now + timedelta(days=2))
    sooner = make_activity(starts_at=now + timedelta(days=1))
    ids = [item["id"] for item in api(world.resident).get("/activities").json_body["items"]]
    assert ids == [later.pk, sooner.pk]


def test_staff_list_their_regions_drafts_by_status(make_activity, world, api):
    draft = make_activity(status="draft")
    submitted = make_activity(status="submitted")
    staff_drafts = api(world.staff).get("/activities?status=draft").json_body
    assert [item["id"] for item in staff_drafts["items"]] == [draft.pk]
    filings = api(world.reviewer).get("/activities?status=submitted").json_body
    assert [item["id"] for item in filings["items"]] == [submitted.pk]
    assert api(world.other_staff).get("/activities?status=draft").json_body["count"] == 0
    assert api(world.resident).get("/activities?status=draft").json_body["count"] == 0
    assert_error(api(world.staff).get("/activities?status=nonsense"), 400, "invalid_input")
    assert_error(api(world.staff).get("/activities?status=" + "x" * 100), 400, "invalid_input")
    assert_error(api().get("/activities"), 401, "not_authenticated")


def test_one_activity_with_its_counts(make_activity, world, api, volunteers):
    activity = make_activity(capacity=1)
    a, b = volunteers(2)
    api(a).post(f"/activities/{activity.pk}/signups")
    api(b).post(f"/activities/{activity.pk}/signups")
    api(a).post(f"/activities/{activity.pk}/checkin", {"token": qr(activity)})
    body = api(world.resident).get(f"/activities/{activity.pk}").json_body
    assert (body["confirmed"], body["waitlisted"], body["checked_in"], body["checked_out"]) == (
        1,
        1,
        1,
        0,
    )
    assert body["phase"] == "in_progress"


def test_an_activity_one_may_not_see_is_not_found(make_activity, world, api):
    activity = make_activity()
    draft = make_activity(status="draft")
    assert_error(api(world.stranger).get(f"/activities/{activity.pk}"), 404, "not_found")
    assert_error(api(world.resident).get(f"/activities/{draft.pk}"), 404, "not_found")
    assert_error(api(world.staff).get(f"/activities/{10**20}"), 400, "invalid_input")
    assert_error(api(world.staff).get("/activities/abc"), 400, "invalid_input")


# --- The lifecycle ------------------------------------------------------------------------


def test_submit_approve_and_the_wrong_moves(make_activity, world, api):
    activity = make_activity(status="draft")
    path = f"/activities/{activity.pk}"
    assert_error(api(world.resident).post(f"{path}/submit"), 403, "forbidden")
    assert_error(api(world.other_staff).post(f"{path}/submit"), 404, "not_found")
    response = api(world.staff).post(f"{path}/submit")
    assert response.status_code == 200 and response.json_body["status"] == "submitted"
    assert_error(api(world.staff).post(f"{path}/submit"), 409, "wrong_status")
    assert_error(api(world.staff).post(f"{path}/approve"), 403, "forbidden")
    assert Activity.objects.get().status == Status.SUBMITTED
    response = api(world.reviewer).post(f"{path}/approve")
    assert response.status_code == 200
    assert response.json_body["status"] == "published"
    assert response.json_body["approved_by"] == world.reviewer.pk
    assert_error(api(world.reviewer).post(f"{path}/approve"), 409, "wrong_status")
    assert_error(api(world.staff).post(f"/activities/{10**6}/submit"), 404, "not_found")


def test_cancelling_tells_those_signed_up(
    make_activity, world, api, outbox, django_capture_on_commit_callbacks, now
):
    activity = make_activity(starts_at=now + timedelta(days=1))
    api(world.resident).post(f"/activities/{activity.pk}/signups")
    path = f"/activities/{activity.pk}/cancel"
    assert_error(api(world.staff).post(path, {}), 400, "invalid_input")
    assert_error(api(world.staff).post(path, {"reason": "x" * 5000}), 400, "invalid_input")
    assert_error(api(world.resident).post(path, {"reason": "不想去"}), 403, "forbidden")
    assert Activity.objects.get().status == Status.PUBLISHED
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.staff).post(path, {"reason": "台风预警"})
    assert response.status_code == 200
    assert response.json_body["status"] == "cancelled"
    assert response.json_body["cancel_reason"] == "台风预警"
    assert [m.person for m in outbox] == [world.resident]
    assert_error(api(world.staff).post(path, {"reason": "台风预警"}), 409, "wrong_status")


# --- Recruitment --------------------------------------------------------------------------


def test_signing_up_confirmed_waitlisted_then_full(make_activity, api, volunteers):
    activity = make_activity(capacity=1)
    a, b, c = volunteers(3)
    path = f"/activities/{activity.pk}/signups"
    first = api(a).post(path)
    assert first.status_code == 201
    assert first.json_body["status"] == "confirmed" and first.json_body["person"] == a.pk
    second = api(b).post(path, {})
    assert second.status_code == 201 and second.json_body["status"] == "waitlisted"
    assert_error(api(c).post(path), 409, "activity_full")
    assert not Signup.objects.filter(person=c).exists()
    again = api(a).post(path)
    assert again.status_code == 200 and again.json_body["id"] == first.json_body["id"]


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_signing_up_to_an_unpublished_activity_is_not_open(make_activity, world, api, status):
    activity = make_activity(status=status)
    assert_error(api(world.resident).post(f"/activities/{activity.pk}/signups"), 409, "not_open")
    response = api(world.staff).post(
        f"/activities/{activity.pk}/signups", {"person": world.resident.pk}
    )
    assert_error(response, 409, "not_open")
    assert not Signup.objects.exists()


def test_staff_sign_up_a_resident(make_activity, world, api):
    activity = make_activity()
    path = f"/activities/{activity.pk}/signups"
    response = api(world.staff).post(path, {"person": world.resident.pk})
    assert response.status_code == 201
    signup = Signup.objects.get()
    assert signup.person == world.resident and signup.signed_up_by == world.staff
    assert_error(api(world.staff).post(path, {"person": 10**6}), 404, "not_found")
    assert_error(api(world.staff).post(path, {"person": world.stranger.pk}), 403, "forbidden")
    assert_error(api(world.staff).post(path, {"person": "someone"}), 400, "invalid_input")
    assert_error(api(world.staff).post(path, {"person": 10**30}), 400, "invalid_input")
    assert_error(api(world.resident).post(path, {"person": world.neighbour.pk}), 403, "forbidden")
    assert Signup.objects.count() == 1


def test_residents_elsewhere_do_not_find_the_activity(make_activity, world, api):
    activity = make_activity()
    response = api(world.stranger).post(f"/activities/{activity.pk}/signups")
    assert_error(response, 404, "not_found")
    assert not Signup.objects.exists()


def test_a_repeated_signup_with_its_key_replays_the_first_answer(make_activity, world, api):
    activity = make_activity(capacity=1)
    path = f"/activities/{activity.pk}/signups"
    client = api(world.staff)
    first = client.post(path, {"person": world.resident.pk}, **{"Idempotency-Key": "s-1"})
    again = client.post(path, {"person": world.resident.pk}, **{"Idempotency-Key": "s-1"})
    assert first.status_code == again.status_code == 201
    assert again.json_body == first.json_body
    assert Signup.objects.count() == 1
    assert AuditEvent.objects.filter(action="activity.signup").count() == 1
    changed = client.post(path, {"person": world.staff.pk}, **{"Idempotency-Key": "s-1"})
    assert_error(changed, 409, "idempotency_conflict")
    assert Signup.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="s-1").count() == 1


def test_a_refused_signup_keeps_no_idempotency_record(make_activity, world, api):
    activity = make_activity(status="draft")
    response = api(world.resident).post(
        f"/activities/{activity.pk}/signups", **{"Idempotency-Key": "s-2"}
    )
    assert_error(response, 409, "not_open")
    assert not IdempotencyRecord.objects.exists()


def test_withdrawing_promotes_the_waiting_and_tells_them(
    make_activity, world, api, volunteers, outbox, django_capture_on_commit_callbacks, now
):
    activity = make_activity(capacity=1, starts_at=now + timedelta(days=1))
    a, b = volunteers(2)
    api(a).post(f"/activities/{activity.pk}/signups")
    api(b).post(f"/activities/{activity.pk}/signups")
    assert_error(
        api(world.resident).delete(f"/activities/{activity.pk}/signups/{a.pk}"), 403, "forbidden"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api(a).delete(f"/activities/{activity.pk}/signups/{a.pk}")
    assert response.status_code == 200 and response.json_body["status"] == "withdrawn"
    assert Signup.objects.get(person=b).status == SignupStatus.CONFIRMED
    assert [m.person for m in outbox] == [b]
    response = api(world.staff).delete(f"/activities/{activity.pk}/signups/{b.pk}")
    assert response.status_code == 200
    response = api(world.staff).delete(f"/activities/{activity.pk}/signups/{b.pk}")
    assert_error(response, 404, "not_found")


def test_withdrawing_after_the_start_is_refused(make_activity, world, api):
    activity = make_activity()
    api(world.resident).post(f"/activities/{activity.pk}/signups")
    response = api(world.resident).delete(f"/activities/{activity.pk}/signups/{world.resident.pk}")
    assert_error(response, 409, "started")
    assert Signup.objects.get().status == SignupStatus.CONFIRMED


# --- Check-in and check-out ---------------------------------------------------------------


def test_checking_in_and_out_with_the_qr_code(make_activity, world, api, now):
    activity = make_activity(starts_at=now - timedelta(minutes=100))
    path = f"/activities/{activity.pk}"
    client = api(world.resident)
    first = client.post(f"{path}/checkin", {"token": qr(activity)}, **{"X-Device-Id": "phone-7"})
    assert first.status_code == 201, first.content
    assert first.json_body["method"] == "qr" and first.json_body["checkout_at"] is None
    again = client.post(f"{path}/checkin", {"token": qr(activity)})
    assert again.status_code == 200 and again.json_body["id"] == first.json_body["id"]
    attendance = Attendance.objects.get()
    assert attendance.device == "phone-7"
    set_times(attendance, attendance.checkin_at - timedelta(minutes=95), None)
    out = client.post(f"{path}/checkout", {"token": qr(activity)})
    assert out.status_code == 200
    assert out.json_body["checkout_at"] is not None and out.json_body["hours"] == 1.5


def test_the_device_is_a_keyed_hash_never_the_address(make_activity, world, api):
    activity = make_activity()
    client = api(world.resident)
    client.post(
        f"/activities/{activity.pk}/checkin",
        {"token": qr(activity)},
        **{"User-Agent": "Mozilla/5.0 WeChat"},
    )
    device = Attendance.objects.get().device
    assert device.startswith("h:") and len(device) == 18
    assert "127.0.0.1" not in device


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"token": "made-up"}, 400, "invalid_token"),
        ({"token": "12345678.0123456789abcdef0123"}, 400, "invalid_token"),
        ({}, 400, "invalid_token"),
        ({"token": "t" * 5000}, 400, "invalid_input"),
        ({"token": 12}, 400, "invalid_input"),
    ],
)
def test_a_forged_token_is_refused(make_activity, world, api, body, status, code):
    activity = make_activity()
    response = api(world.resident).post(f"/activities/{activity.pk}/checkin", body)
    assert_error(response, status, code)
    assert not Attendance.objects.exists() and not Signup.objects.exists()


def test_a_stale_token_is_expired(make_activity, world, api):
    activity = make_activity()
    stale = qr(activity, at=time.time() - 90)
    response = api(world.resident).post(f"/activities/{activity.pk}/checkin", {"token": stale})
    assert_error(response, 409, "token_expired")
    assert not Attendance.objects.exists()


def test_checking_in_outside_the_window_is_refused(make_activity, world, api, now):
    activity = make_activity(starts_at=now + timedelta(minutes=45))
    response = api(world.resident).post(
        f"/activities/{activity.pk}/checkin", {"token": qr(activity)}
    )
    assert_error(response, 409, "outside_window")
    assert not Attendance.objects.exists()


def test_overlapping_attendance_is_refused(make_activity, world, api):
    first, second = make_activity(), make_activity(title="社区义诊")
    client = api(world.resident)
    client.post(f"/activities/{first.pk}/checkin", {"token": qr(first)})
    response = client.post(f"/activities/{second.pk}/checkin", {"token": qr(second)})
    assert_error(response, 409, "overlapping_attendance")
    assert Attendance.objects.count() == 1


def test_checking_out_before_checking_in_is_refused(make_activity, world, api):
    activity = make_activity()
    response = api(world.resident).post(
        f"/activities/{activity.pk}/checkout", {"token": qr(activity)}
    )
    assert_error(response, 409, "not_checked_in")
    assert not Attendance.objects.exists()


def test_staff_check_in_by_person_and_by_card(make_activity, world, api, volunteers):
    activity = make_activity()
    path = f"/activities/{activity.pk}"
    client = api(world.staff)
    by_person = client.post(f"{path}/checkin", {"person": world.resident.pk})
    assert by_person.status_code == 201 and by_person.json_body["method"] == "staff"
    assert by_person.json_body["recorded_by"] == world.staff.pk
    [carded] = volunteers(1)
    by_card = client.post(f"{path}/checkin", {"card": cards.card_code(carded)})
    assert by_card.status_code == 201
    assert by_card.json_body["method"] == "card" and by_card.json_body["person"] == carded.pk
    attendance = Attendance.objects.get(person=carded)
    set_times(attendance, attendance.checkin_at - timedelta(minutes=5), None)
    out = client.post(f"{path}/checkout", {"card": cards.card_code(carded)})
    assert out.status_code == 200 and out.json_body["checkout_method"] == "card"


@pytest.mark.parametrize(
    "card", ["JF1:000000001:000000000000", "nonsense", "JF1::", "JF1:999999999:abcdefabcdef"]
)
def test_an_unknown_card_is_refused(make_activity, world, api, card):
    activity = make_activity()
    response = api(world.staff).post(f"/activities/{activity.pk}/checkin", {"card": card})
    assert_error(response, 400, "invalid_card")
    assert not Attendance.objects.exists()


def test_a_card_and_a_person_at_once_are_refused(make_activity, world, api):
    activity = make_activity()
    body = {"card": cards.card_code(world.resident), "person": world.resident.pk}
    assert_error(
        api(world.staff).post(f"/activities/{activity.pk}/checkin", body), 400, "invalid_input"
    )
    assert not Attendance.objects.exists()


def test_a_resident_cannot_check_someone_else_in(make_activity, world, api, volunteers):
    activity = make_activity()
    [other] = volunteers(1)
    path = f"/activities/{activity.pk}/checkin"
    assert_error(api(world.resident).post(path, {"person": other.pk}), 403, "forbidden")
    body = {"card": cards.card_code(other)}
    assert_error(api(world.resident).post(path, body), 403, "forbidden")
    assert not Attendance.objects.exists()


# --- Paper sheets -------------------------------------------------------------------------


def test_a_paper_sheet_is_recorded_and_audited(make_activity, world, api, now):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    body = {
        "person": world.resident.pk,
        "checkin_at": (activity.starts_at - timedelta(minutes=10)).isoformat(),
        "checkout_at": (activity.ends_at + timedelta(minutes=20)).isoformat(),
        "note": "签到表第1页",
    }
    path = f"/activities/{activity.pk}/attendance"
    response = api(world.staff).post(path, body, **{"Idempotency-Key": "paper-1"})
    assert response.status_code == 201, response.content
    assert response.json_body["method"] == "paper" and response.json_body["hours"] == 2.0
    again = api(world.staff).post(path, body, **{"Idempotency-Key": "paper-1"})
    assert again.status_code == 201 and again.json_body == response.json_body
    assert Attendance.objects.count() == 1
    event = AuditEvent.objects.get(action="activity.attendance.paper")
    assert event.actor == world.staff and event.on_behalf_of == world.resident
    assert_error(api(world.staff).post(path, body), 409, "already_recorded")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"checkin_at": "2025-05-01T09:00:00"}, 400, "invalid_input"),
        ({"checkout_at": "yesterday"}, 400, "invalid_input"),
        ({"early": 31}, 409, "outside_window"),
        ({"note": "注" * 201}, 400, "invalid_input"),
        ({"person": 10**6}, 404, "not_found"),
        ({"person": None}, 400, "invalid_input"),
    ],
)
def test_a_bad_paper_sheet_is_refused(make_activity, world, api, now, change, status, code):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    body = {
        "person": world.resident.pk,
        "checkin_at": activity.starts_at.isoformat(),
        "checkout_at": activity.ends_at.isoformat(),
        "note": "",
    }
    early = change.pop("early", None)
    if early:
        body["checkin_at"] = (activity.starts_at - timedelta(minutes=early)).isoformat()
    body.update(change)
    response = api(world.staff).post(f"/activities/{activity.pk}/attendance", body)
    assert_error(response, status, code)
    assert not Attendance.objects.exists()


def test_only_staff_record_paper_sheets(make_activity, world, api, now):
    activity = make_activity(starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    body = {
        "person": world.resident.pk,
        "checkin_at": activity.starts_at.isoformat(),
        "checkout_at": activity.ends_at.isoformat(),
        "note": "",
    }
    path = f"/activities/{activity.pk}/attendance"
    assert_error(api(world.resident).post(path, body), 403, "forbidden")
    assert_error(api(world.reviewer).post(path, body), 403, "forbidden")
    assert_error(api(world.other_staff).post(path, body), 404, "not_found")
    assert not Attendance.objects.exists()


# --- Closing, the board, the QR code ------------------------------------------------------


def test_closing_makes_pending_claims_and_says_how_many(make_activity, world, api, volunteers):
    activity = make_activity(starts_at=timezone.now() - timedelta(hours=1, minutes=5))
    a, b = volunteers(2)
    api(a).post(f"/activities/{activity.pk}/checkin", {"token": qr(activity)})
    api(b).post(f"/activities/{activity.pk}/checkin", {"token": qr(activity)})
    Attendance.objects.filter(person=a).update(checkin_at=activity.starts_at)
    path = f"/activities/{activity.pk}/close"
    assert_error(api(world.resident).post(path), 403, "forbidden")
    assert_error(api(world.reviewer).post(path), 403, "forbidden")
    response = api(world.staff).post(path, **{"Idempotency-Key": "close-1"})
    assert response.status_code == 200
    assert response.json_body["status"] == "closed" and response.json_body["claims"] == 1
    assert response.json_body["checked_out"] == 2
    claim = Claim.objects.get()
    assert claim.person == a and claim.provenance == Provenance.ON_SITE
    replay = api(world.staff).post(path, **{"Idempotency-Key": "close-1"})
    assert replay.status_code == 200 and replay.json_body == response.json_body
    assert_error(api(world.staff).post(path), 409, "wrong_status")
    assert Claim.objects.count() == 1


def test_closing_before_the_start_is_refused(make_activity, world, api, now):
    activity = make_activity(starts_at=now + timedelta(hours=2))
    assert_error(api(world.staff).post(f"/activities/{activity.pk}/close"), 409, "not_started")
    assert Activity.objects.get().status == Status.PUBLISHED


def test_the_attendance_board_for_staff_and_reviewers(make_activity, world, api, now):
    activity = make_activity(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    api(world.staff).post(f"/activities/{activity.pk}/checkin", {"person": world.resident.pk})
    set_window(activity, now - timedelta(hours=3), now - timedelta(hours=1))
    Attendance.objects.update(checkin_at=now - timedelta(hours=3))
    api(world.staff).post(f"/activities/{activity.pk}/close")
    path = f"/activities/{activity.pk}/attendances"
    response = api(world.staff).get(path)
    assert response.status_code == 200
    [row] = response.json_body["items"]
    assert response.json_body["count"] == 1
    assert row["person"] == world.resident.pk and row["method"] == Method.STAFF
    assert row["auto_checkout"] is True and row["hours"] == 2.0
    assert row["flags"] == []
    assert api(world.reviewer).get(path).status_code == 200
    assert_error(api(world.resident).get(path), 403, "forbidden")
    assert_error(api(world.stranger).get(path), 404, "not_found")


def test_the_board_shows_the_flags(make_activity, world, api, volunteers):
    activity = make_activity(capacity=10)
    for person in volunteers(5):
        response = api(person).post(
            f"/activities/{activity.pk}/checkin",
            {"token": qr(activity)},
            **{"X-Device-Id": "one-phone"},
        )
        assert response.status_code == 201
    rows = api(world.staff).get(f"/activities/{activity.pk}/attendances").json_body["items"]
    assert all(len(row["flags"]) == 1 for row in rows)


def test_the_qr_code_of_the_moment_for_the_organisers_screen(make_activity, world, api):
    activity = make_activity()
    response = api(world.staff).get(f"/activities/{activity.pk}/qr")
    assert response.status_code == 200
    body = response.json_body
    assert set(body) == {"token", "url", "seconds_left"}
    assert 0 < body["seconds_left"] <= 30 and body["token"] in body["url"]
    checkin = api(world.resident).post(
        f"/activities/{activity.pk}/checkin", {"token": body["token"]}
    )
    assert checkin.status_code == 201
    assert_error(api(world.resident).get(f"/activities/{activity.pk}/qr"), 403, "forbidden")
    draft = make_activity(status="draft")
    assert_error(api(world.staff).get(f"/activities/{draft.pk}/qr"), 409, "not_open")


# --- Shape --------------------------------------------------------------------------------


def test_the_openapi_document_lists_the_activity_paths(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    expected = {
        "/api/v1/activities": {"get", "post"},
        "/api/v1/activities/{activity_id}": {"get"},
        "/api/v1/activities/{activity_id}/submit": {"post"},
        "/api/v1/activities/{activity_id}/approve": {"post"},
        "/api/v1/activities/{activity_id}/cancel": {"post"},
        "/api/v1/activities/{activity_id}/signups": {"post"},
        "/api/v1/activities/{activity_id}/signups/{person_id}": {"delete"},
        "/api/v1/activities/{activity_id}/checkin": {"post"},
        "/api/v1/activities/{activity_id}/checkout": {"post"},
        "/api/v1/activities/{activity_id}/attendance": {"post"},
        "/api/v1/activities/{activity_id}/close": {"post"},
        "/api/v1/activities/{activity_id}/attendances": {"get"},
        "/api/v1/activities/{activity_id}/qr": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path


def test_a_body_that_is_not_json_is_bad_input(make_activity, world, api):
    activity = make_activity()
    for raw in ("{nope", "", "[]", '"text"', "null"):
        response = api(world.resident).post(f"/activities/{activity.pk}/checkin", raw=raw)
        # Not JSON, or no body: invalid_input; JSON that is no object has no token.
        assert response.status_code == 400
        body = json.loads(response.content)
        assert list(body) == ["error"]
        assert body["error"]["code"] in {"invalid_input", "invalid_token"}
    assert not Attendance.objects.exists()


def test_the_list_costs_as_many_queries_for_six_activities_as_for_one(
    make_activity, world, api, volunteers
):
    client = api(world.resident)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/activities").status_code == 200
        return len(captured)

    first = make_activity()
    api(world.resident).post(f"/activities/{first.pk}/signups")
    queries()  # the first call of a token also notes when it was used
    one = queries()
    for i in range(5):
        activity = make_activity(title=f"活动{i}")
        for person in volunteers(2):
            api(person).post(f"/activities/{activity.pk}/signups")
    assert queries() == one
