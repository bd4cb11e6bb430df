"""The audit chain in the admin: readable, never editable."""

from django.contrib import admin
from django.db import transaction

from .events import admin_deleted_event, admin_saved_event
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
    """Admin writes go into the audit chain too (the admin wraps them in a transaction):
    one event per save or deletion, typed admin.created/changed/deleted with the model in
    object_type.

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
        admin_saved_event(
            actor=request.user, obj=obj, created=not change, before=before, after=after
        )

    def delete_model(self, request, obj):
        admin_deleted_event(actor=request.user, objects=[obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """The "delete selected" action: one event for the whole selection, in one transaction
        (the action, unlike the delete page, opens none of its own)."""
        with transaction.atomic():
            objects = list(queryset)
            admin_deleted_event(actor=request.user, objects=objects)
            for obj in objects:
                super().delete_model(request, obj)
