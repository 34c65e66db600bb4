"""The fields a decision carries for Decree 30's order of work: the leader signs, then the
clerk gives it its number and date of issue and adds the agency's signature.

A decision made from a template has two text fields, the number (``so_ky_hieu``) and the
date of issue (``ngay_ban_hanh``), and two empty signature fields: the leader's
(``ChuKyLanhDao``), whose lock leaves only those three others open, and the agency's
(``ChuKyCoQuan``), over the left third of the leader's as the seal is placed. The leader's
signature certifies the decision allowing form filling and signing (DocMDP 2), so the
clerk's filling and seal are changes the signature allows and reports, not breaks.

Filling writes the values and their appearances (drawn in the embedded serif) as an
incremental update; the widgets carry no ``/P`` back to their page, which pyHanko's change
analysis would count as an unexplained use of the updated field.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBox, TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields

from signing.refusals import Refused
from signing.stamps import stamp_font

NUMBER_FIELD = "so_ky_hieu"
DATE_FIELD = "ngay_ban_hanh"
LEADER_FIELD = "ChuKyLanhDao"
AGENCY_FIELD = "ChuKyCoQuan"
ISSUE_FIELDS = (NUMBER_FIELD, DATE_FIELD, AGENCY_FIELD)  # what the leader's lock leaves open
# Of the leader's place, the share the seal covers on its left (Decree 30).
LEADER_SEAL_SHARE = 1 / 3

Box = tuple[float, float, float, float]
_TEXT_BOX_MARGIN = 10.0
_RIGHT_ALIGNED = {NUMBER_FIELD}


@dataclass(frozen=True)
class FieldPlace:
    name: str
    page: int
    box: Box


def add_decision_fields(
    writer: BasePdfFileWriter,
    text_fields: Sequence[FieldPlace],
    leader: FieldPlace,
    agency: FieldPlace,
) -> None:
    """The two text fields and the two empty signature fields, the leader's locked."""
    for place in text_fields:
        _add_text_field(writer, place)
    fields.append_signature_field(
        writer,
        fields.SigFieldSpec(
            leader.name,
            on_page=leader.page,
            box=_rounded(leader.box),
            field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.EXCLUDE, list(ISSUE_FIELDS)),
            doc_mdp_update_value=fields.MDPPerm.FILL_FORMS,
        ),
    )
    fields.append_signature_field(
        writer,
        fields.SigFieldSpec(agency.name, on_page=agency.page, box=_rounded(agency.box)),
    )


def _rounded(box: Box) -> tuple[int, int, int, int]:
    return round(box[0]), round(box[1]), round(box[2]), round(box[3])


def _add_text_field(writer: BasePdfFileWriter, place: FieldPlace) -> None:
    root = writer.root
    form_ref = root.get("/AcroForm")
    if form_ref is None:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    form = root["/AcroForm"].get_object()
    page_ref = writer.find_page_for_modification(place.page)[0]
    page = page_ref.get_object()
    widget = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): pdf_string(place.name),
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in place.box),
            pdf_name("/F"): generic.NumberObject(4),  # printed
            pdf_name("/DA"): pdf_string("/Helv 0 Tf 0 g"),
            # PDF/A (ISO 19005-2, 6.3.3) wants an appearance on every widget, an empty field
            # too: a blank one until ``fill`` draws the value in its place.
            pdf_name("/AP"): generic.DictionaryObject(
                {pdf_name("/N"): _blank_appearance(writer, place.box)}
            ),
        }
    )
    ref = writer.add_object(widget)
    annots = page.get("/Annots")
    if annots is None:
        page[pdf_name("/Annots")] = generic.ArrayObject([ref])
    else:
        annots.get_object().append(ref)
    form["/Fields"].append(ref)
    writer.update_container(page)
    writer.update_container(form)


def _blank_appearance(writer: BasePdfFileWriter, box: Box) -> generic.IndirectObject:
    """An empty form XObject the size of ``box``: the widget shows nothing yet."""
    x1, y1, x2, y2 = box
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                generic.FloatObject(v) for v in (0, 0, abs(x2 - x1), abs(y2 - y1))
            ),
            pdf_name("/Resources"): generic.DictionaryObject(),
        },
        stream_data=b"",
    )
    return writer.add_object(stream)


class FieldsRefused(Refused):
    """The fields cannot be filled as asked."""


def text_fields(pdf: bytes) -> dict[str, str | None]:
    """The decision's text fields and their values (``None``: not filled)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    form = reader.root.get("/AcroForm")
    found: dict[str, str | None] = {}
    if form is None:
        return found
    for ref in form.get_object().get("/Fields", []):
        field = ref.get_object()
        if field.get("/FT") == "/Tx":
            value = field.get("/V")
            found[str(field.get("/T"))] = None if value is None else str(value)
    return found


def fill(pdf: bytes, values: Mapping[str, str], *, font_size: int = 13) -> bytes:
    """``pdf`` with its text fields set to ``values`` (each with an appearance drawn in the
    embedded serif), appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    form = writer.root.get("/AcroForm")
    remaining = dict(values)
    if form is not None:
        for ref in form.get_object().get("/Fields", []):
            field = ref.get_object()
            name = str(field.get("/T"))
            if field.get("/FT") != "/Tx" or name not in remaining:
                continue
            if field.get("/V") is not None:
                raise FieldsRefused(
                    "field_filled",
                    f"Ô '{name}' đã được điền: văn bản đã ban hành thì không điền lại.",
                    f"The field '{name}' is already filled: an issued document is not "
                    "filled again.",
                )
            text = remaining.pop(name)
            field[pdf_name("/V")] = pdf_string(text)
            field[pdf_name("/AP")] = generic.DictionaryObject(
                {pdf_name("/N"): _appearance(writer, field, text, font_size)}
            )
            writer.update_container(field)
    if remaining:
        names = ", ".join(sorted(remaining))
        raise FieldsRefused(
            "no_such_field",
            f"Văn bản không có ô để điền: {names}. Chỉ văn bản lập từ mẫu mới có ô số, ngày.",
            f"The document has no field to fill: {names}. Only decisions made from a "
            "template carry the number and date fields.",
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _appearance(
    writer: IncrementalPdfFileWriter,
    field: generic.DictionaryObject,
    text: str,
    font_size: int,
) -> generic.IndirectObject:
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    box = TextBox(
        TextBoxStyle(font=stamp_font(font_size), font_size=font_size), writer=writer, box=None
    )
    box.content = text
    drawn = box.render()
    height = y2 - y1
    # pyHanko's text box draws its one line with the baseline at its inner margin (10 pt
    # from the bottom left): moved so the baseline sits a quarter of the field up.
    shift_x, shift_y = 1 - _TEXT_BOX_MARGIN, height / 4 - _TEXT_BOX_MARGIN
    if field.get("/T") in _RIGHT_ALIGNED:  # "Số: 15/QĐ-XPHC": the number meets its symbol
        from reportlab.pdfbase.pdfmetrics import stringWidth

        from archive.demo.pdfs import registered_serif_fonts

        drawn_width = stringWidth(text, registered_serif_fonts().regular, font_size)
        shift_x = (x2 - x1) - drawn_width - 1 - _TEXT_BOX_MARGIN
    stream = generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Form"),
            pdf_name("/BBox"): generic.ArrayObject(
                generic.FloatObject(v) for v in (0, 0, x2 - x1, height)
            ),
            pdf_name("/Resources"): box.resources.as_pdf_object(),
        },
        stream_data=b"q 1 0 0 1 %.2f %.2f cm " % (shift_x, shift_y) + drawn + b" Q",
    )
    return writer.add_object(stream)
