"""Who may take each step of a request, as one table: every step × every kind of caller.

Each row is a step taken over HTTP on a request in the state the step needs; each
column a caller. 200 the step is taken; 403 the caller sees the request but may not take
this step; 404 the caller may not see it at all (the API never tells them it exists).
A refused step leaves the request and its history as they were.
"""

import pytest
from django.utils import timezone

from jifen.people.models import Person, Team, TeamMember
from jifen.requests import services
from jifen.requests.models import Event, ServiceRequest
from tests.conftest import make_person

ROLES = (
    "requester",
    "proxy",
    "assignee",
    "leader",  # leads the team a request may be dispatched to
    "other_volunteer",  # of the same community, whom the menu admits
    "stranger",  # a resident of another community
    "staff",
    "other_staff",  # staff of another town's community
    "reviewer",
    "merchant",
    "kiosk",
    "admin",  # the county's
)

# step -> the answer per role (the state each step is taken from: ``_prepared``).
OK, NO, HIDDEN = 200, 403, 404
# fmt: off
MATRIX: dict[str, dict[str, int]] = {
    # reading an assigned request
    "get": dict(
        requester=OK, proxy=OK, assignee=OK, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=OK, other_staff=HIDDEN, reviewer=OK, merchant=HIDDEN,
        kiosk=HIDDEN, admin=OK,
    ),
    "publish": dict(
        requester=NO, proxy=NO, assignee=HIDDEN, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=OK, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=OK,
    ),
    "reject": dict(
        requester=NO, proxy=NO, assignee=HIDDEN, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=OK, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=OK,
    ),
    "dispatch": dict(
        requester=NO, proxy=NO, assignee=HIDDEN, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=OK, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=OK,
    ),
    # an open request: any volunteer of the community the menu admits may take it (staff,
    # reviewers and merchants' operators who live there are volunteers too); the county's
    # admin sees it but lives in no community.
    "accept": dict(
        requester=NO, proxy=NO, assignee=OK, leader=OK, other_volunteer=OK, stranger=HIDDEN,
        staff=OK, other_staff=HIDDEN, reviewer=OK, merchant=OK, kiosk=HIDDEN, admin=NO,
    ),
    # dispatched to the leader's team: the leader (or staff) names the member who goes;
    # the member ("assignee") has nothing of it yet
    "assign": dict(
        requester=NO, proxy=NO, assignee=HIDDEN, leader=OK, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=OK, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=OK,
    ),
    "hand-back": dict(
        requester=NO, proxy=NO, assignee=OK, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=NO, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=NO,
    ),
    "done": dict(
        requester=NO, proxy=NO, assignee=OK, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=NO, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=NO,
    ),
    "confirm": dict(
        requester=OK, proxy=OK, assignee=NO, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=NO, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=NO,
    ),
    "dispute": dict(
        requester=OK, proxy=OK, assignee=NO, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=NO, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=NO,
    ),
    # a submitted request: the requester's side withdraws it, staff may
    "cancel": dict(
        requester=OK, proxy=OK, assignee=HIDDEN, leader=HIDDEN, other_volunteer=HIDDEN,
        stranger=HIDDEN, staff=OK, other_staff=HIDDEN, reviewer=NO, merchant=HIDDEN,
        kiosk=HIDDEN, admin=OK,
    ),
}
# fmt: on


def test_the_table_covers_every_step_and_every_role():
    steps = "get publish reject dispatch accept assign hand-back done confirm dispute cancel"
    assert set(MATRIX) == set(steps.split())
    for step, row in MATRIX.items():
        assert set(row) == set(ROLES), step


def _people(world, menu, daughter, helper) -> dict[str, Person]:
    leader = make_person(world.wenchang, "队长甲")
    team = Team.objects.create(region=world.wenchang, name="红马甲服务队", leader=leader)
    TeamMember.objects.create(team=team, person=helper, joined_on=timezone.localdate())
    return {
        "requester": world.resident,
        "proxy": daughter,
        "assignee": helper,
        "leader": leader,
        "other_volunteer": make_person(world.wenchang, "吴热心"),
        "stranger": world.stranger,
        "staff": world.staff,
        "other_staff": world.other_staff,
        "reviewer": world.reviewer,
        "merchant": world.merchant,
        "kiosk": world.kiosk,
        "admin": world.county_admin,
    }


def _prepared(step: str, world, people) -> ServiceRequest:
    """A request in the state ``step`` is taken from."""
    request = services.submit_request(
        actor=world.resident,
        community=world.wenchang,
        category="REPAIR",
        title="电饭煲坏了",
        address="江滨花园 3 栋 201",
    )
    helper = people["assignee"]
    if step in {"publish", "reject", "dispatch", "cancel"}:
        return request
    if step == "accept":
        return services.publish(actor=world.staff, request=request)
    if step == "assign":
        team = Team.objects.get(leader=people["leader"])
        return services.dispatch(actor=world.staff, request=request, team=team)
    services.dispatch(actor=world.staff, request=request, person=helper)
    if step in {"confirm", "dispute"}:
        services.mark_done(actor=helper, request=request)
    return request


def _take(api, person: Person, step: str, request: ServiceRequest, people) -> object:
    client = api(person)
    path = f"/requests/{request.pk}"
    if step == "get":
        return client.get(path)
    body = {
        "publish": {},
        "reject": {"reason": "不属于服务范围"},
        "dispatch": {"person": people["other_volunteer"].pk},
        "accept": None,
        "assign": {"person": people["assignee"].pk},
        "hand-back": {"reason": "临时出差"},
        "done": {"note": "修好了"},
        "confirm": {"rating": 5},
        "dispute": {"note": "还是不亮"},
        "cancel": {"reason": "不需要了"},
    }[step]
    return client.post(f"{path}/{step}", body)


CASES = [(step, role) for step in MATRIX for role in ROLES]


@pytest.mark.parametrize(("step", "role"), CASES, ids=[f"{s}-{r}" for s, r in CASES])
def test_who_may_take_each_step(world, menu, api, daughter, helper, step, role):
    people = _people(world, menu, daughter, helper)
    request = _prepared(step, world, people)
    request.refresh_from_db()
    before = (request.status, Event.objects.filter(request=request).count())
    response = _take(api, people[role], step, request, people)
    expected = MATRIX[step][role]
    assert response.status_code == expected, (step, role, response.content)
    request.refresh_from_db()
    after = (request.status, Event.objects.filter(request=request).count())
    if step == "get" or expected != OK:
        assert after == before
        if expected != OK:
            error = response.json()["error"]
            assert error["code"] and error["message"]
            # Nobody who may not see it learns anything of it.
            assert "电饭煲" not in response.content.decode()
    else:
        assert after[1] == before[1] + 1, (step, role)
        assert Event.objects.filter(request=request).last().actor == people[role]
