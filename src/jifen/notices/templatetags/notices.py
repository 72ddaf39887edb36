"""The bell in the header: the unread count, one COUNT per page, none for anonymous."""

from typing import Any

from django import template

from jifen.notices import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    # Once per request, however often the header is drawn.
    cached: int | None = getattr(request, "_unread_notices", None)
    if cached is None:
        cached = selectors.unread_count(user)
        if request is not None:
            request._unread_notices = cached  # noqa: SLF001 - a per-request memo
    return cached
