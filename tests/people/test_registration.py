"""Registering people: by themselves, by staff, from the command line."""

import json

import pytest

from jifen.audit.models import AuditEvent
from jifen.lib.errors import Conflict, InvalidInput, PermissionDenied
from jifen.people import services
from jifen.people.models import ConsentSource, Household, Person
from jifen.people.validation import luhn_digit
from tests.conftest import PASSWORD

VALID_ID = "11010519491231002X"  # the check character X is right for these 17 digits
VALID_ID_2 = "350524199001011238"


def luhn_valid(number: str) -> bool:
    """An independent Luhn check: double every second digit from the right."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _self(world, **kw):
    args = {
        "name": "赵小梅",
        "phone": "13612345678",
        "password": "spring-rain-7",
        "community": world.wenchang,
    }
    return services.register_self(**{**args, **kw})


def test_a_self_registered_resident_has_consented_and_registered_themself(world):
    person = _self(world)
    person.refresh_from_db()
    assert person.consent_at is not None
    assert person.consent_source == ConsentSource.SELF_REGISTRATION
    assert person.registered_by is None
    assert person.community == world.wenchang
    assert person.check_password("spring-rain-7")
    event = AuditEvent.objects.get(action="person.register", target_id=person.pk)
    assert event.actor_id == person.pk
    assert event.region == world.wenchang


def test_a_resident_registered_by_staff_has_not_yet_consented(world):
    person = services.register_by_staff(
        actor=world.staff, name="赵大爷", phone="13612345679", community=world.wenchang
    )
    person.refresh_from_db()
    assert person.consent_at is None
    assert person.consent_source == ""
    assert person.registered_by == world.staff
    # No password given: nobody can log in with any password until one is set.
    assert not person.has_usable_password()
    event = AuditEvent.objects.get(action="person.register", target_id=person.pk)
    assert event.actor_id == world.staff.pk


def test_a_person_created_from_the_command_line_has_consented(world):
    person = services.create_person_from_cli(
        name="操作员", phone="13612345670", password=PASSWORD, community=None
    )
    person.refresh_from_db()
    assert person.consent_source == ConsentSource.COMMAND_LINE
    assert person.consent_at is not None
    assert AuditEvent.objects.get(action="person.register", target_id=person.pk).actor is None


def test_the_volunteer_number_has_nine_digits_ending_in_a_luhn_check_digit(world):
    people = [_self(world, phone=f"1361234560{i}") for i in range(3)]
    numbers = [Person.objects.get(pk=p.pk).volunteer_no for p in people]
    assert len(set(numbers)) == 3
    for number in numbers:
        assert len(number) == 9 and number.isdigit()
        assert luhn_valid(number)
        assert number[-1] == luhn_digit(number[:-1])
        # Any single mistyped digit is caught.
        for pos in range(9):
            wrong = number[:pos] + str((int(number[pos]) + 1) % 10) + number[pos + 1 :]
            assert not luhn_valid(wrong)


def test_luhn_digit_matches_the_textbook_example():
    assert luhn_digit("7992739871") == "3"
    assert luhn_digit("0000000") == "0"


def test_an_id_number_is_kept_only_as_a_hash_and_a_masked_form(world):
    person = services.register_by_staff(
        actor=world.staff,
        name="钱身份",
        phone="13612345671",
        community=world.wenchang,
        id_number=VALID_ID.lower(),
    )
    row = Person.objects.filter(pk=person.pk).values().get()
    assert row["id_number_masked"] == "1101**********002X"
    assert len(row["id_number_hash"]) == 64
    stored = json.dumps(row, default=str)
    assert VALID_ID not in stored and VALID_ID.lower() not in stored
    audit = json.dumps(list(AuditEvent.objects.values("before", "after")), default=str)
    assert VALID_ID not in audit and "19491231" not in audit


def test_an_id_number_with_a_wrong_check_character_is_refused(world):
    before = Person.objects.count()
    for bad in ("110105194912310021", "11010519491231002", "1101051949123100XX", "abc"):
        with pytest.raises(InvalidInput) as err:
            services.register_by_staff(
                actor=world.staff,
                name="钱身份",
                phone="13612345671",
                community=world.wenchang,
                id_number=bad,
            )
        assert err.value.code == "invalid_id_number"
    assert Person.objects.count() == before


def test_the_same_id_number_cannot_be_registered_twice(world):
    services.register_by_staff(
        actor=world.staff,
        name="钱一",
        phone="13612345671",
        community=world.wenchang,
        id_number=VALID_ID_2,
    )
    with pytest.raises(Conflict) as err:
        services.register_by_staff(
            actor=world.staff,
            name="钱二",
            phone="13612345672",
            community=world.wenchang,
            id_number=VALID_ID_2,
        )
    assert err.value.code == "id_number_taken"
    assert not Person.objects.filter(phone="13612345672").exists()


@pytest.mark.parametrize(
    "written",
    ["{a}{b}{c}", "+86 {a}-{b}-{c}", "{a} {b} {c}"],
    ids=["as-stored", "with-country-code", "with-spaces"],
)
def test_a_taken_phone_is_a_conflict_and_nothing_is_written(world, written):
    phone = world.resident.phone
    written = written.format(a=phone[:3], b=phone[3:7], c=phone[7:])
    counts = (Person.objects.count(), AuditEvent.objects.count(), Household.objects.count())
    with pytest.raises(Conflict) as err:
        services.register_by_staff(
            actor=world.staff,
            name="重复",
            phone=written,
            community=world.wenchang,
            household_label="江滨花园9栋101",
        )
    assert err.value.code == "phone_taken"
    assert err.value.field == "phone"
    assert (Person.objects.count(), AuditEvent.objects.count(), Household.objects.count()) == counts


def test_a_phone_is_stored_in_one_canonical_form(world):
    person = _self(world, phone="+86 136-1234-5678")
    assert Person.objects.get(pk=person.pk).phone == "13612345678"


@pytest.mark.parametrize("phone", ["", "12345678901", "1361234567", "136123456789", "电话"])
def test_a_phone_that_is_not_a_mainland_mobile_number_is_refused(world, phone):
    with pytest.raises(InvalidInput) as err:
        _self(world, phone=phone)
    assert err.value.code == "invalid_phone"
    assert not Person.objects.filter(name="赵小梅").exists()


@pytest.mark.parametrize("name", ["", "   ", "名" * 51, "王\x00梅", "王\u200b梅"])
def test_a_name_that_is_blank_too_long_or_unprintable_is_refused(world, name):
    with pytest.raises(InvalidInput) as err:
        _self(world, name=name)
    assert err.value.code == "invalid_name"
    assert not Person.objects.filter(phone="13612345678").exists()


def test_staff_cannot_register_into_another_community(world):
    with pytest.raises(PermissionDenied):
        services.register_by_staff(
            actor=world.other_staff, name="越界", phone="13612345673", community=world.wenchang
        )
    for not_staff in (world.reviewer, world.merchant, world.kiosk, world.resident):
        with pytest.raises(PermissionDenied):
            services.register_by_staff(
                actor=not_staff, name="越界", phone="13612345673", community=world.wenchang
            )
    assert not Person.objects.filter(phone="13612345673").exists()


def test_a_town_admin_registers_into_any_community_of_the_town(world):
    person = services.register_by_staff(
        actor=world.town_admin, name="金悦新人", phone="13612345674", community=world.jinyue
    )
    assert person.community == world.jinyue


def test_people_live_in_a_community_not_in_a_town_or_a_compound(world):
    for region in (world.town, world.compound):
        with pytest.raises(InvalidInput) as err:
            _self(world, community=region)
        assert err.value.code == "not_a_community"
    assert not Person.objects.filter(phone="13612345678").exists()


def test_a_weak_or_missing_password_is_refused_at_self_registration(world):
    for password in ("", "12345678", "short", "password"):
        with pytest.raises(InvalidInput) as err:
            _self(world, password=password)
        assert err.value.code == "weak_password"
    assert not Person.objects.filter(phone="13612345678").exists()


def test_staff_may_give_a_first_password_and_a_household(world):
    person = services.register_by_staff(
        actor=world.staff,
        name="孙奶奶",
        phone="13612345675",
        community=world.wenchang,
        password="first-pass-77",
        household_label=" 江滨花园3栋201 ",
    )
    person.refresh_from_db()
    assert person.check_password("first-pass-77")
    assert person.household is not None
    assert person.household.label == "江滨花园3栋201"
    assert person.household.region == world.wenchang
    other = services.register_by_staff(
        actor=world.staff,
        name="孙爷爷",
        phone="13612345676",
        community=world.wenchang,
        household_label="江滨花园3栋201",
    )
    assert other.household_id == person.household_id


def test_a_referrer_must_be_an_active_volunteer(world):
    world.neighbour.is_active = False
    world.neighbour.save()
    with pytest.raises(InvalidInput) as err:
        _self(world, referrer=world.neighbour)
    assert err.value.code == "invalid_referrer"
    person = _self(world, referrer=world.resident)
    assert Person.objects.get(pk=person.pk).referrer == world.resident
