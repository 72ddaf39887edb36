"""The service requests over HTTP: every endpoint, the error shape and its codes, what
each caller reads of a request, and the replay of an idempotent confirmation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jifen.claims.models import Claim, Source
from jifen.lib.bounds import MAX_ID
from jifen.people.models import Organization, OrganizationMember, Team, TeamMember
from jifen.requests import services
from jifen.requests.models import Event, ServiceRequest, Status
from tests.api.conftest import assert_error
from tests.conftest import make_person


def body(**changes):
    return {
        "kind": "request",
        "community": "350524100001",
        "category": "REPAIR",
        "title": "电饭煲坏了",
        "description": "按键没反应",
        "address": "江滨花园 3 栋 201",
        **changes,
    }


def steps_of(request_id: int) -> list[str]:
    return list(Event.objects.filter(request_id=request_id).values_list("step", flat=True))


def ask(api, world, **changes) -> int:
    response = api(world.resident).post("/requests", body(**changes))
    assert response.status_code == 201, response.content
    return response.json()["id"]


# --- Asking -------------------------------------------------------------------------------


def test_a_resident_asks_and_reads_it_back_with_its_history(world, menu, api):
    response = api(world.resident).post("/requests", body(points=12))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "submitted" and data["kind"] == "request"
    assert data["category"] == "REPAIR" and data["category_name"] == "家电维修"
    assert data["address"] == "江滨花园 3 栋 201" and data["points"] == 12
    assert data["requester"] == world.resident.pk and data["entered_as"] == "self"
    assert [e["step"] for e in data["history"]] == ["submit"]
    stored = ServiceRequest.objects.get(pk=data["id"])
    assert (stored.requester, stored.title, stored.points) == (world.resident, "电饭煲坏了", 12)
    again = api(world.resident).get(f"/requests/{data['id']}")
    assert again.status_code == 200 and again.json()["title"] == "电饭煲坏了"


def test_a_wish_is_a_request_of_its_own_kind(world, menu, api):
    data = api(world.resident).post("/requests", body(kind="wish", category="WISH")).json()
    assert data["kind"] == "wish"


def test_a_proxy_and_staff_ask_for_a_resident(world, menu, api, daughter):
    by_proxy = api(daughter).post("/requests", body(person=world.resident.pk))
    assert by_proxy.status_code == 201, by_proxy.content
    assert by_proxy.json()["entered_as"] == "proxy"
    by_staff = api(world.staff).post("/requests", body(person=world.resident.pk))
    assert by_staff.json()["entered_as"] == "staff"
    assert ServiceRequest.objects.filter(requester=world.resident).count() == 2
    # Anyone else naming a resident: no such person for them.
    assert_error(
        api(world.neighbour).post("/requests", body(person=world.resident.pk)), 404, "not_found"
    )
    assert_error(
        api(world.other_staff).post("/requests", body(person=world.resident.pk)), 404, "not_found"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"description": "长" * 5000}, "description"),
        ({"description": "长" * 5001}, "description"),
        ({"points": 31}, "points"),
        ({"points": "5"}, "points"),
        ({"points": 2**70}, "points"),
        ({"points": 1.5}, "points"),
        ({"points": True}, "points"),
        ({"category": "NOPE"}, "category"),
        ({"category": None}, "category"),
        ({"kind": "favour"}, "kind"),
        ({"community": "350524100002"}, "community"),
        ({"person": 0}, "person"),
        ({"person": MAX_ID + 1}, "person"),
        ({"person": MAX_ID}, "person"),
        ({"wanted_from": "2025-05-01T09:00:00"}, "wanted_from"),
        ({"wanted_from": "1999-12-31T09:00:00+08:00"}, "wanted_from"),
        (
            {
                "wanted_from": "2030-05-01T10:00:00+08:00",
                "wanted_until": "2030-05-01T09:00:00+08:00",
            },
            "wanted_until",
        ),
        ({"address": "一\n二"}, "address"),
        ({"title": "nul\x00"}, "title"),
        # a time window already over
        ({"wanted_until": (timezone.now() - timedelta(hours=1)).isoformat()}, "wanted_until"),
        # a wish of the service menu, a request of the wishes' line
        ({"kind": "wish"}, "category"),
        ({"category": "WISH"}, "category"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(world, menu, api, changes, field):
    response = api(world.resident).post("/requests", body(**changes))
    assert response.status_code in (400, 404), response.content
    error = response.json()["error"]
    named = {error.get("field")} | {f["field"] for f in error.get("fields", [])}
    assert field in named, error
    assert ServiceRequest.objects.count() == 0


def test_an_unknown_community_is_not_found(world, menu, api):
    assert_error(
        api(world.resident).post("/requests", body(community="NOWHERE")), 404, "unknown_region"
    )


@pytest.mark.parametrize("raw", ["[]", '"x"', "5", "null", "{", ""])
def test_a_body_that_is_not_a_json_object_is_400(world, menu, api, raw):
    assert_error(api(world.resident).post("/requests", raw=raw), 400, "invalid_input")


def test_asking_needs_a_login(world, menu, api):
    assert_error(api().post("/requests", body()), 401, "not_authenticated")


def test_an_idempotency_key_replays_the_first_answer(world, menu, api):
    client = api(world.resident)
    first = client.post("/requests", body(), **{"Idempotency-Key": "ask-1"})
    again = client.post("/requests", body(), **{"Idempotency-Key": "ask-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert ServiceRequest.objects.count() == 1
    other = client.post("/requests", body(title="别的"), **{"Idempotency-Key": "ask-1"})
    assert_error(other, 409, "idempotency_conflict")


# --- The menu -----------------------------------------------------------------------------


def test_the_menu_of_a_community(world, menu, api):
    response = api(world.resident).get("/requests/categories")
    assert response.status_code == 200
    lines = {line["code"]: line for line in response.json()}
    assert set(lines) == {"REPAIR", "ESCORT", "WISH"}
    assert (lines["REPAIR"]["name"], lines["REPAIR"]["points"]) == ("家电维修", 10)
    assert lines["ESCORT"]["eligibility"] == "party"
    named = api(world.county_admin).get("/requests/categories?community=350524106001")
    assert {line["code"] for line in named.json()} == set(lines)
    # County staff have no community of their own: they name one.
    assert_error(api(world.county_admin).get("/requests/categories"), 400, "community_required")
    assert_error(
        api(world.resident).get("/requests/categories?community=NOPE"), 404, "unknown_region"
    )
    assert_error(api().get("/requests/categories"), 401, "not_authenticated")


def test_the_menu_offers_wishes_their_lines_and_requests_theirs(world, menu, api):
    client = api(world.resident)
    wishes = client.get("/requests/categories?kind=wish").json()
    assert [(line["code"], line["kind"]) for line in wishes] == [("WISH", "wish")]
    requests = client.get("/requests/categories?kind=request").json()
    assert {line["code"] for line in requests} == {"REPAIR", "ESCORT"}
    assert_error(client.get("/requests/categories?kind=favour"), 400, "invalid_input")


def test_a_wish_of_a_service_line_is_refused_in_words(world, menu, api):
    refused = api(world.resident).post("/requests", body(kind="wish", category="REPAIR"))
    error = assert_error(refused, 400, "unknown_category")
    assert error["field"] == "category"
    assert error["message"] in {"请选择微心愿类的项目。", "Please choose a small-wish item."}
    refused = api(world.resident).post("/requests", body(category="WISH"))
    assert assert_error(refused, 400, "unknown_category")["message"] in {
        "请选择服务菜单中的项目。",
        "Please choose an item of the service menu.",
    }
    assert ServiceRequest.objects.count() == 0


def test_a_time_window_still_to_come_is_kept(world, menu, api):
    later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = api(world.resident).post("/requests", body(wanted_until=later.isoformat()))
    assert response.status_code == 201, response.content
    assert ServiceRequest.objects.get(pk=response.json()["id"]).wanted_until == later


# --- The whole way, over HTTP ---------------------------------------------------------------


def test_published_taken_done_confirmed_then_reviewed(world, menu, api, helper):
    request_id = ask(api, world)
    published = api(world.staff).post(f"/requests/{request_id}/publish", {"points": 12})
    assert published.status_code == 200, published.content
    assert (published.json()["status"], published.json()["points"]) == ("open", 12)
    taken = api(helper).post(f"/requests/{request_id}/accept")
    assert taken.status_code == 200, taken.content
    assert taken.json()["status"] == "assigned" and taken.json()["assignee"] == helper.pk
    assert taken.json()["address"] == "江滨花园 3 栋 201"  # theirs now
    done = api(helper).post(f"/requests/{request_id}/done", {"note": "换了开关"})
    assert done.json()["status"] == "done"
    confirmed = api(world.resident).post(
        f"/requests/{request_id}/confirm", {"rating": 5, "comment": "谢谢"}
    )
    assert confirmed.status_code == 200, confirmed.content
    data = confirmed.json()
    assert data["status"] == "completed" and data["rating"] == 5
    claim = Claim.objects.get(source=Source.REQUEST, source_id=request_id)
    assert data["claim"] == claim.pk and claim.person == helper and claim.points == 12
    assert [e["step"] for e in data["history"]] == [
        "submit",
        "publish",
        "accept",
        "done",
        "confirm",
    ]
    history = data["history"]
    assert history[2]["actor"] == helper.name and history[3]["note"] == "换了开关"
    # The helper sees it in their own list, the requester in theirs.
    mine = api(helper).get("/requests?mine=true").json()
    assert [r["id"] for r in mine["items"]] == [request_id] and mine["count"] == 1
    assert api(world.resident).get("/requests?mine=true").json()["count"] == 1


def test_reject_carries_its_reason_to_the_requester(world, menu, api):
    request_id = ask(api, world)
    rejected = api(world.staff).post(f"/requests/{request_id}/reject", {"reason": "不属于服务范围"})
    assert rejected.json()["status"] == "rejected"
    seen = api(world.resident).get(f"/requests/{request_id}").json()
    assert seen["reason"] == "不属于服务范围"
    assert seen["history"][-1]["note"] == "不属于服务范围"
    fresh = ask(api, world)
    assert_error(
        api(world.staff).post(f"/requests/{fresh}/reject", {"reason": ""}), 400, "invalid_input"
    )
    assert ServiceRequest.objects.get(pk=fresh).status == Status.SUBMITTED


def test_dispatch_to_a_person_a_team_or_an_organisation(world, menu, api, helper):
    to_person = ask(api, world)
    given = api(world.staff).post(f"/requests/{to_person}/dispatch", {"person": helper.pk})
    assert given.status_code == 200, given.content
    assert given.json()["assignee"] == helper.pk and given.json()["due_on"]

    leader = make_person(world.wenchang, "队长甲")
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=leader)
    member = make_person(world.wenchang, "队员乙")
    TeamMember.objects.create(team=team, person=member, joined_on=timezone.localdate())
    to_team = ask(api, world)
    given = api(world.staff).post(f"/requests/{to_team}/dispatch", {"team": team.pk})
    assert given.json()["team"] == team.pk and given.json()["assignee"] is None
    # The leader names who goes; a stranger's id is not named back.
    refused = api(leader).post(f"/requests/{to_team}/assign", {"person": world.stranger.pk})
    error = assert_error(refused, 400, "invalid_input")
    assert world.stranger.name not in error["message"]
    named = api(leader).post(f"/requests/{to_team}/assign", {"person": member.pk})
    assert named.status_code == 200, named.content
    assert ServiceRequest.objects.get(pk=to_team).assignee == member

    contact = make_person(world.wenchang, "联络人")
    unit = Organization.objects.create(region=world.wenchang, name="县供电公司")
    OrganizationMember.objects.create(organization=unit, person=contact, is_contact=True)
    to_unit = ask(api, world)
    both = api(world.staff).post(
        f"/requests/{to_unit}/dispatch", {"organization": unit.pk, "team": team.pk}
    )
    assert_error(both, 400, "invalid_input")
    given = api(world.staff).post(f"/requests/{to_unit}/dispatch", {"organization": unit.pk})
    assert given.json()["organization"] == unit.pk


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"person": "abc"},
        {"person": MAX_ID + 1},
        {"team": -3},
        {"points": "10"},
    ],
)
def test_a_bad_dispatch_is_400(world, menu, api, payload):
    request_id = ask(api, world)
    response = api(world.staff).post(f"/requests/{request_id}/dispatch", payload)
    assert response.status_code == 400, response.content
    assert ServiceRequest.objects.get(pk=request_id).status == Status.SUBMITTED


def test_dispatch_to_an_unknown_or_foreign_person_names_nobody(world, menu, api):
    request_id = ask(api, world)
    assert_error(
        api(world.staff).post(f"/requests/{request_id}/dispatch", {"person": MAX_ID}),
        404,
        "not_found",
    )
    assert_error(
        api(world.staff).post(f"/requests/{request_id}/dispatch", {"team": MAX_ID}),
        404,
        "not_found",
    )
    foreign = api(world.staff).post(
        f"/requests/{request_id}/dispatch", {"person": world.stranger.pk}
    )
    error = assert_error(foreign, 400, "invalid_input")
    assert error["field"] == "person" and world.stranger.name not in error["message"]


def test_hand_back_dispute_and_cancel(world, menu, api, helper):
    request_id = ask(api, world)
    api(world.staff).post(f"/requests/{request_id}/publish", {})
    api(helper).post(f"/requests/{request_id}/accept")
    back = api(helper).post(f"/requests/{request_id}/hand-back", {"reason": "临时出差"})
    assert back.status_code == 200, back.content
    assert back.json()["status"] == "open" and back.json()["assignee"] is None
    api(helper).post(f"/requests/{request_id}/accept")
    api(helper).post(f"/requests/{request_id}/done", {})
    disputed = api(world.resident).post(f"/requests/{request_id}/dispute", {"note": "还是不亮"})
    assert disputed.json()["status"] == "assigned"
    assert_error(
        api(world.resident).post(f"/requests/{request_id}/dispute", {"note": "x"}),
        409,
        "invalid_transition",
    )
    # The requester may no longer cancel once a volunteer has it; staff may.
    assert_error(
        api(world.resident).post(f"/requests/{request_id}/cancel", {"reason": "算了"}),
        409,
        "invalid_transition",
    )
    cancelled = api(world.staff).post(f"/requests/{request_id}/cancel", {"reason": "居民已解决"})
    assert cancelled.json()["status"] == "cancelled"
    assert steps_of(request_id) == [
        "submit",
        "publish",
        "accept",
        "hand_back",
        "accept",
        "done",
        "dispute",
        "cancel",
    ]


def test_the_requester_cancels_before_anyone_has_it(world, menu, api):
    request_id = ask(api, world)
    cancelled = api(world.resident).post(f"/requests/{request_id}/cancel", {"reason": "不需要了"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


# --- Wrong steps, wrong people, wrong ids -------------------------------------------------


def test_a_wrong_step_is_409_naming_the_status(world, menu, api, helper):
    request_id = ask(api, world)
    for path, payload, who in [
        ("done", {}, world.staff),
        ("confirm", {"rating": 5}, world.resident),
        ("dispute", {"note": "x"}, world.resident),
        ("hand-back", {"reason": "x"}, world.staff),
    ]:
        response = api(who).post(f"/requests/{request_id}/{path}", payload)
        error = assert_error(response, 409, "invalid_transition")
        # (审核中 once the translations of this wave are merged)
        assert "审核中" in error["message"] or "being checked" in error["message"], error
    english = api(world.resident, language="en").post(
        f"/requests/{request_id}/confirm", {"rating": 5}
    )
    assert "being checked" in assert_error(english, 409, "invalid_transition")["message"]
    assert steps_of(request_id) == ["submit"]


def test_messages_are_english_with_accept_language_en(world, menu, api):
    response = api(world.resident, language="en").post("/requests", body(category="NOPE"))
    error = assert_error(response, 400, "unknown_category")
    assert error["message"].startswith("Choose a service from the menu")
    english = api(world.resident, language="en").post("/requests", body(title=""))
    assert assert_error(english, 400, "invalid_input")["message"] == "Please fill in this field."
    chinese = api(world.resident).post("/requests", body(points="5"))
    assert assert_error(chinese, 400, "invalid_input")["message"].startswith("请检查填写内容")


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True, None, 2**70, -1])
def test_a_rating_is_a_whole_number_of_stars(world, menu, api, helper, rating):
    request_id = ask(api, world)
    services.dispatch(actor=world.staff, request=request_id, person=helper)
    services.mark_done(actor=helper, request=request_id)
    response = api(world.resident).post(f"/requests/{request_id}/confirm", {"rating": rating})
    assert response.status_code == 400, response.content
    assert ServiceRequest.objects.get(pk=request_id).status == Status.DONE
    assert not Claim.objects.exists()


def test_a_missing_rating_is_400(world, menu, api, helper):
    request_id = ask(api, world)
    services.dispatch(actor=world.staff, request=request_id, person=helper)
    services.mark_done(actor=helper, request=request_id)
    error = assert_error(
        api(world.resident).post(f"/requests/{request_id}/confirm", {}), 400, "invalid_input"
    )
    assert error["fields"][0]["field"] == "rating"


@pytest.mark.parametrize("bad", ["0", "-1", str(MAX_ID + 1), str(2**70), "abc", "1.5"])
def test_ids_out_of_range_are_400_on_every_route(world, menu, api, bad):
    client = api(world.staff)
    assert client.get(f"/requests/{bad}").status_code in (400, 404)
    for step in ("publish", "accept", "done", "cancel", "confirm", "dispatch", "hand-back"):
        response = client.post(f"/requests/{bad}/{step}", {})
        assert response.status_code in (400, 404), (step, response.content)
        assert response.json()["error"]["code"]


def test_an_unknown_request_is_404(world, menu, api):
    for step, payload in (("publish", {}), ("accept", None), ("confirm", {"rating": 5})):
        assert_error(api(world.staff).post(f"/requests/{MAX_ID}/{step}", payload), 404, "not_found")
    assert_error(api(world.staff).get(f"/requests/{MAX_ID}"), 404, "not_found")


def test_nobody_takes_their_own_request(world, menu, api, daughter):
    request_id = ask(api, world)
    api(world.staff).post(f"/requests/{request_id}/publish", {})
    for person in (world.resident, daughter):
        assert_error(api(person).post(f"/requests/{request_id}/accept"), 403, "own_request")


def test_a_volunteer_the_menu_does_not_admit_is_403(world, menu, api, helper):
    request_id = ask(api, world, category="ESCORT")
    api(world.staff).post(f"/requests/{request_id}/publish", {})
    assert_error(api(helper).post(f"/requests/{request_id}/accept"), 403, "not_eligible")
    # A stranger from another community learns nothing about it.
    assert_error(api(world.stranger).post(f"/requests/{request_id}/accept"), 404, "not_found")


def test_the_second_taker_hears_already_taken(world, menu, api, helper):
    request_id = ask(api, world)
    api(world.staff).post(f"/requests/{request_id}/publish", {})
    assert api(helper).post(f"/requests/{request_id}/accept").status_code == 200
    again = api(helper).post(f"/requests/{request_id}/accept")  # the same tap twice
    assert again.status_code == 200
    other = make_person(world.wenchang, "吴热心")
    assert_error(api(other).post(f"/requests/{request_id}/accept"), 409, "already_taken")
    assert steps_of(request_id).count("accept") == 1


# --- Who reads what ---------------------------------------------------------------------------


def test_the_address_is_hidden_from_a_volunteer_who_has_not_taken_it(world, menu, api, helper):
    request_id = ask(api, world)
    api(world.staff).post(f"/requests/{request_id}/publish", {})
    other = make_person(world.wenchang, "吴热心")
    seen = api(other).get(f"/requests/{request_id}")
    assert seen.status_code == 200
    data = seen.json()
    assert data["address"] is None and data["requester"] is None
    assert data["requester_name"] == "王*英"
    assert all(e["actor"] is None and e["note"] == "" for e in data["history"])
    listed = api(other).get("/requests").json()
    assert [r["id"] for r in listed["items"]] == [request_id]
    assert listed["items"][0]["address"] is None
    assert "江滨花园" not in seen.content.decode() + str(listed)
    # Once taken by someone else, it is gone for them; the helper reads the address.
    api(helper).post(f"/requests/{request_id}/accept")
    assert_error(api(other).get(f"/requests/{request_id}"), 404, "not_found")
    assert api(helper).get(f"/requests/{request_id}").json()["address"] == "江滨花园 3 栋 201"
    assert api(world.staff).get(f"/requests/{request_id}").json()["address"]


def test_a_submitted_request_is_seen_by_its_people_and_staff_only(world, menu, api, daughter):
    request_id = ask(api, world)
    for person in (world.resident, daughter, world.staff, world.reviewer, world.town_admin):
        assert api(person).get(f"/requests/{request_id}").status_code == 200
    for person in (world.neighbour, world.stranger, world.other_staff, world.merchant, world.kiosk):
        assert_error(api(person).get(f"/requests/{request_id}"), 404, "not_found")


def test_staff_list_their_regions_with_filters(world, menu, api, helper):
    first = ask(api, world)
    second = ask(api, world, kind="wish", category="WISH")
    api(world.staff).post(f"/requests/{first}/dispatch", {"person": helper.pk})
    ServiceRequest.objects.filter(pk=first).update(due_on=timezone.localdate() - timedelta(days=1))
    client = api(world.staff)
    every = client.get("/requests").json()
    assert [r["id"] for r in every["items"]] == [second, first] and every["count"] == 2
    assert [r["id"] for r in client.get("/requests?status=assigned").json()["items"]] == [first]
    assert [r["id"] for r in client.get("/requests?kind=wish").json()["items"]] == [second]
    assert [r["id"] for r in client.get("/requests?category=REPAIR").json()["items"]] == [first]
    overdue = client.get("/requests?overdue=true").json()["items"]
    assert [r["id"] for r in overdue] == [first] and overdue[0]["overdue"] is True
    assert client.get(f"/requests?assignee={helper.pk}").json()["count"] == 1
    assert client.get(f"/requests?assignee={MAX_ID}").json()["count"] == 0
    assert client.get("/requests?community=350524100002").json()["count"] == 0
    paged = client.get("/requests?limit=1&offset=1").json()
    assert paged["count"] == 2 and [r["id"] for r in paged["items"]] == [first]
    assert api(world.other_staff).get("/requests").json()["count"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "status=lost",
        "kind=favour",
        "limit=201",
        "limit=0",
        "offset=-1",
        "offset=10000001",
        "mine=maybe",
        "overdue=2",
        f"assignee={MAX_ID + 1}",
        "assignee=0",
        "community=" + "x" * 40,
        "category=" + "x" * 40,
    ],
)
def test_bad_list_filters_are_400(world, menu, api, query):
    assert_error(api(world.staff).get(f"/requests?{query}"), 400, "invalid_input")


def test_an_unknown_community_filter_is_404(world, menu, api):
    assert_error(api(world.staff).get("/requests?community=NOPE"), 404, "unknown_region")


def test_the_list_reads_in_a_fixed_number_of_queries(world, menu, api, helper):
    for _ in range(3):
        request_id = ask(api, world)
        services.dispatch(actor=world.staff, request=request_id, person=helper)
    client = api(world.staff)
    client.get("/requests")  # the token's first use is written once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/requests").json()["count"] == 3
    for _ in range(5):
        ask(api, world)
    with CaptureQueriesContext(connection) as more:
        assert client.get("/requests").json()["count"] == 8
    assert len(more) == len(few), [q["sql"] for q in more.captured_queries]


# --- Idempotent confirmation -----------------------------------------------------------------


def test_a_replayed_confirmation_answers_the_first_and_makes_one_claim(world, menu, api, helper):
    request_id = ask(api, world)
    services.dispatch(actor=world.staff, request=request_id, person=helper, points=15)
    services.mark_done(actor=helper, request=request_id)
    client = api(world.resident)
    key = {"Idempotency-Key": "confirm-1"}
    first = client.post(f"/requests/{request_id}/confirm", {"rating": 5}, **key)
    again = client.post(f"/requests/{request_id}/confirm", {"rating": 5}, **key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert Claim.objects.filter(source=Source.REQUEST, source_id=request_id).count() == 1
    assert steps_of(request_id).count("confirm") == 1
    different = client.post(f"/requests/{request_id}/confirm", {"rating": 4}, **key)
    assert_error(different, 409, "idempotency_conflict")
    without_key = client.post(f"/requests/{request_id}/confirm", {"rating": 5})
    assert_error(without_key, 409, "invalid_transition")
    assert Claim.objects.filter(source=Source.REQUEST, source_id=request_id).count() == 1


def test_a_refused_confirmation_does_not_spend_its_key(world, menu, api, helper):
    request_id = ask(api, world)
    services.dispatch(actor=world.staff, request=request_id, person=helper)
    client = api(world.resident)
    key = {"Idempotency-Key": "confirm-early"}
    assert_error(
        client.post(f"/requests/{request_id}/confirm", {"rating": 5}, **key),
        409,
        "invalid_transition",
    )
    services.mark_done(actor=helper, request=request_id)
    assert client.post(f"/requests/{request_id}/confirm", {"rating": 5}, **key).status_code == 200


# --- The public wall ----------------------------------------------------------------------------


def test_the_wishes_wall_shows_no_phone_and_no_address(world, menu, api, helper):
    wish = ask(api, world, kind="wish", category="WISH", title="想要一副老花镜")
    ask(api, world, title="电饭煲坏了")  # a request, not a wish
    checking = ask(api, world, kind="wish", category="WISH", title="还在审核")
    api(world.staff).post(f"/requests/{wish}/publish", {})
    response = api().get("/public/wishes?community=350524100001")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 1
    [line] = data["items"]
    assert line["id"] == wish and line["title"] == "想要一副老花镜"
    assert line["requester"] == "王*英" and line["status"] == "open"
    text = response.content.decode()
    for secret in ("江滨花园", world.resident.phone, world.resident.name, "address", "phone"):
        assert secret not in text
    assert checking not in [i["id"] for i in data["items"]]


def test_the_wall_names_no_one_who_has_not_consented(world, menu, api):
    world.resident.consent_at = None
    world.resident.save()
    wish = ask(api, world, kind="wish", category="WISH")
    api(world.staff).post(f"/requests/{wish}/publish", {})
    [line] = api().get("/public/wishes?community=350524100001").json()["items"]
    assert world.resident.volunteer_no in line["requester"] and "王" not in line["requester"]


def test_the_wall_needs_a_known_community(world, menu, api):
    assert_error(api().get("/public/wishes"), 400, "invalid_input")
    assert_error(api().get("/public/wishes?community=NOPE"), 404, "unknown_region")
    assert_error(api().get("/public/wishes?community=350524100001&limit=500"), 400, "invalid_input")


def test_the_openapi_documents_the_requests(world, api):
    paths = api().get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/requests",
        "/api/v1/requests/categories",
        "/api/v1/requests/{request_id}",
        "/api/v1/requests/{request_id}/accept",
        "/api/v1/requests/{request_id}/confirm",
        "/api/v1/public/wishes",
    ):
        assert path in paths, path
