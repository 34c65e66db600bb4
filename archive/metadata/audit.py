"""Appending to and reading the hash-chained audit trail."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from sqlalchemy import Connection, String, and_, bindparam, cast, or_, select, update

from archive.domain.access import Scope
from archive.domain.audit import AuditEntry, entry_hash
from archive.metadata.dossiers import visible
from archive.metadata.schema import audit_head, audit_log, documents, dossiers

# Built once: every change and every read appends an entry, and building a statement (and
# its cache key) costs more than running it on SQLite.
_HEAD_FOR_UPDATE = (
    select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
)
_INSERT = audit_log.insert()
_MOVE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append(
    conn: Connection,
    *,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int,
    unit_id: int | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Add one entry inside the caller's write transaction, so the record and the change
    it describes commit together or not at all."""
    head = conn.execute(_HEAD_FOR_UPDATE).one()
    seq = int(head.seq) + 1
    at = datetime.now(UTC)
    body = dict(detail or {})
    digest = entry_hash(
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        unit_id=unit_id,
        detail=body,
        prev_hash=head.hash,
    )
    conn.execute(
        _INSERT,
        {
            "seq": seq,
            "at": at,
            "actor_id": actor_id,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "unit_id": unit_id,
            "detail": body,
            "prev_hash": head.hash,
            "hash": digest,
        },
    )
    conn.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": digest})
    return AuditEntry(
        seq,
        at,
        actor_id,
        actor,
        action,
        object_type,
        str(object_id),
        unit_id,
        body,
        head.hash,
        digest,
    )


def head(conn: Connection) -> tuple[int, str]:
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
    return int(row.seq), str(row.hash)


def _entry(row: object) -> AuditEntry:
    r = row._mapping  # type: ignore[attr-defined]
    return AuditEntry(
        seq=int(r["seq"]),
        at=r["at"],
        actor_id=r["actor_id"],
        actor=r["actor"],
        action=r["action"],
        object_type=r["object_type"],
        object_id=r["object_id"],
        unit_id=r["unit_id"],
        detail=r["detail"],
        prev_hash=r["prev_hash"],
        hash=r["hash"],
    )


def iter_entries(conn: Connection, batch: int = 5000) -> Iterator[AuditEntry]:
    """All entries in chain order, fetched in batches so a long trail stays light."""
    last = 0
    while True:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            entry = _entry(row)
            last = entry.seq
            yield entry


def recent(
    conn: Connection,
    *,
    scope: Scope,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
    before_seq: int | None = None,
) -> list[AuditEntry]:
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if not scope.everything:
        # Only the trail of dossiers (and their documents) the reader may open: an entry
        # must not reveal a dossier the reader would get 404 for.
        readable = select(cast(dossiers.c.id, String)).where(visible(scope))
        readable_docs = (
            select(cast(documents.c.id, String))
            .join(dossiers, documents.c.dossier_id == dossiers.c.id)
            .where(visible(scope))
        )
        query = query.where(
            or_(
                and_(audit_log.c.object_type == "dossier", audit_log.c.object_id.in_(readable)),
                and_(
                    audit_log.c.object_type == "document",
                    audit_log.c.object_id.in_(readable_docs),
                ),
            )
        )
    if object_type:
        query = query.where(audit_log.c.object_type == object_type)
    if object_id:
        query = query.where(audit_log.c.object_id == object_id)
    if before_seq:
        query = query.where(audit_log.c.seq < before_seq)
    return [_entry(r) for r in conn.execute(query).all()]
