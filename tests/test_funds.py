"""Payment rules (docs/rules.md §6): each allowed at its limit and refused one fen over, naming the
rule and the excess; approval, payment, settlement, retention; warnings; compliance rate."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.choices import CreditStatus
from accounts.models import Organisation
from approvals import services as approvals
from approvals.tests.helpers import approved_general
from core.errors import ApplicationError, ConflictError
from core.models import AuditEvent
from projects import funds
from projects.choices import PaymentStatus, ProjectStatus
from projects.events import ProjectEvents
from projects.models import Payment
from projects.services import (
    payment_approve,
    payment_mark_paid,
    payment_request,
    payment_return,
    settlement_record,
)
from tests.funds_helpers import ACCOUNT, accepted, under_way

pytestmark = pytest.mark.django_db


def _request(project, actor, amount, stage="progress", **kw):
    return payment_request(actor=actor, project_id=project.pk, stage=stage, amount=amount, **kw)


def _refused(project, actor, amount, rule, excess=None, stage="progress", **kw):
    with pytest.raises(ApplicationError) as caught:
        _request(project, actor, amount, stage=stage, **kw)
    assert caught.value.extra["rule"] == rule, caught.value.message
    if excess is not None:
        assert caught.value.extra["excess"] == excess
        assert f"超出 {funds.format_yuan(Decimal(excess))} 元" in caught.value.message
    return caught.value


def _pay(district, payment):
    payment_approve(actor=district.finance, payment_id=payment.pk)
    return payment_mark_paid(
        actor=district.finance,
        payment_id=payment.pk,
        paid_on=date(2027, 2, 1),
        voucher_no=f"记-{payment.pk:04d}",
    )


def test_before_acceptance_payments_stay_within_progress(district):
    project, contractor = under_way(district, progress="40")
    _refused(project, contractor, "40000.01", "progress_limit", excess="0.01")
    payment = _request(project, contractor, "40000.00")
    assert payment.status == PaymentStatus.REQUESTED
    assert payment.payee_account == ACCOUNT
    _refused(project, contractor, "0.01", "progress_limit", excess="0.01")


def test_the_message_names_the_rule_and_the_amount(district):
    project, contractor = under_way(district, progress="40")
    error = _refused(project, contractor, "45000", "progress_limit", excess="5000.00")
    assert "已完工程量价值" in error.message and "40,000.00" in error.message
    assert "报送进度 40%" in error.message


def test_in_total_within_contract_less_retention_until_the_defect_period_ends(district):
    project, contractor = under_way(district, progress="100")
    # contract 100,000 − retention 3% = 97,000; progress would allow 100,000
    _refused(project, contractor, "97000.01", "contract_ceiling", excess="0.01")
    _request(project, contractor, "97000.00")


def test_no_payment_before_the_contract_is_filed(district):
    project = approved_general(district)
    with pytest.raises(ApplicationError) as caught:
        _request(project, district.street_zhenhai, "1000")
    assert caught.value.extra["rule"] == "contract_filed"


def test_no_payment_while_escalated(district):
    project, contractor = under_way(district, progress="40")
    change = approvals.change_request(
        actor=district.street_zhenhai,
        project_id=project.pk,
        amount_delta="450000",
        reason="扩大范围",
    )
    approvals.change_decide(actor=district.drc, change_id=change.pk, approve=True)
    _refused(project, contractor, "100", "not_escalated")


def test_payee_account_must_be_the_registered_one(district):
    project, contractor = under_way(district)
    _refused(
        project, contractor, "1000", "registered_account", payee_account="62220000000000000000"
    )
    assert _request(project, contractor, "1000", payee_account=ACCOUNT).pk


def test_no_final_payment_before_acceptance_and_settlement(district):
    project, contractor = under_way(district, progress="100")
    _refused(project, contractor, "1000", "final_after_settlement", stage="final")
    project = accepted(district, project, contractor)
    _refused(project, contractor, "1000", "final_after_settlement", stage="final")
    settlement_record(
        actor=district.finance,
        project_id=project.pk,
        amount="98000",
        review_record="审定结算 98,000 元",
    )
    # settlement 98,000 − 3% retention (2,940) = 95,060 payable now
    _refused(project, contractor, "95060.01", "contract_ceiling", excess="0.01", stage="final")
    _request(project, contractor, "95060.00", stage="final")


def test_retention_is_released_when_the_defect_period_ends(district):
    project, contractor = under_way(district, progress="100")
    project = accepted(district, project, contractor)
    settlement_record(
        actor=district.finance, project_id=project.pk, amount="100000", review_record="审定"
    )
    _request(project, contractor, "97000", stage="final")
    _refused(project, contractor, "3000", "retention_after_defect_period", stage="retention")
    accepted_on = timezone.localdate(project.accepted_at)
    assert funds.retention_due_date(project, project.contract) == funds.add_months(accepted_on, 12)
    with time_machine.travel(timezone.now() + timedelta(days=370)):
        _refused(
            project, contractor, "3000.01", "contract_ceiling", excess="0.01", stage="retention"
        )
        _request(project, contractor, "3000.00", stage="retention")


def test_a_blacklisted_payee_needs_a_recorded_finance_override(district):
    project, contractor = under_way(district, progress="40")
    payment = _request(project, contractor, "10000")
    Organisation.objects.filter(pk=project.contractor_id).update(
        credit_status=CreditStatus.BLACKLISTED
    )
    with pytest.raises(ApplicationError) as caught:
        payment_approve(actor=district.finance, payment_id=payment.pk)
    assert caught.value.extra["rule"] == "payee_standing"
    payment = payment_approve(
        actor=district.finance,
        payment_id=payment.pk,
        override_reason="农民工工资专户，经区政府专题会议同意",
    )
    assert payment.status == PaymentStatus.APPROVED and not payment.compliant
    event = AuditEvent.objects.filter(verb=ProjectEvents.PAYMENT_APPROVED).get()
    assert "农民工工资" in event.after["override_reason"]


def test_only_finance_approves_and_pays(district):
    project, contractor = under_way(district)
    payment = _request(project, contractor, "1000")
    for who in (contractor, district.street_zhenhai, district.discipline, district.drc):
        with pytest.raises(PermissionDenied):
            payment_approve(actor=who, payment_id=payment.pk)
    with pytest.raises(ConflictError):
        payment_mark_paid(
            actor=district.finance,
            payment_id=payment.pk,
            paid_on=timezone.localdate(),
            voucher_no="记-1",
        )
    paid = _pay(district, payment)
    assert (paid.status, paid.voucher_no) == (PaymentStatus.PAID, f"记-{payment.pk:04d}")
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="payment.")
        .values_list("verb", flat=True)
        .order_by("id")
    )
    assert verbs == [
        ProjectEvents.PAYMENT_REQUESTED,
        ProjectEvents.PAYMENT_APPROVED,
        ProjectEvents.PAYMENT_PAID,
    ]


def test_a_returned_request_frees_its_amount(district):
    project, contractor = under_way(district, progress="40")
    payment = _request(project, contractor, "40000")
    with pytest.raises(ValidationError):
        payment_return(actor=district.finance, payment_id=payment.pk, reason="")
    payment_return(actor=district.finance, payment_id=payment.pk, reason="发票抬头有误")
    assert _request(project, contractor, "40000").pk


def test_other_contractors_and_streets_cannot_request(district):
    project, _contractor = under_way(district)
    for who in (district.street_gongchen, district.supervisor):
        with pytest.raises(Exception) as caught:  # 404 for those who cannot see it
            _request(project, who, "100")
        assert caught.type.__name__ in ("Http404", "PermissionDenied")


def test_bad_amounts_are_refused_and_nothing_is_saved(district):
    project, contractor = under_way(district)
    for bad in ("0", "-1", "abc", "1.001"):
        with pytest.raises(ValidationError):
            _request(project, contractor, bad)
    assert Payment.objects.count() == 0


def test_late_payment_and_stagnant_funds_warnings(district):
    project, contractor = under_way(district, progress="50")
    contract = project.contract
    assert "80%" in funds.late_payment_warning(project, contract)
    _pay(district, _request(project, contractor, "40000"))  # 40,000 ≥ 80% of 50,000
    assert funds.late_payment_warning(project, contract) is None
    project = accepted(district, project, contractor)
    approved = _request(project, contractor, "10000")
    payment_approve(actor=district.finance, payment_id=approved.pk)
    today = timezone.localdate()
    assert funds.stagnant_funds_warning(project, contract, today + timedelta(days=89)) is None
    assert "资金沉淀" in funds.stagnant_funds_warning(project, contract, today + timedelta(days=90))


def test_split_payments_just_under_the_approval_limit_are_warned_and_not_compliant(district):
    project, contractor = under_way(district, progress="100", contract_amount="400000")
    first = _request(project, contractor, "99000")
    assert funds.split_payment_warning(project.contract) is None
    second = _request(project, contractor, "98500")
    assert "拆分支付" in funds.split_payment_warning(project.contract)
    payment_approve(actor=district.finance, payment_id=first.pk)
    assert not Payment.objects.get(pk=first.pk).compliant
    assert second.pk


def test_fund_compliance_rate(district):
    project, contractor = under_way(district, progress="100")
    _pay(district, _request(project, contractor, "10000"))
    payment = _request(project, contractor, "10000")
    Organisation.objects.filter(pk=project.contractor_id).update(
        credit_status=CreditStatus.WARNED
    )  # still eligible: compliant
    _pay(district, payment)
    third = _request(project, contractor, "10000")
    Organisation.objects.filter(pk=project.contractor_id).update(
        credit_status=CreditStatus.SUSPENDED
    )
    payment_approve(actor=district.finance, payment_id=third.pk, override_reason="特批")
    payment_mark_paid(
        actor=district.finance, payment_id=third.pk, paid_on=date(2027, 2, 1), voucher_no="记-9"
    )
    rate = funds.fund_compliance_rate(project.contractor_id, date(2027, 1, 1), date(2027, 4, 1))
    assert rate == Decimal("0.6667")
    assert (
        funds.fund_compliance_rate(project.contractor_id, date(2026, 1, 1), date(2026, 4, 1))
        is None
    )


def test_settlement_above_budget_is_marked_in_the_audit_trail(district):
    project, contractor = under_way(district, progress="100")
    with pytest.raises(ConflictError):  # not before acceptance
        settlement_record(
            actor=district.finance, project_id=project.pk, amount="1", review_record="x"
        )
    project = accepted(district, project, contractor)
    settlement_record(
        actor=district.finance, project_id=project.pk, amount="130000", review_record="增加工程量"
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.SETTLED
    assert AuditEvent.objects.get(verb=ProjectEvents.SETTLED).after["over_budget"] is True


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (date(2026, 1, 31), 12, date(2027, 1, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 12, 15), 24, date(2029, 12, 15)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_defect_period_months(start, months, due):
    assert funds.add_months(start, months) == due


def test_retention_release_reminder_when_it_falls_due(district, client):
    project, contractor = under_way(district, progress="100")
    project = accepted(district, project, contractor)
    contract = project.contract
    assert funds.retention_due_warning(project, contract) is None
    assert funds.retention_due_list() == []
    later = timezone.localdate() + timedelta(days=370)
    assert "质保金" in funds.retention_due_warning(project, contract, later)
    assert [p.pk for p, _due in funds.retention_due_list(later)] == [project.pk]
    with time_machine.travel(timezone.now() + timedelta(days=370)):
        client.force_login(district.finance)
        html = client.get("/projects/payments/queue/").content.decode()
        assert project.code in html
        settlement_record(
            actor=district.finance, project_id=project.pk, amount="100000", review_record="审定"
        )
        _request(project, contractor, "3000", stage="retention")
        assert funds.retention_due_list() == []
