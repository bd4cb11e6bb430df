"""Typed audit events: the registry of every verb's label, and how a recorded event reads.

Each app declares its verbs once, in its own ``events.py``, as a ``TextChoices`` class decorated
with :func:`verbs` (the value is the stored verb, the label its Chinese name), beside one small
function per event that calls :func:`core.audit.record_event`. Nothing else in the code spells a
verb as a string, and no other module calls ``record_event`` (tests/test_events.py greps for it).
The timeline, the dashboard and OC4IDS read labels from here, never raw verbs or field names:
a key of before/after is labelled by the verb's class (``fields=``), else by the model field of
the event's object, else by the few common keys below. See docs/architecture.md ("Events").

This module also declares core's own verbs: the admin's writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

from .audit import record_event, register_reads

ChoicesT = TypeVar("ChoicesT", bound=type[models.TextChoices])


@dataclass(frozen=True)
class EventField:
    """How one key of an event's before/after reads: its label, and how its values show
    (through a choices class, or a function for lists and records)."""

    label: Any
    choices: type[models.Choices] | None = None
    show: Callable[[Any], str] | None = None


_LABELS: dict[str, Any] = {}
_FIELDS: dict[str, dict[str, EventField]] = {}
_OWNERS: dict[str, str] = {}  # verb → the class that declares it
# Verbs shown only to one audience (e.g. "discipline": a discipline officer's reads must not
# tell the audited party they are being looked at); everyone else's views leave them out.
_AUDIENCE: dict[str, str] = {}
# Verbs stored by older code that now read as a registered one: (pattern, verb).
_LEGACY: list[tuple[re.Pattern[str], str]] = []

# Keys that many events share and that mean the same everywhere; each gets a label here, once.
COMMON_FIELDS: dict[str, EventField] = {
    "amount": EventField(_("金额（元）")),
    "reason": EventField(_("理由")),
    "comment": EventField(_("说明")),
    "note": EventField(_("备注")),
    "project": EventField(_("项目"), show=lambda v: f"#{v}"),
}


def verbs(
    choices: ChoicesT | None = None,
    *,
    fields: dict[str, Any] | None = None,
    legacy: dict[str, str] | None = None,
    audience: dict[str, str] | None = None,
    reads: Iterable[str] = (),
) -> Any:
    """Register an app's verbs: ``@verbs`` or ``@verbs(fields={...}, legacy={...})``.

    ``audience`` maps a verb to the only audience that may see its events (e.g.
    ``{"discipline.read": "discipline"}``); the chain keeps them all the same.

    ``reads`` names the verbs that record a read rather than a change: their events go to the
    read chains, which writers never wait for (docs/audit.md "Chains").

    ``fields`` labels the keys of before/after that are not fields of the event's object
    (a label, or an :class:`EventField`); ``legacy`` maps a regular expression of verbs that
    older code stored to the member they now read as. A verb declared twice is a mistake.
    """
    declared = {
        name: spec if isinstance(spec, EventField) else EventField(spec)
        for name, spec in (fields or {}).items()
    }

    def register(cls: ChoicesT) -> ChoicesT:
        owner = f"{cls.__module__}.{cls.__qualname__}"
        for member in cls:
            if _OWNERS.setdefault(member.value, owner) != owner:  # the same class again is a reload
                raise ValueError(f"audit verb {member.value!r} declared twice")
            _LABELS[member.value] = member.label
            _FIELDS[member.value] = declared
        for pattern, target in (legacy or {}).items():
            _LEGACY.append((re.compile(pattern), str(target)))
        for verb, who in (audience or {}).items():
            _AUDIENCE[str(verb)] = who
        register_reads(reads)
        return cls

    return register(choices) if choices is not None else register


def _registered(verb: str) -> str | None:
    if verb in _LABELS:
        return verb
    for pattern, member in _LEGACY:
        if pattern.fullmatch(verb):
            return member
    return None


def is_registered(verb: str) -> bool:
    return _registered(verb) is not None


def verb_label(verb: str) -> str:
    """The verb's label; an unknown verb (an old event) shows as itself rather than failing."""
    known = _registered(verb)
    return str(_LABELS[known]) if known is not None else verb


def verbs_only_for(audience: str) -> list[str]:
    """The verbs whose events only `audience` may see: to leave out of everyone else's views."""
    return sorted(v for v, who in _AUDIENCE.items() if who == audience)


def registered_verbs() -> dict[str, Any]:
    return dict(_LABELS)


def autodiscover() -> None:
    """Import every project app's ``events`` module, so that every verb is registered before
    the first page shows one (core's AppConfig.ready calls this)."""
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if not path.is_relative_to(base) or "site-packages" in path.parts:
            continue  # third-party apps may have an `events` module of their own
        if module_has_submodule(config.module, "events"):
            import_module(f"{config.name}.events")


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


def _spec(verb: str, name: str) -> EventField | None:
    known = _registered(verb)
    declared = _FIELDS.get(known, {}) if known is not None else {}
    return declared.get(name)


def field_label(object_type: str, name: str, verb: str = "") -> str:
    """The key's label: declared by the verb's class, else the object's model field, else one
    of the common keys; an unknown key shows as itself."""
    spec = _spec(verb, name)
    if spec is not None:
        return str(spec.label)
    field = _field(object_type, name)
    if field is not None and isinstance(field.verbose_name, str | Promise):
        label = str(field.verbose_name)
        if label != name.replace("_", " "):  # Django's default: no label was given
            return label
    if name in COMMON_FIELDS:
        return str(COMMON_FIELDS[name].label)
    return name


def value_label(object_type: str, name: str, value: Any, verb: str = "") -> str:
    """A stored value as people read it: choices by their labels, yes/no, lists joined."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    spec = _spec(verb, name)
    field = _field(object_type, name)
    if spec is None and field is None:
        spec = COMMON_FIELDS.get(name)
    if spec is not None and spec.show is not None:
        return spec.show(value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(value_label(object_type, name, v, verb) for v in value)
    if isinstance(value, dict):
        return plain(value)
    if spec is not None and spec.choices is not None:
        choices = dict(spec.choices.choices)
    else:
        choices = dict(field.flatchoices) if field is not None and field.choices else {}
    return str(choices.get(value, value)) if isinstance(value, str | int) else str(value)


def plain(value: Any) -> str:
    """A value inside a list or record, without labels of its own."""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, list):
        return "、".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "、".join(plain(v) for k, v in value.items() if k != "id" and v not in (None, ""))
    return str(value)


def choice_label(choices: type[models.Choices]) -> Callable[[Any], str]:
    """A `show` for lists or single values of a choices class."""

    def show(value: Any) -> str:
        values = value if isinstance(value, list) else [value]
        labels = dict(choices.choices)
        return "、".join(str(labels.get(v, v)) for v in values)

    return show


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


_EMPTY: tuple[Any, ...] = (None, "", [], {})


def changes(event: Any) -> list[Change]:
    """The event's before/after as labelled rows, leaving out fields that did not change (and
    empty facts on one side only, which say nothing)."""
    before = event.before or {}
    after = event.after or {}
    rows = []
    for name in list(dict.fromkeys([*before, *after])):
        old, new = before.get(name), after.get(name)
        if name in before and name in after and old == new:
            continue
        if (name not in before and new in _EMPTY) or (name not in after and old in _EMPTY):
            continue
        rows.append(
            Change(
                field=name,
                label=field_label(event.object_type, name, event.verb),
                before=value_label(event.object_type, name, old, event.verb)
                if name in before
                else "",
                after=value_label(event.object_type, name, new, event.verb)
                if name in after
                else "",
            )
        )
    return rows


def object_label(object_type: str) -> str:
    """The name of the kind of object an event is about (its model's verbose name)."""
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return ""


# --- core's own verbs: writes through the admin ----------------------------------------------


_RELATED_CHANGES = {"added": _("新增"), "changed": _("修改"), "deleted": _("删除")}


def _related_rows(value: Any) -> str:
    """Inline rows an admin save touched: "新增：张三（项目经理）；修改：李四（质检员）…"."""
    rows = value if isinstance(value, list) else [value]
    shown = []
    for row in rows:
        if not isinstance(row, dict):
            shown.append(plain(row))
            continue
        change = row.get("change", "")
        text = f"{_RELATED_CHANGES.get(change, change)}：{row.get('name', '')}"
        if row.get("fields"):
            model = row.get("model", "")
            text += "（{}）".format("、".join(field_label(model, f) for f in row["fields"]))
        shown.append(text)
    return "；".join(shown)


@verbs(
    fields={
        "deleted": EventField(_("删除的记录")),
        "related": EventField(_("关联记录"), show=_related_rows),
        "job": EventField(_("任务")),
        "file": EventField(_("文件")),
    },
    # Fetching a file made for its owner is a read: on the read chains.
    reads=["download.fetched"],
    # Before typed verbs the admin stored "<model>.created_in_admin" and so on.
    legacy={
        r"[a-z0-9_]+\.created_in_admin": "admin.created",
        r"[a-z0-9_]+\.changed_in_admin": "admin.changed",
        r"[a-z0-9_]+\.deleted_in_admin": "admin.deleted",
    },
)
class CoreEvents(models.TextChoices):
    """The model is the event's object_type; the verb says what the admin did to it. A job run
    on demand (core.jobs) is the administrator's act too."""

    ADMIN_CREATED = "admin.created", _("管理后台新增")
    ADMIN_CHANGED = "admin.changed", _("管理后台修改")
    ADMIN_DELETED = "admin.deleted", _("管理后台删除")
    JOB_REQUESTED = "job.requested", _("运行后台任务")
    JOB_RESUMED = "job.resumed", _("续跑后台任务")
    DOWNLOAD_REQUESTED = "download.requested", _("申请导出文件")
    DOWNLOAD_FETCHED = "download.fetched", _("下载导出文件")


def admin_saved_event(*, actor, obj: models.Model, created: bool, before: dict, after: dict):
    return record_event(
        actor=actor,
        verb=CoreEvents.ADMIN_CREATED if created else CoreEvents.ADMIN_CHANGED,
        obj=obj,
        before=before,
        after=after,
    )


def job_requested_event(*, actor, run):
    return record_event(actor=actor, verb=CoreEvents.JOB_REQUESTED, obj=run, after={"job": run.job})


def job_resumed_event(*, actor, run, before: dict):
    """Where the run resumes from: the chunks before it are not done again."""
    return record_event(
        actor=actor,
        verb=CoreEvents.JOB_RESUMED,
        obj=run,
        before=before,
        after={"job": run.job, "state": run.state, "done": run.done, "total": run.total},
    )


def download_requested_event(*, actor, download):
    """Which file, with what the page was filtered by (the maker's params)."""
    return record_event(
        actor=actor,
        verb=CoreEvents.DOWNLOAD_REQUESTED,
        obj=download,
        after={"file": download.title, "params": download.params},
    )


def download_fetched_event(*, actor, download):
    return record_event(
        actor=actor,
        verb=CoreEvents.DOWNLOAD_FETCHED,
        obj=download,
        after={"file": download.title, "size": download.size},
    )


def admin_deleted_event(*, actor, objects: Iterable[models.Model]):
    """One event for one deletion through the admin, of one object or of a selection."""
    objects = list(objects)
    deleted = [{"id": o.pk, "name": str(o)[:200]} for o in objects]
    if len(objects) == 1:
        return record_event(
            actor=actor, verb=CoreEvents.ADMIN_DELETED, obj=objects[0], after={"deleted": deleted}
        )
    return record_event(
        actor=actor,
        verb=CoreEvents.ADMIN_DELETED,
        object_type=objects[0]._meta.label_lower if objects else "",
        object_id="bulk",
        after={"deleted": deleted},
    )
