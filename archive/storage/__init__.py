"""Object storage of document bytes: one small interface, exactly two implementations.

``LocalStore`` (a folder, the embedded default) and ``S3Store`` (S3/MinIO, scaled out).
Keys are content addresses (``sha256/ab/cd/<hex>``), so a key names its bytes for ever and
nothing is ever overwritten; the checksum is taken while the upload streams, before the
bytes reach the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from archive.settings import Settings

CHUNK = 1024 * 1024
# Downloads are verified chunk by chunk against SHA-256 digests taken at ingest, so a chunk
# is sent only once it checked. 4 MiB keeps a 1 GiB original at 256 digests (8 KiB).
VERIFY_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime


class StoreUnavailable(Exception):
    """The store is missing, unreachable or not writable; start-up must stop on this."""


class ObjectStore(Protocol):
    """What the archive needs from a place that keeps bytes."""

    description: str
    # True when put_file already leaves an object as protected as it will be (a read-only
    # file; a bucket without object lock): no separate protect() step to confirm.
    protected_on_put: bool

    def check_ready(self) -> None:
        """Raise ``StoreUnavailable`` with a clear message unless the store can be written."""

    def ping(self) -> None:
        """Cheap read-only reachability check (readiness probes); raises if unreachable."""

    def put_file(self, key: str, path: Path, size: int, *, may_exist: bool = True) -> None:
        """Store the file at ``path`` under ``key``; storing the same key again is harmless.
        An intact object already there is kept, not written again; ``may_exist=False``
        (no row names the key, so nothing there needs keeping) sends the bytes without
        looking first."""

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store a small record (an audit checkpoint) under a key of its own."""

    def protect(self, key: str) -> None:
        """Make the object immutable (WORM) once a row points at it."""

    def read(
        self, key: str, start: int = 0, length: int | None = None, *, piece: int = CHUNK
    ) -> Iterator[bytes]:
        """Stream the object's bytes from ``start`` (``length`` of them, or to the end), in
        pieces of about ``piece`` bytes; raises ``FileNotFoundError`` if it is missing."""

    def exists(self, key: str) -> bool: ...

    def iter_objects(self) -> Iterator[ObjectInfo]:
        """Every stored document object (not temporary uploads, not records)."""

    def iter_keys(self, prefix: str) -> Iterator[str]:
        """Keys of records under ``prefix``."""

    def delete(self, key: str) -> None:
        """Remove an object no row points at, every stored version of it (orphan sweep
        only); raises ``PermissionError`` if retention still protects it."""

    def abort_stale_uploads(self, older_than: datetime) -> int:
        """Remove what uploads killed half-way left in the store; returns how many."""


def content_key(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def holds_its_bytes(chunks: Iterator[bytes], key: str, size: int) -> bool:
    """Whether a stored object is exactly the bytes its content address names."""
    digest = hashlib.sha256()
    seen = 0
    for chunk in chunks:
        digest.update(chunk)
        seen += len(chunk)
    return seen == size and digest.hexdigest() == key.rsplit("/", 1)[-1]


def open_store(settings: Settings) -> ObjectStore:
    """The one way to open the configured store."""
    if settings.storage == "s3":
        from archive.storage.s3 import S3Store

        return S3Store.from_settings(settings)
    from archive.storage.local import LocalStore

    assert settings.storage_dir is not None
    return LocalStore(settings.storage_dir)
