"""Fresh archives on the embedded backend (SQLite + folder) and the scaled one (PG + MinIO)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive.metadata import casetypes
from archive.metadata.migrate import upgrade
from archive.services.context import Archive
from archive.settings import Settings
from support.servers import server_env


@dataclass
class Backend:
    kind: str
    settings: Settings
    archive: Archive


def settings_for(kind: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings of a brand-new archive; the scaled one gets its own database and bucket."""
    base: dict[str, Any] = {"data_dir": tmp_path / "var"}
    if kind == "scaled":
        base.update(
            database_url=create_postgres_database(),
            storage="s3",
            s3_endpoint=server_env("ARCHIVE_TEST_S3_ENDPOINT"),
            s3_access_key=server_env("ARCHIVE_TEST_S3_ACCESS_KEY"),
            s3_secret_key=server_env("ARCHIVE_TEST_S3_SECRET_KEY"),
            s3_bucket=f"t-{secrets.token_hex(6)}",
            broker_url=server_env("ARCHIVE_TEST_REDIS_URL"),
            result_backend=server_env("ARCHIVE_TEST_REDIS_URL"),
            elasticsearch_url=server_env("ARCHIVE_TEST_ELASTICSEARCH_URL"),
            elasticsearch_index=f"t-search-{secrets.token_hex(6)}",
        )
    base.update(overrides)
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


def create_postgres_database(prefix: str = "t") -> str:
    """A new, empty database on the test PostgreSQL server; returns its URL."""
    admin_url = server_env("ARCHIVE_TEST_POSTGRES_URL")
    name = f"{prefix}_{secrets.token_hex(6)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database_url(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    engine.dispose()


def migrated(settings: Settings) -> Archive:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    archive = Archive.open(settings)
    with archive.db.write() as conn:
        casetypes.seed_builtins(conn)
    return archive


def drop_bucket(settings: Settings) -> None:
    """Remove a test bucket with every version in it (tests lock only with GOVERNANCE,
    which the root key may bypass)."""
    if settings.storage != "s3":
        return
    from minio import Minio
    from minio.deleteobjects import DeleteObject

    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
    )
    if not client.bucket_exists(settings.s3_bucket):
        return
    versions = [
        DeleteObject(o.object_name, o.version_id)
        for o in client.list_objects(settings.s3_bucket, recursive=True, include_version=True)
        if o.object_name
    ]
    for failure in client.remove_objects(settings.s3_bucket, versions, bypass_governance_mode=True):
        raise RuntimeError(f"could not empty test bucket: {failure}")
    client.remove_bucket(settings.s3_bucket)


def drop_search_index(settings: Settings) -> None:
    """Remove the indexes behind a test's search alias (by exact name: wildcard deletes are
    refused by default)."""
    if not settings.elasticsearch_url:
        return
    import httpx

    with httpx.Client(base_url=settings.elasticsearch_url, timeout=30) as es:
        found = es.get(f"/_alias/{settings.elasticsearch_index}")
        if found.status_code == 200:
            for name in found.json():
                es.delete(f"/{name}")
        for statistics in ("figures", "figures-snapshot"):  # the statistics' indexes
            es.delete(f"/{settings.elasticsearch_index}-{statistics}")


@contextmanager
def open_backend(kind: str, tmp_path: Path, **overrides: Any) -> Iterator[Backend]:
    settings = settings_for(kind, tmp_path, **overrides)
    archive = migrated(settings)
    try:
        yield Backend(kind, settings, archive)
    finally:
        archive.close()
        drop_database_url(settings.database_url)
        drop_bucket(settings)
        drop_search_index(settings)
