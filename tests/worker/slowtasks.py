"""A Celery app for the worker tests: the archive's own app plus one slow task.

The worker runs it as ``python -m celery -A slowtasks worker ...`` with the archive's
``ARCHIVE_*`` settings in its environment, so broker, result store and every option of
``archive.worker.make_celery`` (acks late, reject on worker lost, prefetch 1) are the
archive's. ``tests.slow`` leaves one marker file per attempt, sleeps, then marks the
attempt finished, so a test can kill the worker mid-task and count the attempts.

Tests that kill workers lower ``ARCHIVE_TASK_VISIBILITY_TIMEOUT`` so a crashed Redis job
is retried within seconds rather than after the production default of an hour.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from archive.settings import get_settings
from archive.worker import make_celery

app = make_celery(get_settings())


@app.task(name="tests.slow")
def slow(marker_dir: str, seconds: float) -> dict[str, object]:
    folder = Path(marker_dir)
    attempt = len(list(folder.glob("attempt-*"))) + 1
    (folder / f"attempt-{attempt}").write_text(str(os.getpid()))
    time.sleep(seconds)
    (folder / f"finished-{attempt}").write_text(str(os.getpid()))
    return {"attempt": attempt, "pid": os.getpid()}
