"""The processes of an installation stop together, and never run twice.

``kill -TERM`` of ``archive serve`` used to orphan its worker, and the next start then ran
two workers and two schedulers on one queue. Here real processes are started the way the
README starts them and stopped every way they can be: SIGTERM, SIGINT (Ctrl-C), SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from support.archives import open_backend
from support.processes import Served, archive_env
from support.redisdb import own_redis_db

pytestmark = pytest.mark.timeout(240)


def _worker_processes(data_dir: Path) -> list[psutil.Process]:
    """Every process of an `archive worker` of this data folder (with --beat, Celery's
    scheduler runs in a child process of the worker), wherever it was started."""
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmdline = proc.info["cmdline"] or []
            environ = proc.info["environ"] or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        ours = environ.get("ARCHIVE_DATA_DIR") == str(data_dir)
        if "worker" in cmdline and "archive.cli" in cmdline and ours:
            found.append(proc)
    return found


def _workers_of(data_dir: Path) -> list[psutil.Process]:
    """The `archive worker` processes themselves (not their scheduler children)."""
    every = _worker_processes(data_dir)
    pids = {p.pid for p in every}
    return [p for p in every if p.ppid() not in pids]


def _wait_until(check: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.2)


def _log_has(path: Path, text: str) -> bool:
    return path.is_file() and text in path.read_text(errors="replace")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_the_embedded_worker_stops_with_the_server(how: signal.Signals, tmp_path: Path) -> None:
    with open_backend("embedded", tmp_path) as backend:
        data_dir = backend.settings.data_dir
        served = Served(backend.settings, tmp_path)
        with served:
            _wait_until(lambda: len(_workers_of(data_dir)) == 1, 60, "the worker started")
            _wait_until(lambda: _log_has(served.log_path, " ready."), 60, "the worker is ready")
            (worker,) = _workers_of(data_dir)
            assert worker.ppid() == served.pid
            os.kill(served.pid, how)
            assert served.proc is not None
            served.proc.wait(timeout=60)
            _wait_until(
                lambda: not worker.is_running() or worker.status() == "zombie", 60, "worker gone"
            )
        assert _workers_of(data_dir) == []
        # A new start runs exactly one worker again.
        again = Served(backend.settings, tmp_path, name="serve-again")
        with again:
            _wait_until(lambda: len(_workers_of(data_dir)) == 1, 60, "one worker after restart")
            time.sleep(2)
            assert len(_workers_of(data_dir)) == 1


def _pdf_readers_of(server: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in server.children(recursive=True):
        try:
            if "archive.services.pdf_reader" in child.cmdline() and child.status() != "zombie":
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_the_servers_pdf_checkers_start_before_the_first_upload_and_stop_with_it(
    how: signal.Signals, tmp_path: Path
) -> None:
    """No upload waits for a checking process to start, and none outlives the server."""
    with open_backend("embedded", tmp_path) as backend:
        served = Served(backend.settings, tmp_path, "--no-worker")
        with served:
            server = served.process()
            expected = backend.settings.pdf_check_processes
            _wait_until(
                lambda: len(_pdf_readers_of(server)) == expected, 60, "the checkers started"
            )
            readers = _pdf_readers_of(server)
            os.kill(served.pid, how)
            assert served.proc is not None
            served.proc.wait(timeout=60)
            _wait_until(
                lambda: all(not r.is_running() or r.status() == "zombie" for r in readers),
                30,
                "the checkers stopped with the server",
            )


def test_a_second_embedded_worker_waits_for_the_first(tmp_path: Path) -> None:
    """The embedded queue serves one worker: a second `archive worker` on the same data
    folder waits for the first to finish instead of taking jobs beside it."""
    with open_backend("embedded", tmp_path) as backend:
        env = archive_env(backend.settings)
        first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
        argv = [sys.executable, "-m", "archive.cli", "worker", "--beat"]
        with first_log.open("wb") as out:
            first = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until(lambda: _log_has(first_log, " ready."), 60, "the first worker is ready")
            with second_log.open("wb") as out:
                second = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
            try:
                _wait_until(
                    lambda: _log_has(second_log, "Waiting for the previous worker"), 60, "waits"
                )
                time.sleep(2)
                assert not _log_has(second_log, " ready.")
                first.send_signal(signal.SIGTERM)
                first.wait(timeout=60)
                _wait_until(lambda: _log_has(second_log, " ready."), 60, "the second takes over")
            finally:
                second.send_signal(signal.SIGTERM)
                second.wait(timeout=60)
        finally:
            if first.poll() is None:
                first.kill()


def test_one_scheduler_per_store_however_many_workers(tmp_path: Path) -> None:
    """Scaled: any number of workers may start with --beat; one holds the store's
    scheduler lock (a PostgreSQL advisory lock), the others only work — and when the
    holder dies, even by SIGKILL, the lock goes with it."""
    with (
        own_redis_db() as redis_url,
        open_backend("scaled", tmp_path, broker_url=redis_url, result_backend=redis_url) as backend,
    ):
        env = archive_env(backend.settings)
        argv = [sys.executable, "-m", "archive.cli", "worker", "--beat"]
        logs = [tmp_path / f"w{n}.log" for n in range(2)]
        procs = []
        try:
            for log in logs:
                with log.open("wb") as out:
                    procs.append(
                        subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
                    )
                _wait_until(lambda log=log: _log_has(log, " ready."), 60, f"{log.name} ready")
            assert not _log_has(logs[0], "already runs in another worker")
            assert _log_has(logs[1], "already runs in another worker")
            import psutil

            children = psutil.Process(procs[0].pid).children(recursive=True)
            assert children, "the scheduler runs in a child process of the worker"
            procs[0].kill()
            procs[0].wait(timeout=30)
            # Its scheduler and pool die with it: no orphan goes on sending jobs.
            _gone, alive = psutil.wait_procs(children, timeout=20)
            assert alive == [], [p.cmdline() for p in alive]
            third = tmp_path / "w2.log"
            with third.open("wb") as out:
                procs.append(subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT))
            _wait_until(lambda: _log_has(third, " ready."), 60, "third ready")
            assert not _log_has(third, "already runs in another worker")
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        proc.kill()


def test_a_killed_upload_leaves_nothing_once_the_server_is_back(tmp_path: Path) -> None:
    """kill -9 of the server in the middle of a 100 MiB upload leaves a spool file that no
    upload holds any more; the next `archive serve` removes it before serving (5 kills
    used to leave 1.6 GB behind until someone noticed)."""
    import httpx

    with open_backend("embedded", tmp_path) as backend:
        from support.people import PASSWORD, seed_people

        seed_people(backend.archive)
        incoming = backend.settings.data_dir / "incoming"
        served = Served(backend.settings, tmp_path, "--no-worker")
        with served:
            token = httpx.post(
                f"{served.base_url}/api/auth/login",
                json={"username": "official_tp", "password": PASSWORD},
            ).json()["access_token"]
            dossier = httpx.post(
                f"{served.base_url}/api/dossiers",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "case_type": "xlvphc",
                    "title": "Tải lên bị ngắt",
                    "field": "xay_dung",
                    "opened_on": "2024-05-26",
                    "custom": {"violation": "v"},
                },
            ).json()

            def body() -> Iterator[bytes]:
                yield b"%PDF-1.7\n"
                for _ in range(50):  # 50 MiB, then the server dies under the client
                    yield b"0" * (1024 * 1024)
                os.kill(served.pid, signal.SIGKILL)
                time.sleep(1)
                yield b"0" * (1024 * 1024)

            with pytest.raises(httpx.HTTPError):
                httpx.post(
                    f"{served.base_url}/api/dossiers/{dossier['id']}/documents",
                    params={"kind": "khac", "title": "Lớn"},
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/pdf",
                        "Content-Length": str(100 * 1024 * 1024),
                    },
                    content=body(),
                    timeout=60,
                )
            assert served.proc is not None
            served.proc.wait(timeout=30)
        left = list(incoming.glob("upload-*.part"))
        assert len(left) == 1 and left[0].stat().st_size >= 30 * 1024 * 1024  # received so far
        with Served(backend.settings, tmp_path, "--no-worker", name="serve-again"):
            assert list(incoming.glob("upload-*")) == []
        with backend.archive.db.read() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM documents").scalar_one() == 0


def test_the_server_prints_nothing_a_user_cannot_act_on(tmp_path: Path) -> None:
    """No Celery banner, no warning about running as root: the log says what runs."""
    with open_backend("embedded", tmp_path) as backend:
        served = Served(backend.settings, tmp_path)
        with served:
            _wait_until(lambda: _log_has(served.log_path, " ready."), 60, "the worker is ready")
        log = served.log()
    assert "Archive running at" in log
    assert "-------------- celery" not in log and "[config]" not in log
    assert "superuser" not in log.lower() and "Warning" not in log
