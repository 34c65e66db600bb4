"""The sample extension's task, registered on the archive's Celery app."""

from __future__ import annotations

from archive.worker import celery_app


@celery_app.task(name="sample.tick")
def tick() -> str:
    return "tock"
