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
        self._connect_calendar()

    def _connect_calendar(self) -> None:
        """Overrides are cached per process: forget them when one changes, and look for a
        change made by another process at the start of each request and task."""
        from celery.signals import task_prerun
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from .dates import check_generation, forget_overrides
        from .models import WorkingDayOverride

        post_save.connect(forget_overrides, sender=WorkingDayOverride, dispatch_uid="calendar-save")
        post_delete.connect(
            forget_overrides, sender=WorkingDayOverride, dispatch_uid="calendar-del"
        )
        request_started.connect(check_generation, dispatch_uid="calendar-request")
        task_prerun.connect(check_generation, dispatch_uid="calendar-task")
