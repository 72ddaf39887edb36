"""Every action of units × every kind of caller: admin, staff in and out of the region,
a reviewer, the unit's contact, a member who is not its contact, a resident, anonymous.

Each call runs in a savepoint rolled back after it, so every caller meets the same state;
an allowed call must succeed, a refused one must answer 403 (PermissionDenied) and write
nothing."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from jifen.audit.models import AuditEvent
from jifen.claims import services as claims
from jifen.lib.errors import PermissionDenied
from jifen.units import services
from jifen.units.models import AllianceMembership, SpendingUse
from tests.units.conftest import earn

CALLERS = ("admin", "staff", "other_staff", "reviewer", "contact", "member", "resident", "anon")


class Rollback(Exception):
    pass


def callers(world, unit) -> dict[str, object]:
    return {
        "admin": world.county_admin,
        "staff": world.staff,
        "other_staff": world.other_staff,
        "reviewer": world.reviewer,
        "contact": unit.contact,
        "member": unit.member,
        "resident": world.resident,
        "anon": AnonymousUser(),
    }


def check(world, unit, action: Callable[[object], object], allowed: set[str]) -> None:
    for name, who in callers(world, unit).items():
        before = AuditEvent.objects.count()
        try:
            with transaction.atomic():
                action(who)
                outcome = "ok"
                raise Rollback
        except Rollback:
            pass
        except PermissionDenied:
            outcome = "403"
            assert AuditEvent.objects.count() == before
        assert outcome == ("ok" if name in allowed else "403"), (name, outcome)


STAFF = {"admin", "staff"}


@pytest.fixture
def requested(unit):
    return services.request_join(actor=unit.contact, organization=unit.org)


@pytest.fixture
def member(world, requested):
    return services.accept(actor=world.staff, membership=requested)


@pytest.fixture
def use(world):
    return services.save_use(actor=world.staff, community=world.wenchang, name="赞助积分超市")


def test_create_unit(world, unit):
    check(
        world,
        unit,
        lambda who: services.create_unit(
            actor=who, community=world.wenchang, name="新单位", kind="organ"
        ),
        STAFF,
    )


def test_edit_unit(world, unit):
    check(
        world,
        unit,
        lambda who: services.edit_unit(actor=who, organization=unit.org, name="改名"),
        STAFF,
    )


def test_add_and_remove_contact(world, unit):
    check(
        world,
        unit,
        lambda who: services.add_contact(actor=who, organization=unit.org, person=unit.member),
        STAFF,
    )
    check(
        world,
        unit,
        lambda who: services.remove_contact(actor=who, organization=unit.org, person=unit.contact),
        STAFF,
    )


def test_request_join(world, unit):
    check(
        world,
        unit,
        lambda who: services.request_join(actor=who, organization=unit.org),
        {"contact"},
    )


def test_accept_and_decline(world, unit, requested):
    check(world, unit, lambda who: services.accept(actor=who, membership=requested.pk), STAFF)
    check(
        world,
        unit,
        lambda who: services.decline(actor=who, membership=requested.pk, reason="不符合"),
        STAFF,
    )


def test_withdraw(world, unit, requested):
    check(
        world, unit, lambda who: services.withdraw(actor=who, membership=requested.pk), {"contact"}
    )


def test_leave(world, unit, member):
    check(
        world,
        unit,
        lambda who: services.leave(actor=who, membership=member.pk, reason="调整"),
        STAFF | {"contact"},
    )


def test_save_use(world, unit):
    check(
        world,
        unit,
        lambda who: services.save_use(actor=who, community=world.wenchang, name="赞助"),
        STAFF,
    )


def test_spend(world, unit, use):
    earn(world, unit)
    check(
        world,
        unit,
        lambda who: services.spend(actor=who, organization=unit.org, use=use, amount=5),
        {"contact"},
    )


def test_declare_unit_service(world, unit):
    def declare(who):
        return claims.declare_service(
            actor=who,
            rule_item_id=unit.item.pk,
            quantity=1,
            occurred_on=timezone.localdate() - timedelta(days=1),
            organization=unit.org,
        )

    # Anonymous never reaches the service (the API and pages require a login).
    for name, who in callers(world, unit).items():
        if name == "anon":
            continue
        try:
            with transaction.atomic():
                declare(who)
                outcome = "ok"
                raise Rollback
        except Rollback:
            pass
        except PermissionDenied:
            outcome = "403"
        assert outcome == ("ok" if name == "contact" else "403"), name


def test_read_balance_api(world, unit, api):
    from tests.api.conftest import ApiClient

    for name, who in callers(world, unit).items():
        client = ApiClient(None if name == "anon" else who)
        status = client.get(f"/organizations/{unit.org.pk}/balance").status_code
        expected = 200 if name in STAFF | {"contact"} else (401 if name == "anon" else 403)
        assert status == expected, name


def test_the_matrix_covered_every_step():
    """A new step of the workflow needs its row above."""
    from jifen.units.models import STEPS

    assert set(STEPS) == {"request", "accept", "decline", "withdraw", "leave"}
    assert AllianceMembership and SpendingUse
