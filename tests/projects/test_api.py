"""The HTTP API: the flow of a 微实事 end to end, shapes, bounds, masks and refusals."""

import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from jifen.claims import services as claims
from jifen.people.auth import issue_token
from jifen.points import ledger
from jifen.projects import services
from jifen.projects.models import Milestone, Need, Project, Resource
from tests.api.conftest import assert_error
from tests.projects.conftest import all_reported, led, make_need, published

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def test_staff_turn_a_need_into_a_project_a_unit_leads_and_completes_it(
    world, units, api, second_reviewer
):
    staff = api(world.staff)
    need = staff.post(
        "/needs",
        {"community": world.wenchang.code, "title": "楼道照明", "source": "visit"},
    )
    assert need.status_code == 201, need.content
    need_id = need.json_body["id"]
    offer = api(units.bank_contact).post(
        "/resources",
        {
            "community": world.wenchang.code,
            "kind": "funds",
            "title": "资助五千元",
            "organization": units.bank.pk,
        },
    )
    assert offer.status_code == 201, offer.content
    made = staff.post(
        "/projects",
        {
            "community": world.wenchang.code,
            "title": "楼道照明改造",
            "summary": "三栋楼道装灯",
            "budget": "12500.50",
            "milestones": [{"title": "采购", "due_on": "2027-01-10"}, {"title": "安装"}],
            "source": "need",
            "needs": [need_id],
            "resources": [offer.json_body["id"]],
            "rule_item": units.item.pk,
            "points": 80,
        },
    )
    assert made.status_code == 201, made.content
    body = made.json_body
    project_id = body["id"]
    assert body["status"] == "draft" and body["budget_fen"] == 1_250_050
    assert body["budget_yuan"] == "12,500.50"
    assert [n["id"] for n in body["needs"]] == [need_id]
    # A draft is the staff's own: 404 to anyone else and on the public list.
    assert_error(api(units.clinic_contact).get(f"/projects/{project_id}"), 404, "not_found")
    assert api().get(f"/public/projects?community={world.wenchang.code}").json_body["count"] == 0
    assert staff.post(f"/projects/{project_id}/publish").json_body["status"] == "open"
    contact = api(units.clinic_contact)
    seen = contact.get(f"/projects/{project_id}").json_body
    assert seen["may_lead_for"] == [units.clinic.pk] and seen["may_report"] is False
    took = contact.post(f"/projects/{project_id}/lead", {"organization": units.clinic.pk})
    assert took.status_code == 200, took.content
    assert took.json_body["status"] == "led" and took.json_body["may_report"] is True
    late = api(units.bank_contact).post(
        f"/projects/{project_id}/lead", {"organization": units.bank.pk}
    )
    assert_error(late, 409, "already_taken")
    first, second = (m["id"] for m in took.json_body["milestones"])
    # Reported from a phone: a form with a photo.
    client = Client()
    reported = client.post(
        f"/api/v1/projects/{project_id}/milestones/{first}/report",
        {"note": "灯具已采购", "photo": io.BytesIO(_png())},
        headers={"Authorization": f"Bearer {issue_token(person=units.clinic_contact)}"},
    )
    assert reported.status_code == 200, reported.content
    milestone = reported.json()["milestones"][0]
    assert milestone["done"] is True and milestone["photo_url"]
    photo = Client().get(milestone["photo_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    early = contact.post(f"/projects/{project_id}/complete", {"note": "x"})
    assert_error(early, 409, "milestones_open")
    contact.post(f"/projects/{project_id}/milestones/{second}/report", {"note": "安装完毕"})
    done = contact.post(f"/projects/{project_id}/complete", {"note": "全部完工"})
    assert done.status_code == 200, done.content
    assert done.json_body["status"] == "completed"
    assert done.json_body["claim_status"] == "pending"
    claim_id = done.json_body["claim"]
    assert Need.objects.get(pk=need_id).status == "met"
    claims.approve_claim(claim=claim_id, reviewer=world.reviewer)
    claims.approve_claim(claim=claim_id, reviewer=second_reviewer)
    assert ledger.account_for(units.clinic).balance == 80
    public = api().get(f"/public/projects/{project_id}").json_body
    assert public["status"] == "reviewed"  # settled on reading
    assert [m["done"] for m in public["milestones"]] == [True, True]
    assert public["rule_item"] is None  # the staff's detail
    assert all(e["actor"] is None for e in public["history"])  # no names in public
    listed = api().get(f"/public/projects?community={world.wenchang.code}").json_body
    assert [p["id"] for p in listed["items"]] == [project_id]
    assert listed["items"][0]["milestones_done"] == 2


def test_public_resources_mask_people_and_show_no_phone(world, units, api):
    services.offer_resource(
        actor=world.staff,
        community=world.wenchang,
        kind="vehicle",
        title="面包车",
        person=world.resident,
    )
    anonymous = api().get(f"/public/resources?community={world.wenchang.code}")
    assert anonymous.status_code == 200
    item = anonymous.json_body["items"][0]
    assert item["offered_by"] == "王*英" and item["person"] is None
    assert world.resident.phone not in anonymous.content.decode()
    staff = api(world.staff).get(f"/resources?community={world.wenchang.code}").json_body
    assert staff["items"][0]["offered_by"] == "王淑英"
    assert staff["items"][0]["person"] == world.resident.pk


def test_needs_are_taken_by_party_members_and_units(world, units, api):
    need = make_need(world)
    listed = api(units.party_member).get(f"/needs?community={world.wenchang.code}")
    assert [n["id"] for n in listed.json_body["items"]] == [need.pk]
    assert_error(api(world.resident).post(f"/needs/{need.pk}/claim", {}), 403, "not_party_member")
    assert_error(
        api(units.clinic_member).post(f"/needs/{need.pk}/claim", {"organization": units.clinic.pk}),
        403,
        "not_contact",
    )
    took = api(units.party_member).post(f"/needs/{need.pk}/claim", {})
    assert took.status_code == 200 and took.json_body["status"] == "claimed"
    assert took.json_body["taken_by"] == "周党员"  # their own name, to themselves
    public_view = api(units.bank_contact).get(f"/needs/{need.pk}").json_body
    assert public_view["taken_by"] == "周*员" and public_view["history"] == []
    assert_error(
        api(units.bank_contact).post(f"/needs/{need.pk}/claim", {"organization": units.bank.pk}),
        409,
        "already_taken",
    )
    mine = api(units.party_member).get(f"/needs?community={world.wenchang.code}&mine=true")
    assert [n["id"] for n in mine.json_body["items"]] == [need.pk]


@pytest.mark.parametrize(
    "body",
    [
        {"budget": -1},
        {"budget": "1.001"},
        {"budget": 100_000_001},
        {"points": 0},
        {"points": 1_000_001},
        {"milestones": [{"title": "x", "due_on": "1999-12-31"}]},
        {"title": "a\x00b"},
        {"source": "nowhere"},
        {"needs": [2**63]},
    ],
)
def test_bad_project_bodies_answer_400_and_write_nothing(world, units, api, body):
    made = api(world.staff).post(
        "/projects", {"community": world.wenchang.code, "title": "x", **body}
    )
    assert made.status_code == 400, made.content
    assert not Project.objects.exists()


def test_unknown_ids_answer_404_and_huge_ids_400(world, units, api):
    staff = api(world.staff)
    assert_error(staff.get("/projects/999999"), 404, "not_found")
    assert_error(staff.post("/needs/999999/claim", {}), 404, "not_found")
    assert staff.get(f"/projects/{2**63}").status_code == 400
    assert_error(
        staff.post("/projects", {"community": world.wenchang.code, "title": "x", "needs": [99]}),
        404,
        "not_found",
    )
    assert_error(api().get("/public/projects?community=nowhere"), 404, "unknown_region")
    assert staff.post("/projects", [1, 2]).status_code == 400


def test_others_cannot_report_or_complete_and_staff_elsewhere_see_no_draft(world, units, api):
    project = led(world, units)
    milestone = project.milestones.first()
    for person in (units.bank_contact, units.clinic_member, world.resident, world.reviewer):
        answer = api(person).post(f"/projects/{project.pk}/milestones/{milestone.pk}/report", {})
        assert answer.status_code == 403, (person, answer.content)
        assert api(person).post(f"/projects/{project.pk}/complete", {}).status_code == 403
    assert Milestone.objects.get(pk=milestone.pk).done_at is None
    drafted = services.create_project(
        actor=world.staff, community=world.wenchang, title="草稿", summary="", budget_fen=0
    )
    assert_error(api(world.other_staff).get(f"/projects/{drafted.pk}"), 404, "not_found")
    assert_error(api(world.other_staff).post(f"/projects/{drafted.pk}/publish"), 404, "not_found")


def test_staff_patch_a_project(world, units, api):
    project = published(world, units)
    client = Client()
    answer = client.patch(
        f"/api/v1/projects/{project.pk}",
        data=json.dumps({"budget": 300, "points": 40}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(person=world.staff)}"},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["budget_fen"] == 30_000 and answer.json()["points"] == 40
    refused = client.patch(
        f"/api/v1/projects/{project.pk}",
        data=json.dumps({"points": 41}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_token(person=units.clinic_contact)}"},
    )
    assert refused.status_code == 403
    assert Project.objects.get(pk=project.pk).points == 40


def test_a_resource_of_a_unit_of_another_town_is_refused(world, units, api):
    answer = api(units.far_contact).post(
        "/resources",
        {
            "community": world.wenchang.code,
            "kind": "goods",
            "title": "x",
            "organization": units.far.pk,
        },
    )
    assert_error(answer, 400, "organization_elsewhere")
    assert not Resource.objects.exists()


def test_the_public_list_costs_the_same_queries_for_more_projects(world, units, api):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            answer = api().get(f"/public/projects?community={world.wenchang.code}")
        assert answer.status_code == 200
        return len(captured.captured_queries)

    led(world, units)
    few = count()
    for _ in range(4):
        led(world, units)
    assert count() == few


def test_completion_with_an_idempotency_key_answers_a_retry_with_the_first_answer(
    world, units, api
):
    project = all_reported(world, units)
    contact = api(units.clinic_contact)
    key = {"Idempotency-Key": f"complete-{project.pk}"}
    first = contact.post(f"/projects/{project.pk}/complete", {"note": "完工"}, **key)
    again = contact.post(f"/projects/{project.pk}/complete", {"note": "完工"}, **key)
    assert first.status_code == again.status_code == 200, again.content
    assert first.json()["claim"] == again.json()["claim"] is not None
    assert_error(
        contact.post(f"/projects/{project.pk}/complete", {"note": "别的"}, **key),
        409,
        "idempotency_conflict",
    )
