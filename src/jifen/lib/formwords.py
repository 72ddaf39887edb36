"""Jifen's own words for what a form field refuses, instead of Django's stock ones:
"这个字段是必填项。", "选择一个有效的选项。 X 不在可用的选项中。", "确保该值大于或等于0。",
"确保该变量包含不超过 50 字符（目前字符数 51）".

Every form field of the project — plain forms and model forms, in every app — takes its
messages from the ``default_error_messages`` of its class and the classes above it, which
``install()`` fills once when the web app is ready (``jifen.web.apps``). A field that
passes its own ``error_messages`` keeps them. ``tests/web/test_form_words.py`` checks
every form.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

MAX_LENGTH = ngettext_lazy(
    "At most %(limit_value)d character here; this has %(show_value)d.",
    "At most %(limit_value)d characters here; this has %(show_value)d.",
    "limit_value",
)
REQUIRED = _("Please fill in this field.")
INVALID_CHOICE = _("Choose from the list.")
# Checked by the fields' validators; a field renames a validator's error by its code.
MIN_VALUE = _("At least %(limit_value)s here.")
MAX_VALUE = _("At most %(limit_value)s here.")

# ``invalid`` says what a field of that kind wants (the most specific class first).
INVALID: list[tuple[type[forms.Field], Any]] = [
    (forms.DateTimeField, _("Write the date and time as 2026-05-01 09:00.")),
    (forms.DateField, _("Write the date as 2026-05-01.")),
    (forms.DecimalField, _("Write a number here.")),
    (forms.FloatField, _("Write a number here.")),
    (forms.IntegerField, _("Write a whole number here.")),
]
CHOICES: tuple[type[forms.Field], ...] = (
    forms.ChoiceField,
    forms.TypedChoiceField,
    forms.MultipleChoiceField,
    forms.TypedMultipleChoiceField,
    forms.ModelChoiceField,
    forms.ModelMultipleChoiceField,
)


def _add(klass: type[forms.Field], **words: Any) -> None:
    # Assigned on the class itself, so a subclass's own stock words are replaced too.
    klass.default_error_messages = {**klass.default_error_messages, **words}


def install() -> None:
    """Jifen's words for every form field defined from now on (idempotent)."""
    _add(
        forms.Field,
        max_length=MAX_LENGTH,
        required=REQUIRED,
        min_value=MIN_VALUE,
        max_value=MAX_VALUE,
    )
    for klass in CHOICES:
        _add(klass, invalid_choice=INVALID_CHOICE)
    for klass, words in reversed(INVALID):
        _add(klass, invalid=words)
