"""Document bytes in an S3 bucket (MinIO or any S3 server): the store of a scaled-out install."""

from __future__ import annotations

import contextlib
import errno
import io
import math
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NoReturn

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ENABLED, GOVERNANCE
from minio.error import MinioException, S3Error
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig
from urllib3 import BaseHTTPResponse

from archive.storage import CHUNK, ObjectInfo, StoreUnavailable, holds_its_bytes

if TYPE_CHECKING:
    from archive.settings import Settings

LockSetting = Literal["off", "governance", "compliance"]

MIB = 1024 * 1024
# minio-py keeps about (upload threads + 2) parts in memory: the part being read, the one it
# replaces, one per thread. 8 MiB parts and 2 threads measured +32 MiB RSS for a 200 MB file and
# the same for any size (a 500 MB original is 60 parts); a third thread added memory but no
# speed on MinIO. S3 allows at most 10 000 parts, so huge files get proportionally larger parts.
PART_SIZE = 8 * MIB
PARALLEL_PARTS = 2
MAX_PARTS = 10_000

PREFIX = "sha256/"
CONTENT_TYPE = "application/octet-stream"
# Error codes meaning "no such object"; a delete marker as latest version also answers 404.
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchObject"})
LOCK_HEADER_MODE = "x-amz-object-lock-mode"
LOCK_HEADER_UNTIL = "x-amz-object-lock-retain-until-date"
LOCK_HEADER_HOLD = "x-amz-object-lock-legal-hold"

_LOCK_MODES: dict[LockSetting, str | None] = {
    "off": None,
    "governance": GOVERNANCE,
    "compliance": COMPLIANCE,
}


def part_size_for(size: int) -> int:
    """Smallest whole-MiB part size >= ``PART_SIZE`` that fits ``size`` in ``MAX_PARTS`` parts."""
    return max(PART_SIZE, math.ceil(size / MAX_PARTS / MIB) * MIB)


def _http_client() -> urllib3.PoolManager:
    # Same pool minio-py builds by default, except the connect timeout: its default of 5 min
    # (times 6 attempts) would hang start-up for half an hour on an unroutable endpoint.
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=10, read=300),
        maxsize=10,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=5, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


def _missing(exc: S3Error) -> bool:
    return exc.code in MISSING_CODES


def _reason(exc: Exception) -> str:
    if isinstance(exc, S3Error):
        return f"{exc.code}: {exc.message}"
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return str(exc.reason)
    return str(exc) or type(exc).__name__


class S3Store:
    """Objects in one versioned bucket under ``sha256/..``; optionally WORM via object lock."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "",
        object_lock: LockSetting = "off",
        retention_days: int = 3650,
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region or None
        self.lock_mode = _LOCK_MODES[object_lock]
        self.retention_days = retention_days
        # Without object lock, versioning is all the protection there is, and put gives it.
        self.protected_on_put = self.lock_mode is None
        self.description = f"S3 bucket {bucket} at {endpoint}"
        if not endpoint:
            raise StoreUnavailable(
                "Chưa đặt địa chỉ máy chủ S3: hãy đặt ARCHIVE_S3_ENDPOINT (dạng host:port). / "
                "No S3 server address: set ARCHIVE_S3_ENDPOINT (as host:port)."
            )
        try:
            self.client = Minio(
                endpoint,
                access_key=access_key or None,
                secret_key=secret_key or None,
                secure=secure,
                region=self.region,
                http_client=_http_client(),
            )
        except ValueError as exc:
            raise StoreUnavailable(
                f"Địa chỉ máy chủ S3 không hợp lệ {endpoint!r}: {exc}. Hãy đặt "
                "ARCHIVE_S3_ENDPOINT dạng host:port, không có http:// hay đường dẫn. / "
                f"Invalid S3 server address {endpoint!r}: {exc}. Set ARCHIVE_S3_ENDPOINT "
                "as host:port, without http:// or a path."
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        return cls(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            object_lock=settings.s3_object_lock,
            retention_days=settings.s3_retention_days,
        )

    # -- start-up ---------------------------------------------------------------------------

    def check_ready(self) -> None:
        try:
            created = self._ensure_bucket()
            if self.lock_mode is not None and not created:
                self._require_object_lock()
            # Versioning is what keeps every stored version even without object lock; only
            # write the setting when needed, so a key without PutBucketVersioning still starts
            # against a bucket an administrator prepared.
            if self.client.get_bucket_versioning(self.bucket).status != ENABLED:
                self.client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
            self._write_probe()
        except StoreUnavailable:
            raise
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            self._unreachable(exc)

    def _ensure_bucket(self) -> bool:
        """Create the bucket if missing; True when this call created it."""
        if self.client.bucket_exists(self.bucket):
            return False
        try:
            # Object lock can only be switched on when a bucket is created, never later.
            self.client.make_bucket(
                self.bucket, location=self.region, object_lock=self.lock_mode is not None
            )
        except S3Error as exc:
            if exc.code != "BucketAlreadyOwnedByYou":  # another process won the race
                raise
            return False
        return True

    def _require_object_lock(self) -> None:
        try:
            self.client.get_object_lock_config(self.bucket)
        except S3Error as exc:
            if exc.code != "ObjectLockConfigurationNotFoundError":
                raise
            raise StoreUnavailable(
                f"Bucket {self.bucket} trên {self.endpoint} không bật khóa đối tượng (object "
                "lock), nên không thể lưu bản gốc ở chế độ WORM; khóa đối tượng chỉ bật được "
                "khi tạo bucket. Hãy đặt ARCHIVE_S3_BUCKET là một bucket mới (ứng dụng sẽ tự "
                "tạo có khóa) rồi chuyển dữ liệu sang, hoặc đặt ARCHIVE_S3_OBJECT_LOCK=off. / "
                f"Bucket {self.bucket} at {self.endpoint} has no object lock, so originals "
                "cannot be kept WORM; object lock can only be enabled when a bucket is "
                "created. Set ARCHIVE_S3_BUCKET to a new bucket (the app creates it with "
                "object lock) and move the data there, or set ARCHIVE_S3_OBJECT_LOCK=off."
            ) from exc

    def _write_probe(self) -> None:
        """Prove the key may write objects, not only read bucket settings."""
        key = "check-ready/write-probe"  # outside sha256/: never listed, never swept
        result = self.client.put_object(self.bucket, key, io.BytesIO(b"ok"), 2)
        if result.version_id:
            # Remove exactly this version so start-ups leave no versions or delete markers
            # behind. If the bucket has a default retention the probe is locked and cannot go;
            # it is two bytes, so that must not stop start-up.
            with contextlib.suppress(S3Error):
                self.client.remove_object(self.bucket, key, version_id=result.version_id)

    def _unreachable(self, exc: Exception) -> NoReturn:
        reason = _reason(exc).rstrip(". ")
        raise StoreUnavailable(
            f"Không dùng được kho tài liệu S3 (bucket {self.bucket} tại {self.endpoint}): "
            f"{reason}. Hãy kiểm tra máy chủ đang chạy và ARCHIVE_S3_ENDPOINT, "
            "ARCHIVE_S3_SECURE (http/https), ARCHIVE_S3_ACCESS_KEY, ARCHIVE_S3_SECRET_KEY và "
            "quyền của khóa trên bucket. / "
            f"Cannot use the document store {self.description}: {reason}. Check that the "
            "server is running, and ARCHIVE_S3_ENDPOINT, ARCHIVE_S3_SECURE (http/https), "
            "ARCHIVE_S3_ACCESS_KEY, ARCHIVE_S3_SECRET_KEY and the key's rights on the bucket."
        ) from exc

    def ping(self) -> None:
        # One HEAD on the bucket: answers whether the server and the bucket are there
        # without listing anything, whatever the size of the collection.
        if not self.client.bucket_exists(self.bucket):
            raise StoreUnavailable(f"bucket {self.bucket} does not exist")

    # -- objects ----------------------------------------------------------------------------

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(
            self.bucket, key, io.BytesIO(data), len(data), content_type="application/json"
        )

    def put_file(self, key: str, path: Path, size: int, *, may_exist: bool = True) -> None:
        if may_exist and self._keep_existing(key, size):
            return
        with path.open("rb") as fh:
            # A known length with a fixed part size streams the file part by part; put_object
            # also fails if the file holds fewer than ``size`` bytes.
            self.client.put_object(
                self.bucket,
                key,
                fh,
                size,
                content_type=CONTENT_TYPE,
                part_size=part_size_for(size),
                num_parallel_uploads=PARALLEL_PARTS,
            )

    def _keep_existing(self, key: str, size: int) -> bool:
        """True if ``key`` already holds its bytes, so nothing needs sending.

        Same key means same bytes, but a stored copy is trusted only once read back and
        hashed (an upload of identical bytes is rare; a damaged original kept as if intact
        would be worse). A damaged copy gets the verified upload written over it as a new
        version, and versioning keeps the damaged one as evidence. Whether the orphan sweep
        may remove the object before its row is committed is settled by the key lock the
        commit and the sweep share, not here.
        """
        try:
            stat = self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if _missing(exc):
                return False
            raise
        return stat.size == size and holds_its_bytes(self.read(key), key, size)

    def protect(self, key: str) -> None:
        if self.lock_mode is None:
            return  # versioning already keeps every version; nothing more to switch on
        try:
            # Pin the version: a concurrent put_file of the same bytes may add a newer one,
            # which its own protect() will lock.
            version = self.client.stat_object(self.bucket, key).version_id
        except S3Error as exc:
            if _missing(exc):
                raise FileNotFoundError(errno.ENOENT, "No such object", key) from exc
            raise
        mode = self.lock_mode
        until = datetime.now(UTC) + timedelta(days=self.retention_days)
        current = self.client.get_object_retention(self.bucket, key, version_id=version)
        if current is not None:
            active = current.retain_until_date > datetime.now(UTC)
            if current.retain_until_date >= until and (
                current.mode == COMPLIANCE or mode == GOVERNANCE
            ):
                return  # already locked at least this long and this strictly
            # A retention may be extended and governance raised to compliance, but never
            # shortened or weakened (the server refuses), e.g. after settings were changed.
            until = max(until, current.retain_until_date)
            if active and current.mode == COMPLIANCE:
                mode = COMPLIANCE
        self.client.set_object_retention(
            self.bucket, key, Retention(mode, until), version_id=version
        )

    def read(
        self, key: str, start: int = 0, length: int | None = None, *, piece: int = CHUNK
    ) -> Iterator[bytes]:
        if length == 0:
            return iter(())
        try:
            # Requested now, not at the first next(): a missing object fails at the call.
            response = self.client.get_object(self.bucket, key, offset=start, length=length or 0)
        except S3Error as exc:
            if _missing(exc):
                raise FileNotFoundError(errno.ENOENT, "No such object", key) from exc
            raise
        return self._stream(response, piece)

    @staticmethod
    def _stream(response: BaseHTTPResponse, piece: int) -> Iterator[bytes]:
        try:
            yield from response.stream(piece)
        finally:
            # close() drops a half-read body instead of draining it; release_conn() gives the
            # pool slot back either way.
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, key)
        except S3Error as exc:
            if _missing(exc):
                return False
            raise
        return True

    def iter_objects(self) -> Iterator[ObjectInfo]:
        for obj in self.client.list_objects(self.bucket, prefix=PREFIX, recursive=True):
            if obj.is_dir or obj.object_name is None or obj.last_modified is None:
                continue
            modified: datetime = obj.last_modified
            yield ObjectInfo(
                key=obj.object_name,
                size=int(obj.size or 0),
                modified=modified if modified.tzinfo else modified.replace(tzinfo=UTC),
            )

    def iter_keys(self, prefix: str) -> Iterator[str]:
        for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True):
            if not obj.is_dir and obj.object_name:
                yield obj.object_name

    def _lock_of(self, key: str, version_id: str | None) -> str | None:
        """What protects one stored version from deletion (None if nothing does)."""
        try:
            stat = self.client.stat_object(self.bucket, key, version_id=version_id)
        except S3Error as exc:
            if _missing(exc) or exc.code == "MethodNotAllowed":  # a delete marker
                return None
            raise
        headers = stat.metadata or {}
        until_text = headers.get(LOCK_HEADER_UNTIL)
        until = datetime.fromisoformat(until_text.replace("Z", "+00:00")) if until_text else None
        if headers.get(LOCK_HEADER_HOLD, "").upper() == "ON":
            return "legal hold"
        if until is not None and until > datetime.now(UTC):
            return f"{headers.get(LOCK_HEADER_MODE, '')} {until}"
        return None

    def delete(self, key: str) -> None:
        """Remove every stored version of ``key`` and its delete markers.

        In a versioned bucket a plain DELETE only adds a delete marker and keeps the bytes
        for ever (S3 allows that marker even over a WORM-locked version, hiding a protected
        original without a word). So each version is removed by its id, and nothing is
        removed while any version is still under retention: the sweep fails loudly instead.
        """
        versions = [
            obj.version_id
            for obj in self.client.list_objects(
                self.bucket, prefix=key, include_version=True, recursive=True
            )
            if obj.object_name == key
        ]
        for version_id in versions:
            lock = self._lock_of(key, version_id)
            if lock is not None:
                raise PermissionError(
                    errno.EPERM,
                    f"Đối tượng đang được khóa WORM ({lock}), không được xóa. / "
                    f"Object is WORM-protected ({lock}) and must not be deleted.",
                    key,
                )
        for version_id in versions:
            self.client.remove_object(self.bucket, key, version_id=version_id)

    def abort_stale_uploads(self, older_than: datetime) -> int:
        """Abort multipart uploads a killed upload left open (their parts use space but
        belong to no object). minio-py lists and aborts them only through its private
        methods; the 7.x API is pinned in pyproject and this is tested against MinIO. MinIO
        lists uploads by exact object name only, so all are listed and ours picked out."""
        aborted = 0
        key_marker: str | None = None
        upload_marker: str | None = None
        while True:
            result = self.client._list_multipart_uploads(
                self.bucket,
                key_marker=key_marker,
                upload_id_marker=upload_marker,
                max_uploads=1000,
            )
            for upload in result.uploads:
                started = upload.initiated_time
                if started is not None and started.tzinfo is None:
                    started = started.replace(tzinfo=UTC)
                ours = upload.object_name.startswith(PREFIX)
                if ours and upload.upload_id and started is not None and started < older_than:
                    self.client._abort_multipart_upload(
                        self.bucket, upload.object_name, upload.upload_id
                    )
                    aborted += 1
            if not result.is_truncated or result.next_key_marker is None:
                return aborted
            key_marker, upload_marker = result.next_key_marker, result.next_upload_id_marker
