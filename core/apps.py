from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from .events import autodiscover
        from .security import connect_signals

        connect_signals()
        autodiscover()
