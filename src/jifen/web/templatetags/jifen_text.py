"""Text that follows the reader's language at display time.

``{% colon %}``: the colon after a label — full-width (：) in Chinese, which takes no
space after it, ``": "`` in other languages. A template writes ``{% translate "My
points" %}{% colon %}<strong>70</strong>`` and reads 我的积分：70 / My points: 70.
"""

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jifen.lib.stored_text import in_reader_language

register = template.Library()


def is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


@register.simple_tag
def colon() -> str:
    return "：" if is_chinese() else ": "


@register.simple_tag
def acting_for(name: str, relation: str) -> str:
    """A person the reader acts for as family proxy (代办), with the reader's relation to
    them: 杜荣军（我是其女儿）, never 杜荣军（女儿）, which reads as if 杜荣军 were the
    daughter. ``relation`` is the proxy's own relation to the person, as staff record it."""
    if not relation:
        return str(name)
    return _("%(name)s (I am their %(relation)s)") % {"name": name, "relation": relation}


@register.filter
def reader_language(text: str) -> str:
    """Stored text the code wrote (a ledger memo, a public name such as 志愿者 12) in the
    reader's language; anything else exactly as stored (``jifen.lib.stored_text``)."""
    return in_reader_language(str(text or ""))
