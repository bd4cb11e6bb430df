"""Typed audit events: the registry of every verb's label, and how a recorded event reads.

Each app declares its verbs once, in its own ``events.py``, as a ``TextChoices`` class decorated
with :func:`verbs` (the value is the stored verb, the label its Chinese name), beside one small
function per event that calls :func:`core.audit.record_event`. Nothing else in the code spells a
verb as a string. The timeline, the dashboard and OC4IDS read labels from here, never raw verbs
or field names. See docs/architecture.md ("Events").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_LABELS: dict[str, Any] = {}
ChoicesT = TypeVar("ChoicesT", bound=type[models.TextChoices])

# Keys of before/after that are not model fields (or not on the event's object) but appear in
# events; each gets a label here, once.
EXTRA_FIELD_LABELS: dict[str, Any] = {
    "amount": _("金额"),
    "payment_status": _("支付状态"),
    "status": _("状态"),
    "tier": _("类别"),
    "reason": _("理由"),
    "comment": _("说明"),
}


def verbs(choices: ChoicesT) -> ChoicesT:
    """Register an app's verbs (a class decorator); a verb declared twice is a mistake."""
    for member in choices:
        if member.value in _LABELS:
            raise ValueError(f"audit verb {member.value!r} declared twice")
        _LABELS[member.value] = member.label
    return choices


def verb_label(verb: str) -> str:
    """The verb's label; an unknown verb (an old event) shows as itself rather than failing."""
    label = _LABELS.get(verb)
    return str(label) if label is not None else verb


def registered_verbs() -> dict[str, Any]:
    return dict(_LABELS)


def _field(object_type: str, name: str) -> models.Field | None:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def field_label(object_type: str, name: str) -> str:
    if name in EXTRA_FIELD_LABELS:
        return str(EXTRA_FIELD_LABELS[name])
    field = _field(object_type, name)
    if field is not None and isinstance(field.verbose_name, str | Promise):
        label = str(field.verbose_name)
        if label != name.replace("_", " "):  # Django's default: no label was given
            return label
    return name


def value_label(object_type: str, name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    field = _field(object_type, name)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    if name in ("status", "tier") and not choices:
        choices = _status_and_tier_choices(name)
    if value in choices:
        return str(choices[value])
    if isinstance(value, list):
        return "、".join(value_label(object_type, name, v) for v in value)
    return str(value)


def _status_and_tier_choices(name: str) -> dict[str, Any]:
    model = apps.get_model("projects", "Project")
    return dict(cast("models.Field[Any, Any]", model._meta.get_field(name)).flatchoices)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


def changes(event: Any) -> list[Change]:
    """The event's before/after as labelled rows, leaving out fields that did not change."""
    before = event.before or {}
    after = event.after or {}
    rows = []
    for name in list(dict.fromkeys([*before, *after])):
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        rows.append(
            Change(
                field=name,
                label=field_label(event.object_type, name),
                before=value_label(event.object_type, name, old) if name in before else "",
                after=value_label(event.object_type, name, new) if name in after else "",
            )
        )
    return rows
