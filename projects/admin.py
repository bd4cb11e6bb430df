"""Tier policies are managed by the administrator: added, never edited (effective-dated)."""

from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import TierPolicy


@admin.register(TierPolicy)
class TierPolicyAdmin(AuditedModelAdmin):
    list_display = ("effective_from", "general_from", "major_from", "note", "created_by")
    exclude = ("created_by",)

    def has_change_permission(self, request, obj=None):
        # A project keeps the policy in force when it was filed: a new rule is a new row.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
