"""What only S3Store does: bucket set-up, versioning, object lock (WORM), clear start-up errors."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import pytest
from minio import Minio
from minio.commonconfig import ENABLED, GOVERNANCE
from minio.error import S3Error

from archive.settings import Settings
from archive.storage import StoreUnavailable, open_store
from archive.storage.s3 import PART_SIZE, S3Store, part_size_for


class Blob(Protocol):
    """What the ``make_blob`` fixture (conftest) returns: a file outside the store."""

    key: str
    path: Path
    data: bytes

    @property
    def size(self) -> int: ...


MakeBlob = Callable[[bytes], Blob]
MakeS3Store = Callable[..., S3Store]

pytestmark = pytest.mark.minio


def versions(client: Minio, bucket: str, key: str) -> list[tuple[str, bool]]:
    """(version id, is delete marker) of every version of ``key``, newest first.

    MinIO lists delete markers after the versions, and minio-py gives ``is_latest`` as the
    string "true"/"false": order by time instead.
    """
    found = [
        obj
        for obj in client.list_objects(bucket, prefix=key, include_version=True)
        if obj.object_name == key
    ]
    found.sort(key=lambda obj: obj.last_modified, reverse=True)
    return [(obj.version_id, bool(obj.is_delete_marker)) for obj in found]


def test_check_ready_creates_bucket_with_versioning(
    make_s3_store: MakeS3Store, s3_admin: Minio
) -> None:
    store = make_s3_store()
    assert not s3_admin.bucket_exists(store.bucket)

    store.check_ready()

    assert s3_admin.bucket_exists(store.bucket)
    assert s3_admin.get_bucket_versioning(store.bucket).status == ENABLED
    # Without lock settings the bucket is created without object lock.
    with pytest.raises(S3Error, match="ObjectLockConfigurationNotFound"):
        s3_admin.get_object_lock_config(store.bucket)
    # The write probe leaves nothing behind: no versions, no delete markers.
    assert list(s3_admin.list_objects(store.bucket, recursive=True, include_version=True)) == []


def test_check_ready_enables_versioning_on_existing_bucket(
    make_s3_store: MakeS3Store, s3_admin: Minio, fresh_bucket_name: Callable[[], str]
) -> None:
    bucket = fresh_bucket_name()
    s3_admin.make_bucket(bucket)
    assert s3_admin.get_bucket_versioning(bucket).status != ENABLED

    make_s3_store(bucket=bucket).check_ready()

    assert s3_admin.get_bucket_versioning(bucket).status == ENABLED


def test_check_ready_with_wrong_secret_is_unavailable(make_s3_store: MakeS3Store) -> None:
    store = make_s3_store(s3_secret_key="not-the-secret")

    with pytest.raises(StoreUnavailable) as caught:
        store.check_ready()

    vietnamese, english = str(caught.value).split(" / ")
    assert "ARCHIVE_S3_SECRET_KEY" in vietnamese
    assert "kiểm tra" in vietnamese
    assert "SignatureDoesNotMatch" in english
    assert "Check" in english
    assert "ARCHIVE_S3_ENDPOINT" in english


def test_check_ready_with_unknown_access_key_is_unavailable(make_s3_store: MakeS3Store) -> None:
    store = make_s3_store(s3_access_key="nobody", s3_secret_key="nothing-at-all")
    with pytest.raises(StoreUnavailable, match="ARCHIVE_S3_ACCESS_KEY"):
        store.check_ready()


def test_check_ready_with_nothing_listening_is_unavailable(
    make_s3_store: MakeS3Store, tmp_path: Path
) -> None:
    store = make_s3_store(s3_endpoint="127.0.0.1:9")  # discard port: refused at once

    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="ARCHIVE_S3_ENDPOINT"):
        store.check_ready()
    assert time.monotonic() - started < 30  # a few quick retries, not minutes


def test_endpoint_with_scheme_is_rejected_clearly(make_s3_store: MakeS3Store) -> None:
    with pytest.raises(StoreUnavailable, match="host:port"):
        make_s3_store(s3_endpoint="http://127.0.0.1:9000")
    with pytest.raises(StoreUnavailable, match="ARCHIVE_S3_ENDPOINT"):
        make_s3_store(s3_endpoint="")


def test_object_lock_on_existing_bucket_without_lock_is_unavailable(
    make_s3_store: MakeS3Store, s3_admin: Minio, fresh_bucket_name: Callable[[], str]
) -> None:
    bucket = fresh_bucket_name()
    s3_admin.make_bucket(bucket)  # made without object lock, as an admin might have

    store = make_s3_store(bucket=bucket, object_lock="governance")
    with pytest.raises(StoreUnavailable) as caught:
        store.check_ready()

    vietnamese, english = str(caught.value).split(" / ")
    assert "khóa đối tượng" in vietnamese
    assert "object lock can only be enabled when a bucket is created" in english


def test_locked_bucket_is_created_with_object_lock_and_versioning(
    make_s3_store: MakeS3Store, s3_admin: Minio
) -> None:
    store = make_s3_store(object_lock="governance")
    store.check_ready()

    s3_admin.get_object_lock_config(store.bucket)  # raises if the bucket has no object lock
    assert s3_admin.get_bucket_versioning(store.bucket).status == ENABLED
    store.check_ready()  # and an existing locked bucket is accepted


def test_protected_version_cannot_be_deleted_worm(
    make_s3_store: MakeS3Store, s3_admin: Minio, make_blob: MakeBlob
) -> None:
    store = make_s3_store(object_lock="governance", retention_days=1)
    store.check_ready()
    blob = make_blob(b"original scanned decision")
    store.put_file(blob.key, blob.path, blob.size)

    store.protect(blob.key)

    version = s3_admin.stat_object(store.bucket, blob.key).version_id
    retention = s3_admin.get_object_retention(store.bucket, blob.key, version_id=version)
    assert retention is not None
    assert retention.mode == GOVERNANCE
    expected = datetime.now(UTC) + timedelta(days=1)
    assert abs(retention.retain_until_date - expected) < timedelta(minutes=5)
    # The WORM proof: the server itself refuses to destroy the protected version.
    with pytest.raises(S3Error) as caught:
        s3_admin.remove_object(store.bucket, blob.key, version_id=version)
    assert "WORM" in str(caught.value) or "retention" in str(caught.value).lower()
    # The store refuses to hide it behind a delete marker (S3 itself would allow that).
    with pytest.raises(PermissionError, match="WORM"):
        store.delete(blob.key)
    assert b"".join(store.read(blob.key)) == blob.data
    assert versions(s3_admin, store.bucket, blob.key) == [(version, False)]


def test_protect_twice_and_store_again_keep_the_lock(
    make_s3_store: MakeS3Store, s3_admin: Minio, make_blob: MakeBlob
) -> None:
    store = make_s3_store(object_lock="governance", retention_days=1)
    store.check_ready()
    blob = make_blob(b"uploaded twice by two clerks")
    store.put_file(blob.key, blob.path, blob.size)
    store.protect(blob.key)
    first = s3_admin.stat_object(store.bucket, blob.key).version_id

    store.protect(blob.key)  # harmless
    store.put_file(blob.key, blob.path, blob.size)  # intact and locked: nothing written
    store.protect(blob.key)

    assert b"".join(store.read(blob.key)) == blob.data
    assert len(versions(s3_admin, store.bucket, blob.key)) == 1
    for version_id, _marker in versions(s3_admin, store.bucket, blob.key):
        retention = s3_admin.get_object_retention(store.bucket, blob.key, version_id=version_id)
        assert retention is not None and retention.mode == GOVERNANCE
    with pytest.raises(S3Error):
        s3_admin.remove_object(store.bucket, blob.key, version_id=first)


def test_storing_an_intact_object_again_writes_nothing(
    make_s3_store: MakeS3Store, s3_admin: Minio, make_blob: MakeBlob, tmp_path: Path
) -> None:
    store = make_s3_store()
    store.check_ready()
    blob = make_blob(b"scanned twice the same morning")
    store.put_file(blob.key, blob.path, blob.size)
    [first] = versions(s3_admin, store.bucket, blob.key)

    store.put_file(blob.key, tmp_path / "never-read", blob.size)

    assert versions(s3_admin, store.bucket, blob.key) == [first]


def test_storing_over_a_damaged_copy_repairs_it_and_keeps_the_evidence(
    make_s3_store: MakeS3Store, s3_admin: Minio, make_blob: MakeBlob
) -> None:
    store = make_s3_store()
    store.check_ready()
    blob = make_blob(b"the original decision, byte for byte")
    damaged = b"truncated"
    s3_admin.put_object(store.bucket, blob.key, io.BytesIO(damaged), len(damaged))

    store.put_file(blob.key, blob.path, blob.size)

    assert b"".join(store.read(blob.key)) == blob.data
    kept = [o for o in s3_admin.list_objects(store.bucket, prefix=blob.key, include_version=True)]
    assert sorted(o.size for o in kept) == sorted([len(damaged), blob.size])


def test_protect_without_lock_changes_nothing(
    make_s3_store: MakeS3Store, s3_admin: Minio, make_blob: MakeBlob
) -> None:
    store = make_s3_store()
    store.check_ready()
    blob = make_blob(b"no lock configured")
    store.put_file(blob.key, blob.path, blob.size)

    store.protect(blob.key)

    headers = s3_admin.stat_object(store.bucket, blob.key).metadata or {}
    assert "x-amz-object-lock-mode" not in headers
    assert "x-amz-object-lock-retain-until-date" not in headers


def test_protect_missing_key_raises_file_not_found(make_s3_store: MakeS3Store) -> None:
    store = make_s3_store(object_lock="governance")
    store.check_ready()
    with pytest.raises(FileNotFoundError):
        store.protect("sha256/00/00/" + "0" * 64)


def test_delete_removes_every_version_not_only_adds_a_marker(
    make_s3_store: MakeS3Store, s3_admin: Minio, make_blob: MakeBlob
) -> None:
    """In a versioned bucket a plain DELETE only adds a delete marker and the bytes stay for
    ever. The orphan sweep's delete removes each stored version, and the markers too."""
    store = make_s3_store()
    store.check_ready()
    blob = make_blob(b"an orphan")
    store.put_file(blob.key, blob.path, blob.size)
    # A second version of the same key (a damaged copy replaced, say) and a stray marker.
    s3_admin.put_object(store.bucket, blob.key, io.BytesIO(blob.data), blob.size)
    s3_admin.remove_object(store.bucket, blob.key)
    s3_admin.put_object(store.bucket, blob.key, io.BytesIO(blob.data), blob.size)
    assert len(versions(s3_admin, store.bucket, blob.key)) == 4

    store.delete(blob.key)

    assert versions(s3_admin, store.bucket, blob.key) == []
    assert not store.exists(blob.key)
    store.delete(blob.key)  # deleting what is gone is harmless


def test_put_fails_if_file_is_shorter_than_size(
    make_s3_store: MakeS3Store, make_blob: MakeBlob
) -> None:
    store = make_s3_store()
    store.check_ready()
    blob = make_blob(b"short")
    with pytest.raises(OSError, match="not enough data"):
        store.put_file(blob.key, blob.path, blob.size + 1)
    assert not store.exists(blob.key)


def test_part_size_keeps_memory_flat_and_fits_s3_limits() -> None:
    assert part_size_for(0) == part_size_for(500 * 10**6) == PART_SIZE
    huge = 200 * 1024**3
    assert part_size_for(huge) * 10_000 >= huge


def test_from_settings_reads_every_s3_setting(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        storage="s3",
        s3_endpoint="127.0.0.1:59000",
        s3_access_key="ak",
        s3_secret_key="sk",
        s3_bucket="some-bucket",
        s3_region="vn-hanoi-1",
        s3_object_lock="governance",
        s3_retention_days=7,
    )
    store = open_store(settings)
    assert isinstance(store, S3Store)
    assert (store.bucket, store.endpoint, store.region) == (
        "some-bucket",
        "127.0.0.1:59000",
        "vn-hanoi-1",
    )
    assert (store.lock_mode, store.retention_days) == (GOVERNANCE, 7)
    assert store.description == "S3 bucket some-bucket at 127.0.0.1:59000"


def test_delete_refuses_an_object_under_legal_hold(
    make_s3_store: MakeS3Store, s3_admin: Minio, make_blob: MakeBlob
) -> None:
    store = make_s3_store(object_lock="governance")
    store.check_ready()
    blob = make_blob(b"evidence held for a court case")
    store.put_file(blob.key, blob.path, blob.size)
    s3_admin.enable_object_legal_hold(store.bucket, blob.key)
    try:
        with pytest.raises(PermissionError, match="legal hold"):
            store.delete(blob.key)
        assert store.exists(blob.key)
    finally:  # a legal hold cannot be bypassed: lift it so the bucket can be removed
        s3_admin.disable_object_legal_hold(store.bucket, blob.key)


def test_multipart_uploads_left_by_a_killed_upload_are_aborted(
    make_s3_store: MakeS3Store, s3_admin: Minio
) -> None:
    """A server killed mid-upload leaves an open multipart upload whose parts take space but
    belong to no object; the sweep aborts those older than its grace period."""
    store = make_s3_store()
    store.check_ready()
    key = "sha256/ab/cd/" + "ab" * 32
    upload_id = s3_admin._create_multipart_upload(store.bucket, key, {})
    s3_admin._upload_part(store.bucket, key, b"x" * 5 * 1024 * 1024, None, upload_id, 1)
    pending = s3_admin._list_multipart_uploads(store.bucket).uploads
    assert [u.upload_id for u in pending] == [upload_id]
    assert store.abort_stale_uploads(datetime.now(UTC) - timedelta(hours=1)) == 0  # too young
    assert store.abort_stale_uploads(datetime.now(UTC) + timedelta(seconds=5)) == 1
    assert s3_admin._list_multipart_uploads(store.bucket).uploads == []
