"""A field that is too long is refused in Jifen's own words ("这里最多填 50 个字，现在有 51
个字。"), not Django's stock "确保该变量包含不超过 50 字符" — in every form of every app."""

import importlib
import inspect
import pkgutil

from django import forms
from django.test import Client
from django.utils import translation

import jifen
from jifen.lib.formwords import MAX_LENGTH
from tests.conftest import World

STOCK = "Ensure this value has at most"


def form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for module in pkgutil.walk_packages(jifen.__path__, "jifen."):
        if not module.name.endswith(".forms"):
            continue
        loaded = importlib.import_module(module.name)
        for _name, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == loaded.__name__:
                found.append(value)
    return found


def test_every_length_limited_field_of_every_form_speaks_jifens_words():
    classes = form_classes()
    assert len(classes) >= 10
    checked = 0
    for form_class in classes:
        for name, field in form_class.base_fields.items():
            if getattr(field, "max_length", None):
                assert field.error_messages["max_length"] is MAX_LENGTH, (form_class, name)
                checked += 1
    assert checked >= 20


def test_registering_with_a_name_too_long_says_so_in_jifens_words(world: World):
    response = Client().post(
        "/register/",
        {
            "name": "王" * 51,
            "phone": "13612345675",
            "community": world.wenchang.code,
            "password": "a-long-password-42",
        },
    )
    errors = response.context["form"].errors["name"]
    with translation.override("zh-hans"):
        expected = MAX_LENGTH % {"limit_value": 50, "show_value": 51}
    assert errors == [expected]
    assert STOCK not in str(errors)
    assert "确保该变量包含" not in response.content.decode()


def test_no_form_says_djangos_stock_words_for_required_choices_numbers_and_dates():
    stock = {
        "required": "This field is required.",
        "invalid_choice": "Select a valid choice",
        "min_value": "Ensure this value is greater than or equal to",
        "max_value": "Ensure this value is less than or equal to",
        "invalid": "Enter a",
    }
    checked = 0
    with translation.override("en"):
        for form_class in form_classes():
            for name, field in form_class.base_fields.items():
                for key, words in stock.items():
                    message = field.error_messages.get(key)
                    if message is not None:
                        assert not str(message).startswith(words), (form_class, name, key)
                        checked += 1
    assert checked >= 50
