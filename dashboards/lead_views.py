"""Pages for leads (线索): open from an anomaly row, the list with its Excel export, one lead
with its evidence, notes, officer and outcome. Discipline officers only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Role
from accounts.models import User
from core.pages import run_and_return
from core.replica import replica_reads

from . import leads
from .choices import LeadStatus
from .permissions import discipline_required
from .selectors import dashboard_projects
from .snapshots import snapshot_region
from .views import _logged, _xlsx, anomaly_period


@discipline_required
@require_POST
def lead_open_view(request):
    kind = request.POST.get("kind", "")
    query = request.POST.get("query", "")
    projects, _filter = dashboard_projects(QueryDict(query), request.user)
    _form, period = anomaly_period(QueryDict(query))
    back = reverse("dashboards:anomaly", args=[kind]) + (f"?{query}" if query else "")
    try:
        lead, created = leads.lead_open(
            actor=request.user,
            kind=kind,
            row_key=request.POST.get("row_key", ""),
            projects=projects,
            period=period,
            region=snapshot_region(_filter, period),
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect(back)
    if created:
        messages.success(request, _("已建立线索 %(ref)s。") % {"ref": lead.reference})
    else:
        messages.info(request, _("该异常已有线索 %(ref)s。") % {"ref": lead.reference})
    return redirect("dashboards:lead", lead.pk)


@replica_reads
@discipline_required
@require_GET
def lead_list_view(request):
    _logged(request, "leads")
    status = request.GET.get("status", "")
    rows = leads.leads_for(request.user)
    if status in LeadStatus.values:
        rows = rows.filter(status=status)
    today = timezone.localdate()
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            _("线索"),
            "leads",
            None,
            [
                _("线索编号"),
                _("异常类型"),
                _("项目编号"),
                _("项目名称"),
                _("异常原因"),
                _("状态"),
                _("承办人"),
                _("建立日期"),
                _("初核期限"),
                _("处理理由"),
            ],
            [
                [
                    lead.reference,
                    lead.kind_title,
                    lead.project.code if lead.project else "",
                    lead.project.name if lead.project else "",
                    lead.why,
                    lead.get_status_display(),
                    _person(lead.assigned_to),
                    timezone.localdate(lead.created_at),
                    lead.due_on,
                    lead.outcome_reason,
                ]
                for lead in rows
            ],
        )
    return render(
        request,
        "dashboards/leads.html",
        {
            "leads": rows,
            "status": status,
            "statuses": LeadStatus.choices,
            "counts": leads.lead_counts(today),
            "today": today,
        },
    )


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


@discipline_required
@require_GET
def lead_view(request, pk):
    lead = get_object_or_404(leads.leads_for(request.user), pk=pk)
    _logged(request, "lead", obj=lead)
    return render(
        request,
        "dashboards/lead.html",
        {
            "lead": lead,
            "rows": list(zip(lead.columns, lead.cells, strict=False)),
            "notes": lead.notes.select_related("author"),
            "officers": User.objects.filter(role=Role.DISCIPLINE_OFFICER, is_active=True).order_by(
                "username"
            ),
            "today": timezone.localdate(),
            "LeadStatus": LeadStatus,
        },
    )


@discipline_required
@require_POST
def lead_note_view(request, pk):
    return run_and_return(
        request,
        lambda: leads.lead_note_add(
            actor=request.user, lead_id=pk, text=request.POST.get("text", "")
        ),
        _("记录已添加。"),
        reverse("dashboards:lead", args=[pk]),
    )


@discipline_required
@require_POST
def lead_assign_view(request, pk):
    try:
        officer_id = int(request.POST.get("officer", ""))
    except ValueError:
        officer_id = 0
    return run_and_return(
        request,
        lambda: leads.lead_assign(actor=request.user, lead_id=pk, officer_id=officer_id),
        _("承办人已指定。"),
        reverse("dashboards:lead", args=[pk]),
    )


@discipline_required
@require_POST
def lead_decide_view(request, pk):
    return run_and_return(
        request,
        lambda: leads.lead_decide(
            actor=request.user,
            lead_id=pk,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("线索处理结果已记录。"),
        reverse("dashboards:lead", args=[pk]),
    )
