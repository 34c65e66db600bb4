"""PDF files for tests: good ones with chosen page counts, and each kind of bad upload."""

from __future__ import annotations

import io
import secrets

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
    """Each bad file an office meets, keyed by the error code the archive must answer."""
    good = make_pdf(3)
    png = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(2048)
    return {
        "empty_file": b"",
        "not_pdf": png,
        "truncated_pdf": good[: len(good) // 2],
        "encrypted_pdf": encrypted_pdf(),
        "unreadable_pdf": b"%PDF-1.7\n" + secrets.token_bytes(4096) + b"\n%%EOF\n",
    }
