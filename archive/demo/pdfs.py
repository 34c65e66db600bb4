"""Render a demo document as PDF bytes in the Vietnamese administrative layout (Decree 30/2020).

The layout follows Appendix I of Decree 30/2020/NĐ-CP: A4, the issuing body top left (its
parent agency above it), the national name and motto top right, number/symbol and
"place, ngày D tháng M năm YYYY" on the next row, a bold centred title, justified body text,
the signer block bottom right with "Nơi nhận" on the left, page numbers centred at the top
from page 2. The font is a Unicode serif embedded as TrueType (subset), found by
:func:`find_serif_fonts`; the output has exactly ``doc.pages`` pages and is byte-for-byte
reproducible for the same document and font files.
"""

from __future__ import annotations

import functools
import io
import random
import re
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from archive.demo.dataset import WARDS, DemoDocument, format_date

__all__ = [
    "MAX_PAGES",
    "FontNotFoundError",
    "SerifFonts",
    "find_serif_fonts",
    "render_document",
    "vietnamese_date_line",
]

MAX_PAGES = 20

# --------------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------------


class FontNotFoundError(RuntimeError):
    """No Vietnamese-capable serif TrueType font was found on this machine."""


@dataclass(frozen=True)
class SerifFonts:
    """The TrueType files of one serif family; italics fall back to the upright faces."""

    family: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path


# (folder, family, regular, bold, italic, bold italic), best first. Liberation Serif is
# metric-compatible with Times New Roman, the font Decree 30 asks for; Noto Serif is the
# domain's second choice; DejaVu Serif is in nearly every Debian image (fonts-dejavu-core).
_BUNDLED = Path(__file__).resolve().parent / "fonts"
_LIBERATION = (
    "Liberation Serif",
    "LiberationSerif-Regular.ttf",
    "LiberationSerif-Bold.ttf",
    "LiberationSerif-Italic.ttf",
    "LiberationSerif-BoldItalic.ttf",
)
_NOTO = (
    "Noto Serif",
    "NotoSerif-Regular.ttf",
    "NotoSerif-Bold.ttf",
    "NotoSerif-Italic.ttf",
    "NotoSerif-BoldItalic.ttf",
)
_DEJAVU = (
    "DejaVu Serif",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerif-BoldItalic.ttf",
)
FONT_CANDIDATES: tuple[tuple[Path, tuple[str, str, str, str, str]], ...] = (
    (_BUNDLED, _LIBERATION),  # a copy shipped in the package (package-data "demo/fonts/*")
    (Path("/usr/share/fonts/truetype/liberation2"), _LIBERATION),
    (Path("/usr/share/fonts/truetype/liberation"), _LIBERATION),
    (Path("/usr/share/fonts/truetype/noto"), _NOTO),
    (Path("/usr/share/fonts/truetype/dejavu"), _DEJAVU),
)

_MISSING_FONT = (
    "Không tìm thấy phông chữ có chân (serif) hỗ trợ tiếng Việt để tạo tài liệu PDF mẫu. Hãy cài "
    "gói Debian fonts-liberation2 (khuyến nghị) hoặc fonts-dejavu-core: apt-get install "
    "fonts-liberation2. · No Vietnamese-capable serif font was found to render the demo PDFs. "
    "Install the Debian package fonts-liberation2 (recommended) or fonts-dejavu-core: apt-get "
    "install fonts-liberation2. Looked in: {places}"
)


def find_serif_fonts(
    candidates: Sequence[tuple[Path, tuple[str, str, str, str, str]]] = FONT_CANDIDATES,
) -> SerifFonts:
    """The first candidate folder holding at least the regular and bold faces."""
    for folder, (family, regular, bold, italic, bold_italic) in candidates:
        reg, bol = folder / regular, folder / bold
        if reg.is_file() and bol.is_file():
            ita, bit = folder / italic, folder / bold_italic
            return SerifFonts(
                family,
                reg,
                bol,
                ita if ita.is_file() else reg,
                bit if bit.is_file() else bol,
            )
    places = ", ".join(str(folder) for folder, _ in candidates)
    raise FontNotFoundError(_MISSING_FONT.format(places=places))


@dataclass(frozen=True)
class _FontNames:
    regular: str
    bold: str
    italic: str
    bold_italic: str


@functools.cache
def _registered_fonts() -> _FontNames:
    # Parsing a TTF costs tens of milliseconds: register the family once per process.
    fonts = find_serif_fonts()
    base = "ArchiveDemo-" + fonts.family.replace(" ", "")
    names = _FontNames(base, base + "-Bold", base + "-Italic", base + "-BoldItalic")
    for name, path in (
        (names.regular, fonts.regular),
        (names.bold, fonts.bold),
        (names.italic, fonts.italic),
        (names.bold_italic, fonts.bold_italic),
    ):
        # TTFont always embeds (as a subset): pdffonts reports "emb yes" for every face.
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        base,
        normal=names.regular,
        bold=names.bold,
        italic=names.italic,
        boldItalic=names.bold_italic,
    )
    return names


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def vietnamese_date_line(place: str, on: date) -> str:
    """ "Phủ Lý, ngày 26 tháng 5 năm 2023": days below 10 and months 1 and 2 take a leading zero.

    Decree 30/2020 asks for the zero so that "tháng 1" cannot be turned into "tháng 11".
    """
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return _nfc(f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}")


# --------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
_MARGIN_TOP = 20 * mm
_MARGIN_BOTTOM = 20 * mm
_MARGIN_LEFT = 30 * mm
_MARGIN_RIGHT = 15 * mm
_FRAME_WIDTH = PAGE_WIDTH - _MARGIN_LEFT - _MARGIN_RIGHT
_FRAME_HEIGHT = PAGE_HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM
_LEFT_COLUMN = 72 * mm
_RIGHT_COLUMN = _FRAME_WIDTH - _LEFT_COLUMN
# Room kept free at the bottom of every page in the page simulation, so that reportlab's own
# layout (which may differ by rounding) never pushes a flowable to an extra page.
_SLACK = 3.0

_MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
_MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


@dataclass(frozen=True)
class _Styles:
    fonts: _FontNames
    body: ParagraphStyle
    basis: ParagraphStyle
    heading: ParagraphStyle
    section: ParagraphStyle
    centred: ParagraphStyle
    caption: ParagraphStyle
    title: ParagraphStyle
    signer: ParagraphStyle
    hint: ParagraphStyle
    recipients_head: ParagraphStyle
    recipients: ParagraphStyle


@functools.cache
def _styles() -> _Styles:
    f = _registered_fonts()
    body = ParagraphStyle(
        "body",
        fontName=f.regular,
        fontSize=13,
        leading=17,
        alignment=TA_JUSTIFY,
        firstLineIndent=10 * mm,
        spaceAfter=5,
        allowWidows=0,
        allowOrphans=0,
    )
    return _Styles(
        fonts=f,
        body=body,
        basis=ParagraphStyle("basis", parent=body, fontName=f.italic),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=f.bold,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=6,
        ),
        section=ParagraphStyle(
            "section", parent=body, fontName=f.bold, alignment=TA_LEFT, firstLineIndent=0
        ),
        centred=ParagraphStyle("centred", parent=body, alignment=TA_CENTER, firstLineIndent=0),
        caption=ParagraphStyle(
            "caption",
            parent=body,
            fontName=f.italic,
            fontSize=12,
            leading=15,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=8,
        ),
        title=ParagraphStyle(
            "title", fontName=f.bold, fontSize=14, leading=18, alignment=TA_CENTER, spaceAfter=2
        ),
        signer=ParagraphStyle(
            "signer", fontName=f.bold, fontSize=13, leading=16, alignment=TA_CENTER
        ),
        hint=ParagraphStyle(
            "hint", fontName=f.italic, fontSize=12, leading=15, alignment=TA_CENTER
        ),
        recipients_head=ParagraphStyle("rh", fontName=f.bold_italic, fontSize=12, leading=14),
        recipients=ParagraphStyle("rc", fontName=f.regular, fontSize=11, leading=13),
    )


class _Rule(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A short centred horizontal line, as under the issuing body and the motto."""

    def __init__(self, length: float, space: float = 3.0) -> None:
        super().__init__()
        self.length = length
        self.space = space

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return avail_width, self.space * 2

    def draw(self) -> None:
        x = (self.avail - self.length) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(x, self.space, x + self.length, self.space)


class _Photo(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A framed stand-in for a scene photograph (bản ảnh hiện trường)."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.avail = avail_width
        return avail_width, 62 * mm

    def draw(self) -> None:
        rng = random.Random(self.seed)  # noqa: S311 — drawing, not security
        c = self.canv
        w, h = 110 * mm, 60 * mm
        x = (self.avail - w) / 2
        c.saveState()
        c.setFillColorRGB(0.80, 0.87, 0.93)  # sky
        c.rect(x, 1 * mm, w, h, stroke=0, fill=1)
        c.setFillColorRGB(0.55, 0.53, 0.48)  # ground
        c.rect(x, 1 * mm, w, h * 0.35, stroke=0, fill=1)
        for _ in range(rng.randint(2, 4)):  # buildings
            bw, bh = rng.uniform(15, 30) * mm, rng.uniform(15, 35) * mm
            bx = x + rng.uniform(2, 110 - bw / mm - 2) * mm
            shade = rng.uniform(0.55, 0.85)
            c.setFillColorRGB(shade, shade * 0.95, shade * 0.9)
            c.rect(bx, 1 * mm + h * 0.35, bw, bh, stroke=0, fill=1)
        c.setStrokeColorRGB(0.2, 0.2, 0.2)
        c.setLineWidth(0.8)
        c.rect(x, 1 * mm, w, h, stroke=1, fill=0)
        c.restoreState()


def _header_line(text: str, font: str, size: float, width: float, style: str) -> Paragraph:
    # Header lines must stay on one line: shrink the size until the text fits the column,
    # keeping a small gap so the two header columns never touch.
    while size > 8 and pdfmetrics.stringWidth(text, font, size) > width - 8:
        size -= 0.5
    return Paragraph(
        escape(text),
        ParagraphStyle(
            style, fontName=font, fontSize=size, leading=size * 1.2, alignment=TA_CENTER
        ),
    )


def _stack(lines: str, font: str, size: float, width: float) -> list[Flowable]:
    return [
        _header_line(line.strip(), font, size, width, "hl")
        for line in lines.split("\n")
        if line.strip()
    ]


def _header(doc: DemoDocument, agency: str, unit_name: str, st: _Styles) -> list[Flowable]:
    f = st.fonts
    date_line = vietnamese_date_line(doc.place, doc.issued_on)
    motto_width = pdfmetrics.stringWidth(_MOTTO_2, f.bold, 13)
    if doc.letterhead == ():
        # A private person's paper (đơn, văn bản giải trình): motto centred, no letterhead.
        return [
            _header_line(_MOTTO_1, f.bold, 13, _FRAME_WIDTH, "m1"),
            _header_line(_MOTTO_2, f.bold, 13.5, _FRAME_WIDTH, "m2"),
            _Rule(motto_width),
            Paragraph(
                escape(date_line),
                ParagraphStyle("dl", fontName=f.italic, fontSize=13, leading=16, alignment=2),
            ),
            Spacer(1, 8 * mm),
        ]
    if doc.letterhead is not None:
        agency, unit_name = (*doc.letterhead, "", "")[:2]
    agency, unit_name = _nfc(agency).upper(), _nfc(unit_name).upper()
    if agency.replace("\n", " ") == unit_name.replace("\n", " "):
        agency = ""  # the unit is itself the top agency (e.g. the People's Committee)
    left: list[Flowable] = []
    if agency:
        left += _stack(agency, f.regular, 12.5, _LEFT_COLUMN)
    left += _stack(unit_name, f.bold, 12.5, _LEFT_COLUMN)
    unit_width = max(pdfmetrics.stringWidth(line, f.bold, 12.5) for line in unit_name.split("\n"))
    left.append(_Rule(min(unit_width, _LEFT_COLUMN) * 0.45))
    right = [
        _header_line(_MOTTO_1, f.bold, 12.5, _RIGHT_COLUMN, "m1"),
        _header_line(_MOTTO_2, f.bold, 13.5, _RIGHT_COLUMN, "m2"),
        _Rule(motto_width),
    ]
    number = (
        _header_line(f"Số: {doc.number}", f.regular, 13, _LEFT_COLUMN, "no")
        if doc.number
        else Spacer(1, 1)
    )
    dated = _header_line(date_line, f.italic, 13, _RIGHT_COLUMN, "dl")
    table = Table([[left, right], [number, dated]], colWidths=[_LEFT_COLUMN, _RIGHT_COLUMN])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # Cells default to Helvetica, which would be referenced unembedded.
                ("FONTNAME", (0, 0), (-1, -1), st.fonts.regular),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [table, Spacer(1, 7 * mm)]


_ROMAN_SECTION = re.compile(r"^[IVX]+\.\s")
_ARTICLE = re.compile(r"^(Điều \d+\.)(.*)$", re.S)
_PHOTO = re.compile(r"^Ảnh số \d+:")


def _body_flowables(text: str, st: _Styles, photo_seed: int | None) -> list[Flowable]:
    text = _nfc(text)
    letters = [ch for ch in text if ch.isalpha()]
    if letters and text.upper() == text:
        style = st.section if _ROMAN_SECTION.match(text) else st.heading
        return [Paragraph(escape(text), style)]
    if text.startswith("Căn cứ"):
        return [Paragraph(escape(text), st.basis)]
    if text.startswith("Kính gửi:"):
        return [Paragraph("<b>Kính gửi:</b>" + escape(text[len("Kính gửi:") :]), st.centred)]
    if photo_seed is not None and _PHOTO.match(text):
        return [_Photo(photo_seed), Paragraph(escape(text), st.caption)]
    article = _ARTICLE.match(text)
    if article:
        return [Paragraph(f"<b>{escape(article.group(1))}</b>{escape(article.group(2))}", st.body)]
    return [Paragraph(escape(text), st.body)]


def _signature_cell(title: str, name: str, st: _Styles, with_hint: bool) -> list[Flowable]:
    cell: list[Flowable] = [
        Paragraph(escape(line), st.signer) for line in _nfc(title).split("\n") if line
    ]
    if with_hint:
        cell.append(Paragraph("(Ký, ghi rõ họ tên)", st.hint))
    cell += [Spacer(1, 24 * mm), Paragraph(escape(_nfc(name)), st.signer)]
    return cell


def _signature_block(doc: DemoDocument, st: _Styles) -> Flowable:
    signers = doc.signers or (("", doc.issuer),)
    private = doc.letterhead == ()
    if len(signers) >= 2:
        left = _signature_cell(*signers[0], st, True)
        right = _signature_cell(*signers[1], st, True)
    else:
        left = []
        if doc.recipients:
            left.append(Paragraph("Nơi nhận:", st.recipients_head))
            left += [Paragraph(escape("- " + _nfc(r)), st.recipients) for r in doc.recipients]
        right = _signature_cell(*signers[0], st, private)
    table = Table([[left, right]], colWidths=[_FRAME_WIDTH * 0.45, _FRAME_WIDTH * 0.55])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # Cells default to Helvetica, which would be referenced unembedded.
                ("FONTNAME", (0, 0), (-1, -1), st.fonts.regular),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


# --------------------------------------------------------------------------------------------
# Filler text: realistic paragraphs that grow a document to its page count
# --------------------------------------------------------------------------------------------


_COURT = (
    "Theo đơn khởi kiện, bản tự khai và các tài liệu có trong hồ sơ, người khởi kiện trình bày: "
    "thửa đất số {plot}, tờ bản đồ số {sheet}, diện tích {area} m² tại phường {ward} có nguồn gốc "
    "do gia đình khai hoang, sử dụng ổn định, liên tục từ năm {year}, không có tranh chấp với các "
    "hộ liền kề; gia đình đã kê khai, đăng ký và thực hiện đầy đủ nghĩa vụ tài chính với Nhà nước.",
    "Tại phiên tòa, người đại diện theo ủy quyền của người bị kiện trình bày: việc kiểm đếm, xác "
    "định nguồn gốc đất và lập phương án bồi thường được thực hiện công khai tại trụ sở Ủy ban "
    "nhân dân phường {ward} từ ngày {d1} đến ngày {d2}; trong thời gian niêm yết không nhận được ý "
    "kiến phản hồi của người khởi kiện.",
    "Tại Biên bản xác minh ngày {d1}, Ủy ban nhân dân phường {ward} xác nhận: diện tích {area} m² "
    "thuộc thửa đất số {plot} được thể hiện trên bản đồ địa chính đo vẽ năm {year}; hiện trạng sử "
    "dụng đất là đất ở kết hợp vườn, có nhà cấp bốn xây dựng trước ngày 01/7/2004.",
    "Về thẩm quyền ban hành quyết định: quyết định bị kiện được ban hành đúng thẩm quyền theo quy "
    "định của Luật Đất đai và Luật Tổ chức chính quyền địa phương; đối tượng khởi kiện là quyết "
    "định hành chính thuộc thẩm quyền giải quyết của Tòa án theo Điều 30 và Điều 32 Luật Tố tụng "
    "hành chính; thời hiệu khởi kiện vẫn còn.",
    "Về trình tự, thủ tục: hồ sơ thể hiện Ủy ban nhân dân thành phố đã ban hành thông báo thu hồi "
    "đất số {num}/TB-UBND ngày {d1}, tổ chức họp dân, điều tra, khảo sát, đo đạc, kiểm đếm; tuy "
    "nhiên biên bản kiểm đếm không có chữ ký của người sử dụng đất và không thể hiện việc vận "
    "động, thuyết phục theo quy định.",
    "Tòa án đã tiến hành thu thập tài liệu, chứng cứ gồm: sổ mục kê năm {year}; bản đồ địa chính "
    "tờ số {sheet}; biên bản kiểm đếm ngày {d1}; phương án bồi thường, hỗ trợ đã được phê duyệt; "
    "các văn bản trả lời của Ủy ban nhân dân phường {ward} và Văn phòng đăng ký đất đai tỉnh Hà "
    "Nam.",
    "Đại diện Viện kiểm sát nhân dân phát biểu ý kiến: trong quá trình giải quyết vụ án, Thẩm "
    "phán, Hội đồng xét xử và Thư ký phiên tòa đã chấp hành đúng quy định của Luật Tố tụng hành "
    "chính; người tham gia tố tụng đã thực hiện đúng quyền và nghĩa vụ của mình.",
    "Xét yêu cầu bồi thường của người khởi kiện: tại phiên tòa người khởi kiện không cung cấp được "
    "chứng cứ chứng minh thiệt hại thực tế phát sinh; số tiền {money} đồng được tính theo bảng giá "
    "đất do Ủy ban nhân dân tỉnh Hà Nam ban hành là có căn cứ.",
    "Người làm chứng là ông tổ trưởng tổ dân phố số {floors} phường {ward} trình bày: gia đình "
    "người khởi kiện sử dụng đất từ trước năm {year}, có tường bao xây gạch, không lấn chiếm đất "
    "công.",
    "Ngày {d1}, Tòa án đã ban hành quyết định xem xét, thẩm định tại chỗ; kết quả đo đạc xác định "
    "diện tích thực tế sử dụng là {area} m², chênh lệch so với hồ sơ địa chính {len2} m² do sai số "
    "đo đạc qua các thời kỳ.",
    "Tại phiên họp kiểm tra việc giao nộp, tiếp cận, công khai chứng cứ và đối thoại ngày {d2}, "
    "các đương sự giữ nguyên ý kiến, không thống nhất được với nhau về việc giải quyết vụ án.",
    "Người có quyền lợi, nghĩa vụ liên quan có văn bản đề nghị giải quyết vắng mặt và đề nghị Tòa "
    "án giải quyết vụ án theo quy định của pháp luật; không có yêu cầu độc lập.",
)
_RECORD = (
    "Tại thời điểm lập biên bản, hiện trạng được ghi nhận như sau: công trình xây dựng {floors} "
    "tầng, kết cấu khung bê tông cốt thép, tường gạch, diện tích xây dựng khoảng {area} m², đã "
    "hoàn thiện phần thô; tại công trình không có biển báo thông tin công trình theo quy định.",
    "Tổ công tác đã tiến hành đo đạc, xác định kích thước phần vi phạm: chiều dài {len1} m, chiều "
    "rộng {len2} m, chiều cao {len3} m; việc đo đạc được thực hiện bằng thước thép và máy đo "
    "khoảng cách laser, có sự chứng kiến của đại diện tổ dân phố phường {ward}.",
    "Tang vật, phương tiện, giấy phép, chứng chỉ hành nghề bị tạm giữ: không. Người vi phạm đã "
    "được giải thích các quyền và nghĩa vụ theo quy định của Luật Xử lý vi phạm hành chính, trong "
    "đó có quyền giải trình và quyền khiếu nại, khởi kiện.",
    "Ý kiến của đại diện chính quyền địa phương: Ủy ban nhân dân phường {ward} đã nhiều lần nhắc "
    "nhở, yêu cầu dừng thi công từ ngày {d1} nhưng chủ đầu tư vẫn tiếp tục thi công; đề nghị cơ "
    "quan có thẩm quyền xử lý nghiêm theo quy định.",
    "Hồ sơ, giấy tờ do người vi phạm xuất trình tại thời điểm kiểm tra gồm: bản sao giấy chứng "
    "nhận quyền sử dụng đất số {num}; hợp đồng thi công ký ngày {d1}; bản vẽ thiết kế không có "
    "thẩm định của cơ quan có thẩm quyền.",
    "Các tình tiết khác có liên quan: việc vi phạm được phát hiện qua phản ánh của người dân trên "
    "đường dây nóng ngày {d1}; tổ công tác đã chụp {count} ảnh hiện trường lưu hồ sơ vụ việc.",
    "Thành phần chứng kiến gồm ông tổ trưởng tổ dân phố số {floors} và {count} hộ dân liền kề; các "
    "hộ liền kề xác nhận việc thi công diễn ra liên tục từ ngày {d1}, chủ yếu vào buổi tối.",
    "Tại thời điểm kiểm tra, trên công trình có {count} công nhân đang làm việc, không trang bị "
    "đầy đủ bảo hộ lao động; vật liệu xây dựng tập kết chiếm dụng vỉa hè với chiều dài khoảng "
    "{len1} m.",
    "Đã yêu cầu người vi phạm xuất trình giấy tờ liên quan trong thời hạn 03 ngày làm việc kể từ "
    "ngày lập biên bản; quá thời hạn trên nếu không xuất trình được thì bị xử lý theo hồ sơ hiện "
    "có.",
    "Kết quả kiểm tra, đối chiếu với hồ sơ cấp phép lưu tại Phòng Quản lý đô thị cho thấy phần xây "
    "dựng vượt mật độ và chiều cao cho phép; khoảng lùi so với chỉ giới đường đỏ thiếu {len2} m.",
)
_DECISION = (
    "Xét hồ sơ vụ việc gồm {count} tài liệu, được đánh số bút lục từ số 01 đến số {folio}, trong "
    "đó có biên bản vi phạm, bản ảnh hiện trường, văn bản xác minh của Ủy ban nhân dân phường "
    "{ward} và các tài liệu khác có liên quan.",
    "Quá trình xác minh cho thấy hành vi vi phạm xảy ra từ ngày {d1}, đã được Ủy ban nhân dân "
    "phường {ward} phát hiện, lập biên bản và yêu cầu khắc phục; đến ngày {d2} tổ chức, cá nhân vi "
    "phạm vẫn chưa thực hiện việc khắc phục hậu quả.",
    "Giao Trưởng phòng chuyên môn chủ trì, phối hợp với Ủy ban nhân dân phường {ward} và các cơ "
    "quan có liên quan theo dõi, đôn đốc việc chấp hành; báo cáo kết quả về Ủy ban nhân dân thành "
    "phố trước ngày {d2}.",
    "Tổng hợp kết quả thực hiện: trong kỳ đã tiếp nhận {count} nguồn tin, tiến hành kiểm tra {num} "
    "lượt cơ sở, phát hiện và xử lý {folio} trường hợp vi phạm, tổng số tiền phạt thu nộp ngân "
    "sách nhà nước là {money} đồng.",
    "Yêu cầu các tổ chức, cá nhân có liên quan thực hiện nghiêm túc nội dung văn bản này; trong "
    "quá trình thực hiện, nếu có khó khăn, vướng mắc thì phản ánh kịp thời về cơ quan ban hành để "
    "được hướng dẫn, giải quyết.",
    "Việc lưu trữ hồ sơ thực hiện theo quy định của pháp luật về lưu trữ; văn thư cơ quan có trách "
    "nhiệm vào sổ, cấp số, đóng dấu và phát hành văn bản trong ngày làm việc tiếp theo kể từ ngày "
    "ký.",
    "Về kinh phí: kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước giao cho đơn vị năm "
    "{year2}; việc thanh toán, quyết toán thực hiện theo quy định hiện hành về quản lý tài chính.",
    "Chế độ báo cáo: định kỳ trước ngày 20 hằng tháng, các đơn vị tổng hợp kết quả thực hiện, khó "
    "khăn, vướng mắc và đề xuất, kiến nghị gửi về cơ quan chủ trì để tổng hợp, báo cáo cấp trên.",
    "Phối hợp với Ủy ban nhân dân phường {ward} tuyên truyền, phổ biến pháp luật cho các hộ kinh "
    "doanh trên địa bàn; vận động ký cam kết chấp hành quy định, đã có {count} hộ ký cam kết.",
    "Trường hợp phát hiện dấu hiệu tội phạm, chuyển ngay hồ sơ vụ việc cho cơ quan tiến hành tố "
    "tụng hình sự có thẩm quyền theo quy định tại Điều 62 Luật Xử lý vi phạm hành chính.",
)
_PETITION = (
    "Gia đình tôi sinh sống ổn định tại địa phương từ năm {year}, luôn chấp hành tốt chủ trương, "
    "đường lối của Đảng, chính sách, pháp luật của Nhà nước và các quy định của địa phương; chưa "
    "từng bị xử lý vi phạm trong lĩnh vực nào.",
    "Ngày {d1}, tôi đã có đơn gửi Ủy ban nhân dân phường {ward} đề nghị xem xét, nhưng đến nay vẫn "
    "chưa nhận được văn bản trả lời; việc chậm giải quyết ảnh hưởng lớn đến đời sống, sinh hoạt "
    "của gia đình tôi.",
    "Tôi gửi kèm theo đơn này các tài liệu, chứng cứ gồm: bản sao giấy tờ tùy thân; bản sao giấy "
    "chứng nhận số {num}; {count} ảnh chụp hiện trạng và biên nhận hồ sơ ngày {d2}.",
    "Năm {year}, gia đình tôi nhận chuyển nhượng diện tích {area} m² đất thuộc thửa số {plot}, tờ "
    "bản đồ số {sheet} tại phường {ward}; việc chuyển nhượng có xác nhận của chính quyền địa "
    "phương và đã nộp đầy đủ lệ phí trước bạ theo quy định.",
    "Trong quá trình giải quyết, cán bộ địa chính phường {ward} đã đến kiểm tra hiện trạng ngày "
    "{d1} nhưng không lập biên bản và không thông báo kết quả cho gia đình tôi; tôi đã nhiều lần "
    "liên hệ qua số điện thoại đường dây nóng nhưng không được trả lời.",
    "Thu nhập chính của gia đình tôi từ việc buôn bán nhỏ tại chợ, bình quân khoảng {money} đồng "
    "mỗi năm; hiện gia đình đang nuôi {floors} người con đi học và chăm sóc mẹ già trên 80 tuổi.",
    "Việc xác định giá đất để tính bồi thường chưa phù hợp với giá chuyển nhượng thực tế trên thị "
    "trường tại khu vực; các thửa đất liền kề cùng vị trí được bồi thường với mức giá cao hơn.",
    "Tôi đề nghị cơ quan có thẩm quyền tổ chức đối thoại trực tiếp để gia đình tôi được trình bày "
    "đầy đủ ý kiến, đồng thời xem xét lại toàn bộ hồ sơ theo đúng quy định của pháp luật.",
)

_FAMILIES = {
    "ban_an": _COURT,
    "bien_ban_doi_thoai": _COURT,
    "thong_bao_thu_ly": _COURT,
    "quyet_dinh_thi_hanh_an": _COURT,
    "bien_ban_vi_pham": _RECORD,
    "bien_ban_xac_minh": _RECORD,
    "bien_ban_kiem_tra": _RECORD,
    "bien_ban_tam_giu": _RECORD,
    "anh_hien_truong": _RECORD,
    "don_khoi_kien": _PETITION,
    "don_yeu_cau": _PETITION,
    "don_to_giac": _PETITION,
    "van_ban_giai_trinh": _PETITION,
}


def _filler(doc: DemoDocument) -> Iterator[str]:
    """Endless, deterministic paragraphs in the register of the document's kind."""
    # crc32, not hash(): str hashes change between processes and the PDFs must not.
    key = f"{doc.kind}|{doc.number}|{doc.title}|{doc.issued_on}"
    rng = random.Random(zlib.crc32(key.encode()))  # noqa: S311 — filler text, not security
    templates = _FAMILIES.get(doc.kind, _DECISION)
    order = list(templates)
    year = doc.issued_on.year
    while True:
        last = order[-1]
        rng.shuffle(order)
        if order[0] == last:  # no paragraph twice in a row across two rounds
            order.append(order.pop(0))
        for template in order:
            d1 = date.fromordinal(doc.issued_on.toordinal() - rng.randint(20, 400))
            d2 = date.fromordinal(d1.toordinal() + rng.randint(5, 60))
            yield template.format(
                plot=rng.randint(12, 480),
                sheet=rng.randint(3, 42),
                area=rng.randint(40, 420),
                ward=rng.choice(WARDS),
                year=rng.randint(1975, year - 5),
                d1=format_date(d1),
                d2=format_date(d2),
                num=rng.randint(10, 999),
                floors=rng.randint(2, 5),
                year2=doc.issued_on.year,
                len1=f"{rng.uniform(3, 20):.2f}".replace(".", ","),
                len2=f"{rng.uniform(2, 8):.2f}".replace(".", ","),
                len3=f"{rng.uniform(3, 15):.2f}".replace(".", ","),
                count=rng.randint(3, 30),
                folio=rng.randint(12, 80),
                money=f"{rng.randint(50, 2000) * 100_000:,}".replace(",", "."),
            )


# --------------------------------------------------------------------------------------------
# Exact pagination
# --------------------------------------------------------------------------------------------


def _height(flowable: Flowable) -> float:
    # Line breaking is the costly part of layout and look-ahead repeats it for the same
    # flowables at the same width: remember each flowable's height.
    cached: float | None = getattr(flowable, "_demo_height", None)
    if cached is None:
        cached = float(flowable.wrap(_FRAME_WIDTH, _FRAME_HEIGHT)[1])
        flowable._demo_height = cached
    return cached


class _Pager:
    """Lays flowables onto fixed-size pages the way a reportlab Frame would, but up front.

    Knowing the page breaks before building lets the renderer add filler paragraphs until the
    document has exactly the requested number of pages, then build once with explicit page
    breaks. Paragraphs are split across pages like reportlab does; other flowables move whole.
    """

    def __init__(self, record: bool = True) -> None:
        self.pages: list[list[Flowable]] = [[]]
        self.remaining = _FRAME_HEIGHT
        self.record = record

    def probe(self) -> _Pager:
        """A copy that counts pages without keeping flowables (for look-ahead)."""
        copy = _Pager(record=False)
        copy.pages = [[None]] * (len(self.pages) - 1) + [[None] if self.pages[-1] else []]
        copy.remaining = self.remaining
        return copy

    @property
    def count(self) -> int:
        return len(self.pages)

    def _new_page(self) -> None:
        self.pages.append([])
        self.remaining = _FRAME_HEIGHT

    def _place(self, flowable: Flowable, height: float) -> None:
        self.pages[-1].append(flowable if self.record else None)
        self.remaining -= height + flowable.getSpaceAfter()

    def add(self, flowable: Flowable) -> None:
        while True:
            height = _height(flowable)
            if height <= self.remaining - _SLACK:
                self._place(flowable, height)
                return
            if isinstance(flowable, Paragraph) and self.remaining - _SLACK > 0:
                parts = flowable.split(_FRAME_WIDTH, self.remaining - _SLACK)
                if len(parts) == 2:
                    first_height = _height(parts[0])
                    self._place(parts[0], first_height)
                    self._new_page()
                    flowable = parts[1]
                    continue
            if not self.pages[-1]:
                raise ValueError("a block of the document is taller than a page")
            self._new_page()


def _lay_out(doc: DemoDocument, agency: str, unit_name: str) -> list[Flowable]:
    st = _styles()
    photo_seed = zlib.crc32(doc.title.encode()) if doc.kind == "anh_hien_truong" else None
    blocks = [
        _body_flowables(p, st, None if photo_seed is None else photo_seed + i)
        for i, p in enumerate(doc.paragraphs)
    ]
    at = len(blocks) - 1 if doc.fill_at is None else doc.fill_at
    at = max(0, min(at, len(blocks)))
    head: list[Flowable] = [
        *_header(doc, agency, unit_name, st),
        Paragraph(escape(_nfc(doc.title)), st.title),
        _Rule(40 * mm, 4),
        Spacer(1, 3 * mm),
    ]
    head += [f for block in blocks[:at] for f in block]
    tail: list[Flowable] = [f for block in blocks[at:] for f in block]
    tail += [Spacer(1, 4 * mm), _signature_block(doc, st)]

    pager = _Pager()
    for flowable in head:
        pager.add(flowable)
    tail_height = sum(_height(f) + f.getSpaceAfter() for f in tail)
    tail_pages = int(tail_height // _FRAME_HEIGHT) + 2
    filler = _filler(doc)
    padded = False
    while True:
        if pager.count + tail_pages > doc.pages:
            # Only look ahead near the target: the tail cannot end before its own length.
            probe = pager.probe()
            for flowable in tail:
                probe.add(flowable)
            if probe.count == doc.pages:
                break
            if probe.count > doc.pages:
                raise ValueError(
                    f"'{doc.title}' needs {probe.count} pages, more than the {doc.pages} asked for"
                )
        pager.add(_body_flowables(next(filler), st, None)[0])
        padded = True
    while padded:
        # A padded document should not end on a page holding only its signature: keep adding
        # text while the page count holds and the last page stays under about two thirds full.
        candidate = _body_flowables(next(filler), st, None)[0]
        probe = pager.probe()
        for flowable in (candidate, *tail):
            probe.add(flowable)
        if probe.count != doc.pages or probe.remaining < _FRAME_HEIGHT / 3:
            break
        pager.add(candidate)
    for flowable in tail:
        pager.add(flowable)

    story: list[Flowable] = []
    for index, page in enumerate(pager.pages):
        if index:
            story.append(PageBreak())
        story += page
    return story


def _page_number(canvas: Any, _doc: Any) -> None:
    # Decree 30: page numbers centred in the top margin, from the second page on.
    canvas.saveState()
    canvas.setFont(_registered_fonts().regular, 13)
    canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 13 * mm, str(canvas.getPageNumber()))
    canvas.restoreState()


def render_document(doc: DemoDocument, *, agency: str, unit_name: str) -> bytes:
    """The document as a PDF of exactly ``doc.pages`` pages (1–20).

    ``agency`` and ``unit_name`` head the letterhead (upper-cased; "\\n" breaks a line) unless
    the document names another issuing body in ``doc.letterhead``. Raises
    :class:`FontNotFoundError` when no suitable font is installed, ``ValueError`` when the page
    count is out of range or too small for the document's own text.
    """
    if not 1 <= doc.pages <= MAX_PAGES:
        raise ValueError(f"pages must be between 1 and {MAX_PAGES}, not {doc.pages}")
    story = _lay_out(doc, agency, unit_name)
    out = io.BytesIO()
    template = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN_LEFT,
        rightMargin=_MARGIN_RIGHT,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=_nfc(doc.title),
        author=_nfc(doc.issuer),
        subject=doc.kind,
        creator="case-archive demo",
        lang="vi-VN",
        invariant=1,  # no timestamp or random id: the same document gives the same bytes
        # Without this the canvas starts in Helvetica, which is referenced but never embedded.
        initialFontName=_registered_fonts().regular,
    )
    frame = Frame(
        _MARGIN_LEFT,
        _MARGIN_BOTTOM,
        _FRAME_WIDTH,
        _FRAME_HEIGHT,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates(
        [
            PageTemplate("first", frames=[frame], autoNextPageTemplate="later"),
            PageTemplate("later", frames=[frame], onPage=_page_number),
        ]
    )
    template.build(story)
    if template.page != doc.pages:
        raise RuntimeError(f"laid out {template.page} pages instead of {doc.pages}")
    return out.getvalue()
