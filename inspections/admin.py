"""The admin edits the spot-check rates (effective-dated, audited); plans are drawn on their page."""

from django.contrib import admin

from core.admin import AuditedModelAdmin

from .models import SpotCheckPolicy, VideoPolicy


@admin.register(SpotCheckPolicy)
class SpotCheckPolicyAdmin(AuditedModelAdmin):
    list_display = ("effective_from", "red_rate", "yellow_rate", "green_rate", "note")

    def has_delete_permission(self, request, obj=None):
        return False  # a past plan must stay explainable with the rates it was drawn under


@admin.register(VideoPolicy)
class VideoPolicyAdmin(AuditedModelAdmin):
    list_display = ("effective_from", "max_seconds", "max_megabytes", "note")

    def has_delete_permission(self, request, obj=None):
        return False  # a refused clip must stay explainable with the limits in force then
