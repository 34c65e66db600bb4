"""``archive check``: the store, the metadata and the search index compared, drift repaired.

- Store ↔ metadata: every current version's object is in the store (fixity re-hashes
  the bytes; this only asks whether each object is there, in one listing).
- Metadata ↔ index: every document is indexed at its current version, with as many
  entries as its state says (its details and each page); the index holds nothing of a
  document the metadata does not know. Failed documents are listed with their reasons.
Repairing reindexes what is missing or stale and removes what should not be there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from archive.metadata.schema import document_versions, documents
from indexer import state
from indexer.indexing import Indexer


@dataclass
class Drift:
    missing_objects: list[tuple[int, str]] = field(default_factory=list)  # (document, key)
    not_indexed: list[int] = field(default_factory=list)  # pending or stale version
    entries_differ: list[int] = field(default_factory=list)  # indexed, entries lost/extra
    unknown_in_index: list[int] = field(default_factory=list)  # no such document
    failed: list[tuple[int, str]] = field(default_factory=list)
    repaired: int = 0

    @property
    def clean(self) -> bool:
        return not (
            self.missing_objects or self.not_indexed or self.entries_differ or self.unknown_in_index
        )


def check(
    indexer: Indexer, *, repair: bool, progress: Callable[[str], None] = lambda _: None
) -> Drift:
    archive = indexer.archive
    drift = Drift()
    with archive.db.read() as conn:
        current = {
            int(r.id): (int(r.current_version), str(r.storage_key))
            for r in conn.execute(
                select(
                    documents.c.id, documents.c.current_version, document_versions.c.storage_key
                ).select_from(
                    documents.join(
                        document_versions,
                        and_(
                            document_versions.c.document_id == documents.c.id,
                            document_versions.c.version == documents.c.current_version,
                        ),
                    )
                )
            )
        }
        states = {i: state.of(conn, i, v) for i, (v, _) in current.items()}
    progress(f"{len(current)} tài liệu · documents")
    stored = {o.key for o in archive.store.iter_objects()}
    drift.missing_objects = sorted((i, k) for i, (_, k) in current.items() if k not in stored)
    held = indexer.index.documents()
    for document_id, found in sorted(states.items()):
        if found.status is state.Status.PENDING:
            drift.not_indexed.append(document_id)
        else:
            if found.status is state.Status.FAILED:
                drift.failed.append((document_id, found.reason or ""))
            if held.get(document_id, 0) != found.pages + 1:
                drift.entries_differ.append(document_id)
    drift.unknown_in_index = sorted(set(held) - set(current))
    if repair:
        for document_id in drift.unknown_in_index:
            indexer.index.remove_document(document_id)
            with archive.db.write() as conn:
                state.forget(conn, document_id)
            drift.repaired += 1
        for document_id in drift.not_indexed + drift.entries_differ:
            indexer.document(document_id)
            drift.repaired += 1
        indexer.index.settle()
    return drift
