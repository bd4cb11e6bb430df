"""Kinds, states and reasons of performance scoring, credit, risk and warnings."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.choices import COMPANY_KINDS, OrganisationKind


class ScoredKind(models.TextChoices):
    CONTRACTOR = "contractor", _("施工单位")
    SUPERVISOR = "supervisor", _("监理单位")
    STREET = "street", _("建设单位（街道）")


# Street offices are published alongside but never suspended (docs/rules.md §8).
SUSPENDABLE_KINDS = (ScoredKind.CONTRACTOR, ScoredKind.SUPERVISOR)


# The parties whose credit is kept: the directory's companies (施工, 监理, 检测, 设计) and the
# street offices as 建设单位 (seed 004: 建设、设计、施工、监理各方主体).
CREDIT_KINDS = (*COMPANY_KINDS, OrganisationKind.STREET)


class SuspensionStatus(models.TextChoices):
    PENDING = "pending", _("已决定")
    APPEALED = "appealed", _("申诉中")
    UPHELD = "upheld", _("申诉驳回")
    REVOKED = "revoked", _("申诉成立，已撤销")
    WITHDRAWN = "withdrawn", _("重算后撤回")


# A suspension in these states takes effect on its dates.
SUSPENSION_IN_FORCE = (SuspensionStatus.PENDING, SuspensionStatus.APPEALED, SuspensionStatus.UPHELD)


class CreditRule(models.TextChoices):
    PATROL_MISSING = "patrol_missing", _("缺少每日巡查记录")
    MISSING_STAFF = "missing_staff", _("关键岗位人员缺位")
    FAILED_CHECK = "failed_check", _("质量抽检不合格")
    FALSE_REPORT = "false_report", _("虚假申报（经查实）")
    OVERDUE_RECTIFICATION = "overdue_rectification", _("整改逾期")
    # 设计单位 (docs/credit.md)
    DESIGN_CHANGE = "design_change", _("设计缺漏致累计变更超过合同额10%")
    DESIGN_BUDGET = "design_budget", _("结算超出设计概预算")
    # 建设单位: street offices (docs/credit.md)
    OVER_BUDGET = "over_budget", _("项目结算超出批复预算")
    LATE_ACCEPTANCE = "late_acceptance", _("完工后逾期未组织验收")


class RedListEnd(models.TextChoices):
    """Why a 守信红名单 listing ended before (or at) its end date."""

    DEDUCTION = "deduction", _("出现信用扣分")
    STANDING = "standing", _("信用状态不再正常")
    EXPIRED = "expired", _("期满")
    WITHDRAWN = "withdrawn", _("重算后不再符合")


class BlacklistRule(models.TextChoices):
    PATROL_MISSING = "patrol_missing", _("一季度内缺少巡查记录达到上限")
    FALSE_REPORT = "false_report", _("虚假申报（经查实）")


class WarningKind(models.TextChoices):
    REVIEW_OVERDUE = "review_overdue", _("审批环节超时")
    LEDGER = "ledger", _("整改事项")
    PATROL_MISSING = "patrol_missing", _("缺少巡查记录")
    LOW_RATING = "low_rating", _("群众评价偏低")
    LOW_SCORE = "low_score", _("季度绩效排名靠后")
    FUNDS = "funds", _("资金异常")
    RETENTION = "retention", _("质保金到期")
    STOPPED = "stopped", _("项目停工待重新采购或移出")
    LATE = "late", _("超过计划完工日期")
    RETURNED = "returned", _("项目退回修改")
    REFUSED = "refused", _("项目不予立项")
    PAYMENT_RETURNED = "payment_returned", _("请款被退回")
