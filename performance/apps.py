from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    """Quarterly performance scoring, credit and blacklists, risk colours and warnings: the
    layer above projects, approvals, inspections and ratings, which it reads and which never
    import it (they announce changes through core.signals)."""

    name = "performance"
    label = "performance"
    verbose_name = _("绩效与信用")

    def ready(self) -> None:
        from core.signals import project_changed, project_decided

        from .hooks import on_project_changed, on_project_decided

        project_changed.connect(on_project_changed, dispatch_uid="performance.project_changed")
        project_decided.connect(on_project_decided, dispatch_uid="performance.project_decided")
