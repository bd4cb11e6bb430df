"""The one Excel writer of the project (openpyxl): every export of a list or ledger goes
through it, so that none can carry a formula out of user text.

- Text is always written as a string cell. openpyxl takes any string starting with "=" for a
  formula (data_type "f"), and spreadsheet programs also read "+", "-", "@", a tab or a
  carriage return at the start as the beginning of one (OWASP, CSV injection). Such text
  gets Excel's quote prefix — the cell style a user gets by typing a leading ' — so that
  it shows and reads back exactly as entered and stays text when edited. Characters XML
  cannot hold (control characters other than tab, line feed and carriage return) are
  dropped rather than failing the export.
- Amounts (`core.money.Yuan`, or any value of a column declared with kind "money") are
  numbers with the money format #,##0.00; other numbers stay numbers.
- Dates are dates (yyyy-mm-dd); moments are shown in Asia/Shanghai time (Excel has no zones).
- Columns get widths from their header and first rows, the header row is frozen, and an
  optional heading above it names the list and the filter that made it.
"""

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from itertools import chain, islice
from typing import Any, cast

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise

from .money import Yuan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# A cell whose text starts with one of these is read as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The rows that set the column widths; the rest stream through.
WIDTH_SAMPLE = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
KIND_WIDTHS = {"money": 14, "date": 11, "datetime": 17}


@dataclass(frozen=True)
class Column:
    """A header cell. kind "money" writes the column's numbers as amounts; "text" (the
    default) lets each value say what it is."""

    title: object
    kind: str = "text"
    width: float | None = None


@dataclass
class Sheet:
    """One sheet: an optional heading (a line of text, or several lines each a text or a
    list of cells), the header, the rows."""

    title: object
    header: Sequence[object]
    rows: Iterable[Sequence[object]]
    heading: object = ""
    columns: list[Column] = field(init=False)

    def __post_init__(self):
        self.columns = [h if isinstance(h, Column) else Column(h) for h in self.header]

    def heading_lines(self) -> list[list[object]]:
        if not self.heading:
            return []
        lines = (
            [self.heading]
            if isinstance(self.heading, str | Promise)
            else cast(Iterable[object], self.heading)
        )
        return [
            [line] if isinstance(line, str | Promise) else list(cast(Iterable[object], line))
            for line in lines
        ]


def safe_text(value: object) -> str:
    """The text as a cell may hold it: without the control characters XML refuses."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32767]


def _display_width(value: object) -> int:
    text = value if isinstance(value, str) else str(value)
    line = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _cell(sheet, value: object, column: Column | None):
    """The value as a write-only cell of the right type and format."""
    from openpyxl.cell import WriteOnlyCell

    money = column is not None and column.kind == "money"
    if isinstance(value, Yuan):
        value, money = value.amount, True
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if isinstance(value, bool):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, int | float | Decimal):
        cell = WriteOnlyCell(sheet, value=cast(Any, value))  # openpyxl writes Decimals as numbers
        if money:
            cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=cast(Any, value))  # and dates as dates
        cell.number_format = DATE_FORMAT
        return cell
    text = safe_text(value)
    cell = WriteOnlyCell(sheet, value=None)
    cell.value = text
    cell.data_type = "s"  # never "f", whatever the text starts with
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def _widths(sheet: Sheet, sample: list[Sequence[object]]) -> list[float]:
    widths = []
    for n, column in enumerate(sheet.columns):
        if column.width is not None:
            widths.append(column.width)
            continue
        seen = [_display_width(column.title)]
        for row in sample:
            value = row[n] if n < len(row) else None
            if value is None:
                continue
            if isinstance(value, Yuan) or (
                column.kind == "money" and isinstance(value, int | float | Decimal)
            ):
                seen.append(KIND_WIDTHS["money"])
            elif isinstance(value, datetime):
                seen.append(KIND_WIDTHS["datetime"])
            elif isinstance(value, date):
                seen.append(KIND_WIDTHS["date"])
            else:
                seen.append(_display_width(value))
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, max(seen) + 2)))
    return widths


def _write(book, sheet: Sheet) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    out = book.create_sheet(safe_text(sheet.title)[:31] or "Sheet")
    rows: Iterator[Sequence[object]] = iter(sheet.rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    for n, width in enumerate(_widths(sheet, sample), start=1):
        out.column_dimensions[get_column_letter(n)].width = width
    heading = sheet.heading_lines()
    header_row = len(heading) + 1
    out.freeze_panes = f"A{header_row + 1}"
    for number, line in enumerate(heading):
        cells = [_cell(out, value, None) for value in line]
        if number == 0 and cells:
            cells[0].font = Font(bold=True, size=13 if len(heading) > 1 else 11)
        out.append(cells)
    header = []
    for column in sheet.columns:
        cell = _cell(out, column.title, None)
        cell.font = Font(bold=True)
        header.append(cell)
    out.append(header)
    for row in chain(sample, rows):
        out.append(
            [
                _cell(out, value, sheet.columns[n] if n < len(sheet.columns) else None)
                for n, value in enumerate(row)
            ]
        )


def workbook_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The sheets as one .xlsx file."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet in sheets:
        _write(book, sheet)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_bytes(
    *,
    sheet: object,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    heading: object = "",
) -> bytes:
    """One sheet: the optional heading (which list, which filter), the header, the rows."""
    return workbook_bytes([Sheet(title=sheet, header=header, rows=rows, heading=heading)])


def xlsx_file_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, **table) -> HttpResponse:
    return xlsx_file_response(filename, xlsx_bytes(**table))
