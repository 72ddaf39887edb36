"""The HTTP API: a round planned, scored and published; bounds (400), state (409); the
public page names no person; the Excel of scores keeps a formula-like name as text."""

import io

import pytest
from openpyxl import load_workbook

from jifen.people.models import Organization
from jifen.property_review import services
from jifen.property_review.models import Finding
from tests.api.conftest import assert_error
from tests.property_review.conftest import first_inspection, plan_round

pytestmark = pytest.mark.django_db


def test_staff_plan_open_close_and_publish_a_round(world, estate, api):
    staff = api(world.staff)
    made = staff.post(
        "/property-reviews",
        {"region": world.wenchang.code, "quarter": "2026Q4", "title": "文昌社区物业互评"},
    )
    assert made.status_code == 201, made.content
    round_id = made.json_body["id"]
    assert made.json_body == {"id": round_id, "status": "draft"}
    for org, compound in zip(estate.companies, estate.compounds, strict=True):
        added = staff.post(
            f"/property-reviews/{round_id}/companies",
            {"organization": org.pk, "compounds": [compound.code]},
        )
        assert added.status_code == 200, added.content
    body = added.json_body
    assert [c["name"] for c in body["companies"]] == ["江滨物业", "万家物业", "福安物业"]
    assert len(body["items"]) == 6
    own = staff.post(
        f"/property-reviews/{round_id}/inspections",
        {"compound": estate.compounds[0].code, "inspector": estate.companies[0].pk},
    )
    assert_error(own, 400, "own_compound")
    planned = staff.post(
        f"/property-reviews/{round_id}/inspections",
        {
            "compound": estate.compounds[1].code,
            "inspector": estate.companies[0].pk,
            "scheduled_on": "2026-12-10",
            "panel": [
                {"person": estate.owner.pk, "kind": "owner"},
                {"person": estate.party.pk, "kind": "party"},
            ],
        },
    )
    assert planned.status_code == 201, planned.content
    inspection = planned.json_body["inspections"][0]
    assert inspection["inspected"] == "万家物业" and len(inspection["panel"]) == 2
    opened = staff.post(f"/property-reviews/{round_id}/open")
    assert opened.json_body["status"] == "open"

    owner = api(estate.owner)
    mine = owner.get("/property-reviews/inspections/mine")
    assert [i["id"] for i in mine.json_body] == [inspection["id"]]
    checklist = owner.get(f"/property-reviews/inspections/{inspection['id']}").json_body
    assert checklist["may_score"] is True and checklist["scores"] == {}
    items = checklist["items"]
    too_high = owner.post(
        f"/property-reviews/inspections/{inspection['id']}/scores",
        {"scores": [{"item": items[0]["id"], "score": items[0]["max_score"] + 1}]},
    )
    assert_error(too_high, 400, "score_out_of_range")
    for bad in ("5", 2.5, None, True):
        refused = owner.post(
            f"/property-reviews/inspections/{inspection['id']}/scores",
            {"scores": [{"item": items[0]["id"], "score": bad}]},
        )
        assert refused.status_code == 400, (bad, refused.content)
    # The same item twice with two scores: which one did the member mean? Neither is kept.
    twice = owner.post(
        f"/property-reviews/inspections/{inspection['id']}/scores",
        {"scores": [{"item": items[0]["id"], "score": 5}, {"item": items[0]["id"], "score": 6}]},
    )
    assert_error(twice, 400, "duplicate_item")
    assert owner.get(f"/property-reviews/inspections/{inspection['id']}").json_body["scores"] == {}
    scored = owner.post(
        f"/property-reviews/inspections/{inspection['id']}/scores",
        {"scores": [{"item": i["id"], "score": i["max_score"]} for i in items]},
    )
    assert scored.status_code == 200, scored.content
    assert len(scored.json_body["scores"]) == 6
    finding = owner.post(
        f"/property-reviews/inspections/{inspection['id']}/findings",
        {"problem": "消防通道堆放杂物", "location": "3栋东侧"},
    )
    assert finding.status_code == 201, finding.content
    assert finding.json_body["status"] == "recorded"

    closed = staff.post(f"/property-reviews/{round_id}/close")
    assert closed.json_body["status"] == "closed"
    top = closed.json_body["results"][0]
    assert top["company"] == "万家物业" and top["total"] == "100.00" and top["rank"] == 1
    late = owner.post(
        f"/property-reviews/inspections/{inspection['id']}/scores",
        {"scores": [{"item": items[0]["id"], "score": 1}]},
    )
    assert_error(late, 409, "round_not_open")
    # counted, not yet public
    assert api().get(f"/public/property-reviews/{round_id}").json_body["results"] == []
    staff.post(f"/property-reviews/{round_id}/publish")
    public = api().get(f"/public/property-reviews/{round_id}").json_body
    assert public["results"][0]["total"] == "100.00"
    again = staff.post(f"/property-reviews/{round_id}/publish")
    assert_error(again, 409, "invalid_transition")


def test_a_finding_over_the_api_from_track_to_verified(world, estate, api):
    round_ = plan_round(world, estate)
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="楼道灯不亮"
    )
    contact = api(estate.contacts[1])
    assert_error(contact.get(f"/property-reviews/findings/{finding.pk}"), 404, "not_found")
    staff = api(world.staff)
    tracked = staff.post(
        f"/property-reviews/findings/{finding.pk}/track", {"due_on": "2026-12-31", "note": "尽快"}
    )
    assert tracked.status_code == 200, tracked.content
    assert tracked.json_body["status"] == "open" and tracked.json_body["due_on"] == "2026-12-31"
    mine = contact.get("/property-reviews/findings?mine=true")
    assert [f["id"] for f in mine.json_body["items"]] == [finding.pk]
    assert_error(
        contact.post(f"/property-reviews/findings/{finding.pk}/fixed", {}), 400, "invalid_input"
    )
    done = contact.post(f"/property-reviews/findings/{finding.pk}/fixed", {"note": "已更换灯泡"})
    assert done.status_code == 200 and done.json_body["status"] == "fixed"
    assert_error(
        staff.post(f"/property-reviews/findings/{finding.pk}/verify", {"ok": "yes"}),
        400,
        "invalid_input",
    )
    ok = staff.post(f"/property-reviews/findings/{finding.pk}/verify", {"ok": True})
    assert ok.json_body["status"] == "verified"
    assert [e["step"] for e in ok.json_body["history"]] == ["record", "track", "fix", "verify"]


def test_the_public_page_names_no_person(world, estate, api):
    round_ = plan_round(world, estate)
    finding = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="绿化带缺株"
    )
    hidden = services.record_finding(
        actor=estate.owner, inspection=first_inspection(round_), problem="还没分拣的问题"
    )
    services.track(actor=world.staff, finding=finding)
    public = api().get(f"/public/property-reviews/{round_.pk}")
    assert public.status_code == 200
    text = public.content.decode()
    for person in (estate.owner, estate.party, estate.contacts[1], world.staff):
        assert person.name not in text
        assert person.phone not in text
    assert [f["id"] for f in public.json_body["findings"]] == [finding.pk]
    assert hidden.pk not in [f["id"] for f in public.json_body["findings"]]
    listed = api().get(f"/public/property-reviews?region={world.wenchang.code}")
    assert [r["id"] for r in listed.json_body["items"]] == [round_.pk]


def test_a_draft_is_not_public_and_bad_ids_are_400_or_404(world, estate, api):
    round_ = plan_round(world, estate, open_it=False)
    assert_error(api().get(f"/public/property-reviews/{round_.pk}"), 404, "not_found")
    assert api().get(f"/public/property-reviews/{2**63}").status_code == 400
    assert api().get("/public/property-reviews/0").status_code == 400
    staff = api(world.staff)
    assert staff.get(f"/property-reviews/{2**63 - 1}").status_code == 404
    assert staff.post("/property-reviews", [1, 2]).status_code == 400
    bad = staff.post("/property-reviews", {"region": world.wenchang.code, "quarter": "2026Q9"})
    assert_error(bad, 400, "invalid_quarter")
    assert_error(
        staff.post(
            f"/property-reviews/{round_.pk}/items", {"group": "安全", "title": "x", "max_score": 0}
        ),
        400,
        "out_of_range",
    )
    huge = staff.post(
        f"/property-reviews/{round_.pk}/items", {"group": "安全", "title": "x", "max_score": 10**9}
    )
    assert huge.status_code == 400


def test_the_excel_keeps_a_formula_like_name_as_text(world, estate, api):
    org = estate.companies[1]
    Organization.objects.filter(pk=org.pk).update(name='=HYPERLINK("http://x","y")')
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    services.submit_scores(
        actor=estate.owner, inspection=inspection, scores={i.pk: 5 for i in round_.items.all()}
    )
    services.close_round(actor=world.staff, round=round_)
    staff = api(world.staff)
    got = staff.client.get(
        f"/api/v1/property-reviews/{round_.pk}/scores.xlsx", headers=staff.headers
    )
    assert got.status_code == 200
    assert got["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(got.content)).active
    names = {row[1].value: row[1] for row in sheet.iter_rows(min_row=5)}
    cell = names['=HYPERLINK("http://x","y")']
    assert cell.data_type == "s"
    public = f"/public/property-reviews/{round_.pk}/scores.xlsx"
    assert api().get(public).status_code == 404
    services.publish_round(actor=world.staff, round=round_)
    assert api().client.get(f"/api/v1{public}").status_code == 200


def test_a_photo_with_the_finding_is_re_encoded_and_not_public(world, estate, client):
    from PIL import Image

    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "a.jpg"
    from jifen.people.auth import issue_token

    token = issue_token(person=estate.owner)
    made = client.post(
        f"/api/v1/property-reviews/inspections/{inspection.pk}/findings",
        {"problem": "井盖破损", "location": "南门", "photos": [buffer]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert made.status_code == 201, made.content
    assert len(made.json()["photos"]) == 1
    not_a_photo = io.BytesIO(b"not an image")
    not_a_photo.name = "x.jpg"
    refused = client.post(
        f"/api/v1/property-reviews/inspections/{inspection.pk}/findings",
        {"problem": "井盖破损", "photos": [not_a_photo]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 400
    assert Finding.objects.count() == 1  # nothing half-written
    url = made.json()["photos"][0]
    assert client.get(url).status_code == 302  # not for anonymous
    client.force_login(world.stranger)
    assert client.get(url).status_code == 404
    client.force_login(estate.owner)
    assert client.get(url).status_code == 200
