"""{{ amount|yuan }}: 1,707,154.12 — grouping in every language, never a float."""

from django import template

from core.money import format_yuan

register = template.Library()


@register.filter
def yuan(amount):
    return format_yuan(amount)
