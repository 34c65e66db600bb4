"""Row and key locks that order concurrent writers inside their transactions.

SQLite write transactions already run one at a time (BEGIN IMMEDIATE); PostgreSQL runs
them side by side under READ COMMITTED, so the writers that must not interleave take
these locks, held until their transaction ends.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, exists, select, text, update
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import ColumnElement

from archive.metadata.schema import derivatives, document_versions, dossiers


def lock_dossier(conn: Connection, dossier_id: int, *, touch: bool = False) -> None:
    """Serialise changes to one dossier's documents (duplicates, positions, versions).
    ``touch``: the change will set the dossier's ``updated_at``; setting it now takes the
    same row lock, one statement instead of two."""
    if touch:
        conn.execute(
            update(dossiers).where(dossiers.c.id == dossier_id).values(updated_at=datetime.now(UTC))
        )
    else:
        conn.execute(select(dossiers.c.id).where(dossiers.c.id == dossier_id).with_for_update())


_ADVISORY = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


def lock_object_key(conn: Connection, key: str) -> None:
    """Serialise the upload that commits a row for ``key`` and the sweep that deletes it."""
    if conn.dialect.name == "postgresql":
        conn.execute(_ADVISORY, {"key": key})


def _named(key: str) -> ColumnElement[bool]:
    return exists().where(document_versions.c.storage_key == key) | exists().where(
        derivatives.c.storage_key == key
    )


def lock_key_to_store(conn: Connection, key: str) -> bool:
    """``lock_object_key`` for a transaction about to store ``key``; then whether a version
    or a derivative already names it, so that the store keeps that object rather than be
    sent the bytes again. Asked in a statement of its own after the lock: under READ
    COMMITTED a statement sees what was committed when it began, and one that began
    before waiting for the lock would miss the row of the upload it waited for."""
    lock_object_key(conn, key)
    return bool(conn.execute(select(_named(key))).scalar())


class ProcessLock:
    """A lock one process holds for as long as it lives, per store: a file lock in the data
    folder for the embedded store, a session advisory lock on PostgreSQL. Either one
    disappears with the process, however it ends (even SIGKILL), so no lock is ever left
    behind by a crash."""

    def __init__(self, name: str, database_url: str, data_dir: Path) -> None:
        self.name = name
        self._url = database_url
        self._path = data_dir / f"{name}.lock"
        self._fd: int | None = None
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    def acquire(self, *, wait: bool = False) -> bool:
        if self._url.startswith("postgresql"):
            return self._acquire_advisory(wait)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def _acquire_advisory(self, wait: bool) -> bool:
        self._engine = create_engine(self._url, poolclass=NullPool)
        self._conn = self._engine.connect()
        function = "pg_advisory_lock" if wait else "pg_try_advisory_lock"
        got = self._conn.execute(
            text(f"SELECT {function}(hashtextextended(:name, 0))"), {"name": f"archive.{self.name}"}
        ).scalar()
        self._conn.commit()
        if got is False:
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
        if self._conn is not None:
            self._conn.close()  # ending the session drops the advisory lock
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
