"""Write a periodic statistics report (deadlines.report) as a PDF on landscape A4.

The layout is the one of the XLSX (deadlines.report_xlsx): the unit top left, the form number,
the circular it comes from and the receiver top right; the title, the period and the day the
figures stand at in the centre; then each table under its own title, with its headings and
column numbers repeated at the top of every page it runs over, counts and sums of money
written ``15.000.000`` and rates ``85,50%``, total lines in bold; the notes; the signer block
kept whole on one page. Every text is set in the demo's Unicode serif, embedded as a subset,
so Vietnamese reads back from the file and no font is left to the reader's machine. Nothing
is counted here: the pages show what the report holds.

The head of the unit's place in the signer block is an empty signature field
(``ChuKyLanhDao``, as in a decision), so the report is signed in its place: by the archive
(``deadlines.signed_reports``) or by any PAdES tool the signer uses.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from archive.demo.pdfs import SerifFontNames, registered_serif_fonts, vietnamese_date_line
from deadlines.report import (
    Measure,
    Report,
    ReportColumn,
    ReportRow,
    ReportTable,
    day_text,
    money_text,
    rate_text,
)

__all__ = ["pdf_of"]

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)
_MARGIN_LEFT = 20 * mm
_MARGIN_RIGHT = 15 * mm
_MARGIN_TOP = 15 * mm
_MARGIN_BOTTOM = 15 * mm
_FRAME_WIDTH = PAGE_WIDTH - _MARGIN_LEFT - _MARGIN_RIGHT

_CELL_SIZE = 9.0  # labels and figures
_HEAD_SIZE = 8.0  # column headings and numbers
_MIN_SIZE = 5.5  # figures in a table too wide for the page
_PAD = 3.0  # left and right padding of a table cell
_MIN_FIGURE = 18 * mm
_MAX_FIGURE = 55 * mm
_MIN_LABEL = 40 * mm
_MAX_LABEL = _FRAME_WIDTH * 0.32


@dataclass(frozen=True)
class _Styles:
    fonts: SerifFontNames
    unit: ParagraphStyle
    unit_bold: ParagraphStyle
    form: ParagraphStyle
    citation: ParagraphStyle
    receiver: ParagraphStyle
    title: ParagraphStyle
    table_title: ParagraphStyle
    period: ParagraphStyle
    heading: ParagraphStyle
    number: ParagraphStyle
    label: ParagraphStyle
    label_total: ParagraphStyle
    note: ParagraphStyle
    signer: ParagraphStyle
    hint: ParagraphStyle
    date_line: ParagraphStyle


def _styles() -> _Styles:
    f = registered_serif_fonts()

    def style(name: str, font: str, size: float, align: int = TA_CENTER, **kw: Any) -> Any:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=size * 1.22, alignment=align, **kw
        )

    return _Styles(
        fonts=f,
        unit=style("unit", f.regular, 12),
        unit_bold=style("unit_bold", f.bold, 12),
        form=style("form", f.bold, 12),
        citation=style("citation", f.italic, 10.5),
        receiver=style("receiver", f.regular, 10.5),
        title=style("title", f.bold, 14, spaceBefore=4, spaceAfter=2),
        table_title=style("table_title", f.bold, 12.5, spaceBefore=6, spaceAfter=2),
        period=style("period", f.italic, 12),
        heading=style("heading", f.bold, _HEAD_SIZE),
        number=style("number", f.italic, _HEAD_SIZE),
        label=style("label", f.regular, _CELL_SIZE, TA_LEFT),
        label_total=style("label_total", f.bold, _CELL_SIZE, TA_CENTER),
        note=style("note", f.italic, 10.5, TA_JUSTIFY, spaceBefore=2),
        signer=style("signer", f.bold, 12),
        hint=style("hint", f.italic, 11),
        date_line=style("date_line", f.italic, 12),
    )


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: NFC, markup characters escaped, line breaks kept."""
    return Paragraph(escape(_nfc(text)).replace("\n", "<br/>"), style)


def _figure(measure: Measure, value: int | float | None) -> str:
    if measure is Measure.RATE:
        return rate_text(None if value is None else float(value))
    return "-" if value is None else money_text(int(value))


def _plain_table(rows: list[list[Any]], widths: Sequence[float], fonts: SerifFontNames) -> Table:
    """A borderless layout table (heading and signer blocks)."""
    table = Table(rows, colWidths=list(widths))
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # Cells default to Helvetica, which would be referenced unembedded.
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _top(report: Report, st: _Styles) -> Flowable:
    half = _FRAME_WIDTH / 2
    left: list[Flowable] = []
    if report.agency:
        left.append(_para(report.agency.upper(), st.unit))
    left.append(_para(report.unit.upper(), st.unit_bold))
    right: list[Flowable] = [_para(report.form_number, st.form)]
    if report.citation:
        right.append(_para(report.citation, st.citation))
    if report.receiver:
        right.append(_para(report.receiver, st.receiver))
    return _plain_table([[left, right]], [half - 10 * mm, half + 10 * mm], st.fonts)


def _widest_figures(table: ReportTable, st: _Styles) -> list[float]:
    """Width of each column's widest figure, in bold at the cell size."""
    return [
        max(
            (
                pdfmetrics.stringWidth(
                    _figure(column.measure, row.values.get(column.code)), st.fonts.bold, _CELL_SIZE
                )
                for row in table.rows
            ),
            default=0.0,
        )
        for column in table.columns
    ]


def _column_widths(table: ReportTable, st: _Styles) -> list[float]:
    """The label column as wide as its longest label (within bounds), each figure column as
    wide as its widest figure; room to spare widens them, too little narrows them."""
    f = st.fonts
    label = max(
        [
            pdfmetrics.stringWidth(_nfc(row.label), f.bold if row.total else f.regular, _CELL_SIZE)
            for row in table.rows
        ]
        + [pdfmetrics.stringWidth(_nfc(table.row_heading), f.bold, _HEAD_SIZE)]
    )
    label = min(max(label + 2 * _PAD + 2, _MIN_LABEL), _MAX_LABEL)
    figures = [max(w + 2 * _PAD + 2, _MIN_FIGURE) for w in _widest_figures(table, st)]
    if not figures:
        return [_FRAME_WIDTH]
    needed = sum(figures)
    room = _FRAME_WIDTH - label - needed
    if room >= 0:
        # Room to spare: the label column first, up to a quarter of the page, then the
        # figures, each up to _MAX_FIGURE; a table still narrower than the page is centred.
        grown = min(max(label, _FRAME_WIDTH * 0.25), label + room)
        room -= grown - label
        figures = [min(max(w, w + room / len(figures)), max(w, _MAX_FIGURE)) for w in figures]
        return [grown, *figures]
    # Too many columns for the page: give back label width first, then shrink them all.
    label = max(_MIN_LABEL, _FRAME_WIDTH - needed)
    scale = (_FRAME_WIDTH - label) / needed
    return [label, *(w * min(scale, 1.0) for w in figures)]


def _data_table(table: ReportTable, st: _Styles) -> Table:
    columns: Sequence[ReportColumn] = table.columns
    rows: list[list[Any]] = [
        [_para(table.row_heading, st.heading), *(_para(c.vi, st.heading) for c in columns)]
    ]
    numbered = any(c.number for c in columns)
    if numbered:
        rows.append(["", *(_para(c.number, st.number) for c in columns)])
    head = len(rows)
    body: Sequence[ReportRow] = table.rows
    for row in body:
        rows.append(
            [
                _para(row.label, st.label_total if row.total else st.label),
                *(_figure(c.measure, row.values.get(c.code)) for c in columns),
            ]
        )
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), st.fonts.regular),
        ("FONTSIZE", (0, 0), (-1, -1), _CELL_SIZE),
        ("LEADING", (0, 0), (-1, -1), _CELL_SIZE * 1.22),
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, head), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for index, row in enumerate(body, start=head):
        if row.total:
            commands.append(("FONTNAME", (0, index), (-1, index), st.fonts.bold))
    widths = _column_widths(table, st)
    for index, (width, widest) in enumerate(
        zip(widths[1:], _widest_figures(table, st), strict=True), start=1
    ):
        if widest > width - 2 * _PAD:
            # A page too narrow for all the columns: smaller figures rather than figures
            # running into the next cell (down to a size still legible on paper).
            size = max(_MIN_SIZE, math.floor(_CELL_SIZE * (width - 2 * _PAD) / widest * 2) / 2)
            commands += [
                ("FONTSIZE", (index, head), (index, -1), size),
                ("LEADING", (index, head), (index, -1), size * 1.22),
            ]
    result = Table(rows, colWidths=widths, repeatRows=head, hAlign="CENTER", splitByRow=1)
    result.setStyle(TableStyle(commands))
    return result


# The head of the unit's signature field: the name a decision's leader signs in, so the
# signing stage signs a report in its place and certifies it as it does a decision.
SIGNATURE_FIELD = "ChuKyLanhDao"
_SIGNATURE_WIDTH = 230.0  # the signing stage's stamp, 230 × 78 points
_SIGNATURE_HEIGHT = 78.0


class _SignaturePlace(Flowable):  # type: ignore[misc]
    """Room for the signature and the seal, noting where on which page it was drawn."""

    def __init__(self) -> None:
        super().__init__()
        self.width = _SIGNATURE_WIDTH
        self.height = _SIGNATURE_HEIGHT
        self.page = -1
        self.box = (0.0, 0.0, 0.0, 0.0)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.page = self.canv.getPageNumber() - 1
        self.box = (x, y, x + self.width, y + self.height)


def _signer_block(report: Report, st: _Styles, place: _SignaturePlace) -> Flowable:
    signer = report.signer
    left: list[Flowable] = [
        _para(signer.preparer_title, st.signer),
        _para("(Ký, ghi rõ họ tên)", st.hint),
        Spacer(1, _SIGNATURE_HEIGHT),
        _para(signer.preparer_name, st.signer),
    ]
    right: list[Flowable] = [
        _para(signer.title, st.signer),
        _para("(Ký, đóng dấu, ghi rõ họ tên)", st.hint),
        place,
        _para(signer.name, st.signer),
    ]
    date_line = _para(vietnamese_date_line(_nfc(signer.place), signer.on), st.date_line)
    half = _FRAME_WIDTH / 2
    # The date line above the right column only, so that both titles stand on one line.
    return _plain_table([["", date_line], [left, right]], [half, half], st.fonts)


def _story(report: Report, st: _Styles, place: _SignaturePlace) -> list[Flowable]:
    story: list[Flowable] = [
        _top(report, st),
        Spacer(1, 5 * mm),
        _para(report.title, st.title),
        _para(report.period_label, st.period),
        _para(f"Số liệu tính đến ngày {day_text(report.as_of)}", st.period),
    ]
    for table in report.tables:
        story += [
            Spacer(1, 3 * mm),
            _para(table.title_vi, st.table_title),
            Spacer(1, 2 * mm),
            _data_table(table, st),
        ]
    # The notes go with the signer block: a page never holds the signatures alone.
    closing: list[Flowable] = []
    if report.notes:
        closing.append(Spacer(1, 3 * mm))
        closing += [_para(note, st.note) for note in report.notes]
    closing += [Spacer(1, 4 * mm), _signer_block(report, st, place)]
    story.append(KeepTogether(closing))
    return story


def _page_number(canvas: Any, _doc: Any) -> None:
    # From the second page on, centred in the top margin, as Decree 30 numbers pages.
    canvas.saveState()
    canvas.setFont(registered_serif_fonts().regular, 11)
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 9 * mm, str(canvas.getPageNumber()))
    canvas.restoreState()


def pdf_of(report: Report) -> bytes:
    """The report as the bytes of a PDF on landscape A4. Raises
    :class:`archive.demo.pdfs.FontNotFoundError` when no suitable font is installed."""
    st = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=_MARGIN_LEFT,
        rightMargin=_MARGIN_RIGHT,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=_nfc(report.title),
        author="case-archive",
        subject=_nfc(report.form_number),
        creator="case-archive",
        lang="vi",
        invariant=1,  # no timestamp or random id: the same report gives the same bytes
        # Without this the canvas starts in Helvetica, which is referenced but never embedded.
        initialFontName=st.fonts.regular,
    )
    place = _SignaturePlace()
    doc.build(_story(report, st, place), onLaterPages=_page_number)
    return _with_signature_field(out.getvalue(), place)


def _with_signature_field(pdf: bytes, place: _SignaturePlace) -> bytes:
    """The report with the head of the unit's empty signature field where the block left
    room for it, blank until signed. Written by pikepdf with an identifier drawn from the
    content, so the same report still gives the same bytes (pyHanko's writer would stamp
    the time of writing)."""
    import pikepdf

    x1, y1, x2, y2 = (round(v) for v in place.box)
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        blank = opened.make_stream(
            b"",
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=pikepdf.Array([0, 0, x2 - x1, y2 - y1]),
        )
        # One dictionary for the field and its widget; no /P back to the page, which
        # pyHanko's change analysis would count against a later form filling.
        signature_field = opened.make_indirect(
            pikepdf.Dictionary(
                FT=pikepdf.Name.Sig,
                T=pikepdf.String(SIGNATURE_FIELD),
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Widget,
                Rect=pikepdf.Array([x1, y1, x2, y2]),
                F=4,  # printed
                AP=pikepdf.Dictionary(N=blank),
            )
        )
        page = opened.pages[place.page]
        page.obj.Annots = pikepdf.Array([*page.obj.get("/Annots", []), signature_field])
        opened.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([signature_field]))
        out = io.BytesIO()
        opened.save(out, deterministic_id=True)
    return out.getvalue()
