"""Holding back guessers without locking out an office, and throttled self-registration.

Failed logins are counted, as django-axes combines its keys, for the phone from one
address (held back after LOGIN_THROTTLE_PER_PHONE, the right password included), for the
phone from anywhere (a higher limit, LOGIN_THROTTLE_PER_PHONE_ANYWHERE, the same hold),
and for the address alone — which never refuses a right password: a busy address (over
LOGIN_THROTTLE_PER_ADDRESS) only gets fewer guesses at each phone
(LOGIN_THROTTLE_PER_PHONE_AT_BUSY_ADDRESS). See docs/deployment.md, "Login throttling".
"""

import pytest
from django.test import Client, override_settings

from jifen.lib.errors import NotAuthenticated, TooManyAttempts
from jifen.people.auth import authenticate
from jifen.people.models import LoginFailure, Person
from tests.api.conftest import ApiClient
from tests.conftest import PASSWORD, new_phone

OFFICE = "192.0.2.10"  # a community office: everyone behind one NAT address
ELSEWHERE = "198.51.100.20"


def _from(address: str) -> ApiClient:
    client = ApiClient()
    client.client.defaults["REMOTE_ADDR"] = address
    return client


def _fail(phone: str, address: str | None = OFFICE) -> None:
    with pytest.raises(NotAuthenticated):
        authenticate(phone=phone, password="not-the-password", address=address)


def _held(phone: str, address: str | None = OFFICE, password: str = PASSWORD) -> bool:
    try:
        authenticate(phone=phone, password=password, address=address)
    except TooManyAttempts as exc:
        assert exc.status == 429 and exc.code == "too_many_attempts"
        return True
    return False


# --- Logging in ---------------------------------------------------------------------------


@override_settings(LOGIN_THROTTLE_PER_ADDRESS=30)
def test_thirty_failures_at_an_office_do_not_lock_out_a_person_with_the_right_password(world):
    """The office scenario: residents mistyping at the community office's shared line
    used to lock everyone behind it out for 15 minutes."""
    for _ in range(30):
        _fail(new_phone())
    assert authenticate(phone=world.resident.phone, password=PASSWORD, address=OFFICE) == (
        world.resident
    )
    # One typo of their own first, and still in.
    _fail(world.neighbour.phone)
    assert authenticate(phone=world.neighbour.phone, password=PASSWORD, address=OFFICE) == (
        world.neighbour
    )


def test_the_same_through_the_page_and_the_api(world):
    for _ in range(30):
        Client(REMOTE_ADDR=OFFICE).post("/login/", {"phone": new_phone(), "password": "no-no-no-1"})
    page = Client(REMOTE_ADDR=OFFICE).post(
        "/login/", {"phone": world.resident.phone, "password": PASSWORD}
    )
    assert page.status_code == 302
    token = _from(OFFICE).post(
        "/auth/token", {"phone": world.neighbour.phone, "password": PASSWORD}
    )
    assert token.status_code == 201


@override_settings(
    LOGIN_THROTTLE_PER_PHONE=5,
    LOGIN_THROTTLE_PER_ADDRESS=30,
    LOGIN_THROTTLE_PER_PHONE_AT_BUSY_ADDRESS=2,
)
def test_a_busy_address_gets_only_two_guesses_at_each_phone(world):
    """Spraying phones from one address: past the address's limit, each phone is held
    back for that address after two failures instead of five."""
    for _ in range(30):
        _fail(new_phone())
    target = world.resident.phone
    _fail(target)
    _fail(target)
    assert _held(target)  # held for the busy address, right password included
    assert not _held(target, ELSEWHERE)  # its owner elsewhere still gets in
    # A quiet address gets its five.
    for _ in range(4):
        _fail(world.neighbour.phone, ELSEWHERE)
    assert not _held(world.neighbour.phone, ELSEWHERE)


@override_settings(LOGIN_THROTTLE_PER_PHONE=5, LOGIN_THROTTLE_PER_ADDRESS=1000)
def test_one_address_guessing_one_phone_is_held_back_for_it(world):
    phone = world.resident.phone
    for _ in range(5):
        _fail(phone)
    assert _held(phone)
    assert _held(phone, password="not-the-password")
    assert not _held(phone, ELSEWHERE)  # the pair is held, not the phone
    assert not _held(world.neighbour.phone)  # nor the address


@override_settings(LOGIN_THROTTLE_PER_PHONE=5, LOGIN_THROTTLE_PER_PHONE_ANYWHERE=15)
def test_a_phone_guessed_from_many_addresses_is_held_back_everywhere(world):
    """The trade-off, as django-axes makes it when it locks the username: a phone under a
    spread-out attack is held back for everyone, its owner too, until the window ends —
    else a botnet would keep guessing it forever."""
    phone = world.resident.phone
    for n in range(15):
        _fail(phone, f"203.0.113.{n + 1}")
    assert _held(phone, ELSEWHERE)
    assert _held(phone, "203.0.113.200")
    assert not _held(world.neighbour.phone, ELSEWHERE)


@override_settings(LOGIN_THROTTLE_PER_PHONE=3)
def test_a_success_clears_only_the_failures_it_made_itself(world):
    """The owner's typos go with their login; a guesser's failures from elsewhere stay."""
    phone = world.resident.phone
    _fail(phone, OFFICE)
    _fail(phone, ELSEWHERE)
    authenticate(phone=phone, password=PASSWORD, address=OFFICE)
    assert list(LoginFailure.objects.values_list("address", flat=True)) == [ELSEWHERE]


# --- Registering oneself ------------------------------------------------------------------


def _register_page(phone: str, address: str = OFFICE, name: str = "赵新"):
    return Client(REMOTE_ADDR=address).post(
        "/register/",
        {
            "name": name,
            "phone": phone,
            "password": "a-long-pass-42",
            "community": "350524100001",
            "agree": "on",
        },
    )


def _register_api(phone: str, address: str = OFFICE):  # type: ignore[no-untyped-def]
    return _from(address).post(
        "/people",
        {"name": "赵新", "phone": phone, "password": "a-long-pass-42", "community": "350524100001"},
    )


@override_settings(REGISTER_THROTTLE_PER_PHONE=3, REGISTER_THROTTLE_PER_ADDRESS=1000)
def test_asking_again_and_again_whether_a_phone_is_taken_is_held_back(world):
    taken = world.resident.phone
    for _ in range(3):
        response = _register_api(taken)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "phone_taken"
    held = _register_api(taken, ELSEWHERE)
    assert held.status_code == 429
    assert held.json()["error"]["code"] == "too_many_attempts"
    page = _register_page(taken, ELSEWHERE)
    assert page.status_code == 200 and "phone_taken" not in page.content.decode()
    assert page.context["form"].non_field_errors()


@override_settings(REGISTER_THROTTLE_PER_PHONE=1000, REGISTER_THROTTLE_PER_ADDRESS=4)
def test_one_address_registers_only_so_many_people_in_the_window(world):
    before = Person.objects.count()
    for n in range(2):
        assert _register_api(new_phone()).status_code == 201
        assert _register_page(new_phone(), name=f"赵新{n}").status_code == 302
    assert Person.objects.count() == before + 4
    assert _register_api(new_phone()).status_code == 429
    page = _register_page(new_phone())
    assert page.status_code == 200 and page.context["form"].non_field_errors()
    assert Person.objects.count() == before + 4
    # Another address is not held back, and logging in is not either.
    assert _register_api(new_phone(), ELSEWHERE).status_code == 201
    assert authenticate(phone=world.resident.phone, password=PASSWORD, address=OFFICE)


def test_registration_attempts_do_not_count_as_failed_logins(world):
    for _ in range(40):
        _register_api(world.resident.phone)
    assert authenticate(phone=world.resident.phone, password=PASSWORD, address=OFFICE)


@override_settings(LOGIN_THROTTLE_PER_ADDRESS=3, REGISTER_THROTTLE_PER_ADDRESS=3)
def test_clients_without_an_address_are_not_one_bucket(world):
    """Behind a socket that gives no REMOTE_ADDR every client's address is unknown: their
    failures must not add up to one busy address that holds everyone back."""
    from jifen.people.auth import throttle_registration

    for _ in range(5):
        _fail(new_phone(), address=None)
    _fail(world.resident.phone, address=None)
    _fail(world.resident.phone, address=None)
    assert not _held(world.resident.phone, address=None)  # 3 of 5 at this phone, not 2
    for _ in range(5):
        throttle_registration(phone=new_phone(), address=None)  # nobody held back
