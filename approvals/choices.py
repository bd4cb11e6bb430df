"""Kinds of flags raised for discipline officers, and change-order states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FlagKind(models.TextChoices):
    SPLIT = "split", _("疑似化整为零")
    WEAK_PROCUREMENT = "weak_procurement", _("采购方式低于类别要求")
    LARGE_CHANGE = "large_change", _("累计变更超过合同额10%")
    PHOTO_FAR = "photo_far", _("照片拍摄位置远离现场")
    PHOTO_TIME = "photo_time", _("照片拍摄时间与上传不符")
    PHOTO_EDITED = "photo_edited", _("照片经编辑软件处理")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class LotteryParty(models.TextChoices):
    """The parties of a draw, in the order their reveals make the seed (approvals/lottery.py)."""

    DEPT = "dept", _("区住建局")
    DISCIPLINE = "discipline", _("纪检监察")
