"""States of a resident's rating and the reasons a rating is held for moderation."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RatingStatus(models.TextChoices):
    PENDING = "pending", _("待核验")
    COUNTED = "counted", _("计入")
    HELD = "held", _("待审核")
    REJECTED = "rejected", _("不计入")


class RatingFlag(models.TextChoices):
    NETWORK_BURST = "network_burst", _("同一网络短时间集中评价")
    COPIED_TEXT = "copied_text", _("评语雷同")
    PROJECT_BURST = "project_burst", _("同一项目短时间内集中评价")
    DEVICE_REPEAT = "device_repeat", _("同一网络重复的新设备评价")


class ReportOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("查实")
    UNFOUNDED = "unfounded", _("不实")
