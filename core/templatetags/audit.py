"""Audit events as people read them: {{ event.verb|verb_label }}, {% for row in event|changes %}
(labelled before/after rows, unchanged fields left out) and {{ event.object_type|object_label }}."""

from django import template

from core import events

register = template.Library()


@register.filter
def verb_label(verb: str) -> str:
    return events.verb_label(verb)


@register.filter
def changes(event) -> list[events.Change]:
    return events.changes(event)


@register.filter
def object_label(object_type: str) -> str:
    return events.object_label(object_type)
