"""Rows of documents and their stored versions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Connection, RowMapping, func, insert, select, union, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from archive.domain.model import Derivative, Document, DocumentVersion, VersionReason
from archive.domain.pdf import ActiveContent
from archive.metadata.schema import (
    derivatives,
    document_versions,
    documents,
    dossiers,
    object_digests,
    storable_id,
)


@dataclass(frozen=True, slots=True)
class NewVersion:
    sha256: str
    size: int
    page_count: int
    storage_key: str
    pdf_version: str
    original_filename: str | None
    uploaded_by: int | None
    reason: VersionReason = VersionReason.UPLOAD
    derived_from: int | None = None
    signature_count: int = 0
    active_content: tuple[ActiveContent, ...] = ()
    irregularities: Mapping[str, object] = field(default_factory=dict)
    protected: bool = False  # the store protected it when storing it


def _version(r: RowMapping) -> DocumentVersion:
    return DocumentVersion(
        id=r["id"],
        document_id=r["document_id"],
        version=r["version"],
        sha256=r["sha256"],
        size=r["size"],
        page_count=r["page_count"],
        storage_key=r["storage_key"],
        pdf_version=r["pdf_version"],
        original_filename=r["original_filename"],
        uploaded_by=r["uploaded_by"],
        uploaded_at=r["uploaded_at"],
        reason=VersionReason(r["reason"]),
        derived_from=r["derived_from"],
        signature_count=r["signature_count"],
        active_content=tuple(ActiveContent(a) for a in r["active_content"] or ()),
        irregularities=dict(r["irregularities"] or {}),
    )


def _insert_version(
    conn: Connection, document_id: int, version: int, v: NewVersion
) -> DocumentVersion:
    row = conn.execute(
        insert(document_versions)
        .values(
            document_id=document_id,
            version=version,
            sha256=v.sha256,
            size=v.size,
            page_count=v.page_count,
            storage_key=v.storage_key,
            pdf_version=v.pdf_version,
            original_filename=v.original_filename,
            uploaded_by=v.uploaded_by,
            uploaded_at=datetime.now(UTC),
            reason=v.reason.value,
            derived_from=v.derived_from,
            signature_count=v.signature_count,
            active_content=[a.value for a in v.active_content],
            irregularities=dict(v.irregularities),
            protected_at=datetime.now(UTC) if v.protected else None,
        )
        .returning(*document_versions.c)
    )
    return _version(row.mappings().one())


def add(
    conn: Connection,
    *,
    dossier_id: int,
    kind: str,
    title: str,
    number: str | None,
    issued_on: date | None,
    issuer: str | None,
    version: NewVersion,
) -> Document:
    """A new document placed after the dossier's last one, with its first version; both
    rows come back from their inserts, so nothing is read again."""
    after_last = (
        select(func.coalesce(func.max(documents.c.position), 0) + 1)
        .where(documents.c.dossier_id == dossier_id)
        .scalar_subquery()
    )
    row = (
        conn.execute(
            insert(documents)
            .values(
                dossier_id=dossier_id,
                position=after_last,
                kind=kind,
                title=title,
                number=number,
                issued_on=issued_on,
                issuer=issuer,
                current_version=1,
                created_at=datetime.now(UTC),
            )
            .returning(*documents.c)
        )
        .mappings()
        .one()
    )
    first = _insert_version(conn, row["id"], 1, version)
    return _document(row, (first,))


def add_version(
    conn: Connection, document_id: int, version: NewVersion, *, make_current: bool
) -> int:
    """The next version number of the document; it becomes current only if asked."""
    last = conn.execute(
        select(func.max(document_versions.c.version)).where(
            document_versions.c.document_id == document_id
        )
    ).scalar_one()
    number = int(last or 0) + 1
    _insert_version(conn, document_id, number, version)
    if make_current:
        conn.execute(
            update(documents).where(documents.c.id == document_id).values(current_version=number)
        )
    return number


def _assemble(conn: Connection, rows: list[RowMapping]) -> list[Document]:
    ids = [r["id"] for r in rows]
    versions: dict[int, list[DocumentVersion]] = {}
    if ids:
        for vr in conn.execute(
            select(document_versions)
            .where(document_versions.c.document_id.in_(ids))
            .order_by(document_versions.c.document_id, document_versions.c.version)
        ).mappings():
            versions.setdefault(vr["document_id"], []).append(_version(vr))
    return [_document(r, tuple(versions[r["id"]])) for r in rows]


def _document(r: RowMapping, history: tuple[DocumentVersion, ...]) -> Document:
    current = next(v for v in history if v.version == r["current_version"])
    return Document(
        id=r["id"],
        dossier_id=r["dossier_id"],
        position=r["position"],
        kind=r["kind"],
        title=r["title"],
        number=r["number"],
        issued_on=r["issued_on"],
        issuer=r["issuer"],
        created_at=r["created_at"],
        current=current,
        versions=history,
    )


def of_dossier(conn: Connection, dossier_id: int) -> list[Document]:
    rows = (
        conn.execute(
            select(documents)
            .where(documents.c.dossier_id == dossier_id)
            .order_by(documents.c.position, documents.c.id)
        )
        .mappings()
        .all()
    )
    return _assemble(conn, list(rows))


def get(conn: Connection, document_id: int) -> Document | None:
    if not storable_id(document_id):
        return None
    rows = conn.execute(select(documents).where(documents.c.id == document_id)).mappings().all()
    found = _assemble(conn, list(rows))
    return found[0] if found else None


def change(conn: Connection, document_id: int, values: dict[str, object]) -> None:
    conn.execute(update(documents).where(documents.c.id == document_id).values(**values))


def reorder(conn: Connection, ordered_ids: list[int]) -> None:
    for position, document_id in enumerate(ordered_ids, 1):
        conn.execute(
            update(documents).where(documents.c.id == document_id).values(position=position)
        )


# Every key a version or a derivative points at.
_REFERENCED_KEYS = union(select(document_versions.c.storage_key), select(derivatives.c.storage_key))


def referenced_keys(conn: Connection) -> set[str]:
    return set(conn.execute(_REFERENCED_KEYS).scalars())


def current_holding(conn: Connection, dossier_id: int, key: str) -> tuple[int, str] | None:
    """(id, title) of a document of the dossier whose current version is stored at ``key``."""
    row = conn.execute(
        select(documents.c.id, documents.c.title)
        .join(
            document_versions,
            (document_versions.c.document_id == documents.c.id)
            & (document_versions.c.version == documents.c.current_version),
        )
        .where(documents.c.dossier_id == dossier_id, document_versions.c.storage_key == key)
        .limit(1)
    ).first()
    return (int(row.id), str(row.title)) if row else None


def is_version_key(conn: Connection, key: str) -> bool:
    """Whether a document version (an original, kept under WORM) is stored at ``key``."""
    found = conn.execute(
        select(document_versions.c.id).where(document_versions.c.storage_key == key).limit(1)
    ).first()
    return found is not None


def is_referenced(conn: Connection, key: str) -> bool:
    return (
        is_version_key(conn, key)
        or conn.execute(
            select(derivatives.c.id).where(derivatives.c.storage_key == key).limit(1)
        ).first()
        is not None
    )


@dataclass(frozen=True, slots=True)
class StoredObject:
    """A referenced object as fixity sees it: where it is, what it must hash to."""

    storage_key: str
    sha256: str
    size: int


def stored_objects(conn: Connection, *, after: str | None, limit: int) -> list[StoredObject]:
    """Referenced objects (versions and derivatives) in key order, after ``after``."""
    parts = []
    for table in (document_versions, derivatives):
        query = select(table.c.storage_key, table.c.sha256, table.c.size)
        if after is not None:
            query = query.where(table.c.storage_key > after)
        parts.append(query)
    rows = conn.execute(union(*parts).order_by("storage_key").limit(limit)).all()
    return [StoredObject(r.storage_key, r.sha256, int(r.size)) for r in rows]


def count_stored_objects(conn: Connection) -> int:
    keys = _REFERENCED_KEYS.subquery()
    return int(conn.execute(select(func.count()).select_from(keys)).scalar_one())


@dataclass(frozen=True, slots=True)
class Holder:
    """A document version or derivative stored at a key, named as a person looks it up."""

    document_id: int
    version: int
    dossier_id: int
    dossier_code: str
    kind: str  # "version" or the derivative's kind


def holders(conn: Connection, keys: Iterable[str]) -> dict[str, list[Holder]]:
    """Which documents (and dossiers) the objects at ``keys`` belong to."""
    wanted = sorted(set(keys))
    found: dict[str, list[Holder]] = {k: [] for k in wanted}
    if not wanted:
        return found
    for table, kind in ((document_versions, None), (derivatives, derivatives.c.kind)):
        rows = conn.execute(
            select(
                table.c.storage_key,
                table.c.document_id,
                table.c.version,
                documents.c.dossier_id,
                dossiers.c.code,
                *([kind] if kind is not None else []),
            )
            .join(documents, documents.c.id == table.c.document_id)
            .join(dossiers, dossiers.c.id == documents.c.dossier_id)
            .where(table.c.storage_key.in_(wanted))
            .order_by(table.c.document_id, table.c.version)
        ).all()
        for r in rows:
            found[r.storage_key].append(
                Holder(
                    int(r.document_id),
                    int(r.version),
                    int(r.dossier_id),
                    str(r.code),
                    str(r.kind) if kind is not None else "version",
                )
            )
    return found


# -- WORM retention ---------------------------------------------------------------------


def unprotected(conn: Connection, limit: int) -> list[str]:
    """Keys of committed versions whose retention has not been confirmed yet."""
    return list(
        conn.execute(
            select(document_versions.c.storage_key)
            .where(document_versions.c.protected_at.is_(None))
            .distinct()
            .limit(limit)
        ).scalars()
    )


def mark_protected(conn: Connection, key: str) -> None:
    conn.execute(
        update(document_versions)
        .where(document_versions.c.storage_key == key, document_versions.c.protected_at.is_(None))
        .values(protected_at=datetime.now(UTC))
    )


# -- chunk digests ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChunkDigests:
    storage_key: str
    size: int
    chunk_size: int
    digests: bytes  # 32 bytes per chunk

    def of(self, index: int) -> bytes:
        return self.digests[index * 32 : (index + 1) * 32]


def chunk_digests(conn: Connection, key: str) -> ChunkDigests | None:
    row = conn.execute(select(object_digests).where(object_digests.c.storage_key == key)).first()
    if row is None:
        return None
    return ChunkDigests(row.storage_key, int(row.size), int(row.chunk_size), bytes(row.digests))


def save_chunk_digests(conn: Connection, digests: ChunkDigests) -> None:
    """Record the digests of a key once; the same key always names the same bytes."""
    values = {
        "storage_key": digests.storage_key,
        "size": digests.size,
        "chunk_size": digests.chunk_size,
        "digests": digests.digests,
    }
    insert_for = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert_for(object_digests).values(**values).on_conflict_do_nothing())


# -- derivatives ------------------------------------------------------------------------


def _derivative(r: RowMapping) -> Derivative:
    return Derivative(
        id=r["id"],
        document_id=r["document_id"],
        version=r["version"],
        kind=r["kind"],
        storage_key=r["storage_key"],
        sha256=r["sha256"],
        size=r["size"],
        media_type=r["media_type"],
        detail=dict(r["detail"] or {}),
        created_at=r["created_at"],
    )


def put_derivative(
    conn: Connection,
    *,
    document_id: int,
    version: int,
    kind: str,
    storage_key: str,
    sha256: str,
    size: int,
    media_type: str,
    detail: Mapping[str, object],
    created_by: int | None,
) -> int:
    """Record (or replace the record of) the ``kind`` derivative of one version."""
    existing = conn.execute(
        select(derivatives.c.id).where(
            derivatives.c.document_id == document_id,
            derivatives.c.version == version,
            derivatives.c.kind == kind,
        )
    ).scalar_one_or_none()
    values = {
        "storage_key": storage_key,
        "sha256": sha256,
        "size": size,
        "media_type": media_type,
        "detail": dict(detail),
        "created_at": datetime.now(UTC),
        "created_by": created_by,
    }
    if existing is not None:
        conn.execute(update(derivatives).where(derivatives.c.id == existing).values(**values))
        return int(existing)
    return int(
        conn.execute(
            insert(derivatives)
            .values(document_id=document_id, version=version, kind=kind, **values)
            .returning(derivatives.c.id)
        ).scalar_one()
    )


def derivatives_of(conn: Connection, document_id: int) -> list[Derivative]:
    rows = conn.execute(
        select(derivatives)
        .where(derivatives.c.document_id == document_id)
        .order_by(derivatives.c.version, derivatives.c.kind)
    ).mappings()
    return [_derivative(r) for r in rows]
