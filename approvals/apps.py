from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("审批与采购")

    def ready(self) -> None:
        from projects.panels import register

        from .panels import approval_panel

        register(approval_panel, order=10)
