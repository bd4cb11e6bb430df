"""Funds: payment requests, finance's approval, return and payment, and the settlement."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from core.errors import ApplicationError, ConflictError
from core.money import parse_amount
from core.signals import announce_project_decided
from core.signing import issue_signed
from core.uploads import check_documents

from ..choices import (
    PaymentStage,
    PaymentStatus,
    ProjectClass,
    ProjectStatus,
)
from ..documents import settlement_review_pdf
from ..events import (
    payment_approved_event,
    payment_paid_event,
    payment_requested_event,
    payment_returned_event,
    project_settled_event,
    settlement_review_issued_event,
)
from ..funds import check_payment, in_split_pattern
from ..invoices import invoice_holders, invoice_read, invoice_reused_message
from ..models import Contract, Payment, Project, Settlement, VillageDecision
from ..permissions import access_project
from ..rules import is_project_contractor, is_street_staff_of


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
    invoice_code: str = "",
    invoice_number: str = "",
    invoice_amount=None,
):
    """请款: checked against every payment rule before it reaches finance; its invoice (numbers,
    amount, file) is checked and must not be on another request."""
    if stage not in PaymentStage.values:
        raise ValidationError({"stage": _("请选择款项类型。")})
    try:
        amount = parse_amount(amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.error_list}) from None
    if invoice:
        check_documents([invoice])
    bill = invoice_read(
        code=invoice_code,
        number=invoice_number,
        amount=invoice_amount,
        upload=invoice,
        requested=amount,
    )
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if not (is_project_contractor(project, actor) or is_street_staff_of(project, actor)):
            raise PermissionDenied
        contract = _locked_contract(project)
        holders = invoice_holders(bill)
        if holders is not None:
            other = Payment.objects.filter(holders).select_related("project").first()
            if other is not None:
                raise ValidationError({"invoice_number": invoice_reused_message(other)})
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
            invoice_code=bill.code,
            invoice_number=bill.number,
            invoice_amount=bill.amount,
            invoice_sha256=bill.sha256,
            requested_by=actor,
        )
        violations = [v for v in check_payment(project, contract, payment) if not v.overridable]
        if violations:
            _refuse(violations)
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError:  # the same invoice on a request committed a moment ago
            other = Payment.objects.filter(invoice_holders(bill)).select_related("project").first()
            raise ValidationError(
                {
                    "invoice_number": invoice_reused_message(other)
                    if other
                    else _("该发票已被使用。")
                }
            ) from None
        payment_requested_event(
            actor=actor,
            project=project,
            after={
                "payment": payment.pk,
                "stage": stage,
                "amount": amount,
                "payee_account": payment.payee_account,
                **(
                    {
                        "invoice_code": bill.code,
                        "invoice_number": bill.number,
                        "invoice_amount": bill.amount,
                        "invoice_sha256": bill.sha256,
                    }
                    if bill.number
                    else {}
                ),
            },
        )
        announce_project_decided(project.pk)  # asked again: a returned request's notice goes
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
    with transaction.atomic(durable=True):
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
        payment_approved_event(
            actor=actor,
            project=project,
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
    with transaction.atomic(durable=True):
        payment, project = _finance_payment(actor, payment_id)
        if payment.status != PaymentStatus.REQUESTED:
            raise ConflictError(_("该申请已处理。"))
        payment.return_request(by=actor, reason=reason.strip())
        payment.save()
        payment_returned_event(
            actor=actor,
            project=project,
            before={"payment_status": PaymentStatus.REQUESTED},
            after={"payment": payment.pk, "payment_status": payment.status},
            comment=reason,
        )
        announce_project_decided(project.pk)  # to the requester's notices at once
    return payment


def payment_mark_paid(*, actor, payment_id: int, paid_on, voucher_no: str):
    if not voucher_no.strip():
        raise ValidationError({"voucher_no": _("请填写凭证号。")})
    if paid_on is None:
        raise ValidationError({"paid_on": _("请填写支付日期。")})
    with transaction.atomic(durable=True):
        payment, project = _finance_payment(actor, payment_id)
        if payment.status != PaymentStatus.APPROVED:
            raise ConflictError(_("只有已审核的申请才能标记为已支付。"))
        payment.mark_paid(by=actor, paid_on=paid_on, voucher_no=voucher_no.strip())
        payment.save()
        payment_paid_event(
            actor=actor,
            project=project,
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


def settlement_record(
    *, actor, project_id: int, amount, review_record: str, audit_firm: str = "", audit_report=None
):
    """结算 after acceptance, by finance (结算审核), with the review record; an A类 project's
    with the third-party audit firm's report (全过程审计), a C类 project's once the village has
    published the outcome (docs/rules.md §2)."""
    if not (actor.is_authenticated and actor.role == Role.FINANCE_OFFICER):
        raise PermissionDenied
    if not review_record.strip():
        raise ValidationError({"review_record": _("请填写结算审核意见。")})
    try:
        amount = parse_amount(amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.error_list}) from None
    audit_firm = (audit_firm or "").strip()[:200]
    with transaction.atomic(durable=True):
        project = access_project(actor, project_id, for_update=True)
        if project.status != ProjectStatus.ACCEPTED:
            raise ConflictError(_("竣工验收后才能结算。"))
        if project.settlement_audited() and not (audit_firm and audit_report):
            raise ValidationError(
                {
                    "audit_report": _(
                        "A类重点民生项目实行全过程审计：结算须填写审计单位并上传其审计报告。"
                    )
                }
            )
        if project.project_class == ProjectClass.C:
            village = VillageDecision.objects.filter(project=project).first()
            if village is None or village.result_published_on is None:
                raise ConflictError(
                    _("C类项目须先在村（社区）公开实施结果（“两公开”），再办理结算。")
                )
        if audit_report:
            check_documents([audit_report])
        settlement = Settlement.objects.create(
            project=project,
            amount=amount,
            review_record=review_record.strip(),
            audit_firm=audit_firm,
            audit_report=audit_report or "",
            settled_by=actor,
        )
        before = {"status": project.status}
        project.settle(by=actor)
        project.status_changed_at = timezone.now()
        project.save()
        project_settled_event(
            actor=actor,
            project=project,
            before=before,
            after={
                "status": project.status,
                "amount": amount,
                "over_budget": amount > project_counting_budget(project),
                **(
                    {"audit_firm": audit_firm, "audit_report": audit_report.name}
                    if audit_report
                    else {}
                ),
            },
        )
    return settlement


def settlement_review_issue(*, actor, project_id: int) -> bytes:
    """结算审核意见书 as a PDF signed (PAdES) with the key of the organisation that reviewed the
    settlement (区财政局), for anyone who may see the project; each copy issued is an audit
    event with its SHA-256."""
    project = access_project(actor, project_id)
    settlement = (
        Settlement.objects.filter(project=project)
        .select_related("settled_by__organisation")
        .first()
    )
    if settlement is None:
        raise Http404
    signed, copy = issue_signed(
        settlement_review_pdf(
            settlement=settlement,
            project=project,
            budget=project_counting_budget(project),
            issued_at=timezone.now(),
        ),
        organisation=settlement.settled_by.organisation,
        reason=_("结算审核意见书 %(code)s") % {"code": project.code or project.pk},
    )
    with transaction.atomic(durable=True):
        settlement_review_issued_event(actor=actor, project=project, after=copy)
    return signed


def project_counting_budget(project: Project) -> Decimal:
    """The approved budget a settlement is compared with (fiscal, reviewed, else filed)."""
    return project.approved_budget or project.reviewed_budget or project.budget_amount
