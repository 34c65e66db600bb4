"""Deciding from its bytes, never its name, whether an upload is a readable, open PDF."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from archive.domain.errors import Invalid

_TAIL = 2048  # %%EOF must sit near the end; writers add a newline or a few bytes after it
# PDFium is not thread-safe, even across different documents: two uploads checked at once
# in the server's thread pool corrupted its memory (bench/upload_rate.py, 4 clients).
_PDFIUM = threading.Lock()


@dataclass(frozen=True, slots=True)
class PdfFacts:
    page_count: int
    pdf_version: str
    signed: bool


def _refuse(code: str, vi: str, en: str) -> Invalid:
    return Invalid(code, vi, en)


def inspect_pdf(path: Path) -> PdfFacts:
    """Check an uploaded file and return what the archive records about it.

    Refuses, with a reason a clerk can act on: an empty file, a file that is not a PDF, a
    truncated PDF, an encrypted PDF, and a PDF whose pages cannot be read.
    """
    size = path.stat().st_size
    if size == 0:
        raise _refuse(
            "empty_file",
            "Tệp rỗng (0 byte). Hãy chọn lại đúng tệp PDF cần lưu.",
            "The file is empty (0 bytes). Choose the PDF file again.",
        )
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - _TAIL))
        tail = fh.read(_TAIL)
    if b"%PDF-" not in head:
        raise _refuse(
            "not_pdf",
            "Tệp không phải PDF (nhận biết theo nội dung, không theo tên tệp). "
            "Hãy lưu hoặc quét tài liệu ra định dạng PDF rồi tải lên lại.",
            "The file is not a PDF (judged by its content, not its name). "
            "Save or scan the document as PDF and upload it again.",
        )
    if b"%%EOF" not in tail:
        raise _refuse(
            "truncated_pdf",
            "Tệp PDF bị cắt cụt (thiếu phần kết thúc), có thể do tải lên hoặc sao chép "
            "bị gián đoạn. Hãy lấy lại tệp gốc và tải lên lại.",
            "The PDF is truncated (its end is missing), perhaps from an interrupted copy "
            "or upload. Get the original file and upload it again.",
        )
    with _PDFIUM:
        return _inspect_locked(path)


def _inspect_locked(path: Path) -> PdfFacts:
    try:
        pdf = pdfium.PdfDocument(os.fspath(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise _encrypted() from exc
        raise _unreadable(str(exc)) from exc
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            raise _encrypted()
        pages = len(pdf)
        if pages == 0:
            raise _refuse(
                "no_pages",
                "Tệp PDF không có trang nào.",
                "The PDF has no pages.",
            )
        for index in range(pages):
            # Each page must be reachable in the page tree with a size. Loading the pages
            # themselves would make PDFium keep their images in memory: +500 MB for a
            # 500 MB scan, where the upload itself streams in a few megabytes.
            width, height = pdf.get_page_size(index)
            if width <= 0 or height <= 0:
                raise _unreadable(f"page {index + 1} has no size")
        version = pdf.get_version() or 0
        signed = pdfium_c.FPDF_GetSignatureCount(pdf.raw) > 0
    except pdfium.PdfiumError as exc:
        raise _unreadable(str(exc)) from exc
    finally:
        pdf.close()
    return PdfFacts(
        page_count=pages,
        pdf_version=f"{version // 10}.{version % 10}" if version else "?",
        signed=signed,
    )


def _encrypted() -> Invalid:
    return _refuse(
        "encrypted_pdf",
        "Tệp PDF được đặt mật khẩu hoặc mã hóa nên không lưu trữ lâu dài được. "
        "Hãy gỡ mật khẩu (hoặc xin bản không mã hóa) rồi tải lên lại.",
        "The PDF is password-protected or encrypted and cannot be kept for the long term. "
        "Remove the password (or ask for an unencrypted copy) and upload it again.",
    )


def _unreadable(reason: str) -> Invalid:
    err = _refuse(
        "unreadable_pdf",
        "Tệp PDF bị hỏng, không đọc được nội dung. Hãy mở thử tệp trên máy, "
        "xuất lại ra PDF rồi tải lên lại.",
        "The PDF is damaged and its pages cannot be read. Open it on your computer, "
        "export it to PDF again and upload it again.",
    )
    err.details["reason"] = reason
    return err
