"""Each document's place in the search index: indexed (which version, how many pages, which
had no text), or failed with the reason. No row, or an older version, means pending."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Engine

from archive.metadata.schema import UTCDateTime


class Status(StrEnum):
    PENDING = "pending"
    INDEXED = "indexed"
    FAILED = "failed"


tables = MetaData()
search_state = Table(
    "search_state",
    tables,
    Column("document_id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("pages", Integer, nullable=False),
    Column("empty_pages", JSON, nullable=False),  # page numbers without a text layer
    # Details printed on the document (Decree 30 layout), read when its uploader left some
    # of them empty: offered for those fields, and searchable.
    Column("page_fields", JSON, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)


@dataclass(frozen=True)
class IndexState:
    document_id: int
    version: int | None
    status: Status
    reason: str | None
    pages: int
    empty_pages: tuple[int, ...]
    updated_at: datetime | None
    page_fields: Mapping[str, str] | None = None


def create(engine: Engine) -> None:
    tables.create_all(engine, checkfirst=True)


def record(
    conn: Connection,
    document_id: int,
    version: int,
    status: Status,
    *,
    reason: str | None = None,
    pages: int = 0,
    empty_pages: Sequence[int] = (),
    page_fields: Mapping[str, str] | None = None,
) -> None:
    conn.execute(delete(search_state).where(search_state.c.document_id == document_id))
    conn.execute(
        insert(search_state).values(
            document_id=document_id,
            version=version,
            status=status.value,
            reason=reason,
            pages=pages,
            empty_pages=list(empty_pages),
            page_fields=dict(page_fields) if page_fields else None,
            updated_at=datetime.now(UTC),
        )
    )


def forget(conn: Connection, document_id: int) -> None:
    conn.execute(delete(search_state).where(search_state.c.document_id == document_id))


def of(conn: Connection, document_id: int, current_version: int) -> IndexState:
    row = conn.execute(
        select(search_state).where(search_state.c.document_id == document_id)
    ).first()
    if row is None or int(row.version) < current_version:
        return IndexState(document_id, current_version, Status.PENDING, None, 0, (), None)
    return IndexState(
        document_id,
        int(row.version),
        Status(row.status),
        row.reason,
        int(row.pages),
        tuple(int(p) for p in row.empty_pages),
        row.updated_at,
        dict(row.page_fields) if row.page_fields else None,
    )
