"""The payment rules (docs/rules.md §6), each in one named function. A rule returns None when the
payment may go ahead, or a Violation naming the rule and by how much it is exceeded."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import add_working_days, local_date
from core.money import format_yuan
from core.periods import add_months, day_start

from .choices import PaymentStage, PaymentStatus, ProjectStatus
from .contract_terms import retention_rate_applied
from .models import Contract, Payment, Project

CENT = Decimal("0.01")
LATE_PAYMENT_SHARE = Decimal("0.80")  # 财建〔2022〕183号
STAGNANT_DAYS = 90
# Finance reviews a payment request within the review steps' default limit (SPEC §3: 5 working
# days); a red-listed contractor's (守信红名单, seed 004 简化审批) within the shorter limit its
# listing grants (the performance policy's figure on the day it was listed).
PAYMENT_REVIEW_DAYS = 5
COMMITTED = (PaymentStatus.REQUESTED, PaymentStatus.APPROVED, PaymentStatus.PAID)
CONTRACTED_STATES = (
    ProjectStatus.CONTRACTED,
    ProjectStatus.IN_PROGRESS,
    ProjectStatus.COMPLETED,
    ProjectStatus.ACCEPTED,
    ProjectStatus.SETTLED,
    ProjectStatus.ARCHIVED,
)


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    excess: Decimal | None = None
    overridable: bool = False


@dataclass(frozen=True)
class Money:
    """A contract's figures at a glance."""

    budget: Decimal
    contract: Decimal
    changes: Decimal
    ceiling: Decimal  # contract + approved changes
    committed: Decimal  # requested, approved or paid
    paid: Decimal
    retention: Decimal
    retention_released: bool
    work_value: Decimal
    remaining: Decimal


def committed_total(contract: Contract, *, exclude: Payment | None = None) -> Decimal:
    payments = Payment.objects.filter(contract=contract, status__in=COMMITTED)
    if exclude is not None and exclude.pk:
        payments = payments.exclude(pk=exclude.pk)
    return payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def work_value(project: Project, contract: Contract) -> Decimal:
    """Value of work done: reported progress × (contract + approved changes)."""
    return (
        (contract.amount + contract.approved_changes_total) * project.reported_progress / 100
    ).quantize(CENT)


def retention_amount(project: Project, contract: Contract) -> Decimal:
    """Retention is held on the settlement (or the contract until settled), at most 3%."""
    return (
        payable_ceiling(project, contract) * retention_rate_applied(contract.retention_rate)
    ).quantize(CENT)


def retention_due_date(project: Project, contract: Contract) -> date | None:
    if project.accepted_at is None:
        return None
    return add_months(local_date(project.accepted_at), contract.defect_period_months)


def retention_released(project: Project, contract: Contract, today: date | None = None) -> bool:
    due = retention_due_date(project, contract)
    return due is not None and (today or local_date(timezone.now())) >= due


def money_at_a_glance(project: Project, contract: Contract) -> Money:
    committed = committed_total(contract)
    paid = Payment.objects.filter(contract=contract, status=PaymentStatus.PAID).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    ceiling = payable_ceiling(project, contract)
    return Money(
        budget=project.budget_amount,
        contract=contract.amount,
        changes=contract.approved_changes_total,
        ceiling=ceiling,
        committed=committed,
        paid=paid,
        retention=retention_amount(project, contract),
        retention_released=retention_released(project, contract),
        work_value=work_value(project, contract),
        remaining=ceiling - committed,
    )


# --- the rules ---------------------------------------------------------------------------


def rule_contract_filed(project: Project, contract: Contract | None) -> Violation | None:
    stopped_under_contract = project.stopped_for and project.status == ProjectStatus.SUSPENDED
    if contract is None or not (project.status in CONTRACTED_STATES or stopped_under_contract):
        return Violation("contract_filed", _("合同备案前不得拨付资金。"))
    return None


def rule_not_escalated(project: Project) -> Violation | None:
    if project.escalated_to:
        return Violation(
            "not_escalated",
            _("项目金额已升级为%(tier)s，须补齐该类别的审批后才能拨付（应招标未招标须杜绝）。")
            % {"tier": project.get_escalated_to_display()},
        )
    return None


def rule_not_stopped(project: Project, contract: Contract, payment: Payment) -> Violation | None:
    """停工 for re-procurement or past the ceiling (docs/rules.md §2): nothing is paid beyond what
    was already due under the original contract — its own amount, without the changes that
    escalated it, at the reported progress — and no final payment or retention."""
    if not project.stopped_for:
        return None
    due = (contract.amount * project.reported_progress / 100).quantize(CENT)
    total = committed_total(contract, exclude=payment) + payment.amount
    if payment.stage == PaymentStage.PROGRESS and total <= due:
        return None
    return Violation(
        "stopped",
        _(
            "%(stop)s停工期间只能拨付原合同已完成部分的进度款（%(due)s 元），"
            "本次申请后累计 %(total)s 元。"
        )
        % {"stop": project.stop_message(), "due": f"{due:,.2f}", "total": f"{total:,.2f}"},
    )


def rule_progress_limit(project, contract, payment) -> Violation | None:
    """Before acceptance, cumulative payments ≤ reported progress × contract amount."""
    if project.accepted_at is not None:
        return None
    limit = work_value(project, contract)
    total = committed_total(contract, exclude=payment) + payment.amount
    if total > limit:
        excess = total - limit
        return Violation(
            "progress_limit",
            _(
                "验收前累计拨付不得超过已完工程量价值（报送进度 %(progress)s%% × 合同额 = "
                "%(limit)s 元），本次申请后累计 %(total)s 元，超出 %(excess)s 元。"
            )
            % {
                "progress": format(project.reported_progress.normalize(), "f"),
                "limit": format_yuan(limit),
                "total": format_yuan(total),
                "excess": format_yuan(excess),
            },
            excess,
        )
    return None


def payable_ceiling(project: Project, contract: Contract) -> Decimal:
    """What can be owed at most: the settled amount once settled, else contract + changes."""
    if hasattr(project, "settlement"):
        return project.settlement.amount
    return contract.amount + contract.approved_changes_total


def rule_contract_ceiling(project, contract, payment) -> Violation | None:
    """In total ≤ contract + approved changes (or the settlement) − retention, until the
    defect period ends."""
    ceiling = payable_ceiling(project, contract)
    held = (
        Decimal("0")
        if retention_released(project, contract)
        else retention_amount(project, contract)
    )
    limit = ceiling - held
    total = committed_total(contract, exclude=payment) + payment.amount
    if total > limit:
        excess = total - limit
        return Violation(
            "contract_ceiling",
            _(
                "累计拨付不得超过合同额加已批准变更（结算后为结算金额）、扣除未到期质保金"
                "（%(limit)s 元），"
                "本次申请后累计 %(total)s 元，超出 %(excess)s 元。"
            )
            % {
                "limit": format_yuan(limit),
                "total": format_yuan(total),
                "excess": format_yuan(excess),
            },
            excess,
        )
    return None


def rule_final_after_settlement(project, payment) -> Violation | None:
    if payment.stage in (PaymentStage.FINAL, PaymentStage.RETENTION) and not (
        project.accepted_at and hasattr(project, "settlement")
    ):
        return Violation("final_after_settlement", _("竣工验收和结算审核完成前不得支付结算款。"))
    return None


def rule_retention_after_defect_period(project, contract, payment) -> Violation | None:
    if payment.stage == PaymentStage.RETENTION and not retention_released(project, contract):
        due = retention_due_date(project, contract)
        return Violation(
            "retention_after_defect_period",
            _("质保金须在缺陷责任期满（%(due)s）后返还。") % {"due": due or _("验收后")},
        )
    return None


def rule_registered_account(project, payment) -> Violation | None:
    account = project.contractor.bank_account if project.contractor else ""
    if not account or payment.payee_account.replace(" ", "") != account.replace(" ", ""):
        return Violation(
            "registered_account",
            _("收款账号必须是施工单位在名录库登记的账号（%(account)s）。")
            % {"account": account or _("未登记")},
        )
    return None


def rule_payee_in_good_standing(project) -> Violation | None:
    contractor = project.contractor
    if contractor is not None and not contractor.is_eligible:
        return Violation(
            "payee_standing",
            _("收款单位信用状态为“%(status)s”，须财政局记录特批理由后方可支付。")
            % {"status": contractor.get_credit_status_display()},
            overridable=True,
        )
    return None


def check_payment(project: Project, contract: Contract | None, payment: Payment) -> list[Violation]:
    """Every rule, in the order a finance officer would check them."""
    first = rule_contract_filed(project, contract) or rule_not_escalated(project)
    if first:
        return [first]
    assert contract is not None  # rule_contract_filed
    stopped = rule_not_stopped(project, contract, payment)
    if stopped:
        return [stopped]
    checks = [
        rule_final_after_settlement(project, payment),
        rule_retention_after_defect_period(project, contract, payment),
        rule_progress_limit(project, contract, payment)
        if payment.stage == PaymentStage.PROGRESS
        else None,
        rule_contract_ceiling(project, contract, payment),
        rule_registered_account(project, payment),
        rule_payee_in_good_standing(project),
    ]
    return [v for v in checks if v is not None]


# --- warnings ----------------------------------------------------------------------------


def late_payment_warning(
    project: Project, contract: Contract, paid: Decimal | None = None
) -> str | None:
    """Contractors must not be left unpaid either: paid < 80% of the value of work done."""
    value = work_value(project, contract)
    if value <= 0:
        return None
    if paid is None:
        paid = Payment.objects.filter(contract=contract, status=PaymentStatus.PAID).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0")
    if paid < value * LATE_PAYMENT_SHARE:
        return _(
            "已付 %(paid)s 元，低于已完工程量价值 %(value)s 元的 80%%，请防止拖欠施工单位款项。"
        ) % {"paid": format_yuan(paid), "value": format_yuan(value)}
    return None


def retention_released_paid(contract: Contract) -> bool:
    """Whether the retention has been asked back or paid (a request that was not returned)."""
    return Payment.objects.filter(
        contract=contract, stage=PaymentStage.RETENTION, status__in=COMMITTED
    ).exists()


def retention_held_projects() -> QuerySet[Project]:
    """Accepted projects with a contract whose retention has not been asked back or paid."""
    released = Payment.objects.filter(
        project=OuterRef("pk"), stage=PaymentStage.RETENTION, status__in=COMMITTED
    )
    return (
        Project.objects.filter(accepted_at__isnull=False, contract__isnull=False)
        .exclude(Exists(released))
        .select_related("contract", "street")
    )


def retention_due_warning(
    project: Project, contract: Contract, today: date | None = None
) -> str | None:
    """The reminder when the defect period has ended and the retention is still held."""
    due = retention_due_date(project, contract)
    today = today or local_date(timezone.now())
    if due is None or today < due or retention_released_paid(contract):
        return None
    return _("缺陷责任期已于 %(due)s 届满，质保金 %(amount)s 元应予返还。") % {
        "due": due,
        "amount": format_yuan(retention_amount(project, contract)),
    }


def retention_due_list(
    today: date | None = None, *, within_days: int = 0
) -> list[tuple[Project, date]]:
    """Accepted projects whose retention has fallen due (or falls due within the next
    within_days days) and has not been released, with the day it is due."""
    today = today or local_date(timezone.now())
    horizon = today + timedelta(days=within_days)
    due = [(p, retention_due_date(p, p.contract)) for p in retention_held_projects()]
    return [(p, d) for p, d in due if d is not None and d <= horizon]


def stagnant_funds_warning(
    project: Project, contract: Contract, today: date | None = None
) -> str | None:
    """Approved but undisbursed 90 days after acceptance."""
    today = today or local_date(timezone.now())
    if project.accepted_at is None or project.accepted_at >= stagnant_before(today):
        return None
    waiting = Payment.objects.filter(contract=contract, status=PaymentStatus.APPROVED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    if waiting > 0:
        return _("验收已超过 %(days)d 天，仍有 %(amount)s 元已审核未支付（资金沉淀）。") % {
            "days": STAGNANT_DAYS,
            "amount": format_yuan(waiting),
        }
    return None


def stagnant_before(today: date) -> datetime:
    """Funds are stagnant on projects accepted before this moment: STAGNANT_DAYS Shanghai
    days or more before today."""
    return day_start(today - timedelta(days=STAGNANT_DAYS - 1))


def stagnant_funds_projects(today: date | None = None) -> QuerySet[Project]:
    """Projects whose funds are stagnant today: accepted STAGNANT_DAYS days ago or more, with a
    payment approved and not yet paid."""
    today = today or local_date(timezone.now())
    waiting = Payment.objects.filter(project=OuterRef("pk"), status=PaymentStatus.APPROVED)
    return Project.objects.filter(accepted_at__lt=stagnant_before(today)).filter(Exists(waiting))


# Payments at or above this need the bureau leader's signature; amounts crowding just under it
# are the classic way round that (拆分支付).
PAYMENT_APPROVAL_LIMIT = Decimal("100000")
SPLIT_WINDOW_DAYS = 30
SPLIT_BAND = Decimal("0.90")


def split_payment_warning(contract: Contract) -> str | None:
    """Two or more payments to one payee within 30 days, each just under the approval limit."""
    near = [
        p
        for p in Payment.objects.filter(
            contract__contractor_id=contract.contractor_id, status__in=COMMITTED
        )
        .order_by("created_at")
        .only("amount", "created_at")
        if PAYMENT_APPROVAL_LIMIT * SPLIT_BAND <= p.amount < PAYMENT_APPROVAL_LIMIT
    ]
    for first, second in pairwise(near):
        if (second.created_at - first.created_at).days <= SPLIT_WINDOW_DAYS:
            return _(
                "同一收款单位 %(days)d 天内多笔略低于 %(limit)s 元审批限额的付款，疑似拆分支付。"
            ) % {"days": SPLIT_WINDOW_DAYS, "limit": format_yuan(PAYMENT_APPROVAL_LIMIT)}
    return None


def in_split_pattern(payment: Payment) -> bool:
    return (
        PAYMENT_APPROVAL_LIMIT * SPLIT_BAND <= payment.amount < PAYMENT_APPROVAL_LIMIT
        and split_payment_warning(payment.contract) is not None
    )


def fund_compliance_rate(contractor_id: int, start: date, end: date) -> Decimal | None:
    """资金合规率: compliant payments ÷ all payments paid to the contractor in [start, end).

    None when nothing was paid (the performance score then has no sample for it)."""
    paid = Payment.objects.filter(
        contract__contractor_id=contractor_id,
        status=PaymentStatus.PAID,
        paid_on__gte=start,
        paid_on__lt=end,
    )
    total = paid.count()
    if total == 0:
        return None
    return (Decimal(paid.filter(compliant=True).count()) / total).quantize(Decimal("0.0001"))


def payment_review_limit(payee, day: date) -> tuple[int, bool]:
    """The working days finance has to review a request to `payee` made on `day`, and whether
    the red list shortened them."""
    if payee is not None and payee.is_red_listed_on(day) and payee.red_list_review_days:
        return min(payee.red_list_review_days, PAYMENT_REVIEW_DAYS), True
    return PAYMENT_REVIEW_DAYS, False


def payment_review_due(payment: Payment) -> tuple[date, int, bool]:
    """A request's review deadline: its limit in working days from the day it was made."""
    requested_on = local_date(payment.created_at)
    days, shortened = payment_review_limit(payment.contract.contractor, requested_on)
    return add_working_days(requested_on, days), days, shortened
