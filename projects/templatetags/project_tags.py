"""Labels for states and audit verbs in project pages."""

from django import template

from projects.choices import AUDIT_VERB_LABELS, ProjectStatus

register = template.Library()


@register.filter
def status_label(value):
    try:
        return ProjectStatus(value).label
    except ValueError:
        return value or ""


@register.filter
def verb_label(value):
    return AUDIT_VERB_LABELS.get(value, value)
