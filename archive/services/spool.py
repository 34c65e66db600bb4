"""Receiving upload bytes to a temporary file, hashing them as they stream past.

The whole upload is never held in memory, and the size limit is enforced while the bytes
arrive, so an over-large file is refused before it fills the disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

from archive.domain.errors import TooLarge


def too_large(limit: int) -> TooLarge:
    mib = limit / 1024 / 1024
    return TooLarge(
        "file_too_large",
        f"Tệp vượt quá giới hạn {mib:,.0f} MiB. Hãy tách tài liệu thành nhiều tệp nhỏ hơn.",
        f"The file is larger than the {mib:,.0f} MiB limit. Split the document into smaller files.",
        limit_bytes=limit,
    )


class Spool:
    """A temporary file in the archive's own incoming folder, removed unless kept."""

    def __init__(self, folder: Path, limit: int) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=folder)
        self.path = Path(name)
        self._fh = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0
        self.limit = limit

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise too_large(self.limit)
        self._hash.update(chunk)
        self._fh.write(chunk)

    def finish(self) -> str:
        """Close the file and return the SHA-256 of everything written."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()
