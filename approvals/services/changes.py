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
    STOP_FOR_PROCUREMENT,
    TIER_RANK,
    ProcurementMethod,
    ProjectStatus,
    ProjectStop,
    StopStep,
    Tier,
    allowed_procurement,
    required_procurement,
)
from projects.contract_terms import change_share, is_large_change
from projects.models import Contract, Project
from projects.permissions import access_project
from projects.tiers import project_counting_amount, project_tier, scope_refusal

from .. import routes
from ..choices import ChangeStatus, FlagKind
from ..events import change_decided_event, change_requested_event, escalation_approved_event
from ..models import ChangeOrder, Flag
from ..permissions import (
    may_approve_escalation,
    may_decide_change,
    may_request_change,
)

# The states an escalation stops a project in: under contract, before acceptance.
HALTABLE = (ProjectStatus.CONTRACTED, ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED)


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
        asked = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        if change.status == asked and change.decided_by_id == actor.pk:
            return change  # the same decision sent again by its maker: answered like the first
        if change.status != ChangeStatus.PENDING:
            raise ConflictError(_("该变更已处理。"))
        change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save()
        before = {
            "status": project.status,
            "tier": project.tier,
            "escalated_to": project.escalated_to,
            "stopped_for": project.stopped_for,
        }
        after: dict[str, Any] = {"change": change.pk, "decision": change.status}
        if approve:
            contract = Contract.objects.select_for_update().get(project=project)
            counted = ChangeOrder.objects.filter(project=project, status=ChangeStatus.APPROVED)
            if contract.changes_from:  # refiled after a re-procurement: later changes only
                counted = counted.filter(decided_at__gt=contract.changes_from)
            contract.approved_changes_total = counted.aggregate(total=Sum("amount_delta"))[
                "total"
            ] or Decimal("0")
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
                    "status": project.status,
                    "stopped_for": project.stopped_for,
                    "stop_reason": project.stop_reason,
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
    the missing steps of that tier's route before any further work or payment; when its award
    was weaker than the new tier's procurement, it stops (停工) until it is procured again; past
    the scope ceiling it stops for good (the works belong in the centralised directory)."""
    amount = project_counting_amount(project)
    refusal = scope_refusal(amount, project.tier_policy)
    if refusal:
        _halt(project, ProjectStop.CEILING, refusal)
    new_tier = project_tier(project)
    if TIER_RANK[new_tier] <= TIER_RANK[project.tier]:
        return
    project.escalation_steps = routes.missing_steps(project, new_tier)
    project.escalated_to = new_tier
    project.tier = new_tier
    required = required_procurement(new_tier, project.project_class)
    if project.procurement_method and (
        PROCUREMENT_STRENGTH[project.procurement_method] < PROCUREMENT_STRENGTH[required]
    ):
        names = "”或“".join(
            str(m.label) for m in allowed_procurement(new_tier, project.project_class)
        )
        summary = _("项目升级为%(tier)s，但采购方式为“%(method)s”，应为“%(required)s”。") % {
            "tier": Tier(new_tier).label,
            "method": ProcurementMethod(project.procurement_method).label,
            "required": names,
        }
        Flag.objects.get_or_create(
            project=project,
            kind=FlagKind.WEAK_PROCUREMENT,
            key=new_tier,
            defaults={"summary": summary},
        )
        _halt(
            project,
            STOP_FOR_PROCUREMENT[required],
            summary
            + _("须以“%(required)s”重新确定施工单位并备案新合同后才能继续施工、完工和拨付。")
            % {"required": names},
        )


def _halt(project: Project, why: ProjectStop, reason: str) -> None:
    """Stop the project (停工) for `why`; the ceiling outranks a re-procurement."""
    if project.stopped_for == ProjectStop.CEILING:
        return
    if project.status != ProjectStatus.SUSPENDED:
        if project.status not in HALTABLE:
            return  # already accepted: the flag stands alone
        project.halt()
    project.stopped_for = why
    project.stop_step = StopStep.AWARD if why != ProjectStop.CEILING else ""
    project.stop_reason = reason
    project.status_changed_at = timezone.now()


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
