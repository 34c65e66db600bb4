"""Periodic jobs of the core: re-checking fixity and sweeping orphan objects."""

from __future__ import annotations

from functools import lru_cache

from archive.services import fixity, sweep
from archive.services.context import Archive
from archive.settings import get_settings
from archive.worker import celery_app, task_options


@lru_cache(maxsize=1)
def _archive() -> Archive:
    return Archive.open(get_settings())


@celery_app.task(name="archive.fixity", **task_options())
def fixity_task() -> dict[str, object]:
    report = fixity.run(_archive())
    return {
        "run_id": report.run_id,
        "checked": report.checked,
        "ok": report.ok,
        "mismatched": report.mismatched,
        "missing": report.missing,
    }


@celery_app.task(name="archive.sweep", **task_options())
def sweep_task() -> dict[str, object]:
    report = sweep.run(_archive())
    return {"removed": report.removed, "stale_uploads": report.stale_uploads}
