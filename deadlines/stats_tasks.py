"""The worker's side of statistics: take the outbox's changes into each dossier's figures,
every few seconds, as one consumer (a lease keeps two workers from taking one batch)."""

from __future__ import annotations

import logging
from functools import lru_cache

from archive.services.consumers import owner_name
from archive.services.context import Archive
from archive.settings import get_settings
from archive.worker import celery_app, task_options
from deadlines.stats_elastic import StatisticsUnavailable
from deadlines.stats_feed import Statistics, feed, statistics_for

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _statistics() -> tuple[Statistics, str]:
    return statistics_for(Archive.open(get_settings())), owner_name()


@celery_app.task(name="deadlines.statistics_feed", **task_options())
def feed_task() -> dict[str, object]:
    statistics, owner = _statistics()
    try:
        return {"handled": feed(statistics, owner)}
    except StatisticsUnavailable as exc:
        log.warning("statistics index not reachable, will retry: %s", exc)
        return {"handled": 0, "waiting": str(exc)}
