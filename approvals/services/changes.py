"""Design changes (设计变更) and the escalation of a project's tier they may cause."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, ConflictError
from core.money import parse_amount
from core.signals import announce_project_changed
from core.uploads import check_documents
from projects.choices import (
    PROCUREMENT_STRENGTH,
    TIER_PROCUREMENT,
    TIER_RANK,
    ProcurementMethod,
    Tier,
)
from projects.contract_terms import change_share, is_large_change
from projects.models import Contract, Project
from projects.permissions import access_project
from projects.tiers import project_tier

from .. import routes
from ..choices import ChangeStatus, FlagKind
from ..events import change_decided_event, change_requested_event, escalation_approved_event
from ..models import ChangeOrder, Flag
from ..permissions import (
    may_approve_escalation,
    may_decide_change,
    may_request_change,
)


def change_request(
    *, actor, project_id: int, amount_delta, reason: str, drawings=None
) -> ChangeOrder:
    if not reason.strip():
        raise ValidationError({"reason": _("请填写变更理由。")})
    try:
        delta = parse_amount(str(amount_delta).lstrip("-"))
    except ValidationError as exc:
        raise ValidationError({"amount_delta": exc.messages}) from None
    if str(amount_delta).strip().startswith("-"):
        delta = -delta
    if drawings:
        check_documents([drawings])
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not may_request_change(project, actor):
            raise PermissionDenied
        if not hasattr(project, "contract"):
            raise ConflictError(_("合同备案后才能申请设计变更。"))
        change = ChangeOrder.objects.create(
            project=project,
            amount_delta=delta,
            reason=reason.strip(),
            drawings=drawings or "",
            requested_by=actor,
        )
        change_requested_event(
            actor=actor,
            project=project,
            after={"change": change.pk, "amount_delta": delta, "reason": change.reason},
        )
    return change


def change_decide(*, actor, change_id: int, approve: bool, comment: str = "") -> ChangeOrder:
    """Approve or refuse a change; an approved one may lift the project into a higher tier."""
    with transaction.atomic(durable=True):
        change = ChangeOrder.objects.select_for_update().filter(pk=change_id).first()
        if change is None:
            raise ApplicationError(_("变更不存在。"), status=404)
        project = access_project(actor, change.project_id, for_update=True)
        if not may_decide_change(project, change, actor):
            raise PermissionDenied
        if change.status != ChangeStatus.PENDING:
            raise ConflictError(_("该变更已处理。"))
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save()
        before = {"tier": project.tier, "escalated_to": project.escalated_to}
        after: dict[str, Any] = {"change": change.pk, "decision": change.status}
        if approve:
            contract = Contract.objects.select_for_update().get(project=project)
            contract.approved_changes_total = ChangeOrder.objects.filter(
                project=project, status=ChangeStatus.APPROVED
            ).aggregate(total=Sum("amount_delta"))["total"] or Decimal("0")
            contract.save(update_fields=["approved_changes_total", "updated_at"])
            project.contract = contract
            _recheck_tier(project)
            project.save()
            if is_large_change(contract.approved_changes_total, contract.amount):
                share = change_share(contract.approved_changes_total, contract.amount)
                Flag.objects.get_or_create(
                    project=project,
                    kind=FlagKind.LARGE_CHANGE,
                    key="cumulative",
                    defaults={
                        "summary": _("累计变更 %(total)s 元，占合同额 %(pct)s%%")
                        % {"total": contract.approved_changes_total, "pct": f"{share * 100:.1f}"}
                    },
                )
            after.update(
                {
                    "tier": project.tier,
                    "escalated_to": project.escalated_to,
                    "changes_total": contract.approved_changes_total,
                }
            )
        announce_project_changed(project.pk)
        change_decided_event(
            actor=actor,
            project=project,
            before=before,
            after=after,
            comment=comment,
        )
    return change


def _recheck_tier(project: Project) -> None:
    """docs/rules.md §2: when the amount that counts crosses into a higher tier, the project must pass
    the missing steps of that tier's route before any further work or payment."""
    new_tier = project_tier(project)
    if TIER_RANK[new_tier] <= TIER_RANK[project.tier]:
        return
    project.escalation_steps = routes.missing_steps(project, new_tier)
    project.escalated_to = new_tier
    project.tier = new_tier
    required = TIER_PROCUREMENT[new_tier]
    if project.procurement_method and (
        PROCUREMENT_STRENGTH[project.procurement_method] < PROCUREMENT_STRENGTH[required]
    ):
        Flag.objects.get_or_create(
            project=project,
            kind=FlagKind.WEAK_PROCUREMENT,
            key=new_tier,
            defaults={
                "summary": _("项目升级为%(tier)s，但采购方式为“%(method)s”，应为“%(required)s”。")
                % {
                    "tier": Tier(new_tier).label,
                    "method": ProcurementMethod(project.procurement_method).label,
                    "required": required.label,
                }
            },
        )


def escalation_approve(*, actor, project_id: int, comment: str = "") -> Project:
    """Give the next missing approval of an escalated project, in route order."""
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not project.escalated_to:
            raise ConflictError(_("项目没有待补的升级审批。"))
        if not may_approve_escalation(project, actor):
            raise PermissionDenied
        step = project.escalation_steps[0]
        before = {"escalation_steps": list(project.escalation_steps)}
        waiting = routes.table().escalation_step(project)
        if waiting is None:
            raise ConflictError(_("项目没有待补的升级审批。"))
        setattr(project, waiting.approver_field, actor)
        project.escalation_steps = project.escalation_steps[1:]
        if not project.escalation_steps:
            project.escalated_to = ""
        project.save()
        escalation_approved_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "step": step,
                "escalation_steps": project.escalation_steps,
                "escalated_to": project.escalated_to,
            },
            comment=comment,
        )
    return project
