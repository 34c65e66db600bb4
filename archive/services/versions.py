"""The one way a new stored state of a document comes into being.

Upload, new version, signature (later: OCR and PDF/A copies) all pass through ``store``:
bytes checked as a PDF → one transaction that locks the dossier and the content address,
stores the bytes under that address while it writes the rows, the chunk digests, the
audit entry and the outbox event, and commits once the bytes are stored → WORM
retention, confirmed in the row. A crash before the commit leaves at most an object no
row points at (the orphan sweep removes it); a crash between commit and retention leaves
a row with ``protected_at`` empty, which the retention job finds and locks.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from archive.domain.events import Topic
from archive.domain.model import (
    BECOMES_CURRENT,
    Document,
    Dossier,
    User,
    VersionReason,
)
from archive.domain.pdf import PdfFacts, active_content_refused
from archive.metadata import audit, locks, outbox
from archive.metadata import documents as document_rows
from archive.services.context import Archive
from archive.services.spool import ChunkHasher
from archive.storage import VERIFY_CHUNK, content_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """Bytes fully received into a local file, with the checksums taken on the way in."""

    path: Path
    sha256: str
    size: int
    filename: str | None
    chunk_digests: bytes = b""  # per VERIFY_CHUNK; computed from the file when empty


@dataclass(frozen=True, slots=True)
class NewDocument:
    """The description of a document being added, already cleaned."""

    kind: str
    title: str
    number: str | None
    issued_on: object
    issuer: str | None


def inspect(archive: Archive, received: ReceivedFile) -> PdfFacts:
    """What a reader finds in the file; refused unless it opens, or if it carries active
    content this installation refuses."""
    facts = archive.pdf_checker.inspect(received.path)
    refusing = archive.settings.refused_active_content
    refused = [a for a in facts.active_content if a in refusing]
    if refused:
        raise active_content_refused(refused)
    return facts


def chunk_digests(received: ReceivedFile) -> document_rows.ChunkDigests:
    digests = received.chunk_digests
    if not digests:
        hasher = ChunkHasher()
        with received.path.open("rb") as fh:
            while block := fh.read(VERIFY_CHUNK):
                hasher.update(block)
        digests = hasher.chunk_digests()
    return document_rows.ChunkDigests(
        content_key(received.sha256), received.size, VERIFY_CHUNK, digests
    )


def starts_with(path: Path, sha256: str, size: int) -> bool:
    """Whether the file begins with exactly the ``size`` bytes that hash to ``sha256``: an
    incremental update (a signature) keeps the signed version as its prefix."""
    digest = hashlib.sha256()
    left = size
    with path.open("rb") as fh:
        while left > 0:
            block = fh.read(min(left, VERIFY_CHUNK))
            if not block:
                return False
            digest.update(block)
            left -= len(block)
    return digest.hexdigest() == sha256


def stores_ahead(archive: Archive) -> bool:
    """Whether bytes are stored before the transaction that names them, not during it.

    SQLite has one writer for the whole database: a transaction waiting on the store (the
    fsync of a 500 MB scan) would hold up every other write in the office. PostgreSQL
    locks only the dossier and the key, so there the store's round trips overlap the
    transaction's instead of adding to them."""
    return archive.db.is_sqlite


def store_ahead(
    archive: Archive,
    key: str,
    received: ReceivedFile,
    check: Callable[[Connection], None] | None = None,
) -> None:
    """Before the write transaction, where ``storing`` does not store during it: ``check``
    (read-only) first, so that what it refuses is never stored."""
    if not stores_ahead(archive):
        return
    if check is not None:
        with archive.db.read() as conn:
            check(conn)
    archive.store.put_file(key, received.path, received.size)


@contextmanager
def storing(archive: Archive, conn: Connection, key: str, received: ReceivedFile) -> Iterator[None]:
    """Inside the transaction that commits the rows naming ``key``; the block writes those
    rows, and is left only once the bytes are stored, so the commit that follows never
    names a missing object. Call ``store_ahead`` before the transaction.

    The key lock comes first: the orphan sweep deletes only under it, after re-checking
    references, so bytes stored while this transaction holds it stay until the rows commit
    (or, if it rolls back, become an orphan the sweep removes after its grace period).
    Bytes stored ahead may have been swept before the lock was taken: they are stored
    again from the received file. Even when the block fails the store is waited for, so
    the spool file the caller removes next is never still being read.
    """
    if stores_ahead(archive):
        locks.lock_object_key(conn, key)
        if not archive.store.exists(key):
            archive.store.put_file(key, received.path, received.size)
        yield
        return
    named = locks.lock_key_to_store(conn, key)
    # The store's round trips overlap the transaction's instead of adding up. Leaving the
    # pool waits for the put, whether the block ended well or raised. Bytes no row names
    # yet are sent without asking the store first whether it holds them.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-put") as pool:
        sent = pool.submit(
            archive.store.put_file, key, received.path, received.size, may_exist=named
        )
        yield
        sent.result()


def store(
    archive: Archive,
    *,
    by: User | None,
    dossier: Dossier,
    received: ReceivedFile,
    facts: PdfFacts,
    reason: VersionReason,
    document_id: int | None = None,
    new_document: NewDocument | None = None,
    derived_from: int | None = None,
    action: str,
    detail: Mapping[str, object] | None = None,
    under_lock: Callable[[Connection], None] | None = None,
    alongside: Callable[[Connection], None] | None = None,
) -> Document:
    """Store ``received`` as a new document (``new_document``) or as the next version of
    ``document_id``; ``under_lock`` runs inside the transaction, with the dossier locked,
    for checks that must not race (duplicates; it may also run once before, read-only);
    ``alongside`` writes what must commit with the new version (a workflow's step), once,
    in the same transaction after its rows."""
    assert (document_id is None) != (new_document is None)
    key = content_key(received.sha256)
    digests = chunk_digests(received)
    row = document_rows.NewVersion(
        sha256=received.sha256,
        size=received.size,
        page_count=facts.page_count,
        storage_key=key,
        pdf_version=facts.pdf_version,
        original_filename=received.filename,
        uploaded_by=by.id if by else None,
        reason=reason,
        derived_from=derived_from,
        signature_count=facts.signature_count,
        active_content=facts.active_content,
        irregularities=facts.irregularities,
        protected=archive.store.protected_on_put,
    )
    current = reason in BECOMES_CURRENT
    store_ahead(archive, key, received, under_lock)
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier.id, touch=True)
        if under_lock is not None:
            under_lock(conn)  # before a byte is stored: a refusal here leaves nothing behind
        with storing(archive, conn, key, received):
            document: Document | None
            if new_document is not None:
                document = document_rows.add(
                    conn,
                    dossier_id=dossier.id,
                    kind=new_document.kind,
                    title=new_document.title,
                    number=new_document.number,
                    issued_on=new_document.issued_on,  # type: ignore[arg-type]
                    issuer=new_document.issuer,
                    version=row,
                )
                document_id, number = document.id, 1
            else:
                assert document_id is not None
                number = document_rows.add_version(conn, document_id, row, make_current=current)
                document = None  # read back below, with the versions before it
            document_rows.save_chunk_digests(conn, digests)
            audit.append(
                conn,
                actor_id=by.id if by else None,
                actor=by.username if by else "system",
                action=action,
                object_type="document",
                object_id=document_id,
                unit_id=dossier.unit_id,
                detail={
                    "dossier_id": dossier.id,
                    "version": number,
                    "reason": reason.value,
                    "derived_from": derived_from,
                    "sha256": received.sha256,
                    "size": received.size,
                    "pages": facts.page_count,
                    "filename": received.filename,
                    "active_content": [a.value for a in facts.active_content],
                    **(detail or {}),
                },
            )
            if alongside is not None:
                alongside(conn)
            outbox.emit(
                conn,
                Topic.DOCUMENT_STORED,
                {
                    "document_id": document_id,
                    "dossier_id": dossier.id,
                    "version": number,
                    "reason": reason.value,
                    "current": current,
                },
            )
            if document is None:
                document = document_rows.get(conn, document_id)
    if not archive.store.protected_on_put:
        protect(archive, key)
    assert document is not None
    return document


def protect(archive: Archive, key: str) -> bool:
    """Apply WORM retention to a committed object and note it on its rows. A failure is
    logged, not raised: the rows are committed, and the retention job will try again."""
    try:
        archive.store.protect(key)
    except Exception:
        log.exception("retention not applied to %s yet; the retention job will retry", key)
        return False
    with archive.db.write() as conn:
        document_rows.mark_protected(conn, key)
    return True


def protect_pending(archive: Archive, *, limit: int = 1000) -> tuple[int, int]:
    """Lock every committed original whose retention was never confirmed (a crash after
    commit, a store that was down). Returns (protected, still pending)."""
    with archive.db.read() as conn:
        keys = document_rows.unprotected(conn, limit)
    done = sum(1 for key in keys if protect(archive, key))
    return done, len(keys) - done
