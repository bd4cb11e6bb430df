"""Ledger item sources and states, warning colours, check results."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemSource(models.TextChoices):
    SPOT_CHECK = "spot_check", _("质量抽检")
    PATROL_LOG = "patrol_log", _("巡查记录")
    COMPLAINT = "complaint", _("群众举报")
    LOW_RATING = "low_rating", _("低分复核")
    INSPECTION_ROUND = "inspection_round", _("巡察反馈")
    OTHER = "other", _("其他")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    RECTIFYING = "rectifying", _("整改中")
    SUBMITTED = "submitted", _("已提交待销号")
    CLOSED = "closed", _("已销号")
