"""工期延期 (docs/rules.md §9, issue #14 point 6): the street office or the contractor asks for a
later planned end with reasons; the level that approved the project decides, never the one who
asked. An approved extension moves the planned end that lateness is measured from."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ConflictError
from projects.permissions import access_project

from ..choices import ChangeStatus
from ..events import extension_decided_event, extension_requested_event
from ..models import ScheduleExtension
from ..permissions import may_decide_change, may_request_change
from .changes import HALTABLE


def extension_request(*, actor, project_id: int, new_end, reason: str) -> ScheduleExtension:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写延期理由。")})
    if isinstance(new_end, str):
        try:
            new_end = date.fromisoformat(new_end)
        except ValueError:
            raise ValidationError({"new_end": _("请填写延期后的计划完工日期。")}) from None
    if not isinstance(new_end, date):
        raise ValidationError({"new_end": _("请填写延期后的计划完工日期。")})
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not may_request_change(project, actor):
            raise PermissionDenied
        if project.status not in HALTABLE or project.completed_at:
            raise ConflictError(_("只有合同备案后、完工前的项目可以申请工期延期。"))
        pending = ScheduleExtension.objects.filter(
            project=project, status=ChangeStatus.PENDING
        ).first()
        if pending is not None:
            if pending.new_end == new_end and pending.requested_by_id == actor.pk:
                return pending  # the same request again: answered like the first
            raise ConflictError(_("已有待审批的延期申请，请等待处理。"))
        if project.planned_end is None or new_end <= project.planned_end:
            raise ValidationError(
                {
                    "new_end": _("延期后的日期须晚于原计划完工日期（%(end)s）。")
                    % {"end": project.planned_end}
                }
            )
        try:
            with transaction.atomic():
                extension = ScheduleExtension.objects.create(
                    project=project,
                    old_end=project.planned_end,
                    new_end=new_end,
                    reason=reason,
                    requested_by=actor,
                )
        except IntegrityError:  # a request made at the same moment
            raise ConflictError(_("已有待审批的延期申请，请等待处理。")) from None
        extension_requested_event(
            actor=actor,
            project=project,
            after={
                "extension": extension.pk,
                "old_end": extension.old_end,
                "new_end": new_end,
                "reason": reason,
            },
        )
    return extension


def extension_decide(
    *, actor, extension_id: int, approve: bool, comment: str = ""
) -> ScheduleExtension:
    with transaction.atomic(durable=True):
        extension = ScheduleExtension.objects.select_for_update().filter(pk=extension_id).first()
        if extension is None:
            raise ApplicationError(_("延期申请不存在。"), status=404)
        project = access_project(actor, extension.project_id, for_update=True)
        if not may_decide_change(project, extension, actor):
            raise PermissionDenied
        if extension.status != ChangeStatus.PENDING:
            raise ConflictError(_("该延期申请已处理。"))
        if not approve and not comment.strip():
            raise ValidationError({"comment": _("不同意延期须说明理由。")})
        extension.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        extension.decided_by = actor
        extension.decided_at = timezone.now()
        extension.save()
        before = {"planned_end": project.planned_end}
        if approve:
            project.planned_end = extension.new_end
            project.save(update_fields=["planned_end", "updated_at"])
        extension_decided_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "extension": extension.pk,
                "decision": extension.status,
                "planned_end": project.planned_end,
            },
            comment=comment,
        )
    return extension
