"""Every write to projects: filing, editing drafts, attachments and state transitions."""

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.audit import record_event
from core.dates import local_date
from core.errors import ApplicationError, ConflictError
from core.money import parse_amount
from core.uploads import check_documents

from .choices import (
    EDITABLE_STATUSES,
    AttachmentKind,
    PaymentStage,
    PaymentStatus,
    ProjectStatus,
)
from .funds import check_payment, in_split_pattern
from .models import Contract, Payment, Project, ProjectAttachment, Settlement
from .permissions import access_project, can_file_projects
from .rules import is_project_contractor, is_street_staff_of
from .tiers import policy_in_force, project_tier, tier_for_amount

# The fields a street office fills in; everything else is derived or set by transitions.
EDITABLE_FIELDS = (
    "name",
    "address",
    "latitude",
    "longitude",
    "category",
    "budget_amount",
    "planned_start",
    "planned_end",
    "description",
)


def _editable(data: dict[str, Any]) -> dict[str, Any]:
    """The fields a caller may set, with the amount checked by the one money rule."""
    fields = {f: data[f] for f in EDITABLE_FIELDS if f in data}
    if "budget_amount" in fields:
        try:
            fields["budget_amount"] = parse_amount(fields["budget_amount"])
        except ValidationError as exc:
            raise ValidationError({"budget_amount": exc.error_list}) from None
    return fields


def _snapshot(project: Project, fields) -> dict[str, Any]:
    return {f: getattr(project, f) for f in fields}


def _add_attachments(project: Project, actor, files, kind: str) -> list[str]:
    check_documents(files)
    names = []
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        ProjectAttachment.objects.create(
            project=project,
            kind=kind,
            file=upload,
            original_name=upload.name[:255],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        names.append(upload.name)
    return names


def project_create(
    *,
    actor,
    data: dict[str, Any],
    attachments=(),
    attachment_kind: str = AttachmentKind.APPLICATION,
) -> Project:
    """A street office files a new project as a draft; its tier follows from the amount."""
    if not can_file_projects(actor):
        raise PermissionDenied
    fields = _editable(data)
    with transaction.atomic():
        policy = policy_in_force(local_date(timezone.now()))
        project = Project(
            street_id=actor.organisation_id, created_by=actor, tier_policy=policy, **fields
        )
        project.tier = project_tier(project)
        project.full_clean(exclude=["code", "tier", "status"])
        project.save()
        project.code = f"LC-{local_date(project.created_at).year}-{project.pk:06d}"
        Project.objects.filter(pk=project.pk).update(code=project.code)
        names = _add_attachments(project, actor, list(attachments), attachment_kind)
        record_event(
            actor=actor,
            verb="project.created",
            obj=project,
            after={
                **_snapshot(project, (*EDITABLE_FIELDS, "tier", "status")),
                "attachments": names,
            },
        )
    return project


def project_update(
    *,
    actor,
    project_id: int,
    data: dict[str, Any],
    attachments=(),
    attachment_kind: str = AttachmentKind.APPLICATION,
) -> Project:
    """Edit a draft (or a project returned for revision); the tier is derived again."""
    data = _editable(data)
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if not is_street_staff_of(project, actor):
            raise PermissionDenied
        if project.status not in EDITABLE_STATUSES:
            raise ConflictError(_("项目已申报，不能再修改。"))
        changed = [f for f in EDITABLE_FIELDS if f in data and getattr(project, f) != data[f]]
        before = _snapshot(project, (*changed, "tier"))
        for field in changed:
            setattr(project, field, data[field])
        project.tier = project_tier(project)
        project.full_clean(exclude=["tier", "status"])
        project.save()
        names = _add_attachments(project, actor, list(attachments), attachment_kind)
        if changed or names:
            after = _snapshot(project, (*changed, "tier"))
            if names:
                after["attachments_added"] = names
            record_event(
                actor=actor, verb="project.updated", obj=project, before=before, after=after
            )
    return project


def transition_names() -> list[str]:
    """The transitions a user may fire by name (pages and API); internal ones belong to the
    service that records their evidence (procurement, contract filing)."""
    return [
        t.name
        for t in Project._meta.get_field("status").get_all_transitions(Project)
        if not t.custom.get("internal")
    ]


def project_transition(
    *,
    actor,
    project_id: int,
    name: str,
    comment: str = "",
    params: dict[str, Any] | None = None,
    split_justification: str = "",
) -> Project:
    """Fire one named transition: 404 unknown, 409 not from this state, 403 not for this user.

    `params` are the step's own inputs (a reviewed or approved budget); a flagged possible split
    is approved only with a justification; returning and rejecting need reasons.
    """
    if name not in transition_names():
        raise Http404
    params = params or {}
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        method = getattr(project, name)
        meta = method._django_fsm
        step = meta.get_transition(project.status)
        if step is None:
            raise ConflictError(
                _("项目当前状态为“%(status)s”，不能执行此操作。")
                % {"status": project.get_status_display()},
                extra={"status": project.status, "transition": name},
            )
        if not meta.conditions_met(project, project.status):
            raise ConflictError(
                str(step.custom.get("refused", _("当前条件下不能执行此操作。"))),
                extra={"status": project.status, "transition": name},
            )
        if not step.has_perm(project, actor):
            raise PermissionDenied
        if step.custom.get("comment_required") and not comment.strip():
            raise ValidationError({"comment": _("请填写理由。")})
        approving = step.custom.get("review") and name not in ("return_for_revision", "reject")
        if approving and project.split_flagged and not project.split_justification:
            if not split_justification.strip():
                raise ValidationError(
                    {
                        "split_justification": _(
                            "该项目疑似化整为零，须说明拆分的合理理由后才能审核通过。"
                        )
                    }
                )
            project.split_justification = split_justification.strip()
        kwargs = {}
        for key in step.custom.get("params", ()):
            if params.get(key) not in (None, ""):
                try:
                    kwargs[key] = parse_amount(params[key])
                except ValidationError as exc:
                    raise ValidationError({key: exc.error_list}) from None
        before = {"status": project.status, "tier": project.tier}
        method(by=actor, **kwargs)
        project.tier = project_tier(project)
        project.status_changed_at = timezone.now()
        project.save()
        after = {"status": project.status, "tier": project.tier, **kwargs}
        if project.split_justification and approving:
            after["split_justification"] = project.split_justification
        record_event(
            actor=actor,
            verb=f"project.{name}",
            obj=project,
            before=before,
            after=after,
            comment=comment,
        )
    return project


def available_transitions(project: Project, user) -> list[str]:
    return [t.name for t in user_transitions(project, user)]


def user_transitions(project: Project, user) -> list:
    return [
        t
        for t in project.get_available_user_status_transitions(user)
        if not t.custom.get("internal")
    ]


def amount_tier_preview(amount: Decimal, on: date | None = None):
    """The tier an amount would get under the policy in force today (for the filing form)."""
    return tier_for_amount(amount, policy_in_force(on or local_date(timezone.now())))


# --- funds -------------------------------------------------------------------------------


def _locked_contract(project: Project):
    # One request at a time per contract: concurrent requests cannot together pass a limit.
    return Contract.objects.select_for_update().filter(project=project).first()


def _refuse(violations) -> None:
    first = violations[0]
    raise ApplicationError(
        first.message,
        extra={
            "rule": first.rule,
            "excess": None if first.excess is None else f"{first.excess:.2f}",
            "rules": [v.rule for v in violations],
        },
    )


def payment_request(
    *,
    actor,
    project_id: int,
    stage: str,
    amount,
    payee_account: str = "",
    work_value=None,
    invoice=None,
):
    """请款: checked against every payment rule before it reaches finance."""
    if stage not in PaymentStage.values:
        raise ValidationError({"stage": _("请选择款项类型。")})
    try:
        amount = parse_amount(amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.error_list}) from None
    if invoice:
        check_documents([invoice])
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if not (is_project_contractor(project, actor) or is_street_staff_of(project, actor)):
            raise PermissionDenied
        contract = _locked_contract(project)
        try:
            covered = parse_amount(work_value) if work_value not in (None, "") else None
        except ValidationError as exc:
            raise ValidationError({"work_value": exc.error_list}) from None
        payment = Payment(
            project=project,
            contract=contract,
            stage=stage,
            amount=amount,
            work_value=covered,
            payee_name=project.contractor.name if project.contractor else "",
            payee_account=(
                payee_account or (project.contractor.bank_account if project.contractor else "")
            ).strip(),
            invoice=invoice or "",
            requested_by=actor,
        )
        violations = [v for v in check_payment(project, contract, payment) if not v.overridable]
        if violations:
            _refuse(violations)
        payment.save()
        record_event(
            actor=actor,
            verb="payment.requested",
            obj=project,
            after={
                "payment": payment.pk,
                "stage": stage,
                "amount": amount,
                "payee_account": payment.payee_account,
            },
        )
    return payment


def _finance_payment(actor, payment_id: int):
    if not (actor.is_authenticated and actor.role == Role.FINANCE_OFFICER):
        raise PermissionDenied
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    project = access_project(actor, payment.project_id, for_update=True)
    return payment, project


def payment_approve(*, actor, payment_id: int, override_reason: str = ""):
    """Finance approves after the rules are checked again under the contract's lock."""
    with transaction.atomic():
        payment, project = _finance_payment(actor, payment_id)
        if payment.status != PaymentStatus.REQUESTED:
            raise ConflictError(_("该申请已处理。"))
        contract = _locked_contract(project)
        violations = check_payment(project, contract, payment)
        blocking = [v for v in violations if not v.overridable]
        if blocking:
            _refuse(blocking)
        if violations and not override_reason.strip():
            _refuse(violations)
        payment.override_reason = override_reason.strip() if violations else ""
        # Overrides and amounts crowding under the approval limit count against compliance.
        payment.compliant = not violations and not in_split_pattern(payment)
        payment.approve(by=actor)
        payment.save()
        record_event(
            actor=actor,
            verb="payment.approved",
            obj=project,
            before={"payment_status": PaymentStatus.REQUESTED},
            after={
                "payment": payment.pk,
                "payment_status": payment.status,
                "amount": payment.amount,
                "override_reason": payment.override_reason,
            },
        )
    return payment


def payment_return(*, actor, payment_id: int, reason: str):
    if not reason.strip():
        raise ValidationError({"reason": _("请填写退回理由。")})
    with transaction.atomic():
        payment, project = _finance_payment(actor, payment_id)
        if payment.status != PaymentStatus.REQUESTED:
            raise ConflictError(_("该申请已处理。"))
        payment.return_request(by=actor, reason=reason.strip())
        payment.save()
        record_event(
            actor=actor,
            verb="payment.returned",
            obj=project,
            before={"payment_status": PaymentStatus.REQUESTED},
            after={"payment": payment.pk, "payment_status": payment.status},
            comment=reason,
        )
    return payment


def payment_mark_paid(*, actor, payment_id: int, paid_on, voucher_no: str):
    if not voucher_no.strip():
        raise ValidationError({"voucher_no": _("请填写凭证号。")})
    if paid_on is None:
        raise ValidationError({"paid_on": _("请填写支付日期。")})
    with transaction.atomic():
        payment, project = _finance_payment(actor, payment_id)
        if payment.status != PaymentStatus.APPROVED:
            raise ConflictError(_("只有已审核的申请才能标记为已支付。"))
        payment.mark_paid(by=actor, paid_on=paid_on, voucher_no=voucher_no.strip())
        payment.save()
        record_event(
            actor=actor,
            verb="payment.paid",
            obj=project,
            before={"payment_status": PaymentStatus.APPROVED},
            after={
                "payment": payment.pk,
                "payment_status": payment.status,
                "paid_on": paid_on,
                "voucher_no": payment.voucher_no,
                "amount": payment.amount,
            },
        )
    return payment


def settlement_record(*, actor, project_id: int, amount, review_record: str):
    """结算 after acceptance, by finance (结算审核), with the review record."""
    if not (actor.is_authenticated and actor.role == Role.FINANCE_OFFICER):
        raise PermissionDenied
    if not review_record.strip():
        raise ValidationError({"review_record": _("请填写结算审核意见。")})
    try:
        amount = parse_amount(amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.error_list}) from None
    with transaction.atomic():
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.ACCEPTED:
            raise ConflictError(_("竣工验收后才能结算。"))
        settlement = Settlement.objects.create(
            project=project, amount=amount, review_record=review_record.strip(), settled_by=actor
        )
        before = {"status": project.status}
        project.settle(by=actor)
        project.status_changed_at = timezone.now()
        project.save()
        record_event(
            actor=actor,
            verb="project.settled",
            obj=project,
            before=before,
            after={
                "status": project.status,
                "amount": amount,
                "over_budget": amount > project_counting_budget(project),
            },
        )
    return settlement


def project_counting_budget(project: Project) -> Decimal:
    """The approved budget a settlement is compared with (fiscal, reviewed, else filed)."""
    return project.approved_budget or project.reviewed_budget or project.budget_amount
