"""Users, organisations and API tokens, managed by the platform administrator; every change
audited (accounts.services), no password, hash or token ever shown or recorded."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from core.admin import AuditedModelAdmin

from .models import ApiToken, CompanyStaff, Organisation, Region, User
from .selectors import max_expiry_of
from .services import tokens_revoke_in_admin, user_password_set_in_admin, user_saved_in_admin


class CompanyStaffInline(admin.TabularInline):
    model = CompanyStaff
    extra = 1
    fields = ("name", "position", "certificate_no", "phone", "is_active")


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    inlines = [CompanyStaffInline]
    list_display = ("name", "kind", "region", "credit_code", "credit_status", "is_active")
    list_filter = ("kind", "credit_status", "is_active")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    search_fields = ("name", "credit_code")
    # Credit standing is written by the credit rules, never by hand.
    readonly_fields = ("credit_status",)


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    """The province's cities and districts (docs/province.md)."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    list_select_related = ("parent",)
    search_fields = ("code", "name")


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

    def record_saved(self, request, obj, *, created, before, after):
        user_saved_in_admin(
            actor=request.user, user=obj, created=created, before=before, after=after
        )

    def user_change_password(self, request, id, form_url=""):
        """Django's password page writes no event of its own: the new hash tells that the form
        was saved (a new salt each time, or the unusable mark), and the act is recorded in the
        same transaction, the user's tokens revoked."""
        with transaction.atomic():
            user = self.get_object(request, unquote(id))  # None: Django's page answers 404
            before = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and user is not None:
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    user_password_set_in_admin(actor=request.user, user=user)
        return response


# django-rest-knox registers an admin that mints a token for any user and shows it: an
# administrator could then act as that user, and the chain would name the user. Tokens are made
# only by their owner's log-in (accounts.services.token_issue); here they are listed and revoked.
admin.site.unregister(AuthToken)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "public_id", "created", "expiry", "max_expiry")
    list_display_links = None
    list_select_related = ("user",)
    search_fields = ("user__username", "user__last_name", "user__first_name")
    fields = ("user", "public_id", "created", "expiry", "max_expiry")
    readonly_fields = fields

    @admin.display(description=_("编号"))
    def public_id(self, obj):
        return obj.public_id

    @admin.display(description=_("最晚到期时间"))
    def max_expiry(self, obj):
        return max_expiry_of(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        tokens_revoke_in_admin(actor=request.user, tokens=[obj])

    def delete_queryset(self, request, queryset):
        tokens_revoke_in_admin(actor=request.user, tokens=list(queryset.select_related("user")))
