"""Text that people type and others read: what it may contain.

A single line (a title, a name, a code, a place) holds no control character at all; a
text of several lines (a description, a reason, a note) keeps its line breaks, written
as ``\\n`` whatever the browser sent. Neither holds a format character (U+202E turns what
follows around), a private-use or an unassigned one: nothing a reader cannot see
(person names follow the same rule, ``people.validation.clean_name``). The API's input
types (``api/fields.py``) and the services share these, so a page and a call agree.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _

from jifen.lib.errors import InvalidInput


def unprintable(text: str, *, lines: bool = False) -> bool:
    """Whether the text holds a character a reader cannot see (``\\n`` allowed in lines)."""
    return any(
        unicodedata.category(ch).startswith("C") and not (lines and ch == "\n") for ch in text
    )


def normalize(value: str, *, lines: bool = False) -> str:
    """NFC, line breaks as ``\\n`` in a text of lines (a single line keeps its CR/LF, to
    be refused)."""
    text = unicodedata.normalize("NFC", value)
    if lines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def clean_field(
    value: object, field: str, limit: int, *, required: bool = True, lines: bool = False
) -> str:
    """A form's text field: printable (``clean_text``), filled in when ``required``,
    within ``limit`` characters; ``invalid_input`` on the field otherwise."""
    text = clean_text(value, field, lines=lines)
    if required and not text:
        raise InvalidInput(_("Please fill in this field."), field=field)
    if len(text) > limit:
        raise InvalidInput(_("At most %(n)s characters, please."), field=field, params={"n": limit})
    return text


def clean_text(value: object, field: str, *, lines: bool = False) -> str:
    """The text, normalised and stripped; ``invalid_input`` on the field when it holds a
    character that cannot be printed. Length and presence stay the caller's to check."""
    text = normalize(str(value or ""), lines=lines).strip()
    if unprintable(text, lines=lines):
        raise InvalidInput(
            _("This contains characters that cannot be printed."),
            code="unprintable",
            field=field,
        )
    return text
