"""The worker's side of reminders: a periodic run (``deadlines.remind``)."""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache

from archive.services.context import Archive
from archive.services.dossiers import today
from archive.settings import get_settings
from archive.worker import celery_app, task_options
from deadlines.reminding import remind


@lru_cache(maxsize=1)
def _archive() -> Archive:
    return Archive.open(get_settings())


@celery_app.task(name="deadlines.remind", **task_options())
def remind_task() -> dict[str, int]:
    return asdict(remind(_archive(), today()))
