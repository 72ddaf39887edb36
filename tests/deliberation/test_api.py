"""The HTTP API: shapes, bounds, who may do what (inspectors read, never write), results
hidden until the close, and the public page of a matter."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jifen.deliberation import services
from jifen.deliberation.models import Matter, Status, Tier
from tests.api.conftest import assert_error
from tests.deliberation.conftest import building_poll, later

pytestmark = pytest.mark.django_db


def _iso(hours: float) -> str:
    return later(hours).isoformat()


def test_staff_open_a_matter_and_a_poll_and_residents_vote(world, block, api):
    staff = api(world.staff)
    made = staff.post(
        "/deliberations",
        {
            "region": block.building.code,
            "tier": "simple",
            "title": "3栋楼道加装声控灯",
            "description": "楼道太暗",
        },
    )
    assert made.status_code == 201, made.content
    matter_id = made.json_body["id"]
    assert made.json_body == {"id": matter_id, "status": "open", "tier": "simple"}
    opened = staff.post(
        f"/deliberations/{matter_id}/poll", {"closes_at": _iso(24), "quorum_percent": 50}
    )
    assert opened.status_code == 200, opened.content
    assert opened.json_body["status"] == "voting"
    assert opened.json_body["poll"]["results"] is None
    resident = api(block.residents[0])
    mine = resident.get("/deliberations/open-for-me")
    assert [m["id"] for m in mine.json_body["items"]] == [matter_id]
    vote = resident.post(f"/deliberations/{matter_id}/votes", {"choice": "agree"})
    assert vote.status_code == 200, vote.content
    assert vote.json_body["choice"] == "agree" and vote.json_body["changes"] == 0
    again = resident.post(f"/deliberations/{matter_id}/votes", {"choice": "disagree"})
    assert again.json_body["changes"] == 1
    seen = resident.get(f"/deliberations/{matter_id}")
    assert seen.json_body["my_choice"] == "disagree" and seen.json_body["may_vote"] is True
    assert seen.json_body["history"] == []  # a resident does not read the staff's history
    # Hidden until the close, from staff too, and on the public page.
    assert staff.get(f"/deliberations/{matter_id}").json_body["poll"]["results"] is None
    assert api().get(f"/public/deliberations/{matter_id}").json_body["poll"]["results"] is None


def test_the_result_is_public_once_the_poll_is_past_its_time(world, block, api):
    matter = building_poll(world, block, hours=1)
    for person in block.residents[:2]:
        services.vote(actor=person, matter=matter, choice="agree")
    Matter.objects.filter(pk=matter.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    public = api().get(f"/public/deliberations/{matter.pk}")
    assert public.status_code == 200
    body = public.json_body
    assert body["status"] == "counted"
    assert body["poll"]["results"] == {
        "agree": 2,
        "disagree": 0,
        "abstain": 0,
        "turnout": 2,
        "electorate": 3,
        "turnout_percent": 67,
        "quorum_met": True,
    }
    late = api(block.residents[2]).post(f"/deliberations/{matter.pk}/votes", {"choice": "agree"})
    assert_error(late, 409, "poll_not_open")


def test_outside_the_place_a_vote_is_403_and_a_bad_choice_400(world, block, api):
    matter = building_poll(world, block)
    assert_error(
        api(block.outsider).post(f"/deliberations/{matter.pk}/votes", {"choice": "agree"}),
        403,
        "not_a_voter",
    )
    for body in ({"choice": "yes"}, {}, [], {"choice": 1}):
        response = api(block.residents[0]).post(f"/deliberations/{matter.pk}/votes", body)
        assert response.status_code == 400, body
    assert_error(
        api(block.residents[0]).post("/deliberations/999999/votes", {"choice": "agree"}),
        404,
        "not_found",
    )
    assert api().post(f"/deliberations/{matter.pk}/votes", {"choice": "agree"}).status_code == 401


def test_an_inspector_reads_everything_and_writes_nothing(world, block, api):
    matter = building_poll(world, block)
    inspector = api(block.inspector)
    listed = inspector.get("/deliberations")
    assert [m["id"] for m in listed.json_body["items"]] == [matter.pk]
    detail = inspector.get(f"/deliberations/{matter.pk}")
    assert detail.status_code == 200 and detail.json_body["history"]
    writes = [
        ("/deliberations", {"region": block.building.code, "tier": "simple", "title": "x"}),
        (f"/deliberations/{matter.pk}/close", {"note": ""}),
        (f"/deliberations/{matter.pk}/decide", {"decision": "x"}),
        (f"/deliberations/{matter.pk}/escalate", {}),
        (f"/deliberations/{matter.pk}/cancel", {"reason": "x"}),
        (f"/deliberations/{matter.pk}/votes", {"choice": "agree"}),
    ]
    for path, body in writes:
        assert_error(
            inspector.post(path, body), 403, "forbidden" if "votes" not in path else "not_a_voter"
        )
    matter.refresh_from_db()
    assert matter.status == Status.VOTING


def test_staff_elsewhere_see_nothing_and_residents_may_not_open_matters(world, block, api):
    matter = building_poll(world, block)
    other = api(world.other_staff)
    assert other.get("/deliberations").json_body["items"] == []
    assert_error(other.post(f"/deliberations/{matter.pk}/close", {}), 404, "not_found")
    assert_error(
        other.post(
            "/deliberations", {"region": block.building.code, "tier": "simple", "title": "x"}
        ),
        403,
        "forbidden",
    )
    assert_error(
        api(world.resident).post(
            "/deliberations", {"region": block.building.code, "tier": "simple", "title": "x"}
        ),
        403,
        "forbidden",
    )


def test_bounds_are_400_never_500(world, block, api):
    staff = api(world.staff)
    base = {"region": block.building.code, "tier": "simple", "title": "楼道"}
    for bad in (
        {**base, "tier": "huge"},
        {**base, "title": ""},
        {**base, "title": "x" * 1001},
        {**base, "incident": 0},
        {**base, "incident": 2**63},
        {**base, "organizations": [1] * 51},
        {**base, "region": world.town.code},
        {**base, "title": "a\x00b"},
    ):
        response = staff.post("/deliberations", bad)
        assert response.status_code == 400, (bad, response.content)
    assert_error(staff.post("/deliberations", {**base, "region": "nowhere"}), 404, "unknown_region")
    matter_id = staff.post("/deliberations", base).json_body["id"]
    for bad in (
        {"closes_at": "2200-01-01T00:00:00+08:00"},
        {"closes_at": _iso(0.01)},
        {"closes_at": _iso(24 * 40)},
        {"closes_at": _iso(5), "quorum_percent": 0},
        {"closes_at": _iso(5), "quorum_percent": 101},
        {"closes_at": _iso(5), "quorum_percent": "50"},
    ):
        response = staff.post(f"/deliberations/{matter_id}/poll", bad)
        assert response.status_code == 400, (bad, response.content)
    assert staff.get("/deliberations/9223372036854775808").status_code == 400
    assert staff.get("/deliberations?limit=201").status_code == 400
    assert staff.get("/deliberations?status=bogus").status_code == 400
    assert api().get("/public/deliberations/0").status_code == 400
    assert api().get("/public/deliberations/123456").status_code == 404


def test_a_decision_and_its_actions_are_public_with_masked_people(world, block, api):
    staff = api(world.staff)
    matter_id = staff.post(
        "/deliberations",
        {
            "region": world.wenchang.code,
            "tier": "major",
            "title": "加装电梯",
            "organizations": [block.property_co.pk],
        },
    ).json_body["id"]
    assert_error(
        staff.post(f"/deliberations/{matter_id}/poll", {"closes_at": _iso(5)}),
        409,
        "invalid_transition",
    )
    called = staff.post(
        f"/deliberations/{matter_id}/meeting",
        {
            "kind": "joint",
            "at": _iso(-2),
            "place": "党群服务中心",
            "agenda": "加装电梯方案",
            "people": [world.resident.pk],
        },
    )
    assert called.status_code == 200, called.content
    invitees = {p["kind"]: p["id"] for p in called.json_body["parties"]}
    minutes = staff.post(
        f"/deliberations/{matter_id}/minutes",
        {"minutes": "同意加装", "attended": [invitees["organization"]], "residents_present": 12},
    )
    assert minutes.status_code == 200, minutes.content
    decided = staff.post(f"/deliberations/{matter_id}/decide", {"decision": "加装电梯"})
    assert decided.json_body["status"] == "decided"
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    action = staff.post(
        f"/deliberations/{matter_id}/actions",
        {"title": "方案公示", "due_on": due, "owner_person": world.resident.pk},
    )
    assert action.status_code == 201, action.content
    assert action.json_body["owner"] != world.resident.name  # masked
    assert_error(
        staff.post(f"/deliberations/{matter_id}/actions", {"title": "x", "due_on": due}),
        400,
        "invalid_input",
    )
    progress = api(world.resident).post(
        f"/deliberations/actions/{action.json_body['id']}/progress",
        {"percent": 60, "note": "公示中"},
    )
    assert progress.status_code == 200, progress.content
    assert progress.json_body["percent"] == 60 and progress.json_body["status"] == "underway"
    for bad in ({"percent": 101}, {"percent": -1}, {"percent": 50, "status": "x"}):
        assert (
            api(world.resident)
            .post(f"/deliberations/actions/{action.json_body['id']}/progress", bad)
            .status_code
            == 400
        )
    public = api().get(f"/public/deliberations/{matter_id}").json_body
    assert public["decision"] == "加装电梯"
    assert public["meeting"]["residents_present"] == 12
    assert [(a["title"], a["percent"]) for a in public["actions"]] == [("方案公示", 60)]
    names = {p["name"] for p in public["parties"]}
    assert block.property_co.name in names and world.resident.name not in names
    assert all(p["person"] is None for p in public["parties"])
    listed = api().get(f"/public/deliberations?region={world.wenchang.code}").json_body
    assert [m["id"] for m in listed["items"]] == [matter_id]
    assert api().get("/public/deliberations").status_code == 400
    done = staff.post(f"/deliberations/{matter_id}/complete")
    assert_error(done, 409, "actions_open")


def test_an_urgent_poll_by_api_names_its_parties(world, block, api):
    staff = api(world.staff)
    matter_id = staff.post(
        "/deliberations", {"region": world.compound.code, "tier": "urgent", "title": "暴雨排涝"}
    ).json_body["id"]
    assert_error(
        staff.post(f"/deliberations/{matter_id}/poll", {"closes_at": _iso(3)}),
        400,
        "parties_required",
    )
    opened = staff.post(
        f"/deliberations/{matter_id}/poll",
        {"closes_at": _iso(3), "organizations": [block.owners.pk, block.property_co.pk]},
    )
    assert opened.status_code == 200, opened.content
    vote = api(block.owners_contact).post(f"/deliberations/{matter_id}/votes", {"choice": "agree"})
    assert vote.status_code == 200
    assert_error(
        api(block.residents[0]).post(f"/deliberations/{matter_id}/votes", {"choice": "agree"}),
        403,
        "not_a_voter",
    )
    assert Matter.objects.get(pk=matter_id).tier == Tier.URGENT
