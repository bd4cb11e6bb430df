"""Leads (线索): what a discipline officer follows up from an anomaly row (docs/rules.md §9)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import BaseModel

from .choices import LeadStatus


class LeadPolicy(BaseModel):
    """Effective-dated time limits for a lead: the preliminary check (初核) must end in 立案 or
    了结 within so many working days of opening."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    preliminary_working_days = models.PositiveSmallIntegerField(_("初核时限（工作日）"))
    note = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("线索办理时限")
        verbose_name_plural = _("线索办理时限")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(preliminary_working_days__gte=1),
                name="lead_policy_days_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.preliminary_working_days}"


class Lead(ConcurrentTransitionMixin, BaseModel):
    """One anomaly row taken up by a discipline officer: the row as it stood (evidence
    attached when opened), notes, the officer assigned, and the outcome with its reasons."""

    reference = models.CharField(_("线索编号"), max_length=20, unique=True)
    kind = models.CharField(_("异常类型"), max_length=40)
    kind_title = models.CharField(_("异常名称"), max_length=100)
    # What makes two rows the same (anomalies.Row.key): one lead per row.
    row_key = models.CharField(max_length=32)
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("项目"),
    )
    rule = models.TextField(_("规则"))
    why = models.TextField(_("异常原因"))
    columns = models.JSONField(_("列"), default=list)
    cells = models.JSONField(_("异常数据"), default=list)
    evidence = models.JSONField(_("证据"), default=list)  # [[label, url], …]
    status = FSMField(
        _("状态"), default=LeadStatus.PRELIMINARY, choices=LeadStatus.choices, protected=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
    )
    due_on = models.DateField(_("初核期限"))
    outcome_reason = models.TextField(_("处理理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("线索")
        verbose_name_plural = _("线索")
        constraints = [
            models.UniqueConstraint(fields=["kind", "row_key"], name="lead_once_per_row")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.kind_title}"

    @transition(field=status, source=LeadStatus.PRELIMINARY, target=LeadStatus.FILED)
    def file_case(self) -> None:
        """立案: the preliminary check found enough to open a case."""

    @transition(
        field=status, source=[LeadStatus.PRELIMINARY, LeadStatus.FILED], target=LeadStatus.CLOSED
    )
    def close(self) -> None:
        """了结: nothing to pursue, or the case is concluded."""


class LeadNote(BaseModel):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("记录"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("线索记录")
        verbose_name_plural = _("线索记录")


class AnomalySnapshot(models.Model):
    """One page of an anomaly list as a region's view shows it, computed by the Celery job
    dashboards.tasks.anomalies_snapshot_task (docs/province.md, "Anomaly lists of a region"):
    a province's or a city's list takes seconds to compute live, so the region's view reads
    the page from here and says as of when. The rows are kept as shown: text in the page's
    language, links, strength."""

    kind = models.CharField(_("异常类型"), max_length=40)
    region = models.ForeignKey(
        "accounts.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("行政区划")
    )
    language = models.CharField(_("语言"), max_length=10)
    number = models.PositiveIntegerField(_("页码"))
    count = models.PositiveIntegerField(_("条数"))
    kept = models.PositiveIntegerField(_("保留条数"))
    computed_at = models.DateTimeField(_("计算时间"))
    rows = models.JSONField(_("行"), default=list)

    class Meta:
        verbose_name = _("异常清单快照")
        verbose_name_plural = _("异常清单快照")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "region", "language", "number"], name="anomaly_snapshot_page"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.region_id} {self.language} #{self.number}"
