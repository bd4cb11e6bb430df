"""The admin edits the policy (weights and credit rules, effective-dated; every change is a new
row and audited); everything else is written by the jobs and services and only read here."""

from django.contrib import admin

from core.admin import AuditedModelAdmin, ReadOnlyAdmin

from .models import (
    Blacklisting,
    CompanyScore,
    CreditDeduction,
    FalseReport,
    PerformancePolicy,
    RedListing,
    ScoringPeriod,
    Suspension,
)


@admin.register(PerformancePolicy)
class PerformancePolicyAdmin(AuditedModelAdmin):
    list_display = (
        "effective_from",
        "weight_quality",
        "weight_satisfaction",
        "weight_funds",
        "weight_schedule",
        "weight_budget",
        "min_projects",
        "min_checks",
        "bottom_share",
        "patrol_warn",
        "patrol_blacklist",
    )

    def has_delete_permission(self, request, obj=None):
        # A past quarter must stay explainable with the rules it was scored under.
        return False


@admin.register(ScoringPeriod)
class ScoringPeriodAdmin(ReadOnlyAdmin):
    list_display = ("quarter", "starts_on", "ends_on", "scored_at", "digest")


@admin.register(CompanyScore)
class CompanyScoreAdmin(ReadOnlyAdmin):
    list_display = ("period", "organisation", "kind", "score", "rank", "bottom")
    list_filter = ("period", "kind", "bottom")
    list_select_related = ("period", "organisation")


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "period", "starts_on", "ends_on", "status")
    list_filter = ("status",)


@admin.register(Blacklisting)
class BlacklistingAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "rule", "starts_on", "ends_on", "lifted_at")
    list_filter = ("rule",)


@admin.register(CreditDeduction)
class CreditDeductionAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "rule", "points", "day", "withdrawn_at")
    list_filter = ("rule",)


@admin.register(FalseReport)
class FalseReportAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "confirmed_on", "confirmed_by")


@admin.register(RedListing)
class RedListingAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "period", "starts_on", "ends_on", "ended_because")
    list_filter = ("ended_because",)
