"""Documents: upload PDFs into a dossier, read, download verified, reorder, new versions,
signed versions."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from archive.api.answers import TEXT, UPLOAD, answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.api.errors import error_json
from archive.api.schemas import DerivativeOut, DocumentChange, DocumentOut, ReorderRequest
from archive.api.uploads import UPLOAD_BODY, receive
from archive.domain.errors import Invalid
from archive.metadata.schema import MAX_ROW_ID
from archive.services import derivatives as derivative_service
from archive.services import documents as document_service
from archive.services.versions import ReceivedFile

router = APIRouter(tags=["Tài liệu · Documents"])
# Ids name rows or nothing: any integer is accepted, and one that names nothing (too
# large for a row id included) is simply not found, like a missing one.
DossierId = int
DocumentId = int
VersionNumber = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
WRITE = ("role_not_allowed", "not_owner_unit")
# The stored PDF is shown by the browser's own viewer inside the archive's pages only.
INLINE_POLICY = "default-src 'none'; frame-ancestors 'self'; sandbox"


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            "bad_date",
            f"Ngày '{value}' ở trường '{name}' không hợp lệ; dùng dạng YYYY-MM-DD.",
            f"The date '{value}' in '{name}' is not valid; use YYYY-MM-DD.",
        ) from None


def _draft(fields: dict[str, str]) -> document_service.DocumentDraft:
    return document_service.DocumentDraft(
        kind=fields.get("kind", "").strip(),
        title=fields.get("title", "").strip(),
        number=fields.get("number") or None,
        issued_on=_date(fields.get("issued_on"), "issued_on"),
        issuer=fields.get("issuer") or None,
    )


async def _received_and_stored(
    request: Request, archive: Any, store: Callable[[dict[str, str], ReceivedFile], Any]
) -> Any:
    """Receive the upload into a spool, run ``store`` on it, and remove the spool whatever
    happens (refusal, error, client gone)."""
    fields, received, spool = await receive(request, archive)
    try:
        return await anyio.to_thread.run_sync(store, fields, received)
    finally:
        spool.discard()


@router.post(
    "/api/dossiers/{dossier_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    responses=answers(
        *WRITE,
        "dossier_not_found",
        "unknown_document_kind",
        "missing_title",
        "bad_date",
        "duplicate_document",
        *TEXT,
        *UPLOAD,
        changes=True,
    ),
    openapi_extra={"requestBody": UPLOAD_BODY},
    summary="Thêm tài liệu PDF vào hồ sơ · Add a PDF document",
    description="Send `multipart/form-data` with a `file` part and the fields `kind`, "
    "`title`, `number`, `issued_on` (YYYY-MM-DD), `issuer`; or send the PDF itself as "
    "`application/pdf` with those fields (and `filename`) as query parameters. The file "
    "is recognised by its content. A file any reader opens without a password is kept as "
    "received; what is odd about it (owner-password restrictions, repairs, active content) "
    "is recorded on its version. A file that needs a password, or that no reader opens, is "
    "refused whole and nothing is kept.",
)
async def add_document(
    dossier_id: DossierId, request: Request, actor: ActorDep, archive: ArchiveDep
) -> DocumentOut:
    query_fields = dict(request.query_params)
    is_raw = not request.headers.get("content-type", "").startswith("multipart/")
    # Refuse what can be refused before receiving a byte of a large upload: with a raw
    # body the description is already known; a form's fields arrive with the file.
    if is_raw:
        draft = _draft(query_fields)
        dossier = await anyio.to_thread.run_sync(
            document_service.check_new_document, archive, actor, dossier_id, draft
        )
    else:
        dossier = await anyio.to_thread.run_sync(
            document_service.check_can_add, archive, actor, dossier_id
        )

    def store(fields: dict[str, str], received: ReceivedFile) -> Any:
        draft = _draft(query_fields if is_raw else fields)
        return document_service.add(archive, actor, dossier_id, draft, received, checked=dossier)

    return DocumentOut.of(await _received_and_stored(request, archive, store))


@router.get(
    "/api/dossiers/{dossier_id}/documents",
    response_model=list[DocumentOut],
    responses=answers("dossier_not_found"),
    summary="Tài liệu của hồ sơ theo thứ tự · Documents in order",
)
def list_documents(
    dossier_id: DossierId, actor: ActorDep, archive: ArchiveDep
) -> list[DocumentOut]:
    return [DocumentOut.of(d) for d in document_service.of_dossier(archive, actor, dossier_id)]


@router.put(
    "/api/dossiers/{dossier_id}/documents/order",
    status_code=204,
    responses=answers(*WRITE, "dossier_not_found", "bad_document_order", changes=True),
    summary="Sắp xếp lại tài liệu · Reorder documents (folios follow)",
    description="Send every document of the dossier once, in the new order: "
    '`{"document_ids": [12, 10, 11]}`.',
)
def reorder_documents(
    dossier_id: DossierId, body: ReorderRequest, actor: ActorDep, archive: ArchiveDep
) -> Response:
    document_service.reorder(archive, actor, dossier_id, body.document_ids)
    return Response(status_code=204)


@router.get(
    "/api/documents/{document_id}",
    response_model=DocumentOut,
    responses=answers("document_not_found"),
    summary="Thông tin tài liệu · Read a document's record",
)
def get_document(document_id: DocumentId, actor: ActorDep, archive: ArchiveDep) -> DocumentOut:
    return DocumentOut.of(document_service.fetch(archive, actor, document_id))


@router.patch(
    "/api/documents/{document_id}",
    response_model=DocumentOut,
    responses=answers(
        *WRITE,
        "document_not_found",
        "dossier_not_found",
        "unknown_document_kind",
        "missing_value",
        *TEXT,
        changes=True,
    ),
    summary="Sửa thông tin tài liệu · Correct a document's description",
)
def change_document(
    document_id: DocumentId, body: DocumentChange, actor: ActorDep, archive: ArchiveDep
) -> DocumentOut:
    values = body.model_dump(exclude_unset=True)
    return DocumentOut.of(document_service.change(archive, actor, document_id, values))


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _requested_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(start, end exclusive) of a single-range request; None for the whole file; False if
    the range lies outside it. Multiple ranges are answered with the whole file (allowed
    by RFC 9110, 14.2)."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size
    start = int(first)
    end = min(size, int(last) + 1) if last else size
    if start >= size or (last and int(last) < start):
        return False
    return start, end


@router.get(
    "/api/documents/{document_id}/content",
    responses={
        **answers(
            "document_not_found", "range_not_satisfiable", "checksum_mismatch", "object_missing"
        ),
        200: {"content": {"application/pdf": {}}, "description": "The whole file, verified"},
        206: {"content": {"application/pdf": {}}, "description": "The requested range"},
    },
    response_class=StreamingResponse,
    summary="Tải tài liệu · Download the PDF",
    description="Sends the stored bytes in the chunks whose SHA-256 was recorded at ingest, "
    "each only after it matched: a failure in the first chunk is an error answer (500, "
    "`checksum_mismatch`), a later one ends the transfer short of its Content-Length; both "
    "are written to the audit trail. Single `Range` requests are served (206) with the same "
    "checks. `?inline=true` shows the PDF in the browser instead of saving it. "
    "`Repr-Digest` carries the recorded checksum so the receiver can check too.",
)
def download(
    document_id: DocumentId,
    request: Request,
    actor: ActorDep,
    archive: ArchiveDep,
    version: VersionNumber = None,
    inline: bool = False,
) -> Response:
    document, chosen, verified = document_service.open_content(archive, actor, document_id, version)
    name = chosen.original_filename or f"document-{document.id}-v{chosen.version}.pdf"
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    digest = base64.b64encode(bytes.fromhex(chosen.sha256)).decode()
    headers = {
        "Content-Disposition": f"{'inline' if inline else 'attachment'}; "
        f"filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}",
        "Repr-Digest": f"sha-256=:{digest}:",
        "X-Archive-SHA256": chosen.sha256,
        "ETag": f'"{chosen.sha256}"',
        "Accept-Ranges": "bytes",  # nosniff and the rest: SecurityHeaders, on every answer
    }
    if inline:
        headers["Content-Security-Policy"] = INLINE_POLICY
    wanted = _requested_range(request.headers.get("range"), chosen.size)
    if wanted is False:
        return error_json(
            416,
            "range_not_satisfiable",
            "Phần tệp được yêu cầu nằm ngoài kích thước tệp.",
            "The requested range lies outside the file.",
            headers={"Content-Range": f"bytes */{chosen.size}"},
            size=chosen.size,
        )
    partial = isinstance(wanted, tuple)
    start, end = wanted if isinstance(wanted, tuple) else (0, chosen.size)
    # The first chunk is read and verified here, before the answer starts.
    body = verified.stream(start, end)
    headers["Content-Length"] = str(end - start)
    if partial:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{chosen.size}"
    return StreamingResponse(
        body, status_code=206 if partial else 200, media_type="application/pdf", headers=headers
    )


@router.post(
    "/api/documents/{document_id}/versions",
    response_model=DocumentOut,
    status_code=201,
    responses=answers(*WRITE, "document_not_found", "same_as_current", *UPLOAD, changes=True),
    openapi_extra={"requestBody": UPLOAD_BODY},
    summary="Tải lên phiên bản mới · Upload a new version",
    description="Earlier versions stay stored byte for byte and downloadable.",
)
async def add_version(
    document_id: DocumentId, request: Request, actor: ActorDep, archive: ArchiveDep
) -> DocumentOut:
    await anyio.to_thread.run_sync(document_service.check_new_version, archive, actor, document_id)

    def store(_fields: dict[str, str], received: ReceivedFile) -> Any:
        return document_service.add_version(archive, actor, document_id, received)

    return DocumentOut.of(await _received_and_stored(request, archive, store))


@router.post(
    "/api/documents/{document_id}/signatures",
    response_model=DocumentOut,
    status_code=201,
    responses=answers(
        *WRITE,
        "document_not_found",
        "same_as_current",
        "not_a_signed_version",
        "version_moved",
        *UPLOAD,
        changes=True,
    ),
    openapi_extra={"requestBody": UPLOAD_BODY},
    summary="Lưu bản đã ký số · Store a signed version",
    description="For leaders (and clerks adding the agency's seal): the PDF signed outside "
    "the archive. It must be the version it signs (`from_version`, default the current one) "
    "with a signature appended as an incremental update; it becomes the current version, "
    "and the signed-from version stays byte for byte.",
)
async def add_signed_version(
    document_id: DocumentId,
    request: Request,
    actor: ActorDep,
    archive: ArchiveDep,
    from_version: VersionNumber = None,
) -> DocumentOut:
    await anyio.to_thread.run_sync(document_service.check_can_sign, archive, actor, document_id)

    def store(_fields: dict[str, str], received: ReceivedFile) -> Any:
        return document_service.add_signed_version(
            archive, actor, document_id, received, from_version=from_version
        )

    return DocumentOut.of(await _received_and_stored(request, archive, store))


@router.get(
    "/api/documents/{document_id}/derivatives",
    response_model=list[DerivativeOut],
    responses=answers("document_not_found"),
    summary="Bản dẫn xuất · Files made from the document (OCR text, PDF/A copies)",
)
def derivatives(
    document_id: DocumentId, actor: ActorDep, archive: ArchiveDep
) -> list[DerivativeOut]:
    found = derivative_service.of_document(archive, actor, document_id)
    return [DerivativeOut.of(d) for d in found]
