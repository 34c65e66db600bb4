"""The Celery application: one queue for the core's periodic care of the collection.

Embedded: the broker is a SQLite file in the data folder, so queued jobs survive restarts
and nothing needs installing. Scaled: Redis. Tasks are acknowledged only after they finish
and go back to the queue if their worker dies, so a crash retries a job instead of
dropping it. Later stages (indexing, OCR, statistics) register their tasks on this app.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import Celery

from archive.settings import Settings, get_settings


def make_celery(settings: Settings) -> Celery:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("archive", broker=settings.broker_url, backend=settings.result_backend)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        result_expires=timedelta(days=7),
        beat_schedule={
            "fixity": {
                "task": "archive.fixity",
                "schedule": timedelta(hours=settings.fixity_interval_hours),
            },
            "sweep-orphans": {"task": "archive.sweep", "schedule": timedelta(hours=1)},
        },
        beat_schedule_filename=str(settings.data_dir / "beat-schedule"),
        include=["archive.tasks"],
    )
    return app


celery_app = make_celery(get_settings())


def task_options() -> dict[str, Any]:
    """Retry policy shared by the archive's tasks: transient failures come back later."""
    return {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}
