"""Adding PDFs to dossiers, reading them back verified, ordering them into folios.

Write order on upload: bytes to the spool (hashed while streaming) → checked as a PDF →
stored under their content address → rows committed with the audit entry → locked.
A crash before the commit leaves at most an object no row points at, which the orphan
sweep removes after a grace period; a row never points at a missing object.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from archive.domain.access import require
from archive.domain.errors import (
    Conflict,
    Forbidden,
    IntegrityFailure,
    Invalid,
    document_not_found,
)
from archive.domain.folios import FolioLocation, check_reorder, locate_folio
from archive.domain.model import Document, DocumentVersion, Dossier
from archive.domain.roles import Action
from archive.domain.text import clean_optional, clean_text
from archive.metadata import audit, locks, outbox
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.services import dossiers as dossier_service
from archive.services.context import Actor, Archive
from archive.services.pdf_inspection import inspect_pdf
from archive.storage import content_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """An upload fully received into the spool, with the checksum taken on the way in."""

    path: Path
    sha256: str
    size: int
    filename: str | None


@dataclass(frozen=True, slots=True)
class DocumentDraft:
    kind: str
    title: str
    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None


def _writable_dossier(archive: Archive, actor: Actor, dossier_id: int) -> Dossier:
    require(actor.user, Action.ADD_DOCUMENT)
    dossier = dossier_service.fetch(archive, actor, dossier_id, record=False)
    if not actor.scope.may_change(dossier.unit_id):
        raise Forbidden(
            "not_owner_unit",
            "Chỉ đơn vị quản lý hồ sơ mới được thêm tài liệu vào hồ sơ này.",
            "Only the unit that keeps this dossier may add documents to it.",
        )
    return dossier


def check_new_document(
    archive: Archive, actor: Actor, dossier_id: int, draft: DocumentDraft
) -> Dossier:
    """Everything that can be refused before a single byte is received."""
    dossier = _writable_dossier(archive, actor, dossier_id)
    archive.case_type(dossier.case_type).check_document_kind(draft.kind)
    _clean_draft(draft)  # lengths and characters, before a byte is received
    if not clean_text(draft.title, field="title"):
        raise Invalid(
            "missing_title",
            "Tài liệu cần có tiêu đề (trích yếu).",
            "A document needs a title.",
        )
    return dossier


def _clean_draft(draft: DocumentDraft) -> DocumentDraft:
    return DocumentDraft(
        kind=draft.kind,
        title=clean_text(draft.title, field="title"),
        number=clean_optional(draft.number, field="number", max_length=64),
        issued_on=draft.issued_on,
        issuer=clean_optional(draft.issuer, field="issuer", max_length=255),
    )


def check_can_add(archive: Archive, actor: Actor, dossier_id: int) -> None:
    """Refuse an upload into a dossier the actor may not add to, before receiving it."""
    _writable_dossier(archive, actor, dossier_id)


def check_new_version(archive: Archive, actor: Actor, document_id: int) -> None:
    """Refuse a new version before receiving it, as for a new document."""
    current = fetch(archive, actor, document_id, record=False)
    _writable_dossier(archive, actor, current.dossier_id)


def _refuse_duplicate(conn: Connection, dossier_id: int, key: str) -> None:
    twin = document_rows.current_holding(conn, dossier_id, key)
    if twin is not None:
        twin_id, twin_title = twin
        raise Conflict(
            "duplicate_document",
            f"Tệp này đã có trong hồ sơ (tài liệu '{twin_title}').",
            f"This file is already in the dossier (document '{twin_title}').",
            document_id=twin_id,
        )


def _ensure_stored(archive: Archive, conn: Connection, key: str, received: ReceivedFile) -> None:
    """Inside the transaction that commits the row: the object must exist at commit.

    The orphan sweep deletes only under the same key lock, after re-checking references,
    so once this holds the row can never point at a missing object. If the sweep removed
    the bytes after they were stored above, they are stored again from the spool.
    """
    locks.lock_object_key(conn, key)
    if not archive.store.exists(key):
        archive.store.put_file(key, received.path, received.size)


def add(
    archive: Archive, actor: Actor, dossier_id: int, draft: DocumentDraft, received: ReceivedFile
) -> Document:
    dossier = check_new_document(archive, actor, dossier_id, draft)
    draft = _clean_draft(draft)
    facts = inspect_pdf(received.path)
    key = content_key(received.sha256)
    with archive.db.read() as conn:
        _refuse_duplicate(conn, dossier_id, key)  # early, before storing anything
    archive.store.put_file(key, received.path, received.size)
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id)
        _refuse_duplicate(conn, dossier_id, key)  # again: a concurrent one may have won
        _ensure_stored(archive, conn, key, received)
        document_id = document_rows.add(
            conn,
            dossier_id=dossier_id,
            kind=draft.kind,
            title=draft.title,
            number=draft.number,
            issued_on=draft.issued_on,
            issuer=draft.issuer,
            version=document_rows.NewVersion(
                sha256=received.sha256,
                size=received.size,
                page_count=facts.page_count,
                storage_key=key,
                signed=facts.signed,
                pdf_version=facts.pdf_version,
                original_filename=received.filename,
                uploaded_by=actor.user.id,
            ),
        )
        dossier_rows.touch(conn, dossier_id)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="document.add",
            object_type="document",
            object_id=document_id,
            unit_id=dossier.unit_id,
            detail={
                "dossier_id": dossier_id,
                "sha256": received.sha256,
                "size": received.size,
                "pages": facts.page_count,
                "filename": received.filename,
            },
        )
        outbox.emit(conn, "document.stored", {"document_id": document_id, "version": 1})
        document = document_rows.get(conn, document_id)
    archive.store.protect(key)
    assert document is not None
    return document


def add_version(
    archive: Archive, actor: Actor, document_id: int, received: ReceivedFile
) -> Document:
    """A new stored state of a document; earlier versions stay, byte for byte."""
    current = fetch(archive, actor, document_id, record=False)
    dossier = _writable_dossier(archive, actor, current.dossier_id)
    facts = inspect_pdf(received.path)
    if received.sha256 == current.current.sha256:
        raise Conflict(
            "same_as_current",
            "Tệp giống hệt phiên bản hiện tại của tài liệu.",
            "The file is identical to the document's current version.",
        )
    key = content_key(received.sha256)
    archive.store.put_file(key, received.path, received.size)
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier.id)  # concurrent versions take turns for a number
        _ensure_stored(archive, conn, key, received)
        number = document_rows.add_version(
            conn,
            document_id,
            document_rows.NewVersion(
                sha256=received.sha256,
                size=received.size,
                page_count=facts.page_count,
                storage_key=key,
                signed=facts.signed,
                pdf_version=facts.pdf_version,
                original_filename=received.filename,
                uploaded_by=actor.user.id,
            ),
        )
        dossier_rows.touch(conn, dossier.id)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="document.version",
            object_type="document",
            object_id=document_id,
            unit_id=dossier.unit_id,
            detail={"version": number, "sha256": received.sha256, "size": received.size},
        )
        outbox.emit(conn, "document.stored", {"document_id": document_id, "version": number})
        document = document_rows.get(conn, document_id)
    archive.store.protect(key)
    assert document is not None
    return document


def fetch(archive: Archive, actor: Actor, document_id: int, *, record: bool = True) -> Document:
    with archive.db.read() as conn:
        document = document_rows.get(conn, document_id)
        dossier = dossier_rows.get(conn, document.dossier_id, actor.scope) if document else None
    if document is None or dossier is None:
        raise document_not_found()
    if record:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="document.read",
                object_type="document",
                object_id=document_id,
                unit_id=dossier.unit_id,
            )
    return document


def of_dossier(
    archive: Archive, actor: Actor, dossier_id: int, *, record: bool = True
) -> list[Document]:
    dossier_service.fetch(archive, actor, dossier_id, record=record)
    with archive.db.read() as conn:
        return document_rows.of_dossier(conn, dossier_id)


def verified(
    chunks: Iterator[bytes],
    expected_sha256: str,
    expected_size: int,
    on_mismatch: Callable[[str, int], None],
) -> Iterator[bytes]:
    """Pass bytes through while hashing them; fail loudly at the end if they changed."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
        yield chunk
    actual = digest.hexdigest()
    if actual != expected_sha256 or size != expected_size:
        on_mismatch(actual, size)
        raise IntegrityFailure(
            "checksum_mismatch",
            "Nội dung lưu trữ không khớp mã kiểm tra SHA-256 đã ghi khi tiếp nhận: tài liệu "
            "có thể đã bị thay đổi hoặc hư hỏng. Hãy báo ngay cho quản trị viên.",
            "The stored bytes do not match the SHA-256 recorded at ingest: the document may "
            "have been altered or damaged. Tell the administrator at once.",
            expected=expected_sha256,
            actual=actual,
        )


def open_content(
    archive: Archive, actor: Actor, document_id: int, version: int | None = None
) -> tuple[Document, DocumentVersion, Iterator[bytes]]:
    """The bytes of a version (the current one by default), verified as they stream."""
    document = fetch(archive, actor, document_id, record=False)
    chosen = document.current
    if version is not None:
        match = [v for v in document.versions if v.version == version]
        if not match:
            raise document_not_found()
        chosen = match[0]
    with archive.db.read() as conn:
        dossier = dossier_rows.get(conn, document.dossier_id, None)
    unit_id = dossier.unit_id if dossier else None
    with archive.db.write() as conn:
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="document.download",
            object_type="document",
            object_id=document_id,
            unit_id=unit_id,
            detail={"version": chosen.version, "sha256": chosen.sha256},
        )

    def report(actual: str, size: int) -> None:
        log.error(
            "integrity failure on %s: expected %s got %s", chosen.storage_key, chosen.sha256, actual
        )
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="integrity.failure",
                object_type="document",
                object_id=document_id,
                unit_id=unit_id,
                detail={
                    "storage_key": chosen.storage_key,
                    "expected": chosen.sha256,
                    "actual": actual,
                    "size": size,
                },
            )

    chunks = archive.store.read(chosen.storage_key)
    try:
        # Stores stream lazily: pull the first chunk now so a missing object is known
        # before an answer starts, not half-way through it.
        first = next(chunks, b"")
    except FileNotFoundError:
        report("missing", 0)
        raise IntegrityFailure(
            "object_missing",
            "Không tìm thấy nội dung tài liệu trong kho lưu trữ dù hồ sơ vẫn ghi nhận: tài liệu "
            "có thể đã bị xóa trái phép. Hãy báo ngay cho quản trị viên.",
            "The document's bytes are missing from the store although its record remains: "
            "they may have been removed without authority. Tell the administrator at once.",
            storage_key=chosen.storage_key,
        ) from None
    return (
        document,
        chosen,
        verified(itertools.chain([first], chunks), chosen.sha256, chosen.size, report),
    )


def change(archive: Archive, actor: Actor, document_id: int, draft: dict[str, object]) -> Document:
    """Correct a document's description; its stored bytes are never touched."""
    document = fetch(archive, actor, document_id, record=False)
    dossier = _writable_dossier(archive, actor, document.dossier_id)
    if "kind" in draft:
        archive.case_type(dossier.case_type).check_document_kind(str(draft["kind"]))
    allowed = {"kind", "title", "number", "issued_on", "issuer"}
    values = {k: v for k, v in draft.items() if k in allowed}
    limits = {"title": None, "number": 64, "issuer": 255}
    for key, limit in limits.items():
        if isinstance(values.get(key), str):
            values[key] = clean_optional(str(values[key]), field=key, max_length=limit)
    for key in ("kind", "title"):
        if key in values and not values[key]:
            raise Invalid(
                "missing_value",
                f"Trường '{key}' không được để trống.",
                f"The field '{key}' cannot be emptied.",
                field=key,
            )
    with archive.db.write() as conn:
        document_rows.change(conn, document_id, values)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="document.change",
            object_type="document",
            object_id=document_id,
            unit_id=dossier.unit_id,
            detail={"fields": sorted(values)},
        )
        outbox.emit(conn, "document.changed", {"document_id": document_id})
        changed = document_rows.get(conn, document_id)
    assert changed is not None
    return changed


def reorder(archive: Archive, actor: Actor, dossier_id: int, ordered_ids: list[int]) -> None:
    """Put the dossier's documents in a new order; folio numbers follow at once."""
    dossier = _writable_dossier(archive, actor, dossier_id)
    with archive.db.write() as conn:
        current = [d.id for d in document_rows.of_dossier(conn, dossier_id)]
        check_reorder(current, ordered_ids)
        document_rows.reorder(conn, ordered_ids)
        dossier_rows.touch(conn, dossier_id)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="dossier.reorder",
            object_type="dossier",
            object_id=dossier_id,
            unit_id=dossier.unit_id,
            detail={"order": ordered_ids},
        )
        outbox.emit(conn, "dossier.changed", {"dossier_id": dossier_id})


def folio(archive: Archive, actor: Actor, dossier_id: int, number: int) -> FolioLocation:
    docs = of_dossier(archive, actor, dossier_id, record=False)
    return locate_folio(docs, number)
