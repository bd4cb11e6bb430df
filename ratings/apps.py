from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("群众评价")

    def ready(self) -> None:
        from projects.panels import register

        from .panels import residents_panel

        register(residents_panel, order=40)
