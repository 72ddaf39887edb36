"""Family proxies (代办): who may act for an elderly resident."""

import pytest
from django.db import IntegrityError, transaction

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jifen.people import selectors, services
from jifen.people.models import Proxy


def _add(world, **kw):
    args = {
        "actor": world.staff,
        "principal": world.resident,
        "agent": world.neighbour,
        "relation": " 女儿 ",
    }
    return services.add_proxy(**{**args, **kw})


def test_staff_record_a_proxy_in_the_principals_community_with_an_audit_row(world):
    proxy = _add(world)
    proxy.refresh_from_db()
    assert proxy.relation == "女儿"
    assert proxy.region == world.wenchang
    assert proxy.created_by == world.staff
    assert proxy.revoked_at is None
    event = AuditEvent.objects.get(action="proxy.add", target_id=proxy.pk)
    assert event.after == {
        "principal": world.resident.volunteer_no,
        "agent": world.neighbour.volunteer_no,
        "relation": "女儿",
    }
    assert list(selectors.proxies_of(world.resident)) == [proxy]
    assert list(selectors.principals_of(world.neighbour)) == [proxy]


def test_the_same_proxy_twice_is_a_conflict(world):
    _add(world)
    with pytest.raises(Conflict) as err:
        _add(world, relation="儿子")
    assert err.value.code == "proxy_exists"
    assert Proxy.objects.count() == 1


def test_a_person_is_not_their_own_proxy_and_the_relation_is_required(world):
    with pytest.raises(InvalidInput):
        _add(world, agent=world.resident)
    with pytest.raises(InvalidInput):
        _add(world, relation="   ")
    assert not Proxy.objects.exists()


def test_the_database_refuses_a_self_proxy_too(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Proxy.objects.create(
            principal=world.resident,
            agent=world.resident,
            relation="自己",
            region=world.wenchang,
            created_by=world.staff,
        )


def test_only_staff_of_the_principals_community_record_a_proxy(world):
    for actor in (world.other_staff, world.reviewer, world.neighbour, world.resident):
        with pytest.raises(PermissionDenied):
            _add(world, actor=actor)
    assert not Proxy.objects.exists()


def test_a_person_without_a_community_cannot_get_a_proxy_and_nothing_breaks(world):
    # The kiosk account has no home community; even the county admin gets a clear refusal.
    with pytest.raises(InvalidInput):
        _add(world, actor=world.county_admin, principal=world.kiosk)
    assert not Proxy.objects.exists()


def test_staff_end_a_proxy_once_and_it_no_longer_lets_the_agent_act(world):
    proxy = _add(world)
    assert services.require_proxy(agent=world.neighbour, principal=world.resident) == proxy
    services.revoke_proxy(actor=world.staff, proxy=proxy)
    services.revoke_proxy(actor=world.staff, proxy=proxy)
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None
    assert AuditEvent.objects.filter(action="proxy.revoke", target_id=proxy.pk).count() == 1
    with pytest.raises(NotFound) as err:
        services.require_proxy(agent=world.neighbour, principal=world.resident)
    assert err.value.code == "not_a_proxy"
    assert list(selectors.proxies_of(world.resident)) == []


def test_the_principal_may_end_their_own_proxy_but_others_may_not(world):
    proxy = _add(world)
    for actor in (world.other_staff, world.stranger):
        with pytest.raises(PermissionDenied):
            services.revoke_proxy(actor=actor, proxy=proxy)
    assert Proxy.objects.get(pk=proxy.pk).revoked_at is None
    services.revoke_proxy(actor=world.resident, proxy=proxy)
    assert Proxy.objects.get(pk=proxy.pk).revoked_at is not None


def test_an_ended_proxy_may_be_recorded_again(world):
    services.revoke_proxy(actor=world.staff, proxy=_add(world))
    again = _add(world)
    assert Proxy.objects.filter(revoked_at__isnull=True).get() == again
    assert Proxy.objects.count() == 2


def test_someone_who_is_not_a_proxy_cannot_act(world):
    _add(world)
    with pytest.raises(NotFound):
        services.require_proxy(agent=world.stranger, principal=world.resident)
    with pytest.raises(NotFound):
        # A proxy works one way only.
        services.require_proxy(agent=world.resident, principal=world.neighbour)
