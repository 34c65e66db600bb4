"""Periodic jobs of the core: fixity in resumable batches, the sweep, audit checkpoints."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from celery import Task

from archive.services import fixity, sweep, trail
from archive.services.context import Archive
from archive.settings import get_settings
from archive.worker import celery_app, task_options


@lru_cache(maxsize=1)
def _archive() -> Archive:
    return Archive.open(get_settings())


@celery_app.task(name="archive.fixity", bind=True, **task_options())
def fixity_task(self: Task[Any, Any], run_id: str | None = None) -> dict[str, object]:
    """One batch of a fixity run; queues the next batch until the run is done. A run a dead
    worker left unfinished is resumed before a new one starts."""
    archive = _archive()
    run_id = run_id or fixity.unfinished(archive) or fixity.start(archive)
    report = fixity.run_batch(archive, run_id, seconds=archive.settings.fixity_batch_seconds)
    if not report.finished:
        self.apply_async(args=(run_id,))
    return {
        "run_id": report.run_id,
        "finished": report.finished,
        "checked": report.checked,
        "total": report.total,
        "ok": report.ok,
        "mismatched": report.mismatched,
        "missing": report.missing,
    }


@celery_app.task(name="archive.sweep", **task_options())
def sweep_task() -> dict[str, object]:
    report = sweep.run(_archive())
    return {
        "removed": report.removed,
        "stale_uploads": report.stale_uploads,
        "aborted_multipart": report.aborted_multipart,
        "protected": report.protected,
    }


@celery_app.task(name="archive.checkpoint", **task_options())
def checkpoint_task() -> dict[str, object]:
    written = trail.write_checkpoint(_archive())
    return {"key": written.key if written else None}
