"""A decision's PDF laid out as Decree 30/2020 lays out an administrative document, with
the fields the leader signs in and the clerk fills when issuing it.

The text comes from a template (``templates``): its head names the issuing bodies, the kind
and summary, the signer and the recipients; its body is paragraphs. This module only lays
that out (reportlab, every font the embedded serif) and adds the fields
(``form_fields.add_decision_fields``) where it drew their places: the number beside "Số:",
the date after the place name, the leader's signature between title and name, and the
agency's over the left third of the leader's, where the seal goes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from archive.demo.pdfs import registered_serif_fonts
from signing.form_fields import (
    AGENCY_FIELD,
    DATE_FIELD,
    LEADER_FIELD,
    NUMBER_FIELD,
    FieldPlace,
    add_decision_fields,
)

# Decree 30/2020 Appendix I: A4, margins top 2 cm, bottom 2 cm, left 3 cm, right 2 cm.
LEFT, RIGHT, TOP, BOTTOM = 3 * cm, 2 * cm, 2 * cm, 2 * cm
BODY_SIZE = 13
NUMBER_WIDTH = 48.0
DATE_WIDTH = 168.0
SIGNATURE_HEIGHT = 78.0


@dataclass(frozen=True)
class DecisionText:
    """What a template produced: the document's parts, as text (inline ``<b>`` allowed)."""

    issuing_parent: str  # cơ quan chủ quản
    issuing_body: str  # cơ quan ban hành
    symbol: str  # ký hiệu, e.g. QĐ-XPHC
    place: str  # địa danh
    kind: str  # tên loại, e.g. QUYẾT ĐỊNH
    summary: str  # trích yếu
    paragraphs: tuple[str, ...]  # body lines in the template's markup
    signer_title: str
    signer_name: str
    recipients: tuple[str, ...]


@dataclass
class _Places:
    fields: dict[str, FieldPlace] = field(default_factory=dict)


def decision_pdf(text: DecisionText) -> bytes:
    fonts = registered_serif_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=LEFT,
        rightMargin=RIGHT,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=f"{text.kind} {text.summary}",
        author=text.issuing_body,
        lang="vi",
        initialFontName=fonts.regular,
        initialFontSize=BODY_SIZE,
    )
    places = _Places()
    width = A4[0] - LEFT - RIGHT
    story: list[Flowable] = [_Header(text, width, places), Spacer(1, 18)]
    story += _body(text, fonts.regular, fonts.bold)
    story.append(Spacer(1, 12))
    story.append(_SignatureBlock(text, width, places))
    document.build(story)
    return _with_fields(as_pdfa(buffer.getvalue()), places)


def as_pdfa(pdf: bytes) -> bytes:
    """reportlab's PDF (every font embedded) written anew as PDF/A-2b, so a decision is fit
    for the archive from its draft on: an sRGB output intent, XMP metadata agreeing with
    the document information, and pikepdf's rewrite ending every stream with a newline."""
    import pikepdf
    from PIL import ImageCms

    with pikepdf.open(io.BytesIO(pdf)) as opened:
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        profile = opened.make_stream(srgb)
        profile.N = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier=pikepdf.String("sRGB"),
            DestOutputProfile=profile,
        )
        opened.Root.OutputIntents = pikepdf.Array([opened.make_indirect(intent)])
        # reportlab's /Trapped has no property in the XMP schemas PDF/A-2 predefines: it
        # stays in the document information only.
        trapped = opened.docinfo.get("/Trapped")
        if trapped is not None:
            del opened.docinfo["/Trapped"]
        with opened.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.load_from_docinfo(opened.docinfo)
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
        if trapped is not None:
            opened.docinfo["/Trapped"] = trapped
        out = io.BytesIO()
        opened.save(out)
    return out.getvalue()


def _with_fields(pdf: bytes, places: _Places) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    add_decision_fields(
        writer,
        [places.fields[NUMBER_FIELD], places.fields[DATE_FIELD]],
        places.fields[LEADER_FIELD],
        places.fields[AGENCY_FIELD],
    )
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body",
        fontName=regular,
        fontSize=BODY_SIZE,
        leading=BODY_SIZE * 1.35,
        alignment=TA_JUSTIFY,
        firstLineIndent=1 * cm,
        spaceAfter=5,
    )
    return {
        "body": base,
        "item": ParagraphStyle("item", parent=base, firstLineIndent=0, leftIndent=1 * cm),
        "kind": ParagraphStyle(
            "kind",
            parent=base,
            fontName=bold,
            fontSize=14,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=2,
        ),
        "summary": ParagraphStyle(
            "summary",
            parent=base,
            fontName=bold,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=14,
        ),
        "centre": ParagraphStyle(
            "centre",
            parent=base,
            fontName=bold,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceBefore=6,
            spaceAfter=8,
        ),
    }


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(line: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", line)


def _body(text: DecisionText, regular: str, bold: str) -> list[Flowable]:
    styles = _styles(regular, bold)
    flow: list[Flowable] = [
        Paragraph(escape(text.kind), styles["kind"]),
        Paragraph(escape(text.summary), styles["summary"]),
    ]
    for line in text.paragraphs:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("## "):
            flow.append(Paragraph(_inline(stripped[3:]), styles["centre"]))
        elif stripped.startswith("- "):
            flow.append(Paragraph("- " + _inline(stripped[2:]), styles["item"]))
        else:
            flow.append(Paragraph(_inline(stripped), styles["body"]))
    return flow


class _Header(Flowable):  # type: ignore[misc]
    """Quốc hiệu, tiêu ngữ, the issuing bodies, number and date (Decree 30, Appendix I)."""

    LEFT_SHARE = 0.42

    def __init__(self, text: DecisionText, width: float, places: _Places) -> None:
        super().__init__()
        self.text = text
        self.width = width
        self.places = places
        self.height = 86.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        fonts = registered_serif_fonts()
        canvas = self.canv
        left_centre = self.width * self.LEFT_SHARE / 2
        right_centre = self.width * self.LEFT_SHARE + self.width * (1 - self.LEFT_SHARE) / 2
        top = self.height
        canvas.setFont(fonts.regular, 12)
        canvas.drawCentredString(left_centre, top - 12, self.text.issuing_parent.upper())
        canvas.setFont(fonts.bold, 12)
        canvas.drawCentredString(left_centre, top - 27, self.text.issuing_body.upper())
        canvas.line(left_centre - 30, top - 32, left_centre + 30, top - 32)
        canvas.setFont(fonts.bold, 12)
        canvas.drawCentredString(right_centre, top - 12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        canvas.setFont(fonts.bold, 13)
        motto = "Độc lập - Tự do - Hạnh phúc"
        canvas.drawCentredString(right_centre, top - 27, motto)
        half = stringWidth(motto, fonts.bold, 13) / 2
        canvas.line(right_centre - half, top - 31, right_centre + half, top - 31)

        # "Số: [number]/QĐ-XPHC", centred under the issuing body.
        canvas.setFont(fonts.regular, 13)
        label, suffix = "Số: ", f"/{self.text.symbol}"
        total = (
            stringWidth(label, fonts.regular, 13)
            + NUMBER_WIDTH
            + stringWidth(suffix, fonts.regular, 13)
        )
        x = left_centre - total / 2
        baseline = top - 52
        canvas.drawString(x, baseline, label)
        x += stringWidth(label, fonts.regular, 13)
        self._place(NUMBER_FIELD, x, baseline - 5, NUMBER_WIDTH, 19)
        canvas.drawString(x + NUMBER_WIDTH, baseline, suffix)

        # "<place>, [ngày … tháng … năm …]", italic, centred under the motto.
        canvas.setFont(fonts.italic, 13)
        place = f"{self.text.place}, "
        total = stringWidth(place, fonts.italic, 13) + DATE_WIDTH
        x = right_centre - total / 2
        canvas.drawString(x, baseline, place)
        x += stringWidth(place, fonts.italic, 13)
        self._place(DATE_FIELD, x, baseline - 5, DATE_WIDTH, 19)

    def _place(self, name: str, x: float, y: float, width: float, height: float) -> None:
        ax, ay = self.canv.absolutePosition(x, y)
        page = self.canv.getPageNumber() - 1
        self.places.fields[name] = FieldPlace(name, page, (ax, ay, ax + width, ay + height))


class _SignatureBlock(Flowable):  # type: ignore[misc]
    """Nơi nhận on the left; the signer's title, signature place and name on the right."""

    def __init__(self, text: DecisionText, width: float, places: _Places) -> None:
        super().__init__()
        self.text = text
        self.width = width
        self.places = places
        self.height = 40 + SIGNATURE_HEIGHT + 24 + 14 * max(0, len(text.recipients) - 4)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Any]:
        return []  # the block stays whole: it moves to the next page instead

    def draw(self) -> None:
        fonts = registered_serif_fonts()
        canvas = self.canv
        top = self.height
        canvas.setFont(fonts.bold_italic, 12)
        canvas.drawString(0, top - 12, "Nơi nhận:")
        canvas.setFont(fonts.regular, 11)
        for number, recipient in enumerate(self.text.recipients):
            canvas.drawString(0, top - 27 - 13 * number, f"- {recipient}")

        centre = self.width * 0.7
        canvas.setFont(fonts.bold, 13)
        canvas.drawCentredString(centre, top - 12, self.text.signer_title.upper())
        box_width = 230.0
        x1 = centre - box_width / 2
        y1 = top - 22 - SIGNATURE_HEIGHT
        self._place(LEADER_FIELD, x1, y1, box_width, SIGNATURE_HEIGHT)
        # Decree 30: the seal covers about a third of the signature, on its left; the
        # agency's stamp is wide enough for its own lines of text when no seal image is sent.
        seal_width = box_width * 0.6
        self._place(AGENCY_FIELD, x1 + box_width / 3 - seal_width, y1, seal_width, SIGNATURE_HEIGHT)
        canvas.setFont(fonts.bold, 13)
        canvas.drawCentredString(centre, y1 - 16, self.text.signer_name)

    def _place(self, name: str, x: float, y: float, width: float, height: float) -> None:
        ax, ay = self.canv.absolutePosition(x, y)
        page = self.canv.getPageNumber() - 1
        self.places.fields[name] = FieldPlace(name, page, (ax, ay, ax + width, ay + height))
