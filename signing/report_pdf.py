"""The offline verification of signed PDFs as a report an auditor prints and files.

Portrait A4, Vietnamese first with the English beside or below it in a smaller size: the
heading; what was checked (the subject, when, against which trust roots, offline); the
overall verdict with how many files got each; a table of the files when there are several;
then per file its name, SHA-256 and size, a block per signature (the verdict in words and
in colour, signer, claimed and timestamped times in Vietnam time, chain, revocation, PAdES
level, integrity, changes after signing, every reason in both languages) and the document
timestamps; "Trang x/y" at the foot of every page. Long names and hashes wrap inside their
cells. Every text is set in the demo's Unicode serif, embedded as a subset.

Nothing is verified or decided here: the pages only lay out the
:class:`signing.verdicts.FileReport` values :func:`signing.verdicts.verify` returned, in
the wording ``archive verify`` prints (signing/cli.py).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from archive.demo.pdfs import SerifFontNames, registered_serif_fonts
from signing.cli import _CHANGES, _REVOCATION, _VERDICT_VI
from signing.stamps import VIETNAM
from signing.verdicts import FileReport, Reason, SignatureReport, Verdict, worst

__all__ = ["verification_pdf"]

PAGE_WIDTH, PAGE_HEIGHT = A4
_MARGIN_LEFT = 20 * mm
_MARGIN_RIGHT = 15 * mm
_MARGIN_TOP = 15 * mm
_MARGIN_BOTTOM = 18 * mm  # the footer sits in it
_FRAME_WIDTH = PAGE_WIDTH - _MARGIN_LEFT - _MARGIN_RIGHT

_LABEL_WIDTH = 42 * mm
_INDENT = 5 * mm  # a signature block under its file
_SIZE = 9.5  # body text
_SMALL = 7.8  # the English beside or below
_PAD = 4.0
_FILE_ROOM = 60 * mm  # a file's heading with the first lines of its first signature

HEADING_VI = "BÁO CÁO KIỂM TRA CHỮ KÝ SỐ"
HEADING_EN = "Signature verification report"
OFFLINE = "kiểm tra ngoại tuyến: không truy vấn mạng · offline: nothing fetched"

# Dark enough to read when printed in grey: the words always say the verdict as well.
_COLOUR: dict[Verdict, Color] = {
    Verdict.VALID: HexColor("#1b6b2a"),
    Verdict.INVALID: HexColor("#b3161b"),
    Verdict.INDETERMINATE: HexColor("#9a5b00"),
}
_VERDICT_EN = {
    Verdict.VALID: "VALID",
    Verdict.INVALID: "INVALID",
    Verdict.INDETERMINATE: "INDETERMINATE",
}
_MEANING = {
    Verdict.VALID: (
        "chữ ký đúng, chứng thư tin cậy và chưa bị thu hồi theo dữ liệu trong tệp",
        "the signature holds, its certificate is trusted and not revoked per the file's data",
    ),
    Verdict.INVALID: (
        "chữ ký sai, nội dung bị sửa, hoặc chứng thư đã bị thu hồi",
        "the signature fails, the content was altered, or the certificate was revoked",
    ),
    Verdict.INDETERMINATE: (
        "tệp không đủ dữ liệu để khẳng định (ví dụ thiếu dữ liệu thu hồi, gốc không tin cậy)",
        "the file lacks what it takes to decide (e.g. no revocation data, untrusted root)",
    ),
}
_GREY = HexColor("#3c3c3c")
_RULE = HexColor("#9e9e9e")
_SHADE = HexColor("#ececec")
_NONE = ("không có", "none")


@dataclass(frozen=True)
class _Styles:
    fonts: SerifFontNames
    heading: ParagraphStyle
    heading_en: ParagraphStyle
    title: ParagraphStyle
    section: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    bullet: ParagraphStyle
    code: ParagraphStyle
    file_name: ParagraphStyle
    verdict: ParagraphStyle
    overall: ParagraphStyle
    note: ParagraphStyle
    cell_head: ParagraphStyle


def _styles() -> _Styles:
    f = registered_serif_fonts()

    def style(name: str, font: str, size: float, align: int = TA_LEFT, **kw: Any) -> Any:
        # splitLongWords (reportlab's default, kept explicit): a name or hash longer than
        # its cell is cut across lines rather than drawn past the cell and the page.
        return ParagraphStyle(
            name,
            fontName=font,
            fontSize=size,
            leading=size * 1.25,
            alignment=align,
            splitLongWords=1,
            **kw,
        )

    return _Styles(
        fonts=f,
        heading=style("heading", f.bold, 15, TA_CENTER),
        heading_en=style("heading_en", f.italic, 11, TA_CENTER, textColor=_GREY),
        title=style("title", f.regular, 11, TA_CENTER, spaceBefore=3),
        section=style("section", f.bold, 11, spaceBefore=8, spaceAfter=3),
        label=style("label", f.bold, _SIZE - 0.5),
        value=style("value", f.regular, _SIZE),
        # A hanging indent; the bullet in the embedded serif, not reportlab's Helvetica.
        bullet=style(
            "bullet", f.regular, _SIZE, leftIndent=9, bulletIndent=0, bulletFontName=f.regular
        ),
        code=style("code", f.regular, _SIZE - 0.5),
        file_name=style("file_name", f.bold, 10.5),
        verdict=style("verdict", f.bold, 10.5, TA_RIGHT),
        overall=style("overall", f.bold, 12),
        note=style("note", f.regular, _SMALL + 0.4, textColor=_GREY),
        cell_head=style("cell_head", f.bold, _SIZE - 0.5),
    )


# --------------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------------


def _text(text: str) -> str:
    """Plain text as paragraph markup: NFC (precomposed glyphs), markup characters escaped."""
    return escape(unicodedata.normalize("NFC", text))


def _en(text: str, *, italic: bool = False) -> str:
    body = _text(text)
    if italic:
        body = f"<i>{body}</i>"
    return f'<font size="{_SMALL}" color="{_GREY.hexval()}">{body}</font>'


def _beside(vi: str, en: str) -> str:
    """Vietnamese, then the English beside it in the smaller size."""
    return f"{_text(vi)} {_en('· ' + en)}"


def _split(bilingual: str) -> str:
    """A "tiếng Việt · English" wording of signing/cli.py, its English part set smaller."""
    vi, dot, en = bilingual.partition(" · ")
    return _beside(vi, en) if dot else _text(bilingual)


def _label(vi: str, en: str, st: _Styles) -> Paragraph:
    """A row's label: Vietnamese in bold, the English below it, smaller."""
    return Paragraph(f"{_text(vi)}<br/>{_en(en, italic=True)}", st.label)


def _verdict_words(verdict: Verdict, st: _Styles, style: ParagraphStyle | None = None) -> Paragraph:
    colour = _COLOUR[verdict].hexval()
    return Paragraph(
        f'<font color="{colour}">{_text(_VERDICT_VI[verdict])} '
        f'<font size="{_SMALL + 1}">· {_VERDICT_EN[verdict]}</font></font>',
        style or st.verdict,
    )


def _verdict_width(style: ParagraphStyle) -> float:
    """A column wide enough for the longest verdict on one line, in ``style``'s font."""
    widest: float = max(
        stringWidth(_VERDICT_VI[v] + " ", style.fontName, style.fontSize)
        + stringWidth("· " + _VERDICT_EN[v], style.fontName, _SMALL + 1)
        for v in Verdict
    )
    return widest + 2 * _PAD + 2


def _vietnam_time(moment: datetime) -> str:
    """dd/mm/yyyy HH:MM:SS +07:00; pyHanko's times are aware, a naive one is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S +07:00")


def _when(moment: datetime | None) -> str:
    return _beside(*_NONE) if moment is None else _text(_vietnam_time(moment))


def _count(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _reason(reason: Reason, st: _Styles) -> Paragraph:
    return Paragraph(
        f"{_text(reason.vi)}<br/>{_en(reason.en, italic=True)}", st.bullet, bulletText="•"
    )


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------


def _grid(
    rows: list[list[Any]],
    widths: Sequence[float],
    st: _Styles,
    *,
    head: bool = False,
    extra: Sequence[tuple[Any, ...]] = (),
    repeat: int = 0,
) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=repeat, hAlign="LEFT", splitByRow=1)
    commands: list[tuple[Any, ...]] = [
        # Cells default to Helvetica, which would be referenced and never embedded.
        ("FONTNAME", (0, 0), (-1, -1), st.fonts.regular),
        ("FONTSIZE", (0, 0), (-1, -1), _SIZE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, _RULE),
    ]
    if head:
        commands += [
            ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
            ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, "black"),
        ]
    table.setStyle(TableStyle([*commands, *extra]))
    return table


def _checked(
    reports: Sequence[FileReport],
    subject: str | None,
    made_at: datetime,
    trust_roots: Sequence[str],
    st: _Styles,
) -> Table:
    """What was checked: the subject, how many files, when, against which roots, offline."""
    rows: list[list[Any]] = []
    if subject:
        rows.append(
            [_label("Đối tượng kiểm tra", "Subject", st), Paragraph(_text(subject), st.value)]
        )
    rows.append(
        [
            _label("Số tệp", "Files", st),
            Paragraph(_beside(f"{_count(len(reports))} tệp PDF", "PDF files"), st.value),
        ]
    )
    rows.append(
        [_label("Thời điểm kiểm tra", "Checked at", st), Paragraph(_when(made_at), st.value)]
    )
    if trust_roots:
        roots: list[Paragraph] = [
            Paragraph(_text(name), st.bullet, bulletText="•") for name in trust_roots
        ]
    else:
        roots = [
            Paragraph(
                f'<font color="{_COLOUR[Verdict.INVALID].hexval()}">'
                + _beside(
                    "KHÔNG CÓ chứng thư gốc nào: không chữ ký nào có thể hợp lệ",
                    "NO trust root configured: no signature can be valid",
                )
                + "</font>",
                st.value,
            )
        ]
    rows.append([_label("Chứng thư gốc tin cậy", "Trust roots", st), roots])
    rows.append(
        [
            _label("Cách kiểm tra", "Method", st),
            [
                Paragraph(_split(OFFLINE), st.value),
                Paragraph(
                    _beside(
                        "dữ liệu thu hồi (OCSP/CRL) chỉ được tính khi có sẵn trong tệp",
                        "revocation data (OCSP/CRL) counts only when the file carries it",
                    ),
                    st.value,
                ),
            ],
        ]
    )
    return _grid(
        rows,
        [_LABEL_WIDTH, _FRAME_WIDTH - _LABEL_WIDTH],
        st,
        extra=[("LINEABOVE", (0, 0), (-1, 0), 0.8, "black")],
    )


def _overall(reports: Sequence[FileReport], st: _Styles) -> list[Flowable]:
    """The verdict over every file, how many files got each, and what the words mean."""
    if not reports:
        return [
            Paragraph(
                _beside(
                    "KẾT LUẬN CHUNG: không có tệp nào được kiểm tra", "OVERALL: no file checked"
                ),
                st.overall,
            )
        ]
    overall = worst(r.verdict for r in reports)
    colour = _COLOUR[overall].hexval()
    line = Paragraph(
        f"{_text('KẾT LUẬN CHUNG')} {_en('· OVERALL')}: "
        f'<font color="{colour}">{_text(_VERDICT_VI[overall])} '
        f'<font size="{_SMALL + 1.5}">· {_VERDICT_EN[overall]}</font></font>',
        st.overall,
    )
    tally = [
        _beside(
            f"{_count(sum(r.verdict is v for r in reports))} {_VERDICT_VI[v].lower()}",
            v.value,
        )
        for v in (Verdict.VALID, Verdict.INVALID, Verdict.INDETERMINATE)
    ]
    counts = Paragraph("; ".join(tally), st.value)
    box = Table([[[line, counts]]], colWidths=[_FRAME_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), st.fonts.regular),
                ("BOX", (0, 0), (-1, -1), 1.2, _COLOUR[overall]),
                ("LINEBEFORE", (0, 0), (0, -1), 5, _COLOUR[overall]),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    legend = [
        Paragraph(
            f'<font color="{_COLOUR[v].hexval()}"><b>{_text(_VERDICT_VI[v])}</b></font>'
            f" — {_text(_MEANING[v][0])} · <i>{_text(_VERDICT_EN[v].lower())}: "
            f"{_text(_MEANING[v][1])}</i>",
            st.note,
        )
        for v in (Verdict.VALID, Verdict.INVALID, Verdict.INDETERMINATE)
    ]
    return [box, Spacer(1, 2 * mm), *legend]


def _summary(reports: Sequence[FileReport], st: _Styles) -> Table:
    """One line per file: its number, name, how many signatures, verdict."""
    number_w, count_w, verdict_w = 10 * mm, 18 * mm, _verdict_width(st.value)
    name_w = _FRAME_WIDTH - number_w - count_w - verdict_w
    rows: list[list[Any]] = [
        [
            Paragraph("TT<br/>" + _en("No.", italic=True), st.cell_head),
            Paragraph("Tệp<br/>" + _en("File", italic=True), st.cell_head),
            Paragraph("Số chữ ký<br/>" + _en("Signatures", italic=True), st.cell_head),
            Paragraph("Kết quả<br/>" + _en("Verdict", italic=True), st.cell_head),
        ]
    ]
    for number, report in enumerate(reports, start=1):
        rows.append(
            [
                Paragraph(str(number), st.value),
                Paragraph(_text(report.name or "—"), st.value),
                Paragraph(str(len(report.signatures)), st.value),
                _verdict_words(report.verdict, st, st.value),
            ]
        )
    return _grid(rows, [number_w, name_w, count_w, verdict_w], st, head=True, repeat=1)


def _file_head(number: int, total: int, report: FileReport, st: _Styles) -> Table:
    value_w = _FRAME_WIDTH - _LABEL_WIDTH
    verdict_w = _verdict_width(st.verdict)
    name = Paragraph(
        f"{_text(f'Tệp {number}/{total}')} {_en(f'· File {number} of {total}')}<br/>"
        f"{_text(report.name or '—')}",
        st.file_name,
    )
    rows: list[list[Any]] = [
        [name, "", _verdict_words(report.verdict, st)],
        [
            _label("Mã băm SHA-256", "SHA-256 digest", st),
            Paragraph(_text(report.sha256), st.code),
            "",
        ],
        [
            _label("Kích thước", "Size", st),
            Paragraph(_beside(f"{_count(report.size)} byte", "bytes"), st.value),
            "",
        ],
    ]
    if report.problem is not None:
        rows.append(
            [
                _label("Vấn đề", "Problem", st),
                _reason_colored(report.problem, report.verdict, st),
                "",
            ]
        )
    else:
        rows.append(
            [
                _label("Số chữ ký", "Signatures", st),
                Paragraph(
                    _beside(
                        f"{len(report.signatures)} chữ ký, "
                        f"{len(report.document_timestamps)} dấu thời gian tài liệu",
                        f"{len(report.signatures)} signature(s), "
                        f"{len(report.document_timestamps)} document timestamp(s)",
                    ),
                    st.value,
                ),
                "",
            ]
        )
    return _grid(
        rows,
        [_LABEL_WIDTH, value_w - verdict_w, verdict_w],
        st,
        head=True,
        extra=[
            ("SPAN", (0, 0), (1, 0)),
            *(("SPAN", (1, row), (2, row)) for row in range(1, len(rows))),
            ("LINEBEFORE", (0, 0), (0, -1), 4, _COLOUR[report.verdict]),
        ],
    )


def _reason_colored(reason: Reason, verdict: Verdict, st: _Styles) -> Paragraph:
    return Paragraph(
        f'<font color="{_COLOUR[verdict].hexval()}">{_text(reason.vi)}</font><br/>'
        f"{_en(reason.en, italic=True)}",
        st.value,
    )


def _chain(s: SignatureReport, st: _Styles) -> list[Paragraph]:
    if not s.chain:
        return [Paragraph(_beside(*_NONE), st.value)]
    lines = []
    for index, name in enumerate(s.chain):
        role = ""
        if index == 0:
            role = " " + _en("(người ký · signer)")
        elif index == len(s.chain) - 1 and s.trusted:
            role = " " + _en("(gốc tin cậy · trusted root)")
        lines.append(Paragraph(f"{index + 1}. {_text(name)}{role}", st.value))
    if s.trusted:
        verdict = _beside("chuỗi đến một gốc tin cậy", "the chain reaches a trusted root")
    else:
        # Not trusted as validated: no chain to a root, or one that could not be confirmed
        # (the reasons say which).
        colour = _COLOUR[Verdict.INDETERMINATE].hexval()
        said = _beside(
            "KHÔNG xác nhận được là tin cậy (xem lý do)",
            "NOT validated as trusted (see the reasons)",
        )
        verdict = f'<font color="{colour}">{said}</font>'
    lines.append(Paragraph(verdict, st.value))
    return lines


def _integrity(s: SignatureReport) -> str:
    if s.intact:
        said = _beside("các byte đã ký khớp với chữ ký", "the signed bytes match the signature")
    else:
        colour = _COLOUR[Verdict.INVALID].hexval()
        said = (
            f'<font color="{colour}">'
            + _beside(
                "ĐÃ BỊ SỬA: các byte đã ký không khớp", "ALTERED: the signed bytes do not match"
            )
            + "</font>"
        )
    if s.covers_whole_file:
        cover = _beside("chữ ký bao trùm toàn bộ tệp", "it covers the whole file")
    else:
        cover = _beside(
            "tệp có phần được thêm sau chữ ký", "the file was extended after this signature"
        )
    return f"{said}<br/>{cover}"


def _changes(s: SignatureReport) -> str:
    if not s.changes_after:
        return _beside("không có", "none")
    said = []
    for change in s.changes_after:
        wording = _split(_CHANGES.get(change, change))
        if change == "other":
            wording = f'<font color="{_COLOUR[Verdict.INVALID].hexval()}">{wording}</font>'
        said.append(wording)
    text = "; ".join(said)
    if s.changed_fields:
        text += "<br/>" + _beside("ô: " + ", ".join(s.changed_fields), "fields")
    return text


def _signature(
    number: int, total: int, s: SignatureReport, of_file: tuple[int, int], st: _Styles
) -> Table:
    width = _FRAME_WIDTH - _INDENT
    value_w = width - _LABEL_WIDTH
    verdict_w = _verdict_width(st.verdict)
    field = f" — {_text(s.field)}" if s.field else ""
    file_number, files = of_file
    # Said again at the top of the next page when the block runs over: whose it is.
    where = _en(f"(tệp {file_number}/{files} · file {file_number} of {files})")
    title = Paragraph(
        f"{_text(f'Chữ ký {number}/{total}')} {_en(f'· Signature {number} of {total}')}"
        f"{field} {where}",
        st.cell_head,
    )
    signer = _text(s.signer) if s.signer else _beside("không đọc được", "unreadable")
    signer_cell: list[Paragraph] = [Paragraph(f"<b>{signer}</b>", st.value)]
    if s.signer_subject and s.signer_subject != s.signer:
        signer_cell.append(Paragraph(_en(s.signer_subject), st.value))
    level = _text(f"PAdES {s.level}") if s.level else _beside("không xác định", "unknown")
    rows: list[list[Any]] = [
        [title, "", _verdict_words(s.verdict, st)],
        [_label("Người ký", "Signer", st), signer_cell, ""],
        [
            _label("Thời điểm ký (tự khai)", "Claimed signing time", st),
            Paragraph(
                _when(s.claimed_time)
                + "<br/>"
                + _en("đồng hồ của người ký, không phải bằng chứng · the signer's clock, no proof"),
                st.value,
            ),
            "",
        ],
        [
            _label("Dấu thời gian", "Timestamp (RFC 3161)", st),
            Paragraph(_when(s.timestamp_time), st.value),
            "",
        ],
        [_label("Chuỗi chứng thư", "Certificate chain", st), _chain(s, st), ""],
        [
            _label("Tình trạng thu hồi", "Revocation", st),
            Paragraph(_split(_REVOCATION.get(s.revocation, s.revocation)), st.value),
            "",
        ],
        [_label("Mức PAdES", "PAdES level", st), Paragraph(level, st.value), ""],
        [_label("Toàn vẹn", "Integrity", st), Paragraph(_integrity(s), st.value), ""],
        [
            _label("Thay đổi sau khi ký", "Changes after signing", st),
            Paragraph(_changes(s), st.value),
            "",
        ],
        [
            _label("Lý do", "Reasons", st),
            [_reason(reason, st) for reason in s.reasons] or Paragraph(_beside(*_NONE), st.value),
            "",
        ],
    ]
    table = _grid(
        rows,
        [_LABEL_WIDTH, value_w - verdict_w, verdict_w],
        st,
        head=True,
        repeat=1,  # a block split over two pages says again whose signature it is
        extra=[
            ("SPAN", (0, 0), (1, 0)),
            *(("SPAN", (1, row), (2, row)) for row in range(1, len(rows))),
            ("LINEBEFORE", (0, 0), (0, -1), 4, _COLOUR[s.verdict]),
            ("LINEABOVE", (0, 0), (-1, 0), 0.5, _RULE),
        ],
    )
    table.hAlign = "RIGHT"
    return table


def _document_timestamps(report: FileReport, st: _Styles) -> Table:
    width = _FRAME_WIDTH - _INDENT
    rows = [
        [
            _label("Dấu thời gian tài liệu", "Document timestamp", st),
            Paragraph(_when(moment), st.value),
        ]
        for moment in report.document_timestamps
    ]
    table = _grid(rows, [_LABEL_WIDTH, width - _LABEL_WIDTH], st)
    table.hAlign = "RIGHT"
    return table


def _file(number: int, total: int, report: FileReport, st: _Styles) -> list[Flowable]:
    head = _file_head(number, total, report, st)
    blocks: list[Flowable] = []
    for index, signature in enumerate(report.signatures, start=1):
        block = _signature(index, len(report.signatures), signature, (number, total), st)
        blocks += [Spacer(1, 2.5 * mm), block]
    if report.document_timestamps:
        blocks += [Spacer(1, 2 * mm), _document_timestamps(report, st)]
    # A file's heading never stands alone at the foot of a page: with less room left than
    # the heading and the start of a signature block take, the file starts a new page.
    return [CondPageBreak(_FILE_ROOM), Spacer(1, 5 * mm), head, *blocks]


def _story(
    reports: Sequence[FileReport],
    title: str,
    subject: str | None,
    made_at: datetime,
    trust_roots: Sequence[str],
    st: _Styles,
) -> list[Flowable]:
    story: list[Flowable] = [
        Paragraph(_text(HEADING_VI), st.heading),
        Paragraph(_text(HEADING_EN), st.heading_en),
    ]
    if title and unicodedata.normalize("NFC", title).strip() not in (HEADING_VI, HEADING_EN):
        story.append(Paragraph(_text(title), st.title))
    story += [
        Spacer(1, 5 * mm),
        _checked(reports, subject, made_at, trust_roots, st),
        Spacer(1, 5 * mm),
        *_overall(reports, st),
    ]
    if len(reports) > 1:
        story += [
            Paragraph(f"{_text('Danh sách tệp')} {_en('· Files')}", st.section),
            _summary(reports, st),
        ]
    if reports:
        story += [
            CondPageBreak(_FILE_ROOM + 10 * mm),
            Paragraph(f"{_text('Chi tiết từng tệp')} {_en('· Each file in detail')}", st.section),
        ]
    for number, report in enumerate(reports, start=1):
        story += _file(number, len(reports), report, st)
    return story


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


class _NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab is untyped
    """Holds every page back until the last, so each footer can say "Trang x/y"."""

    def __init__(self, *args: Any, footer: str, font: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []
        self._footer_text = footer
        self._footer_font = font

    def showPage(self) -> None:  # reportlab's name
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        page = self.getPageNumber()
        y = 10 * mm
        self.saveState()
        self.setStrokeColor(_RULE)
        self.setLineWidth(0.4)
        self.line(_MARGIN_LEFT, y + 4.2 * mm, PAGE_WIDTH - _MARGIN_RIGHT, y + 4.2 * mm)
        self.setFillColor(_GREY)
        self.setFont(self._footer_font, 8)
        self.drawString(_MARGIN_LEFT, y, self._footer_text)
        self.drawRightString(
            PAGE_WIDTH - _MARGIN_RIGHT, y, f"Trang {page}/{total} · Page {page} of {total}"
        )
        self.restoreState()


def _footer_text(made_at: datetime, st: _Styles) -> str:
    text = f"Báo cáo kiểm tra chữ ký số · {HEADING_EN} · {_vietnam_time(made_at)}"
    # Room is left for "Trang 999/999 · Page 999 of 999" on the right.
    while stringWidth(text, st.fonts.regular, 8) > _FRAME_WIDTH - 55 * mm:
        text = text[:-2] + "…"
    return text


def verification_pdf(
    reports: Sequence[FileReport],
    *,
    title: str,
    subject: str | None,
    made_at: datetime,
    trust_roots: Sequence[str],
) -> bytes:
    """The verification of ``reports`` as the bytes of a PDF on portrait A4.

    ``title`` is the document's title (its metadata, and a line under the heading unless it
    is the heading itself); ``subject`` says what was checked (a dossier's code and title);
    ``made_at`` when; ``trust_roots`` the names of the roots the signatures were checked
    against. Raises :class:`archive.demo.pdfs.FontNotFoundError` when no suitable font is
    installed."""
    st = _styles()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN_LEFT,
        rightMargin=_MARGIN_RIGHT,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=unicodedata.normalize("NFC", title or HEADING_VI),
        author="case-archive",
        subject=unicodedata.normalize("NFC", subject or HEADING_EN),
        creator="case-archive",
        lang="vi",
        invariant=1,  # no timestamp or random id: the same reports give the same bytes
        # Without this the canvas starts in Helvetica, which is referenced but never embedded.
        initialFontName=st.fonts.regular,
    )
    # A frame without reportlab's default 6 pt padding: tables as wide as _FRAME_WIDTH end
    # at the right margin, not 6 pt past it.
    frame = Frame(
        _MARGIN_LEFT,
        _MARGIN_BOTTOM,
        _FRAME_WIDTH,
        PAGE_HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    footer = _footer_text(made_at, st)

    def canvas(*args: Any, **kwargs: Any) -> _NumberedCanvas:
        return _NumberedCanvas(*args, footer=footer, font=st.fonts.regular, **kwargs)

    doc.build(_story(reports, title, subject, made_at, trust_roots, st), canvasmaker=canvas)
    return out.getvalue()
