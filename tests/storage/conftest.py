"""Fixtures that run the same storage tests on LocalStore and on S3Store against real MinIO.

The MinIO server is the one ``bash scripts/servers.sh start`` runs; its address and keys come
from ``/var/tmp/case-archive-servers/servers.env``. Without them the S3 tests fail (never
skip), so a green run always means both backends were exercised.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from minio import Minio
from minio.deleteobjects import DeleteObject

from archive.settings import Settings
from archive.storage import ObjectStore, content_key
from archive.storage.local import LocalStore
from archive.storage.s3 import LockSetting, S3Store

SERVERS_ENV = "/var/tmp/case-archive-servers/servers.env"
ENV_KEYS = ("ARCHIVE_TEST_S3_ENDPOINT", "ARCHIVE_TEST_S3_ACCESS_KEY", "ARCHIVE_TEST_S3_SECRET_KEY")


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str

    def client(self) -> Minio:
        return Minio(self.endpoint, self.access_key, self.secret_key, secure=False)


@dataclass(frozen=True)
class Blob:
    key: str
    path: Path
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


MakeS3Store = Callable[..., S3Store]
MakeBlob = Callable[[bytes], Blob]


@pytest.fixture(scope="session")
def s3_server() -> S3Server:
    missing = [name for name in ENV_KEYS if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not set: the S3 storage tests need the real MinIO server. "
            f"Run `bash scripts/servers.sh start`, then `set -a; . {SERVERS_ENV}; set +a` "
            "in the shell that runs pytest.",
            pytrace=False,
        )
    return S3Server(*(os.environ[name] for name in ENV_KEYS))


@pytest.fixture
def s3_admin(s3_server: S3Server) -> Minio:
    """A plain client with the root keys, to look behind the store's back."""
    return s3_server.client()


def remove_bucket(client: Minio, bucket: str) -> None:
    """Delete every version and delete marker (bypassing GOVERNANCE locks), then the bucket."""
    if not client.bucket_exists(bucket):
        return
    versions = [
        DeleteObject(obj.object_name, obj.version_id)
        for obj in client.list_objects(bucket, recursive=True, include_version=True)
    ]
    errors = list(client.remove_objects(bucket, versions, bypass_governance_mode=True))
    assert not errors, f"cleanup of {bucket} failed: {errors}"
    client.remove_bucket(bucket)


def s3_settings(server: S3Server, bucket: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "storage": "s3",
        "data_dir": tmp_path / "data",
        "s3_endpoint": server.endpoint,
        "s3_access_key": server.access_key,
        "s3_secret_key": server.secret_key,
        "s3_bucket": bucket,
        "s3_secure": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def fresh_bucket_name(s3_admin: Minio) -> Iterator[Callable[[], str]]:
    """Unique throwaway bucket names; every bucket handed out is removed at the end."""
    names: list[str] = []

    def make() -> str:
        name = f"test-{uuid.uuid4().hex[:24]}"
        names.append(name)
        return name

    yield make
    for name in names:
        remove_bucket(s3_admin, name)


@pytest.fixture
def make_s3_store(
    s3_server: S3Server, fresh_bucket_name: Callable[[], str], tmp_path: Path
) -> MakeS3Store:
    """S3Store on a fresh bucket (or ``bucket=``); locks use GOVERNANCE so cleanup can bypass."""

    def make(
        *,
        bucket: str | None = None,
        object_lock: LockSetting = "off",
        retention_days: int = 1,
        **overrides: object,
    ) -> S3Store:
        assert object_lock != "compliance", "tests never create COMPLIANCE locks"
        settings = s3_settings(
            s3_server,
            bucket or fresh_bucket_name(),
            tmp_path,
            s3_object_lock=object_lock,
            s3_retention_days=retention_days,
            **overrides,
        )
        return S3Store.from_settings(settings)

    return make


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.minio)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    """A ready, empty store of each backend."""
    backend: ObjectStore
    if request.param == "local":
        backend = LocalStore(tmp_path / "objects")
    else:
        make: MakeS3Store = request.getfixturevalue("make_s3_store")
        # No orphan grace: storing a key again always refreshes it, as LocalStore does, so
        # both backends meet the same contract (S3Store otherwise skips young objects).
        backend = make(orphan_grace_hours=0)
    backend.check_ready()
    return backend


@pytest.fixture
def make_blob(tmp_path: Path) -> MakeBlob:
    """Write bytes to a file outside the store; returns its content key, path and bytes."""
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir(exist_ok=True)

    def make(data: bytes) -> Blob:
        digest = hashlib.sha256(data).hexdigest()
        path = upload_dir / digest
        path.write_bytes(data)
        return Blob(content_key(digest), path, data)

    return make
