"""Projects (零星工程), the tier policies they are filed under, and their attachments."""
import secrets
import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.choices import OrganisationKind
from core.models import BaseModel

from . import rules
from .choices import AttachmentKind, Category, ProjectStatus, Tier


class TierPolicy(BaseModel):
    """Effective-dated thresholds; a project keeps the policy in force when it was filed."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    general_from = models.DecimalField(_("一般类起点（元）"), max_digits=14, decimal_places=2)
    major_from = models.DecimalField(_("重大类起点（元）"), max_digits=14, decimal_places=2)
    note = models.CharField(_("依据"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+")

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("分类分级标准")
        verbose_name_plural = _("分类分级标准")
        constraints = [
            models.CheckConstraint(condition=Q(general_from__gt=0), name="tier_general_positive"),
            models.CheckConstraint(condition=Q(major_from__gt=F("general_from")),
                                   name="tier_major_above_general"),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.general_from} / {self.major_from}"


def _public_token() -> str:
    return secrets.token_urlsafe(18)


class Project(ConcurrentTransitionMixin, BaseModel):
    code = models.CharField(_("项目编号"), max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("项目名称"), max_length=200)
    street = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="projects",
        limit_choices_to={"kind": OrganisationKind.STREET}, verbose_name=_("街道/乡镇"))
    address = models.CharField(_("地点"), max_length=300)
    latitude = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)])
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    budget_amount = models.DecimalField(_("申报预算（元）"), max_digits=14, decimal_places=2)
    reviewed_budget = models.DecimalField(_("审定预算（元）"), max_digits=14, decimal_places=2,
                                          null=True, blank=True)
    tier = models.CharField(_("类别等级"), max_length=10, choices=Tier.choices)
    tier_policy = models.ForeignKey(TierPolicy, on_delete=models.PROTECT, related_name="projects",
                                    verbose_name=_("分类分级标准"))
    planned_start = models.DateField(_("计划开工"), null=True, blank=True)
    planned_end = models.DateField(_("计划完工"), null=True, blank=True)
    description = models.TextField(_("建设内容"), blank=True)
    status = FSMField(_("状态"), max_length=20, choices=ProjectStatus.choices,
                      default=ProjectStatus.DRAFT, protected=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="projects_filed", verbose_name=_("申报人"))
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("立项/备案时间"), null=True, blank=True)
    public_token = models.CharField(max_length=32, unique=True, default=_public_token,
                                    editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gt=0), name="project_budget_positive"),
            models.CheckConstraint(condition=Q(tier__in=Tier.values), name="project_tier_valid"),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True) | Q(planned_start__isnull=True)
                | Q(planned_end__gte=F("planned_start")),
                name="project_dates_ordered"),
        ]
        indexes = [models.Index(fields=["street", "status"]), models.Index(fields=["tier"])]

    def __str__(self) -> str:
        return f"{self.code or '—'} {self.name}"

    # --- transitions: they touch only this row; services lock, save and audit them ---

    def _is_simple(self) -> bool:
        return self.tier == Tier.SIMPLE

    def _needs_review_route(self) -> bool:
        return self.tier != Tier.SIMPLE

    @transition(field=status, source=ProjectStatus.DRAFT, target=ProjectStatus.SUBMITTED,
                conditions=[_needs_review_route], permission=rules.is_street_staff_of,
                custom={"label": _("申报"), "refused": _("简易类项目无需申报审批，请直接备案。")})
    def submit(self) -> None:
        self.submitted_at = timezone.now()

    @transition(field=status, source=ProjectStatus.DRAFT, target=ProjectStatus.APPROVED,
                conditions=[_is_simple], permission=rules.is_street_staff_of,
                custom={"label": _("备案"), "refused": _("只有简易类项目可由街道直接备案。")})
    def file(self) -> None:
        now = timezone.now()
        self.submitted_at = now
        self.approved_at = now

    @transition(field=status, source=[ProjectStatus.DRAFT, ProjectStatus.RETURNED],
                target=ProjectStatus.CANCELLED, permission=rules.is_street_staff_of,
                custom={"label": _("撤销"), "style": "outline-danger"})
    def cancel(self) -> None:
        pass


def _attachment_path(instance: "ProjectAttachment", filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ProjectAttachment(BaseModel):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类型"), max_length=20, choices=AttachmentKind.choices,
                            default=AttachmentKind.APPLICATION)
    file = models.FileField(_("文件"), upload_to=_attachment_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name
