"""The outbox: events written in the change's own transaction, read by named consumers.

Numbers are handed out under a row lock on ``outbox_head`` that the writing transaction
holds until it commits, so events commit in number order and a consumer may keep a single
position: nothing can later appear behind it. A consumer takes its next batch with a lease
(claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a busy consumer row is skipped,
not waited for); it acknowledges by moving its position past the batch. A consumer that
dies mid-batch never acknowledges, its lease runs out, and the batch is handed out again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from archive.domain.events import Topic
from archive.metadata.schema import outbox, outbox_consumers, outbox_head


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    topic: Topic
    payload: Mapping[str, object]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Batch:
    consumer: str
    owner: str
    events: tuple[Event, ...]

    @property
    def last(self) -> int | None:
        return self.events[-1].id if self.events else None


# One statement takes the next number and locks the head row until commit (built once).
_NEXT = (
    update(outbox_head)
    .where(outbox_head.c.id == 1)
    .values(seq=outbox_head.c.seq + 1)
    .returning(outbox_head.c.seq)
)
_INSERT = insert(outbox)


def emit(conn: Connection, topic: Topic, payload: Mapping[str, object]) -> int:
    """Record an event inside the caller's write transaction; returns its number."""
    seq = int(conn.execute(_NEXT).scalar_one())
    conn.execute(
        _INSERT,
        {
            "id": seq,
            "created_at": datetime.now(UTC),
            "topic": topic.value,
            "payload": dict(payload),
        },
    )
    return seq


def register(conn: Connection, consumer: str) -> None:
    """Make ``consumer`` known; a new one starts at the beginning, so it sees every event."""
    exists = conn.execute(
        select(outbox_consumers.c.name).where(outbox_consumers.c.name == consumer)
    ).first()
    if exists:
        return
    conn.execute(
        insert(outbox_consumers).values(name=consumer, position=0, updated_at=datetime.now(UTC))
    )


def claim(
    conn: Connection, consumer: str, owner: str, *, limit: int, lease: timedelta
) -> Batch | None:
    """The consumer's next events, leased to ``owner``; None while another holds a lease
    (or the consumer row is locked by another claim at this very moment)."""
    now = datetime.now(UTC)
    row = conn.execute(
        select(
            outbox_consumers.c.position,
            outbox_consumers.c.lease_owner,
            outbox_consumers.c.lease_until,
        )
        .where(outbox_consumers.c.name == consumer)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    if row.lease_until is not None and row.lease_until > now and row.lease_owner != owner:
        return None
    events = events_after(conn, int(row.position), limit)
    conn.execute(
        update(outbox_consumers)
        .where(outbox_consumers.c.name == consumer)
        .values(lease_owner=owner, lease_until=now + lease, updated_at=now)
    )
    return Batch(consumer, owner, tuple(events))


def acknowledge(conn: Connection, batch: Batch) -> bool:
    """Move the consumer past ``batch`` and release its lease; False if the lease was lost
    (it ran out and another owner took the batch), in which case nothing moves."""
    values: dict[str, object] = {
        "lease_owner": None,
        "lease_until": None,
        "updated_at": datetime.now(UTC),
    }
    if batch.last is not None:
        values["position"] = batch.last
    result = conn.execute(
        update(outbox_consumers)
        .where(
            outbox_consumers.c.name == batch.consumer,
            outbox_consumers.c.lease_owner == batch.owner,
        )
        .values(**values)
    )
    return bool(result.rowcount)


def release(conn: Connection, batch: Batch) -> None:
    """Give the batch's lease back without moving: a handler failed, and the next try (by
    any worker) takes the same events at once instead of after the lease."""
    conn.execute(
        update(outbox_consumers)
        .where(
            outbox_consumers.c.name == batch.consumer,
            outbox_consumers.c.lease_owner == batch.owner,
        )
        .values(lease_owner=None, lease_until=None, updated_at=datetime.now(UTC))
    )


def position(conn: Connection, consumer: str) -> int | None:
    found = conn.execute(
        select(outbox_consumers.c.position).where(outbox_consumers.c.name == consumer)
    ).scalar_one_or_none()
    return int(found) if found is not None else None


def latest(conn: Connection) -> int:
    return int(conn.execute(select(outbox_head.c.seq).where(outbox_head.c.id == 1)).scalar_one())


def events_after(conn: Connection, after: int, limit: int = 1000) -> list[Event]:
    rows = conn.execute(
        select(outbox).where(outbox.c.id > after).order_by(outbox.c.id).limit(limit)
    ).all()
    return [Event(int(r.id), Topic(r.topic), dict(r.payload), r.created_at) for r in rows]
