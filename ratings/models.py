"""The residents' side: ratings (居民扫码评价) and their moderation,
reports (举报) and the review (复核) opened by a low mean score."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel

from .choices import RatingStatus, ReportOutcome


class Rating(BaseModel):
    """One resident's score. It is stored `pending` and screened for abuse patterns within a
    second (ratings.services.ratings_screen); only `counted` ratings enter the mean; a held
    rating waits for a moderator, who keeps the original text and records the decision."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="ratings"
    )
    # Without BaseModel's index of its own: the indexes below lead with the project.
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    score = models.PositiveSmallIntegerField(
        _("总体评分"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    quality = models.PositiveSmallIntegerField(
        _("质量"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    progress = models.PositiveSmallIntegerField(
        _("进度"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    civility = models.PositiveSmallIntegerField(
        _("文明施工"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    comment = models.TextField(_("评语"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RatingStatus.choices, default=RatingStatus.PENDING
    )
    flags = models.JSONField(_("异常标记"), default=list, blank=True)
    device = models.CharField(max_length=64)  # the signed cookie's random id
    # Came without a device cookie, or with one issued within ratings.rules.FRESH_DEVICE_WINDOW:
    # nothing shows that this device was here before (a client that drops its cookie).
    fresh_device = models.BooleanField(default=False)
    network = models.CharField(max_length=64)  # /24 (IPv4) or /48 (IPv6)
    comment_hash = models.CharField(max_length=64, blank=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("居民评价")
        verbose_name_plural = _("居民评价")
        constraints = [
            models.UniqueConstraint(fields=["project", "device"], name="one_rating_per_device"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="rating_score_0_100"
            ),
        ]
        # Every index is paid on each insert and on each screening's status change: only those
        # the screening and the pages read.
        indexes = [
            models.Index(fields=["project", "status", "created_at"]),
            models.Index(fields=["project", "network", "created_at"]),
            models.Index(fields=["project", "created_at"]),
            models.Index(
                fields=["comment_hash", "created_at"],
                name="rating_comment_copies",
                condition=~Q(comment_hash=""),
            ),
            models.Index(
                fields=["created_at"],
                name="rating_pending",
                condition=Q(status=RatingStatus.PENDING),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.score}"


class RatingPolicy(BaseModel):
    """The editable numbers of the residents' side; the newest row whose start has come
    applies (each change is a new row, so past decisions stay explainable)."""

    effective_from = models.DateField(_("生效日期"))
    open_days = models.PositiveSmallIntegerField(_("评价开放天数（自完工起）"), default=90)
    review_below = models.PositiveSmallIntegerField(_("低于该平均分启动复核"), default=80)
    review_min_count = models.PositiveSmallIntegerField(_("启动复核的最少有效评价数"), default=5)
    network_burst = models.PositiveSmallIntegerField(
        _("同一网络一小时内评价数达到即暂扣审核"), default=5
    )
    project_burst = models.PositiveSmallIntegerField(
        _("同一项目十分钟内评价数达到即暂扣审核"), default=15
    )
    fresh_device_per_network = models.PositiveSmallIntegerField(
        _("同一网络一天内计入的新设备评价数（其后的暂扣审核）"),
        default=1,
        help_text=_(
            "未经短信验证、且设备标识为新（无 Cookie 或一天内才领到）的评价，同一项目同一网络"
            "一天内前几条计入，其后的暂扣审核。"
        ),
    )

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("评价规则")
        verbose_name_plural = _("评价规则")

    def __str__(self) -> str:
        return f"{self.effective_from}"


class PhoneCheckRequirement(BaseModel):
    """The per-project switch (admin): ratings of this project need the SMS phone check, one
    per phone, whatever the device (RATING_PHONE_CHECK turns it on for every project)."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="phone_check"
    )
    required = models.BooleanField(_("评价须短信验证手机号"), default=True)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("评价短信验证")
        verbose_name_plural = _("评价短信验证")

    def __str__(self) -> str:
        return f"{self.project_id}: {self.required}"


class Report(BaseModel):
    """举报 from the public page; it opens a ledger item that discipline officers follow."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="reports"
    )
    text = models.TextField(_("举报内容"))
    contact = models.CharField(_("联系方式（选填）"), max_length=100, blank=True)
    network = models.CharField(max_length=64)
    ledger_item = models.OneToOneField(
        "inspections.RectificationItem", on_delete=models.PROTECT, related_name="report"
    )
    # The resident's reference (JB + date + six random characters): enough to look up the
    # status, too many to guess another's (ratings.services.report_reference).
    reference = models.CharField(_("举报编号"), max_length=24, unique=True)
    # The discipline officer's conclusion, and the reward for a confirmed report (seed 000 §四.5).
    outcome = models.CharField(
        _("核查结论"), max_length=10, choices=ReportOutcome.choices, blank=True
    )
    outcome_note = models.TextField(_("核查情况"), blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    concluded_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    reward_amount = models.DecimalField(
        _("奖励金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    reward_paid_on = models.DateField(_("奖励发放日期"), null=True, blank=True)
    reward_note = models.CharField(_("奖励说明"), max_length=300, blank=True)
    rewarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("群众举报")
        verbose_name_plural = _("群众举报")

    def __str__(self) -> str:
        return f"{self.project_id}: {self.text[:20]}"


class Review(BaseModel):
    """复核 opened by the platform when a project's counted mean falls below the threshold."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="rating_reviews"
    )
    mean_at_open = models.DecimalField(_("启动时平均分"), max_digits=5, decimal_places=2)
    count_at_open = models.PositiveIntegerField(_("启动时有效评价数"))
    ledger_item = models.OneToOneField(
        "inspections.RectificationItem", on_delete=models.PROTECT, related_name="rating_review"
    )
    outcome = models.TextField(_("复核结论"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("复核时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("低分复核")
        verbose_name_plural = _("低分复核")
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(decided_at__isnull=True),
                name="one_open_review_per_project",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.mean_at_open}"
