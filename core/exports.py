"""Lists to Excel (openpyxl): one sheet, an optional line saying which filter made the list,
the header, the rows. Used by every page whose list can be exported."""

from collections.abc import Iterable
from io import BytesIO

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(*, sheet: str, header: list, rows: Iterable[list], heading: str = "") -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    out_sheet = book.create_sheet(str(sheet)[:31])
    if heading:
        out_sheet.append([str(heading)])
    out_sheet.append([str(title) for title in header])
    for row in rows:
        out_sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(filename: str, **table) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(**table), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
