"""The admin edits the leads' time limits (effective-dated, audited); leads are worked on their
pages."""

from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import LeadPolicy


@admin.register(LeadPolicy)
class LeadPolicyAdmin(AuditedModelAdmin):
    list_display = ("effective_from", "preliminary_working_days", "note")

    def has_delete_permission(self, request, obj=None):
        return False  # a lead's limit must stay explainable with the policy it was opened under
