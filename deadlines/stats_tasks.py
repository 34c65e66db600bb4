"""The worker's side of statistics: take the outbox's changes into each dossier's figures,
every few seconds, as one consumer (a lease keeps two workers from taking one batch)."""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from archive.services.consumers import consume, owner_name
from archive.services.context import Archive
from archive.settings import get_settings
from archive.worker import celery_app, task_options
from deadlines.stats_elastic import StatisticsUnavailable
from deadlines.stats_feed import CONSUMER, Statistics, statistics_for

log = logging.getLogger(__name__)
BUDGET_SECONDS = 20.0


@lru_cache(maxsize=1)
def _statistics() -> tuple[Statistics, str]:
    return statistics_for(Archive.open(get_settings())), owner_name()


def feed(statistics: Statistics, owner: str, *, budget: float = BUDGET_SECONDS) -> int:
    handled = 0
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        n = consume(statistics.archive, CONSUMER, statistics.handle, owner=owner, limit=500)
        if n == 0:
            break
        handled += n
    return handled


@celery_app.task(name="deadlines.statistics_feed", **task_options())
def feed_task() -> dict[str, object]:
    statistics, owner = _statistics()
    try:
        return {"handled": feed(statistics, owner)}
    except StatisticsUnavailable as exc:
        log.warning("statistics index not reachable, will retry: %s", exc)
        return {"handled": 0, "waiting": str(exc)}
