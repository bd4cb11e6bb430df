"""The dashboards' documents: lists and ledgers as Excel, the dashboard report and the audit
chain's daily heads as PDF. Pure functions: data in, bytes out."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import xlsx_bytes
from core.images import weasyprint_html


def table_xlsx(
    *, title: str, filters: list[tuple[str, str]], columns: list, rows: list[list]
) -> bytes:
    """One sheet: the title, when and with which filters it was exported, then the table."""
    return xlsx_bytes(
        sheet=title,
        heading=[
            title,
            [_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
            [_("筛选条件"), "；".join(f"{k}：{v}" for k, v in filters) or _("全部")],
            [],
        ],
        header=columns,
        rows=rows,
    )


def _pdf(template: str, context: dict) -> bytes:
    HTML = weasyprint_html()

    html = render_to_string(template, {**context, "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()


def dashboard_report_pdf(context: dict) -> bytes:
    return _pdf("dashboards/report_pdf.html", context)


def audit_heads_pdf(context: dict) -> bytes:
    return _pdf("dashboards/audit_heads_pdf.html", context)
