"""Users and organisations, managed by the platform administrator; every change audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin

from .models import CompanyStaff, Organisation, User


class CompanyStaffInline(admin.TabularInline):
    model = CompanyStaff
    extra = 1
    fields = ("name", "position", "certificate_no", "phone", "is_active")


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    inlines = [CompanyStaffInline]
    list_display = ("name", "kind", "credit_code", "credit_status", "is_active")
    list_filter = ("kind", "credit_status", "is_active")
    search_fields = ("name", "credit_code")
    # Credit standing is written by the credit rules, never by hand.
    readonly_fields = ("credit_status",)


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    list_display = ("username", "get_full_name", "organisation", "role", "is_active")
    list_filter = ("role", "organisation__kind", "is_active")
    list_select_related = ("organisation",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("单位与角色"), {"fields": ("organisation", "role", "phone")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("单位与角色"), {"fields": ("organisation", "role")}),
    )
