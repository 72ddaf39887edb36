"""GET /inspection/summary and /inspection/messages: who may read, what comes back, and
no 500 for any input; an inspector writes nothing anywhere."""

import pytest

from jifen.incidents.models import Category, Incident
from jifen.incidents.services import report
from tests.api.conftest import assert_error

MARCH = "from=2026-03-01&to=2026-03-31"


def test_the_summary_for_an_inspector(world, inspected, api):
    r = api(inspected.inspector).get(f"/inspection/summary?region={world.town.code}&{MARCH}")
    assert r.status_code == 200, r.content
    body = r.json_body
    assert body["region"] == world.town.code
    assert body["total"]["received"] == 5
    # Against real time every March message still waiting is past due.
    assert body["total"]["overdue"] == 2 and body["total"]["unanswered"] == 1
    assert {a["key"] for a in body["by_area"]} == {
        world.wenchang.code,
        world.jinyue.code,
        world.town.code,
    }
    assert body["disclosures_missing"] == {"count": 0, "items": []}
    assert body["incidents"]["total"] == 0
    assert "clock hours" in body["hours"]


def test_the_inspectors_first_region_is_the_default(world, inspected, api):
    r = api(inspected.inspector).get(f"/inspection/summary?{MARCH}&monthly=true")
    assert r.status_code == 200
    assert r.json_body["region"] == world.town.code
    assert r.json_body["by_month"][0]["month"] == "2026-03"


@pytest.mark.parametrize(
    "who, region, status",
    [
        ("inspector", "county", 403),
        ("inspector", "wanmei", 403),
        ("staff", "wenchang", 403),
        ("reviewer", "wenchang", 403),
        ("resident", "wenchang", 403),
        ("town_admin", "town", 200),
        ("county_admin", "county", 200),
    ],
)
def test_who_may_read_the_summary(world, inspected, api, who, region, status):
    person = inspected.inspector if who == "inspector" else getattr(world, who)
    code = getattr(world, region).code
    assert api(person).get(f"/inspection/summary?region={code}&{MARCH}").status_code == status
    assert api(person).get(f"/inspection/messages?region={code}&{MARCH}").status_code == status


def test_anonymous_is_refused(world, inspected, api):
    assert api().get(f"/inspection/summary?region={world.town.code}").status_code == 401


@pytest.mark.parametrize(
    "path, query",
    [
        ("summary", "from=1999-12-31"),
        ("summary", "to=2101-01-01"),
        ("summary", "from=2026-04-01&to=2026-03-01"),
        ("summary", "from=not-a-day"),
        ("summary", "monthly=maybe"),
        ("messages", "figure=everything"),
        ("messages", "month=2026-13"),
        ("messages", "month=1999-12"),
        ("messages", "q=" + "路" * 51),
        ("messages", "q=%00"),
        ("messages", "area=NOPE"),
        ("messages", "limit=201"),
        ("messages", "offset=10000001"),
    ],
)
def test_bad_input_is_400_never_500(world, inspected, api, path, query):
    r = api(inspected.inspector).get(f"/inspection/{path}?region={world.town.code}&{query}")
    assert r.status_code in (400, 422), (query, r.status_code, r.content)


def test_a_long_region_code_is_refused(world, inspected, api):
    r = api(inspected.inspector).get("/inspection/summary?region=" + "X" * 33)
    assert r.status_code in (400, 422)


def test_an_unknown_region_is_404(world, inspected, api):
    r = api(inspected.inspector).get("/inspection/summary?region=NOWHERE")
    assert_error(r, 404, "unknown_region")


def test_drill_down_to_the_overdue(world, inspected, api):
    r = api(inspected.inspector).get(
        f"/inspection/messages?region={world.town.code}&{MARCH}&figure=overdue"
    )
    assert r.status_code == 200
    ids = [m["id"] for m in r.json_body["items"]]
    assert sorted(ids) == sorted([inspected.m3.pk, inspected.m4.pk])
    first = r.json_body["items"][0]
    assert first["url"] == f"/console/messages/{first['id']}/"
    assert "*" in first["author"]  # masked


def test_drill_down_by_area_topic_and_month(world, inspected, api):
    who = api(inspected.inspector)
    base = f"/inspection/messages?region={world.town.code}"
    by_area = who.get(f"{base}&{MARCH}&area={world.wenchang.code}").json_body
    assert by_area["count"] == 3
    own = who.get(f"{base}&{MARCH}&area={world.town.code}&exact=true").json_body
    assert [m["id"] for m in own["items"]] == [inspected.m7.pk]
    policy = who.get(f"{base}&{MARCH}&topic=policy").json_body
    assert {m["id"] for m in policy["items"]} == {inspected.m1.pk, inspected.m4.pk}
    april = who.get(f"{base}&from=2026-03-01&to=2026-04-30&month=2026-04").json_body
    assert [m["id"] for m in april["items"]] == [inspected.m6.pk]
    # An area outside the region inspected is refused, not quietly emptied.
    outside = who.get(f"{base}&{MARCH}&area={world.wanmei.code}")
    assert outside.status_code == 400


def test_search_stays_in_the_region(world, inspected, api):
    # 路灯 is in m2's text (文昌) and in the answer to m5 (湾美, the other town).
    town = api(inspected.inspector).get(
        f"/inspection/messages?region={world.town.code}&{MARCH}&q=路灯"
    )
    assert [m["id"] for m in town.json_body["items"]] == [inspected.m2.pk]
    county = api(inspected.county_inspector).get(
        f"/inspection/messages?region={world.county.code}&{MARCH}&q=路灯"
    )
    assert {m["id"] for m in county.json_body["items"]} == {inspected.m2.pk, inspected.m5.pk}
    # In an answer only: 身份证 is in the reply to m1.
    answer = api(inspected.inspector).get(
        f"/inspection/messages?region={world.town.code}&{MARCH}&q=身份证"
    )
    assert [m["id"] for m in answer.json_body["items"]] == [inspected.m1.pk]


def test_an_inspector_writes_nothing(world, inspected, api):
    """Messages, disclosures and incidents refuse every write of an inspector (403)."""
    who = api(inspected.county_inspector)
    m = inspected.m4
    assert who.post(f"/messages/{m.pk}/reply", {"body": "巡察答复"}).status_code == 403
    assert who.post(f"/messages/{m.pk}/close", {"note": "关闭"}).status_code == 403
    assert who.post(f"/messages/{m.pk}/rate", {"rating": 5}).status_code == 403
    assert (
        who.post(
            "/disclosures",
            {"region": world.wenchang.code, "category": "finance", "title": "巡察发布"},
        ).status_code
        == 403
    )
    assert (
        who.post(
            "/disclosures/schedules",
            {"region": world.wenchang.code, "category": "finance", "frequency": "monthly"},
        ).status_code
        == 403
    )
    category = Category.objects.create(
        region=world.county, code="T-HJ", name="环境卫生", tier="community", deadline_days=3
    )
    incident = report(
        actor=world.staff, region=world.wenchang, category=category.code, description="垃圾堆积"
    )
    assert who.post(f"/incidents/{incident.pk}/accept").status_code == 403
    assert who.post(f"/incidents/{incident.pk}/close", {"reason": "no_action"}).status_code == 403
    incident.refresh_from_db()
    assert incident.status == "reported"
    m.refresh_from_db()
    assert m.status == "open" and m.first_answered_at is None
    assert Incident.objects.count() == 1
