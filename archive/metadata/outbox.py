"""Recording changes for other parts of the system in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import Connection, insert

from archive.metadata.schema import outbox


def emit(conn: Connection, topic: str, payload: Mapping[str, object]) -> None:
    conn.execute(
        insert(outbox).values(created_at=datetime.now(UTC), topic=topic, payload=dict(payload))
    )
