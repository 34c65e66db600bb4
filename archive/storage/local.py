"""Document bytes in a local folder: the embedded default for one office on one machine."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from archive.storage import CHUNK, ObjectInfo, StoreUnavailable, holds_its_bytes


class LocalStore:
    """Objects under ``root/sha256/..``; a finished object is read-only and never replaced."""

    protected_on_put = True  # objects are written read-only (0444) before they appear

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"local folder {root}"

    def _path(self, key: str) -> Path:
        if ".." in key.split("/") or key.startswith("/"):
            raise ValueError(f"bad object key {key!r}")
        return self.root / key

    def check_ready(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-probe"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StoreUnavailable(
                f"Không ghi được vào kho tài liệu {self.root}: {exc.strerror}. "
                "Hãy tạo thư mục và cấp quyền ghi, hoặc đặt ARCHIVE_STORAGE_DIR. / "
                f"Cannot write to the document store {self.root}: {exc.strerror}. "
                "Create the folder and make it writable, or set ARCHIVE_STORAGE_DIR."
            ) from exc

    def ping(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StoreUnavailable(f"the document folder {self.root} is missing or read-only")

    def put_bytes(self, key: str, data: bytes) -> None:
        self._install(self._path(key), lambda partial: partial.write_bytes(data))

    def put_file(self, key: str, path: Path, size: int, *, may_exist: bool = True) -> None:
        # ``may_exist`` saves a remote store a request; here looking costs one stat, and a
        # finished object stays untouched whatever the caller believes.
        target = self._path(key)
        if target.exists() and self._intact(target, key, size):
            return  # same key, same bytes: nothing to write
        # A damaged copy under this key is replaced by the verified upload (the key names
        # the bytes that belong there); an intact one is never touched.

        def fill(partial: Path) -> None:
            try:
                # Same filesystem as the upload spool: a hard link stores 500 MB in no time.
                os.link(path, partial)
            except OSError:
                shutil.copyfile(path, partial)

        self._install(target, fill)

    @staticmethod
    def _install(target: Path, fill: Callable[[Path], object]) -> None:
        """Write ``target`` durably and atomically: ``fill`` a partial file of its own (two
        writers of one key may run at once), fsync it, make it read-only, move it into
        place (readers never see half an object), fsync the folder."""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{secrets.token_hex(8)}.partial")
        try:
            fill(partial)
            with partial.open("rb") as fh:
                os.fsync(fh.fileno())
            partial.chmod(0o444)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _intact(self, target: Path, key: str, size: int) -> bool:
        return target.stat().st_size == size and holds_its_bytes(self.read(key), key, size)

    def protect(self, key: str) -> None:
        self._path(key).chmod(0o444)

    def read(
        self, key: str, start: int = 0, length: int | None = None, *, piece: int = CHUNK
    ) -> Iterator[bytes]:
        fh = self._path(key).open("rb")  # opened now: a missing object fails at the call
        return self._stream(fh, start, length, piece)

    @staticmethod
    def _stream(fh: BinaryIO, start: int, length: int | None, piece: int) -> Iterator[bytes]:
        with fh:
            if start:
                fh.seek(start)
            left = length
            while left is None or left > 0:
                chunk = fh.read(piece if left is None else min(piece, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def iter_objects(self) -> Iterator[ObjectInfo]:
        base = self.root / "sha256"
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                st = path.stat()
                yield ObjectInfo(
                    key=path.relative_to(self.root).as_posix(),
                    size=st.st_size,
                    modified=datetime.fromtimestamp(st.st_mtime, UTC),
                )

    def iter_keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix.rstrip("/"))
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(self.root).as_posix()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def abort_stale_uploads(self, older_than: datetime) -> int:
        """Half-written objects of a put killed before its rename (``.*.partial``)."""
        limit = older_than.timestamp()
        removed = 0
        for partial in self.root.rglob(".*.partial"):
            try:
                if partial.stat().st_mtime < limit:
                    partial.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
