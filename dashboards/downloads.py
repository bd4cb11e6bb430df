"""The dashboards' files made on workers (core.downloads): the project list and the anomaly
lists as Excel on the `exports` queue, the dashboard report as PDF on `documents`. Each maker
makes what the page would have made, from the page's query, for its owner as they stand when it
runs; the page asks for it and its reader waits on the file's page (docs/architecture.md,
"Exports and documents")."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.downloads import Made, as_query, download_kind
from core.exports import XLSX

from . import documents
from .anomalies import KINDS
from .permissions import may_use_dashboards
from .rows import name_projects
from .selectors import (
    chain_status,
    contractor_ranking,
    dashboard_project_list,
    dashboard_projects,
    figures_for,
)
from .views import PROJECT_COLUMNS, anomaly_period, filter_labels, period_labels

EXPORT_ROWS = 100_000  # an Excel sheet holds about a million; a district far fewer projects


def _dated(name: str, ext: str) -> str:
    return f"{name}-{timezone.localdate():%Y%m%d}.{ext}"


@download_kind("dashboards.projects", queue="exports", allowed=may_use_dashboards)
def projects_xlsx(user, params: dict) -> Made:
    projects, project_filter = dashboard_projects(as_query(params["query"]), user)
    rows = dashboard_project_list(projects)
    body = documents.table_xlsx(
        title=_("项目清单"),
        filters=filter_labels(project_filter),
        columns=[title() for title, _v in PROJECT_COLUMNS],
        rows=[[value(p) for _t, value in PROJECT_COLUMNS] for p in rows[:EXPORT_ROWS]],
    )
    return Made(_dated("projects", "xlsx"), body, XLSX)


@download_kind("dashboards.anomalies", queue="exports", allowed=may_use_dashboards)
def anomalies_xlsx(user, params: dict) -> Made:
    """Every row of the list, not only the strongest the page keeps (dashboards/snapshots.py)."""
    kind = KINDS[params["slug"]]
    query = as_query(params["query"])
    projects, project_filter = dashboard_projects(query, user)
    _form, period = anomaly_period(query)
    rows = kind.rows(projects, period)
    name_projects(rows)
    site = params.get("site", "")
    body = documents.table_xlsx(
        title=str(kind.title),
        filters=[*filter_labels(project_filter), *period_labels(period)],
        columns=[*map(str, kind.columns), _("强度"), _("异常原因"), _("证据链接")],
        rows=[
            [
                *row.cells,
                float(row.strength) if row.strength is not None else "",
                row.why,
                "\n".join(f"{label}: {site}{url}" for label, url in row.evidence),
            ]
            for row in rows
        ],
    )
    rows.clear()
    return Made(_dated(f"anomalies-{params['slug']}", "xlsx"), body, XLSX)


@download_kind("dashboards.report", queue="documents", allowed=may_use_dashboards)
def report_pdf(user, params: dict) -> Made:
    projects, project_filter = dashboard_projects(as_query(params["query"]), user)
    figures = figures_for(projects, project_filter)
    period, contractors = contractor_ranking()
    body = documents.dashboard_report_pdf(
        {
            "figures": figures,
            "period": period,
            "contractors": contractors,
            "filters": filter_labels(project_filter),
            "chain": chain_status(),
            "user": user,
        }
    )
    return Made(_dated("dashboard", "pdf"), body, "application/pdf")
