"""Changing stored bytes behind the archive's back, as an intruder or a failing disk would."""

from __future__ import annotations

import io

from minio import Minio

from support.archives import Backend


def s3_client(backend: Backend) -> Minio:
    s = backend.settings
    return Minio(s.s3_endpoint, s.s3_access_key, s.s3_secret_key, secure=s.s3_secure)


def tamper(backend: Backend, key: str, data: bytes) -> None:
    """Overwrite a stored object's bytes (versioning keeps the old version in MinIO, but
    reads return the new one)."""
    if backend.kind == "embedded":
        assert backend.settings.storage_dir is not None
        path = backend.settings.storage_dir / key
        path.chmod(0o644)
        path.write_bytes(data)
    else:
        s3_client(backend).put_object(backend.settings.s3_bucket, key, io.BytesIO(data), len(data))


def destroy(backend: Backend, key: str) -> None:
    if backend.kind == "embedded":
        assert backend.settings.storage_dir is not None
        (backend.settings.storage_dir / key).unlink()
    else:
        s3_client(backend).remove_object(backend.settings.s3_bucket, key)


def flipped(data: bytes, at: int | None = None) -> bytes:
    """The same length with one byte changed: only the hash can tell."""
    where = len(data) // 2 if at is None else at
    return data[:where] + bytes([data[where] ^ 0xFF]) + data[where + 1 :]
