"""Write order and crash safety: bytes first, rows second; the sweep cleans what a crash left."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support.archives import Backend
from support.pdfs import make_pdf
from support.services import new_dossier, official, received

from archive.domain.access import Scope
from archive.domain.model import User
from archive.domain.roles import Role
from archive.metadata import audit as audit_rows
from archive.metadata import documents as document_rows
from archive.metadata.schema import audit_log, document_versions, documents
from archive.services import documents as document_service
from archive.services import fixity, sweep, trail
from archive.services.context import Archive
from archive.services.spool import Spool
from archive.storage import content_key

EVERYTHING = Scope(user_id=0, role=Role.ADMIN, everything=True, unit_ids=frozenset(), grants=())


class SimulatedCrash(RuntimeError):
    pass


def add(archive: Archive, user: User, dossier_id: int, data: bytes) -> int:
    return document_service.add(
        archive,
        archive.actor(user),
        dossier_id,
        document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Biên bản vi phạm"),
        received(archive, data),
    ).id


def row_counts(archive: Archive) -> tuple[int, int]:
    with archive.db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(documents)).scalar_one(),
            conn.execute(select(func.count()).select_from(document_versions)).scalar_one(),
        )


def actions(archive: Archive) -> list[str]:
    with archive.db.read() as conn:
        return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


def test_crash_before_the_row_leaves_only_an_orphan_the_sweep_removes(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backend.archive
    user = official(archive)
    dossier_id = new_dossier(archive, user)
    data = make_pdf(2)
    key = content_key(hashlib.sha256(data).hexdigest())

    def crash(*args: object, **kwargs: object) -> int:
        raise SimulatedCrash("power cut between storing the bytes and committing the row")

    monkeypatch.setattr(document_rows, "add", crash)
    with pytest.raises(SimulatedCrash):
        add(archive, user, dossier_id, data)
    monkeypatch.undo()

    assert row_counts(archive) == (0, 0)
    assert "document.add" not in actions(archive)
    assert archive.store.exists(key)  # the bytes were stored first ...
    with archive.db.read() as conn:
        assert key not in document_rows.referenced_keys(conn)  # ... and nothing points at them

    young = sweep.run(archive, grace=timedelta(hours=1))
    assert young.removed == []
    assert young.kept_young == 1
    assert archive.store.exists(key)

    old = sweep.run(archive, grace=timedelta(0))
    assert old.removed == [key]
    assert old.refused == []
    assert not archive.store.exists(key)
    assert [o.key for o in archive.store.iter_objects()] == []
    with archive.db.read() as conn:
        [entry] = audit_rows.recent(conn, scope=EVERYTHING, object_type="storage", limit=5)
    assert entry.action == "storage.sweep"
    assert entry.detail["removed"] == [key]
    assert trail.verify(archive).intact


def test_failed_audit_append_takes_the_document_row_with_it(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backend.archive
    user = official(archive)
    dossier_id = new_dossier(archive, user)
    entries_before = len(actions(archive))
    real_append = audit_rows.append

    def failing_append(conn: object, **kwargs: object) -> object:
        if kwargs.get("action") == "document.add":
            raise SimulatedCrash("audit store failed")
        return real_append(conn, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_rows, "append", failing_append)
    with pytest.raises(SimulatedCrash):
        add(archive, user, dossier_id, make_pdf(1))
    monkeypatch.undo()

    # The row and the audit entry commit together or not at all.
    assert row_counts(archive) == (0, 0)
    assert len(actions(archive)) == entries_before
    assert trail.verify(archive).intact


def test_retry_after_a_crash_stores_the_document(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backend.archive
    user = official(archive)
    dossier_id = new_dossier(archive, user)
    data = make_pdf(3)
    key = content_key(hashlib.sha256(data).hexdigest())

    def crash(*args: object, **kwargs: object) -> int:
        raise SimulatedCrash("crash")

    monkeypatch.setattr(document_rows, "add", crash)
    with pytest.raises(SimulatedCrash):
        add(archive, user, dossier_id, data)
    monkeypatch.undo()

    document_id = add(archive, user, dossier_id, data)
    assert row_counts(archive) == (1, 1)
    assert sweep.run(archive, grace=timedelta(0)).removed == []
    assert archive.store.exists(key)
    _, _, verified = document_service.open_content(archive, archive.actor(user), document_id)
    assert b"".join(verified.stream()) == data
    assert fixity.run(archive).intact


def test_sweep_never_removes_a_referenced_object(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    dossier_id = new_dossier(archive, user)
    kept = make_pdf(1)
    add(archive, user, dossier_id, kept)
    kept_key = content_key(hashlib.sha256(kept).hexdigest())
    orphan = make_pdf(1)
    orphan_key = content_key(hashlib.sha256(orphan).hexdigest())
    orphan_path = archive.incoming_dir / "orphan.pdf"
    orphan_path.write_bytes(orphan)
    archive.store.put_file(orphan_key, orphan_path, len(orphan))

    report = sweep.run(archive, grace=timedelta(0))

    assert report.removed == [orphan_key]
    assert archive.store.exists(kept_key)
    assert not archive.store.exists(orphan_key)
    assert b"".join(archive.store.read(kept_key)) == kept
    again = sweep.run(archive, grace=timedelta(0))
    assert again.removed == [] and again.kept_young == 0


def test_sweep_of_a_clean_store_writes_no_audit_entry(backend: Backend) -> None:
    archive = backend.archive
    before = actions(archive)
    report = sweep.run(archive, grace=timedelta(0))
    assert (report.removed, report.kept_young, report.stale_uploads) == ([], 0, 0)
    assert actions(archive) == before


def _age(path: Path, seconds: float) -> None:
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_spool_files_of_killed_uploads_are_removed_after_the_grace_period(
    backend: Backend,
) -> None:
    """A spool file is what a killed upload left only if no running upload holds it: each
    upload holds its spool file locked. The sweep removes unheld ones older than
    ARCHIVE_SPOOL_GRACE_HOURS and never touches one in use, however old."""
    archive = backend.archive
    incoming = archive.incoming_dir
    incoming.mkdir(parents=True, exist_ok=True)
    abandoned = incoming / "upload-abandoned.part"
    young = incoming / "upload-young.part"
    other = incoming / "notes-old.txt"
    for path in (abandoned, young, other):
        path.write_bytes(b"%PDF-1.7 half an upload")
    in_use = Spool(incoming, 1024)  # a slow upload still arriving, locked by its receiver
    in_use.write(b"%PDF-1.7 still arriving")
    hours = archive.settings.spool_grace_hours
    _age(abandoned, hours * 3600 + 60)
    _age(other, hours * 3600 + 60)
    _age(in_use.path, 48 * 3600)
    _age(young, max(0.0, hours * 3600 - 600))

    report = sweep.run(archive, grace=timedelta(0))

    assert report.stale_uploads == 1
    assert not abandoned.exists()
    assert in_use.path.exists()  # held by its upload: never removed
    assert young.exists()  # within the grace period
    assert other.exists()  # not an upload spool file
    assert actions(archive)[-1] == "storage.sweep"
    in_use.discard()
    assert sweep.run(archive, grace=timedelta(0)).stale_uploads == 0


def test_an_original_left_unlocked_by_a_crash_is_locked_by_the_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retention is applied after the rows commit; a crash in between (here: the lock call
    fails) leaves the row marked unprotected, and the next sweep locks the object. No
    committed original stays unlocked."""
    from minio import Minio
    from support.archives import open_backend

    with open_backend(
        "scaled", tmp_path, s3_object_lock="governance", s3_retention_days=1
    ) as backend:
        archive = backend.archive
        user = official(archive)
        dossier_id = new_dossier(archive, user)
        real_protect = archive.store.protect

        def crash(key: str) -> None:
            raise OSError("the process died before locking")

        monkeypatch.setattr(archive.store, "protect", crash)
        document_id = add(archive, user, dossier_id, make_pdf(2))
        monkeypatch.setattr(archive.store, "protect", real_protect)
        key = archive_key(archive, document_id)
        s = backend.settings
        client = Minio(s.s3_endpoint, s.s3_access_key, s.s3_secret_key, secure=False)
        version = client.stat_object(s.s3_bucket, key).version_id
        assert client.get_object_retention(s.s3_bucket, key, version_id=version) is None
        with archive.db.read() as conn:
            assert document_rows.unprotected(conn, 10) == [key]

        report = sweep.run(archive)

        assert report.protected == 1
        retention = client.get_object_retention(s.s3_bucket, key, version_id=version)
        assert retention is not None and retention.mode == "GOVERNANCE"
        with archive.db.read() as conn:
            assert document_rows.unprotected(conn, 10) == []


def archive_key(archive: Archive, document_id: int) -> str:
    with archive.db.read() as conn:
        document = document_rows.get(conn, document_id)
    assert document is not None
    return document.current.storage_key


def test_bytes_no_row_names_are_sent_unasked_and_bytes_kept_once_are_not_sent_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new file is sent to the store without a request first asking whether it is there
    (a round trip every upload paid); the same file added to a second dossier finds its
    bytes kept, checks them, and stores nothing more."""
    from minio import Minio
    from support.archives import open_backend

    with open_backend("scaled", tmp_path) as backend:
        archive = backend.archive
        user = official(archive)
        first, second = new_dossier(archive, user, "Hồ sơ 1"), new_dossier(archive, user, "Hồ sơ 2")
        data = make_pdf(3)
        client = archive.store.client  # type: ignore[attr-defined]
        real_stat = client.stat_object
        asked: list[str] = []

        def stat_object(bucket: str, key: str, *args: object, **kwargs: object) -> object:
            asked.append(key)
            return real_stat(bucket, key, *args, **kwargs)

        monkeypatch.setattr(client, "stat_object", stat_object)
        add(archive, user, first, data)
        assert asked == []
        add(archive, user, second, data)
        assert asked == [content_key(hashlib.sha256(data).hexdigest())]
        monkeypatch.undo()

        s = backend.settings
        admin = Minio(s.s3_endpoint, s.s3_access_key, s.s3_secret_key, secure=False)
        stored = list(
            admin.list_objects(s.s3_bucket, prefix="sha256/", recursive=True, include_version=True)
        )
        assert [o.object_name for o in stored] == asked  # one object, in one version
