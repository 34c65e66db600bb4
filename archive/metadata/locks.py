"""Row and key locks that order concurrent writers inside their transactions.

SQLite write transactions already run one at a time (BEGIN IMMEDIATE); PostgreSQL runs
them side by side under READ COMMITTED, so the writers that must not interleave take
these locks, held until their transaction ends.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from archive.metadata.schema import dossiers


def lock_dossier(conn: Connection, dossier_id: int) -> None:
    """Serialise changes to one dossier's documents (duplicates, positions, versions)."""
    conn.execute(select(dossiers.c.id).where(dossiers.c.id == dossier_id).with_for_update())


def lock_object_key(conn: Connection, key: str) -> None:
    """Serialise the upload that commits a row for ``key`` and the sweep that deletes it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
