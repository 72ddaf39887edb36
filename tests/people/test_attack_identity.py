"""A hostile insider against who a person is (issue 12, §2): a phone is the login and an
ID number names one person, so a second account must not be made for either by writing
the same digits another way. Full-width digits (a Chinese keyboard's ０–９) and other
scripts' digits passed ``\\d``: the reviewer's phone or ID number typed full-width was
"not taken" and made a second account that reads the same on every page and mask.
"""

import pytest
from django.test import Client

from jifen.lib.errors import Conflict, InvalidInput
from jifen.people import services
from jifen.people.models import Person
from jifen.people.validation import clean_id_number, clean_phone
from tests.conftest import PASSWORD

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ID_NUMBER = "11010519491231002X"  # the standard's own example


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def lookalike(text: str) -> str:
    """The same digits, all but the first two full-width (digits only): what ``\\d``
    let through, and the same on every page once masked (138****5678)."""
    return text[:2] + text[2:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def test_full_width_digits_are_read_as_the_digits_they_are() -> None:
    assert clean_phone(full_width("13812345678")) == "13812345678"
    assert clean_phone("＋86 138 1234 5678") == "13812345678"
    assert clean_id_number(full_width(ID_NUMBER)) == ID_NUMBER


@pytest.mark.parametrize("phone", ["13８1234567٨", "١٣٨١٢٣٤٥٦٧٨", "13812345678\u0660"])
def test_digits_of_other_scripts_are_not_a_phone(phone: str) -> None:
    with pytest.raises(InvalidInput, match="invalid_phone"):
        clean_phone(phone)


def test_another_script_is_not_an_id_number() -> None:
    with pytest.raises(InvalidInput, match="invalid_id_number"):
        clean_id_number("١" + ID_NUMBER[1:])


def test_the_reviewers_phone_typed_full_width_is_taken_on_the_register_page(world) -> None:
    reviewer = world.reviewer
    fresh = Client().post(
        "/register/",
        {
            "name": "新居民",
            "phone": "13912340000",
            "password": "another-horse-77",
            "community": world.wenchang.code,
            "agree": "on",
        },
    )
    assert fresh.status_code == 302  # the form itself is right
    response = Client().post(
        "/register/",
        {
            "name": "黄审核",
            "phone": lookalike(reviewer.phone),
            "password": "another-horse-77",
            "community": world.wenchang.code,
            "agree": "on",
        },
    )
    assert response.status_code == 200
    assert Person.objects.filter(name="黄审核").count() == 1


def test_the_reviewers_phone_typed_full_width_is_taken_on_the_api(world) -> None:
    response = Client().post(
        "/api/v1/people",
        {
            "name": "黄审核",
            "phone": lookalike(world.reviewer.phone),
            "password": "another-horse-77",
            "community": world.wenchang.code,
        },
        content_type="application/json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "phone_taken"
    assert Person.objects.filter(name="黄审核").count() == 1


def test_the_reviewers_id_number_typed_full_width_is_taken(world) -> None:
    services.register_by_staff(
        actor=world.staff,
        name="周有证",
        phone="13912345678",
        community=world.wenchang,
        id_number=ID_NUMBER,
    )
    with pytest.raises(Conflict, match="id_number_taken"):
        services.register_by_staff(
            actor=world.staff,
            name="周有证",
            phone="13912345679",
            community=world.wenchang,
            id_number=lookalike(ID_NUMBER),
        )


def test_a_resident_typing_their_phone_full_width_logs_in(world) -> None:
    client = Client()
    response = client.post(
        "/login/", {"phone": full_width(world.resident.phone), "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
