"""The start page of each role, and the discipline officers' dashboards: figures and charts, the
map, anomaly lists, a project's full timeline, exports and the audit chain's heads; the public
open-data page with the signed daily audit heads."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import Role
from approvals.selectors import review_queue
from core import collector
from core.download_views import download_start
from core.downloads import query_params
from core.events import changes, object_label, verb_label
from core.exports import xlsx_file_response
from core.heads import (
    fingerprint,
    heads_export,
    public_key,
    public_pem,
    public_text,
    published_heads,
)
from core.money import Yuan
from core.replica import replica_reads
from inspections.choices import ItemStatus
from inspections.models import RectificationItem
from projects.choices import PaymentStatus, ProjectStatus
from projects.permissions import access_project, can_file_projects
from projects.selectors import payment_list, project_list

from . import documents
from .anomalies import KINDS, Period
from .filters import PeriodForm
from .leads import lead_counts, row_leads
from .permissions import discipline_required
from .rows import name_projects
from .selectors import (
    chain_status,
    chart_data,
    contractor_ranking,
    daily_heads,
    dashboard_project_list,
    dashboard_projects,
    figures_for,
    project_timeline,
    start_counts,
    unlocated_projects,
)
from .services import audit_chain_reverify, discipline_read_record
from .snapshots import ANOMALY_PAGE_ROWS, SnapshotPage, snapshot_page, snapshot_region

LIST_PAGE_ROWS = 200


# Each to-do list on the start page shows this many, oldest (or most overdue) first.
TODO_SHOWN = 10


def _my_payments(user) -> dict:
    """A finance officer's to-do: requests to review, approved payments to pay (two queries
    each: the first rows and their count)."""
    if user.role != Role.FINANCE_OFFICER:
        return {}
    payments = payment_list(user=user)
    review = payments.filter(status=PaymentStatus.REQUESTED).order_by("created_at", "id")
    pay = payments.filter(status=PaymentStatus.APPROVED).order_by("approved_at", "id")
    return {
        "to_review": list(review[:TODO_SHOWN]),
        "to_review_total": review.count(),
        "to_pay": list(pay[:TODO_SHOWN]),
        "to_pay_total": pay.count(),
    }


def _my_items(user) -> dict:
    """The ledger items (问题台账) the user's organisation answers for and has not closed, the
    most overdue first, with their days left."""
    if not user.organisation_id:
        return {}
    items = (
        RectificationItem.objects.filter(responsible_organisation_id=user.organisation_id)
        .exclude(status=ItemStatus.CLOSED)
        .select_related("project")
        .order_by("deadline", "id")
    )
    shown = list(items[:TODO_SHOWN])
    today = timezone.localdate()
    return {
        "my_items": [(item, max(0, (today - item.deadline).days)) for item in shown],
        "my_items_total": len(shown) if len(shown) < TODO_SHOWN else items.count(),
    }


@replica_reads
@login_required
@require_GET
def home_view(request):
    if request.user.role == Role.VILLAGE_SUPERVISOR:
        # A 村民监督员's start page is their village's projects, on the phone.
        return redirect("inspections:village")
    projects, _filter = project_list(user=request.user)
    counts = start_counts(request.user, projects)
    queue = review_queue(request.user)
    # The filer's own to-do: projects sent back for revision, with the reason to act on.
    returned = (
        list(
            projects.filter(
                status=ProjectStatus.RETURNED, street_id=request.user.organisation_id
            ).order_by("status_changed_at")[:20]
        )
        if can_file_projects(request.user)
        else []
    )
    return render(
        request,
        "dashboards/home.html",
        {
            **_my_payments(request.user),
            **_my_items(request.user),
            "recent": projects[:8],
            "queue": queue[:20],
            "queue_total": len(queue),
            "returned": returned,
            "counts": counts.by_status,
            "counts_rolled_up": counts.rolled_up,
            "counts_as_of": counts.as_of,
            "total": sum(counts.by_status.values()),
            "can_file": can_file_projects(request.user),
        },
    )


def _logged(request, page: str, project_filter=None, obj=None) -> dict:
    """Record the read (纪检 reads are evidence too); returns the filters applied."""
    filters = project_filter.active if project_filter is not None else {}
    discipline_read_record(
        actor=request.user, page=page, path=request.path, filters=filters, obj=obj
    )
    return filters


def filter_labels(project_filter) -> list[tuple[str, str]]:
    """The applied filters as the reader saw them (label, chosen value)."""
    if not project_filter.form.is_valid():
        return []
    labels = []
    for name, value in project_filter.form.cleaned_data.items():
        if value in (None, ""):
            continue
        field = project_filter.form.fields[name]
        shown = (
            dict(field.choices).get(value, value)
            if hasattr(field, "choices") and not hasattr(value, "pk")
            else value
        )
        labels.append((str(field.label), str(shown)))
    return labels


def _xlsx(title: str, filename: str, project_filter, columns, rows) -> HttpResponse:
    body = documents.table_xlsx(
        title=title,
        filters=filter_labels(project_filter) if project_filter is not None else [],
        columns=columns,
        rows=rows,
    )
    return xlsx_file_response(f"{filename}-{timezone.localdate():%Y%m%d}.xlsx", body)


@replica_reads
@discipline_required
@require_GET
def discipline_view(request):
    projects, project_filter = dashboard_projects(request.GET, request.user)
    _logged(request, "dashboard", project_filter)
    figures = figures_for(projects, project_filter)
    period, contractors = contractor_ranking()
    return render(
        request,
        "dashboards/discipline.html",
        {
            "filter": project_filter,
            "figures": figures,
            "charts": chart_data(figures),
            "period": period,
            "contractors": contractors,
            "chain": chain_status(),
            "kinds": KINDS.values(),
            "lead_counts": lead_counts(timezone.localdate()),
            "query": request.GET.urlencode(),
        },
    )


@replica_reads
@discipline_required
@require_GET
def report_pdf_view(request):
    """The dashboard as a PDF report, made on the documents workers (dashboards/downloads.py)."""
    _projects, project_filter = dashboard_projects(request.GET, request.user)
    _logged(request, "report", project_filter)
    return download_start(
        request,
        kind="dashboards.report",
        params={"query": query_params(request.GET)},
        title=_("纪检监察看板报告"),
    )


@replica_reads
@discipline_required
@require_GET
def map_view(request):
    projects, project_filter = dashboard_projects(request.GET, request.user)
    _logged(request, "map", project_filter)
    unlocated_total, unlocated = unlocated_projects(projects)
    response = render(
        request,
        "dashboards/map.html",
        {
            "filter": project_filter,
            "unlocated_total": unlocated_total,
            "unlocated": unlocated,
            "query": request.GET.urlencode(),
            "map_config": {
                "tiles": settings.MAP_TILE_URL,
                "attribution": settings.MAP_TILE_ATTRIBUTION,
            },
        },
    )
    if settings.MAP_TILE_URL:
        # The tiles come from the configured server; the strict policy names it for this page.
        response._csp_update = {"img-src": [tile_origin(settings.MAP_TILE_URL)]}
    return response


def tile_origin(url: str) -> str:
    """The CSP source for a tile URL template; a {s} subdomain becomes a wildcard."""
    parts = urlsplit(url.replace("{s}", "subdomain"))
    return f"{parts.scheme}://{parts.netloc.replace('subdomain', '*')}"


PROJECT_COLUMNS = [
    (lambda: _("项目编号"), lambda p: p.code),
    (lambda: _("项目名称"), lambda p: p.name),
    (lambda: _("街道/乡镇"), lambda p: p.street.name),
    (lambda: _("类别等级"), lambda p: p.get_tier_display()),
    (lambda: _("类别"), lambda p: p.get_category_display()),
    (lambda: _("状态"), lambda p: p.get_status_display()),
    (lambda: _("风险等级"), lambda p: p.get_risk_colour_display()),
    (lambda: _("申报预算（元）"), lambda p: Yuan(p.budget_amount)),
    (lambda: _("施工单位"), lambda p: p.contractor.name if p.contractor else ""),
    (lambda: _("创建时间"), lambda p: p.created_at),
]


@replica_reads
@discipline_required
@require_GET
def project_list_view(request):
    projects, project_filter = dashboard_projects(request.GET, request.user)
    _logged(request, "projects", project_filter)
    if request.GET.get("format") == "xlsx":  # made on the exports workers
        return download_start(
            request,
            kind="dashboards.projects",
            params={"query": query_params(request.GET)},
            title=_("项目清单"),
        )
    rows = dashboard_project_list(projects)
    return render(
        request,
        "dashboards/projects.html",
        {
            "filter": project_filter,
            "projects": rows[:LIST_PAGE_ROWS],
            "limit": LIST_PAGE_ROWS,
            "query": request.GET.urlencode(),
        },
    )


@replica_reads
@discipline_required
@require_GET
def anomaly_index_view(request):
    _projects, project_filter = dashboard_projects(request.GET, request.user)
    _logged(request, "anomalies", project_filter)
    return render(
        request,
        "dashboards/anomalies.html",
        {"filter": project_filter, "kinds": KINDS.values(), "query": request.GET.urlencode()},
    )


@replica_reads
@discipline_required
@require_GET
@collector.paused_view  # tens of thousands of rows, no cycles (core/collector.py)
def anomaly_list_view(request, slug):
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404
    projects, project_filter = dashboard_projects(request.GET, request.user)
    period_form, period = anomaly_period(request.GET)
    _logged(request, f"anomalies/{slug}", project_filter)
    context = {
        "filter": project_filter,
        "period_form": period_form,
        "period": period,
        "kind": kind,
        "page_query": _without_page(request.GET),
        "kinds": KINDS.values(),
        "query": request.GET.urlencode(),
    }
    if request.GET.get("format") == "xlsx":
        # every row, made on the exports workers (minutes for a province's list)
        return download_start(
            request,
            kind="dashboards.anomalies",
            params={
                "slug": slug,
                "query": query_params(request.GET),
                "site": request.build_absolute_uri("/")[:-1],
            },
            title=str(kind.title),
        )
    region = snapshot_region(project_filter, period)
    if region is not None:
        # a region's view: the page computed ahead (dashboards/snapshots.py), if there is one
        kept = _snapshot_page(slug, region, request.GET.get("page"))
        if kept is not None:
            page, snapshot = kept
            taken = row_leads(slug)
            return render(
                request,
                "dashboards/anomaly_list.html",
                {
                    **context,
                    "count": snapshot.count,
                    "kept": snapshot.kept,
                    "as_of": snapshot.computed_at,
                    "page": page,
                    "entries": [(row, taken.get(row.key)) for row in snapshot.rows],
                },
            )
    rows = kind.rows(projects, period)
    taken = row_leads(slug)
    # The strongest rows first, a page at a time; the Excel export holds them all.
    page = Paginator(rows, ANOMALY_PAGE_ROWS).get_page(request.GET.get("page"))
    name_projects(page.object_list)
    response = render(
        request,
        "dashboards/anomaly_list.html",
        {
            **context,
            "count": len(rows),
            "page": page,
            "entries": [(row, taken.get(row.key)) for row in page.object_list],
        },
    )
    # Drawn: the template's context holds the list inside a reference cycle that only the
    # collector would break; emptied now, the rows go by reference counting (core/collector.py).
    rows.clear()
    return response


def _snapshot_page(slug: str, region: int, asked: str | None) -> tuple[Page, SnapshotPage] | None:
    """The kept page asked for (the last one when asked past the end, as Paginator.get_page
    does), with its Page for the pager; None when the list has no snapshot yet."""
    try:
        number = max(1, int(asked or 1))
    except ValueError:
        number = 1
    snapshot = snapshot_page(slug, region, number)
    if snapshot is None and number > 1:
        first = snapshot_page(slug, region, 1)
        if first is None:
            return None
        number = max(1, -(-first.kept // ANOMALY_PAGE_ROWS))
        snapshot = first if number == 1 else snapshot_page(slug, region, number)
    if snapshot is None:
        return None
    page = Paginator(range(snapshot.kept), ANOMALY_PAGE_ROWS).get_page(number)
    return page, snapshot


def _without_page(data) -> str:
    query = data.copy()
    query.pop("page", None)
    return query.urlencode()


def anomaly_period(data) -> tuple[PeriodForm, Period]:
    """The period chosen on an anomaly list (all time unless one is chosen)."""
    form = PeriodForm(data or None)
    since, until = form.bounds(timezone.localdate())
    return form, Period(since, until)


def period_labels(period: Period) -> list[tuple[str, str]]:
    if not (period.since or period.until):
        return []
    return [(_("期间"), f"{period.since or '…'} — {period.until or '…'}")]


@replica_reads
@discipline_required
@require_GET
def timeline_view(request, pk):
    project = access_project(request.user, pk)
    _logged(request, "timeline", obj=project)
    events = list(project_timeline(project))
    if request.GET.get("format") == "xlsx":
        rows = [
            [
                e.ref,
                e.created_at,
                e.actor_name,
                e.organisation_name,
                verb_label(e.verb),
                object_label(e.object_type),
                e.object_id,
                "\n".join(
                    f"{c.label}：{c.before} → {c.after}" if c.before else f"{c.label}：{c.after}"
                    for c in changes(e)
                ),
                e.comment,
                e.hash,
            ]
            for e in events
        ]
        return _xlsx(
            _("%(code)s 审计时间线") % {"code": project.code or project.pk},
            f"timeline-{project.pk}",
            None,
            [
                _("序号"),
                _("时间"),
                _("操作人"),
                _("单位"),
                _("动作"),
                _("对象类型"),
                _("对象编号"),
                _("变更前 → 变更后"),
                _("说明"),
                _("哈希"),
            ],
            rows,
        )
    return render(
        request,
        "dashboards/timeline.html",
        {
            "project": project,
            "events": [(e, changes(e)) for e in events],
        },
    )


@discipline_required
@require_POST
def chain_verify_view(request):
    head = audit_chain_reverify(actor=request.user)
    if head.intact:
        messages.success(request, _("审计链完整：共 %(count)d 个事件。") % {"count": head.count})
    elif head.broken_seq is not None:
        messages.error(
            request, _("审计链已损坏：第 %(seq)s 号事件与链不符。") % {"seq": head.broken_ref}
        )
    else:
        messages.error(request, _("审计链已损坏：数据库中的签名链头与签名不符。"))
    return redirect("dashboards:discipline")


@replica_reads
@discipline_required
@require_GET
def audit_heads_view(request):
    _logged(request, "audit-heads")
    heads = daily_heads()
    if request.GET.get("format") == "pdf":
        response = HttpResponse(
            documents.audit_heads_pdf({"heads": heads, "user": request.user}),
            content_type="application/pdf",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="audit-heads-{timezone.localdate():%Y%m%d}.pdf"'
        )
        return response
    return render(
        request, "dashboards/audit_heads.html", {"heads": heads, "printed_at": timezone.localtime()}
    )


# --- open data (public) -----------------------------------------------------------------------


@replica_reads
@require_GET
def open_data_view(request):
    """Public: what the platform publishes. The signed daily audit heads are here so that anyone
    can keep a copy the database administrator cannot reach (docs/audit.md)."""
    key = public_key()
    return render(
        request,
        "dashboards/open_data.html",
        {
            "heads": published_heads(),
            "public_key": public_text(key) if key else "",
            "public_pem": public_pem(key) if key else "",
            "fingerprint": fingerprint(key) if key else "",
        },
    )


@replica_reads
@require_GET
def open_audit_heads_view(request):
    """Public: the signed daily heads as a JSON file (`verify_audit --heads FILE` reads it)."""
    response = JsonResponse(heads_export(published_heads()), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = (
        f'attachment; filename="audit-heads-{timezone.localdate():%Y%m%d}.json"'
    )
    return response
