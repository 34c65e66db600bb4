"""Text as the archive keeps it: Unicode NFC, trimmed, without control characters.

Vietnamese can be typed precomposed ("ế") or decomposed ("ê" + combining acute) —
Unikey's "Unicode tổ hợp" and macOS produce the latter — and both must be the same
words to the archive, in storage and in search alike.
"""

from __future__ import annotations

import unicodedata

from archive.domain.errors import Invalid

_ALLOWED_CONTROLS = {"\n", "\t"}


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
        if unicodedata.category(char) == "Cc" and not (multiline and char in _ALLOWED_CONTROLS):
            raise Invalid(
                "control_character",
                f"Trường '{field}' chứa ký tự điều khiển không hợp lệ (mã {ord(char)}).",
                f"The field '{field}' holds a control character (code {ord(char)}).",
                field=field,
            )
    return text


def clean_optional(value: str | None, *, field: str, max_length: int | None = None) -> str | None:
    if value is None:
        return None
    return clean_text(value, field=field, max_length=max_length) or None
