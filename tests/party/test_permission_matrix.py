"""Every action of 回家报到 × every kind of caller: an admin above, staff of the member's
community, staff elsewhere, a reviewer, the unit's contact, a member of the unit who is
not its contact, a resident, and nobody logged in (the API answers 401, the public check
answers everyone)."""

from collections.abc import Callable
from datetime import date

import pytest

from jifen.lib.errors import DomainError, PermissionDenied
from jifen.party import services
from jifen.party.models import Service
from tests.party.conftest import MONDAY, reporting, served

pytestmark = pytest.mark.django_db

CALLERS = ("admin", "staff", "other_staff", "reviewer", "contact", "plain", "resident")


def _caller(world, unit, kind):
    return {
        "admin": world.county_admin,
        "staff": world.staff,
        "other_staff": world.other_staff,
        "reviewer": world.reviewer,
        "contact": unit.contact,
        "plain": unit.plain,
        "resident": world.resident,
    }[kind]


def _correct(world, unit, actor):
    return services.correct_report(actor=actor, report=reporting(world, unit), employer=unit.other)


def _end(world, unit, actor):
    return services.end_report(actor=actor, report=reporting(world, unit))


def _days(world, unit, actor):
    return services.set_home_days(actor=actor, community=world.wenchang, days=5)


def _approve(world, unit, actor):
    reporting(world, unit)
    served(world, unit, MONDAY)
    services.mark_services(person=unit.member)
    return services.approve_service(actor=actor, service=Service.objects.get())


def _statement(world, unit, actor):
    reporting(world, unit)
    return services.statement(actor=actor, organization=unit.employer, quarter="2026Q3")


def _not_reporting(world, unit, actor):
    reporting(world, unit, since=date(2026, 1, 1))
    return services.require_unit_reader(actor, unit.employer)


ALLOWED: dict[str, tuple[Callable, set[str]]] = {
    "correct_report": (_correct, {"admin", "staff"}),
    "end_report": (_end, {"admin", "staff"}),
    "set_home_days": (_days, {"admin", "staff"}),
    "approve_service": (_approve, {"admin", "staff"}),
    # staff of the community the member reports to keep the report; the admin is over
    # the unit's region (the county)
    "statement": (_statement, {"admin", "staff", "contact"}),
    "not_reporting": (_not_reporting, {"admin", "staff", "contact"}),
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("kind", CALLERS)
def test_the_matrix(world, unit, action, kind):
    run, allowed = ALLOWED[action]
    actor = _caller(world, unit, kind)
    if kind in allowed:
        run(world, unit, actor)
    else:
        with pytest.raises(PermissionDenied):
            run(world, unit, actor)


@pytest.mark.parametrize("kind", CALLERS)
def test_anyone_with_a_home_community_reports_home_for_themselves(world, unit, kind):
    actor = _caller(world, unit, kind)
    if actor.community is None:
        with pytest.raises(DomainError):
            services.file_report(actor=actor, community=world.wenchang, employer=unit.employer)
        return
    report = services.file_report(actor=actor, community=actor.community, employer=unit.employer)
    assert report.person_id == actor.pk


def test_the_member_ends_their_own_report_but_not_anothers(world, unit):
    report = reporting(world, unit)
    with pytest.raises(PermissionDenied):
        services.end_report(actor=world.resident, report=report)
    assert services.end_report(actor=unit.member, report=report).status == "ended"


@pytest.mark.parametrize(
    "path",
    [
        "/party/reports",
        "/party/reports/mine",
        "/party/services",
        "/party/services/mine",
        "/party/home-days?community=350524100001",
        "/organizations/1/statements/2026Q3",
        "/organizations/1/not-reporting",
    ],
)
def test_nobody_logged_in_is_refused(world, unit, api, path):
    assert api().get(path).status_code == 401
