"""Funds pages: request, approve, return, mark paid, settle; the finance queue; the ledger
with its Excel export."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Role
from core.exports import xlsx_response
from core.money import Yuan
from core.pages import run_and_return
from core.replica import replica_reads

from . import funds, services
from .choices import PaymentStage, PaymentStatus
from .selectors import payment_list


def _run(request, project_id, action, success: str):
    return run_and_return(request, action, success, reverse("projects:detail", args=[project_id]))


@login_required
@require_POST
def payment_request_view(request, pk):
    post = request.POST
    return _run(
        request,
        pk,
        lambda: services.payment_request(
            actor=request.user,
            project_id=pk,
            stage=post.get("stage", ""),
            amount=post.get("amount", ""),
            payee_account=post.get("payee_account", ""),
            work_value=post.get("work_value") or None,
            invoice=request.FILES.get("invoice"),
            invoice_code=post.get("invoice_code", ""),
            invoice_number=post.get("invoice_number", ""),
            invoice_amount=post.get("invoice_amount", ""),
        ),
        _("请款申请已提交财政局审核。"),
    )


def _payment_project(request, payment_id):
    payment = payment_list(user=request.user).filter(pk=payment_id).only("project_id").first()
    if payment is None:
        raise PermissionDenied
    return payment.project_id


@login_required
@require_POST
def payment_approve_view(request, payment_id):
    return _run(
        request,
        _payment_project(request, payment_id),
        lambda: services.payment_approve(
            actor=request.user,
            payment_id=payment_id,
            override_reason=request.POST.get("override_reason", ""),
        ),
        _("已审核通过。"),
    )


@login_required
@require_POST
def payment_return_view(request, payment_id):
    return _run(
        request,
        _payment_project(request, payment_id),
        lambda: services.payment_return(
            actor=request.user, payment_id=payment_id, reason=request.POST.get("reason", "")
        ),
        _("已退回。"),
    )


@login_required
@require_POST
def payment_paid_view(request, payment_id):
    def act():
        try:
            paid_on = date.fromisoformat(request.POST.get("paid_on", ""))
        except ValueError:
            paid_on = None
        services.payment_mark_paid(
            actor=request.user,
            payment_id=payment_id,
            paid_on=paid_on,
            voucher_no=request.POST.get("voucher_no", ""),
        )

    return _run(request, _payment_project(request, payment_id), act, _("已标记为已支付。"))


@login_required
@require_POST
def settlement_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.settlement_record(
            actor=request.user,
            project_id=pk,
            amount=request.POST.get("amount", ""),
            review_record=request.POST.get("review_record", ""),
            audit_firm=request.POST.get("audit_firm", ""),
            audit_report=request.FILES.get("audit_report"),
        ),
        _("结算已记录。"),
    )


@login_required
@require_GET
def settlement_review_view(request, pk):
    """The settlement review, signed by the reviewing organisation, to whoever may see the
    project (each copy issued is recorded)."""
    pdf = services.settlement_review_issue(actor=request.user, project_id=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="settlement-review-{pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@replica_reads
@login_required
@require_GET
def payment_queue_view(request):
    """The finance officer's work: requests to review, approved payments to pay."""
    if request.user.role != Role.FINANCE_OFFICER:
        raise PermissionDenied
    payments = payment_list(user=request.user)
    return render(
        request,
        "projects/payment_queue.html",
        {
            # Each request with its review deadline (shorter for a red-listed contractor),
            # the nearest deadline first.
            "to_review": sorted(
                (
                    (pay, *funds.payment_review_due(pay))
                    for pay in payments.filter(status=PaymentStatus.REQUESTED).select_related(
                        "contract__contractor"
                    )
                ),
                key=lambda row: (row[1], row[0].created_at),
            ),
            "to_pay": payments.filter(status=PaymentStatus.APPROVED).order_by("approved_at"),
            "retention_due": funds.retention_due_list(),
        },
    )


LEDGER_COLUMNS = [
    (_("项目编号"), lambda p: p.project.code),
    (_("项目名称"), lambda p: p.project.name),
    (_("街道/乡镇"), lambda p: p.project.street.name),
    (_("收款单位"), lambda p: p.payee_name),
    (_("收款账号"), lambda p: p.payee_account),
    (_("款项类型"), lambda p: p.get_stage_display()),
    (_("金额（元）"), lambda p: Yuan(p.amount)),
    (_("状态"), lambda p: p.get_status_display()),
    (_("申请时间"), lambda p: p.created_at),
    (_("支付日期"), lambda p: p.paid_on),
    (_("凭证号"), lambda p: p.voucher_no),
    (_("合规"), lambda p: _("是") if p.compliant else _("否")),
    (_("特批理由"), lambda p: p.override_reason),
]


@replica_reads
@login_required
@require_GET
def payment_ledger_view(request):
    if request.user.role not in (
        Role.FINANCE_OFFICER,
        Role.DISCIPLINE_OFFICER,
        Role.STREET_STAFF,
        Role.CONTRACTOR,
    ):
        raise PermissionDenied
    payments = payment_list(user=request.user, filters=request.GET)
    if request.GET.get("format") == "xlsx":
        return _excel(payments)
    page = Paginator(payments, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/payment_ledger.html",
        {
            "page": page,
            "query": query.urlencode(),
            "statuses": PaymentStatus.choices,
            "stages": PaymentStage.choices,
            "columns": [c for c, _f in LEDGER_COLUMNS],
        },
    )


def _excel(payments) -> HttpResponse:
    return xlsx_response(
        f"payments-{timezone.localdate()}.xlsx",
        sheet=_("拨付台账"),
        header=[title for title, _f in LEDGER_COLUMNS],
        rows=(
            [value(payment) for _t, value in LEDGER_COLUMNS]
            for payment in payments.iterator(chunk_size=1000)
        ),
    )
