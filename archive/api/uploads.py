"""Receiving an uploaded PDF from the request stream into the spool.

Accepts either a raw body (``Content-Type: application/pdf``) or ``multipart/form-data``
with one ``file`` part and text fields. Bytes go to disk as they arrive, hashed on the
way, so a 500 MB upload costs the server a few megabytes of memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from archive.domain.errors import Invalid
from archive.domain.text import safe_filename
from archive.services.context import Archive
from archive.services.spool import Spool, too_large
from archive.services.versions import ReceivedFile

FLUSH_AT = 1024 * 1024
MAX_FIELD = 64 * 1024
MAX_FIELDS = 32
PDF_TYPES = {"application/pdf", "application/octet-stream"}

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The PDF."},
                    "kind": {"type": "string"},
                    "title": {"type": "string"},
                    "number": {"type": "string"},
                    "issued_on": {"type": "string", "format": "date"},
                    "issuer": {"type": "string"},
                },
            }
        },
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    },
}


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    is_file: bool = False
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_field: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    text: bytearray = field(default_factory=bytearray)


def _missing_file() -> Invalid:
    return Invalid(
        "missing_file",
        "Chưa có tệp PDF kèm theo. Hãy chọn tệp rồi gửi lại.",
        "No PDF file was attached. Choose a file and send again.",
    )


async def _flush(spool: Spool, buffer: bytearray) -> None:
    if buffer:
        data = bytes(buffer)
        buffer.clear()
        await anyio.to_thread.run_sync(spool.write, data)


async def receive(request: Request, archive: Archive) -> tuple[dict[str, str], ReceivedFile, Spool]:
    """Read the request into a spool; the caller must ``discard()`` the spool when done."""
    limit = archive.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + MAX_FIELD * MAX_FIELDS:
        raise too_large(limit)  # refuse before reading a byte
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    ctype = content_type.decode("latin-1").lower()
    spool = Spool(archive.incoming_dir, limit)
    try:
        if ctype == "multipart/form-data":
            fields, filename = await _multipart(request, spool, params)
        elif ctype in PDF_TYPES:
            fields, filename = {}, safe_filename(request.query_params.get("filename"))
            buffer = bytearray()
            async for chunk in request.stream():
                buffer += chunk
                if len(buffer) >= FLUSH_AT:
                    await _flush(spool, buffer)
            await _flush(spool, buffer)
        else:
            raise Invalid(
                "unsupported_upload",
                "Hãy gửi tệp dưới dạng multipart/form-data (trường 'file') hoặc application/pdf.",
                "Send the file as multipart/form-data (field 'file') or application/pdf.",
            )
        sha256 = await anyio.to_thread.run_sync(spool.finish)
    except BaseException:
        spool.discard()
        raise
    return (
        fields,
        ReceivedFile(spool.path, sha256, spool.size, filename, spool.chunk_digests),
        spool,
    )


async def _multipart(
    request: Request, spool: Spool, params: dict[bytes, bytes]
) -> tuple[dict[str, str], str | None]:
    boundary = params.get(b"boundary")
    if not boundary:
        raise Invalid(
            "bad_multipart",
            "Yêu cầu tải lên bị hỏng (thiếu boundary).",
            "The upload request is malformed (no boundary).",
        )
    fields: dict[str, str] = {}
    files_seen = 0
    filename: str | None = None
    part = _Part()
    buffer = bytearray()
    problems: list[Invalid] = []

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.header_value += data[start:end]

    def on_header_end() -> None:
        part.headers[bytes(part.header_field).lower()] = bytes(part.header_value)
        part.header_field.clear()
        part.header_value.clear()

    def on_headers_finished() -> None:
        nonlocal files_seen, filename
        _, disp = parse_options_header(part.headers.get(b"content-disposition", b""))
        part.name = disp.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disp:
            part.is_file = True
            files_seen += 1
            filename = safe_filename(disp[b"filename"].decode("utf-8", "replace"))

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.is_file:
            if files_seen == 1:
                buffer.extend(data[start:end])
            return
        part.text += data[start:end]
        if len(part.text) > MAX_FIELD:
            problems.append(
                Invalid(
                    "field_too_long",
                    f"Trường '{part.name}' quá dài.",
                    f"Field '{part.name}' is too long.",
                )
            )
            part.text.clear()

    def on_part_end() -> None:
        if not part.is_file:
            if len(fields) >= MAX_FIELDS:
                problems.append(Invalid("too_many_fields", "Quá nhiều trường.", "Too many fields."))
                return
            fields[part.name] = part.text.decode("utf-8", "replace").strip()

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    async for chunk in request.stream():
        parser.write(chunk)
        if problems:
            raise problems[0]
        if len(buffer) >= FLUSH_AT:
            await _flush(spool, buffer)
    parser.finalize()
    await _flush(spool, buffer)
    if problems:
        raise problems[0]
    if files_seen == 0:
        raise _missing_file()
    if files_seen > 1:
        raise Invalid(
            "one_file_per_upload",
            "Mỗi lần chỉ tải lên một tệp PDF cho một tài liệu.",
            "Upload one PDF per document at a time.",
        )
    return fields, filename
