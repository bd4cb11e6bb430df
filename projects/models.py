"""Projects (零星工程), the tier policies they are filed under, and their attachments."""

import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import GET_STATE, RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from accounts.choices import OrganisationKind
from core.dates import add_working_days, local_date
from core.models import BaseModel

from . import routing, rules
from .choices import (
    REVIEW_STATUSES,
    AttachmentKind,
    Category,
    PaymentStage,
    PaymentStatus,
    ProcurementMethod,
    ProjectClass,
    ProjectStatus,
    ProjectStop,
    RiskColour,
    StartItem,
    StopStep,
    Tier,
)
from .contract_terms import (
    DEFECT_PERIOD_ALLOWED,
    DEFECT_PERIOD_DEFAULT_MONTHS,
    RETENTION_DEFAULT,
    RETENTION_RATE_ALLOWED,
)


class TierPolicy(BaseModel):
    """Effective-dated thresholds; a project keeps the policy in force when it was filed."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    general_from = models.DecimalField(_("一般类起点（元）"), max_digits=14, decimal_places=2)
    major_from = models.DecimalField(_("重大类起点（元）"), max_digits=14, decimal_places=2)
    # 零星工程 stop here: works of this amount or more go to the centralised management
    # directory (集中管理目录, seed 002: 500 万元 and above).
    scope_ceiling = models.DecimalField(
        _("零星工程上限（元）"), max_digits=14, decimal_places=2, default=Decimal("5000000")
    )
    note = models.CharField(_("依据"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("分类分级标准")
        verbose_name_plural = _("分类分级标准")
        constraints = [
            models.CheckConstraint(condition=Q(general_from__gt=0), name="tier_general_positive"),
            models.CheckConstraint(
                condition=Q(major_from__gt=F("general_from")), name="tier_major_above_general"
            ),
            models.CheckConstraint(
                condition=Q(scope_ceiling__gt=F("major_from")), name="tier_ceiling_above_major"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.general_from} / {self.major_from}"


def _default_eia_categories() -> list[str]:
    return [Category.DRAINAGE]


def _default_dust_categories() -> list[str]:
    return [Category.ROAD, Category.DRAINAGE, Category.GREENING]


class StartPolicy(BaseModel):
    """Effective-dated 开工条件 (docs/rules.md §3): which documents a site needs before work
    starts, by amount and kind of works. The policy in force on the day of the start applies."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    # 建筑工程施工许可管理办法: works of 30 万元 or more need a construction permit.
    permit_from = models.DecimalField(
        _("须办理施工许可的金额起点（元）"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("300000"),
    )
    eia_categories = models.JSONField(
        _("须环评批复或备案的工程类别"), default=_default_eia_categories, blank=True
    )
    dust_categories = models.JSONField(
        _("须扬尘防治方案的工程类别（土方作业）"), default=_default_dust_categories, blank=True
    )
    wage_required = models.BooleanField(_("须农民工工资专用账户或保证金"), default=True)
    safety_briefing_required = models.BooleanField(_("须安全技术交底记录"), default=True)
    note = models.CharField(_("依据"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("开工条件标准")
        verbose_name_plural = _("开工条件标准")

    def __str__(self) -> str:
        return f"{self.effective_from}"

    @classmethod
    def in_force(cls, on=None) -> "StartPolicy | None":
        on = on or local_date(timezone.now())
        return cls.objects.filter(effective_from__lte=on).order_by("-effective_from").first()

    def required_items(self, project: "Project") -> list[str]:
        """The items this policy asks of the project, in a fixed order."""
        items: list[str] = []
        if project.counting_amount() >= self.permit_from:
            items.append(StartItem.PERMIT)
        if project.category in (self.eia_categories or []):
            items.append(StartItem.EIA)
        if self.wage_required:
            items.append(StartItem.WAGE)
        if project.category in (self.dust_categories or []):
            items.append(StartItem.DUST)
        if self.safety_briefing_required:
            items.append(StartItem.SAFETY)
        return items


@dataclass(frozen=True)
class StartCheck:
    item: str
    label: str
    document: "StartDocument | None"


def _start_document_path(instance: "StartDocument", filename: str) -> str:
    return f"start/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class StartDocument(BaseModel):
    """One 开工条件's document on a project (a newer one replaces it)."""

    project = models.ForeignKey("Project", on_delete=models.CASCADE, related_name="start_documents")
    item = models.CharField(_("开工条件"), max_length=10, choices=StartItem.choices)
    file = models.FileField(_("文件"), upload_to=_start_document_path)
    original_name = models.CharField(max_length=255)
    reference = models.CharField(_("文号/编号"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("开工条件文件")
        verbose_name_plural = _("开工条件文件")
        constraints = [
            models.UniqueConstraint(fields=["project", "item"], name="start_document_once")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.item}"


def _next_on_route(project, *args, **kwargs) -> str | None:
    return routing.current().next_state(project.status, project.tier)


def _route_step(field, label):
    """A transition that passes a step of some tier's approval route. The route table says which
    tiers take it in which state, who signs it (never the filer or an earlier step's signer),
    what the signer may set and where it leads; the source states are all those of review."""

    def decorate(method):
        name = method.__name__

        def on_the_route(project) -> bool:
            return routing.current().may_pass(project, name)

        return transition(
            field=field,
            source=list(REVIEW_STATUSES),
            target=GET_STATE(_next_on_route, states=[*REVIEW_STATUSES, ProjectStatus.APPROVED]),
            conditions=[on_the_route],
            permission=rules.may_review,
            custom={"label": label, "route_step": True},
        )(method)

    return decorate


def _public_token() -> str:
    return secrets.token_urlsafe(18)


class Project(ConcurrentTransitionMixin, BaseModel):
    code = models.CharField(_("项目编号"), max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("项目名称"), max_length=200)
    street = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="projects",
        limit_choices_to={"kind": OrganisationKind.STREET},
        verbose_name=_("街道/乡镇"),
    )
    address = models.CharField(_("地点"), max_length=300)
    latitude = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    project_class = models.CharField(
        _("项目分类"),
        max_length=1,
        choices=ProjectClass.choices,
        blank=True,
        help_text=_(
            "A类 重点民生（学校、医院周边、主干道路排水等）：不论金额均须公开招标；"
            "B类 一般性改造；C类 零星维修。住建局审核时可调整。"
        ),
    )
    budget_amount = models.DecimalField(_("申报预算（元）"), max_digits=14, decimal_places=2)
    reviewed_budget = models.DecimalField(
        _("审定预算（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    tier = models.CharField(_("类别等级"), max_length=10, choices=Tier.choices)
    tier_policy = models.ForeignKey(
        TierPolicy,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("分类分级标准"),
    )
    planned_start = models.DateField(_("计划开工"), null=True, blank=True)
    planned_end = models.DateField(_("计划完工"), null=True, blank=True)
    description = models.TextField(_("建设内容"), blank=True)
    status = FSMField(
        _("状态"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.DRAFT,
        protected=True,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="projects_filed",
        verbose_name=_("申报人"),
    )
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("立项/备案时间"), null=True, blank=True)
    public_token = models.CharField(
        max_length=32, unique=True, default=_public_token, editable=False
    )
    approved_budget = models.DecimalField(
        _("财政评审审定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    status_changed_at = models.DateTimeField(_("进入当前状态"), null=True, blank=True)
    returned_from = models.CharField(
        _("退回自"), max_length=20, blank=True, choices=ProjectStatus.choices
    )
    dept_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expert_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fiscal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drc_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # 化整为零: set by split detection; approving needs a recorded justification.
    # The year it was named a 示范项目 (written by performance's decision; the public page reads it).
    demonstration_year = models.PositiveSmallIntegerField(_("示范项目年度"), null=True, blank=True)
    split_flagged = models.BooleanField(_("疑似化整为零"), default=False)
    split_justification = models.TextField(_("拆分合理性说明"), blank=True)
    # The tier whose approvals the project still lacks after its amount grew (docs/rules.md §2); work,
    # completion and payments wait until they are given.
    escalated_to = models.CharField(_("升级待审"), max_length=10, choices=Tier.choices, blank=True)
    escalation_steps = models.JSONField(_("升级待补审批"), default=list, blank=True)
    # 停工 until re-procured (docs/rules.md §2): an escalation past the award's procurement, or
    # past the scope ceiling. The state it was stopped in is where it resumes.
    stopped_for = models.CharField(
        _("停工原因"), max_length=10, choices=ProjectStop.choices, blank=True
    )
    stop_step = models.CharField(_("停工待办"), max_length=10, choices=StopStep.choices, blank=True)
    stop_reason = models.TextField(_("停工说明"), blank=True)
    stopped_from = models.CharField(
        _("停工前状态"), max_length=20, choices=ProjectStatus.choices, blank=True
    )
    stopped_at = models.DateTimeField(_("停工时间"), null=True, blank=True)
    # Written by site supervision (progress reports, acceptance); read by the payment rules.
    # Written by the risk rules (performance issue); read by the monthly spot-check plan.
    risk_colour = models.CharField(
        _("风险等级"), max_length=6, default=RiskColour.GREEN, choices=RiskColour.choices
    )
    reported_progress = models.DecimalField(
        _("报送进度（%）"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    started_at = models.DateTimeField(_("开工时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完工时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    procurement_method = models.CharField(
        _("采购方式"), max_length=12, choices=ProcurementMethod.choices, blank=True
    )
    contractor = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects_won",
        verbose_name=_("施工单位"),
    )
    supervision_unit = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects_supervised",
        verbose_name=_("监理单位"),
    )
    # 设计单位: named by the street office where the filing has design documents (drawings,
    # budget); its credit answers for design-caused changes and budget deviations (docs/credit.md).
    design_unit = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects_designed",
        verbose_name=_("设计单位"),
        limit_choices_to={"kind": "design"},
    )
    # B类 (seed 001): the street office's named person who follows the works (docs/rules.md §2).
    tracker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects_tracked",
        verbose_name=_("街道跟踪责任人"),
    )
    # The village or community (村/社区) of the street where the works are: its 村民监督员 follow
    # the project and sign its acceptance (docs/village-supervision.md). Set by the street
    # office; a C类 project's is its village decision's.
    village = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="village_projects",
        limit_choices_to={"kind": OrganisationKind.VILLAGE},
        verbose_name=_("村/社区"),
    )
    # The district (区/县) of its street office, copied when it is filed so that a province's
    # lists, scopes and roll-ups read one indexed column (docs/province.md).
    district = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("区/县"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_amount__gt=0), name="project_budget_positive"
            ),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="project_tier_valid"),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["street", "status"]),
            models.Index(fields=["tier"]),
            # A district's lists, newest first, paged by keyset (docs/province.md).
            models.Index(fields=["district", "-created_at", "-id"], name="project_district_newest"),
            models.Index(fields=["district", "status"], name="project_district_status"),
            models.Index(fields=["-created_at", "-id"], name="project_newest"),
            # A company's lists, newest first (projects.permissions.projects_visible_to).
            models.Index(
                fields=["contractor", "-created_at", "-id"], name="project_contractor_newest"
            ),
            models.Index(
                fields=["supervision_unit", "-created_at", "-id"], name="project_supervisor_newest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code or '—'} {self.name}"

    # --- transitions: they touch only this row; services lock, save and audit them ---
    # Which tier takes which step, from which state, who signs it, what it may set and where it
    # leads is the route table's (approvals.routes, asked through projects.routing).

    def _takes_review(self) -> bool:
        return routing.current().takes_review(self)

    def _files_directly(self) -> bool:
        return not routing.current().takes_review(self)

    def _ready_to_file(self) -> bool:
        return self.filing_refusal() is None

    def filing_refusal(self) -> str | None:
        """What a draft lacks before it is filed or submitted: its planned start and end (the
        schedule is checked against them, docs/rules.md §3), and for a C类 project its village's
        四议两公开 record (§2)."""
        if self.planned_start is None or self.planned_end is None:
            return str(_("请先填写计划开工和计划完工日期，再申报或备案。"))
        if self.project_class != ProjectClass.C:
            return None
        if VillageDecision.objects.filter(project=self).exists():
            return None
        return str(
            _(
                "C类零星维修项目须先由村（社区）按“四议两公开”决策：请在“村级决策”中记录"
                "提议、商议、审议、决议和决议公开后再申报。"
            )
        )

    def _back_to_step(self, *args, **kwargs) -> str:
        return self.returned_from or ProjectStatus.SUBMITTED

    def _pass_step(self, by, values: dict) -> None:
        """Record the signer of the step waited at, and what the step lets them set."""
        table = routing.current()
        step = table.step_waiting_in(self.status, self.tier)
        assert step is not None, "a route step fires only where the project waits for one"
        setattr(self, step.approver_field, by)
        for name in step.sets:
            if values.get(name) is not None:
                setattr(self, name, values[name])
        if table.next_state(self.status, self.tier) == ProjectStatus.APPROVED:
            self.approved_at = timezone.now()

    @transition(
        field=status,
        source=ProjectStatus.DRAFT,
        target=ProjectStatus.SUBMITTED,
        conditions=[_takes_review, _ready_to_file],
        permission=rules.is_street_staff_of,
        custom={
            "label": pgettext_lazy("action", "申报"),
            "explain": lambda project: project._takes_review() and project.filing_refusal(),
        },
    )
    def submit(self, *, by=None) -> None:
        self.submitted_at = timezone.now()

    @transition(
        field=status,
        source=ProjectStatus.DRAFT,
        target=ProjectStatus.APPROVED,
        conditions=[_files_directly, _ready_to_file],
        permission=rules.is_street_staff_of,
        custom={
            "label": pgettext_lazy("action", "备案"),
            "explain": lambda project: project._files_directly() and project.filing_refusal(),
        },
    )
    def file(self, *, by=None) -> None:
        now = timezone.now()
        self.submitted_at = now
        self.approved_at = now

    @_route_step(status, pgettext_lazy("action", "初审通过"))
    def dept_approve(self, *, by=None, **values) -> None:
        self._pass_step(by, values)

    @_route_step(status, pgettext_lazy("action", "专家论证通过"))
    def expert_approve(self, *, by=None, **values) -> None:
        self._pass_step(by, values)

    @_route_step(status, pgettext_lazy("action", "财政评审通过"))
    def fiscal_approve(self, *, by=None, **values) -> None:
        self._pass_step(by, values)

    @_route_step(status, pgettext_lazy("action", "发改局备案"))
    def drc_file(self, *, by=None, **values) -> None:
        self._pass_step(by, values)

    @_route_step(status, pgettext_lazy("action", "发改局立项"))
    def drc_approve(self, *, by=None, **values) -> None:
        self._pass_step(by, values)

    @transition(
        field=status,
        source=list(REVIEW_STATUSES),
        target=ProjectStatus.RETURNED,
        permission=rules.may_review,
        custom={
            "label": pgettext_lazy("action", "退回修改"),
            "style": "outline-warning",
            "comment_required": True,
        },
    )
    def return_for_revision(self, *, by=None) -> None:
        self.returned_from = self.status

    @transition(
        field=status,
        source=ProjectStatus.RETURNED,
        target=GET_STATE(_back_to_step, states=list(REVIEW_STATUSES)),
        conditions=[_ready_to_file],
        permission=rules.is_street_staff_of,
        custom={
            "label": pgettext_lazy("action", "重新提交"),
            "explain": lambda project: project.filing_refusal(),
        },
    )
    def resubmit(self, *, by=None) -> None:
        # returned_from stays: django-fsm computes the target after this method runs.
        self.submitted_at = timezone.now()

    @transition(
        field=status,
        source=list(REVIEW_STATUSES),
        target=ProjectStatus.REJECTED,
        permission=rules.may_review,
        custom={
            "label": pgettext_lazy("action", "不予立项"),
            "style": "outline-danger",
            "comment_required": True,
            "irreversible": True,
        },
    )
    def reject(self, *, by=None) -> None:
        pass

    @transition(
        field=status,
        source=[ProjectStatus.DRAFT, ProjectStatus.RETURNED],
        target=ProjectStatus.CANCELLED,
        permission=rules.is_street_staff_of,
        custom={
            "label": pgettext_lazy("action", "撤销"),
            "style": "outline-danger",
            "irreversible": True,
        },
    )
    def cancel(self, *, by=None) -> None:
        pass

    def _not_escalated(self) -> bool:
        return not self.escalated_to

    def _start_ready(self) -> bool:
        return not self.start_missing() and not self.tracker_missing()

    def settlement_audited(self) -> bool:
        """A类 works are audited throughout: their settlement carries the audit firm's report
        (docs/rules.md §2)."""
        return self.project_class == ProjectClass.A

    def tracker_missing(self) -> bool:
        """B类 works open only once the street office has named who follows them (seed 001)."""
        return self.project_class == ProjectClass.B and self.tracker_id is None

    def counting_amount(self) -> Decimal:
        """The largest of the amounts known for the project (docs/rules.md §2)."""
        amounts = [self.budget_amount, self.reviewed_budget, self.approved_budget]
        contract = getattr(self, "contract", None) if self.pk else None
        if contract is not None:
            amounts += [contract.amount, contract.amount + contract.approved_changes_total]
        return max(a for a in amounts if a is not None)

    def start_checklist(self) -> list[StartCheck]:
        """开工条件 (docs/rules.md §3): each item the policy in force today asks of this project,
        with its document if one is on file. Two queries, once per loaded project (the page
        asks for the buttons, the route panel and its own section; a service that files a
        document loads the project afresh)."""
        memo = self.__dict__.get("_start_checklist")
        if memo is not None:
            return memo
        policy = StartPolicy.in_force()
        items = policy.required_items(self) if policy else []
        documents = {d.item: d for d in StartDocument.objects.filter(project=self)}
        checks = [StartCheck(i, str(StartItem(i).label), documents.get(i)) for i in items]
        self.__dict__["_start_checklist"] = checks
        return checks

    def start_missing(self) -> list[str]:
        return [c.item for c in self.start_checklist() if c.document is None]

    def start_refusal(self) -> str | None:
        """Why work cannot start now, the escalation first, then the missing 开工条件 and, for a
        B类 project, its street-office tracker."""
        if self.escalated_to:
            return None  # the transition's own message
        reasons = []
        missing = self.start_missing()
        if missing:
            reasons.append(
                str(
                    _("开工条件不全，缺少：%(items)s。请在“开工条件”中上传后再开工。")
                    % {"items": "、".join(str(StartItem(i).label) for i in missing)}
                )
            )
        if self.tracker_missing():
            reasons.append(str(_("B类项目须由街道指定跟踪责任人后才能开工。")))
        return " ".join(reasons) or None

    # Fired by the escalation (approvals.services.changes): the project waits in 停工 for a
    # procurement its new tier allows and the contract that follows, or for good past the
    # ceiling. Nothing else leaves SUSPENDED.
    @transition(
        field=status,
        source=[ProjectStatus.CONTRACTED, ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED],
        target=ProjectStatus.SUSPENDED,
        custom={"internal": True},
    )
    def halt(self, *, by=None) -> None:
        self.stopped_from = self.status
        self.stopped_at = timezone.now()

    def _not_stopped(self) -> bool:
        return not self.stopped_for

    def stop_message(self) -> str:
        """Why the stopped project refuses what was asked, and what lifts the stop."""
        text = str(_("项目已停工：%(reason)s") % {"reason": self.stop_reason})
        if self.escalated_to:
            text += str(_("另须先补齐%(tier)s的审批。") % {"tier": self.get_escalated_to_display()})
        return text

    # Fired by the contract service when the new contract is filed (the stop lifted first).
    @transition(
        field=status,
        source=ProjectStatus.SUSPENDED,
        target=RETURN_VALUE(
            ProjectStatus.CONTRACTED, ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED
        ),
        conditions=[_not_stopped, _not_escalated],
        custom={"internal": True},
    )
    def resume(self, *, by=None) -> str:
        state = self.stopped_from or ProjectStatus.CONTRACTED
        self.stopped_from = ""
        return state

    # Fired by the procurement and contract services, which record their own evidence.
    @transition(
        field=status,
        source=ProjectStatus.APPROVED,
        target=ProjectStatus.PROCUREMENT,
        custom={"internal": True},
    )
    def start_procurement(self, *, by=None) -> None:
        pass

    @transition(
        field=status,
        source=ProjectStatus.PROCUREMENT,
        target=ProjectStatus.CONTRACTED,
        conditions=[_not_escalated],
        custom={"internal": True},
    )
    def file_contract(self, *, by=None) -> None:
        pass

    @transition(
        field=status,
        source=ProjectStatus.CONTRACTED,
        target=ProjectStatus.IN_PROGRESS,
        conditions=[_not_escalated, _start_ready],
        permission=rules.is_street_staff_of,
        custom={
            "label": pgettext_lazy("action", "开工"),
            "refused": _("项目金额已升级到更高类别，须补齐该类别的审批后才能继续。"),
            "explain": lambda project: project.start_refusal(),
        },
    )
    def start_work(self, *, by=None) -> None:
        self.started_at = timezone.now()

    @transition(
        field=status,
        source=ProjectStatus.IN_PROGRESS,
        target=ProjectStatus.COMPLETED,
        conditions=[_not_escalated],
        permission=rules.is_project_contractor,
        custom={
            "label": pgettext_lazy("action", "申报完工"),
            "refused": _("项目金额已升级到更高类别，须补齐该类别的审批后才能继续。"),
        },
    )
    def declare_complete(self, *, by=None) -> None:
        self.completed_at = timezone.now()

    # Fired by the acceptance service, which checks the lab test and the ledger and records
    # the participants.
    @transition(
        field=status,
        source=ProjectStatus.COMPLETED,
        target=ProjectStatus.ACCEPTED,
        conditions=[_not_escalated],
        custom={"internal": True},
    )
    def accept(self, *, by=None) -> None:
        self.accepted_at = timezone.now()

    # Fired by the settlement service, which records the settled amount and its review.
    @transition(
        field=status,
        source=ProjectStatus.ACCEPTED,
        target=ProjectStatus.SETTLED,
        custom={"internal": True},
    )
    def settle(self, *, by=None) -> None:
        pass

    # --- derived facts for pages ---

    @property
    def review_due_date(self):
        """The step's time limit: its working days after it began (Asia/Shanghai calendar)."""
        step = routing.current().step_waiting_in(self.status, self.tier)
        if step is None or self.status_changed_at is None:
            return None
        return add_working_days(local_date(self.status_changed_at), step.limit_working_days)

    @property
    def review_overdue(self) -> bool:
        due = self.review_due_date
        return due is not None and local_date(timezone.now()) > due


class Contract(BaseModel):
    """合同备案: filed only with the contractor's and the supervisor's named site staff."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="contract")
    contractor = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("施工单位"),
    )
    supervision_unit = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="supervision_contracts",
        verbose_name=_("监理单位"),
    )
    amount = models.DecimalField(_("合同金额（元）"), max_digits=14, decimal_places=2)
    start_date = models.DateField(_("合同开工日期"))
    end_date = models.DateField(_("合同完工日期"))
    retention_rate = models.DecimalField(
        _("质保金比例"), max_digits=5, decimal_places=4, default=RETENTION_DEFAULT
    )
    project_manager = models.ForeignKey(
        "accounts.CompanyStaff",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("项目经理"),
    )
    safety_officer = models.ForeignKey(
        "accounts.CompanyStaff",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("专职安全员"),
    )
    quality_inspector = models.ForeignKey(
        "accounts.CompanyStaff",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("质检员"),
    )
    site_supervisor = models.ForeignKey(
        "accounts.CompanyStaff",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("现场监理"),
    )
    defect_period_months = models.PositiveSmallIntegerField(
        _("缺陷责任期（月）"), default=DEFECT_PERIOD_DEFAULT_MONTHS
    )
    # Written by the change-order service; the tier rule reads it.
    # Set when the contract is filed again after a re-procurement: the changes approved until
    # then are in its new amount; only changes decided later add to it.
    changes_from = models.DateTimeField(_("变更起算时间"), null=True, blank=True)
    approved_changes_total = models.DecimalField(
        _("已批准变更合计（元）"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            # 建质〔2017〕138号: retention at most 3% (projects.contract_terms).
            models.CheckConstraint(
                condition=RETENTION_RATE_ALLOWED, name="contract_retention_at_most_3pct"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="contract_dates_ordered"
            ),
            # Defect liability: at most two years (建质〔2017〕138号).
            models.CheckConstraint(
                condition=DEFECT_PERIOD_ALLOWED, name="contract_defect_period_at_most_24_months"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.amount}"


class Settlement(BaseModel):
    """结算: the settled amount after acceptance, with its review (结算审核) record."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="settlement")
    amount = models.DecimalField(_("结算金额（元）"), max_digits=14, decimal_places=2)
    review_record = models.TextField(_("结算审核意见"))
    # A类 (seed 001): whole-process audit — the third-party audit firm's report on the settlement.
    audit_firm = models.CharField(_("审计单位"), max_length=200, blank=True)
    audit_report = models.FileField(_("审计报告"), upload_to="audits/%Y/%m/", blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("结算")
        verbose_name_plural = _("结算")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_positive")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.amount}"


class Payment(BaseModel):
    """A payment request (请款) on a filed contract: requested, approved by finance, paid."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments")
    stage = models.CharField(_("款项类型"), max_length=10, choices=PaymentStage.choices)
    amount = models.DecimalField(_("申请金额（元）"), max_digits=14, decimal_places=2)
    work_value = models.DecimalField(
        _("对应已完工程量价值（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    payee_name = models.CharField(_("收款单位"), max_length=200)
    payee_account = models.CharField(_("收款账号"), max_length=40)
    invoice = models.FileField(_("发票"), upload_to="invoices/%Y/%m/", blank=True)
    # The invoice by its numbers and its file's hash: one invoice pays once (projects/invoices.py).
    invoice_code = models.CharField(_("发票代码"), max_length=12, blank=True)
    invoice_number = models.CharField(_("发票号码"), max_length=20, blank=True)
    invoice_amount = models.DecimalField(
        _("发票金额（价税合计）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    invoice_sha256 = models.CharField(max_length=64, blank=True)
    status = FSMField(
        _("状态"),
        max_length=12,
        choices=PaymentStatus.choices,
        default=PaymentStatus.REQUESTED,
        protected=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    voucher_no = models.CharField(_("凭证号"), max_length=60, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    # A recorded finance override (a blacklisted or suspended payee); such a payment is not
    # compliant for the fund compliance rate.
    override_reason = models.TextField(_("特批理由"), blank=True)
    compliant = models.BooleanField(_("合规"), default=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("拨付申请")
        verbose_name_plural = _("拨付申请")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
            # Two requests at the same moment cannot both carry one invoice (a returned request
            # gives it back).
            models.UniqueConstraint(
                fields=["invoice_code", "invoice_number"],
                condition=~Q(invoice_number="") & ~Q(status="returned"),
                name="payment_invoice_number_once",
            ),
            models.UniqueConstraint(
                fields=["invoice_sha256"],
                condition=~Q(invoice_sha256="") & ~Q(status="returned"),
                name="payment_invoice_file_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.get_stage_display()} {self.amount}"

    @transition(field=status, source=PaymentStatus.REQUESTED, target=PaymentStatus.APPROVED)
    def approve(self, *, by=None) -> None:
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(field=status, source=PaymentStatus.REQUESTED, target=PaymentStatus.RETURNED)
    def return_request(self, *, by=None, reason="") -> None:
        self.return_reason = reason

    @transition(field=status, source=PaymentStatus.APPROVED, target=PaymentStatus.PAID)
    def mark_paid(self, *, by=None, paid_on=None, voucher_no="") -> None:
        self.paid_by = by
        self.paid_on = paid_on
        self.voucher_no = voucher_no


def _attachment_path(instance: "ProjectAttachment", filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ProjectAttachment(BaseModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(
        _("类型"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.APPLICATION
    )
    file = models.FileField(_("文件"), upload_to=_attachment_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class BudgetLine(BaseModel):
    """One summary line of the project's bill (预算清单汇总): published on the public page and
    the site sign. The lines add up to the declared budget (projects.services.budget_lines_set)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    position = models.PositiveSmallIntegerField(_("序号"))
    item = models.CharField(_("清单项目"), max_length=200)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["project", "position"]
        verbose_name = _("预算明细")
        verbose_name_plural = _("预算明细")
        constraints = [
            models.UniqueConstraint(fields=["project", "position"], name="budget_line_position")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.amount}"


class VillageDecision(BaseModel):
    """C类 村级决策 (seed 001, 四议两公开; docs/rules.md §2): the village Party branch proposes,
    the two committees discuss, the Party members' meeting reviews, the villagers'
    representatives resolve; the resolution is published before the works are filed (备案), the
    outcome after they are accepted, each with a photo of the notice board."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="village_decision"
    )
    village = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="village_decisions",
        limit_choices_to={"kind": OrganisationKind.VILLAGE},
        verbose_name=_("村（社区）"),
    )
    proposal = models.TextField(_("提议内容"))
    proposed_on = models.DateField(_("村党组织提议日期"))
    discussed_on = models.DateField(_("村“两委”会议商议日期"))
    party_meeting_on = models.DateField(_("党员大会审议日期"))
    party_attended = models.PositiveSmallIntegerField(_("党员大会到会人数"))
    party_total = models.PositiveSmallIntegerField(_("应到党员人数"))
    resolved_on = models.DateField(_("村民代表会议决议日期"))
    reps_attended = models.PositiveSmallIntegerField(_("村民代表到会人数"))
    reps_total = models.PositiveSmallIntegerField(_("村民代表总数"))
    votes_for = models.PositiveSmallIntegerField(_("赞成票数"))
    decision_published_on = models.DateField(_("决议公开日期"))
    decision_photo = models.FileField(_("决议公开照片"), upload_to="village/%Y/%m/")
    result_published_on = models.DateField(_("实施结果公开日期"), null=True, blank=True)
    result_photo = models.FileField(_("实施结果公开照片"), upload_to="village/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("村级“四议两公开”记录")
        verbose_name_plural = _("村级“四议两公开”记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(party_attended__lte=F("party_total"))
                & Q(reps_attended__lte=F("reps_total"))
                & Q(votes_for__lte=F("reps_attended")),
                name="village_counts_consistent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.village_id}"
