"""The audit log in words on any page: ``{% load audit %}``, then
``{{ event.action|action_name }}`` and ``{% for change in event|changes %}``."""

from typing import Any

from django import template

from jifen.audit import labels

register = template.Library()


@register.filter
def action_name(code: str) -> str:
    return labels.action_name(code)


@register.filter
def changes(event: Any) -> list[labels.Change]:
    return labels.changes(event.action, event.before, event.after)
