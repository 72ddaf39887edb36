"""The HTTP API: the contest's flow as clients call it, bounds, error shapes, hidden
scores, anonymous review, documents, the public page and the Excel of scores."""

import io

import pytest
from openpyxl import load_workbook
from PIL import Image

from jifen.contests import services
from jifen.contests.models import Contest, Document, Entry, Phase, Score, Stage
from tests.api.conftest import assert_error
from tests.contests.conftest import enter_both, marks, score_final, to_final

pytestmark = pytest.mark.django_db


def _sheet(contest: Contest, value: int) -> list[dict[str, int]]:
    return [{"criterion": c.pk, "score": value} for c in contest.criteria.all()]


def test_staff_run_a_contest_and_the_public_reads_its_results(world, cast, api):
    staff = api(world.staff)
    made = staff.post(
        "/contests",
        {"region": world.wenchang.code, "title": "项目大赛", "anonymous_review": True},
    )
    assert made.status_code == 201, made.content
    contest_id = made.json_body["id"]
    assert made.json_body["stage"] == "draft"
    detail = staff.get(f"/contests/{contest_id}").json_body
    assert len(detail["criteria"]) == 8 and detail["manage"] is True
    # A draft is nobody's business but staff's.
    assert api().get(f"/public/contests/{contest_id}").status_code == 404
    added = staff.post(f"/contests/{contest_id}/judges", {"people": [j.pk for j in cast.judges]})
    assert [j["person"] for j in added.json_body["judges"]] == [j.pk for j in cast.judges]
    assert staff.post(f"/contests/{contest_id}/open", {}).json_body["stage"] == "submission"
    entry = api(cast.unit_contact).post(
        f"/contests/{contest_id}/entries",
        {
            "organization": cast.unit.pk,
            "title": "长者助餐",
            "summary": "为独居老人送餐",
            "years_running": 2,
            "budget_yuan": "30000.50",
            "milestones": [{"title": "签约配餐点", "due_on": "2027-03-01"}],
        },
    )
    assert entry.status_code == 201, entry.content
    body = entry.json_body
    assert body["budget_fen"] == 3_000_050 and body["budget_yuan"] == "30000.50"
    assert body["code"] == "P01" and body["entrant"] == "文昌社工站"
    assert staff.post(f"/contests/{contest_id}/review", {}).json_body["stage"] == "review"
    # Anonymous review: the judge sees the code, not the unit.
    judge = api(cast.judges[0])
    seen = judge.get(f"/contests/{contest_id}/entries").json_body["items"][0]
    assert seen["code"] == "P01" and seen["entrant"] is None and seen["organization"] is None
    assert staff.get(f"/contests/{contest_id}/entries").json_body["items"][0]["entrant"]
    contest = Contest.objects.get(pk=contest_id)
    scored = judge.post(
        f"/contests/{contest_id}/scores",
        {"entry": body["id"], "phase": "review", "scores": _sheet(contest, 8)},
    )
    assert scored.status_code == 200, scored.content
    assert scored.json_body["total"] == "80.00"
    final = staff.post(f"/contests/{contest_id}/final", {"finalists": [body["id"]]})
    assert final.json_body["stage"] == "final"
    assert api().get(f"/public/contests/{contest_id}").json_body["finalists"] == ["长者助餐"]
    early = staff.post(f"/contests/{contest_id}/publish", {})
    assert_error(early, 409, "scores_missing")
    for person in cast.judges:
        client = api(person)
        for phase, value in (("roadshow", 9), ("live", 7)):
            r = client.post(
                f"/contests/{contest_id}/scores",
                {"entry": body["id"], "phase": phase, "scores": _sheet(contest, value)},
            )
            assert r.status_code == 200, r.content
    published = staff.post(f"/contests/{contest_id}/publish", {})
    assert published.status_code == 200, published.content
    row = published.json_body[0]
    assert (row["rank"], row["total"], row["roadshow"], row["live"]) == (
        1,
        "84.00",
        "90.00",
        "70.00",
    )
    assert row["winner"] is True and row["project"] is not None
    public = api().get(f"/public/contests/{contest_id}").json_body
    assert public["stage"] == "published"
    assert public["results"][0]["code"] == "P01" and public["results"][0]["entrant"] == "文昌社工站"
    listed = api().get(f"/public/contests?region={world.wenchang.code}").json_body
    assert [c["id"] for c in listed["items"]] == [contest_id]


def test_bad_input_is_400_never_500(world, cast, api):
    staff = api(world.staff)
    for body in (
        {"region": world.wenchang.code, "title": "x", "roadshow_weight": 80},
        {"region": world.wenchang.code, "title": "x", "score_visibility": "sometimes"},
        {"region": world.compound.code, "title": "x"},
        {"region": world.wenchang.code, "title": "x", "criteria": []},
        {"region": world.wenchang.code, "title": "x", "final_on": "1999-01-01"},
        {"region": world.wenchang.code, "title": "x", "winners": 0},
        {"region": world.wenchang.code, "title": "x", "roadshow_weight": 2**70},
    ):
        response = staff.post("/contests", body)
        assert response.status_code == 400, (body, response.content)
    assert staff.post("/contests", raw="[]").status_code == 400
    assert not Contest.objects.exists() or Contest.objects.count() == 1  # cast's own
    assert staff.get(f"/contests/{2**63}").status_code == 400
    assert staff.get("/contests?limit=201").status_code == 400


def test_marks_out_of_range_are_400_and_the_own_team_403(world, cast, api):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    c = cast.contest
    judge = api(cast.judges[0])
    for value in (11, -1):
        r = judge.post(
            f"/contests/{c.pk}/scores",
            {"entry": unit_entry.pk, "phase": "review", "scores": _sheet(c, value)},
        )
        assert_error(r, 400, "score_out_of_range")
    r = judge.post(
        f"/contests/{c.pk}/scores",
        {"entry": unit_entry.pk, "phase": "review", "scores": [{"criterion": 1, "score": 2.5}]},
    )
    assert r.status_code == 400
    own = api(cast.team_member).post(
        f"/contests/{c.pk}/scores",
        {"entry": team_entry.pk, "phase": "review", "scores": _sheet(c, 5)},
    )
    error = assert_error(own, 403, "own_entry")
    assert error["message"]
    closed = judge.post(
        f"/contests/{c.pk}/scores",
        {"entry": unit_entry.pk, "phase": "roadshow", "scores": _sheet(c, 5)},
    )
    assert_error(closed, 409, "phase_closed")
    assert not Score.objects.exists()
    aside = api(cast.judges[1]).post(
        f"/contests/{c.pk}/abstentions", {"entry": unit_entry.pk, "reason": "亲属在该站工作"}
    )
    assert aside.status_code == 201
    again = api(cast.judges[1]).post(
        f"/contests/{c.pk}/scores",
        {"entry": unit_entry.pk, "phase": "review", "scores": _sheet(c, 5)},
    )
    assert_error(again, 409, "abstained")


def test_a_judge_reads_other_sheets_only_as_the_setting_says(world, cast, api):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    a, b, _own = cast.judges
    services.score(
        actor=a,
        entry=unit_entry,
        phase=Phase.REVIEW,
        values=marks(cast.contest, 9),
        comment="预算偏高，建议压缩",
    )
    url = f"/contests/{cast.contest.pk}/scores?entry={unit_entry.pk}&phase=review"
    assert api(b).get(url).json_body == []
    assert len(api(a).get(url).json_body) == 1
    assert len(api(world.staff).get(url).json_body) == 1
    assert api(world.resident).get(url).status_code == 404
    services.start_final(actor=world.staff, contest=cast.contest)
    seen = api(b).get(url).json_body
    assert len(seen) == 1 and seen[0]["judge"] is None  # another judge's sheet, name masked
    # The comment is for staff (the form says so): another judge reads the marks, not it.
    assert seen[0]["comment"] == ""
    assert api(a).get(url).json_body[0]["comment"] == "预算偏高，建议压缩"
    assert api(world.staff).get(url).json_body[0]["comment"] == "预算偏高，建议压缩"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(out, "PNG")
    return out.getvalue()


def test_documents_are_checked_and_served_only_to_those_who_read_the_entry(
    world, cast, api, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    services.add_judges(actor=world.staff, contest=cast.contest, people=cast.judges)
    services.open_contest(actor=world.staff, contest=cast.contest)
    leader = api(world.resident)
    form = {
        "team": str(cast.team.pk),
        "title": "河道清洁",
        "summary": "每周清理",
        "budget_yuan": "1200",
        "milestones": '[{"title": "招募", "due_on": null}]',
    }
    fake = io.BytesIO(b"MZ\x90\x00 not a picture")
    fake.name = "plan.png"
    bad = leader.client.post(
        f"/api/v1/contests/{cast.contest.pk}/entries",
        {**form, "documents": fake},
        headers=leader.headers,
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_document"
    assert not Entry.objects.exists()  # nothing half-written
    picture = io.BytesIO(_png())
    picture.name = "../../计划书.png"
    good = leader.client.post(
        f"/api/v1/contests/{cast.contest.pk}/entries",
        {**form, "documents": picture},
        headers=leader.headers,
    )
    assert good.status_code == 201, good.content
    doc = good.json()["documents"][0]
    assert doc["name"] == "计划书.png" and doc["content_type"] == "image/png"
    assert good.json()["milestones"] == [{"title": "招募", "due_on": None}]
    path = f"/api/v1/contests/documents/{doc['id']}"
    judge = api(cast.judges[0])
    served = judge.client.get(path, headers=judge.headers)
    assert served.status_code == 200 and served["X-Content-Type-Options"] == "nosniff"
    stranger = api(world.stranger)
    assert stranger.client.get(path, headers=stranger.headers).status_code == 404
    assert Document.objects.count() == 1
    # In an anonymous review a file's own name ("文昌环卫队计划书") would name the team.
    Contest.objects.filter(pk=cast.contest.pk).update(anonymous_review=True)
    services.start_review(actor=world.staff, contest=cast.contest)
    entry_id = good.json()["id"]
    seen = judge.get(f"/contests/entries/{entry_id}").json_body["documents"][0]
    assert seen["name"] == f"P01-{doc['id']}.png"
    served = judge.client.get(path, headers=judge.headers)
    assert "计划书" not in served["Content-Disposition"]
    assert f"P01-{doc['id']}.png" in served["Content-Disposition"]
    staff_view = api(world.staff).get(f"/contests/entries/{entry_id}").json_body
    assert staff_view["documents"][0]["name"] == "计划书.png"  # staff see it as it came


def test_the_excel_of_scores_writes_typed_formulas_as_text(world, cast, api):
    team_entry, unit_entry = to_final(world, cast)
    Entry.objects.filter(pk=unit_entry.pk).update(title='=HYPERLINK("http://x","点我")')
    score_final(cast, team_entry, unit_entry)
    staff = api(world.staff)
    response = staff.client.get(
        f"/api/v1/contests/{cast.contest.pk}/scores.xlsx", headers=staff.headers
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    titles = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert '=HYPERLINK("http://x","点我")' in titles
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet.max_row == 1 + 10  # 2 judges × 2 entries × 2 phases + the third judge's 2
    assert (
        api(world.other_staff)
        .client.get(
            f"/api/v1/contests/{cast.contest.pk}/scores.xlsx",
            headers=api(world.other_staff).headers,
        )
        .status_code
        == 404
    )


def test_stage_steps_out_of_order_are_409(world, cast, api):
    staff = api(world.staff)
    assert_error(staff.post(f"/contests/{cast.contest.pk}/publish", {}), 409, "invalid_transition")
    assert_error(staff.post(f"/contests/{cast.contest.pk}/review", {}), 409, "invalid_transition")
    cancelled = staff.post(f"/contests/{cast.contest.pk}/cancel", {"reason": "经费未落实"})
    assert cancelled.json_body["stage"] == "cancelled"
    assert Contest.objects.get(pk=cast.contest.pk).stage == Stage.CANCELLED
    assert_error(staff.post(f"/contests/{cast.contest.pk}/open", {}), 409, "invalid_transition")


def test_a_criterion_marked_twice_is_400(world, cast, api):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    sheet = _sheet(cast.contest, 5)
    r = api(cast.judges[0]).post(
        f"/contests/{cast.contest.pk}/scores",
        {"entry": unit_entry.pk, "phase": "review", "scores": [*sheet, sheet[0]]},
    )
    assert_error(r, 400, "duplicate_criterion")
    assert not Score.objects.exists()


def test_an_entry_of_another_contest_is_404_on_this_ones_scores(world, cast, api):
    team_entry, unit_entry = enter_both(world, cast)
    other = services.create_contest(actor=world.staff, region=world.wenchang, title="另一场")
    r = api(cast.judges[0]).post(
        f"/contests/{other.pk}/scores",
        {"entry": unit_entry.pk, "phase": "review", "scores": _sheet(cast.contest, 5)},
    )
    assert_error(r, 404, "not_found")
