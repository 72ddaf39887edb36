"""Stored text that the code wrote, read back in the reader's language.

The ledger's memos are written in the deployment's language (``points.ledger.ledger_text``)
because a sealed month must read the same for everyone: "兑换 洗洁精 × 1", "清洁家园 × 2（16
号申报）". Public names of people who have not agreed to publication are stored as "志愿者
12". What is stored never changes (the seal covers it); a reader in English sees it in
English because ``in_reader_language`` recognises the stored text as the rendering of one
of the messages below in the language it was written in, takes its values back out, and
renders the same message in the reader's language. Text that matches no message (a
reason a person typed, an item's name) is shown exactly as stored.

``TEMPLATES`` lists every message the code stores this way; ``tests/points/
test_stored_text.py`` fails when a new ``ledger_text(_("..."))`` is not listed here.
"""

import re
from functools import lru_cache

from django.conf import settings
from django.utils import translation

# Messages the code renders into stored text, most specific first (the first that
# matches wins). Their translations come from the project's catalogue as usual.
TEMPLATES: tuple[str, ...] = (
    # claims.services
    "%(item)s × %(quantity)s (claim %(id)s)",
    "Service for a resident's request: %(title)s (claim %(id)s)",
    "Micro-project completed: %(title)s (claim %(id)s)",
    "Claim %(id)s revoked: %(reason)s",
    # imports.services
    "%(item)s × %(quantity)s (imported history, import %(batch)s row %(row)s)",
    "%(item)s × %(quantity)s (%(label)s, import %(batch)s row %(row)s)",
    # shop.services
    "Redeemed %(item)s × %(n)s",
    "Order %(code)s cancelled: %(why)s",
    "Order %(code)s not picked up in time",
    "Settlement of %(merchant)s for %(month)s",
    "cancelled by the holder",
    "cancelled by staff",
    # points.settlement, points.services
    "Team leader bonus %(month)s: %(team)s",
    "Long-term volunteer bonus %(month)s",
    "Points received before %(date)s expired at the end of %(year)s",
    "Referral of volunteer %(number)s",
    # publicity.selectors.public_name: a person who has not agreed to publication
    "Volunteer %(number)s",
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# A value inside a value ("Order … cancelled: cancelled by staff"): one level is enough.
DEPTH = 2


def _pattern(rendered: str) -> re.Pattern[str] | None:
    """A regular expression matching ``rendered`` (a message in some language) with each
    placeholder captured by name; None for a message without any text of its own."""
    parts, last, names = [], 0, set()
    for found in PLACEHOLDER.finditer(rendered):
        parts.append(re.escape(rendered[last : found.start()]))
        name = found.group(1)
        if name in names:  # the same value twice: it must read the same
            parts.append(f"(?P={name})")
        else:
            parts.append(f"(?P<{name}>.+?)")
            names.add(name)
        last = found.end()
    parts.append(re.escape(rendered[last:]))
    if not "".join(parts[::2]).strip():
        return None
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=8)
def _patterns(language: str) -> list[tuple[str, re.Pattern[str]]]:
    """Each message as written in ``language``, and its pattern (cached per language)."""
    out = []
    with translation.override(language):
        for message in TEMPLATES:
            pattern = _pattern(translation.gettext(message))
            if pattern is not None:
                out.append((message, pattern))
    return out


def _source_languages() -> list[str]:
    """The languages stored text may be written in: the deployment's first (what
    ``ledger_text`` writes), then the others (text written before ledger_text, or in a
    request's language)."""
    first = settings.LANGUAGE_CODE
    return [first, *(code for code, _name in settings.LANGUAGES if code != first)]


def in_reader_language(text: str, *, depth: int = DEPTH) -> str:
    """``text`` as the current reader reads it: the same message in their language when
    the code wrote it, otherwise unchanged."""
    if not text or depth <= 0:
        return text
    reader = translation.get_language() or settings.LANGUAGE_CODE
    for language in _source_languages():
        if language.lower() == reader.lower():
            continue  # written in the reader's own language: nothing to do
        for message, pattern in _patterns(language):
            found = pattern.fullmatch(text)
            if found is None:
                continue
            values = {
                name: in_reader_language(value, depth=depth - 1)
                for name, value in found.groupdict().items()
            }
            return translation.gettext(message) % values
    return text
