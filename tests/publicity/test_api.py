"""The 公示 API (CONTRACT.md): staff draft, reviewers publish, anyone reads without logging
in, residents object and fetch their proof, anyone checks a proof — with the contract's
status codes, error codes and list shape, and nothing shown to whom it is not for."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.points.services import request_adjustment
from jifen.publicity import seal, services
from jifen.publicity.models import Announcement, Objection, ObjectionStatus, Status
from tests.api.conftest import assert_error
from tests.publicity.conftest import Month, Months, at

pytestmark = pytest.mark.django_db


# --- Drafting -------------------------------------------------------------------------------


def test_staff_draft_a_month(api, last_month: Month):
    response = api(last_month.world.staff).post(
        "/announcements", {"community": last_month.community.code, "month": last_month.month}
    )
    assert response.status_code == 201, response.content
    body = response.json_body
    announcement = Announcement.objects.get()
    assert body["id"] == announcement.pk
    assert body["community"] == last_month.community.code
    assert body["community_name"] == "文昌社区"
    assert (body["month"], body["status"], body["seal"]) == (last_month.month, "draft", None)
    assert body["totals"]["issued"] == 75 and body["totals"]["redeemed"] == 15
    assert body["ranking"][0] == {
        "place": 1,
        "name": "欧**梅",
        "volunteer_no": last_month.ouyang.volunteer_no,
        "points": 30,
    }
    assert body["drafted_by"] == last_month.world.staff.name
    assert body["open_objections"] == 0


def test_drafting_a_draft_again_works_it_out_again_with_200(api, last_month: Month, drafted):
    response = api(last_month.world.staff).post(
        "/announcements", {"community": last_month.community.code, "month": last_month.month}
    )
    assert response.status_code == 200
    assert response.json_body["id"] == drafted.pk
    assert Announcement.objects.count() == 1


def test_drafting_is_refused_with_the_contract_codes(api, last_month: Month, months: Months):
    staff = api(last_month.world.staff)
    code = last_month.community.code
    assert_error(
        staff.post("/announcements", {"community": code, "month": months.this}),
        409,
        "month_not_ended",
    )
    assert_error(
        staff.post("/announcements", {"community": code, "month": "2025-13"}), 400, "invalid_input"
    )
    assert_error(staff.post("/announcements", {"community": code}), 400, "invalid_input")
    assert_error(
        staff.post("/announcements", {"community": "nowhere", "month": months.last}),
        404,
        "unknown_region",
    )
    town = last_month.world.town.code
    assert_error(
        api(last_month.world.town_admin).post(
            "/announcements", {"community": town, "month": months.last}
        ),
        400,
        "invalid_input",
    )
    assert not Announcement.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "other_staff", "resident", "kiosk", "merchant"])
def test_only_staff_draft(api, last_month: Month, who):
    response = api(getattr(last_month.world, who)).post(
        "/announcements", {"community": last_month.community.code, "month": last_month.month}
    )
    assert_error(response, 403, "forbidden")
    assert not Announcement.objects.exists()


def test_drafting_needs_a_login(api, last_month: Month):
    response = api().post(
        "/announcements", {"community": last_month.community.code, "month": last_month.month}
    )
    assert_error(response, 401, "not_authenticated")


def test_a_published_month_is_not_drafted_again(api, last_month: Month, published):
    response = api(last_month.world.staff).post(
        "/announcements", {"community": last_month.community.code, "month": last_month.month}
    )
    assert_error(response, 409, "already_published")


def test_errors_speak_english_when_asked(api, last_month: Month, months: Months):
    response = api(last_month.world.staff, language="en").post(
        "/announcements", {"community": last_month.community.code, "month": months.this}
    )
    error = assert_error(response, 409, "month_not_ended")
    assert "has not ended yet" in error["message"]


# --- Staff reads -------------------------------------------------------------------------------


def test_staff_list_the_months_of_their_regions(api, last_month: Month, drafted, months):
    other = services.draft(actor=None, community=last_month.world.wanmei, month=months.last)
    response = api(last_month.world.staff).get("/announcements")
    assert response.status_code == 200
    assert response.json_body["count"] == 1
    assert [a["id"] for a in response.json_body["items"]] == [drafted.pk]
    everyone = api(last_month.world.county_admin).get("/announcements?status=draft")
    assert {a["id"] for a in everyone.json_body["items"]} == {drafted.pk, other.pk}
    assert (
        api(last_month.world.county_admin).get("/announcements?status=published").json_body["count"]
        == 0
    )
    town = api(last_month.world.county_admin).get(
        f"/announcements?community={last_month.world.town.code}&month={months.last}"
    )
    assert [a["id"] for a in town.json_body["items"]] == [drafted.pk]
    reviewer = api(last_month.world.reviewer).get("/announcements")
    assert reviewer.json_body["count"] == 1
    assert_error(api(last_month.world.staff).get("/announcements?status=old"), 400, "invalid_input")


def test_residents_do_not_list_drafts(api, last_month: Month, drafted):
    assert_error(api(last_month.world.resident).get("/announcements"), 403, "forbidden")
    assert_error(api().get("/announcements"), 401, "not_authenticated")


def test_the_list_is_newest_month_first_and_paged(api, last_month: Month, months, book):
    book.award(last_month.resident, 8, at(months.before, 11))
    older = services.draft(actor=None, community=last_month.community, month=months.before)
    newer = services.draft(actor=None, community=last_month.community, month=months.last)
    staff = api(last_month.world.staff)
    assert [a["id"] for a in staff.get("/announcements").json_body["items"]] == [
        newer.pk,
        older.pk,
    ]
    page = staff.get("/announcements?limit=1&offset=1").json_body
    assert page["count"] == 2 and [a["id"] for a in page["items"]] == [older.pk]


def test_staff_read_a_draft_with_its_lines_paged(api, last_month: Month, drafted):
    staff = api(last_month.world.staff)
    body = staff.get(f"/announcements/{drafted.pk}?limit=2&offset=3").json_body
    assert body["status"] == "draft"
    assert (body["lines_count"], body["limit"], body["offset"]) == (6, 2, 3)
    assert [line["transfer"] for line in body["lines"]] == [
        last_month.transfers[3].pk,
        last_month.transfers[4].pk,
    ]
    assert body["lines"][0]["points"] == -15 and body["lines"][0]["name"] == "王*英"
    assert (body["can_draft"], body["can_publish"]) == (True, False)
    reviewer = api(last_month.world.reviewer).get(f"/announcements/{drafted.pk}").json_body
    assert (reviewer["can_draft"], reviewer["can_publish"]) == (False, True)


@pytest.mark.parametrize("who", ["other_staff", "resident", "kiosk", "neighbour"])
def test_a_draft_is_not_found_for_others(api, last_month: Month, drafted, who):
    assert_error(
        api(getattr(last_month.world, who)).get(f"/announcements/{drafted.pk}"), 404, "not_found"
    )
    assert_error(api().get(f"/public/announcements/{drafted.pk}"), 404, "not_found")


# --- Publishing --------------------------------------------------------------------------------


def test_a_reviewer_publishes_and_sees_the_seal(api, last_month: Month, drafted):
    response = api(last_month.world.reviewer).post(f"/announcements/{drafted.pk}/publish")
    assert response.status_code == 200, response.content
    body = response.json_body
    drafted.refresh_from_db()
    assert body["status"] == "published" and body["published_by"] == "黄审核"
    assert body["seal"]["root"] == drafted.root
    assert body["seal"]["count"] == 6
    assert body["seal"]["seal"] == drafted.seal
    assert body["seal"]["previous"] == ""
    assert body["seal"]["published_at"] and body["objections_until"]


def test_publishing_is_refused_with_the_contract_codes(api, last_month: Month, drafted):
    world = last_month.world
    assert_error(api(world.staff).post(f"/announcements/{drafted.pk}/publish"), 403, "forbidden")
    assert_error(api(world.resident).post(f"/announcements/{drafted.pk}/publish"), 404, "not_found")
    assert_error(api(world.reviewer).post("/announcements/987654/publish"), 404, "not_found")
    assert_error(api().post(f"/announcements/{drafted.pk}/publish"), 401, "not_authenticated")
    drafted.refresh_from_db()
    assert drafted.status == Status.DRAFT
    api(world.reviewer).post(f"/announcements/{drafted.pk}/publish")
    assert_error(
        api(world.reviewer).post(f"/announcements/{drafted.pk}/publish"), 409, "already_published"
    )


def test_months_are_published_in_order_over_the_api(api, last_month: Month, months, book):
    book.award(last_month.resident, 8, at(months.before, 11))
    services.draft(actor=None, community=last_month.community, month=months.before)
    later = services.draft(actor=None, community=last_month.community, month=months.last)
    response = api(last_month.world.reviewer).post(f"/announcements/{later.pk}/publish")
    assert_error(response, 409, "out_of_order")


# --- Public reads ------------------------------------------------------------------------------


def test_anyone_reads_a_published_month_without_logging_in(api, last_month: Month, published):
    response = api().get(f"/public/announcements/{published.pk}")
    assert response.status_code == 200
    body = response.json_body
    assert body["status"] == "published"
    assert body["seal"] == {
        "version": "jifen-seal-v2",
        "root": published.root,
        "count": 6,
        "seal": published.seal,
        "previous_seal": "",
        "previous": "",
        "published_at": body["seal"]["published_at"],
    }
    assert body["lines_count"] == 6 and body["limit"] == 50 and body["offset"] == 0
    assert [line["points"] for line in body["lines"]] == [20, 10, 30, -15, 10, 5]
    assert all(isinstance(line["points"], int) for line in body["lines"])
    assert [line["name"] for line in body["lines"]][:3] == ["王*英", "李*", "欧**梅"]
    assert body["lines"][0]["item"] == "楼道清扫"
    assert (
        body["lines"][0]["date"]
        == last_month.transfers[0]
        .created_at.astimezone(timezone.get_current_timezone())
        .date()
        .isoformat()
    )
    assert body["totals"]["issued"] == 75
    text = json.dumps(body, ensure_ascii=False)
    for person in (last_month.resident, last_month.li, last_month.ouyang, last_month.shy):
        assert person.name not in text and person.phone not in text
    page = api().get(f"/public/announcements/{published.pk}?limit=2&offset=4").json_body
    assert [line["transfer"] for line in page["lines"]] == [
        last_month.transfers[4].pk,
        last_month.transfers[5].pk,
    ]
    assert_error(api().get(f"/public/announcements/{published.pk}?limit=0"), 400, "invalid_input")


def test_anyone_lists_the_published_months(api, last_month: Month, published, months):
    services.draft(actor=None, community=last_month.world.jinyue, month=months.last)
    everything = api().get("/public/announcements").json_body
    assert everything["count"] == 1 and everything["items"][0]["id"] == published.pk
    assert everything["items"][0]["seal"]["seal"] == published.seal
    mine = api().get(f"/public/announcements?community={last_month.community.code}").json_body
    assert mine["count"] == 1
    elsewhere = api().get(f"/public/announcements?community={last_month.world.wanmei.code}")
    assert elsewhere.json_body == {"items": [], "count": 0}
    assert_error(api().get("/public/announcements?community=nowhere"), 404, "unknown_region")


# --- Objections --------------------------------------------------------------------------------


def test_a_resident_objects_and_staff_answer(api, last_month: Month, published):
    world = last_month.world
    transfer = last_month.transfers[0]
    response = api(world.resident).post(
        f"/public/announcements/{published.pk}/objections",
        {"text": "我清扫了 3 小时", "transfer": transfer.pk},
    )
    assert response.status_code == 201, response.content
    body = response.json_body
    assert (body["status"], body["transfer"]) == ("open", transfer.pk)
    assert body["text"] == "我清扫了 3 小时"
    objection = Objection.objects.get()
    assert objection.person == world.resident

    listed = api(world.staff).get(f"/announcements/{published.pk}/objections").json_body
    assert listed["count"] == 1
    assert listed["items"][0]["person_name"] == world.resident.name
    assert (
        api(world.county_admin).get("/announcements").json_body["items"][0]["open_objections"] == 1
    )

    adjustment = request_adjustment(
        actor=world.staff, person=world.resident, amount=10, reason="补记", corrects=transfer
    )
    answered = api(world.staff).post(
        f"/objections/{objection.pk}/answer",
        {"answer": "已补记 10 分", "correction": adjustment.pk},
    )
    assert answered.status_code == 200, answered.content
    assert answered.json_body["status"] == "answered"
    assert answered.json_body["correction"] == adjustment.pk
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED and objection.answered_by == world.staff
    assert (
        api(world.staff)
        .get(f"/announcements/{published.pk}/objections?status=open")
        .json_body["count"]
        == 0
    )
    assert_error(
        api(world.staff).post(f"/objections/{objection.pk}/answer", {"answer": "again"}),
        409,
        "already_answered",
    )


def test_objections_are_refused_with_the_contract_codes(api, last_month: Month, published):
    world = last_month.world
    path = f"/public/announcements/{published.pk}/objections"
    assert_error(api().post(path, {"text": "x"}), 401, "not_authenticated")
    assert_error(api(world.resident).post(path, {"text": ""}), 400, "invalid_input")
    assert_error(api(world.resident).post(path, {"text": "x", "transfer": 0}), 400, "invalid_input")
    elsewhere = last_month.elsewhere[0].pk
    error = assert_error(
        api(world.resident).post(path, {"text": "x", "transfer": elsewhere}), 400, "invalid_input"
    )
    assert error["field"] == "transfer"
    Announcement.objects.filter(pk=published.pk).update(
        objections_until=timezone.now() - timedelta(minutes=1)
    )
    assert_error(api(world.resident).post(path, {"text": "x"}), 409, "objection_window_closed")
    assert not Objection.objects.exists()


def test_a_draft_takes_no_objections_over_the_api(api, last_month: Month, drafted):
    response = api(last_month.resident).post(
        f"/public/announcements/{drafted.pk}/objections", {"text": "x"}
    )
    assert_error(response, 404, "not_found")


def test_only_staff_of_the_community_read_and_answer_objections(api, last_month: Month, published):
    world = last_month.world
    objection = services.object_to(actor=world.resident, announcement=published, text="有误")
    listing = f"/announcements/{published.pk}/objections"
    answering = f"/objections/{objection.pk}/answer"
    assert_error(api(world.reviewer).get(listing), 403, "forbidden")
    assert_error(api(world.reviewer).post(answering, {"answer": "x"}), 403, "forbidden")
    for who in (world.resident, world.other_staff, world.kiosk):
        assert_error(api(who).get(listing), 404, "not_found")
        assert_error(api(who).post(answering, {"answer": "x"}), 404, "not_found")
    assert_error(
        api(world.staff).post("/objections/987654/answer", {"answer": "x"}), 404, "not_found"
    )
    assert_error(api(world.staff).post(answering, {"answer": ""}), 400, "invalid_input")
    other = request_adjustment(
        actor=world.town_admin, person=world.neighbour, amount=5, reason="金悦"
    )
    error = assert_error(
        api(world.staff).post(answering, {"answer": "x", "correction": other.pk}),
        400,
        "invalid_input",
    )
    assert error["field"] == "correction"
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN


# --- Proofs and verifying ----------------------------------------------------------------------


def test_a_resident_fetches_their_proof_and_anyone_checks_it(api, last_month: Month, published):
    response = api(last_month.resident).get(f"/public/announcements/{published.pk}/proof")
    assert response.status_code == 200, response.content
    document = response.json_body
    assert document["seal"] == published.seal and document["count"] == 6
    assert [e["transfer"] for e in document["entries"]] == [
        last_month.transfers[0].pk,
        last_month.transfers[3].pk,
    ]
    for item in document["entries"]:
        leaf = seal.leaf_hash(item["entry"].encode())
        steps = [(side, bytes.fromhex(h)) for side, h in item["path"]]
        assert seal.climb(leaf, steps).hex() == published.root

    checked = api().post("/public/verify", document)
    assert checked.status_code == 200, checked.content
    body = checked.json_body
    assert body["ok"] is True and body["problems"] == [] and body["seal_ok"] is True
    assert [(e["transfer"], e["ok"], e["amount"]) for e in body["entries"]] == [
        (last_month.transfers[0].pk, True, 20),
        (last_month.transfers[3].pk, True, 15),
    ]
    assert body["published"]["announcement"] == published.pk
    assert body["published"]["matches"] is True


def test_a_proof_needs_a_login_and_a_published_month(api, last_month: Month, drafted):
    assert_error(api().get(f"/public/announcements/{drafted.pk}/proof"), 401, "not_authenticated")
    assert_error(
        api(last_month.resident).get(f"/public/announcements/{drafted.pk}/proof"), 404, "not_found"
    )


def test_a_forged_proof_does_not_check_out(api, last_month: Month, published):
    document = api(last_month.resident).get(f"/public/announcements/{published.pk}/proof").json_body
    changed = json.loads(json.dumps(document))
    changed["entries"][0]["entry"] = changed["entries"][0]["entry"].replace(",20,", ",200,")
    body = api().post("/public/verify", changed).json_body
    assert body["ok"] is False and body["seal_ok"] is True
    assert [e["ok"] for e in body["entries"]] == [False, True]
    assert len(body["problems"]) == 1

    # A document consistent with itself but not with the published seal: another root.
    forged = json.loads(json.dumps(document))
    leaf = seal.leaf_hash(forged["entries"][0]["entry"].encode())
    forged["entries"] = [{**forged["entries"][0], "path": []}]
    forged["root"] = leaf.hex()
    forged["count"] = 1
    forged["seal"] = seal.seal_v2(
        forged["community"], forged["month"], 1, forged["root"], "", forged["totals"]
    )
    body = api().post("/public/verify", forged).json_body
    assert body["seal_ok"] is True and body["entries"][0]["ok"] is True
    assert body["ok"] is False and body["published"]["matches"] is False
    assert published.seal in body["problems"][0]


def test_what_is_not_a_proof_is_said_so(api, last_month: Month, published):
    body = api().post("/public/verify", {"hello": "world"}).json_body
    assert body["ok"] is False and body["entries"] == [] and body["published"] is None
    assert len(body["problems"]) == 1
    assert_error(api().post("/public/verify", raw="[1, 2]"), 400, "invalid_input")
    assert_error(api().post("/public/verify", raw="{not json"), 400, "invalid_input")


def test_a_proof_of_a_month_not_published_here_is_said_so(api, last_month: Month, published):
    document = api(last_month.resident).get(f"/public/announcements/{published.pk}/proof").json_body
    document["month"] = "2001-01"
    document["seal"] = seal.seal_v2(
        document["community"], "2001-01", 6, document["root"], "", document["totals"]
    )
    body = api().post("/public/verify", document).json_body
    assert body["seal_ok"] is True and body["published"] is None and body["ok"] is False
