"""Text as the archive keeps it: Unicode NFC, trimmed, without control characters.

Vietnamese can be typed precomposed ("ế") or decomposed ("ê" + combining acute) —
Unikey's "Unicode tổ hợp" and macOS produce the latter — and both must be the same
words to the archive, in storage and in search alike.
"""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from archive.domain.errors import Invalid

_ALLOWED_CONTROLS = {"\n", "\t"}
# Bidirectional controls reorder what is shown: "quyết định \u202efdp.exe" displays as
# "quyết định exe.pdf". Never meaningful in Vietnamese text, so never kept.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
MAX_FILENAME = 255


def _hidden(char: str) -> bool:
    """A character that is not what it shows: a C0/C1 control or a bidi control."""
    return unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS


def clean_text(
    value: str, *, field: str, multiline: bool = False, max_length: int | None = None
) -> str:
    text = unicodedata.normalize("NFC", value).strip()
    if max_length is not None and len(text) > max_length:
        raise Invalid(
            "too_long",
            f"Trường '{field}' dài quá {max_length} ký tự.",
            f"The field '{field}' is longer than {max_length} characters.",
            field=field,
            max_length=max_length,
        )
    for char in text:
        if _hidden(char) and not (multiline and char in _ALLOWED_CONTROLS):
            raise Invalid(
                "control_character",
                f"Trường '{field}' chứa ký tự điều khiển không hợp lệ (mã U+{ord(char):04X}); "
                "hãy gõ lại nội dung thay vì dán từ nơi khác.",
                f"The field '{field}' holds a control character (U+{ord(char):04X}); type "
                "the text again instead of pasting it.",
                field=field,
                character=f"U+{ord(char):04X}",
            )
    return text


def clean_optional(value: str | None, *, field: str, max_length: int | None = None) -> str | None:
    if value is None:
        return None
    return clean_text(value, field=field, max_length=max_length) or None


def safe_filename(raw: str | None) -> str | None:
    """A received file name as the archive records and sends it back: the last path
    component only, NFC, without control or bidi characters, at most 255 characters with
    its extension kept when cut."""
    if not raw:
        return None
    # Browsers on Windows may send a full path; keep only the name.
    name = PureWindowsPath(PurePosixPath(raw).name).name
    name = "".join(c for c in unicodedata.normalize("NFC", name) if not _hidden(c)).strip()
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 16:
            name = stem[: MAX_FILENAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_FILENAME]
    return name or None
