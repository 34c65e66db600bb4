"""The embedded job queue: a SQLite table that keeps each job until it has been done.

Kombu's SQLAlchemy transport marks a row invisible when it hands the job out and keeps it
so even after the job is acknowledged; a worker killed half-way leaves its job invisible
for ever (measured: 0 waiting, 1 hidden, never run again). Here a row is deleted when its
job is acknowledged, so every invisible row left at start-up belongs to a worker that
died mid-job, and the embedded worker — there is one per installation — puts those rows
back in the queue before it takes any new work.
"""

from __future__ import annotations

from queue import Empty
from typing import Any

from kombu.transport import sqlalchemy as kombu_sqla
from kombu.transport.virtual import Message
from kombu.utils.encoding import bytes_to_str
from kombu.utils.json import loads
from sqlalchemy import create_engine, text

TRANSPORT = "archive.queue:Transport"


class Channel(kombu_sqla.Channel):
    def __init__(self, connection: Any, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self._rows: dict[str, int] = {}  # delivery tag -> row id of jobs handed out

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        obj = self._get_or_create(queue)  # type: ignore[attr-defined]
        if self.session.bind.name == "sqlite":  # type: ignore[union-attr]
            self.session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
        try:
            msg = (
                self.session.query(self.message_cls)
                .with_for_update()
                .filter(self.message_cls.queue_id == obj.id)
                .filter(self.message_cls.visible.is_(True))
                .order_by(self.message_cls.sent_at, self.message_cls.id)
                .limit(1)
                .first()
            )
            if msg is None:
                raise Empty()
            msg.visible = False
            payload = loads(bytes_to_str(msg.payload))
            self._rows[payload["properties"]["delivery_tag"]] = msg.id
            return payload
        finally:
            self.session.commit()

    def _forget(self, delivery_tag: str) -> None:
        row = self._rows.pop(delivery_tag, None)
        if row is not None:
            self.session.query(self.message_cls).filter(self.message_cls.id == row).delete()
            self.session.commit()

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple)
        self._forget(delivery_tag)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        # A requeued job comes back as a new row (kombu re-puts it); the old one goes.
        super().basic_reject(delivery_tag, requeue=requeue)
        self._forget(delivery_tag)

    def _restore(self, message: Message) -> None:
        super()._restore(message)  # on clean shutdown: the job is queued again as a new row
        if message.delivery_tag is not None:
            self._forget(message.delivery_tag)


class Transport(kombu_sqla.Transport):
    Channel = Channel


def requeue_interrupted(broker_url: str) -> int:
    """Put back jobs handed to a worker that died before finishing them.

    Call only from the installation's single embedded worker, before it consumes: with
    acknowledged rows deleted, an invisible row is a job no live worker holds.
    """
    url = broker_url.split("+", 1)[1] if "+" in broker_url else broker_url
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tables = {
                r[0]
                for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if "kombu_message" not in tables:
                return 0
            result = conn.execute(text("UPDATE kombu_message SET visible = 1 WHERE visible = 0"))
            return int(result.rowcount or 0)
    finally:
        engine.dispose()
