"""The project pages: list, detail with timeline, filing and editing, transitions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Role
from core.errors import ApplicationError
from core.forms import add_service_error
from core.keyset import keyset_page
from core.money import parse_amount
from core.pages import run_and_return
from core.replica import replica_reads

from . import kept_uploads, services
from .choices import REVIEW_STATUSES, ProjectClass, allowed_procurement
from .forms import ProjectForm
from .models import BudgetLine, StartDocument, VillageDecision
from .panels import project_panels
from .permissions import access_attachment, access_project, can_edit_project, can_file_projects
from .selectors import project_list, project_timeline
from .services.classes import COUNTS, DATES

PAGE_SIZE = 25


@replica_reads
@login_required
@require_GET
def project_list_view(request):
    projects, project_filter = project_list(user=request.user, filters=request.GET)
    page = keyset_page(request, projects, page_size=PAGE_SIZE, ordering=("-created_at", "-id"))
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "filter": project_filter,
            "can_file": can_file_projects(request.user),
        },
    )


@login_required
@require_GET
def project_detail_view(request, pk):
    project = access_project(request.user, pk)
    transitions = services.user_transitions(project, request.user)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "timeline": project_timeline(project, request.user),
            "attachments": project.attachments.all(),
            "transitions": transitions,
            "can_edit": can_edit_project(request.user, project),
            "required_procurement": "、".join(
                str(m.label) for m in allowed_procurement(project.tier, project.project_class)
            ),
            "can_set_class": request.user.role == Role.DEPT_REVIEWER
            and project.status in REVIEW_STATUSES,
            "class_choices": ProjectClass.choices,
            "panels": project_panels(request, project),
        },
    )


def _posted_tier(form):
    """After a refused submission, the tier of the amount as typed, so the badge stays beside
    it (docs/rules.md §2); None when nothing usable was typed."""
    if not form.is_bound:
        return None
    try:
        return services.amount_tier_preview(parse_amount(form.data.get("budget_amount", "")))
    except (ValidationError, ApplicationError):
        return None


def _save(request, form, save):
    try:
        return save()
    except (ValidationError, ApplicationError) as exc:
        add_service_error(form, exc)
    return None


@login_required
def project_create_view(request):
    if not can_file_projects(request.user):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, request.FILES or None)
    restored = kept_uploads.restore(request.user, request.POST.getlist("kept_files"))
    if request.method == "POST" and form.is_valid():
        project = _save(
            request,
            form,
            lambda: services.project_create(
                actor=request.user,
                data=form.service_data(),
                attachments=form.attachment_pairs() + [k["pair"] for k in restored],
            ),
        )
        if project:
            kept_uploads.forget(restored)
            messages.success(
                request,
                _("项目已保存为草稿：%(code)s，类别等级：%(tier)s。")
                % {"code": project.code, "tier": project.get_tier_display()},
            )
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "project": None,
            "preview_tier": _posted_tier(form),
            "kept_files": _kept(request, form, restored),
        },
    )


def _kept(request, form, restored: list[dict]) -> list[dict]:
    """After a refusal, the files chosen this time and those kept before, for the next try."""
    if request.method != "POST":
        return []
    for kept in restored:
        kept["pair"][0].close()
    return restored + kept_uploads.keep(request.user, form.attachment_pairs())


@login_required
def project_edit_view(request, pk):
    project = access_project(request.user, pk)
    if not can_edit_project(request.user, project):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, request.FILES or None, instance=project)
    restored = kept_uploads.restore(request.user, request.POST.getlist("kept_files"))
    if request.method == "POST" and form.is_valid():
        saved = _save(
            request,
            form,
            lambda: services.project_update(
                actor=request.user,
                project_id=project.pk,
                data=form.service_data(),
                attachments=form.attachment_pairs() + [k["pair"] for k in restored],
            ),
        )
        if saved:
            kept_uploads.forget(restored)
            messages.success(request, _("已保存。"))
            return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "project": project,
            "preview_tier": _posted_tier(form),
            "kept_files": _kept(request, form, restored),
        },
    )


@login_required
def budget_lines_view(request, pk):
    """预算明细: the bill's summary lines, kept by the filing street office before submitting."""
    project = access_project(request.user, pk)
    if not can_edit_project(request.user, project):
        raise PermissionDenied
    lines = list(project.budget_lines.all())
    if request.method == "POST":
        rows = list(zip(request.POST.getlist("item"), request.POST.getlist("amount"), strict=False))
        try:
            services.budget_lines_set(actor=request.user, project_id=project.pk, lines=rows)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            lines = [BudgetLine(item=i, amount=None) for i, _a in rows]  # kept as typed
            typed = [a for _i, a in rows]
            return render(
                request,
                "projects/budget_lines.html",
                {"project": project, "rows": list(zip(lines, typed, strict=False)) + _blank(3)},
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("预算明细已保存。"))
            return redirect("projects:detail", pk=project.pk)
    rows = [(line, line.amount) for line in lines] + _blank(max(3, 8 - len(lines)))
    return render(request, "projects/budget_lines.html", {"project": project, "rows": rows})


def _blank(n: int) -> list:
    return [(BudgetLine(item=""), "") for _n in range(n)]


@login_required
@require_GET
def tier_preview_view(request):
    """The tier an amount gets, shown while the street office types it (htmx)."""
    tier, error = None, None
    raw = request.GET.get("budget_amount", "")
    if raw.strip():
        try:
            tier = services.amount_tier_preview(parse_amount(raw))
        except ValidationError as exc:
            error = exc.messages[0]
        except ApplicationError as exc:
            error = exc.message
    return render(request, "projects/_tier_preview.html", {"tier": tier, "error": error})


@login_required
@require_GET
def attachment_download_view(request, pk):
    attachment = access_attachment(request.user, pk)
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name
    )


@login_required
@require_POST
def start_document_view(request, pk):
    """开工条件: one document uploaded from the project page (docs/rules.md §3)."""
    try:
        services.start_document_record(
            actor=request.user,
            project_id=pk,
            item=request.POST.get("item", ""),
            upload=request.FILES.get("file"),
            reference=request.POST.get("reference", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("开工条件文件已上传。"))
    return redirect(f"{reverse('projects:detail', args=[pk])}#start-conditions")


@login_required
def start_document_download_view(request, pk, document_id):
    project = access_project(request.user, pk)
    document = get_object_or_404(StartDocument, pk=document_id, project=project)
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name
    )


@login_required
@require_POST
def project_class_view(request, pk):
    """The 住建局 corrects the class of a project under review, with its reason."""
    try:
        services.project_class_set(
            actor=request.user,
            project_id=pk,
            project_class=request.POST.get("project_class", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("项目分类已调整。"))
    return redirect("projects:detail", pk=pk)


def _to_class_panel(pk: int) -> str:
    return f"{reverse('projects:detail', args=[pk])}#class-duties"


@login_required
@require_POST
def village_decision_view(request, pk):
    """C类: the village's 四议两公开 recorded before filing (docs/rules.md §2)."""
    fields = (*DATES, *COUNTS, "village", "proposal")
    return run_and_return(
        request,
        lambda: services.village_decision_record(
            actor=request.user,
            project_id=pk,
            data={name: request.POST.get(name, "") for name in fields},
            decision_photo=request.FILES.get("decision_photo"),
        ),
        _("村级决策记录已保存。"),
        _to_class_panel(pk),
    )


@login_required
@require_POST
def village_result_view(request, pk):
    return run_and_return(
        request,
        lambda: services.village_result_publish(
            actor=request.user,
            project_id=pk,
            published_on=request.POST.get("result_published_on", ""),
            photo=request.FILES.get("result_photo"),
        ),
        _("实施结果公开已记录。"),
        _to_class_panel(pk),
    )


@login_required
@require_POST
def village_set_view(request, pk):
    """Which of the street's villages the works are in (its 村民监督员 follow them)."""
    return run_and_return(
        request,
        lambda: services.project_village_set(
            actor=request.user, project_id=pk, village_id=request.POST.get("village")
        ),
        _("项目所在村（社区）已指定。"),
        _to_class_panel(pk),
    )


@login_required
@require_POST
def tracker_view(request, pk):
    return run_and_return(
        request,
        lambda: services.tracker_set(
            actor=request.user, project_id=pk, tracker_id=request.POST.get("tracker")
        ),
        _("跟踪责任人已指定。"),
        _to_class_panel(pk),
    )


@login_required
@require_GET
def village_photo_view(request, pk, which):
    """A photo of the village's notice board: the decision's or the outcome's."""
    project = access_project(request.user, pk)
    record = get_object_or_404(VillageDecision, project=project)
    photo = record.decision_photo if which == "decision" else record.result_photo
    if which not in ("decision", "result") or not photo:
        raise Http404
    return FileResponse(photo.open("rb"), as_attachment=True)
