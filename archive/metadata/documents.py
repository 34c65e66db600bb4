"""Rows of documents and their stored versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, RowMapping, func, insert, select, update

from archive.domain.model import Document, DocumentVersion
from archive.metadata.schema import document_versions, documents, storable_id


@dataclass(frozen=True, slots=True)
class NewVersion:
    sha256: str
    size: int
    page_count: int
    storage_key: str
    signed: bool
    pdf_version: str
    original_filename: str | None
    uploaded_by: int


def _version(r: RowMapping) -> DocumentVersion:
    return DocumentVersion(
        id=r["id"],
        document_id=r["document_id"],
        version=r["version"],
        sha256=r["sha256"],
        size=r["size"],
        page_count=r["page_count"],
        storage_key=r["storage_key"],
        signed=r["signed"],
        pdf_version=r["pdf_version"],
        original_filename=r["original_filename"],
        uploaded_by=r["uploaded_by"],
        uploaded_at=r["uploaded_at"],
    )


def _insert_version(conn: Connection, document_id: int, version: int, v: NewVersion) -> None:
    conn.execute(
        insert(document_versions).values(
            document_id=document_id,
            version=version,
            sha256=v.sha256,
            size=v.size,
            page_count=v.page_count,
            storage_key=v.storage_key,
            signed=v.signed,
            pdf_version=v.pdf_version,
            original_filename=v.original_filename,
            uploaded_by=v.uploaded_by,
            uploaded_at=datetime.now(UTC),
        )
    )


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
) -> int:
    """A new document placed after the dossier's last one, with its first version."""
    position = conn.execute(
        select(func.coalesce(func.max(documents.c.position), 0)).where(
            documents.c.dossier_id == dossier_id
        )
    ).scalar_one()
    document_id = int(
        conn.execute(
            insert(documents)
            .values(
                dossier_id=dossier_id,
                position=int(position) + 1,
                kind=kind,
                title=title,
                number=number,
                issued_on=issued_on,
                issuer=issuer,
                current_version=1,
                created_at=datetime.now(UTC),
            )
            .returning(documents.c.id)
        ).scalar_one()
    )
    _insert_version(conn, document_id, 1, version)
    return document_id


def add_version(conn: Connection, document_id: int, version: NewVersion) -> int:
    current = conn.execute(
        select(documents.c.current_version).where(documents.c.id == document_id)
    ).scalar_one()
    number = int(current) + 1
    _insert_version(conn, document_id, number, version)
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
    result = []
    for r in rows:
        history = tuple(versions[r["id"]])
        current = next(v for v in history if v.version == r["current_version"])
        result.append(
            Document(
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
        )
    return result


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


def referenced_keys(conn: Connection) -> set[str]:
    return set(conn.execute(select(document_versions.c.storage_key).distinct()).scalars())


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


def is_referenced(conn: Connection, key: str) -> bool:
    found = conn.execute(
        select(document_versions.c.id).where(document_versions.c.storage_key == key).limit(1)
    ).first()
    return found is not None


def stored_versions(conn: Connection) -> list[tuple[str, str, int]]:
    """(storage key, sha256, size) of every stored version, once per key."""
    rows = conn.execute(
        select(
            document_versions.c.storage_key,
            document_versions.c.sha256,
            document_versions.c.size,
        ).distinct()
    ).all()
    return [(r.storage_key, r.sha256, int(r.size)) for r in rows]
