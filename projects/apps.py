from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("项目")

    def ready(self) -> None:
        from .class_panel import class_panel
        from .funds_panel import funds_panel
        from .panels import register
        from .start_panel import start_panel

        register(class_panel, order=15)
        register(start_panel, order=20)
        register(funds_panel, order=50)
