"""Logging in by phone and password, and holding back people who guess."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from jifen.lib.errors import NotAuthenticated, TooManyAttempts
from jifen.people.auth import authenticate, prune_login_failures
from jifen.people.models import LoginFailure
from tests.conftest import PASSWORD

HOME = "192.0.2.10"
ELSEWHERE = "198.51.100.20"


def _fail(phone: str, address: str | None = HOME) -> None:
    with pytest.raises(NotAuthenticated) as err:
        authenticate(phone=phone, password="not-the-password", address=address)
    assert err.value.code == "invalid_credentials"


def test_the_right_phone_and_password_log_in(world):
    assert authenticate(phone=world.resident.phone, password=PASSWORD, address=HOME) == (
        world.resident
    )


def test_a_phone_written_with_spaces_dashes_or_country_code_still_logs_in(world):
    phone = world.resident.phone
    for written in (f" {phone[:3]} {phone[3:7]} {phone[7:]} ", f"+86-{phone[:3]}-{phone[3:]}"):
        assert authenticate(phone=written, password=PASSWORD, address=HOME) == world.resident


def test_a_wrong_password_and_an_unknown_phone_fail_alike_and_are_counted(world):
    _fail(world.resident.phone)
    _fail("13999999999")
    assert LoginFailure.objects.count() == 2
    assert LoginFailure.objects.filter(address=HOME).count() == 2


def test_the_failure_table_keeps_no_phone_in_clear(world):
    phone = world.resident.phone
    _fail(phone)
    row = LoginFailure.objects.values().get()
    assert all(phone not in str(value) for value in row.values())
    assert phone[-8:] not in row["phone_digest"]
    assert len(row["phone_digest"]) == 64


def test_a_deactivated_person_cannot_log_in(world):
    world.resident.is_active = False
    world.resident.save()
    with pytest.raises(NotAuthenticated):
        authenticate(phone=world.resident.phone, password=PASSWORD, address=HOME)


@override_settings(LOGIN_THROTTLE_PER_PHONE=3, LOGIN_THROTTLE_PER_ADDRESS=1000)
def test_after_the_allowed_failures_a_phone_is_held_back_even_with_the_right_password(world):
    """At the address that failed; from anywhere only past the higher limit of
    LOGIN_THROTTLE_PER_PHONE_ANYWHERE (tests/people/test_throttle.py)."""
    phone = world.resident.phone
    for _ in range(3):
        _fail(phone)
    with pytest.raises(TooManyAttempts) as err:
        authenticate(phone=phone, password=PASSWORD, address=HOME)
    assert err.value.code == "too_many_attempts"
    assert err.value.status == 429
    assert authenticate(phone=phone, password=PASSWORD, address=ELSEWHERE) == world.resident
    # Other phones from the same address are not held back by this phone's failures.
    assert authenticate(phone=world.neighbour.phone, password=PASSWORD, address=HOME)


@override_settings(LOGIN_THROTTLE_PER_PHONE=3, LOGIN_THROTTLE_PER_ADDRESS=1000)
def test_the_phone_throttle_counts_the_phone_however_it_is_written(world):
    phone = world.resident.phone
    _fail(phone)
    _fail(f"+86 {phone}")
    _fail(f"{phone[:3]}-{phone[3:]}")
    with pytest.raises(TooManyAttempts):
        authenticate(phone=phone, password=PASSWORD, address=HOME)


@override_settings(LOGIN_THROTTLE_PER_PHONE=1000, LOGIN_THROTTLE_PER_ADDRESS=4)
def test_after_the_allowed_failures_an_address_still_lets_a_right_password_in(world):
    """A whole office behind one address is not locked out by its neighbours' typos."""
    for i in range(4):
        _fail(f"1399999000{i}", HOME)
    assert authenticate(phone=world.resident.phone, password=PASSWORD, address=HOME)
    assert authenticate(phone=world.resident.phone, password=PASSWORD, address=ELSEWHERE)


@override_settings(LOGIN_THROTTLE_PER_PHONE=3, LOGIN_THROTTLE_WINDOW_SECONDS=900)
def test_failures_older_than_the_window_no_longer_count_and_are_pruned(world):
    phone = world.resident.phone
    for _ in range(3):
        _fail(phone)
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=901))
    _fail(phone)  # one recent failure: still allowed to try
    assert prune_login_failures() == 3
    assert LoginFailure.objects.count() == 1
    assert authenticate(phone=phone, password=PASSWORD, address=HOME) == world.resident


@override_settings(LOGIN_THROTTLE_PER_PHONE=3)
def test_a_successful_login_clears_the_phones_failures(world):
    phone = world.resident.phone
    _fail(phone)
    _fail(phone)
    _fail(world.neighbour.phone)
    authenticate(phone=phone, password=PASSWORD, address=HOME)
    assert LoginFailure.objects.count() == 1  # only the neighbour's failure is left
    _fail(phone)
    _fail(phone)
    assert authenticate(phone=phone, password=PASSWORD, address=HOME) == world.resident
