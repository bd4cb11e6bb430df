from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("审批与采购")

    def ready(self) -> None:
        from core.signals import evidence_flagged
        from projects import routing
        from projects.panels import register

        from .panels import approval_panel
        from .receivers import record_evidence_flag
        from .routes import ROUTES

        evidence_flagged.connect(record_evidence_flag, dispatch_uid="approvals.evidence_flag")
        # The Project state machine (in projects, below us) reads the route from here on.
        routing.install(ROUTES)
        register(approval_panel, order=10)
