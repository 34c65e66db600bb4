"""The index follows the store: the outbox's events, read in order, turned into entries.

Every handler reads the current state by id and rewrites what the index holds of it, so a
batch handled twice (a worker died before acknowledging it) leaves the same index. A
document whose text cannot be read is indexed by its details and marked failed with the
reason; a backend that does not answer raises, the batch is not acknowledged, and it comes
back once the backend does — nothing is lost either way.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from archive.domain.events import Topic
from archive.domain.model import Document, Dossier, Party
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.metadata.outbox import Event
from archive.metadata.schema import documents as documents_table
from archive.metadata.schema import dossiers as dossiers_table
from archive.services.context import Archive
from indexer import state
from indexer.backend import SearchIndex
from indexer.entries import DocumentFields, DossierFields, document_entries, dossier_entry
from indexer.extraction import PageText, TextReader, TextUnreadable
from indexer.folding import nfc

log = logging.getLogger(__name__)

CONSUMER = "search-index"
DOSSIER_TOPICS = frozenset(
    {Topic.DOSSIER_OPENED, Topic.DOSSIER_CHANGED, Topic.DOSSIER_STAGE_CHANGED, Topic.DOSSIER_SHARED}
)


def dossier_fields(dossier: Dossier) -> DossierFields:
    return DossierFields(
        dossier_id=dossier.id,
        code=dossier.code,
        title=dossier.title,
        unit_id=dossier.unit_id,
        shared_with=tuple(dossier.shared_with),
        opened_on=dossier.opened_on,
        case_type=dossier.case_type,
        field=dossier.field,
        stage=dossier.stage,
    )


def document_fields(document: Document) -> DocumentFields:
    return DocumentFields(
        document_id=document.id,
        version=document.current.version,
        kind=document.kind,
        title=document.title,
        signed=document.current.signature_count > 0,
        issued_on=document.issued_on,
    )


def page_details(fields: Mapping[str, str] | None) -> list[str]:
    """The details printed on a document, as words to index (dates as written in text)."""
    if not fields:
        return []
    found = [v for k, v in fields.items() if k != "issued_on"]
    if "issued_on" in fields:
        found.append(f"{date.fromisoformat(fields['issued_on']):%d/%m/%Y}")
    return found


def _party(p: Party) -> dict[str, object]:
    return {"name": p.name, "id_number": p.id_number, "address": p.address}


OCR_TEXT = "ocr_text"  # the derivative the OCR queue makes: {"pages": {"3": "text", …}}


@dataclass
class Indexer:
    archive: Archive
    index: SearchIndex
    reader: TextReader
    # Asks for OCR of a version's pages without text (the OCR queue, in the worker); None:
    # nobody to ask (a command that only reindexes).
    ocr: Callable[[int, int], object] | None = None

    def _ocr_text(self, document_id: int, version: int) -> dict[int, str] | None:
        """The OCR text of a version's scanned pages, if the OCR queue has made it."""
        with self.archive.db.read() as conn:
            made = [
                d
                for d in document_rows.derivatives_of(conn, document_id)
                if d.version == version and d.kind == OCR_TEXT
            ]
        if not made:
            return None
        raw = b"".join(self.archive.store.read(made[-1].storage_key))
        if hashlib.sha256(raw).hexdigest() != made[-1].sha256:
            log.error("document %s: OCR text differs from what was stored", document_id)
            return None
        pages = json.loads(raw)["pages"]
        return {int(k): nfc(str(v)) for k, v in pages.items()}

    def document(self, document_id: int) -> state.Status | None:
        """(Re)index one document's current version; None if it no longer exists."""
        with self.archive.db.read() as conn:
            document = document_rows.get(conn, document_id)
            dossier = (
                dossier_rows.get(conn, document.dossier_id, None) if document is not None else None
            )
        if document is None or dossier is None:
            self.index.remove_document(document_id)
            with self.archive.db.write() as conn:
                state.forget(conn, document_id)
            return None
        reason = None
        # What the uploader left empty may be printed on the document: read it then.
        wanted = not (document.number and document.issued_on and document.issuer)
        try:
            text = self.reader.read_version(self.archive.store, document.current, fields=wanted)
        except TextUnreadable as exc:
            reason = str(exc)
            text = PageText(())
            log.warning("document %s: text not read: %s", document_id, reason)
        pages = list(text.pages)
        if text.empty_pages:
            scanned = self._ocr_text(document_id, document.current.version)
            if scanned is None and self.ocr is not None:
                self.ocr(document_id, document.current.version)
            for number, found in (scanned or {}).items():
                if 1 <= number <= len(pages) and not pages[number - 1].strip():
                    pages[number - 1] = found
        fields = document_fields(document)
        details = [document.title, document.number, document.issuer, document.kind]
        if document.issued_on:
            details.append(f"{document.issued_on:%d/%m/%Y}")
        details += page_details(text.fields)
        self.index.put_document(
            dossier_fields(dossier),
            fields,
            document_entries(dossier.id, fields, details, pages),
        )
        status = state.Status.FAILED if reason else state.Status.INDEXED
        with self.archive.db.write() as conn:
            state.record(
                conn,
                document_id,
                document.current.version,
                status,
                reason=reason,
                pages=len(pages),
                empty_pages=PageText(tuple(pages)).empty_pages,
                page_fields=text.fields,
            )
        return status

    def dossier(self, dossier_id: int) -> None:
        with self.archive.db.read() as conn:
            dossier = dossier_rows.get(conn, dossier_id, None)
        if dossier is None:
            return
        entry = dossier_entry(
            dossier_fields(dossier), [_party(p) for p in dossier.parties], dossier.custom
        )
        self.index.put_dossier(dossier_fields(dossier), entry)

    def handle(self, events: Sequence[Event]) -> None:
        documents: dict[int, None] = {}
        dossiers: dict[int, None] = {}
        for event in events:
            payload = event.payload
            if event.topic in DOSSIER_TOPICS:
                dossiers[int(str(payload["dossier_id"]))] = None
            elif (
                event.topic is Topic.DOCUMENT_CHANGED
                or (event.topic is Topic.DOCUMENT_STORED and payload.get("current", True))
                or (event.topic is Topic.DERIVATIVE_STORED and payload.get("kind") == OCR_TEXT)
            ):
                documents[int(str(payload["document_id"]))] = None
        for document_id in documents:
            self.document(document_id)
        for dossier_id in dossiers:
            self.dossier(dossier_id)
        if documents or dossiers:
            self.index.settle()

    def everything(self, *, progress: bool = False) -> int:
        """Rebuild the whole index from the store; returns the documents indexed."""
        self.index.clear()
        with self.archive.db.read() as conn:
            dossier_ids = [int(r.id) for r in conn.execute(select(dossiers_table.c.id))]
            document_ids = [int(r.id) for r in conn.execute(select(documents_table.c.id))]
        for dossier_id in dossier_ids:
            self.dossier(dossier_id)
        for document_id in document_ids:
            self.document(document_id)
        self.index.settle()
        return len(document_ids)

    def of_dossier(self, dossier_id: int) -> int:
        with self.archive.db.read() as conn:
            document_ids = [
                int(r.id)
                for r in conn.execute(
                    select(documents_table.c.id).where(documents_table.c.dossier_id == dossier_id)
                )
            ]
        self.dossier(dossier_id)
        for document_id in document_ids:
            self.document(document_id)
        self.index.settle()
        return len(document_ids)
