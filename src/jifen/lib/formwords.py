"""Jifen's own words for a form field that is too long, instead of Django's stock
"确保该变量包含不超过 50 字符（目前字符数 51）" ("Ensure this value has at most 50 characters").

Every form field of the project — plain forms and model forms, in every app — takes its
``max_length`` message from ``forms.Field.default_error_messages``, which ``install()``
fills once when the web app is ready (``jifen.web.apps``). A field that passes its own
``error_messages`` keeps them. ``tests/web/test_form_words.py`` checks every form.
"""

from django import forms
from django.utils.translation import ngettext_lazy

MAX_LENGTH = ngettext_lazy(
    "At most %(limit_value)d character here; this has %(show_value)d.",
    "At most %(limit_value)d characters here; this has %(show_value)d.",
    "limit_value",
)


def install() -> None:
    """Jifen's words for every form field defined from now on (idempotent)."""
    forms.Field.default_error_messages = {
        **forms.Field.default_error_messages,
        "max_length": MAX_LENGTH,
    }
