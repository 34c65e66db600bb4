"""The text of a stored document version, page by page, read in a contained process.

The PDF is copied from the store into the worker's folder while its SHA-256 is checked
against the one recorded at ingest (a changed object is never indexed), then read by
``page_reader`` in a process with a memory and a time limit. A file that makes the parser
crash, hang or grow fails this document with the reason; the process is replaced and the
queue goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from archive.domain.model import DocumentVersion
from archive.services.pdf_inspection import CheckerUnavailable, SandboxedReader
from archive.settings import Settings
from archive.storage import ObjectStore

log = logging.getLogger(__name__)
MODULE = "indexer.page_reader"


class TextUnreadable(Exception):
    """This document's text cannot be read; the reason says why (kept on its index state)."""


@dataclass(frozen=True)
class PageText:
    pages: tuple[str, ...]
    fields: Mapping[str, str] | None = None  # details printed on the document (Decree 30)

    @property
    def empty_pages(self) -> tuple[int, ...]:
        """Page numbers (from 1) with no usable text layer: scans, for OCR."""
        return tuple(i for i, t in enumerate(self.pages, start=1) if len(t.strip()) < 3)


class TextReader:
    """One reading process, kept between documents and replaced when it fails or wears."""

    def __init__(self, *, memory_mb: int, seconds: float, work_dir: Path) -> None:
        self.memory_mb = memory_mb
        self.seconds = seconds
        self.work_dir = work_dir
        self._reader: SandboxedReader | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings) -> TextReader:
        """The reader an installation's settings describe (limits, and its work folder)."""
        return cls(
            memory_mb=settings.text_read_memory_mb,
            seconds=settings.text_read_seconds,
            work_dir=settings.data_dir / "indexing",
        )

    def read_file(self, path: Path, *, fields: bool = False) -> PageText:
        """Every page's text; with ``fields``, also the details printed on a Decree 30
        document (issuing body, number, place and date, type, summary, signer)."""
        with self._lock:
            if self._reader is not None and self._reader.proc.poll() is not None:
                self._reader.kill()
                self._reader = None
            if self._reader is None:
                try:
                    self._reader = SandboxedReader(self.memory_mb, MODULE)
                except CheckerUnavailable as exc:
                    raise OSError("the text reading process did not start") from exc
            answer = self._reader.ask(path, self.seconds, fields=fields)
            if answer is None:
                died = self._reader.proc.poll() is not None
                self._reader.kill()
                self._reader = None
                raise TextUnreadable(
                    "the text reader crashed on this file"
                    if died
                    else f"reading its text took longer than {self.seconds:g} s"
                )
            if self._reader.worn():
                self._reader.kill()
                self._reader = None
        if "failed" in answer:
            raise TextUnreadable(str(answer["failed"]))
        found = answer.get("fields")
        return PageText(
            tuple(str(t) for t in answer["pages"]),
            {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else None,
        )

    def read_version(
        self, store: ObjectStore, version: DocumentVersion, *, fields: bool = False
    ) -> PageText:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="text-", suffix=".pdf", dir=self.work_dir)
        path = Path(name)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                for chunk in store.read(version.storage_key):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != version.sha256:
                raise TextUnreadable(
                    "the stored file differs from the one received (SHA-256 mismatch); "
                    "run a fixity check"
                )
            return self.read_file(path, fields=fields)
        except FileNotFoundError as exc:
            raise TextUnreadable("the stored file is missing; run a fixity check") from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.kill()
                self._reader = None
