"""Site supervision records: patrol logs, progress reports and their photo evidence, the
rectification ledger (问题台账), quality spot checks and their monthly random plan, lab tests and
completion acceptance."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.dates import local_date
from core.models import BaseModel

from .choices import SERIOUS_SOURCES, DuplicateHow, ItemSource, ItemStatus, RectificationMode
from .phash_chunks import chunk_indexes


class ProgressReport(BaseModel):
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="progress_reports"
    )
    percent = models.DecimalField(
        _("完成百分比"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    text = models.TextField(_("进度说明"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Made by the phone that captured the entry; a resend of the same entry finds it here.
    client_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    replayed: bool  # not a column: set by the service, True when a resend found it stored

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("进度报送")
        verbose_name_plural = _("进度报送")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="progress_percent_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.percent}%"


class PatrolLog(BaseModel):
    """每日巡查记录 by the site supervisor of the project's supervision unit."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="patrol_logs"
    )
    supervision_unit = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    log_date = models.DateField(_("巡查日期"))
    weather = models.CharField(_("天气"), max_length=50)
    work_done = models.TextField(_("施工内容"))
    head_count = models.PositiveIntegerField(_("现场人数"))
    safety_notes = models.TextField(_("安全情况"), blank=True)
    quality_notes = models.TextField(_("质量情况"), blank=True)
    client_key = models.UUIDField(unique=True, editable=False)
    replayed: bool  # not a column: set by the service, True when a resend found it stored

    class Meta:
        ordering = ["-log_date", "-id"]
        verbose_name = _("每日巡查记录")
        verbose_name_plural = _("每日巡查记录")
        indexes = [models.Index(fields=["project", "log_date"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.log_date}"


class PatrolViolation(BaseModel):
    """A working day on which an in-progress project had no patrol log, recorded against the
    supervision unit by the nightly job. A log filed later for that day (sent late from a phone
    that was offline) withdraws it."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="patrol_violations"
    )
    supervision_unit = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="patrol_violations"
    )
    day = models.DateField(_("缺少巡查记录的日期"))
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "project_id"]
        verbose_name = _("巡查缺失记录")
        verbose_name_plural = _("巡查缺失记录")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "day"], name="one_patrol_violation_per_project_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.day}"


def _photo_path(folder: str, suffix: str) -> str:
    from django.utils import timezone

    return f"photos/{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def _original_path(instance, filename: str) -> str:
    return _photo_path("original", Path(filename).suffix.lower())


def _public_path(instance, filename: str) -> str:
    return _photo_path("public", ".jpg")


class Photo(BaseModel):
    """A site photo. The original stays private (it carries EXIF time and position); pages show
    the re-encoded public copy. The flags are shown to reviewers and discipline officers."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="photos")
    patrol_log = models.ForeignKey(
        PatrolLog, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    progress_report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    spot_check = models.ForeignKey(
        "SpotCheck", on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    village_observation = models.ForeignKey(
        "VillageObservation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="photos",
    )
    original = models.FileField(upload_to=_original_path)
    public = models.FileField(upload_to=_public_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    phash = models.CharField(max_length=16)
    # The same 64 bits as a signed integer, so that PostgreSQL can count differing bits.
    phash_bits = models.BigIntegerField(db_index=True)
    # The hash of the photo's centre (photos.CROP_SHARE of each side), to find crops of it.
    crop_phash_bits = models.BigIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("疑似重复使用的照片"),
    )
    duplicate_how = models.CharField(
        _("重复方式"), max_length=10, choices=DuplicateHow.choices, blank=True
    )
    time_mismatch = models.BooleanField(_("拍摄时间与上传相差超过24小时"), default=False)
    far_from_site = models.BooleanField(_("拍摄位置距项目超过1公里"), default=False)
    # The figures behind the two flags, kept so that lists can show them (None: unknown).
    distance_m = models.PositiveIntegerField(_("拍摄位置距项目（米）"), null=True, blank=True)
    time_offset_minutes = models.IntegerField(_("拍摄时间早于上传（分钟）"), null=True, blank=True)
    software = models.CharField(_("处理软件"), max_length=100, blank=True)
    edited = models.BooleanField(_("经图片编辑软件处理"), default=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        constraints = [
            models.CheckConstraint(
                condition=Q(patrol_log__isnull=True, progress_report__isnull=True)
                | Q(patrol_log__isnull=True, spot_check__isnull=True)
                | Q(progress_report__isnull=True, spot_check__isnull=True),
                name="photo_belongs_to_one_entry",
            )
        ]
        # Near-duplicates of an upload are looked up chunk by chunk (inspections.near_duplicates).
        indexes = [
            *chunk_indexes("phash_bits", "photo_phash_chunk"),
            *chunk_indexes("crop_phash_bits", "photo_crop_chunk"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def flagged(self) -> bool:
        return bool(self.duplicate_of_id or self.time_mismatch or self.far_from_site or self.edited)


def _video_path(folder: str, suffix: str) -> str:
    return f"videos/{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def _video_original_path(instance, filename: str) -> str:
    return _video_path("original", Path(filename).suffix.lower()[:10] or ".mp4")


def _video_clean_path(instance, filename: str) -> str:
    return _video_path("clean", ".mp4")


def _video_poster_path(instance, filename: str) -> str:
    return _video_path("poster", ".jpg")


class Video(BaseModel):
    """A short site clip (MP4/H.264, checked with ffprobe), beside the photos of a patrol log or
    a progress report. The original stays private (its metadata may hold where it was shot);
    pages play the copy without metadata, under the poster frame cut from it."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="videos")
    patrol_log = models.ForeignKey(
        PatrolLog, on_delete=models.CASCADE, null=True, blank=True, related_name="videos"
    )
    progress_report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, null=True, blank=True, related_name="videos"
    )
    original = models.FileField(upload_to=_video_original_path)
    playable = models.FileField(upload_to=_video_clean_path)
    poster = models.FileField(upload_to=_video_poster_path)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    duration = models.DecimalField(_("时长（秒）"), max_digits=8, decimal_places=2)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    codec = models.CharField(_("编码"), max_length=20)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("现场视频")
        verbose_name_plural = _("现场视频")
        constraints = [
            models.CheckConstraint(
                condition=Q(patrol_log__isnull=True, progress_report__isnull=False)
                | Q(patrol_log__isnull=False, progress_report__isnull=True),
                name="video_belongs_to_one_entry",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class VideoPolicy(BaseModel):
    """Effective-dated limits of a site clip: the policy in force on the day of the upload
    applies (added, never edited)."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    max_seconds = models.PositiveIntegerField(
        _("视频最长时长（秒）"), validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    max_megabytes = models.PositiveIntegerField(
        _("视频最大大小（MB）"), validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    note = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("现场视频限制")
        verbose_name_plural = _("现场视频限制")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_seconds__gte=1, max_seconds__lte=600)
                & Q(max_megabytes__gte=1, max_megabytes__lte=50),
                name="video_policy_within_bounds",
            )
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.max_seconds}s / {self.max_megabytes}MB"


class InspectionRound(BaseModel):
    """巡察: a round of inspection whose feedback items go into the ledger."""

    name = models.CharField(_("巡察名称"), max_length=200)
    inspecting_body = models.CharField(_("巡察组"), max_length=200)
    started_on = models.DateField(_("开始日期"))
    closing_summary = models.TextField(_("整改总结"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_on", "-id"]
        verbose_name = _("巡察")
        verbose_name_plural = _("巡察")

    def __str__(self) -> str:
        return self.name


def _assessed_if_serious(item) -> bool:
    return item.assessed_at is not None or not item.needs_assessment


class RectificationItem(ConcurrentTransitionMixin, BaseModel):
    """One problem of the ledger: who must fix it, by when, to what standard, with evidence."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rectification_items",
    )
    source = models.CharField(_("来源"), max_length=20, choices=ItemSource.choices)
    problem = models.TextField(_("问题"))
    responsible_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="rectification_items",
        verbose_name=_("责任单位"),
    )
    responsible_person = models.CharField(_("责任人"), max_length=100, blank=True)
    deadline = models.DateField(_("整改时限"))
    standard = models.TextField(_("整改标准"))
    evidence = models.TextField(_("整改情况及佐证"), blank=True)
    status = FSMField(
        _("状态"),
        max_length=12,
        choices=ItemStatus.choices,
        default=ItemStatus.OPEN,
        protected=True,
        db_index=True,
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_on = models.DateField(_("立项日期"))
    submitted_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    spot_check = models.ForeignKey(
        "SpotCheck", on_delete=models.SET_NULL, null=True, blank=True, related_name="items_opened"
    )
    inspection_round = models.ForeignKey(
        InspectionRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("巡察"),
    )
    mode = models.CharField(
        _("整改方式"),
        max_length=10,
        choices=RectificationMode.choices,
        default=RectificationMode.IMMEDIATE,
    )
    # A serious item's third-party sign-off (第三方评估) before 销号.
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("第三方评估时间"), null=True, blank=True)
    assessment = models.TextField(_("第三方评估意见"), blank=True)
    # Carried over at the close of its 巡察 round, with the reason (still open, still tracked).
    carried_over_at = models.DateTimeField(_("结转时间"), null=True, blank=True)
    carry_over_reason = models.TextField(_("结转理由"), blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("整改事项")
        verbose_name_plural = _("问题台账")
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opened_on")), name="item_deadline_after_opening"
            )
        ]
        indexes = [
            # The dashboard's warning colours of a province's open items, read from the index
            # alone (docs/province.md).
            models.Index(
                fields=["project", "status", "deadline", "opened_on"],
                condition=~Q(status="closed"),
                name="item_open",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.problem[:30]}"

    @property
    def needs_assessment(self) -> bool:
        """Serious: from a 巡察 or a report, or gone red (docs/rules.md §5)."""
        if self.source in SERIOUS_SOURCES:
            return True
        submitted = local_date(self.submitted_at) if self.submitted_at else None
        last = submitted or local_date(timezone.now())
        return last > self.deadline

    @transition(field=status, source=ItemStatus.OPEN, target=ItemStatus.RECTIFYING)
    def start(self) -> None:
        pass

    @transition(
        field=status, source=[ItemStatus.OPEN, ItemStatus.RECTIFYING], target=ItemStatus.SUBMITTED
    )
    def submit_evidence(self, *, evidence: str, at) -> None:
        self.evidence = evidence
        self.submitted_at = at

    @transition(
        field=status,
        source=ItemStatus.SUBMITTED,
        target=ItemStatus.CLOSED,
        conditions=[_assessed_if_serious],
    )
    def close(self, *, by, at) -> None:
        self.closed_by = by
        self.closed_at = at

    @transition(field=status, source=ItemStatus.SUBMITTED, target=ItemStatus.RECTIFYING)
    def send_back(self) -> None:
        pass


class RectificationStage(BaseModel):
    """One staged target (阶段性目标) of an item: what by when, and the evidence it was met."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="stages")
    target = models.CharField(_("阶段目标"), max_length=300)
    due = models.DateField(_("完成时限"))
    evidence = models.TextField(_("完成情况及佐证"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("阶段目标")
        verbose_name_plural = _("阶段目标")

    def __str__(self) -> str:
        return f"{self.due} {self.target[:30]}"


class SpotCheckPolicy(BaseModel):
    """Effective-dated share of projects drawn each month by risk colour (双随机); the plan
    keeps the rates it used."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    red_rate = models.DecimalField(_("红色项目抽取比例"), max_digits=4, decimal_places=3)
    yellow_rate = models.DecimalField(_("黄色项目抽取比例"), max_digits=4, decimal_places=3)
    green_rate = models.DecimalField(_("绿色项目抽取比例"), max_digits=4, decimal_places=3)
    note = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("抽检比例")
        verbose_name_plural = _("抽检比例")
        constraints = [
            models.CheckConstraint(
                condition=Q(red_rate__gte=0, red_rate__lte=1)
                & Q(yellow_rate__gte=0, yellow_rate__lte=1)
                & Q(green_rate__gte=0, green_rate__lte=1),
                name="spot_check_rates_between_0_and_1",
            )
        ]

    def __str__(self) -> str:
        return f"{self.effective_from}: {self.red_rate}/{self.yellow_rate}/{self.green_rate}"


class SpotCheckPlan(BaseModel):
    """双随机: a month's projects drawn by risk colour and inspectors drawn at random, from a
    recorded seed, so that anyone can draw the same plan again."""

    month = models.DateField(_("月份"), unique=True)
    seed = models.CharField(_("随机种子"), max_length=64)
    rates = models.JSONField(_("抽取比例"))
    # What the draw was made from (projects with their colours, inspectors, conflicts of
    # interest), so that the same seed redraws the same plan (spot_checks.plan_redraw).
    inputs = models.JSONField(_("抽取依据"), default=dict)
    # Each draw: project, risk_colour, inspector (drawn), assigned (who will check, may differ).
    draws = models.JSONField(_("抽取结果"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-month"]
        verbose_name = _("抽检计划")
        verbose_name_plural = _("抽检计划")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class SpotCheck(BaseModel):
    """质量抽检: items checked, pass/fail each; the result is derived, never typed."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="spot_checks"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        SpotCheckPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="checks"
    )
    checked_on = models.DateField(_("抽检日期"))
    passed = models.BooleanField(_("合格"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("质量抽检")
        verbose_name_plural = _("质量抽检")

    def __str__(self) -> str:
        return f"{self.project_id} {self.checked_on}"


class SpotCheckItem(models.Model):
    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("检查项"), max_length=200)
    passed = models.BooleanField(_("合格"))
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class LabTest(BaseModel):
    """第三方检测: the completion quality test by a lab."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="lab_tests"
    )
    lab = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pass_rate = models.DecimalField(_("合格率（%）"), max_digits=5, decimal_places=2)
    report_no = models.CharField(_("检测报告编号"), max_length=60)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("第三方检测")
        verbose_name_plural = _("第三方检测")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_rate__gte=0, pass_rate__lte=100), name="lab_pass_rate_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.pass_rate}%"


class Acceptance(BaseModel):
    """竣工验收: who took part (resident representatives among them) and the conclusion."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="acceptance"
    )
    participants = models.JSONField(_("参加人员"), help_text="[{name, organisation, role}]")
    conclusion = models.TextField(_("验收结论"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("竣工验收")
        verbose_name_plural = _("竣工验收")

    def __str__(self) -> str:
        return f"{self.project_id}"


class VillageObservation(BaseModel):
    """What a 村民监督员 saw on site (docs/village-supervision.md): text and photos, idempotent
    by the phone's key; it may open a ledger item addressed to the responsible party, whose
    progress the supervisor follows."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="village_observations"
    )
    village = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村/社区"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("监督员"),
    )
    text = models.TextField(_("监督情况"))
    client_key = models.UUIDField(unique=True, editable=False)
    ledger_item = models.OneToOneField(
        RectificationItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="village_observation",
        verbose_name=_("整改事项"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("村民监督记录")
        verbose_name_plural = _("村民监督记录")

    def __str__(self) -> str:
        return f"{self.project_id} {self.created_at:%Y-%m-%d}"


class AcceptanceSignature(BaseModel):
    """A 村民监督员 signs the acceptance as the residents' representative (seed 001), before the
    acceptance group records it; the record then names the signature (docs/village-supervision.md)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="acceptance_signatures"
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签字人"),
    )
    village = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村/社区"),
    )
    opinion = models.TextField(_("验收意见"))
    acceptance = models.ForeignKey(
        Acceptance,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("竣工验收"),
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("居民代表验收签字")
        verbose_name_plural = _("居民代表验收签字")
        constraints = [
            models.UniqueConstraint(fields=["project", "signer"], name="one_signature_per_signer")
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.signer_id}"
