"""The rectification ledger (问题台账): open, start, submit evidence, close or send back an item."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from core.dates import local_date
from core.errors import ConflictError
from core.signals import announce_project_changed
from projects.models import Project
from projects.permissions import access_project

from ..choices import ItemSource
from ..events import ledger_opened_event, ledger_step_event
from ..models import (
    RectificationItem,
)
from ..permissions import LEDGER_OPENERS, is_responsible_for, may_close_item
from ..selectors import item_list


def _today():
    return local_date(timezone.now())


def item_open(
    *,
    actor,
    project_id: int | None,
    source: str,
    problem: str,
    responsible_organisation_id: int,
    deadline,
    standard: str,
    responsible_person: str = "",
    spot_check=None,
    inspection_round=None,
) -> RectificationItem:
    """Open a ledger item; `actor=None` only for items the platform itself opens."""
    with transaction.atomic(durable=True):
        item = item_add(
            actor=actor,
            project_id=project_id,
            source=source,
            problem=problem,
            responsible_organisation_id=responsible_organisation_id,
            deadline=deadline,
            standard=standard,
            responsible_person=responsible_person,
            spot_check=spot_check,
            inspection_round=inspection_round,
        )
        ledger_opened_event(
            actor=actor,
            item=item,
            after={
                "project": project_id,
                "source": source,
                "problem": item.problem,
                "responsible_organisation": responsible_organisation_id,
                "deadline": deadline,
            },
        )
    return item


def item_add(
    *,
    actor,
    project_id: int | None,
    source: str,
    problem: str,
    responsible_organisation_id: int,
    deadline,
    standard: str,
    responsible_person: str = "",
    spot_check=None,
    inspection_round=None,
) -> RectificationItem:
    """item_open inside the caller's transaction and without an event of its own: for a
    service whose one event records the item it opened (a failed spot check, a report, a
    low-rating review)."""
    errors = {}
    if not problem.strip():
        errors["problem"] = [_("请填写问题。")]
    if not standard.strip():
        errors["standard"] = [_("请填写整改标准。")]
    if deadline is None or deadline < _today():
        errors["deadline"] = [_("整改时限不能早于今天。")]
    if source not in ItemSource.values:
        errors["source"] = [_("请选择问题来源。")]
    if errors:
        raise ValidationError(errors)
    project = (
        access_project(actor, project_id)
        if project_id and actor
        else (Project.objects.get(pk=project_id) if project_id else None)
    )
    if actor is not None and actor.role not in LEDGER_OPENERS:
        raise PermissionDenied
    item = RectificationItem.objects.create(
        project=project,
        source=source,
        problem=problem.strip(),
        responsible_organisation_id=responsible_organisation_id,
        responsible_person=responsible_person.strip(),
        deadline=deadline,
        standard=standard.strip(),
        opened_by=actor,
        opened_on=_today(),
        spot_check=spot_check,
        inspection_round=inspection_round,
    )
    announce_project_changed(project_id)
    return item


def _locked_item(actor, item_id: int) -> RectificationItem:
    item = item_list(user=actor).select_for_update(of=("self",)).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


def _item_step(actor, item_id, name, allowed, **kwargs) -> RectificationItem:
    with transaction.atomic(durable=True):
        item = _locked_item(actor, item_id)
        if not allowed(item, actor):
            raise PermissionDenied
        method = getattr(item, name)
        if not can_proceed(method):
            raise ConflictError(
                _("该事项当前状态为“%(status)s”，不能执行此操作。")
                % {"status": item.get_status_display()}
            )
        before = {"item_status": item.status}
        method(**kwargs)
        item.save()
        if name == "close":
            announce_project_changed(item.project_id)
        ledger_step_event(
            actor=actor,
            item=item,
            name=name,
            before=before,
            after={
                "item_status": item.status,
                **{k: v for k, v in kwargs.items() if k == "evidence"},
            },
        )
    return item


def item_start(*, actor, item_id: int) -> RectificationItem:
    return _item_step(actor, item_id, "start", is_responsible_for)


def item_submit(*, actor, item_id: int, evidence: str) -> RectificationItem:
    if not evidence.strip():
        raise ValidationError({"evidence": _("请填写整改情况并提供佐证。")})
    return _item_step(
        actor,
        item_id,
        "submit_evidence",
        is_responsible_for,
        evidence=evidence.strip(),
        at=timezone.now(),
    )


def item_close(*, actor, item_id: int) -> RectificationItem:
    return _item_step(actor, item_id, "close", may_close_item, by=actor, at=timezone.now())


def item_send_back(*, actor, item_id: int, reason: str) -> RectificationItem:
    if not reason.strip():
        raise ValidationError({"reason": _("请说明退回整改的理由。")})
    return _item_step(actor, item_id, "send_back", may_close_item)
