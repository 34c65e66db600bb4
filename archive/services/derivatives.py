"""Files the archive makes from a document version: OCR text, PDF/A copies, reports.

They live in the same object store under their content address, each recorded against
the version it was made from, so the orphan sweep keeps them and fixity checks them. A
derivative never replaces its version; a newer one of the same kind replaces the older
record (the older bytes become an orphan and are swept after the grace period).
"""

from __future__ import annotations

from collections.abc import Mapping

from archive.domain.events import Topic
from archive.domain.model import Derivative, User
from archive.metadata import audit, outbox
from archive.metadata import documents as document_rows
from archive.services.context import Actor, Archive
from archive.services.documents import located, version_of
from archive.services.versions import ReceivedFile, chunk_digests, store_ahead, storing
from archive.storage import content_key


def store(
    archive: Archive,
    *,
    document_id: int,
    version: int,
    kind: str,
    received: ReceivedFile,
    media_type: str,
    by: User | None = None,
    detail: Mapping[str, object] | None = None,
) -> Derivative:
    """Keep ``received`` as the ``kind`` derivative of a version of a document."""
    with archive.db.read() as conn:
        document, dossier = located(conn, document_id, None)
    version_of(document, version)  # 'not found' unless the document has that version
    key = content_key(received.sha256)
    digests = chunk_digests(received)  # outside the write transaction: it may read the file
    store_ahead(archive, key, received)
    with archive.db.write() as conn, storing(archive, conn, key, received):
        derivative_id = document_rows.put_derivative(
            conn,
            document_id=document_id,
            version=version,
            kind=kind,
            storage_key=key,
            sha256=received.sha256,
            size=received.size,
            media_type=media_type,
            detail=dict(detail or {}),
            created_by=by.id if by else None,
        )
        document_rows.save_chunk_digests(conn, digests)
        audit.append(
            conn,
            actor_id=by.id if by else None,
            actor=by.username if by else "system",
            action="derivative.store",
            object_type="document",
            object_id=document_id,
            unit_id=dossier.unit_id,
            detail={"version": version, "kind": kind, "sha256": received.sha256},
        )
        outbox.emit(
            conn,
            Topic.DERIVATIVE_STORED,
            {
                "document_id": document_id,
                "version": version,
                "kind": kind,
                "derivative_id": derivative_id,
            },
        )
        found = [
            d for d in document_rows.derivatives_of(conn, document_id) if d.id == derivative_id
        ]
    return found[0]


def of_document(archive: Archive, actor: Actor, document_id: int) -> list[Derivative]:
    """The derivatives of a document the actor may read; one read, as for a download."""
    with archive.db.read() as conn:
        located(conn, document_id, actor.scope)
        return document_rows.derivatives_of(conn, document_id)
