"""The dashboards' documents: lists and ledgers as Excel, the dashboard report and the audit
chain's daily heads as PDF. Pure functions: data in, bytes out."""

from io import BytesIO

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.images import weasyprint_html

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_xlsx(
    *, title: str, filters: list[tuple[str, str]], columns: list[str], rows: list[list]
) -> bytes:
    """One sheet: the title, when and with which filters it was exported, then the table."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    heading = WriteOnlyCell(sheet, value=title)
    heading.font = Font(bold=True, size=13)
    sheet.append([heading])
    sheet.append([_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    sheet.append([_("筛选条件"), "；".join(f"{k}：{v}" for k, v in filters) or _("全部")])
    sheet.append([])
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if value is None or isinstance(value, (int, float, str)):
        return value
    if hasattr(value, "isoformat") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if hasattr(value, "isoformat"):
        return value
    return str(value)


def _pdf(template: str, context: dict) -> bytes:
    HTML = weasyprint_html()

    html = render_to_string(template, {**context, "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()


def dashboard_report_pdf(context: dict) -> bytes:
    return _pdf("dashboards/report_pdf.html", context)


def audit_heads_pdf(context: dict) -> bytes:
    return _pdf("dashboards/audit_heads_pdf.html", context)
