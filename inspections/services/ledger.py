"""The rectification ledger (问题台账): open, start, submit evidence, close or send back an item."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.choices import Role
from core.dates import local_date
from core.errors import ConflictError
from core.signals import announce_project_changed
from projects.models import Project
from projects.permissions import access_project

from ..choices import ItemSource, ItemStatus, RectificationMode
from ..events import (
    ledger_assessed_event,
    ledger_carried_over_event,
    ledger_opened_event,
    ledger_stage_done_event,
    ledger_step_event,
)
from ..models import RectificationItem, RectificationStage
from ..permissions import is_responsible_for, may_close_item, may_open_item
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
    mode: str = RectificationMode.IMMEDIATE,
    stages: list[tuple[str, date | None]] = (),  # type: ignore[assignment]
) -> RectificationItem:
    """Open a ledger item; `actor=None` only for items the platform itself opens. A staged
    item (分阶段整改) comes with its stages: target and date each, within the deadline."""
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
            mode=mode,
            stages=stages,
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
                "mode": item.mode,
                "stages": [{"target": t.target, "due": t.due} for t in item.stages.all()],
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
    mode: str = RectificationMode.IMMEDIATE,
    stages=(),
    project: Project | None = None,
) -> RectificationItem:
    """item_open inside the caller's transaction and without an event of its own: for a
    service whose one event records the item it opened (a failed spot check, a report, a
    low-rating review, a village supervisor's observation). `project`: one the caller has
    already reached through its own access check (the village pages)."""
    errors = {}
    if not problem.strip():
        errors["problem"] = [_("请填写问题。")]
    if not standard.strip():
        errors["standard"] = [_("请填写整改标准。")]
    if deadline is None or deadline < _today():
        errors["deadline"] = [_("整改时限不能早于今天。")]
    if source not in ItemSource.values:
        errors["source"] = [_("请选择问题来源。")]
    stages = [(t.strip(), due) for t, due in stages if t.strip() or due]
    if mode not in RectificationMode.values:
        errors["mode"] = [_("请选择整改方式。")]
    elif mode == RectificationMode.STAGED and not stages:
        errors["stages"] = [_("分阶段整改须至少设定一个阶段目标及其完成时限。")]
    elif mode == RectificationMode.IMMEDIATE and stages:
        errors["stages"] = [_("立行立改的事项不设阶段目标。")]
    for target, due in stages:
        if not target or due is None:
            errors["stages"] = [_("每个阶段须填写目标和完成时限。")]
        elif deadline is not None and not (_today() <= due <= deadline):
            errors["stages"] = [_("阶段完成时限须在今天和整改时限之间。")]
    if errors:
        raise ValidationError(errors)
    if project is None:
        project = (
            access_project(actor, project_id)
            if project_id and actor
            else (Project.objects.get(pk=project_id) if project_id else None)
        )
    if actor is not None and not may_open_item(actor, source):
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
        mode=mode,
    )
    RectificationStage.objects.bulk_create(
        RectificationStage(item=item, target=target, due=due) for target, due in stages
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
        if name == "close" and item.needs_assessment and item.assessed_at is None:
            raise ConflictError(
                _(
                    "该事项属于严重问题（巡察、举报或已超期），须经第三方评估机构签署意见后方可销号。"
                )
            )
        if name == "submit_evidence" and item.stages.filter(done_at__isnull=True).exists():
            raise ConflictError(_("还有阶段目标未完成，请先逐项提交阶段完成情况。"))
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


def item_stage_complete(*, actor, stage_id: int, evidence: str) -> RectificationStage:
    """The responsible party reports one staged target met, with its evidence."""
    if not evidence.strip():
        raise ValidationError({"evidence": _("请填写该阶段的完成情况及佐证。")})
    with transaction.atomic(durable=True):
        stage = RectificationStage.objects.filter(pk=stage_id).values_list("item_id", flat=True)
        item_id = stage.first()
        if item_id is None:
            raise Http404
        item = _locked_item(actor, item_id)
        if not is_responsible_for(item, actor):
            raise PermissionDenied
        target = item.stages.select_for_update().get(pk=stage_id)
        if target.done_at is not None:
            return target  # sent twice: the first one stands
        if item.status not in (ItemStatus.OPEN, ItemStatus.RECTIFYING):
            raise ConflictError(
                _("该事项当前状态为“%(status)s”，不能提交阶段完成情况。")
                % {"status": item.get_status_display()}
            )
        before = {"item_status": item.status}
        if item.status == ItemStatus.OPEN:
            item.start()
            item.save()
        target.evidence, target.done_at = evidence.strip(), timezone.now()
        target.save(update_fields=["evidence", "done_at", "updated_at"])
        ledger_stage_done_event(
            actor=actor,
            item=item,
            before=before,
            after={
                "item_status": item.status,
                "stage": target.target,
                "due": target.due,
                "evidence": target.evidence,
            },
        )
    return target


def item_assess(*, actor, item_id: int, passed: bool, opinion: str) -> RectificationItem:
    """A third-party assessor (第三方评估机构) signs a serious item's rectification as done, or
    sends it back with the opinion; only then may it be closed."""
    if actor.role != Role.LAB:
        raise PermissionDenied
    if not opinion.strip():
        raise ValidationError({"opinion": _("请填写评估意见。")})
    with transaction.atomic(durable=True):
        item = _locked_item(actor, item_id)
        if item.status != ItemStatus.SUBMITTED or not item.needs_assessment:
            raise ConflictError(_("只有已提交待销号的严重问题需要第三方评估。"))
        if item.assessed_at is not None:
            raise ConflictError(_("该事项已经评估。"))
        before = {"item_status": item.status}
        item.assessment = opinion.strip()
        if passed:
            item.assessed_by, item.assessed_at = actor, timezone.now()
        else:
            item.send_back()
        item.save()
        ledger_assessed_event(
            actor=actor,
            item=item,
            before=before,
            after={"item_status": item.status, "passed": passed, "assessment": item.assessment},
        )
    return item


def item_carry_over(*, actor, item_id: int, reason: str) -> RectificationItem:
    """At the close of a 巡察 round, an item not yet closed is carried over with its reason: it
    stays open and tracked, and no longer holds the round open."""
    if actor.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("请说明结转理由。")})
    with transaction.atomic(durable=True):
        item = _locked_item(actor, item_id)
        if item.inspection_round_id is None:
            raise ConflictError(_("只有巡察反馈的事项可以结转。"))
        if item.status == ItemStatus.CLOSED or item.carried_over_at is not None:
            raise ConflictError(_("该事项已销号或已结转。"))
        item.carried_over_at, item.carry_over_reason = timezone.now(), reason.strip()
        item.save(update_fields=["carried_over_at", "carry_over_reason", "updated_at"])
        ledger_carried_over_event(actor=actor, item=item, after={"reason": item.carry_over_reason})
    return item
