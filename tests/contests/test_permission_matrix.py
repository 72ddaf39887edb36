"""Every action of 项目大赛 × every kind of caller, through the API: an admin over the
county, staff in and out of the contest's region, a reviewer, the unit's contact, a unit
member who is not its contact, a resident, a judge and anonymous. Expected answers are
written here from the brief (staff run contests over their regions; a leader or contact
enters; judges score), not read from the code. Each attempt is rolled back, so every
caller meets the same state."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from jifen.contests import services
from jifen.contests.models import Contest
from tests.contests.conftest import Cast, enter_both, marks

pytestmark = pytest.mark.django_db

CALLERS = (
    "admin",
    "staff_in",
    "staff_out",
    "reviewer",
    "contact",
    "member",
    "resident",
    "judge",
    "anonymous",
)


def _people(world, cast: Cast) -> dict[str, Any]:
    return {
        "admin": world.county_admin,
        "staff_in": world.staff,
        "staff_out": world.other_staff,
        "reviewer": world.reviewer,
        "contact": cast.unit_contact,
        "member": cast.unit_member,
        "resident": world.neighbour,
        "judge": cast.judges[0],
        "anonymous": None,
    }


def _attempt(call: Callable[[], Any]) -> int:
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response.status_code


STAFF_ONLY = {"admin": 200, "staff_in": 200, "anonymous": 401}  # the rest: 404 (not theirs)


def _expect(table: dict[str, int], default: int) -> dict[str, int]:
    return {caller: table.get(caller, default) for caller in CALLERS}


def _walk(world, cast, api, call: Callable[[Any], Any], expected: dict[str, int]) -> None:
    people = _people(world, cast)
    got = {caller: _attempt(lambda person=people[caller]: call(api(person))) for caller in CALLERS}
    assert got == expected


def test_create_a_contest(world, cast, api):
    body = {"region": world.wenchang.code, "title": "项目大赛"}
    _walk(
        world,
        cast,
        api,
        lambda c: c.post("/contests", body),
        _expect({"admin": 201, "staff_in": 201, "anonymous": 401}, 403),
    )


@pytest.mark.parametrize("path", ["open", "judges", "settings", "cancel", "read", "standings"])
def test_run_a_draft_contest(world, cast, api, path):
    cid = cast.contest.pk
    calls = {
        "open": lambda c: c.post(f"/contests/{cid}/open", {}),
        "judges": lambda c: c.post(f"/contests/{cid}/judges", {"people": [world.resident.pk]}),
        "settings": lambda c: c._call("patch", f"/contests/{cid}", {"winners": 5}),
        "cancel": lambda c: c.post(f"/contests/{cid}/cancel", {"reason": "经费未落实"}),
        "read": lambda c: c.get(f"/contests/{cid}"),
        "standings": lambda c: c.get(f"/contests/{cid}/standings"),
    }
    expected = _expect(STAFF_ONLY, 404)
    if path == "read":
        # A judge reads the contest they are named for.
        services.add_judges(actor=world.staff, contest=cast.contest, people=[cast.judges[0]])
        expected["judge"] = 200
    _walk(world, cast, api, calls[path], expected)


def test_the_review_and_the_final_and_publishing(world, cast, api):
    enter_both(world, cast)
    cid = cast.contest.pk
    _walk(
        world, cast, api, lambda c: c.post(f"/contests/{cid}/review", {}), _expect(STAFF_ONLY, 404)
    )
    services.start_review(actor=world.staff, contest=cast.contest)
    _walk(
        world, cast, api, lambda c: c.post(f"/contests/{cid}/final", {}), _expect(STAFF_ONLY, 404)
    )
    # Publishing with scores missing: staff get the rule (409), everyone else nothing.
    services.start_final(actor=world.staff, contest=cast.contest)
    _walk(
        world,
        cast,
        api,
        lambda c: c.post(f"/contests/{cid}/publish", {}),
        _expect({"admin": 409, "staff_in": 409, "anonymous": 401}, 404),
    )


def test_enter_for_a_unit(world, cast, api):
    services.open_contest(actor=world.staff, contest=cast.contest)
    body = {"organization": cast.unit.pk, "title": "长者助餐", "summary": "送餐"}
    _walk(
        world,
        cast,
        api,
        lambda c: c.post(f"/contests/{cast.contest.pk}/entries", body),
        _expect({"contact": 201, "anonymous": 401}, 403),
    )


def test_enter_for_a_team(world, cast, api):
    services.open_contest(actor=world.staff, contest=cast.contest)
    body = {"team": cast.team.pk, "title": "河道清洁", "summary": "清理"}
    expected = _expect({"anonymous": 401}, 403)
    _walk(
        world, cast, api, lambda c: c.post(f"/contests/{cast.contest.pk}/entries", body), expected
    )
    # ... and its leader may.
    leader = api(world.resident)
    assert _attempt(lambda: leader.post(f"/contests/{cast.contest.pk}/entries", body)) == 201


def test_score_and_stand_aside(world, cast, api):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    cid = cast.contest.pk
    sheet = [{"criterion": k, "score": v} for k, v in marks(cast.contest, 7).items()]
    body = {"entry": unit_entry.pk, "phase": "review", "scores": sheet}
    # Only a judge scores: staff, admins and everyone else are refused (403 not_a_judge).
    _walk(
        world,
        cast,
        api,
        lambda c: c.post(f"/contests/{cid}/scores", body),
        _expect({"judge": 200, "anonymous": 401}, 403),
    )
    _walk(
        world,
        cast,
        api,
        lambda c: c.post(
            f"/contests/{cid}/abstentions", {"entry": unit_entry.pk, "reason": "亲属"}
        ),
        _expect({"judge": 201, "anonymous": 401}, 403),
    )


def test_read_scores_and_entries(world, cast, api):
    team_entry, unit_entry = enter_both(world, cast)
    services.start_review(actor=world.staff, contest=cast.contest)
    cid = cast.contest.pk
    readers = _expect({"admin": 200, "staff_in": 200, "judge": 200, "anonymous": 401}, 404)
    _walk(world, cast, api, lambda c: c.get(f"/contests/{cid}/scores"), readers)
    _walk(world, cast, api, lambda c: c.get(f"/contests/{cid}/entries"), readers)
    # One entry: also its own unit's contact, not a plain member.
    own = dict(readers, contact=200)
    _walk(world, cast, api, lambda c: c.get(f"/contests/entries/{unit_entry.pk}"), own)


def test_the_public_page_is_for_everyone(world, cast, api):
    services.open_contest(actor=world.staff, contest=cast.contest)
    _walk(
        world,
        cast,
        api,
        lambda c: c.get(f"/public/contests/{cast.contest.pk}"),
        _expect({}, 200),
    )
    assert Contest.objects.count() == 1
