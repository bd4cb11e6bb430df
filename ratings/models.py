"""The residents' side: a project's public token, ratings (居民扫码评价) and their moderation,
reports (举报) and the review (复核) opened by a low mean score."""
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel

from .choices import RatingStatus


def new_public_token() -> str:
    return secrets.token_urlsafe(16)


class PublicPage(BaseModel):
    """The unguessable token behind a project's QR code (阳光公示)."""

    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE,
                                   related_name="public_page")
    token = models.CharField(max_length=32, unique=True, default=new_public_token)

    class Meta:
        verbose_name = _("公示页")
        verbose_name_plural = _("公示页")

    def __str__(self) -> str:
        return self.token


class Rating(BaseModel):
    """One resident's score. Only `counted` ratings enter the mean; a held rating waits for a
    moderator, who keeps the original text and records the decision."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE,
                                related_name="ratings")
    score = models.PositiveSmallIntegerField(
        _("总体评分"), validators=[MinValueValidator(0), MaxValueValidator(100)])
    quality = models.PositiveSmallIntegerField(
        _("质量"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    progress = models.PositiveSmallIntegerField(
        _("进度"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)])
    civility = models.PositiveSmallIntegerField(
        _("文明施工"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)])
    comment = models.TextField(_("评语"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=RatingStatus.choices,
                              default=RatingStatus.COUNTED, db_index=True)
    flags = models.JSONField(_("异常标记"), default=list, blank=True)
    device = models.CharField(max_length=64)  # the signed cookie's random id
    network = models.CharField(max_length=64, db_index=True)  # /24 (IPv4) or /48 (IPv6)
    comment_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_hash = models.CharField(max_length=64, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("居民评价")
        verbose_name_plural = _("居民评价")
        constraints = [
            models.UniqueConstraint(fields=["project", "device"], name="one_rating_per_device"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100),
                                   name="rating_score_0_100"),
        ]
        indexes = [models.Index(fields=["project", "status"]),
                   models.Index(fields=["network", "created_at"])]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.score}"
