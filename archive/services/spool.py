"""Receiving upload bytes to a temporary file, hashing them as they stream past.

The whole upload is never held in memory, and the size limit is enforced while the bytes
arrive, so an over-large file is refused before it fills the disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from pathlib import Path
from types import TracebackType

from archive.domain.errors import TooLarge
from archive.storage import VERIFY_CHUNK


def too_large(limit: int) -> TooLarge:
    mib = limit / 1024 / 1024
    return TooLarge(
        "file_too_large",
        f"Tệp vượt quá giới hạn {mib:,.0f} MiB. Hãy tách tài liệu thành nhiều tệp nhỏ hơn.",
        f"The file is larger than the {mib:,.0f} MiB limit. Split the document into smaller files.",
        limit_bytes=limit,
    )


class ChunkHasher:
    """SHA-256 of the whole stream and of each ``VERIFY_CHUNK``-sized piece of it.

    The first piece is hashed once: until it is complete the whole stream *is* that
    piece, so the whole-stream hash starts as a copy of the piece's state. Most
    documents fit in one piece, and so are hashed once instead of twice.
    """

    def __init__(self, chunk_size: int = VERIFY_CHUNK) -> None:
        self.chunk_size = chunk_size
        self._whole: hashlib._Hash | None = None  # until the first piece is complete
        self._piece = hashlib.sha256()
        self._filled = 0
        self._digests = bytearray()
        self.size = 0

    def update(self, data: bytes) -> None:
        self.size += len(data)
        view = memoryview(data)
        while view:
            part = view[: self.chunk_size - self._filled]
            self._piece.update(part)
            if self._whole is not None:
                self._whole.update(part)
            self._filled += len(part)
            view = view[len(part) :]
            if self._filled == self.chunk_size:
                if self._whole is None:
                    self._whole = self._piece.copy()
                self._digests += self._piece.digest()
                self._piece = hashlib.sha256()
                self._filled = 0

    def hexdigest(self) -> str:
        """SHA-256 of everything so far."""
        return (self._whole or self._piece).hexdigest()

    def chunk_digests(self) -> bytes:
        """32 bytes per chunk, the last one possibly short; call once, at the end."""
        if self._filled:
            self._digests += self._piece.digest()
            self._filled = 0
        return bytes(self._digests)


class Spool:
    """A temporary file in the archive's own incoming folder, removed unless kept.

    The file is held under an exclusive ``flock`` while it is in use, so the clean-up of
    spools left by killed uploads (``spool_files.remove_abandoned``) never touches one an
    upload still writes or a commit still reads; the kernel drops the lock when the
    process dies, whatever killed it.
    """

    def __init__(self, folder: Path, limit: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # Made under a name the clean-up never looks at, locked, then renamed: a spool file
        # under its ``.part`` name is always either held by its upload or abandoned.
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=".new", dir=folder)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.path = Path(name).with_suffix(".part")
        os.rename(name, self.path)
        self._fh = os.fdopen(fd, "wb")
        self._lock_fd = os.dup(fd)  # the lock stays held by this one after the file closes
        self._hasher = ChunkHasher()
        self.limit = limit
        self.chunk_digests = b""

    @property
    def size(self) -> int:
        return self._hasher.size

    def write(self, chunk: bytes) -> None:
        if self._hasher.size + len(chunk) > self.limit:
            raise too_large(self.limit)
        self._hasher.update(chunk)
        self._fh.write(chunk)

    def finish(self) -> str:
        """Close the file and return the SHA-256 of everything written. No fsync: the
        spool is a way station, and the store makes the object durable when it keeps it."""
        self._fh.close()
        self.chunk_digests = self._hasher.chunk_digests()
        return self._hasher.hexdigest()

    def discard(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.path.unlink(missing_ok=True)
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the lock too
            self._lock_fd = -1

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()


def remove_abandoned(folder: Path, *, older_than_seconds: float) -> int:
    """Remove spool files no running upload holds (their upload was killed), older than
    the grace period; returns how many. A file in use is locked by its upload, and the
    lock is tried, never waited for, so a live upload is never touched."""
    if not folder.is_dir():
        return 0
    limit = time.time() - older_than_seconds
    removed = 0
    for partial in folder.glob("upload-*.part"):
        try:
            fd = os.open(partial, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # an upload is writing or committing it
            if os.fstat(fd).st_mtime < limit:
                partial.unlink(missing_ok=True)
                removed += 1
        finally:
            os.close(fd)
    return removed
