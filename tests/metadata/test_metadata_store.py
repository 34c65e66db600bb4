"""The metadata store on both backends: schema, readiness, SQLite pragmas, the audit chain
under concurrent writers, and UTC timestamps."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, StatementError
from support.archives import Backend, open_backend

from archive.metadata import audit
from archive.metadata.db import Database, StoreNotReady
from archive.metadata.migrate import head_revision
from archive.metadata.schema import audit_log, fixity_checks, metadata, units, users
from archive.services import accounts, trail


def test_migrations_produce_exactly_the_declared_schema(backend: Backend) -> None:
    with backend.archive.db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, metadata) == []
        tables = set(conn.dialect.get_table_names(conn))
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrated_store_is_ready_and_at_head(backend: Backend) -> None:
    backend.archive.db.check_ready()
    with backend.archive.db.read() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        head = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
    assert version == head_revision()
    assert (head.seq, head.hash) == (0, "0" * 64)


def test_store_at_an_unknown_revision_is_not_ready(backend: Backend) -> None:
    with backend.archive.db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_older'"))
    with pytest.raises(StoreNotReady) as caught:
        backend.archive.db.check_ready()
    assert "archive migrate" in str(caught.value)
    assert "ffff_older" in str(caught.value)


def test_unmigrated_sqlite_file_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'nested' / 'fresh.sqlite'}")
    try:
        with pytest.raises(StoreNotReady) as caught:
            db.check_ready()
    finally:
        db.dispose()
    message = str(caught.value)
    assert "archive migrate" in message
    assert "chưa được cập nhật" in message and "not migrated" in message


@pytest.mark.postgres
def test_unmigrated_postgres_database_is_refused(empty_pg_url: str) -> None:
    db = Database(empty_pg_url)
    try:
        with pytest.raises(StoreNotReady) as caught:
            db.check_ready()
    finally:
        db.dispose()
    message = str(caught.value)
    assert "archive migrate" in message
    password = make_url(empty_pg_url).password
    assert f":{password}@" not in message  # the URL is shown without its password
    assert ":***@" in message


@pytest.mark.postgres
def test_unreachable_postgres_is_refused_without_password() -> None:
    url = "postgresql+psycopg://archive:sieu-mat-khau-42@127.0.0.1:1/archive"
    db = Database(url)
    try:
        with pytest.raises(StoreNotReady) as caught:
            db.check_ready()
    finally:
        db.dispose()
    message = str(caught.value)
    assert "Không kết nối được" in message and "Cannot reach" in message
    assert "ARCHIVE_DATABASE_URL" in message
    assert "sieu-mat-khau-42" not in message


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    with open_backend("embedded", tmp_path) as embedded:
        db = embedded.archive.db
        for opened in (db.read, db.write):  # every pooled connection, read or write
            with opened() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        path = Path(str(make_url(embedded.settings.database_url).database))
        assert path.is_file()
        assert path.with_name(path.name + "-wal").exists()


def test_foreign_keys_are_enforced(backend: Backend) -> None:
    with pytest.raises(IntegrityError), backend.archive.db.write() as conn:
        conn.execute(
            insert(users).values(
                username="mo_coi",
                full_name="Không có đơn vị",
                password_hash="x",
                role="official",
                unit_id=987654,
                active=True,
                created_at=datetime.now(UTC),
            )
        )
    with backend.archive.db.read() as conn:
        assert conn.execute(select(users.c.id)).first() is None


def test_concurrent_audit_appends_keep_one_chain(backend: Backend) -> None:
    db = backend.archive.db
    threads_n, per_thread = 8, 25
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for index in range(per_thread):
                with db.write() as conn:
                    audit.append(
                        conn,
                        actor_id=None,
                        actor=f"luong_{worker}",
                        action="test.append",
                        object_type="test",
                        object_id=f"{worker}-{index}",
                        detail={"worker": worker, "index": index, "ghi_chú": "đồng thời"},
                    )
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    assert not errors, errors
    report = trail.verify(backend.archive)
    assert report.intact, report.problems
    assert report.entries == threads_n * per_thread
    with db.read() as conn:
        seqs = list(conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq)).scalars())
        object_ids = set(conn.execute(select(audit_log.c.object_id)).scalars())
        assert audit.head(conn) == (threads_n * per_thread, report.head_hash)
    assert seqs == list(range(1, threads_n * per_thread + 1))
    assert len(object_ids) == threads_n * per_thread  # none lost, none doubled


def test_timestamps_come_back_utc_aware(backend: Backend) -> None:
    before = datetime.now(UTC)
    accounts.create_unit(backend.archive, "ubnd", "UBND thành phố", None, by=None)
    after = datetime.now(UTC)
    with backend.archive.db.read() as conn:
        created = conn.execute(select(units.c.created_at)).scalar_one()
        [entry] = list(audit.iter_entries(conn))
    for value in (created, entry.at):
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= value <= after + timedelta(seconds=1)


def test_other_zones_are_stored_as_the_same_instant(backend: Backend) -> None:
    hanoi = timezone(timedelta(hours=7))
    moment = datetime(2024, 5, 26, 23, 30, 15, 123456, tzinfo=hanoi)
    with backend.archive.db.write() as conn:
        conn.execute(
            insert(fixity_checks).values(
                run_id="r1",
                checked_at=moment,
                storage_key="k",
                expected_sha256="0" * 64,
                actual_sha256=None,
                status="ok",
            )
        )
    with backend.archive.db.read() as conn:
        stored = conn.execute(select(fixity_checks.c.checked_at)).scalar_one()
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)
    assert (stored.day, stored.hour) == (26, 16)


def test_naive_datetimes_are_refused(backend: Backend) -> None:
    with pytest.raises(StatementError), backend.archive.db.write() as conn:
        conn.execute(
            insert(fixity_checks).values(
                run_id="r1",
                checked_at=datetime(2024, 5, 26, 8, 0),
                storage_key="k",
                expected_sha256="0" * 64,
                status="ok",
            )
        )
