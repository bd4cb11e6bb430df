from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("看板")

    def ready(self) -> None:
        from . import downloads  # noqa: F401  (registers the dashboards' files: core.downloads)
