"""The audit log in words on any page: ``{% load audit %}``, then
``{{ event.action|action_name }}`` and ``{% for change in event|changes %}`` (or
``{% audit_changes event region_names as rows %}`` to show regions by name)."""

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


@register.simple_tag
def audit_changes(event: Any, names: dict[str, str] | None = None) -> list[labels.Change]:
    return labels.changes(event.action, event.before, event.after, names)
