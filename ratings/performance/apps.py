from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    """Quarterly performance scoring, credit and blacklists, risk colours and warnings. A
    sub-app of ratings/ (评价 in every sense) with its own label and migrations, so that the
    residents' side and the scoring side can change their tables independently."""

    name = "ratings.performance"
    label = "performance"
    verbose_name = _("绩效与信用")
