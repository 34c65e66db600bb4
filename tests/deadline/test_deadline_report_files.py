"""The report writers lay out what a report holds: the XLSX read back with openpyxl keeps
every figure as the exact number in its own cell, with its format, its bold total line and the
form's heading and signer block; the PDF read back with poppler shows the Vietnamese text, the
figures written the Vietnamese way, embedded fonts only, on landscape pages, and a long table
repeats its headings on every page."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pypdf import PdfReader

from archive.demo.pdfs import FontNotFoundError, find_serif_fonts
from deadlines.report import (
    Measure,
    Report,
    ReportColumn,
    ReportRow,
    ReportTable,
    Signer,
)
from deadlines.report_pdf import SIGNATURE_FIELD, pdf_of
from deadlines.report_xlsx import xlsx_of

TITLE = "BÁO CÁO THỐNG KÊ KẾT QUẢ XỬ LÝ VI PHẠM HÀNH CHÍNH"
UNIT = "Phòng Cảnh sát giao thông"
AGENCY = "Công an thành phố Hà Nội"
FORM_NUMBER = "Biểu số 01/XLVPHC"
CITATION = "Ban hành kèm theo Thông tư số 01/2023/TT-BTP"
RECEIVER = "Nơi nhận báo cáo: Cục Cảnh sát giao thông"
PERIOD = "Tháng 02 năm 2026 (từ 01/02/2026 đến 28/02/2026)"
AS_OF_LINE = "Số liệu tính đến ngày 28/02/2026"
# Written here by hand: Decree 30 pads the day below 10, not the month from March on.
DATE_LINE = "Hà Nội, ngày 05 tháng 3 năm 2026"
SIGNER = "Nguyễn Văn Á"
PREPARER = "Trần Thị Bình"
NOTES = (
    "Không tính các vụ việc đã chuyển cơ quan điều tra.",
    "Tỷ lệ để trống khi trong kỳ không có vụ việc nào đến hạn.",
)

CASES = ReportColumn("cases", "Số vụ việc đã xử lý", "Cases", Measure.COUNT, "(1)")
FINES = ReportColumn("fines", "Số tiền phạt (đồng)", "Fines", Measure.MONEY, "(2)")
ON_TIME = ReportColumn("on_time", "Tỷ lệ giải quyết đúng hạn", "On time", Measure.RATE, "(3)")
FIELD_CASES = ReportColumn("cases", "Số vụ việc", "Cases", Measure.COUNT)
FIELD_FINES = ReportColumn("fines", "Số tiền đã thu", "Collected", Measure.MONEY)

BY_UNIT = ReportTable(
    title_vi="Bảng 1. Kết quả xử lý theo đơn vị",
    title_en="Table 1. Results by unit",
    row_heading="Đơn vị",
    columns=(CASES, FINES, ON_TIME),
    rows=(
        ReportRow(
            "Đội Cảnh sát giao thông số 1", {"cases": 37, "fines": 15000000, "on_time": 85.5}
        ),
        ReportRow(
            "Đội Cảnh sát giao thông số 2", {"cases": 0, "fines": 1234567890123, "on_time": None}
        ),
        ReportRow("Tổng cộng", {"cases": 37, "fines": 1234582890123, "on_time": 85.5}, total=True),
    ),
)
BY_FIELD = ReportTable(
    title_vi="Bảng 2. Kết quả xử lý theo lĩnh vực",
    title_en="Table 2. Results by field",
    row_heading="Lĩnh vực",
    columns=(FIELD_CASES, FIELD_FINES),
    rows=(
        ReportRow("Trật tự, an toàn giao thông đường bộ", {"cases": 30, "fines": 9000000}),
        ReportRow("Trật tự xây dựng", {"cases": 7, "fines": 6000000}),
        ReportRow("Tổng cộng", {"cases": 37, "fines": 15000000}, total=True),
    ),
)


def make_report(*tables: ReportTable) -> Report:
    return Report(
        form="xlvphc",
        form_number=FORM_NUMBER,
        citation=CITATION,
        agency=AGENCY,
        # Decomposed on purpose: the writers must give it back composed (NFC).
        unit=unicodedata.normalize("NFD", UNIT),
        title=TITLE,
        title_en="Statistics report on administrative violations",
        period_label=PERIOD,
        period_start=date(2026, 2, 1),
        period_end=date(2026, 2, 28),
        as_of=date(2026, 2, 28),
        tables=tables or (BY_UNIT, BY_FIELD),
        signer=Signer(
            place="Hà Nội",
            on=date(2026, 3, 5),
            title="TRƯỞNG PHÒNG",
            name=SIGNER,
            preparer_name=PREPARER,
        ),
        notes=NOTES,
        receiver=RECEIVER,
    )


def long_table(rows: int) -> ReportTable:
    return ReportTable(
        title_vi="Bảng 1. Kết quả xử lý theo tổ công tác",
        title_en="Table 1. Results by team",
        row_heading="Tổ công tác",
        columns=(CASES, FINES, ON_TIME),
        rows=tuple(
            ReportRow(
                f"Tổ công tác số {i:03d}",
                {"cases": i, "fines": i * 1500000, "on_time": None if i % 7 == 0 else i / 2},
            )
            for i in range(1, rows + 1)
        ),
    )


# --------------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------------


def cells_with(ws: Worksheet, text: str) -> list[Cell]:
    return [
        cell
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell, Cell) and cell.value == text
    ]


def only_cell(ws: Worksheet, text: str) -> Cell:
    found = cells_with(ws, text)
    assert len(found) == 1, f"{text!r} in {ws.title}: {found}"
    return found[0]


def row_values(ws: Worksheet, row: int, width: int) -> list[Any]:
    return [ws.cell(row=row, column=c).value for c in range(1, width + 1)]


def test_xlsx_has_one_form_per_table_with_heading_and_signer() -> None:
    book = load_workbook(io.BytesIO(xlsx_of(make_report())))
    assert len(book.worksheets) == 2
    titles = [ws.title for ws in book.worksheets]
    assert len(set(titles)) == 2
    for name in titles:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name
    assert book.properties.title == TITLE
    assert book.properties.creator == "case-archive"

    for ws, table in zip(book.worksheets, (BY_UNIT, BY_FIELD), strict=True):
        assert isinstance(ws, Worksheet)
        form = only_cell(ws, FORM_NUMBER)
        assert form.font.b
        assert only_cell(ws, CITATION).font.i
        only_cell(ws, RECEIVER)
        only_cell(ws, AGENCY.upper())
        unit = only_cell(ws, "PHÒNG CẢNH SÁT GIAO THÔNG")  # upper case and NFC
        assert unit.font.b
        assert unit.column < form.column and unit.row <= form.row + 1

        title = only_cell(ws, TITLE)
        assert title.font.b and (title.font.sz or 0) > (unit.font.sz or 0)
        table_title = only_cell(ws, table.title_vi)
        period = only_cell(ws, PERIOD)
        as_of = only_cell(ws, AS_OF_LINE)
        assert unit.row < title.row < table_title.row < period.row < as_of.row

        heading = only_cell(ws, table.row_heading)
        assert heading.row > as_of.row and heading.column == 1
        last_data = heading.row + len(table.rows) + (1 if table is BY_UNIT else 0)
        notes = [only_cell(ws, note) for note in NOTES]
        assert all(note.font.i and note.row > last_data for note in notes)

        date_line = only_cell(ws, DATE_LINE)
        assert date_line.font.i
        preparer_title = only_cell(ws, "NGƯỜI LẬP BIỂU")
        signer_title = only_cell(ws, "TRƯỞNG PHÒNG")
        assert preparer_title.font.b and signer_title.font.b
        assert only_cell(ws, "(Ký, ghi rõ họ tên)").font.i
        assert only_cell(ws, "(Ký, đóng dấu, ghi rõ họ tên)").font.i
        signer = only_cell(ws, SIGNER)
        preparer = only_cell(ws, PREPARER)
        assert signer.font.b
        # Preparer on the left, head of the unit on the right, names under their titles.
        assert preparer_title.column < signer_title.column == date_line.column
        assert notes[-1].row < date_line.row < signer_title.row < signer.row
        assert preparer_title.row == signer_title.row and preparer.row == signer.row

        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == "9"  # A4
        assert ws.sheet_properties.pageSetUpPr is not None
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1


def test_xlsx_table_holds_the_exact_numbers_with_their_formats() -> None:
    book = load_workbook(io.BytesIO(xlsx_of(make_report())))
    ws = book.worksheets[0]
    assert isinstance(ws, Worksheet)
    top = only_cell(ws, "Đơn vị").row
    assert row_values(ws, top, 4) == [
        "Đơn vị",
        "Số vụ việc đã xử lý",
        "Số tiền phạt (đồng)",
        "Tỷ lệ giải quyết đúng hạn (%)",
    ]
    assert row_values(ws, top + 1, 4) == [None, "(1)", "(2)", "(3)"]
    for column in range(1, 5):
        head = ws.cell(row=top, column=column)
        assert head.font.b and head.alignment.wrap_text
        assert head.border.top.style and head.border.bottom.style
    assert ws.freeze_panes == f"B{top + 2}"

    first, second, total = (top + 2, top + 3, top + 4)
    assert row_values(ws, first, 4) == ["Đội Cảnh sát giao thông số 1", 37, 15000000, 85.5]
    assert row_values(ws, second, 4) == ["Đội Cảnh sát giao thông số 2", 0, 1234567890123, None]
    assert row_values(ws, total, 4) == ["Tổng cộng", 37, 1234582890123, 85.5]
    big = ws.cell(row=second, column=3).value
    assert type(big) is int and big == 1234567890123
    rate = ws.cell(row=first, column=4).value
    assert type(rate) is float and rate == 85.5
    for row in (first, second, total):
        assert ws.cell(row=row, column=2).number_format == "#,##0"
        assert ws.cell(row=row, column=3).number_format == "#,##0"
        assert ws.cell(row=row, column=4).number_format == "0.00"
        for column in range(1, 5):
            cell = ws.cell(row=row, column=column)
            assert bool(cell.font.b) is (row == total), (row, column)
            assert cell.border.left.style and cell.border.right.style
    assert ws.cell(row=total + 1, column=2).value is None  # nothing after the total line

    # A table whose columns have no numbers has no numbers row.
    ws2 = book.worksheets[1]
    assert isinstance(ws2, Worksheet)
    top2 = only_cell(ws2, "Lĩnh vực").row
    assert row_values(ws2, top2, 3) == ["Lĩnh vực", "Số vụ việc", "Số tiền đã thu"]
    assert row_values(ws2, top2 + 1, 3) == ["Trật tự, an toàn giao thông đường bộ", 30, 9000000]
    assert ws2.freeze_panes == f"B{top2 + 1}"
    # Columns are wide enough for the largest sum of money.
    width = ws.column_dimensions["C"].width
    assert width is not None and width >= len("1.234.567.890.123")


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def need_poppler() -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        message = "pdftotext and pdffonts (Debian package poppler-utils) are not installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        find_serif_fonts()
    except FontNotFoundError as error:
        pytest.skip(str(error))


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    result = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return re.sub(r"[ \t]+", " ", unicodedata.normalize("NFC", result.stdout))


def font_rows(path: Path) -> list[tuple[str, str]]:
    """(font name, emb) rows, cut by the dashes under pdffonts' header."""
    out = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    lines = out.splitlines()
    dashes = next(i for i, line in enumerate(lines) if line.startswith("---"))
    spans = [m.span() for m in re.finditer(r"-+", lines[dashes])]
    header = lines[dashes - 1]
    emb = next(span for span in spans if header[span[0] : span[1]].strip() == "emb")
    return [
        (line[spans[0][0] : spans[0][1]].strip(), line[emb[0] : emb[1]].strip())
        for line in lines[dashes + 1 :]
        if line.strip()
    ]


def test_pdf_shows_the_report_in_vietnamese_with_embedded_fonts(tmp_path: Path) -> None:
    need_poppler()
    report = make_report()
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_of(report))

    text = pdf_text(path)
    for expected in (
        TITLE,
        FORM_NUMBER,
        CITATION,
        AGENCY.upper(),
        "PHÒNG CẢNH SÁT GIAO THÔNG",
        PERIOD,
        AS_OF_LINE,
        BY_UNIT.title_vi,
        BY_FIELD.title_vi,
        "Số vụ việc đã xử lý",
        "15.000.000",
        "1.234.567.890.123",
        "1.234.582.890.123",
        "85,50%",
        *NOTES,
        "NGƯỜI LẬP BIỂU",
        "(Ký, đóng dấu, ghi rõ họ tên)",
        DATE_LINE,
        SIGNER,
        PREPARER,
    ):
        assert expected in text, expected
    # Line order follows the form: heading, tables, notes, signer.
    order = [TITLE, BY_UNIT.title_vi, BY_FIELD.title_vi, NOTES[0], DATE_LINE, SIGNER]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    # The missing rate is a dash, not 0,00%.
    second = next(line for line in text.splitlines() if "Đội Cảnh sát giao thông số 2" in line)
    assert second.split()[-1] == "-" and "0,00%" not in text

    rows = font_rows(path)
    assert len(rows) >= 3, rows  # regular, bold and italic at least
    assert all(emb == "yes" for _, emb in rows), rows
    assert not any(re.search(r"helvetica|times|courier", name, re.I) for name, _ in rows), rows

    reader = PdfReader(path)
    assert len(reader.pages) >= 1
    for page in reader.pages:
        assert float(page.mediabox.width) > float(page.mediabox.height)
    assert reader.metadata is not None
    assert reader.metadata.title == TITLE
    assert reader.metadata.author == "case-archive"
    assert str(reader.root_object.get("/Lang")) == "vi"

    assert pdf_of(report) == path.read_bytes()  # the same report gives the same file


@pytest.mark.parametrize("rows", [5, 120])
def test_pdf_leaves_the_heads_place_as_an_empty_signature_field(rows: int) -> None:
    """Between the head's title and name, on the page the block ends on, an empty field any
    PAdES tool (or the archive) signs in; nothing else is a form field."""
    data = pdf_of(make_report(long_table(rows)))
    ((name, value, widget),) = list(enumerate_sig_fields(PdfFileReader(io.BytesIO(data))))
    assert name == SIGNATURE_FIELD and value is None  # empty: nobody signed yet
    x1, y1, x2, y2 = (float(v) for v in widget.get_object()["/Rect"])
    assert (x2 - x1, y2 - y1) == (230, 78)  # the signing stage's stamp fits
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = next(p for p in pdf.pages if p.annots)
        assert page is pdf.pages[-1]
        words = page.extract_words()
        height = float(page.height)
        hint = next(w for w in words if w["text"] == "đóng" and w["x0"] > x1 - 50)
        name_top = min(w["top"] for w in words if w["text"] in SIGNER.split())
    top, bottom = height - y2, height - y1  # the field, measured from the top as pdfplumber
    assert hint["bottom"] <= top + 1 and bottom <= name_top + 1
    assert x1 < hint["x0"] < x2


def test_pdf_long_table_repeats_its_headings_on_every_page(tmp_path: Path) -> None:
    need_poppler()
    table = long_table(120)
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf_of(make_report(table)))
    pages = len(PdfReader(path).pages)
    assert pages >= 3

    seen: list[str] = []
    texts = [pdf_text(path, page) for page in range(1, pages + 1)]
    for number, text in enumerate(texts, start=1):
        for heading in ("Tổ công tác", "Số vụ việc đã xử lý", "Số tiền phạt (đồng)", "(2)"):
            assert heading in text, (number, heading)
        seen += re.findall(r"Tổ công tác số (\d{3})", text)
    # Every row once, in order, none lost or repeated at the page breaks.
    assert seen == [f"{i:03d}" for i in range(1, 121)]
    assert TITLE in texts[0] and TITLE not in "".join(texts[1:])
    # The signer block is kept whole, on the last page.
    assert all(s in texts[-1] for s in (DATE_LINE, "TRƯỞNG PHÒNG", SIGNER, PREPARER))
    assert "180.000.000" in texts[-1]  # the last row: 120 × 1.500.000


def test_xlsx_long_table_repeats_its_headings_when_printed() -> None:
    book = load_workbook(io.BytesIO(xlsx_of(make_report(long_table(120)))))
    ws = book.worksheets[0]
    assert isinstance(ws, Worksheet)
    top = only_cell(ws, "Tổ công tác").row
    assert ws.print_title_rows == f"${top}:${top + 1}"
    assert ws.freeze_panes == f"B{top + 2}"
    labels = [ws.cell(row=top + 2 + i, column=1).value for i in range(120)]
    assert labels == [f"Tổ công tác số {i:03d}" for i in range(1, 121)]
    assert ws.cell(row=top + 2 + 119, column=3).value == 180000000
    assert ws.cell(row=top + 2 + 6, column=4).value is None  # row 7: no rate
