"""Flags for discipline officers, procurement records (lottery, tender, direct award) and
design changes."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel

from .choices import ChangeStatus, FlagKind, LotteryParty


class Flag(BaseModel):
    """Something a discipline officer should look at, with the evidence that raised it."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("类型"), max_length=20, choices=FlagKind.choices)
    key = models.CharField(max_length=100, help_text="what makes two flags the same")
    summary = models.CharField(_("说明"), max_length=500)
    related_project_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警标记")
        verbose_name_plural = _("预警标记")
        constraints = [
            models.UniqueConstraint(fields=["project", "kind", "key"], name="flag_once_per_cause")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"


class Lottery(BaseModel):
    """一般类 selection: two shortlisted contractors, one drawn by a committed seed.

    The seed's SHA-256 is published when the shortlist is recorded; the seed itself only after
    the draw. winner = shortlist[int(SHA-256(seed + "|" + codes joined by "|"), 16) mod 2].
    """

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="lottery"
    )
    shortlist = models.JSONField(_("备选单位（按顺序）"), help_text="[{id, name, credit_code}]")
    seed_hash = models.CharField(_("种子哈希"), max_length=64)
    seed = models.CharField(_("种子"), max_length=64)
    seed_revealed = models.BooleanField(default=False)
    winner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drawn_at = models.DateTimeField(null=True, blank=True)
    # Commit–reveal (approvals/lottery.py): the reveals' seed and who the platform replaced.
    reveal_by = models.DateTimeField(_("揭示截止"), null=True, blank=True)
    draw_seed = models.CharField(_("抽签种子（由各方揭示值生成）"), max_length=64, blank=True)
    replaced = models.JSONField(_("未按时揭示、由平台替代的一方"), default=list, blank=True)

    class Meta:
        verbose_name = _("抽签")
        verbose_name_plural = _("抽签")

    def __str__(self) -> str:
        return f"{self.project_id} {self.seed_hash[:12]}"


class Tender(BaseModel):
    """重大类 selection: the public tender record."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="tender"
    )
    notice_date = models.DateField(_("招标公告日期"))
    notice_reference = models.CharField(_("公告编号/链接"), max_length=300, blank=True)
    winner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("中标单位"),
    )
    reason = models.TextField(_("评标结论"))
    documents = models.FileField(_("招标文件"), upload_to="tenders/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("招标记录")
        verbose_name_plural = _("招标记录")

    def __str__(self) -> str:
        return f"{self.project_id} {self.notice_date}"


class TenderBid(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="bids")
    bidder = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("投标单位"),
    )
    amount = models.DecimalField(_("投标报价（元）"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["amount", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "bidder"], name="one_bid_per_bidder"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bid_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.bidder_id} {self.amount}"


class DirectAward(BaseModel):
    """简易类 selection: a qualified contractor chosen directly, with the reason recorded."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="direct_award"
    )
    contractor = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("施工单位"),
    )
    reason = models.TextField(_("委托理由"))
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("直接委托")
        verbose_name_plural = _("直接委托")

    def __str__(self) -> str:
        return f"{self.project_id} → {self.contractor_id}"


class ChangeOrder(BaseModel):
    """设计变更: an amount delta with reasons and drawings, approved at the project's level."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="change_orders"
    )
    amount_delta = models.DecimalField(_("变更金额（元）"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("变更理由"))
    drawings = models.FileField(_("变更图纸"), upload_to="changes/%Y/%m/", blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("设计变更")
        verbose_name_plural = _("设计变更")
        constraints = [models.CheckConstraint(condition=~Q(amount_delta=0), name="change_not_zero")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.amount_delta:+}"


class ScheduleExtension(BaseModel):
    """工期延期: a later planned end, with reasons, approved at the level that approved the
    project (as a change is) and never by the one who asked (docs/rules.md §9)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="extensions"
    )
    old_end = models.DateField(_("原计划完工"))
    new_end = models.DateField(_("申请延至"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("工期延期")
        verbose_name_plural = _("工期延期")
        constraints = [
            models.CheckConstraint(condition=Q(new_end__gt=F("old_end")), name="extension_later"),
            # one pending request a project at a time (a double click answers like the first)
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="pending"),
                name="extension_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.old_end} → {self.new_end}"


class LotteryContribution(BaseModel):
    """One party's part in a draw: the SHA-256 of a secret committed first, the secret revealed
    after every party has committed (approvals/lottery.py)."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="contributions")
    party = models.CharField(_("参与方"), max_length=12, choices=LotteryParty.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    commitment = models.CharField(_("承诺值（SHA-256）"), max_length=64)
    reveal = models.CharField(_("揭示值"), max_length=200, blank=True)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lottery", "party"]
        verbose_name = _("抽签承诺")
        verbose_name_plural = _("抽签承诺")
        constraints = [
            models.UniqueConstraint(fields=["lottery", "party"], name="lottery_one_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.lottery_id} {self.party}"


class Consultation(BaseModel):
    """B类 竞争性磋商 (docs/rules.md §2): at least three suppliers' quotes scored by a panel of at
    least three (an odd number), the supplier with the highest score chosen; recorded like a
    tender."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="consultation"
    )
    notice_date = models.DateField(_("磋商公告日期"))
    notice_reference = models.CharField(_("公告编号/链接"), max_length=300, blank=True)
    panel = models.JSONField(_("磋商小组成员"), help_text="[name, …]")
    winner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("成交供应商"),
    )
    reason = models.TextField(_("磋商结论"))
    documents = models.FileField(_("磋商文件"), upload_to="consultations/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("竞争性磋商记录")
        verbose_name_plural = _("竞争性磋商记录")

    def __str__(self) -> str:
        return f"{self.project_id} {self.notice_date}"


class ConsultationQuote(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="quotes")
    supplier = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("供应商"),
    )
    amount = models.DecimalField(_("最后报价（元）"), max_digits=14, decimal_places=2)
    score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-score", "amount", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "supplier"], name="one_quote_per_supplier"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="quote_positive"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="quote_score_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.amount} {self.score}"


class FrameworkAgreement(BaseModel):
    """定点采购名录: a contractor admitted to the district's framework list for a period, by a
    procurement of its own (its reference). B类 works may be called off from it."""

    supplier = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="framework_agreements",
        limit_choices_to={"kind": "contractor"},
        verbose_name=_("定点供应商"),
    )
    reference = models.CharField(_("入围文号"), max_length=100)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"))
    scope = models.CharField(_("服务范围"), max_length=200, blank=True)

    class Meta:
        ordering = ["-valid_to", "id"]
        verbose_name = _("定点采购名录")
        verbose_name_plural = _("定点采购名录")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=F("valid_from")), name="framework_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.valid_from}–{self.valid_to}"


class FrameworkOrder(BaseModel):
    """B类 定点采购: the works called off from a framework agreement in force, with the reason."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="framework_order"
    )
    agreement = models.ForeignKey(
        FrameworkAgreement,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("定点采购名录"),
    )
    reason = models.TextField(_("选定理由"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("定点采购记录")
        verbose_name_plural = _("定点采购记录")

    def __str__(self) -> str:
        return f"{self.project_id} → {self.agreement_id}"
