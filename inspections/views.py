"""Site supervision pages: the offline capture pages (patrol log, progress), photos, the
ledger and its actions, spot checks, lab test and acceptance. Each POST calls one service and
returns to the page it came from with the outcome."""

import hashlib
import uuid
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Role
from accounts.models import Organisation
from core.errors import ApplicationError
from core.exports import XLSX, xlsx_file_response
from core.pages import run_and_return
from core.replica import replica_reads
from projects.permissions import access_project

from . import services
from .choices import ItemStatus
from .documents import items_xlsx, plan_xlsx, round_lists_xlsx, round_report_pdf
from .ledger import warning_colour
from .models import InspectionRound, SpotCheckPlan
from .permissions import (
    is_responsible_for,
    may_close_item,
    may_draw_plans,
    may_read_photo_flags,
    may_read_plans,
)
from .selectors import (
    access_photo,
    access_plan,
    access_video,
    capture_projects,
    item_list,
    plan_overview,
    round_overview,
)


def _run(request, project_id, action, success: str):
    if request.POST.get("from") == "capture":
        to = reverse("inspections:capture")
    elif project_id is None:
        to = reverse("inspections:ledger")
    else:
        to = reverse("projects:detail", args=[project_id])
    return run_and_return(request, action, success, to)


# The weather of a patrol log, as the site staff choose it (a short list, not free text).
WEATHERS = [
    gettext_lazy("晴"),
    gettext_lazy("多云"),
    gettext_lazy("阴"),
    gettext_lazy("小雨"),
    gettext_lazy("中雨"),
    gettext_lazy("大雨"),
    gettext_lazy("雷阵雨"),
    gettext_lazy("雾"),
    gettext_lazy("雪"),
]


@login_required
@require_GET
def capture_view(request):
    """The site staff's phone page: the projects under way to choose from, each opening its
    patrol-log or progress form. It works offline (service worker + the browser's outbox)."""
    return render(
        request,
        "inspections/capture.html",
        {
            "projects": capture_projects(user=request.user, now=timezone.now()),
            "today": timezone.localdate(),
            # the server's own bounds and words, checked on the phone before an entry is queued
            "earliest_log_date": timezone.localdate()
            - timedelta(days=services.PATROL_LOG_MAX_AGE_DAYS),
            "log_date_message": _("巡查日期须在最近 %(days)s 天内，且不能晚于今天。")
            % {"days": services.PATROL_LOG_MAX_AGE_DAYS},
            "new_key": uuid.uuid4(),
            "is_supervisor": request.user.role == Role.SUPERVISOR,
            "weathers": WEATHERS,
        },
    )


@require_GET
def capture_manifest_view(request):
    """Public: browsers fetch a manifest without cookies; it holds nothing but names and icons."""
    response = render(
        request, "inspections/capture.webmanifest", content_type="application/manifest+json"
    )
    response["Cache-Control"] = "no-cache"
    return response


SW_VERSION = "@@version@@"


@login_required
@require_GET
def capture_service_worker_view(request):
    """The service worker, rendered so that it knows the (hashed) static URLs it keeps; its
    cache name changes whenever the list does."""
    body = render_to_string("inspections/capture-sw.js", {"version": SW_VERSION}, request=request)
    body = body.replace(SW_VERSION, hashlib.sha256(body.encode()).hexdigest()[:12])
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_POST
def patrol_log_view(request, pk):
    post = request.POST
    return _run(
        request,
        pk,
        lambda: services.patrol_log_record(
            actor=request.user,
            project_id=pk,
            client_key=post.get("client_key", ""),
            log_date=post.get("log_date", ""),
            weather=post.get("weather", ""),
            work_done=post.get("work_done", ""),
            head_count=post.get("head_count", ""),
            safety_notes=post.get("safety_notes", ""),
            quality_notes=post.get("quality_notes", ""),
            photos=request.FILES.getlist("photos"),
            videos=request.FILES.getlist("videos"),
        ),
        _("巡查记录已保存。"),
    )


@login_required
@require_POST
def progress_report_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.progress_report(
            actor=request.user,
            project_id=pk,
            percent=request.POST.get("percent", ""),
            text=request.POST.get("text", ""),
            photos=request.FILES.getlist("photos"),
            videos=request.FILES.getlist("videos"),
            client_key=request.POST.get("client_key") or None,
        ),
        _("进度已报送。"),
    )


@login_required
@require_GET
def video_view(request, video_id, part="playable"):
    """A site clip to anyone who may see the project: the copy without metadata, its poster;
    the original (with the phone's metadata) only to reviewers and discipline officers."""
    video = access_video(request.user, video_id)
    if part == "original" and not may_read_photo_flags(request.user):
        raise PermissionDenied
    file = {"playable": video.playable, "poster": video.poster, "original": video.original}[part]
    response = FileResponse(
        file.open("rb"), content_type="image/jpeg" if part == "poster" else "video/mp4"
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_GET
def photo_view(request, photo_id, original=False):
    """The public copy (no EXIF) to anyone who may see the project; the original only to
    reviewers and discipline officers."""
    photo = access_photo(request.user, photo_id)
    if original and not may_read_photo_flags(request.user):
        raise PermissionDenied
    file = photo.original if original else photo.public
    response = FileResponse(
        file.open("rb"), content_type=photo.content_type if original else "image/jpeg"
    )
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
@require_POST
def item_open_view(request, pk):
    project = access_project(request.user, pk)
    try:
        deadline = date.fromisoformat(request.POST.get("deadline", ""))
    except ValueError:
        deadline = None
    return _run(
        request,
        pk,
        lambda: services.item_open(
            actor=request.user,
            project_id=pk,
            source=request.POST.get("source", ""),
            problem=request.POST.get("problem", ""),
            deadline=deadline,
            responsible_organisation_id=project.contractor_id,
            standard=request.POST.get("standard", ""),
            responsible_person=request.POST.get("responsible_person", ""),
            mode=request.POST.get("mode", "immediate"),
            stages=_stages(request.POST),
        ),
        _("已立项整改。"),
    )


def _stages(post) -> list[tuple[str, date | None]]:
    stages = []
    for target, due in zip(post.getlist("stage_target"), post.getlist("stage_due"), strict=False):
        try:
            day = date.fromisoformat(due) if due else None
        except ValueError:
            day = None
        stages.append((target, day))
    return stages


def _item_project(request, item_id):
    # values_list, not only("project_id"): item_list select_related()s the project, and a
    # deferred field that is also traversed is a FieldError (every submit/close/send-back
    # answered 500 before; found by the access matrix, tests/security).
    found = list(
        item_list(user=request.user).filter(pk=item_id).values_list("project_id", flat=True)[:1]
    )
    if not found:
        raise PermissionDenied
    return found[0]


@login_required
@require_POST
def item_submit_view(request, item_id):
    return _run(
        request,
        _item_project(request, item_id),
        lambda: services.item_submit(
            actor=request.user, item_id=item_id, evidence=request.POST.get("evidence", "")
        ),
        _("整改情况已提交，待销号。"),
    )


@login_required
@require_POST
def item_close_view(request, item_id):
    return _run(
        request,
        _item_project(request, item_id),
        lambda: services.item_close(actor=request.user, item_id=item_id),
        _("已销号。"),
    )


@login_required
@require_POST
def item_send_back_view(request, item_id):
    return _run(
        request,
        _item_project(request, item_id),
        lambda: services.item_send_back(
            actor=request.user, item_id=item_id, reason=request.POST.get("reason", "")
        ),
        _("已退回整改。"),
    )


@login_required
@require_POST
def spot_check_view(request, pk):
    post = request.POST
    items = [
        (name, passed == "1", note)
        for name, passed, note in zip(
            post.getlist("item_name"),
            post.getlist("item_passed"),
            post.getlist("item_note"),
            strict=False,
        )
        if name.strip()
    ]
    return _run(
        request,
        pk,
        lambda: services.spot_check_record(
            actor=request.user, project_id=pk, items=items, photos=request.FILES.getlist("photos")
        ),
        _("抽检已记录。"),
    )


@login_required
@require_POST
def lab_test_view(request, pk):
    return _run(
        request,
        pk,
        lambda: services.lab_test_record(
            actor=request.user,
            project_id=pk,
            pass_rate=request.POST.get("pass_rate", ""),
            report_no=request.POST.get("report_no", ""),
        ),
        _("检测结果已提交。"),
    )


@login_required
@require_GET
def acceptance_certificate_view(request, pk):
    """The acceptance certificate, signed by the accepting street office, to whoever may see
    the project (each copy issued is recorded)."""
    pdf = services.acceptance_certificate_issue(actor=request.user, project_id=pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="acceptance-{pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]


@login_required
@require_POST
def acceptance_view(request, pk):
    post = request.POST
    participants = [
        {"name": n, "organisation": "", "role": services.RESIDENT_REPRESENTATIVE}
        for n in _names(post.get("resident_names", ""))
    ]
    participants += [
        {"name": n, "organisation": "", "role": "other"}
        for n in _names(post.get("other_names", ""))
    ]
    return _run(
        request,
        pk,
        lambda: services.acceptance_record(
            actor=request.user,
            project_id=pk,
            participants=participants,
            conclusion=post.get("conclusion", ""),
        ),
        _("竣工验收已通过。"),
    )


def _ledger_items(request):
    items = item_list(user=request.user)
    status = request.GET.get("status", "")
    if status:
        items = items.filter(status=status)
    return items, status


@replica_reads
@login_required
@require_GET
def ledger_export_view(request):
    """The ledger as the user sees it, with the page's filter, to Excel."""
    items, status = _ledger_items(request)
    heading = _("状态：%(status)s") % {"status": dict(ItemStatus.choices).get(status, _("全部"))}
    response = HttpResponse(
        items_xlsx(items, sheet=_("问题台账"), heading=str(heading)), content_type=XLSX
    )
    response["Content-Disposition"] = 'attachment; filename="ledger.xlsx"'
    return response


@replica_reads
@login_required
@require_GET
def ledger_view(request):
    """问题台账: overdue items first for the responsible people; closed ones last."""
    items, status = _ledger_items(request)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(item, warning_colour(item, today)) for item in page]
    return render(
        request, "inspections/ledger.html", {"page": page, "rows": rows, "status": status}
    )


@replica_reads
@login_required
def round_list_view(request):
    if request.method == "POST":

        def act():
            try:
                started = date.fromisoformat(request.POST.get("started_on", ""))
            except ValueError:
                raise ValidationError(_("请填写开始日期。")) from None
            services.round_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                inspecting_body=request.POST.get("inspecting_body", ""),
                started_on=started,
            )

        try:
            act()
            messages.success(request, _("巡察已创建。"))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [_("无权操作。")])))
        return redirect("inspections:rounds")
    if request.user.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    return render(request, "inspections/rounds.html", {"rounds": InspectionRound.objects.all()})


def _round(request, round_id):
    if request.user.role != Role.DISCIPLINE_OFFICER:
        raise PermissionDenied
    inspection = InspectionRound.objects.filter(pk=round_id).first()
    if inspection is None:
        raise Http404
    return inspection


@login_required
def round_detail_view(request, round_id):
    inspection = _round(request, round_id)
    if request.method == "POST":
        post = request.POST
        try:
            deadline = date.fromisoformat(post.get("deadline", ""))
        except ValueError:
            deadline = None
        try:
            if post.get("closing_summary") is not None:
                services.round_close(
                    actor=request.user,
                    round_id=inspection.pk,
                    closing_summary=post.get("closing_summary", ""),
                )
            else:
                organisation = post.get("responsible_organisation", "")
                services.round_feedback(
                    actor=request.user,
                    round_id=inspection.pk,
                    problem=post.get("problem", ""),
                    responsible_organisation_id=int(organisation)
                    if organisation.isdigit()
                    else None,
                    deadline=deadline,
                    standard=post.get("standard", ""),
                    responsible_person=post.get("responsible_person", ""),
                )
            messages.success(request, _("已保存。"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("inspections:round", round_id=inspection.pk)
    return render(
        request,
        "inspections/round_detail.html",
        {
            **round_overview(inspection, request.user),
            "organisations": Organisation.objects.filter(is_active=True).order_by("kind", "name"),
        },
    )


@replica_reads
@login_required
@require_GET
def round_export_view(request, round_id, fmt):
    inspection = _round(request, round_id)
    overview = round_overview(inspection, request.user)
    if fmt == "pdf":
        response = HttpResponse(round_report_pdf(overview), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="round-{inspection.pk}.pdf"'
        return response
    response = HttpResponse(
        round_lists_xlsx(overview),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="round-{inspection.pk}.xlsx"'
    return response


@replica_reads
@login_required
def plan_list_view(request):
    """双随机: the months' plans; the 住建局 draws a month's plan here (a seed may be given)."""
    if request.method == "POST":
        if not may_draw_plans(request.user):
            raise PermissionDenied
        try:
            month = date.fromisoformat(request.POST.get("month", "") + "-01")
        except ValueError:
            messages.error(request, _("请选择月份。"))
            return redirect("inspections:plans")
        outcome: dict = {}

        def draw():
            outcome["plan"] = services.plan_create(
                actor=request.user, month=month, seed=request.POST.get("seed", "")
            )

        response = run_and_return(
            request, draw, _("抽检计划已生成。"), reverse("inspections:plans")
        )
        if "plan" in outcome:
            return redirect("inspections:plan", plan_id=outcome["plan"].pk)
        return response
    if not may_read_plans(request.user):
        raise PermissionDenied
    return render(
        request,
        "inspections/plans.html",
        {
            "plans": SpotCheckPlan.objects.select_related("created_by")[:60],
            "may_draw": may_draw_plans(request.user),
            "this_month": timezone.localdate().strftime("%Y-%m"),
        },
    )


@login_required
@require_GET
def plan_detail_view(request, plan_id):
    plan = access_plan(request.user, plan_id)
    return render(
        request,
        "inspections/plan_detail.html",
        {
            **plan_overview(plan),
            "redraw_matches": services.plan_redraw_matches(plan),
            "may_assign": may_draw_plans(request.user),
        },
    )


@login_required
@require_POST
def plan_assign_view(request, plan_id):
    plan = access_plan(request.user, plan_id)
    project, inspector = request.POST.get("project", ""), request.POST.get("inspector", "")
    return run_and_return(
        request,
        lambda: services.plan_assign(
            actor=request.user,
            plan_id=plan.pk,
            project_id=int(project) if project.isdigit() else 0,
            inspector_id=int(inspector) if inspector.isdigit() else 0,
        ),
        _("已指派。"),
        reverse("inspections:plan", args=[plan.pk]),
    )


@replica_reads
@login_required
@require_GET
def plan_export_view(request, plan_id):
    plan = access_plan(request.user, plan_id)
    return xlsx_file_response(
        f"spot-check-plan-{plan.month:%Y-%m}.xlsx", plan_xlsx(plan_overview(plan))
    )


@login_required
@require_GET
def item_detail_view(request, item_id):
    """One ledger item whole: its stages, evidence, the third-party assessment, the carry-over,
    and the actions the user may take on it."""
    item = (
        item_list(user=request.user)
        .select_related("assessed_by", "inspection_round")
        .prefetch_related("stages")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise Http404
    user = request.user
    open_now = item.status != ItemStatus.CLOSED
    return render(
        request,
        "inspections/item_detail.html",
        {
            "item": item,
            "colour": warning_colour(item, timezone.localdate()),
            "responsible": open_now and is_responsible_for(item, user),
            "may_close": may_close_item(item, user),
            "may_assess": user.role == Role.LAB
            and item.status == ItemStatus.SUBMITTED
            and item.needs_assessment
            and item.assessed_at is None,
            "may_carry_over": user.role == Role.DISCIPLINE_OFFICER
            and open_now
            and item.inspection_round_id is not None
            and item.carried_over_at is None,
        },
    )


def _item_page(item_id) -> str:
    return reverse("inspections:item", args=[item_id])


@login_required
@require_POST
def item_stage_done_view(request, item_id, stage_id):
    return run_and_return(
        request,
        lambda: services.item_stage_complete(
            actor=request.user, stage_id=stage_id, evidence=request.POST.get("evidence", "")
        ),
        _("阶段完成情况已提交。"),
        _item_page(item_id),
    )


@login_required
@require_POST
def item_assess_view(request, item_id):
    return run_and_return(
        request,
        lambda: services.item_assess(
            actor=request.user,
            item_id=item_id,
            passed=request.POST.get("passed") == "1",
            opinion=request.POST.get("opinion", ""),
        ),
        _("评估意见已签署。"),
        _item_page(item_id),
    )


@login_required
@require_POST
def item_carry_over_view(request, item_id):
    return run_and_return(
        request,
        lambda: services.item_carry_over(
            actor=request.user, item_id=item_id, reason=request.POST.get("reason", "")
        ),
        _("已结转。"),
        _item_page(item_id),
    )
