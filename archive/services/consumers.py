"""Reading the outbox as a named consumer: claim a batch, handle it, acknowledge it.

The search index and the statistics each read every event once, at their own pace, with
their own position. A consumer that dies mid-batch never acknowledges it; when its lease
runs out the same batch is handed out again, so handlers must be idempotent (re-index a
document, recount a dossier), which reading current state by id makes natural.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Sequence
from datetime import timedelta

from archive.metadata import outbox
from archive.metadata.outbox import Event
from archive.services.context import Archive

DEFAULT_LEASE = timedelta(minutes=5)


def owner_name() -> str:
    """Who holds a lease: host, process and a random part, for the logs and the lease."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


def consume(
    archive: Archive,
    consumer: str,
    handle: Callable[[Sequence[Event]], None],
    *,
    owner: str | None = None,
    limit: int = 500,
    lease: timedelta = DEFAULT_LEASE,
) -> int:
    """Handle the consumer's next batch; returns how many events it held (0: nothing new,
    or another worker holds the consumer's lease)."""
    owner = owner or owner_name()
    with archive.db.write() as conn:
        outbox.register(conn, consumer)
        batch = outbox.claim(conn, consumer, owner, limit=limit, lease=lease)
    if batch is None:
        return 0
    if batch.events:
        try:
            handle(batch.events)  # outside any transaction: a slow handler blocks no writer
        except BaseException:
            with archive.db.write() as conn:
                outbox.release(conn, batch)
            raise
    with archive.db.write() as conn:
        if not outbox.acknowledge(conn, batch):
            return 0  # the lease ran out meanwhile: the batch goes to whoever took it
    return len(batch.events)


def lag(archive: Archive, consumer: str) -> int | None:
    """Events the consumer has not acknowledged yet (None if it never ran)."""
    with archive.db.read() as conn:
        position = outbox.position(conn, consumer)
        if position is None:
            return None
        return outbox.latest(conn) - position
