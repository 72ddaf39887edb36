"""The API of CONTRACT: POST /party/reports and GET /organizations/{id}/statements/{quarter},
with the error shape for bad input, and the rest a client needs."""

import pytest

from jifen.party.models import Report, Service, Statement
from jifen.witness.models import Entry
from tests.api.conftest import assert_error
from tests.party.conftest import MONDAY, SATURDAY, reporting, served

pytestmark = pytest.mark.django_db


def test_a_member_reports_home_once(world, unit, api):
    client = api(unit.member)
    body = {"community": world.wenchang.code, "employer": unit.employer.pk}
    created = client.post("/party/reports", body)
    assert created.status_code == 201, created.content
    assert created.json_body["status"] == "active"
    assert created.json_body["history"][0]["step"] == "file"
    unit.member.refresh_from_db()
    assert unit.member.is_reporting_party_member and unit.member.employer == "县税务局"
    assert_error(client.post("/party/reports", body), 409, "already_reporting")
    assert Report.objects.count() == 1
    mine = client.get("/party/reports/mine").json_body
    assert [r["id"] for r in mine] == [created.json_body["id"]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"community": "nowhere", "employer": 1}, 404, "unknown_region"),
        ({"community": "350524100001", "employer": 999999}, 404, "not_found"),
        ({"community": "350524100001", "employer": 0}, 400, "invalid_input"),
        ({"community": "350524100001", "employer": "x"}, 400, "invalid_input"),
        ({"community": "350524100001"}, 400, "invalid_input"),
        ({"community": "350524100002", "employer": None}, 400, "invalid_input"),
        ([1, 2], 400, "invalid_input"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(world, unit, api, body, status, code):
    assert_error(api(unit.member).post("/party/reports", body), status, code)
    assert not Report.objects.exists()


def test_a_report_to_another_community_is_refused(world, unit, api):
    body = {"community": world.jinyue.code, "employer": unit.employer.pk}
    error = assert_error(api(unit.member).post("/party/reports", body), 400, "invalid_input")
    assert error["field"] == "community"


def test_anonymous_callers_are_refused(world, unit, api):
    body = {"community": world.wenchang.code, "employer": unit.employer.pk}
    assert api().post("/party/reports", body).status_code == 401
    assert api().get(f"/organizations/{unit.employer.pk}/statements/2026Q3").status_code == 401


def test_staff_correct_and_end_and_others_cannot_see(world, unit, api):
    report = reporting(world, unit)
    assert_error(api(world.other_staff).get(f"/party/reports/{report.pk}"), 404, "not_found")
    assert_error(api(world.resident).post(f"/party/reports/{report.pk}/end", {}), 404, "not_found")
    staff = api(world.staff)
    corrected = staff.post(f"/party/reports/{report.pk}/correct", {"employer": unit.other.pk})
    assert corrected.json_body["employer"] == unit.other.pk
    ended = staff.post(f"/party/reports/{report.pk}/end", {"reason": "退休"})
    assert ended.json_body["status"] == "ended"
    assert_error(staff.post(f"/party/reports/{report.pk}/end", {}), 409, "invalid_transition")
    listed = staff.get("/party/reports?status=ended").json_body
    assert [r["id"] for r in listed["items"]] == [report.pk]
    assert_error(staff.get("/party/reports?status=nope"), 400, "invalid_input")


def test_home_days_and_approvals(world, unit, api):
    reporting(world, unit)
    served(world, unit, MONDAY)
    staff = api(world.staff)
    put = staff._call("put", "/party/home-days", {"community": world.wenchang.code, "days": 10})
    assert put.json_body["days"] == 10
    bad = staff._call("put", "/party/home-days", {"community": world.wenchang.code, "days": 0})
    assert_error(bad, 400, "invalid_input")
    other = api(world.other_staff)._call(
        "put", "/party/home-days", {"community": world.wenchang.code, "days": 3}
    )
    assert_error(other, 403, "forbidden")
    api(unit.member).get("/party/services/mine")  # marks the member's service
    pending = staff.get("/party/services?status=pending").json_body["items"]
    assert len(pending) == 1 and pending[0]["working_hours"]
    sid = pending[0]["id"]
    assert_error(
        api(world.other_staff).post(f"/party/services/{sid}/approve", {}), 404, "not_found"
    )
    assert_error(staff.post(f"/party/services/{sid}/reject", {}), 400, "invalid_input")
    assert staff.post(f"/party/services/{sid}/approve", {}).json_body["status"] == "approved"
    assert_error(staff.post(f"/party/services/{sid}/approve", {}), 409, "invalid_transition")
    assert Service.objects.get(pk=sid).events.count() == 2


def test_the_statement_of_a_quarter(world, unit, api):
    reporting(world, unit)
    served(world, unit, SATURDAY, hours="2.5")
    path = f"/organizations/{unit.employer.pk}/statements"
    contact = api(unit.contact)
    assert_error(contact.get(f"{path}/2026Q4"), 409, "quarter_not_ended")
    for bad in ("2026Q5", "2026-Q3", "26Q3", "1999Q1", "x" * 16):
        assert_error(contact.get(f"{path}/{bad}"), 400, "invalid_input")
    assert_error(contact.get(f"{path}/2023Q1"), 409, "quarter_too_old")
    assert_error(api(unit.plain).get(f"{path}/2026Q3"), 403, "forbidden")
    assert_error(api(world.resident).get(f"{path}/2026Q3"), 403, "forbidden")
    assert not Statement.objects.exists()
    got = contact.get(f"{path}/2026Q3")
    assert got.status_code == 200, got.content
    body = got.json_body
    member = body["lines"][0]
    assert (member["full_name"], member["hours"], member["points"]) == ("林党员", "2.5", 25)
    assert body["witnessed"] and body["version"] == "jifen-statement-v1"
    # The unit is the county's: the county's log witnesses it (no town lies above).
    assert Entry.objects.filter(kind="statement", subject=str(unit.employer.pk)).count() == 1
    again = api(world.staff).get(f"{path}/2026Q3").json_body
    assert again["seal"] == body["seal"] and Statement.objects.count() == 1
    assert_error(contact.get("/organizations/999999/statements/2026Q3"), 404, "not_found")
    public = api().get(f"/public/statements/{body['id']}").json_body
    assert public["matches"] and public["recomputed_seal"] == body["seal"]
    assert public["lines"][0]["name"] == "林*员"
    assert public["lines"][0].get("full_name") is None and public["lines"][0].get("person") is None


def test_the_not_reporting_list(world, unit, api):
    from datetime import date

    reporting(world, unit, since=date(2026, 1, 1))
    path = f"/organizations/{unit.employer.pk}/not-reporting"
    rows = api(unit.contact).get(path).json_body
    assert [r["person"] for r in rows] == [unit.member.pk]
    assert_error(api(unit.plain).get(path), 403, "forbidden")
