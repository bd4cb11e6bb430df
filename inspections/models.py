"""Site supervision records. So far: the contractor's progress reports (进度报送)."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel


class ProgressReport(BaseModel):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE,
                                related_name="progress_reports")
    percent = models.DecimalField(_("完成百分比"), max_digits=5, decimal_places=2,
                                  validators=[MinValueValidator(0), MaxValueValidator(100)])
    text = models.TextField(_("进度说明"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("进度报送")
        verbose_name_plural = _("进度报送")
        constraints = [models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100),
                                              name="progress_percent_0_100")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.percent}%"
