"""Every action of 三单 · 微实事 × every kind of caller: an admin over the county, staff in
and out of the community, a reviewer, the unit's contact, a unit member who is not its
contact, a resident, and nobody logged in. Staff keep the lists; the contact acts for
the unit; nobody else writes, and a refusal writes nothing."""

from collections.abc import Callable
from typing import Any

import pytest

from jifen.audit.models import AuditEvent
from jifen.projects import services
from tests.projects.conftest import all_reported, draft, led, make_need, published

pytestmark = pytest.mark.django_db

CALLERS = (
    "admin",
    "staff",
    "other_staff",
    "reviewer",
    "contact",
    "member",
    "resident",
    "anonymous",
)


def _caller(world, units, kind: str):
    return {
        "admin": world.county_admin,
        "staff": world.staff,
        "other_staff": world.other_staff,
        "reviewer": world.reviewer,
        "contact": units.clinic_contact,
        "member": units.clinic_member,
        "resident": world.resident,
        "anonymous": None,
    }[kind]


Setup = Callable[[Any, Any], tuple[str, dict[str, Any]]]


def offer_resource(world, units):
    return "/resources", {
        "community": world.wenchang.code,
        "kind": "venue",
        "title": "会议室",
        "organization": units.clinic.pk,
    }


def create_need(world, units):
    return "/needs", {"community": world.wenchang.code, "title": "需要", "source": "survey"}


def claim_need(world, units):
    return f"/needs/{make_need(world).pk}/claim", {"organization": units.clinic.pk}


def close_need(world, units):
    return f"/needs/{make_need(world).pk}/close", {"reason": "重复"}


def create_project(world, units):
    return "/projects", {"community": world.wenchang.code, "title": "微实事", "budget": 100}


def publish(world, units):
    return f"/projects/{draft(world, units).pk}/publish", {}


def lead(world, units):
    return f"/projects/{published(world, units).pk}/lead", {"organization": units.clinic.pk}


def assign(world, units):
    return f"/projects/{published(world, units).pk}/assign", {"organization": units.clinic.pk}


def add_milestone(world, units):
    return f"/projects/{led(world, units).pk}/milestones", {"title": "再一步"}


def report(world, units):
    project = led(world, units)
    return f"/projects/{project.pk}/milestones/{project.milestones.first().pk}/report", {
        "note": "ok"
    }


def complete(world, units):
    return f"/projects/{all_reported(world, units).pk}/complete", {"note": "ok"}


def cancel(world, units):
    return f"/projects/{published(world, units).pk}/cancel", {"reason": "取消"}


def withdraw_resource(world, units):
    resource = services.offer_resource(
        actor=world.staff,
        community=world.wenchang,
        kind="goods",
        title="物资",
        organization=units.clinic,
    )
    return f"/resources/{resource.pk}/withdraw", {}


OK, NO, HIDDEN, LOGIN = "ok", 403, 404, 401
STAFF_ONLY = {"admin": OK, "staff": OK, "other_staff": NO, "reviewer": NO, "contact": NO}
CONTACT_ONLY = {"admin": NO, "staff": NO, "other_staff": NO, "reviewer": NO, "contact": OK}
STAFF_OR_CONTACT = {"admin": OK, "staff": OK, "other_staff": NO, "reviewer": NO, "contact": OK}
# fmt: off
MATRIX: dict[str, tuple[Setup, int, dict[str, Any]]] = {
    #  action               setup               success  who (member, resident: 403; anonymous: 401)
    "offer_resource":    (offer_resource,    201, STAFF_OR_CONTACT),
    "withdraw_resource": (withdraw_resource, 200, STAFF_OR_CONTACT),
    "create_need":       (create_need,       201, STAFF_ONLY),
    "claim_need":        (claim_need,        200, CONTACT_ONLY),
    "close_need":        (close_need,        200, STAFF_ONLY),
    "create_project":    (create_project,    201, STAFF_ONLY),
    # A draft is the staff's own: to anyone else it does not exist.
    "publish":           (publish,           200, {**STAFF_ONLY, "other_staff": HIDDEN,
                                                   "reviewer": HIDDEN, "contact": HIDDEN,
                                                   "member": HIDDEN, "resident": HIDDEN}),
    "lead":              (lead,              200, CONTACT_ONLY),
    "assign":            (assign,            200, STAFF_ONLY),
    "add_milestone":     (add_milestone,     201, STAFF_OR_CONTACT),
    "report":            (report,            200, STAFF_OR_CONTACT),
    "complete":          (complete,          200, STAFF_OR_CONTACT),
    "cancel":            (cancel,            200, STAFF_ONLY),
}
# fmt: on


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_permission_matrix(world, units, api, action, caller):
    setup, success, who = MATRIX[action]
    path, body = setup(world, units)
    expected = who.get(caller, {"member": NO, "resident": NO, "anonymous": LOGIN}.get(caller))
    before = AuditEvent.objects.count()
    answer = api(_caller(world, units, caller)).post(path, body)
    if expected == OK:
        assert answer.status_code == success, (action, caller, answer.content)
        assert AuditEvent.objects.count() > before
    else:
        assert answer.status_code == expected, (action, caller, answer.content)
        assert AuditEvent.objects.count() == before  # a refusal writes nothing


def test_the_public_lists_need_no_login(world, units, api):
    published(world, units)
    for path in ("/public/projects", "/public/resources"):
        answer = api().get(f"{path}?community={world.wenchang.code}")
        assert answer.status_code == 200
    assert api().get(f"/needs?community={world.wenchang.code}").status_code == 401
