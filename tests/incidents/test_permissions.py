"""Who may take which step of an incident, over the API: every step × every kind of
caller, each asserted, each on an incident standing where the step is allowed (so the
answer is about the caller, not the status). A refused step changes nothing.

The incident: reported by a resident of 文昌 at 东片网格 (the grid tier handles it),
assigned to the property company once it is handled.

- 200: the step was taken;
- 403: the caller may see the incident but not take the step;
- 404: the caller may not see it at all (never told it exists).
"""

from dataclasses import dataclass

import pytest

from jifen.incidents import services
from jifen.incidents.models import Event, Incident
from tests.conftest import make_person

CALLERS = [
    "reporter",
    "grid_worker",
    "other_grid_worker",
    "staff",
    "other_staff",
    "town_admin",
    "reviewer",
    "resident",
    "property_contact",
    "merchant",
    "kiosk",
]

# step: (the status it is taken from, what each caller gets)
# fmt: off
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    #               rep  grid ogrid staff ostaff town  rev  res  prop merch kiosk
    "view":     ("reported", dict(zip(CALLERS, [200, 200, 404, 200, 404, 200, 200, 404, 404, 404, 404], strict=True))),  # noqa: E501
    "accept":   ("reported", dict(zip(CALLERS, [403, 200, 404, 200, 404, 200, 403, 404, 404, 404, 404], strict=True))),  # noqa: E501
    "assign":   ("accepted", dict(zip(CALLERS, [403, 200, 404, 200, 404, 200, 403, 404, 404, 404, 404], strict=True))),  # noqa: E501
    "resolve":  ("assigned", dict(zip(CALLERS, [403, 403, 404, 403, 404, 403, 403, 404, 200, 404, 404], strict=True))),  # noqa: E501
    "verify":   ("resolved", dict(zip(CALLERS, [200, 200, 404, 200, 404, 200, 403, 404, 403, 404, 404], strict=True))),  # noqa: E501
    "escalate": ("accepted", dict(zip(CALLERS, [403, 200, 404, 200, 404, 200, 403, 404, 404, 404, 404], strict=True))),  # noqa: E501
    "close":    ("reported", dict(zip(CALLERS, [403, 403, 404, 200, 404, 200, 403, 404, 404, 404, 404], strict=True))),  # noqa: E501
    "reopen":   ("closed",   dict(zip(CALLERS, [200, 403, 404, 403, 404, 403, 403, 404, 403, 404, 404], strict=True))),  # noqa: E501
    "rate":     ("closed",   dict(zip(CALLERS, [200, 403, 404, 403, 404, 403, 403, 404, 403, 404, 404], strict=True))),  # noqa: E501
}
# fmt: on


@dataclass
class Cast:
    people: dict
    grids: object
    world: object


@pytest.fixture
def cast(world, grids) -> Cast:
    people = {
        "reporter": world.resident,
        "grid_worker": grids.worker,
        "other_grid_worker": grids.other_worker,
        "staff": world.staff,
        "other_staff": world.other_staff,
        "town_admin": world.town_admin,
        "reviewer": world.reviewer,
        "resident": make_person(world.wenchang, "周邻居"),
        "property_contact": grids.contact,
        "merchant": world.merchant,
        "kiosk": world.kiosk,
    }
    return Cast(people, grids, world)


def standing_at(cast: Cast, status: str) -> Incident:
    """A new incident brought to ``status`` the way the loop goes."""
    grids, reporter = cast.grids, cast.people["reporter"]
    incident = services.report(
        actor=reporter, region=grids.east, category="HJWS", description="楼道堆放杂物"
    )
    order = ["reported", "accepted", "assigned", "resolved", "closed"]
    goal = order.index(status)
    if goal >= 1:
        services.accept(actor=grids.worker, incident=incident)
    if goal >= 2:
        services.assign(actor=grids.worker, incident=incident, organization=grids.property_co)
    if goal >= 3:
        services.resolve(actor=grids.contact, incident=incident, note="已清理")
    if goal >= 4:
        services.verify(actor=reporter, incident=incident, ok=True)
    incident.refresh_from_db()
    assert incident.status == status
    return incident


def take(api, cast: Cast, step: str, caller: str, incident: Incident):
    client = api(cast.people[caller])
    path = f"/incidents/{incident.pk}"
    bodies = {
        "accept": None,
        "assign": {"person": cast.grids.worker.pk},
        "resolve": {"note": "已处理"},
        "verify": {"ok": True, "note": "好了"},
        "escalate": {"note": "需要上级协调"},
        "close": {"reason": "no_action", "note": "无需处理"},
        "reopen": {"note": "又出现了"},
        "rate": {"rating": 4},
    }
    if step == "view":
        return client.get(path)
    return client.post(f"{path}/{step}", bodies[step])


@pytest.mark.parametrize("step", list(MATRIX))
def test_every_caller_kind_at_every_step(world, grids, cast, api, step):
    status, expected = MATRIX[step]
    seen = {}
    for caller in CALLERS:
        incident = standing_at(cast, status)
        events = Event.objects.filter(incident=incident).count()
        response = take(api, cast, step, caller, incident)
        seen[caller] = response.status_code
        if response.status_code != 200:
            error = response.json()["error"]
            assert error["code"] and error["message"]
            after = Incident.objects.get(pk=incident.pk)
            assert after.status == status and after.rating is None
            assert Event.objects.filter(incident=incident).count() == events
        elif step != "view":
            assert Event.objects.filter(incident=incident).count() == events + 1
    assert seen == expected


def test_the_list_shows_each_caller_only_what_they_may_see(world, grids, cast, api):
    incident = standing_at(cast, "assigned")
    sees = {
        caller: [i["id"] for i in api(cast.people[caller]).get("/incidents").json()["items"]]
        for caller in CALLERS
    }
    allowed = {"reporter", "grid_worker", "staff", "town_admin", "reviewer", "property_contact"}
    assert {c for c, ids in sees.items() if ids == [incident.pk]} == allowed
    assert all(ids == [] for c, ids in sees.items() if c not in allowed)
    # What a reporter reads of others, and others of the reporter: the contact reads the
    # reporter's name masked, the handlers in full.
    contact = api(cast.people["property_contact"]).get(f"/incidents/{incident.pk}").json()
    assert contact["reporter"] is None and contact["reporter_name"] == "王*英"
    staff = api(cast.people["staff"]).get(f"/incidents/{incident.pk}").json()
    assert staff["reporter"] == world.resident.pk and staff["reporter_name"] == "王淑英"


def test_the_reviewer_reads_everything_and_writes_nothing(world, grids, cast, api):
    reviewer = api(cast.people["reviewer"])
    for status in ("reported", "accepted", "assigned", "resolved", "closed"):
        incident = standing_at(cast, status)
        assert reviewer.get(f"/incidents/{incident.pk}").status_code == 200
        for step in MATRIX:
            if step != "view":
                assert take(api, cast, step, "reviewer", incident).status_code in (403, 409)
        assert Incident.objects.get(pk=incident.pk).status == status
