"""The archive's own processes as an installation runs them: `archive serve`, `archive worker`.

Each runs in a process group of its own with its output in a log file, configured only
through ``ARCHIVE_*`` environment variables built from a test's settings.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx
import psutil

from archive.settings import Settings

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


def archive_env(settings: Settings, *extra_paths: Path, **extra: str) -> dict[str, str]:
    """This process's environment with the archive's settings as ``ARCHIVE_*`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[f"ARCHIVE_{name.upper()}"] = str(value)
    paths = [str(p) for p in extra_paths] + [str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ArchiveProcess:
    """One of the archive's processes, in a process group of its own, its output in
    ``<name>.log`` in ``cwd``; stopped with SIGTERM on leaving the ``with`` block."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, name: str) -> None:
        self.argv, self.env, self.cwd, self.name = argv, env, cwd, name
        self.log_path = cwd / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def process(self) -> psutil.Process:
        return psutil.Process(self.pid)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 40) -> None:
        """``sig`` to the process; SIGKILL to its own group (and a failure) if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            raise AssertionError(
                f"{self.name} ignored {sig} for {timeout} s:\n{self.log()}"
            ) from None


class Served(ArchiveProcess):
    """``archive serve`` in a process of its own, on a free loopback port."""

    def __init__(
        self, settings: Settings, cwd: Path, *args: str, name: str = "serve", **env: str
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "archive.cli", "serve", "--port", str(self.port)]
        super().__init__(argv + list(args), archive_env(settings, **env), cwd, name)

    def __enter__(self) -> Served:
        self.start()
        deadline = time.monotonic() + 90
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"archive serve exited:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/api/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"archive serve did not answer in 90 s:\n{self.log()}")
            time.sleep(0.2)


def deleted_handles(pid: int) -> list[str]:
    """Open file descriptors of ``pid`` pointing at files already deleted."""
    found = []
    folder = Path(f"/proc/{pid}/fd")
    for entry in folder.iterdir():
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.endswith(" (deleted)"):
            found.append(target)
    return found
