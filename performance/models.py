"""Performance scoring by quarter, credit (deductions, blacklists, suspensions), project risk,
warnings (预警) with their recipients, demonstration projects, and the task outbox."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from projects.choices import RiskColour, WarningLevel

from .choices import (
    BlacklistRule,
    CreditRule,
    RedListEnd,
    ScoredKind,
    SuspensionStatus,
    WarningKind,
)


class PerformancePolicy(BaseModel):
    """The editable numbers of scoring and credit. The newest row whose start has come applies;
    each change is a new row, so that a past quarter stays explainable with its own weights."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    weight_quality = models.PositiveSmallIntegerField(_("工程质量合格率权重（%）"), default=40)
    weight_satisfaction = models.PositiveSmallIntegerField(_("群众满意度权重（%）"), default=40)
    weight_funds = models.PositiveSmallIntegerField(_("资金合规率权重（%）"), default=20)
    # 工期 (on time ÷ due in the quarter) and, for street offices as 建设单位, 预算执行率 (paid ÷
    # approved, year to date): weighed once the district gives them a share.
    weight_schedule = models.PositiveSmallIntegerField(_("工期达标率权重（%）"), default=0)
    weight_budget = models.PositiveSmallIntegerField(_("预算执行率权重（%）"), default=0)
    min_projects = models.PositiveSmallIntegerField(_("参与排名的最少项目数"), default=3)
    min_checks = models.PositiveSmallIntegerField(_("或最少检查次数"), default=5)
    bottom_share = models.DecimalField(
        _("末位比例"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    patrol_warn = models.PositiveSmallIntegerField(_("一季度缺少巡查记录达到即警示"), default=3)
    patrol_blacklist = models.PositiveSmallIntegerField(
        _("一季度缺少巡查记录达到即列入黑名单"), default=10
    )
    patrol_blacklist_months = models.PositiveSmallIntegerField(
        _("巡查缺失黑名单期限（月）"), default=6
    )
    false_report_months = models.PositiveSmallIntegerField(
        _("虚假申报黑名单期限（月）"), default=12
    )
    warn_below = models.PositiveSmallIntegerField(_("信用分低于该值即警示"), default=80)
    points_patrol_missing = models.PositiveSmallIntegerField(_("每缺一天巡查记录扣分"), default=1)
    points_missing_staff = models.PositiveSmallIntegerField(_("关键岗位人员缺位扣分"), default=5)
    points_failed_check = models.PositiveSmallIntegerField(_("抽检不合格扣分"), default=2)
    points_false_report = models.PositiveSmallIntegerField(_("虚假申报扣分"), default=20)
    points_overdue = models.PositiveSmallIntegerField(_("整改逾期扣分"), default=3)
    # 守信红名单 (seed 004 守信激励; docs/credit.md): ranked in the top share of its kind with at
    # least this score in two final quarters running, no deduction and no failed check in
    # them, standing normal. Listed for this many months from the day after the second quarter;
    # a payment to a listed contractor is reviewed within the shorter limit.
    red_list_top_share = models.DecimalField(
        _("守信红名单：排名前列比例"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    red_list_min_score = models.PositiveSmallIntegerField(_("守信红名单：最低综合得分"), default=90)
    red_list_months = models.PositiveSmallIntegerField(_("守信红名单期限（月）"), default=12)
    red_list_review_days = models.PositiveSmallIntegerField(
        _("守信单位拨付审核时限（工作日）"), default=3
    )
    # 设计单位 and 建设单位 (docs/credit.md): a settlement more than this share above the budget
    # approved is a deduction for the design unit (its estimate) and for the street office
    # (its budget); a project completed and not accepted after this many days, for the
    # street office that organises acceptance.
    points_design_change = models.PositiveSmallIntegerField(_("设计缺漏致大额变更扣分"), default=3)
    points_design_budget = models.PositiveSmallIntegerField(
        _("结算超出概预算扣分（设计单位）"), default=3
    )
    points_over_budget = models.PositiveSmallIntegerField(
        _("结算超出批复预算扣分（建设单位）"), default=3
    )
    budget_overrun_share = models.DecimalField(
        _("结算超出批复预算的比例"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    points_late_acceptance = models.PositiveSmallIntegerField(_("逾期未组织验收扣分"), default=2)
    acceptance_due_days = models.PositiveSmallIntegerField(
        _("完工后组织验收的期限（天）"), default=30
    )
    # 工期 (docs/rules.md §9): past the planned end without completion a project is yellow,
    # red from this many days, when the contractor also gets a ledger item.
    late_red_days = models.PositiveSmallIntegerField(_("超过计划完工日期转为红色的天数"), default=7)
    note = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("绩效与信用规则")
        verbose_name_plural = _("绩效与信用规则")
        constraints = [
            models.CheckConstraint(
                condition=Exact(
                    F("weight_quality")
                    + F("weight_satisfaction")
                    + F("weight_funds")
                    + F("weight_schedule")
                    + F("weight_budget"),
                    100,
                ),
                name="performance_weights_sum_100",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.effective_from}: {self.weight_quality}/{self.weight_satisfaction}/"
            f"{self.weight_funds}"
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        weights = (
            self.weight_quality,
            self.weight_satisfaction,
            self.weight_funds,
            self.weight_schedule,
            self.weight_budget,
        )
        if sum(weights) != 100:
            raise ValidationError(_("各项权重之和须为100。"))


class ScoringPeriod(BaseModel):
    """One scored quarter: the policy it used and a digest of its rows, so that a re-run can be
    shown to give the same table."""

    quarter = models.CharField(_("季度"), max_length=6, unique=True)  # "2026Q3"
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期（不含）"))
    policy = models.ForeignKey(
        PerformancePolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weights = models.JSONField(_("所用规则"), default=dict)
    digest = models.CharField(_("结果摘要（SHA-256）"), max_length=64, blank=True)
    scored_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    # Scored after the quarter ended: only then does the ranking decide suspensions. A quarter
    # still running can be scored to watch it (暂定), never to sanction (docs/rules.md §8).
    final = models.BooleanField(_("季度结束后计算"), default=False)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("考核季度")
        verbose_name_plural = _("考核季度")

    def __str__(self) -> str:
        return self.quarter


class CompanyScore(models.Model):
    """One organisation's figures for one quarter, with the counts each rate rests on."""

    period = models.ForeignKey(ScoringPeriod, on_delete=models.CASCADE, related_name="scores")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="performance_scores"
    )
    kind = models.CharField(_("类别"), max_length=12, choices=ScoredKind.choices)
    projects = models.PositiveIntegerField(_("项目数"))
    spot_checks = models.PositiveIntegerField(_("抽检次数"))
    spot_checks_passed = models.PositiveIntegerField(_("抽检合格次数"))
    lab_tests = models.PositiveIntegerField(_("竣工检测次数"))
    lab_rate_sum = models.DecimalField(max_digits=12, decimal_places=2)
    ratings = models.PositiveIntegerField(_("有效评价数"))
    rating_sum = models.PositiveBigIntegerField()
    payments = models.PositiveIntegerField(_("支付笔数"))
    payments_compliant = models.PositiveIntegerField(_("合规支付笔数"))
    quality_rate = models.DecimalField(
        _("工程质量合格率（%）"), max_digits=5, decimal_places=2, null=True
    )
    satisfaction = models.DecimalField(_("群众满意度"), max_digits=5, decimal_places=2, null=True)
    funds_rate = models.DecimalField(
        _("资金合规率（%）"), max_digits=5, decimal_places=2, null=True
    )
    # 工期: projects whose planned end fell in the quarter, those done by it, and the days late
    # (to completion, or to the quarter's end when still open).
    due_projects = models.PositiveIntegerField(_("本季度应完工项目数"), default=0)
    on_time_projects = models.PositiveIntegerField(_("按期完工项目数"), default=0)
    late_days = models.PositiveIntegerField(_("滞后天数合计"), default=0)
    schedule_rate = models.DecimalField(
        _("工期达标率（%）"), max_digits=5, decimal_places=2, null=True
    )
    # 预算执行率 (street offices): paid ÷ approved, from the year's start to the quarter's end.
    budget_paid = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_approved = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    budget_rate = models.DecimalField(
        _("预算执行率（%）"), max_digits=5, decimal_places=2, null=True
    )
    score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2, null=True)
    ranked = models.BooleanField(_("参与排名"))
    rank = models.PositiveIntegerField(_("名次"), null=True)
    ranked_count = models.PositiveIntegerField(_("参与排名单位数"))
    bottom = models.BooleanField(_("末位"))

    class Meta:
        ordering = ["kind", F("rank").asc(nulls_last=True), "organisation_id"]
        verbose_name = _("季度绩效得分")
        verbose_name_plural = _("季度绩效得分")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "organisation"], name="one_score_per_organisation_quarter"
            ),
            models.CheckConstraint(
                condition=Q(ranked=True) | Q(rank__isnull=True, bottom=False),
                name="unranked_has_no_rank_nor_flag",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.organisation_id} {self.score}"

    @property
    def checks(self) -> int:
        return self.spot_checks + self.lab_tests


class ScoreTally(models.Model):
    """One chunk's share of a quarter's sums for one organisation, written with the chunk and
    kept only until the chunked run folds them into the quarter's scores (performance.jobs).
    A chunk counts a project once, so the sums over a run's chunks are the quarter's."""

    run = models.ForeignKey("core.JobRun", on_delete=models.CASCADE, related_name="+")
    chunk = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=ScoredKind.choices)
    organisation_id = models.BigIntegerField()
    projects = models.PositiveIntegerField()
    spot_checks = models.PositiveIntegerField()
    spot_checks_passed = models.PositiveIntegerField()
    lab_tests = models.PositiveIntegerField()
    lab_rate_sum = models.DecimalField(max_digits=16, decimal_places=2)
    ratings = models.PositiveIntegerField()
    rating_sum = models.PositiveBigIntegerField()
    payments = models.PositiveIntegerField()
    payments_compliant = models.PositiveIntegerField()

    class Meta:
        constraints = [
            # a chunk is written once: its transaction also moves the run past it
            models.UniqueConstraint(
                fields=["run", "chunk", "kind", "organisation_id"], name="one_tally_per_chunk"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.chunk} {self.kind} {self.organisation_id}"


class Suspension(BaseModel):
    """暂停下一年度零星工程资格: last in its kind's ranking two quarters running."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="suspensions",
        verbose_name=_("单位"),
    )
    period = models.ForeignKey(
        ScoringPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("触发季度")
    )
    previous_period = models.ForeignKey(
        ScoringPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("上一季度")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SuspensionStatus.choices, default=SuspensionStatus.PENDING
    )
    appeal_text = models.TextField(_("申诉理由"), blank=True)
    appealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    decision_note = models.TextField(_("复核意见"), blank=True)

    class Meta:
        ordering = ["-starts_on", "organisation_id"]
        verbose_name = _("暂停资格")
        verbose_name_plural = _("暂停资格")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"], name="one_suspension_per_company_quarter"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="suspension_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.starts_on}–{self.ends_on}"


class CreditDeduction(BaseModel):
    """One deduction from a company's credit score of 100, with what it rests on. The cause
    key names the fact (a violation, a check, an item), so that a re-run finds it again."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="credit_deductions"
    )
    rule = models.CharField(_("规则"), max_length=24, choices=CreditRule.choices)
    points = models.PositiveSmallIntegerField(_("扣分"))
    day = models.DateField(_("日期"))
    cause_key = models.CharField(max_length=80, unique=True)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence = models.TextField(_("依据"), blank=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("信用扣分")
        verbose_name_plural = _("信用扣分")
        indexes = [models.Index(fields=["organisation", "day"])]

    def __str__(self) -> str:
        return f"{self.organisation_id} −{self.points} {self.rule}"


class Blacklisting(BaseModel):
    """信用黑名单: reason, evidence, start and end; lifted by the nightly job after its end."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="blacklistings",
        verbose_name=_("单位"),
    )
    rule = models.CharField(_("规则"), max_length=24, choices=BlacklistRule.choices)
    reason = models.TextField(_("理由"))
    evidence = models.TextField(_("证据"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    cause_key = models.CharField(max_length=80, unique=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("信用黑名单")
        verbose_name_plural = _("信用黑名单")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="blacklisting_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.starts_on}–{self.ends_on}"


class RedListing(BaseModel):
    """守信红名单: decided by rule from two final quarters (docs/credit.md), with the figures it
    rests on; ends early when a deduction arrives or the standing is no longer normal."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="red_listings",
        verbose_name=_("单位"),
    )
    period = models.ForeignKey(
        ScoringPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("决定季度")
    )
    previous_period = models.ForeignKey(
        ScoringPeriod, on_delete=models.PROTECT, related_name="+", verbose_name=_("上一季度")
    )
    reason = models.TextField(_("理由"))
    facts = models.JSONField(_("依据"), default=dict)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    review_days = models.PositiveSmallIntegerField(_("拨付审核时限（工作日）"))
    ended_at = models.DateTimeField(_("移出时间"), null=True, blank=True)
    ended_because = models.CharField(
        _("移出原因"), max_length=10, choices=RedListEnd.choices, blank=True
    )
    end_note = models.CharField(_("移出说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("守信红名单")
        verbose_name_plural = _("守信红名单")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"], name="one_red_listing_per_company_quarter"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="red_listing_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.starts_on}–{self.ends_on}"


class FalseReport(BaseModel):
    """虚假申报 confirmed by a reviewer or discipline officer, with its evidence."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位")
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("项目"),
    )
    description = models.TextField(_("查实情况"))
    evidence = models.TextField(_("证据"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_on = models.DateField(_("查实日期"))

    class Meta:
        ordering = ["-confirmed_on", "-id"]
        verbose_name = _("虚假申报")
        verbose_name_plural = _("虚假申报")

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.confirmed_on}"


class ProjectRisk(models.Model):
    """The reasons behind a project's risk colour (the colour itself is Project.risk_colour)."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="risk"
    )
    colour = models.CharField(_("风险等级"), max_length=6, choices=RiskColour.choices)
    reasons = models.JSONField(_("原因"), default=list)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("项目风险")
        verbose_name_plural = _("项目风险")

    def __str__(self) -> str:
        return f"{self.project_id} {self.colour}"


class Warning(BaseModel):
    """预警: one row per cause (the cause key), however often the nightly job sees it."""

    cause_key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=WarningKind.choices)
    level = models.CharField(_("级别"), max_length=6, choices=WarningLevel.choices)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self) -> str:
        return self.cause_key


class WarningRecipient(models.Model):
    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warnings_received"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["warning", "user"], name="one_delivery_per_warning_user"
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.warning_id} → {self.user_id}"


class DemonstrationProposal(models.Model):
    """示范项目: the year's ten best projects, proposed with their figures."""

    year = models.PositiveSmallIntegerField(_("年度"))
    rank = models.PositiveSmallIntegerField(_("名次"))
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2)
    figures = models.JSONField(_("指标"), default=dict)
    # The 住建局's decision: the proposals it selected become the year's 示范项目 (published).
    selected_at = models.DateTimeField(_("评定时间"), null=True, blank=True)
    selected_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(_("评定说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["-year", "rank"]
        verbose_name = _("示范项目推荐")
        verbose_name_plural = _("示范项目推荐")
        constraints = [
            models.UniqueConstraint(fields=["year", "rank"], name="one_demonstration_per_rank"),
            models.UniqueConstraint(
                fields=["year", "project"], name="one_demonstration_per_project_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} #{self.rank} {self.project_id}"
