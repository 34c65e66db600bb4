"""Documents: upload PDFs into a dossier, read, download verified, reorder, new versions."""

from __future__ import annotations

import base64
from datetime import date
from typing import Annotated
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import NOT_FOUND, DocumentChange, DocumentOut, ReorderRequest, refusals
from archive.api.uploads import UPLOAD_BODY, receive
from archive.domain.errors import Invalid, document_not_found
from archive.services import documents as document_service

router = APIRouter(tags=["Tài liệu · Documents"])
UPLOAD_ERRORS = {
    **NOT_FOUND,
    **refusals(
        (409, "Already in the dossier"),
        (413, "Larger than ARCHIVE_MAX_UPLOAD_BYTES"),
        (422, "Not a readable, unencrypted PDF"),
    ),
}


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


@router.post(
    "/api/dossiers/{dossier_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    responses=UPLOAD_ERRORS,
    openapi_extra={"requestBody": UPLOAD_BODY},
    summary="Thêm tài liệu PDF vào hồ sơ · Add a PDF document",
    description="Send `multipart/form-data` with a `file` part and the fields `kind`, "
    "`title`, `number`, `issued_on` (YYYY-MM-DD), `issuer`; or send the PDF itself as "
    "`application/pdf` with those fields (and `filename`) as query parameters. The file "
    "is recognised by its content; a bad file is refused whole and nothing is kept.",
)
async def add_document(
    dossier_id: int, request: Request, actor: ActorDep, archive: ArchiveDep
) -> DocumentOut:
    query_fields = dict(request.query_params)
    is_raw = not request.headers.get("content-type", "").startswith("multipart/")
    # Refuse what can be refused before receiving a byte of a large upload: with a raw
    # body the description is already known; a form's fields arrive with the file.
    if is_raw:
        draft = _draft(query_fields)
        await anyio.to_thread.run_sync(
            document_service.check_new_document, archive, actor, dossier_id, draft
        )
    else:
        await anyio.to_thread.run_sync(document_service.check_can_add, archive, actor, dossier_id)
    fields, received, spool = await receive(request, archive)
    try:
        draft = _draft(query_fields if is_raw else fields)
        document = await anyio.to_thread.run_sync(
            document_service.add, archive, actor, dossier_id, draft, received
        )
    finally:
        spool.discard()
    return DocumentOut.of(document)


@router.get(
    "/api/dossiers/{dossier_id}/documents",
    response_model=list[DocumentOut],
    responses=NOT_FOUND,
    summary="Tài liệu của hồ sơ theo thứ tự · Documents in order",
)
def list_documents(dossier_id: int, actor: ActorDep, archive: ArchiveDep) -> list[DocumentOut]:
    return [DocumentOut.of(d) for d in document_service.of_dossier(archive, actor, dossier_id)]


@router.put(
    "/api/dossiers/{dossier_id}/documents/order",
    status_code=204,
    responses=NOT_FOUND,
    summary="Sắp xếp lại tài liệu · Reorder documents (folios follow)",
)
def reorder_documents(
    dossier_id: int, body: ReorderRequest, actor: ActorDep, archive: ArchiveDep
) -> None:
    document_service.reorder(archive, actor, dossier_id, body.document_ids)


@router.get(
    "/api/documents/{document_id}",
    response_model=DocumentOut,
    responses=NOT_FOUND,
    summary="Thông tin tài liệu · Read a document's record",
)
def get_document(document_id: int, actor: ActorDep, archive: ArchiveDep) -> DocumentOut:
    return DocumentOut.of(document_service.fetch(archive, actor, document_id))


@router.patch(
    "/api/documents/{document_id}",
    response_model=DocumentOut,
    responses=NOT_FOUND,
    summary="Sửa thông tin tài liệu · Correct a document's description",
)
def change_document(
    document_id: int, body: DocumentChange, actor: ActorDep, archive: ArchiveDep
) -> DocumentOut:
    values = body.model_dump(exclude_unset=True)
    return DocumentOut.of(document_service.change(archive, actor, document_id, values))


@router.get(
    "/api/documents/{document_id}/content",
    responses={**NOT_FOUND, 200: {"content": {"application/pdf": {}}}},
    response_class=StreamingResponse,
    summary="Tải tài liệu · Download the PDF",
    description="Streams the stored bytes, re-hashing them on the way: if they no longer "
    "match the SHA-256 taken at ingest the transfer is cut off (the response stays "
    "incomplete) and the failure is written to the audit trail. `Repr-Digest` carries the "
    "recorded checksum so the receiver can check too.",
)
def download(
    document_id: int,
    actor: ActorDep,
    archive: ArchiveDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> StreamingResponse:
    try:
        document, chosen, chunks = document_service.open_content(
            archive, actor, document_id, version
        )
    except FileNotFoundError:
        raise document_not_found() from None
    name = chosen.original_filename or f"document-{document.id}-v{chosen.version}.pdf"
    digest = base64.b64encode(bytes.fromhex(chosen.sha256)).decode()
    return StreamingResponse(
        chunks,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Repr-Digest": f"sha-256=:{digest}:",
            "X-Archive-SHA256": chosen.sha256,
        },
    )


@router.post(
    "/api/documents/{document_id}/versions",
    response_model=DocumentOut,
    status_code=201,
    responses=UPLOAD_ERRORS,
    openapi_extra={"requestBody": UPLOAD_BODY},
    summary="Tải lên phiên bản mới · Upload a new version",
    description="Earlier versions stay stored byte for byte and downloadable.",
)
async def add_version(
    document_id: int, request: Request, actor: ActorDep, archive: ArchiveDep
) -> DocumentOut:
    await anyio.to_thread.run_sync(document_service.check_new_version, archive, actor, document_id)
    _fields, received, spool = await receive(request, archive)
    try:
        document = await anyio.to_thread.run_sync(
            document_service.add_version, archive, actor, document_id, received
        )
    finally:
        spool.discard()
    return DocumentOut.of(document)
