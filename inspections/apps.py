from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("现场监管")

    def ready(self) -> None:
        from projects.panels import register

        from .panels import supervision_panel

        register(supervision_panel, order=30)
