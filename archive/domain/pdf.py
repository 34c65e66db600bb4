"""What the archive records about a received PDF, and why it refuses one.

An archive keeps originals as received. A file any reader opens without a user password is
accepted byte for byte, and what is odd about it is written on its version instead: an
owner password that restricts printing or copying, the repairs a reader needed, active
content (JavaScript, launch actions, embedded files, XFA, bytes before the header). Only a
file that needs a password to open, or that no reader opens, is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from archive.domain.errors import Invalid


class ActiveContent(StrEnum):
    """Content that can act when the file is opened; kept, recorded, refusable by setting."""

    JAVASCRIPT = "javascript"
    LAUNCH_ACTION = "launch_action"  # runs a program or opens a file on the reader's machine
    OPEN_ACTION = "open_action"  # an action (other than going to a page) run on opening
    EMBEDDED_FILES = "embedded_files"  # attachments inside the PDF
    XFA = "xfa"  # XML forms, executed by some readers
    SUBMIT_ACTION = "submit_action"  # sends form data or imports data from elsewhere
    REMOTE_GOTO = "remote_goto"  # jumps into another file
    PREFIX_BYTES = "prefix_bytes"  # bytes before %PDF-: the file may be another format too

    @property
    def label_vi(self) -> str:
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _LABELS[self][1]


_LABELS: dict[ActiveContent, tuple[str, str]] = {
    ActiveContent.JAVASCRIPT: ("mã JavaScript", "JavaScript"),
    ActiveContent.LAUNCH_ACTION: ("lệnh mở chương trình (Launch)", "launch actions"),
    ActiveContent.OPEN_ACTION: ("hành động tự chạy khi mở tệp", "actions run on opening"),
    ActiveContent.EMBEDDED_FILES: ("tệp đính kèm bên trong", "embedded files"),
    ActiveContent.XFA: ("biểu mẫu XFA", "XFA forms"),
    ActiveContent.SUBMIT_ACTION: ("lệnh gửi dữ liệu biểu mẫu", "form submission actions"),
    ActiveContent.REMOTE_GOTO: ("liên kết sang tệp khác", "links into other files"),
    ActiveContent.PREFIX_BYTES: (
        "dữ liệu lạ trước phần đầu PDF (tệp có thể đồng thời là định dạng khác)",
        "bytes before the PDF header (the file may also be another format)",
    ),
}


@dataclass(frozen=True, slots=True)
class PdfFacts:
    """What a reader found in an accepted file."""

    page_count: int
    pdf_version: str
    signature_count: int = 0
    active_content: tuple[ActiveContent, ...] = ()
    # Odd but harmless: ``encryption`` (owner password only: what it restricts) and
    # ``repairs`` (what a reader had to mend to open it). Empty for an ordinary file.
    irregularities: Mapping[str, object] = field(default_factory=dict)

    @property
    def signed(self) -> bool:
        return self.signature_count > 0


def refusal(code: str, reason: str = "") -> Invalid:
    """The refusal for ``code``, saying what went wrong and what to do."""
    vi, en = _REFUSALS.get(code, _REFUSALS["unreadable_pdf"])
    err = Invalid(code if code in _REFUSALS else "unreadable_pdf", vi, en)
    if reason:
        err.details["reason"] = reason[:500]
    return err


def active_content_refused(found: Sequence[ActiveContent]) -> Invalid:
    vi = ", ".join(a.label_vi for a in found)
    en = ", ".join(a.label_en for a in found)
    return Invalid(
        "active_content",
        f"Tệp PDF chứa nội dung có thể tự thực thi ({vi}); cơ quan đã đặt chế độ không nhận "
        "loại tệp này. Hãy in ra PDF (Microsoft Print to PDF) hoặc xuất lại ra PDF/A rồi "
        "tải lên lại, hoặc nhờ quản trị viên.",
        f"The PDF holds active content ({en}), which this installation is set to refuse. "
        "Print it to PDF or export it as PDF/A and upload it again, or ask the administrator.",
        active_content=[a.value for a in found],
    )


_REFUSALS: dict[str, tuple[str, str]] = {
    "empty_file": (
        "Tệp rỗng (0 byte). Hãy chọn lại đúng tệp PDF cần lưu.",
        "The file is empty (0 bytes). Choose the PDF file again.",
    ),
    "not_pdf": (
        "Tệp không phải PDF (nhận biết theo nội dung, không theo tên tệp). "
        "Hãy lưu hoặc quét tài liệu ra định dạng PDF rồi tải lên lại.",
        "The file is not a PDF (judged by its content, not its name). "
        "Save or scan the document as PDF and upload it again.",
    ),
    "truncated_pdf": (
        "Tệp PDF bị cắt cụt (thiếu phần cuối) và không chương trình đọc nào mở được, có thể "
        "do tải xuống hoặc sao chép bị gián đoạn. Hãy lấy lại tệp gốc và tải lên lại.",
        "The PDF is truncated (its end is missing) and no reader can open it, perhaps from "
        "an interrupted download or copy. Get the original file and upload it again.",
    ),
    "encrypted_pdf": (
        "Tệp PDF cần mật khẩu mới mở được, nên không lưu trữ lâu dài được. Hãy mở tệp bằng "
        "mật khẩu, lưu lại một bản không đặt mật khẩu mở (hoặc xin bản đó) rồi tải lên lại.",
        "The PDF needs a password to open, so it cannot be kept for the long term. Open it "
        "with the password, save a copy without an open password (or ask for one) and "
        "upload that.",
    ),
    "unreadable_pdf": (
        "Tệp PDF bị hỏng, không chương trình đọc nào mở được. Hãy mở thử tệp trên máy, "
        "xuất lại ra PDF rồi tải lên lại.",
        "The PDF is damaged and no reader can open it. Open it on your computer, export it "
        "to PDF again and upload it again.",
    ),
    "no_pages": (
        "Tệp PDF không có trang nào để lưu. Hãy kiểm tra lại tệp gốc.",
        "The PDF has no pages to keep. Check the original file.",
    ),
}

REFUSAL_CODES = frozenset(_REFUSALS)
