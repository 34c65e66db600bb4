"""Write a periodic statistics report (deadlines.report) as an XLSX workbook.

One worksheet per table, each a whole form that prints on its own: the unit top left, the
form number and the circular it comes from top right, the title, the table's title, the
period and the day the figures stand at in the centre; then the table with its headings and
column numbers, the notes under it, and the signer block at the foot. Counts and sums of
money are whole numbers shown with thousands separators, rates are percentages with two
decimals, and every figure is a real number a spreadsheet can add up. Nothing is counted
here: the cells hold what the report holds.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from archive.demo.pdfs import vietnamese_date_line
from deadlines.report import Measure, Report, ReportColumn, ReportTable, day_text, money_text

__all__ = ["xlsx_of"]

# Decree 30/2020 asks for Times New Roman; a spreadsheet does not embed fonts, and Excel and
# LibreOffice both substitute a metric-compatible face where it is missing.
_FONT = "Times New Roman"
_SIZE = 12
_TABLE_SIZE = 11

_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

_WHOLE = "#,##0"  # Excel shows the reader's own thousands separator
_PERCENT = "0.00"  # rates are stored as percentages (85.5 is 85,50%), the heading says (%)

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
_SHEET_NAME_MAX = 31
_TABLE_NUMBER = re.compile(r"^\s*(?:Bảng|Biểu)\s+(?:số\s+)?[0-9IVX]+[a-z]?\s*[.:\-–]?\s*")
# Landscape A4 fitted to its width takes about this many characters of 11-point text: a
# table narrower than that is widened, so that the heading and signer blocks have room.
_MIN_SHEET_WIDTH = 110.0


@dataclass(frozen=True)
class _Line:
    """One line of text in the heading or signer block."""

    text: str
    bold: bool = False
    italic: bool = False
    size: float = _SIZE


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _font(*, bold: bool = False, italic: bool = False, size: float = _SIZE) -> Font:
    return Font(name=_FONT, size=size, bold=bold, italic=italic)


def _sheet_title(index: int, table: ReportTable, taken: set[str]) -> str:
    """A sheet name like "Bảng 1 - Số vụ việc theo đơn vị": cut at a word to Excel's 31
    characters, without the characters Excel refuses in a sheet name, never twice the same."""
    base = f"Bảng {index}"
    own = _TABLE_NUMBER.sub("", _nfc(table.title_vi), count=1)  # "Bảng 1. " would repeat
    words = _SHEET_NAME_FORBIDDEN.sub(" ", own).split()
    title = base
    if words:
        candidate = base + " -"
        for word in words:
            if len(candidate) + 1 + len(word) > _SHEET_NAME_MAX:
                break
            candidate += " " + word
            title = candidate
    if title.casefold() in taken:
        title = base
    taken.add(title.casefold())
    return title


def _heading(column: ReportColumn) -> str:
    text = _nfc(column.vi)
    if column.measure is Measure.RATE and "%" not in text:
        text += " (%)"
    return text


def _rows_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a cell about ``width`` characters wide (Excel does not
    grow a row for wrapped text in merged cells, and only on opening for others)."""
    per_line = max(int(width * 1.1), 1)
    return max(1, sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n")))


def _column_widths(table: ReportTable) -> list[float]:
    labels = [_nfc(table.row_heading), *(_nfc(row.label) for row in table.rows)]
    widths = [float(min(max(18, *(len(label) + 2 for label in labels)), 45))]
    for column in table.columns:
        longest_word = max((len(w) for w in _heading(column).split()), default=0)
        figures = [row.values.get(column.code) for row in table.rows]
        longest_figure = max(
            (len(_shown(column.measure, v)) for v in figures if v is not None), default=0
        )
        widths.append(float(min(max(13, longest_word + 2, longest_figure + 3), 28)))
    if len(widths) > 1 and sum(widths) < _MIN_SHEET_WIDTH:
        extra = (_MIN_SHEET_WIDTH - sum(widths)) / (len(widths) - 1)
        widths[1:] = [round(w + extra, 1) for w in widths[1:]]
    return widths


def _shown(measure: Measure, value: int | float) -> str:
    # Only to size columns: how wide the figure will look.
    if measure is Measure.RATE:
        return f"{value:.2f}"
    return money_text(int(value))


def _put_lines(
    ws: Worksheet, row: int, first: int, last: int, lines: Sequence[_Line], widths: list[float]
) -> None:
    """Lines one under another from ``row``, each merged over columns first..last, centred."""
    span = sum(widths[first - 1 : last])
    for offset, line in enumerate(lines):
        r = row + offset
        cell = ws.cell(row=r, column=first, value=line.text or None)
        cell.font = _font(bold=line.bold, italic=line.italic, size=line.size)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if last > first:
            ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
        needed = _rows_needed(line.text, span / (line.size / _SIZE)) * (line.size + 4) * 1.05
        current = ws.row_dimensions[r].height or 0
        if needed > max(current, 16):
            ws.row_dimensions[r].height = needed


def _halves(count: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The left and the right block of the form, as first and last column."""
    if count <= 1:
        return (1, 1), (1, 1)
    middle = max(1, count // 2)
    return (1, middle), (middle + 1, count)


def _signer_lines(report: Report) -> tuple[list[_Line], list[_Line]]:
    signer = report.signer
    left = [_Line(line, bold=True) for line in _nfc(signer.preparer_title).split("\n") if line]
    left.append(_Line("(Ký, ghi rõ họ tên)", italic=True))
    right = [_Line(line, bold=True) for line in _nfc(signer.title).split("\n") if line]
    right.append(_Line("(Ký, đóng dấu, ghi rõ họ tên)", italic=True))
    # Room for the signatures, then the names at the same height.
    height = max(len(left), len(right))
    left += [_Line("")] * (height - len(left) + 4)
    right += [_Line("")] * (height - len(right) + 4)
    left.append(_Line(_nfc(signer.preparer_name), bold=True))
    right.append(_Line(_nfc(signer.name), bold=True))
    return left, right


def _write_table_sheet(ws: Worksheet, report: Report, table: ReportTable) -> None:
    widths = _column_widths(table)
    if len(widths) < 2:
        widths.append(30.0)  # a table of labels only: a second column for the right block
    count = len(widths)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    (l_first, l_last), (r_first, r_last) = _halves(count)

    # Top: the unit on the left, the form on the right.
    left = [_Line(line, size=_SIZE) for line in _nfc(report.agency).upper().split("\n") if line]
    left += [_Line(line, bold=True) for line in _nfc(report.unit).upper().split("\n") if line]
    right = [_Line(_nfc(report.form_number), bold=True)]
    if report.citation:
        right.append(_Line(_nfc(report.citation), italic=True, size=_SIZE - 1))
    if report.receiver:
        right.append(_Line(_nfc(report.receiver), size=_SIZE - 1))
    _put_lines(ws, 1, l_first, l_last, left, widths)
    _put_lines(ws, 1, r_first, r_last, right, widths)
    row = max(len(left), len(right)) + 2

    # Centre: the title, the table, the period and the day the figures stand at.
    centre = [
        _Line(_nfc(report.title), bold=True, size=_SIZE + 2),
        _Line(_nfc(table.title_vi), bold=True),
        _Line(_nfc(report.period_label), italic=True),
        _Line(f"Số liệu tính đến ngày {day_text(report.as_of)}", italic=True),
    ]
    _put_lines(ws, row, 1, count, centre, widths)
    row += len(centre) + 1

    # The table's headings: the texts, then the column numbers where the form has them.
    header_first = row
    headings = [_nfc(table.row_heading), *(_heading(c) for c in table.columns)]
    for column, text in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=column, value=text)
        cell.font = _font(bold=True, size=_TABLE_SIZE)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
    tallest = max(_rows_needed(text, widths[i]) for i, text in enumerate(headings))
    ws.row_dimensions[row].height = tallest * (_TABLE_SIZE + 4) + 4
    row += 1
    if any(c.number for c in table.columns):
        numbers = ["", *(_nfc(c.number) for c in table.columns)]
        for column, text in enumerate(numbers, start=1):
            cell = ws.cell(row=row, column=column, value=text or None)
            cell.font = _font(italic=True, size=_TABLE_SIZE - 1)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = _BOX
        row += 1
    header_last = row - 1

    # The rows: a label, then the figures as numbers.
    for report_row in table.rows:
        label = ws.cell(row=row, column=1, value=_nfc(report_row.label))
        label.font = _font(bold=report_row.total, size=_TABLE_SIZE)
        label.alignment = Alignment(
            horizontal="center" if report_row.total else "left", vertical="center", wrap_text=True
        )
        label.border = _BOX
        for column, report_column in enumerate(table.columns, start=2):
            value = report_row.values.get(report_column.code)
            cell = ws.cell(row=row, column=column, value=value)
            cell.font = _font(bold=report_row.total, size=_TABLE_SIZE)
            cell.alignment = Alignment(horizontal="right", vertical="center")
            cell.border = _BOX
            cell.number_format = _PERCENT if report_column.measure is Measure.RATE else _WHOLE
        lines = _rows_needed(_nfc(report_row.label), widths[0])
        if lines > 1:
            ws.row_dimensions[row].height = lines * (_TABLE_SIZE + 4) + 2
        row += 1
    ws.freeze_panes = f"B{header_last + 1}"  # headings and labels stay in view
    ws.print_title_rows = f"{header_first}:{header_last}"

    # Under the table: the notes, then the signer block.
    if report.notes:
        row += 1
        notes = [_Line(_nfc(note), italic=True, size=_SIZE - 1) for note in report.notes]
        for offset, note in enumerate(notes):
            _put_lines(ws, row + offset, 1, count, [note], widths)
            ws.cell(row=row + offset, column=1).alignment = Alignment(
                horizontal="left", vertical="top", wrap_text=True
            )
        row += len(notes)
    row += 1
    date_line = vietnamese_date_line(_nfc(report.signer.place), report.signer.on)
    _put_lines(ws, row, r_first, r_last, [_Line(date_line, italic=True)], widths)
    row += 1
    left_signer, right_signer = _signer_lines(report)
    _put_lines(ws, row, l_first, l_last, left_signer, widths)
    _put_lines(ws, row, r_first, r_last, right_signer, widths)

    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def xlsx_of(report: Report) -> bytes:
    """The report as the bytes of an XLSX workbook, one worksheet per table."""
    workbook = Workbook()
    for sheet in list(workbook.worksheets):
        workbook.remove(sheet)
    workbook.properties.title = _nfc(report.title)
    workbook.properties.creator = "case-archive"
    workbook.properties.language = "vi-VN"
    taken: set[str] = set()
    for index, table in enumerate(report.tables, start=1):
        ws = workbook.create_sheet(_sheet_title(index, table, taken))
        _write_table_sheet(ws, report, table)
    if not report.tables:
        workbook.create_sheet("Báo cáo")  # a workbook needs a sheet
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
