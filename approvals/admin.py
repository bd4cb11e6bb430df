"""The 定点采购 framework list (docs/rules.md §2), kept by the administrator for the 住建局:
each entry is a contractor admitted for a period by its own procurement (the reference)."""

from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import FrameworkAgreement


@admin.register(FrameworkAgreement)
class FrameworkAgreementAdmin(AuditedModelAdmin):
    list_display = ("supplier", "reference", "valid_from", "valid_to", "scope")
    list_filter = ("valid_to",)
    search_fields = ("supplier__name", "reference")
    autocomplete_fields = ("supplier",)

    def has_delete_permission(self, request, obj=None):
        # An agreement works were called off from stays on record; end it by its date instead.
        return False
