"""How names, phones and ID numbers appear where they must not be read in full."""

import pytest

from jifen.lib.masking import mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("王梅", "王*"),
        ("王淑梅", "王*梅"),
        ("欧阳淑梅", "欧**梅"),
        ("爱新觉罗启星", "爱**星"),
        (" 王淑梅 ", "王*梅"),
        ("王", "王"),
        ("", ""),
    ],
)
def test_public_names_are_masked_as_the_contract_says(name, masked):
    assert mask_name(name) == masked


def test_a_phone_shows_only_its_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("123") == "***"


def test_an_id_number_shows_only_its_first_and_last_four_characters():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("1234") == "****"
