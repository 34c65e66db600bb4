"""PDF files for tests: good ones with chosen page counts, and each kind of bad upload."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def make_pdf(pages: int = 1, text: str = "Biên bản vi phạm hành chính") -> bytes:
    """A valid PDF of ``pages`` pages; a random marker makes every file's bytes unique."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    marker = secrets.token_hex(8)
    for page in range(1, pages + 1):
        pdf.drawString(72, 770, f"{text} - trang {page} - {marker}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(2))).pages:
        writer.add_page(page)
    writer.encrypt(user_password="mo-khoa", owner_password="chu-so-huu")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bad_uploads() -> dict[str, bytes]:
    """Each bad file an office meets, keyed by the error code the archive must answer: the
    ones no reader opens, and the one that needs a password to open."""
    good = make_pdf(3)
    png = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(2048)
    return {
        "empty_file": b"",
        "not_pdf": png,
        "truncated_pdf": good[: len(good) // 2],
        "encrypted_pdf": encrypted_pdf(),
        "unreadable_pdf": b"%PDF-1.7\n" + secrets.token_bytes(4096) + b"\n%%EOF\n",
        "no_pages": pageless_with_stream(1024),
    }


def _edited(edit: Callable[[Any], None], pages: int = 1) -> bytes:
    """A good PDF changed by ``edit`` (given the pikepdf.Pdf), saved as a new file."""
    import pikepdf

    with pikepdf.open(io.BytesIO(make_pdf(pages))) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def owner_password_pdf() -> bytes:
    """Opens without a password; an owner password forbids printing and copying (common in
    official PDFs)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(make_pdf(2))) as pdf:
        out = io.BytesIO()
        pdf.save(
            out,
            encryption=pikepdf.Encryption(
                user="",
                owner="chu-so-huu",
                allow=pikepdf.Permissions(print_lowres=False, print_highres=False, extract=False),
            ),
        )
    return out.getvalue()


def with_javascript() -> bytes:
    import pikepdf

    def edit(pdf: Any) -> None:
        action = pdf.make_indirect(
            pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        )
        pdf.Root.OpenAction = action

    return _edited(edit)


def with_launch_action() -> bytes:
    import pikepdf

    def edit(pdf: Any) -> None:
        launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
        annot = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 100, 100],
            A=launch,
        )
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annot)]))

    return _edited(edit)


def with_embedded_file() -> bytes:
    import pikepdf

    def edit(pdf: Any) -> None:
        pdf.attachments["phu-luc.txt"] = pikepdf.AttachedFileSpec(pdf, b"noi dung dinh kem")

    return _edited(edit)


def with_xfa() -> bytes:
    import pikepdf

    def edit(pdf: Any) -> None:
        xfa = pdf.make_stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=xfa)

    return _edited(edit)


def with_prefix(prefix: bytes = b"GIF89a" + b"\x00" * 58) -> bytes:
    """A polyglot: other bytes before the %PDF- header, which readers still open."""
    return prefix + make_pdf(1)


def deep_page_tree(depth: int = 3000) -> bytes:
    """A page tree nested ``depth`` levels deep: readers give up; parsers may recurse."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = level + 2
        objects.append(
            f"<< /Type /Pages /Kids [{number + 1} 0 R] /Count 1 "
            f"{'/Parent ' + str(number - 1) + ' 0 R' if level else ''} >>".encode()
        )
    objects.append(f"<< /Type /Page /Parent {depth + 1} 0 R /MediaBox [0 0 595 842] >>".encode())
    return _assemble(objects)


def pageless_with_stream(size: int) -> bytes:
    """No pages at all, and a large stream nobody asked for."""
    stream = b"0" * size
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def with_signature_appended(data: bytes) -> bytes:
    """``data`` with a signature field appended as an incremental update, the way a
    signing tool leaves a file: the original bytes stay a prefix. The signature value is
    a placeholder: this is about the archive's bookkeeping, not cryptography."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        DictionaryObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(PdfReader(io.BytesIO(data)), incremental=True)
    value = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/Filter"): NameObject("/Adobe.PPKLite"),
            NameObject("/SubFilter"): NameObject("/ETSI.CAdES.detached"),
            NameObject("/ByteRange"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/Contents"): ByteStringObject(b"\x00" * 64),
        }
    )
    field = DictionaryObject(
        {
            NameObject("/FT"): NameObject("/Sig"),
            NameObject("/T"): TextStringObject("Chữ ký lãnh đạo"),
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/V"): writer._add_object(value),
        }
    )
    reference = writer._add_object(field)
    writer.pages[0][NameObject("/Annots")] = ArrayObject([reference])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject([reference]), NameObject("/SigFlags"): NumberObject(3)}
    )
    out = io.BytesIO()
    writer.write(out)
    signed = out.getvalue()
    assert signed.startswith(data)
    return signed


def vietnamese_pdf(pages: list[str]) -> bytes:
    """A PDF whose pages carry ``pages`` in an embedded Unicode serif (lines split on \\n),
    so their text reads back as written; a random marker keeps every file unique."""
    from archive.demo.pdfs import registered_serif_fonts

    font = registered_serif_fonts().regular
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    marker = secrets.token_hex(8)
    for text in pages:
        y = 780.0
        for line in [*text.split("\n"), f"mã {marker}"]:
            pdf.setFont(font, 12)
            pdf.drawString(60, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def decision_pdf(pages: int = 1) -> bytes:
    """A decision of ``pages`` pages set wholly in the embedded Unicode serif (no Helvetica
    even in the page set-up), so ``pdffonts`` finds every font of it embedded."""
    from archive.demo.pdfs import registered_serif_fonts

    font = registered_serif_fonts().regular
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, initialFontName=font, initialFontSize=12)
    marker = secrets.token_hex(8)
    lines = [
        "ỦY BAN NHÂN DÂN QUẬN BA ĐÌNH",
        "QUYẾT ĐỊNH",
        "Xử phạt vi phạm hành chính",
        "Điều 1. Xử phạt đối với ông Nguyễn Văn Đức, số tiền 7.500.000 đồng.",
    ]
    for page in range(1, pages + 1):
        pdf.setFont(font, 12)
        y = 780.0
        for line in [*lines, f"Trang {page}/{pages} — mã {marker}"]:
            pdf.drawString(60, y, line)
            y -= 18
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
