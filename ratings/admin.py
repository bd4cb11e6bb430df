"""The administrator edits the rating policy (effective-dated: a change is a new row) and the
per-project switch that requires the SMS phone check; every change is audited."""

from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import PhoneCheckRequirement, RatingPolicy


@admin.register(RatingPolicy)
class RatingPolicyAdmin(AuditedModelAdmin):
    list_display = (
        "effective_from",
        "open_days",
        "review_below",
        "review_min_count",
        "network_burst",
        "project_burst",
        "fresh_device_per_network",
    )

    def has_change_permission(self, request, obj=None):
        # Past screenings and reviews stay explainable by the rules they ran under.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PhoneCheckRequirement)
class PhoneCheckRequirementAdmin(AuditedModelAdmin):
    """Switch the SMS check on for a project whose ratings must count (a contested project, a
    campaign seen): from then on one rating per phone, whatever the device or network. Takes
    effect within half a minute (ratings.selectors.FACTS_TTL)."""

    list_display = ("project", "required", "reason", "updated_at")
    list_filter = ("required",)
    list_select_related = ("project",)
    raw_id_fields = ("project",)
    search_fields = ("project__name", "project__code")
