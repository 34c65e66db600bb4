"""The worker's side of search: take the outbox's new events into the index, every few
seconds, as one consumer (a lease keeps two workers from taking the same batch)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from functools import lru_cache

from archive.services.consumers import consume, owner_name
from archive.services.context import Archive
from archive.settings import get_settings
from archive.worker import celery_app, task_options
from indexer.backend import SearchUnavailable
from indexer.extraction import TextReader
from indexer.indexing import CONSUMER, Indexer
from indexer.opening import Search

log = logging.getLogger(__name__)
BUDGET_SECONDS = 20.0  # then the task ends and the next run goes on
BATCH = 100


@lru_cache(maxsize=1)
def _indexer() -> tuple[Indexer, str]:
    archive = Archive.open(get_settings())
    search = Search.open(archive)
    reader = TextReader.for_settings(archive.settings)
    # One owner per worker process: after a failed batch this process takes it straight
    # back; a dead process's lease runs out and another takes it.
    from indexer.ocr_tasks import enqueue

    return Indexer(archive, search.prepared(), reader, ocr=enqueue), owner_name()


def feed(indexer: Indexer, owner: str, *, budget: float = BUDGET_SECONDS) -> int:
    lease = timedelta(seconds=indexer.archive.settings.search_lease_seconds)
    handled = 0
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        n = consume(
            indexer.archive, CONSUMER, indexer.handle, owner=owner, limit=BATCH, lease=lease
        )
        if n == 0:
            break
        handled += n
    return handled


@celery_app.task(name="indexer.feed", **task_options())
def feed_task() -> dict[str, object]:
    indexer, owner = _indexer()
    try:
        return {"handled": feed(indexer, owner)}
    except SearchUnavailable as exc:
        log.warning("search index not reachable, will retry: %s", exc)
        return {"handled": 0, "waiting": str(exc)}
