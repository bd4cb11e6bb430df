"""Tier policies are managed by the administrator: added, never edited (effective-dated)."""

from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import StartPolicy, TierPolicy


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


@admin.register(StartPolicy)
class StartPolicyAdmin(AuditedModelAdmin):
    """开工条件 (docs/rules.md §3): added, never edited; the one in force on the day applies."""

    list_display = (
        "effective_from",
        "permit_from",
        "eia_categories",
        "dust_categories",
        "wage_required",
        "safety_briefing_required",
        "note",
    )
    exclude = ("created_by",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
