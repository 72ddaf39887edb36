"""Text that follows the reader's language at display time.

``{% colon %}``: the colon after a label — full-width (：) in Chinese, which takes no
space after it, ``": "`` in other languages. A template writes ``{% translate "My
points" %}{% colon %}<strong>70</strong>`` and reads 我的积分：70 / My points: 70.
"""

from django import template
from django.utils.translation import get_language

register = template.Library()


def is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


@register.simple_tag
def colon() -> str:
    return "：" if is_chinese() else ": "
