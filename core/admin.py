"""The audit chain in the admin (readable, never editable), the audited admin base, and the
working-day overrides of the calendar."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .chunks import job_resume
from .dates import covered_years
from .events import admin_deleted_event, admin_saved_event
from .jobs import job_choices, job_request
from .models import AuditEvent, AuditHead, JobRun, WorkingDayOverride


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
        "chain",
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
    list_display = ("taken_at", "count", "hash", "intact", "broken_chain", "broken_seq", "since")


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin writes go into the audit chain too (the admin wraps them in a transaction):
    one event per save or deletion, typed admin.created/changed/deleted with the model in
    object_type (a subclass may record its own verbs: `record_saved`).

    Before and after are the stored values of the changed fields, many-to-many ones (groups,
    permissions) as names, and the inline rows added, changed or deleted; never secrets.
    """

    audit_hidden_fields = ("password",)

    def _stored(self, obj, names) -> dict:
        names = [n for n in names if n not in self.audit_hidden_fields]
        if obj.pk is None:
            return {}
        concrete = {f.name: f.attname for f in obj._meta.concrete_fields}
        fields = [concrete[n] for n in names if n in concrete]
        stored = (
            (type(obj)._default_manager.filter(pk=obj.pk).values(*fields).first() or {})
            if fields
            else {}
        )
        many = {f.name for f in obj._meta.many_to_many}
        for name in names:
            if name in many:
                stored[name] = sorted(str(o) for o in getattr(obj, name).all())
        return stored

    def save_model(self, request, obj, form, change):
        # Read before the form's many-to-many and inline rows are saved (save_related).
        form._audit_before = self._stored(obj, form.changed_data) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """The event is recorded once everything of the save is stored: the object, its
        many-to-many fields and its inline rows (the change page and list both call this)."""
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(form, "_audit_before", {})
        after = self._stored(obj, form.changed_data)
        # A field the form saw as changed but stored as it was (a time shown to the second)
        # did not change.
        for name in [n for n in before if n in after and before[n] == after[n]]:
            del before[name], after[name]
        related = _inline_changes(formsets)
        if related:
            after["related"] = related
        self.record_saved(
            request,
            obj,
            created=not change,
            before=before,
            after=after,
        )

    def record_saved(self, request, obj, *, created: bool, before: dict, after: dict) -> None:
        admin_saved_event(actor=request.user, obj=obj, created=created, before=before, after=after)

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


def _inline_changes(formsets) -> list[dict]:
    """What the save did to inline rows (a company's staff register), after formset.save()."""
    rows: list[dict] = []

    def row(change, obj, fields=None):
        entry = {"change": change, "model": obj._meta.label_lower, "name": str(obj)[:200]}
        if fields:
            entry["fields"] = list(fields)
        rows.append(entry)

    for formset in formsets or ():
        for obj in getattr(formset, "new_objects", []):
            row("added", obj)
        for obj, fields in getattr(formset, "changed_objects", []):
            row("changed", obj, fields)
        for obj in getattr(formset, "deleted_objects", []):
            row("deleted", obj)
    return rows


@admin.register(WorkingDayOverride)
class WorkingDayOverrideAdmin(AuditedModelAdmin):
    """Dates the holiday package does not know yet, or gets wrong (docs/calendar.md)."""

    list_display = ("day", "is_working_day", "name", "note", "updated_by", "updated_at")
    list_filter = ("is_working_day",)
    search_fields = ("name", "note")
    date_hierarchy = "day"
    exclude = ("created_by", "updated_by")

    def changelist_view(self, request, extra_context=None):
        years = covered_years()
        extra_context = {
            **(extra_context or {}),
            "subtitle": _("节假日程序包已含 %(first)s–%(last)s 年安排；其他年份请在此录入。")
            % {"first": years.start, "last": years.stop - 1},
        }
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """The runs of jobs: those asked for outside the schedule, and every run of a long job cut
    into chunks, with its progress. "立即运行" runs any scheduled job now; "续跑" resumes a
    failed or stalled long job from where it stopped. Both are recorded in the audit chain
    (core.jobs, core.chunks)."""

    list_display = (
        "job",
        "state",
        "progress",
        "requested_by",
        "started_at",
        "progressed_at",
        "finished_at",
        "short_error",
    )
    list_filter = ("job", "state")
    list_select_related = ("requested_by",)
    readonly_fields = ("progress",)
    actions = ("resume",)
    change_list_template = "admin/core/jobrun/change_list.html"

    @admin.display(description=gettext_lazy("进度"))
    def progress(self, run: JobRun) -> str:
        if run.percent is None:
            return format_html("{}", run.done or "—")
        return format_html(
            '<progress value="{}" max="100"></progress> {} / {} ({}%)',
            run.percent,
            run.done,
            run.total,
            run.percent,
        )

    @admin.display(description=gettext_lazy("错误"))
    def short_error(self, run: JobRun) -> str:
        return run.error.splitlines()[0][:120] if run.error else ""

    def has_resume_permission(self, request) -> bool:
        return request.user.is_superuser

    @admin.action(description=gettext_lazy("从中断处续跑所选长任务"), permissions=["resume"])
    def resume(self, request, queryset):
        for run in queryset:
            try:
                job_resume(actor=request.user, run_id=run.pk)
            except ValidationError as exc:
                messages.error(request, f"{run}: {' '.join(exc.messages)}")
            else:
                messages.success(
                    request,
                    _("已续跑：%(run)s，从 %(done)s / %(total)s 处继续")
                    % {"run": run, "done": run.done, "total": run.total},
                )

    def get_urls(self):
        run = self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.run_view))
        return [path("run/", run, name="core_jobrun_run"), *super().get_urls()]

    def run_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        if request.method == "POST":
            try:
                run = job_request(actor=request.user, job=request.POST.get("job", ""))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("已开始运行：%(job)s") % {"job": run.job})
                return redirect(reverse("admin:core_jobrun_changelist"))
        return TemplateResponse(
            request,
            "admin/core/jobrun/run.html",
            {
                **self.admin_site.each_context(request),
                "title": _("立即运行后台任务"),
                "jobs": job_choices(),
                "opts": self.model._meta,
            },
        )
