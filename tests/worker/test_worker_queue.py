"""The Celery worker as an installation meets it: real worker processes on both brokers.

Embedded: the broker is the SQLite file ``data_dir/queue.sqlite`` (kombu's SQLAlchemy
transport) and results go to ``data_dir/results.sqlite``. Scaled: Redis for both, on a
Redis database of its own per test so no other worker on the shared server takes our
tasks. Workers are started as the user starts them (``python -m archive.cli worker
--no-beat``, or ``celery -A slowtasks worker`` with the same argv when a test needs a
task it can kill mid-way), tasks are sent from this process with the app
``archive.worker.make_celery`` builds, and every worker is stopped with SIGTERM at the end.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from support import processes
from support.archives import Backend, open_backend
from support.pdfs import make_pdf
from support.redisdb import own_redis_db

from archive.domain.model import Party, PartyKind
from archive.domain.roles import Role
from archive.services import accounts, documents, dossiers
from archive.services.documents import DocumentDraft, ReceivedFile
from archive.settings import Settings
from archive.worker import make_celery

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
READY = " ready."
SLOW_SECONDS = 2.5
# How long a test waits for a killed task to come back before calling it lost.
REDELIVERY_WAIT = 8.0

pytestmark = pytest.mark.timeout(120)


# --------------------------------------------------------------------------- helpers


@pytest.fixture(params=["embedded", "scaled"])
def archive_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with ExitStack() as stack:
        overrides: dict[str, Any] = {}
        if request.param == "scaled":
            url = stack.enter_context(own_redis_db())
            overrides = {"broker_url": url, "result_backend": url}
        yield stack.enter_context(open_backend(request.param, tmp_path, **overrides))


def archive_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The settings as ``ARCHIVE_*`` variables, with this folder (slowtasks) importable."""
    return processes.archive_env(settings, HERE, **extra)


def archive_worker_argv() -> list[str]:
    return [sys.executable, "-m", "archive.cli", "worker", "--no-beat"]


def slow_worker_argv(settings: Settings) -> list[str]:
    """The worker ``archive worker --no-beat`` starts (same pool and concurrency), on the
    app of ``slowtasks``; without the one-second neighbour search, which changes nothing
    about delivery."""
    argv = [sys.executable, "-m", "celery", "-A", "slowtasks", "worker", "--loglevel=INFO"]
    argv += ["--concurrency=1", "--without-mingle"]
    if settings.broker_url.startswith("sqla+"):
        argv.append("--pool=solo")
    return argv


class Worker(processes.ArchiveProcess):
    """A worker process in its own process group, its output in a log file."""

    def __enter__(self) -> Worker:
        if self.proc is None:
            self.start()
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Warm shutdown with SIGTERM; SIGKILL to its own group only if it hangs."""
        super().stop(sig, timeout)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while READY not in self.log():
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"the worker exited ({self.proc.returncode}):\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the worker was not ready in {timeout} s:\n{self.log()}")
            time.sleep(0.1)

    def child_pids(self) -> set[int]:
        return {child.pid for child in self.process().children(recursive=True)}

    def kill_hard(self) -> None:
        """SIGKILL to the worker and its pool: a power cut or an OOM kill of the lot."""
        assert self.proc is not None
        os.killpg(self.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


def store_documents(backend: Backend, count: int) -> int:
    """``count`` real documents (a unit, an official, a dossier, PDFs) through the services."""
    archive = backend.archive
    accounts.create_unit(archive, "tu_phap", "Phòng Tư pháp", None, by=None)
    official = accounts.create_user(
        archive,
        username="official_tp",
        full_name="Nguyễn Văn Đức",
        password="mat-khau-thu-nghiem",
        role=Role.OFFICIAL,
        unit_code="tu_phap",
        by=None,
    )
    actor = archive.actor(official)
    dossier = dossiers.create(
        archive,
        actor,
        dossiers.DossierDraft(
            case_type="xlvphc",
            title="Vi phạm trật tự xây dựng",
            field="xay_dung",
            opened_on=date(2024, 5, 26),
            parties=(Party("violator", PartyKind.INDIVIDUAL, "Trần Văn Hùng"),),
            custom={"violation": "Xây dựng không phép"},
        ),
    )
    folder = backend.settings.data_dir / "seed"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        data = make_pdf(pages=1 + index % 3)
        path = folder / f"bien-ban-{index}.pdf"
        path.write_bytes(data)
        received = ReceivedFile(path, hashlib.sha256(data).hexdigest(), len(data), path.name)
        documents.add(
            archive,
            actor,
            dossier.id,
            DocumentDraft(kind="bien_ban_vi_pham", title=f"Biên bản {index}"),
            received,
        )
    return count


def queued_in_sqlite(settings: Settings) -> tuple[int, int]:
    """(visible, hidden) messages in the embedded queue file."""
    path = settings.data_dir / "queue.sqlite"
    with sqlite3.connect(path) as conn:
        rows = dict(conn.execute("SELECT visible, count(*) FROM kombu_message GROUP BY visible"))
    return int(rows.get(1, 0)), int(rows.get(0, 0))


def queued_in_redis(settings: Settings) -> tuple[int, int]:
    """(waiting in the 'celery' list, delivered but unacknowledged) messages in Redis."""
    client = redis.Redis.from_url(settings.broker_url)
    return int(client.llen("celery")), int(client.hlen("unacked"))


def queued(settings: Settings) -> tuple[int, int]:
    if settings.broker_url.startswith("sqla+"):
        return queued_in_sqlite(settings)
    return queued_in_redis(settings)


def sender(settings: Settings) -> Celery:
    return make_celery(settings)


def wait_for(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} did not appear within {timeout} s")
        time.sleep(0.05)


# --------------------------------------------------------------------------- tests


def test_task_sent_with_no_worker_is_kept_and_done_once_a_worker_starts(
    archive_backend: Backend, tmp_path: Path
) -> None:
    settings = archive_backend.settings
    stored = store_documents(archive_backend, 5)
    app = sender(settings)
    result = app.send_task("archive.fixity")
    time.sleep(0.5)  # nobody is listening: the message must simply wait in the broker
    assert queued(settings) == (1, 0)
    if archive_backend.kind == "embedded":
        assert (settings.data_dir / "queue.sqlite").is_file()
    assert result.state == "PENDING"

    with Worker(archive_worker_argv(), archive_env(settings), tmp_path, "worker") as worker:
        report = result.get(timeout=60)
        assert report["checked"] == stored, worker.log()
        assert report["ok"] == stored
        assert report["mismatched"] == [] and report["missing"] == []
        assert queued(settings)[0] == 0
    assert worker.proc is not None and worker.proc.returncode == 0, worker.log()
    app.close()


def _kill_mid_task_then_restart(
    backend: Backend, tmp_path: Path, extra_env: dict[str, str]
) -> tuple[Path, Any, Worker]:
    """Send ``tests.slow`` and SIGKILL its worker mid-task; return a fresh worker, not yet
    started, for the caller to run (``with``) and stop."""
    settings = backend.settings
    markers = tmp_path / "markers"
    markers.mkdir()
    env = archive_env(settings, **extra_env)
    app = sender(settings)
    result = app.send_task("tests.slow", args=[str(markers), SLOW_SECONDS])
    first = Worker(slow_worker_argv(settings), env, tmp_path, "worker-1")
    with first:
        wait_for(markers / "attempt-1", timeout=30)
        first.kill_hard()
    assert not (markers / "finished-1").exists()
    second = Worker(slow_worker_argv(settings), env, tmp_path, "worker-2")
    return markers, result, second


@pytest.mark.parametrize(
    "archive_backend",
    [
        pytest.param("embedded"),
        pytest.param("scaled"),
    ],
    indirect=True,
)
def test_task_of_a_killed_worker_is_redone_by_a_new_worker(
    archive_backend: Backend, tmp_path: Path
) -> None:
    settings = archive_backend.settings
    markers, result, second = _kill_mid_task_then_restart(
        archive_backend, tmp_path, {"ARCHIVE_TASK_VISIBILITY_TIMEOUT": "5"}
    )
    with second:
        second.wait_ready()
        waiting, hidden = queued(settings)
        try:
            outcome = result.get(timeout=REDELIVERY_WAIT)
        except Exception as exc:
            raise AssertionError(
                f"the killed task was not redone within {REDELIVERY_WAIT} s of a new worker "
                f"being ready ({type(exc).__name__}); broker after the kill: {waiting} "
                f"waiting, {hidden} delivered-unacknowledged; attempts: "
                f"{sorted(p.name for p in markers.iterdir())}"
            ) from None
    assert outcome["attempt"] == 2
    assert (markers / "finished-2").exists() and not (markers / "finished-1").exists()


def test_redis_worker_retries_a_task_whose_pool_process_was_killed(tmp_path: Path) -> None:
    """The case ``task_reject_on_worker_lost`` covers: the kernel's OOM killer takes the
    pool process running the task, the worker itself lives on and requeues the job."""
    with (
        own_redis_db() as url,
        open_backend("scaled", tmp_path, broker_url=url, result_backend=url) as backend,
    ):
        markers = tmp_path / "markers"
        markers.mkdir()
        app = sender(backend.settings)
        env = archive_env(backend.settings)
        with Worker(slow_worker_argv(backend.settings), env, tmp_path, "worker") as worker:
            worker.wait_ready()
            result = app.send_task("tests.slow", args=[str(markers), SLOW_SECONDS])
            wait_for(markers / "attempt-1", timeout=30)
            child = int((markers / "attempt-1").read_text())
            assert child in worker.child_pids()
            os.kill(child, signal.SIGKILL)
            outcome = result.get(timeout=40)
        assert outcome["attempt"] == 2
        assert not (markers / "finished-1").exists()
        assert (markers / "finished-2").exists()


@pytest.mark.parametrize(
    "archive_backend",
    [
        pytest.param("embedded"),
        "scaled",
    ],
    indirect=True,
)
def test_worker_refuses_to_start_on_an_unusable_data_dir(
    archive_backend: Backend, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the data folder should be")
    data_dir = blocker / "var"
    updates: dict[str, Any] = {"data_dir": data_dir, "storage_dir": None}
    if archive_backend.kind == "embedded":
        updates.update(
            database_url=f"sqlite:///{data_dir / 'archive.sqlite'}",
            broker_url=f"sqla+sqlite:///{data_dir / 'queue.sqlite'}",
            result_backend=f"db+sqlite:///{data_dir / 'results.sqlite'}",
        )
    settings = archive_backend.settings.model_copy(update=updates)
    env = archive_env(settings)
    done = subprocess.run(
        archive_worker_argv(), env=env, cwd=tmp_path, capture_output=True, timeout=60
    )
    err = done.stderr.decode(errors="replace")
    assert done.returncode != 0
    assert str(data_dir) in err
    assert "Traceback" not in err, err
    assert "ARCHIVE_DATA_DIR" in err or "data folder" in err, err
    assert not data_dir.exists()
