"""Every action of 物业互评 × every kind of caller, through the API: admin, staff of the
region, staff of another town, a reviewer, the unit's contact (of the company whose
compound is inspected), a unit member who is not its contact, a panel member, a resident,
and anonymous. 404 where the caller may not even see the thing (the same answer as for
what does not exist), 403 where they see it but may not act."""

from collections.abc import Callable
from typing import Any

import pytest

from jifen.people.models import OrganizationMember
from jifen.property_review import services
from jifen.property_review.models import Finding, Round
from tests.conftest import make_person
from tests.property_review.conftest import first_inspection, plan_round

pytestmark = pytest.mark.django_db

CALLERS = [
    "admin",
    "staff",
    "other_staff",
    "reviewer",
    "contact",
    "member",
    "panel",
    "resident",
    "anonymous",
]


def _who(world, estate, unit_member) -> dict[str, Any]:
    return {
        "admin": world.county_admin,
        "staff": world.staff,
        "other_staff": world.other_staff,
        "reviewer": world.reviewer,
        "contact": estate.contacts[1],
        "member": unit_member,
        "panel": estate.owner,
        "resident": world.resident,
        "anonymous": None,
    }


@pytest.fixture
def scene(world, estate):
    """An open round; a finding on company B's compound tracked, one fixed, one recorded."""
    unit_member = make_person(world.wenchang, "万家员工")
    OrganizationMember.objects.create(organization=estate.companies[1], person=unit_member)
    round_ = plan_round(world, estate)
    inspection = first_inspection(round_)
    recorded = services.record_finding(
        actor=estate.owner, inspection=inspection, problem="垃圾桶满溢"
    )
    tracked = services.record_finding(actor=estate.owner, inspection=inspection, problem="路灯不亮")
    services.track(actor=world.staff, finding=tracked)
    fixed = services.record_finding(actor=estate.owner, inspection=inspection, problem="井盖松动")
    services.track(actor=world.staff, finding=fixed)
    services.fix(actor=estate.contacts[1], finding=fixed, note="已加固")
    draft = services.create_round(actor=world.staff, region=world.wenchang, quarter="2027Q1")
    return {
        "who": _who(world, estate, unit_member),
        "round": round_,
        "draft": draft,
        "inspection": inspection,
        "recorded": recorded,
        "tracked": tracked,
        "fixed": fixed,
        "item": round_.items.first(),
        "world": world,
    }


Call = Callable[[Any, dict[str, Any]], Any]

# action: (call, {caller: expected status})
ACTIONS: dict[str, tuple[Call, dict[str, int]]] = {
    "create round": (
        lambda c, s: c.post(
            "/property-reviews", {"region": s["world"].wenchang.code, "quarter": "2030Q1"}
        ),
        {"admin": 201, "staff": 201},
    ),
    "read round (staff)": (
        lambda c, s: c.get(f"/property-reviews/{s['round'].pk}"),
        {"admin": 200, "staff": 200, **dict.fromkeys(CALLERS[2:-1], 404)},
    ),
    "add checklist item": (
        lambda c, s: c.post(
            f"/property-reviews/{s['draft'].pk}/items",
            {"group": "安全", "title": "电动车不进楼", "max_score": 5},
        ),
        {"admin": 200, "staff": 200, **dict.fromkeys(CALLERS[2:-1], 404)},
    ),
    "close round": (
        lambda c, s: c.post(f"/property-reviews/{s['round'].pk}/close"),
        {"admin": 200, "staff": 200, **dict.fromkeys(CALLERS[2:-1], 404)},
    ),
    "score": (
        lambda c, s: c.post(
            f"/property-reviews/inspections/{s['inspection'].pk}/scores",
            {"scores": [{"item": s["item"].pk, "score": 1}]},
        ),
        {
            "admin": 403,
            "staff": 403,
            "panel": 200,
            **dict.fromkeys(CALLERS[2:6], 404),
            "resident": 404,
        },
    ),
    "record finding": (
        lambda c, s: c.post(
            f"/property-reviews/inspections/{s['inspection'].pk}/findings", {"problem": "x"}
        ),
        {
            "admin": 201,
            "staff": 201,
            "panel": 201,
            **dict.fromkeys(CALLERS[2:6], 404),
            "resident": 404,
        },
    ),
    "track finding": (
        lambda c, s: c.post(f"/property-reviews/findings/{s['recorded'].pk}/track", {}),
        # the panel member who recorded it reads it, but does not sort it
        {
            "admin": 200,
            "staff": 200,
            "panel": 403,
            **dict.fromkeys(CALLERS[2:6], 404),
            "resident": 404,
        },
    ),
    "report rectified": (
        lambda c, s: c.post(
            f"/property-reviews/findings/{s['tracked'].pk}/fixed", {"note": "好了"}
        ),
        {
            "admin": 403,
            "staff": 403,
            "contact": 200,
            "panel": 403,
            **dict.fromkeys(["other_staff", "reviewer", "member", "resident"], 404),
        },
    ),
    "verify fix": (
        lambda c, s: c.post(f"/property-reviews/findings/{s['fixed'].pk}/verify", {"ok": True}),
        {
            "admin": 200,
            "staff": 200,
            "contact": 403,
            "panel": 403,
            **dict.fromkeys(["other_staff", "reviewer", "member", "resident"], 404),
        },
    ),
    "public round": (
        lambda c, s: c.get(f"/public/property-reviews/{s['round'].pk}"),
        dict.fromkeys(CALLERS, 200),
    ),
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(scene, api, action, caller):
    call, expected = ACTIONS[action]
    person = scene["who"][caller]
    want = expected.get(caller, 401 if caller == "anonymous" else 403)
    before = (
        Round.objects.count(),
        Finding.objects.count(),
        list(Finding.objects.order_by("pk").values_list("status", flat=True)),
    )
    response = call(api(person), scene)
    assert response.status_code == want, (action, caller, response.content)
    if want >= 400:  # a refusal writes nothing
        after = (
            Round.objects.count(),
            Finding.objects.count(),
            list(Finding.objects.order_by("pk").values_list("status", flat=True)),
        )
        assert after == before
