"""Ledger item sources and states, warning colours, check results."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemSource(models.TextChoices):
    SPOT_CHECK = "spot_check", _("质量抽检")
    PATROL_LOG = "patrol_log", _("巡查记录")
    COMPLAINT = "complaint", _("群众举报")
    LOW_RATING = "low_rating", _("低分复核")
    INSPECTION_ROUND = "inspection_round", _("巡察反馈")
    SCHEDULE = "schedule", _("工期滞后")
    VILLAGE_SUPERVISOR = "village_supervisor", _("村民监督员")
    OTHER = "other", _("其他")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("已提交待销号")
    CLOSED = "closed", _("已销号")


class RectificationMode(models.TextChoices):
    """立行立改: fixed at once, one piece of evidence; 分阶段: staged targets, each with its date
    and evidence, before the final evidence (seed 003)."""

    IMMEDIATE = "immediate", _("立行立改")
    STAGED = "staged", _("分阶段整改")


# Items that need a third-party assessor's sign-off before 销号 (docs/rules.md §5): those from a
# 巡察 or a resident's report, and any that went red (evidence after the deadline, or none yet).
SERIOUS_SOURCES = ("inspection_round", "complaint")


class DuplicateHow(models.TextChoices):
    """How a photo matched an earlier one (docs/rules.md §9)."""

    SAME_FILE = "file", _("同一文件")
    SIMILAR = "similar", _("画面近似")
    TURNED = "turned", _("镜像或旋转后近似")
    CROPPED = "cropped", _("裁剪后近似")
