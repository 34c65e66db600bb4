"""Deciding, from its bytes, whether an upload is a PDF a reader opens — outside the server.

PDF parsers are large C++ programs fed with files from anywhere. Run inside the server, a
pathological file (a page tree nested thousands of levels deep, a huge stream in a file
without pages) kept ~8.6 MB and an open handle to the deleted upload after every refusal,
and PDFium's global error code made later refusals wrong. Here each check runs in a
separate process (``pdf_reader``) with its own memory limit and a time limit: a process
that crashes, overruns or grows is killed and replaced, and the server itself never opens
the file, so nothing of a refused upload stays behind in it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from archive.domain.pdf import ActiveContent, PdfFacts, refusal

log = logging.getLogger(__name__)

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# A checking process that has grown past this is replaced after its answer: parsers keep
# caches and fragments, and the next upload deserves a clean process.
RECYCLE_RSS_BYTES = 192 * 1024 * 1024
RECYCLE_AFTER = 2000  # checks, in case growth stays under the limit but never stops
START_SECONDS = 30.0


class CheckerUnavailable(Exception):
    """The checking process could not be started: the server cannot judge uploads."""


class SandboxedReader:
    """One checking process and the pipe to it (another module may answer the same way:
    one JSON line in, one out, ``{"ready": pid}`` first)."""

    def __init__(self, memory_mb: int, module: str = "archive.services.pdf_reader") -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own module, no shell
            [sys.executable, "-m", module, str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # parsers' own warnings; what matters comes back as JSON
            close_fds=True,
        )
        self.checks = 0
        self._buffer = b""
        ready = self._answer(START_SECONDS)
        if ready is None or "ready" not in ready:
            self.kill()
            raise CheckerUnavailable("the PDF checking process did not start")

    def ask(self, path: Path, seconds: float, **more: object) -> dict[str, Any] | None:
        """The reader's answer, or None if it crashed, overran its time or broke the pipe."""
        assert self.proc.stdin is not None
        request = {"path": os.fspath(path), **more}
        try:
            self.proc.stdin.write(json.dumps(request).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        self.checks += 1
        return self._answer(seconds)

    def _answer(self, seconds: float) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + seconds
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None  # too slow: the caller kills it
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None  # the process died
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def rss(self) -> int:
        try:
            with open(f"/proc/{self.proc.pid}/statm", "rb") as fh:
                return int(fh.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            return 0

    def worn(self) -> bool:
        return self.checks >= RECYCLE_AFTER or self.rss() > RECYCLE_RSS_BYTES

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class PdfChecker:
    """A small pool of checking processes; each upload borrows one for its check."""

    def __init__(self, *, processes: int, memory_mb: int, seconds: float) -> None:
        self.memory_mb = memory_mb
        self.seconds = seconds
        self._idle: queue.LifoQueue[SandboxedReader | None] = queue.LifoQueue()
        for _ in range(processes):
            self._idle.put(None)  # a slot; its process starts on first use
        self._closed = False
        self._warm = False
        self._returning = threading.Lock()  # a slot goes back, or the pool closes: not both

    def keep_warm(self) -> None:
        """Start every checking process now, in the background, and from now on start a
        replacement as soon as one is retired (crashed, overran, grew or wore out): a
        process takes 0.2 s or more to start (more on a busy machine), which no upload
        should wait for — the first after start-up or the one after a refusal least of
        all. For the server; a command that checks one file needs no pool kept running."""
        self._warm = True
        for reader in self._take_idle():
            if reader is None:
                self._start_in_background()
            else:
                self._give_back(reader)

    def _start_in_background(self) -> None:
        """Fill a slot taken out of the pool with a new process, from another thread; an
        upload that needs a process meanwhile waits for another slot, as it would anyway."""
        starter = threading.Thread(target=self._start_into_slot, name="pdf-reader-start")
        starter.daemon = True
        try:
            starter.start()
        except RuntimeError:  # no thread to be had (limits, shutdown): the slot stays usable
            self._give_back(None)

    def _start_into_slot(self) -> None:
        reader = None
        if not self._closed:
            try:
                reader = SandboxedReader(self.memory_mb)
            except Exception:
                # The slot goes back empty: the next upload tries to start one itself and
                # gets the error it can report.
                log.exception("a PDF checking process could not be started ahead of use")
        self._give_back(reader)

    def _give_back(self, reader: SandboxedReader | None) -> None:
        with self._returning:
            if self._closed and reader is not None:
                reader.kill()
                reader = None
            self._idle.put(reader)

    def inspect(self, path: Path) -> PdfFacts:
        """What a reader finds in the file, or the refusal that says why it is not kept."""
        reader = self._idle.get()
        replace = True  # in the background, when kept warm; not after a start that failed
        try:
            if reader is not None and reader.proc.poll() is not None:
                reader.kill()  # died while idle (the OOM killer, an operator): not this file's
                reader = None
            if reader is None:
                replace = False
                reader = SandboxedReader(self.memory_mb)
                replace = True
            answer = reader.ask(path, self.seconds)
            if answer is None:
                died = reader.proc.poll() is not None
                reader.kill()
                reader = None
                log.warning("PDF check of %s %s", path.name, "crashed" if died else "timed out")
                raise refusal(
                    "unreadable_pdf",
                    "the reader crashed on this file"
                    if died
                    else f"reading it took longer than {self.seconds:g} s",
                )
            if reader.worn():
                reader.kill()
                reader = None
        except BaseException:
            # Anything but an answer leaves the pipe in an unknown state: start afresh.
            if reader is not None:
                reader.kill()
                reader = None
            raise
        finally:
            if reader is None and replace and self._warm and not self._closed:
                self._start_in_background()
            else:
                self._give_back(reader)
        if "facts" in answer:
            return _facts(answer["facts"])
        if "failed" in answer:
            raise OSError(answer["failed"])
        raise refusal(str(answer["refused"]), str(answer.get("reason", "")))

    def pids(self) -> list[int]:
        """Process ids of the checking processes now running (for tests and diagnostics)."""
        readers = self._take_idle()
        for reader in readers:
            self._idle.put(reader)
        return [r.proc.pid for r in readers if r is not None]

    def close(self) -> None:
        with self._returning:
            self._closed = True
        for reader in self._take_idle():
            if reader is not None:
                reader.kill()

    def _take_idle(self) -> list[SandboxedReader | None]:
        """Every slot not in use now, out of the pool (the caller puts back what stays)."""
        taken = []
        while True:
            try:
                taken.append(self._idle.get_nowait())
            except queue.Empty:
                return taken


def _facts(raw: dict[str, Any]) -> PdfFacts:
    return PdfFacts(
        page_count=int(raw["page_count"]),
        pdf_version=str(raw["pdf_version"]),
        signature_count=int(raw["signature_count"]),
        active_content=tuple(ActiveContent(a) for a in raw["active_content"]),
        irregularities=dict(raw["irregularities"]),
    )
