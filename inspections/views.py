"""Site supervision pages: progress, the ledger and its actions, spot checks, lab test and
acceptance. Each POST calls one service and returns to the project page with the outcome."""
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError

from . import services
from .ledger import warning_colour
from .selectors import item_list


def _run(request, project_id, action, success):
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    if project_id is None:
        return redirect("inspections:ledger")
    return redirect("projects:detail", pk=project_id)


@login_required
@require_POST
def progress_report_view(request, pk):
    return _run(request, pk, lambda: services.progress_report(
        actor=request.user, project_id=pk, percent=request.POST.get("percent", ""),
        text=request.POST.get("text", "")), _("进度已报送。"))


@login_required
@require_POST
def item_open_view(request, pk):
    from projects.permissions import access_project

    project = access_project(request.user, pk)
    try:
        deadline = date.fromisoformat(request.POST.get("deadline", ""))
    except ValueError:
        deadline = None
    return _run(request, pk, lambda: services.item_open(
        actor=request.user, project_id=pk, source=request.POST.get("source", ""),
        problem=request.POST.get("problem", ""), deadline=deadline,
        responsible_organisation_id=project.contractor_id,
        standard=request.POST.get("standard", ""),
        responsible_person=request.POST.get("responsible_person", "")), _("已立项整改。"))


def _item_project(request, item_id):
    item = item_list(user=request.user).filter(pk=item_id).only("project_id").first()
    if item is None:
        raise PermissionDenied
    return item.project_id


@login_required
@require_POST
def item_submit_view(request, item_id):
    return _run(request, _item_project(request, item_id), lambda: services.item_submit(
        actor=request.user, item_id=item_id, evidence=request.POST.get("evidence", "")),
        _("整改情况已提交，待销号。"))


@login_required
@require_POST
def item_close_view(request, item_id):
    return _run(request, _item_project(request, item_id), lambda: services.item_close(
        actor=request.user, item_id=item_id), _("已销号。"))


@login_required
@require_POST
def item_send_back_view(request, item_id):
    return _run(request, _item_project(request, item_id), lambda: services.item_send_back(
        actor=request.user, item_id=item_id, reason=request.POST.get("reason", "")),
        _("已退回整改。"))


@login_required
@require_POST
def spot_check_view(request, pk):
    post = request.POST
    items = [(name, passed == "1", note) for name, passed, note in zip(
        post.getlist("item_name"), post.getlist("item_passed"), post.getlist("item_note"),
        strict=False) if name.strip()]
    return _run(request, pk, lambda: services.spot_check_record(
        actor=request.user, project_id=pk, items=items), _("抽检已记录。"))


@login_required
@require_POST
def lab_test_view(request, pk):
    return _run(request, pk, lambda: services.lab_test_record(
        actor=request.user, project_id=pk, pass_rate=request.POST.get("pass_rate", ""),
        report_no=request.POST.get("report_no", "")), _("检测结果已提交。"))


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace("，", ",").split(",") if n.strip()]


@login_required
@require_POST
def acceptance_view(request, pk):
    post = request.POST
    participants = [{"name": n, "organisation": "", "role": services.RESIDENT_REPRESENTATIVE}
                    for n in _names(post.get("resident_names", ""))]
    participants += [{"name": n, "organisation": "", "role": "other"}
                     for n in _names(post.get("other_names", ""))]
    return _run(request, pk, lambda: services.acceptance_record(
        actor=request.user, project_id=pk, participants=participants,
        conclusion=post.get("conclusion", "")), _("竣工验收已通过。"))


@login_required
@require_GET
def ledger_view(request):
    """问题台账: overdue items first for the responsible people; closed ones last."""
    items = item_list(user=request.user)
    status = request.GET.get("status", "")
    if status:
        items = items.filter(status=status)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [(item, warning_colour(item, today)) for item in page]
    return render(request, "inspections/ledger.html", {"page": page, "rows": rows,
                                                       "status": status})
