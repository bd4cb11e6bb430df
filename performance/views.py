"""Pages of performance and credit: the published ranking and each company's figures with
their evidence, the quarterly report, credit management (false reports, appeals), risk, the
notification centre and its bell, demonstration projects. Thin: selectors in, services out."""

from datetime import date
from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import COMPANY_KINDS, Role
from accounts.models import Organisation
from core.exports import xlsx_response
from core.pages import run_and_return
from core.replica import replica_reads

from . import alerts, credit, demonstration, selectors
from .choices import ScoredKind
from .documents import quarterly_report_xlsx
from .models import ScoringPeriod, Suspension
from .permissions import (
    access_company_credit,
    may_appeal,
    may_decide_appeal,
    may_read_all_credit,
    may_read_rankings,
    may_read_risk,
    may_record_false_report,
)
from .reports import quarterly_report_issue


def _kind(value) -> str | None:
    return value if value in ScoredKind.values else None


@replica_reads
@login_required
@require_GET
def ranking_view(request):
    period = selectors.period_get(request.GET.get("quarter"))
    kind = _kind(request.GET.get("kind")) or ScoredKind.CONTRACTOR
    rows = selectors.ranking(period, kind) if period else []
    return render(
        request,
        "performance/ranking.html",
        {
            "period": period,
            "kind": kind,
            "kinds": ScoredKind.choices,
            "rows": rows,
            "periods": []
            if period is None
            else selectors.ScoringPeriod.objects.values_list("quarter", flat=True).order_by(
                "-starts_on"
            )[:12],
        },
    )


@login_required
@require_GET
def company_view(request, quarter: str, organisation_id: int):
    if not may_read_rankings(request.user):
        raise PermissionDenied
    period = cast(ScoringPeriod, selectors.period_get(quarter))  # named: 404 or found
    score = selectors.company_score_get(period, organisation_id)
    return render(
        request,
        "performance/company.html",
        {"period": period, "score": score, **selectors.company_evidence(score)},
    )


def _report_sections(period):
    rows = selectors.ranking(period)
    return [
        (str(label), [r for r in rows if r["kind"] == value]) for value, label in ScoredKind.choices
    ]


@replica_reads
@login_required
@require_GET
def report_pdf_view(request, quarter: str):
    period = cast(ScoringPeriod, selectors.period_get(quarter))  # named: 404 or found
    pdf = quarterly_report_issue(
        actor=request.user, period=period, sections=_report_sections(period)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="performance-{period.quarter}.pdf"'
    return response


@replica_reads
@login_required
@require_GET
def report_xlsx_view(request, quarter: str):
    period = cast(ScoringPeriod, selectors.period_get(quarter))  # named: 404 or found
    data = quarterly_report_xlsx(period=period, sections=_report_sections(period))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="performance-{period.quarter}.xlsx"'
    return response


@replica_reads
@login_required
@require_GET
def credit_list_view(request):
    if not may_read_all_credit(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    rows = selectors.credit_overview(today)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            "credit.xlsx",
            sheet=_("信用管理"),
            heading=str(today),
            header=[_("单位"), _("类型"), _("信用分"), _("信用状态"), _("原因")],
            rows=(
                [
                    r["company"].name,
                    r["company"].get_kind_display(),
                    r["score"],
                    r["company"].get_credit_status_display(),
                    "；".join(str(x) for x in r["reasons"]),
                ]
                for r in rows
            ),
        )
    return render(
        request,
        "performance/credit_list.html",
        {
            "rows": rows,
            "today": today,
            "may_record": may_record_false_report(request.user),
            "companies": Organisation.objects.filter(kind__in=COMPANY_KINDS).order_by("name")
            if may_record_false_report(request.user)
            else [],
        },
    )


@login_required
@require_GET
def credit_company_view(request, organisation_id: int):
    company = access_company_credit(request.user, organisation_id)
    return render(
        request,
        "performance/credit_company.html",
        {
            **selectors.credit_company(company, timezone.localdate()),
            "may_appeal": may_appeal(request.user, company.pk),
            "may_decide": may_decide_appeal(request.user),
        },
    )


@login_required
@require_POST
def false_report_view(request):
    post = request.POST
    return run_and_return(
        request,
        lambda: credit.false_report_confirm(
            actor=request.user,
            organisation_id=post.get("organisation") or 0,
            project_id=post.get("project") or None,
            description=post.get("description", ""),
            evidence=post.get("evidence", ""),
        ),
        _("已记录虚假申报，并列入信用黑名单。"),
        reverse("performance:credit"),
    )


def _suspension_page(suspension_id) -> str:
    organisation_id = (
        Suspension.objects.filter(pk=suspension_id)
        .values_list("organisation_id", flat=True)
        .first()
    )
    return (
        reverse("performance:credit_company", args=[organisation_id])
        if organisation_id
        else reverse("performance:credit")
    )


@login_required
@require_POST
def appeal_view(request, suspension_id: int):
    return run_and_return(
        request,
        lambda: credit.suspension_appeal(
            actor=request.user, suspension_id=suspension_id, text=request.POST.get("text", "")
        ),
        _("申诉已提交，等待主管部门复核。"),
        _suspension_page(suspension_id),
    )


@login_required
@require_POST
def decide_view(request, suspension_id: int):
    return run_and_return(
        request,
        lambda: credit.suspension_decide(
            actor=request.user,
            suspension_id=suspension_id,
            uphold=request.POST.get("decision") == "uphold",
            note=request.POST.get("note", ""),
        ),
        _("复核意见已记录。"),
        _suspension_page(suspension_id),
    )


@replica_reads
@login_required
@require_GET
def warnings_view(request):
    unread_only = request.GET.get("unread") == "1"
    deliveries = list(selectors.warning_deliveries(request.user, unread_only=unread_only)[:200])
    return render(
        request,
        "performance/warnings.html",
        {
            "rows": [(d, alerts.warning_text(d.warning)) for d in deliveries],
            "unread_only": unread_only,
        },
    )


@login_required
@require_POST
def warnings_read_view(request):
    ids = [int(i) for i in request.POST.getlist("delivery") if i.isdigit()]
    return run_and_return(
        request,
        lambda: alerts.warning_mark_read(actor=request.user, delivery_ids=ids or None),
        _("已标记为已读。"),
        reverse("performance:warnings"),
    )


@login_required
@require_GET
def warning_bell_view(request):
    """The header's unread count, fetched by the page after it loads (so that no other page
    pays a query for it)."""
    return render(
        request,
        "performance/_bell_count.html",
        {"count": selectors.unread_warning_count(request.user)},
    )


@replica_reads
@login_required
@require_GET
def risk_view(request):
    if not may_read_risk(request.user):
        raise PermissionDenied
    colour = request.GET.get("colour") if request.GET.get("colour") in ("red", "yellow") else None
    rows = selectors.risk_list(request.user, colour)
    if request.GET.get("format") == "xlsx":
        shown = {"red": _("红（重点监管）"), "yellow": _("黄")}.get(colour, _("红和黄"))
        return xlsx_response(
            "risk.xlsx",
            sheet=_("项目风险"),
            heading=shown,
            header=[_("风险"), _("项目编号"), _("项目"), _("施工单位"), _("原因")],
            rows=(
                [
                    p.risk.get_colour_display(),
                    p.code,
                    p.name,
                    p.contractor.name if p.contractor_id else "",
                    "；".join(reasons),
                ]
                for p, reasons in rows
            ),
        )
    return render(request, "performance/risk.html", {"rows": rows, "colour": colour})


@replica_reads
@login_required
@require_GET
def demonstration_view(request, year: int | None = None):
    year = year or timezone.localdate().year - 1
    if not 2000 <= year <= date.max.year:
        year = timezone.localdate().year - 1
    rows = list(selectors.demonstration_list(year))
    return render(
        request,
        "performance/demonstration.html",
        {
            "year": year,
            "rows": rows,
            "decided": any(r.selected_at for r in rows),
            "may_decide": request.user.role == Role.DEPT_REVIEWER,
        },
    )


@login_required
@require_POST
def demonstration_decide_view(request, year: int):
    return run_and_return(
        request,
        lambda: demonstration.demonstration_decide(
            actor=request.user,
            year=year,
            project_ids=[int(v) for v in request.POST.getlist("project") if v.isdigit()],
            note=request.POST.get("note", ""),
        ),
        _("示范项目已评定并公布。"),
        reverse("performance:demonstration_year", args=[year]),
    )
