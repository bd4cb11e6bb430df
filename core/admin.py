"""The audit chain in the admin: readable, never editable."""

from django.contrib import admin

from .audit import record_event
from .models import AuditEvent, AuditHead


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "created_at",
        "actor_name",
        "organisation_name",
        "verb",
        "object_type",
        "object_id",
    )
    list_filter = ("verb", "object_type")
    search_fields = ("object_id", "actor_name", "object_repr")


@admin.register(AuditHead)
class AuditHeadAdmin(ReadOnlyAdmin):
    list_display = ("taken_at", "seq", "hash", "intact", "broken_seq")


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin writes go into the audit chain too (the admin wraps them in a transaction).

    Before and after are the stored values of the changed fields, never secrets.
    """

    audit_hidden_fields = ("password",)

    def _stored(self, obj, names) -> dict:
        concrete = {f.name: f.attname for f in obj._meta.concrete_fields}
        fields = [concrete[n] for n in names if n in concrete and n not in self.audit_hidden_fields]
        if not fields or obj.pk is None:
            return {}
        return type(obj)._default_manager.filter(pk=obj.pk).values(*fields).first() or {}

    def save_model(self, request, obj, form, change):
        before = self._stored(obj, form.changed_data) if change else {}
        super().save_model(request, obj, form, change)
        after = self._stored(obj, form.changed_data)
        verb = f"{obj._meta.model_name}.{'changed' if change else 'created'}_in_admin"
        record_event(actor=request.user, verb=verb, obj=obj, before=before, after=after)

    def delete_model(self, request, obj):
        record_event(actor=request.user, verb=f"{obj._meta.model_name}.deleted_in_admin", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
