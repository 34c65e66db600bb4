"""The Celery application: the core's periodic care of the collection, and the stages' work.

Embedded: the broker is a SQLite file in the data folder, so queued jobs survive restarts
and nothing needs installing. Scaled: Redis. Tasks are acknowledged only after they finish
and go back to the queue if their worker dies, so a crash retries a job instead of
dropping it. Later stages register their task modules and periodic jobs through
``archive.extensions``.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_process_init, worker_ready

from archive.extensions import installed
from archive.queue import TRANSPORT, requeue_interrupted
from archive.settings import Settings, get_settings

log = logging.getLogger(__name__)


def schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The periodic jobs, every interval a setting."""
    jobs: dict[str, dict[str, Any]] = {
        "fixity": {
            "task": "archive.fixity",
            "schedule": timedelta(hours=settings.fixity_interval_hours),
        },
        "sweep": {
            "task": "archive.sweep",
            "schedule": timedelta(hours=settings.sweep_interval_hours),
        },
        "checkpoint": {
            "task": "archive.checkpoint",
            "schedule": timedelta(minutes=settings.checkpoint_interval_minutes),
        },
    }
    for extension in installed():
        jobs.update({f"{extension.name}.{k}": dict(v) for k, v in extension.periodic.items()})
    return jobs


def make_celery(settings: Settings) -> Celery:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = Celery("archive", broker=settings.broker_url, backend=settings.result_backend)
    if is_embedded_queue(settings.broker_url):
        app.conf.broker_transport = TRANSPORT
    else:
        app.conf.broker_transport_options = {
            # Redis hands the unacknowledged job of a dead worker to another one after this
            # long; it must exceed the longest task (fixity batches stay within a third).
            "visibility_timeout": settings.task_visibility_timeout,
            # Look for such jobs every few seconds, not kombu's default of ~100 s.
            "unacked_restore_interval": max(1, min(10, settings.task_visibility_timeout // 5)),
            "unacked_restore_throttle": 1,
        }
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
        beat_schedule=schedule(settings),
        beat_schedule_filename=str(settings.data_dir / "beat-schedule"),
        include=["archive.tasks", *(m for e in installed() for m in e.task_modules)],
    )
    return app


def is_embedded_queue(broker_url: str) -> bool:
    return broker_url.startswith("sqla+sqlite")


celery_app = make_celery(get_settings())


@worker_ready.connect
def _requeue_interrupted(**_: Any) -> None:
    settings = get_settings()
    if is_embedded_queue(settings.broker_url):
        restored = requeue_interrupted(settings.broker_url)
        if restored:
            log.warning("requeued %d job(s) interrupted by a worker that died", restored)


def task_options() -> dict[str, Any]:
    """Retry policy shared by the archive's tasks: transient failures come back later."""
    return {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


PR_SET_PDEATHSIG = 1


@beat_init.connect
@worker_process_init.connect
def _die_with_the_worker(**_: Any) -> None:
    """The scheduler a ``--beat`` worker runs, and the processes of its pool, are children
    of the worker: when the worker is killed (SIGKILL, the OOM killer) they end with it,
    instead of living on as orphans — an orphaned scheduler would go on sending jobs beside
    the one the next worker starts once the store's scheduler lock is free."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the worker died before the line above ran
        os.kill(os.getpid(), signal.SIGTERM)
