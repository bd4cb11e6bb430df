"""Shared primitives: the base model, the tamper-evident audit chain, the outbox, and the
working-day overrides of the calendar."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditEvent(models.Model):
    """One append-only link of an audit chain: hash = SHA-256(prev_hash ‖ canonical event).

    The events form several chains (`chain`), each numbered without gaps by `seq` and linked by
    its own hashes, so that writers of different chains never wait for one another; signed
    daily heads fold every chain's head into one (docs/audit.md "Chains"). Rows are written
    only by core.audit.record_event; on PostgreSQL a trigger refuses UPDATE and DELETE, and
    (chain, seq) is unique so that two writers can never fork a chain.
    """

    chain = models.PositiveSmallIntegerField(_("链"), default=0)
    seq = models.PositiveBigIntegerField(_("序号"))
    created_at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    organisation_name = models.CharField(_("单位"), max_length=200, blank=True)
    verb = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    comment = models.TextField(_("说明"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        # Across chains the id is the order of appending (one chain's ids follow its seq).
        ordering = ["id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="core_auditevent_chain_seq")
        ]
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]

    def __str__(self) -> str:
        return f"#{self.ref} {self.verb} {self.object_type}:{self.object_id}"

    @property
    def ref(self) -> str:
        return event_ref(self.chain, self.seq)


def event_ref(chain: int | None, seq: int | None) -> str:
    """How an event is named to people: "3-17" is event 17 of chain 3; events of the single
    chain kept before there were several (chain 0) keep their old number, "17"."""
    if seq is None:
        return ""
    return str(seq) if not chain else f"{chain}-{seq}"


class AuditHead(models.Model):
    """A verification of the chains and their heads at a point in time, to be printed and kept
    outside the system. verify_chain also checks every kept head against the chains, so a
    truncated tail shows."""

    taken_at = models.DateTimeField(_("时间"), auto_now_add=True)
    count = models.PositiveBigIntegerField(_("事件数"))
    # SHA-256 of the chains' heads (core.audit.heads_hash): one value to print and compare.
    hash = models.CharField(max_length=64)
    chains = models.JSONField(_("各链链头"), default=list)  # [[chain, seq, hash], ...]
    intact = models.BooleanField(_("链完整"))
    broken_chain = models.PositiveSmallIntegerField(_("损坏的链"), null=True, blank=True)
    broken_seq = models.PositiveBigIntegerField(_("首个损坏事件"), null=True, blank=True)
    # Verified from this day's signed head on (its signature, then the events after it);
    # empty when every event was hashed again.
    since = models.DateField(_("起点签名链头"), null=True, blank=True)
    checked = models.PositiveBigIntegerField(_("本次核验事件数"), default=0)

    class Meta:
        ordering = ["-taken_at"]
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.count} {self.hash[:12]}"

    @property
    def broken_ref(self) -> str:
        return event_ref(self.broken_chain, self.broken_seq)


class SignedAuditHead(models.Model):
    """The chains' heads at the end of a day (Asia/Shanghai), folded into one and signed with an
    Ed25519 key that the database does not hold (core.heads, docs/audit.md). Each links to the
    head signed before it. Published on the open-data page; whoever keeps a copy can later show
    that no chain was rewritten up to its signed position."""

    day = models.DateField(_("日期"), unique=True)
    # The form of the signed message: heads signed before there were several chains
    # (core.heads.HEAD_KIND_V1) name one position of chain 0.
    kind = models.CharField(_("格式"), max_length=40)
    chains = models.JSONField(_("各链链头"), default=list)  # [[chain, seq, hash], ...]
    count = models.PositiveBigIntegerField(_("事件数"))
    prev_hash = models.CharField(_("上一链头哈希"), max_length=64, blank=True)
    hash = models.CharField(_("链头哈希"), max_length=64)
    signature = models.CharField(_("签名"), max_length=88)  # base64 of the 64 bytes
    key_fingerprint = models.CharField(_("公钥指纹"), max_length=64)
    signed_at = models.DateTimeField(_("签名时间"), auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("已签名链头")
        verbose_name_plural = _("已签名链头")

    def __str__(self) -> str:
        return f"{self.day} {self.count} {self.hash[:12]}"


class OutboxMessage(models.Model):
    """A task to enqueue, written in the caller's transaction. It is sent after commit; if the
    broker is down the row stays and the relay sends it later, so no task is lost."""

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    queue = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs}"


class WorkingDayOverride(BaseModel):
    """A date whose status the holiday package does not know yet (next year's schedule,
    published by the State Council each November) or gets wrong; it wins over the package.
    Read through core.dates.is_working_day only (docs/calendar.md)."""

    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("工作日"), help_text=_("勾选：当天上班（含调休上班）；不勾选：当天休息（节假日）。")
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("例如“2027 春节”。"))
    note = models.CharField(_("依据"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最后修改人"),
    )

    class Meta:
        ordering = ["day"]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self) -> str:
        kind = _("上班") if self.is_working_day else _("休息")
        return f"{self.day} {self.name}（{kind}）"


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队")
    RUNNING = "running", _("运行中")
    DONE = "done", _("完成")
    FAILED = "failed", _("失败")


class JobRun(BaseModel):
    """One run of a scheduled job: asked for by an administrator in the admin ("run now"), by
    the embedded default's own timer, or — for a long job cut into chunks (core.chunks) — by
    its schedule too. A chunked run keeps where it stands (`cursor`, `done` of `total`,
    `chunks` committed), each chunk saved with the chunk's own writes, so that it can resume
    after a failure or a lost worker and the administrator can watch it."""

    job = models.CharField(_("任务"), max_length=100)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)
    total = models.PositiveBigIntegerField(_("总数"), null=True, blank=True)
    done = models.PositiveBigIntegerField(_("已完成"), default=0)
    chunks = models.PositiveIntegerField(_("已完成分块"), default=0)
    cursor = models.JSONField(_("续跑位置"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    progressed_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    ok = models.BooleanField(_("成功"), null=True)
    outcome = models.TextField(_("结果"), blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("后台任务运行")
        verbose_name_plural = _("后台任务运行")

    def __str__(self) -> str:
        return f"{self.job} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int | None:
        """Whole per cent done; None while the size of the job is not known."""
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return None
        return min(100, self.done * 100 // self.total)


class DownloadState(models.TextChoices):
    QUEUED = "queued", _("排队")
    RUNNING = "running", _("生成中")
    READY = "ready", _("可下载")
    FAILED = "failed", _("失败")


class Download(models.Model):
    """A file made on a worker for the person who asked for it: an Excel export of a list or a
    PDF report that may take longer than a request may last (docs/architecture.md, "Exports and
    documents"). `kind` names the maker registered in core.downloads; `params` is what the maker
    needs to make the same file the page showed (the page's query, the address of the site for
    links). Only its owner sees it; it is deleted DOWNLOAD_KEEP_DAYS after it was asked for."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("申请人"),
    )
    kind = models.CharField(_("文件类型"), max_length=60)
    title = models.CharField(_("文件"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    language = models.CharField(_("语言"), max_length=10)
    # the owner, kind, params and language hashed: the same request twice is the same file
    key = models.CharField(max_length=64)
    state = models.CharField(
        _("状态"), max_length=10, choices=DownloadState.choices, default=DownloadState.QUEUED
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to="downloads/%Y/%m/", blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导出文件")
        verbose_name_plural = _("导出文件")
        indexes = [models.Index(fields=["owner", "-created_at"], name="download_owner_newest")]
        constraints = [
            # one file in the making per request: a second click waits for the first
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(state__in=["queued", "running"]),
                name="download_one_in_making",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def pending(self) -> bool:
        return self.state in (DownloadState.QUEUED, DownloadState.RUNNING)
