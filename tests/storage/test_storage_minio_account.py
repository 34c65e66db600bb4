"""The application's own MinIO account (deploy/minio/archive-policy.json, made by the
compose service ``minio-setup``) does everything the archive does, and cannot bypass
governance retention: not even the application can remove an original before its date.
With MinIO's root key, which docker-compose used to give the application, it could."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from minio import Minio
from minio.credentials import StaticProvider
from minio.deleteobjects import DeleteObject
from minio.minioadmin import MinioAdmin
from storage.conftest import Blob, MakeBlob, S3Server

from archive.storage.s3 import S3Store

POLICY = Path(__file__).resolve().parents[2] / "deploy" / "minio" / "archive-policy.json"


@pytest.fixture
def app_account(s3_server: S3Server) -> Iterator[tuple[str, str, Callable[[str], None]]]:
    """An account with the archive's policy, for one bucket; removed at the end."""
    admin = MinioAdmin(
        endpoint=s3_server.endpoint,
        credentials=StaticProvider(s3_server.access_key, s3_server.secret_key),
        secure=False,
    )
    access, secret = f"archive-{secrets.token_hex(4)}", secrets.token_hex(16)
    name = f"archive-app-{secrets.token_hex(4)}"

    def grant(bucket: str) -> None:
        policy = json.loads(
            POLICY.read_text().replace("arn:aws:s3:::archive", f"arn:aws:s3:::{bucket}")
        )
        admin.policy_add(name, policy=policy)
        admin.user_add(access, secret)
        admin.attach_policy([name], user=access)

    yield access, secret, grant
    admin.user_remove(access)
    admin.policy_remove(name)


def test_the_application_account_works_and_cannot_bypass_retention(
    s3_server: S3Server,
    s3_admin: Minio,
    fresh_bucket_name: Callable[[], str],
    make_blob: MakeBlob,
    app_account: tuple[str, str, Callable[[str], None]],
) -> None:
    bucket = fresh_bucket_name()
    s3_admin.make_bucket(bucket, object_lock=True)  # as minio-setup makes it
    access, secret, grant = app_account
    grant(bucket)
    store = S3Store(
        s3_server.endpoint, access, secret, bucket, object_lock="governance", retention_days=1
    )
    store.check_ready()
    blob: Blob = make_blob(b"ban goc quyet dinh xu phat")
    store.put_file(blob.key, blob.path, blob.size)
    store.protect(blob.key)
    assert b"".join(store.read(blob.key, 3, 5)) == blob.data[3:8]
    assert store.abort_stale_uploads(datetime.now(UTC)) == 0  # it may list uploads too
    version = s3_admin.stat_object(bucket, blob.key).version_id
    as_app = Minio(s3_server.endpoint, access, secret, secure=False)
    refused = list(
        as_app.remove_objects(
            bucket, [DeleteObject(blob.key, version)], bypass_governance_mode=True
        )
    )
    assert refused and refused[0].code == "AccessDenied"
    with pytest.raises(PermissionError):
        store.delete(blob.key)
    assert b"".join(store.read(blob.key)) == blob.data
    # The root key could have done it: that is why the application must not hold it.
    removed = list(
        s3_admin.remove_objects(
            bucket, [DeleteObject(blob.key, version)], bypass_governance_mode=True
        )
    )
    assert removed == []
    assert not store.exists(blob.key)
