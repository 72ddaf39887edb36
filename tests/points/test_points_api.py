from datetime import UTC, datetime

from django.test import RequestFactory
from ninja import Schema, Status
from ninja.renderers import JSONRenderer

from jifen.api.idempotency import idempotent
from jifen.points.models import Adjustment, RuleVersion, Transfer
from tests.api.conftest import assert_error


def test_balance_and_entries_for_the_person_and_staff(world, api, ledger):
    ledger.award(world.resident, 30)
    ledger.redeem(world.resident, 10)
    own = api(world.resident)
    assert own.get(f"/people/{world.resident.pk}/balance").json() == {
        "balance": 20,
        "earned": 30,
        "spent": 10,
    }
    page = own.get(f"/people/{world.resident.pk}/entries?limit=1").json()
    assert page["count"] == 2
    assert [e["amount"] for e in page["items"]] == [-10]
    assert page["items"][0]["kind"] == "redemption"
    everything = api(world.staff).get(f"/people/{world.resident.pk}/entries").json()
    assert [e["amount"] for e in everything["items"]] == [-10, 30]
    assert api(world.resident).get("/me").json()["balance"] == 20


def test_others_cannot_read_a_persons_points(world, api, ledger):
    ledger.award(world.resident, 30)
    assert_error(api(world.neighbour).get(f"/people/{world.resident.pk}/balance"), 404, "not_found")
    assert_error(
        api(world.other_staff).get(f"/people/{world.resident.pk}/entries"), 404, "not_found"
    )


def test_an_empty_ledger_is_an_empty_list(world, api):
    page = api(world.resident).get(f"/people/{world.resident.pk}/entries").json()
    assert page == {"items": [], "count": 0}


def test_staff_create_and_change_rule_items_as_versions(world, api):
    staff = api(world.staff)
    created = staff.post(
        "/rules/items",
        {
            "code": "clean",
            "name": "环境卫生清扫",
            "category": "环境卫生",
            "unit": "hour",
            "points": 10,
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["region"] == world.wenchang.code
    changed = staff.post(
        "/rules/items",
        {
            "code": "clean",
            "name": "环境卫生清扫",
            "category": "环境卫生",
            "unit": "hour",
            "points": 15,
        },
    )
    assert changed.json()["version"] == 2
    assert changed.json()["id"] == created.json()["id"]
    assert RuleVersion.objects.filter(item_id=created.json()["id"]).count() == 2
    listed = api(world.resident).get("/rules/items?region=350524100001").json()
    assert [(i["code"], i["points"]) for i in listed["items"]] == [("clean", 15)]


def test_rule_items_refuse_meetings_and_bad_input(world, api):
    staff = api(world.staff)
    assert_error(
        staff.post(
            "/rules/items",
            {"code": "meet", "name": "参加会议", "category": "会议", "unit": "time", "points": 5},
        ),
        400,
        "not_service",
    )
    assert_error(
        staff.post(
            "/rules/items",
            {"code": "x", "name": "巡逻", "category": "平安", "unit": "day", "points": 5},
        ),
        400,
        "invalid_unit",
    )
    assert_error(
        staff.post(
            "/rules/items",
            {"code": "x", "name": "巡逻", "category": "平安", "unit": "hour", "points": 0},
        ),
        400,
        "invalid_input",
    )
    assert_error(
        api(world.resident).post(
            "/rules/items",
            {
                "code": "x",
                "name": "巡逻",
                "category": "平安",
                "unit": "hour",
                "points": 5,
                "region": "350524100001",
            },
        ),
        403,
        "forbidden",
    )
    assert not RuleVersion.objects.exists()


def test_an_adjustment_needs_a_second_staff_member(world, api):
    second = world.town_admin
    request = api(world.staff).post(
        "/adjustments", {"person": world.resident.pk, "amount": 15, "reason": "纸质台账补录"}
    )
    assert request.status_code == 201, request.content
    adjustment_id = request.json()["id"]
    assert_error(api(world.staff).post(f"/adjustments/{adjustment_id}/approve"), 409, "self_review")
    assert not Transfer.objects.exists()
    approved = api(second).post(f"/adjustments/{adjustment_id}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "posted"
    assert api(world.resident).get("/me").json()["balance"] == 15
    assert Adjustment.objects.get().decided_by == second


def test_idempotency_key_replays_the_first_answer(world, api):
    staff = api(world.staff)
    body = {"person": world.resident.pk, "amount": 5, "reason": "补录"}
    key = {"Idempotency-Key": "abc"}
    first = staff.post("/adjustments", body, **key)
    again = staff.post("/adjustments", body, **key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Adjustment.objects.count() == 1
    other = staff.post("/adjustments", {**body, "amount": 6}, **key)
    assert_error(other, 409, "idempotency_conflict")
    assert Adjustment.objects.count() == 1


def test_a_replay_renders_a_time_exactly_as_the_first_answer(world):
    """A time in the first millisecond of its second: Django's JSON encoder cut it to
    ``…:13.000``, which came back as a whole second and rendered as ``…:13Z``."""

    class Out(Schema):
        at: datetime

    at = datetime(2026, 12, 6, 8, 42, 13, 412, tzinfo=UTC)

    @idempotent
    def view(request):  # type: ignore[no-untyped-def]
        return Status(201, {"at": at})

    def rendered(result):  # type: ignore[no-untyped-def]
        return JSONRenderer().render(
            None, Out.model_validate(result.value).model_dump(), response_status=201
        )

    request = RequestFactory().post(
        "/x", data=b"{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="t"
    )
    request.auth = world.resident
    first, again = view(request), view(request)
    assert rendered(again) == rendered(first)
    assert Out.model_validate(again.value).at == at
