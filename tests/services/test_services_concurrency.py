"""Concurrent writers and damaged copies: the races and gaps an independent review found.

Each race is forced, not hoped for: a store or repository function is wrapped so that the
competing operation runs at exactly the point of interest (threading events and barriers
with timeouts), so a test fails the same way every time the bug is present and never
hangs. Every helper thread is joined with a bound.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from support.archives import Backend
from support.pdfs import make_pdf
from support.services import new_dossier, official

import archive.storage.local as local_store
from archive.domain.errors import ArchiveError, Conflict, IntegrityFailure, Invalid
from archive.domain.model import Document
from archive.metadata import audit as audit_rows
from archive.metadata import documents as document_rows
from archive.metadata import locks
from archive.metadata.schema import audit_log, documents
from archive.services import documents as document_service
from archive.services import fixity, sweep, trail, versions
from archive.services.context import Actor, Archive
from archive.storage import content_key

JOIN = 30.0  # seconds a helper thread or barrier may take before the test fails, not hangs
GRACE = timedelta(hours=1)  # the sweep's grace period in these tests
# A real number as offices write it: 72 characters, over the 64 the column holds.
LONG_NUMBER = "123/QĐ-XPHC ngày 04/3/2025 của Chủ tịch UBND phường Lam Hạ, TP Phủ Lý"


# -- people, dossiers, uploads ----------------------------------------------------------------


def spooled(archive: Archive, data: bytes) -> document_service.ReceivedFile:
    """An upload fully received into the spool, named as the API's spool names it."""
    archive.incoming_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=archive.incoming_dir)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return document_service.ReceivedFile(
        Path(name), hashlib.sha256(data).hexdigest(), len(data), "bien-ban.pdf"
    )


def draft(title: str = "Biên bản vi phạm", **fields: Any) -> document_service.DocumentDraft:
    return document_service.DocumentDraft(kind="bien_ban_vi_pham", title=title, **fields)


def add(archive: Archive, actor: Actor, dossier_id: int, data: bytes) -> Document:
    return document_service.add(archive, actor, dossier_id, draft(), spooled(archive, data))


def download(archive: Archive, actor: Actor, document_id: int, version: int | None = None) -> bytes:
    """The bytes as a download serves them: verified against the recorded SHA-256."""
    _, _, verified = document_service.open_content(archive, actor, document_id, version)
    return b"".join(verified.stream())


def key_of(data: bytes) -> str:
    return content_key(hashlib.sha256(data).hexdigest())


def stored_keys(archive: Archive) -> set[str]:
    return {o.key for o in archive.store.iter_objects()}


def referenced_keys(archive: Archive) -> set[str]:
    with archive.db.read() as conn:
        return document_rows.referenced_keys(conn)


def count_actions(archive: Archive, action: str) -> int:
    with archive.db.read() as conn:
        return conn.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == action)
        ).scalar_one()


def document_count(archive: Archive) -> int:
    with archive.db.read() as conn:
        return conn.execute(select(func.count()).select_from(documents)).scalar_one()


# -- threads ----------------------------------------------------------------------------------


def run_together(work: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in a thread of its own; its result or the exception it raised."""
    results: list[Any] = [None] * len(work)

    def runner(index: int, job: Callable[[], Any]) -> None:
        try:
            results[index] = job()
        except BaseException as exc:
            results[index] = exc

    threads = [
        threading.Thread(target=runner, args=(i, job), daemon=True) for i, job in enumerate(work)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"a thread still runs after {JOIN} s"
    return results


class Background:
    """One call in a helper thread, joined with a bound."""

    def __init__(self, job: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(job,), daemon=True)
        self.thread.start()

    def _run(self, job: Callable[[], Any]) -> None:
        try:
            self.result = job()
        except BaseException as exc:
            self.error = exc

    def join(self) -> Any:
        self.thread.join(timeout=JOIN)
        assert not self.thread.is_alive(), f"the helper thread still runs after {JOIN} s"
        if self.error is not None:
            raise self.error
        return self.result


def hold_first_write(monkeypatch: pytest.MonkeyPatch, archive: Archive, parties: int) -> None:
    """Hold each upload at the start of its write transaction until ``parties`` uploads
    are there.

    That comes after every check made outside the write transaction (duplicates, the
    current version) and before any upload can commit: all of them race for the commit
    having seen the same state.
    """
    barrier = threading.Barrier(parties, timeout=JOIN)
    real_write = archive.db.write
    held = threading.local()

    def write() -> Any:
        if not getattr(held, "done", False):
            held.done = True
            barrier.wait()
        return real_write()

    monkeypatch.setattr(archive.db, "write", write)


class _OsReplaceGate:
    """``os`` for the local store's module, whose ``replace`` waits until all writers get
    there: every one has written its temporary copy before any is moved into place."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=JOIN)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def replace(self, src: Any, dst: Any) -> None:
        self.barrier.wait()
        os.replace(src, dst)


@pytest.fixture
def setup(backend: Backend) -> tuple[Archive, Actor]:
    archive = backend.archive
    return archive, archive.actor(official(archive))


# -- (a) orphan sweep against a re-upload of the orphan's bytes -------------------------------


def _old_orphan(archive: Archive, data: bytes) -> str:
    """What a crashed upload leaves: the bytes stored, no row; the sweep will see it as old."""
    key = key_of(data)
    archive.store.put_file(key, spooled(archive, data).path, len(data))
    return key


def _pause_sweep_after_listing(
    monkeypatch: pytest.MonkeyPatch, archive: Archive
) -> tuple[threading.Event, threading.Event]:
    """The sweep lists the store (objects reported two hours old), says so, then waits."""
    listed, go_on = threading.Event(), threading.Event()
    real_iter = archive.store.iter_objects

    def listing() -> Iterator[Any]:
        objects = [dataclasses.replace(o, modified=o.modified - 2 * GRACE) for o in real_iter()]
        listed.set()
        assert go_on.wait(JOIN), "the upload never let the sweep go on"
        return iter(objects)

    monkeypatch.setattr(archive.store, "iter_objects", listing)
    return listed, go_on


def _until_the_sweep_waits_for_the_upload(
    archive: Archive, entered: threading.Event, sweeper: threading.Thread
) -> None:
    """Return once the sweep waits on the upload's transaction for the key (or, were it
    not made to wait, once it has finished: the checks after the upload judge that)."""
    deadline = time.monotonic() + JOIN
    while not entered.is_set() and sweeper.is_alive():
        assert time.monotonic() < deadline, "the sweep never reached its delete transaction"
        time.sleep(0.01)
    if archive.db.is_sqlite:
        time.sleep(0.2)  # BEGIN IMMEDIATE waits on the upload's write lock; nothing to poll
        return
    _until_it_waits_for_a_lock(archive, sweeper, "the sweep neither waited nor finished")


_LOCK_WAITS = text(
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


def _until_it_waits_for_a_lock(archive: Archive, thread: threading.Thread, failure: str) -> None:
    """Return once a transaction of this database waits for a lock (PostgreSQL), or once
    ``thread`` has finished: the checks that follow judge which it was."""
    deadline = time.monotonic() + JOIN
    while thread.is_alive():
        with archive.db.read() as conn:
            if conn.execute(_LOCK_WAITS).scalar_one():
                return
        assert time.monotonic() < deadline, failure
        time.sleep(0.02)


def _sweep_paused_after_listing(
    monkeypatch: pytest.MonkeyPatch, archive: Archive
) -> tuple[Background, threading.Event, threading.Event]:
    """A sweep in a helper thread, paused after listing the store (objects reported old):
    the sweep, the event that lets it go on, and one set when it opens a write transaction
    (to delete what it judged an orphan)."""
    entered = threading.Event()
    real_write = archive.db.write
    sweepers: list[threading.Thread] = []

    def write() -> Any:
        if sweepers and threading.current_thread() is sweepers[0]:
            entered.set()
        return real_write()

    monkeypatch.setattr(archive.db, "write", write)
    listed, go_on = _pause_sweep_after_listing(monkeypatch, archive)
    sweeper = Background(lambda: sweep.run(archive, grace=GRACE))
    sweepers.append(sweeper.thread)  # its first write comes only after go_on is set
    assert listed.wait(JOIN)
    return sweeper, go_on, entered


def _kept_whole(archive: Archive, actor: Actor, document: Document, key: str, data: bytes) -> None:
    """The document's bytes stayed, are served whole, and the store holds nothing else."""
    assert archive.store.exists(key)
    assert download(archive, actor, document.id) == data
    assert sweep.run(archive, grace=timedelta(0)).removed == []
    assert stored_keys(archive) == referenced_keys(archive) == {key}
    assert fixity.run(archive).intact
    assert trail.verify(archive).intact


def test_sweep_that_deletes_between_store_and_commit_cannot_leave_a_row_without_bytes(
    setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where bytes are stored ahead of the transaction (SQLite), the sweep may take them
    before the transaction locks their key: the commit then stores them again."""
    archive, actor = setup
    if not versions.stores_ahead(archive):
        pytest.skip("this database stores the bytes inside the transaction, under the key lock")
    dossier_id = new_dossier(archive, actor)
    data = make_pdf(3)
    key = _old_orphan(archive, data)
    listed, go_on = _pause_sweep_after_listing(monkeypatch, archive)
    sweeper = Background(lambda: sweep.run(archive, grace=GRACE))
    assert listed.wait(JOIN)

    # The official uploads the same file again. Right after its bytes are stored (the
    # old orphan already holds them) and before its commit, the sweep, working from its
    # listing, runs to the end and removes the object.
    real_put = archive.store.put_file
    stores: list[str] = []

    def put_then_sweep(k: str, path: Path, size: int) -> None:
        real_put(k, path, size)
        stores.append(k)
        if len(stores) == 1:
            go_on.set()
            sweeper.thread.join(timeout=JOIN)
            assert not sweeper.thread.is_alive()

    monkeypatch.setattr(archive.store, "put_file", put_then_sweep)
    document = add(archive, actor, dossier_id, data)
    monkeypatch.undo()

    report = sweeper.join()
    assert report.removed == [key]  # the window was hit: the sweep took the bytes ...
    assert stores == [key, key]  # ... and the commit stored them again from the spool
    assert document.current.storage_key == key
    _kept_whole(archive, actor, document, key, data)


def test_sweep_that_reaches_the_key_while_its_bytes_are_stored_waits_and_keeps_them(
    setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where bytes are stored inside the transaction (PostgreSQL), the sweep cannot take
    them between storing and committing: it waits on the key lock."""
    archive, actor = setup
    if versions.stores_ahead(archive):
        pytest.skip("this database stores the bytes ahead of the transaction")
    dossier_id = new_dossier(archive, actor)
    data = make_pdf(3)
    key = _old_orphan(archive, data)
    sweeper, go_on, entered = _sweep_paused_after_listing(monkeypatch, archive)

    # The official uploads the same file again. While its bytes are being stored (the
    # old orphan already holds them) and before its commit, the sweep, working from its
    # listing that saw no reference, goes for the object: it must wait for the commit.
    real_put = archive.store.put_file
    real_lock = locks.lock_key_to_store
    stores: list[str] = []
    key_locked = threading.Event()  # set once the upload's transaction holds the key lock

    def lock_key_to_store(conn: Any, k: str) -> bool:
        named = real_lock(conn, k)
        if threading.current_thread() is threading.main_thread():
            key_locked.set()
        return named

    def sweep_during_the_put(k: str, path: Path, size: int, *, may_exist: bool = True) -> None:
        assert key_locked.is_set(), "the bytes were sent before the key was locked"
        assert not may_exist  # no row names the orphan's key
        go_on.set()
        _until_the_sweep_waits_for_the_upload(archive, entered, sweeper.thread)
        assert sweeper.thread.is_alive(), "the sweep did not wait for the upload"
        real_put(k, path, size, may_exist=may_exist)
        stores.append(k)

    monkeypatch.setattr(locks, "lock_key_to_store", lock_key_to_store)
    monkeypatch.setattr(archive.store, "put_file", sweep_during_the_put)
    document = add(archive, actor, dossier_id, data)
    report = sweeper.join()
    monkeypatch.undo()

    assert report.removed == [] and report.refused == []
    assert stores == [key]  # stored once, under the key lock the sweep waited for
    assert document.current.storage_key == key
    _kept_whole(archive, actor, document, key, data)


def test_sweep_that_reaches_the_key_during_the_commit_waits_and_keeps_the_object(
    setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, actor = setup
    dossier_id = new_dossier(archive, actor)
    data = make_pdf(2)
    key = _old_orphan(archive, data)
    sweeper, go_on, entered = _sweep_paused_after_listing(monkeypatch, archive)

    # Inside the upload's transaction, with the key lock held and the row not yet
    # written, the sweep (which saw no reference) goes for the object.
    real_add = document_rows.add

    def add_row_while_sweep_waits(conn: Any, **kwargs: Any) -> int:
        go_on.set()
        _until_the_sweep_waits_for_the_upload(archive, entered, sweeper.thread)
        return real_add(conn, **kwargs)

    monkeypatch.setattr(document_rows, "add", add_row_while_sweep_waits)
    document = add(archive, actor, dossier_id, data)
    report = sweeper.join()
    monkeypatch.undo()

    assert report.removed == [] and report.refused == []
    _kept_whole(archive, actor, document, key, data)


def test_an_upload_that_waited_for_the_key_keeps_the_bytes_the_other_just_stored(
    backend: Backend, setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two uploads of the same new file into two dossiers: the second waits for the key
    while the first stores the bytes and commits, then sees the first one's row and keeps
    its object instead of sending the file again (on a WORM bucket a second copy could
    never be removed)."""
    archive, actor = setup
    if versions.stores_ahead(archive):
        pytest.skip("this database stores the bytes ahead of the transaction")
    first, second = new_dossier(archive, actor, "Hồ sơ 1"), new_dossier(archive, actor, "Hồ sơ 2")
    data = make_pdf(4)
    real_put = archive.store.put_file
    asked: list[bool] = []
    later: list[Background] = []

    def put_file(k: str, path: Path, size: int, *, may_exist: bool = True) -> None:
        asked.append(may_exist)
        if len(asked) == 1:  # the first upload, holding the key: the second comes now
            later.append(Background(lambda: add(archive, actor, second, data)))
            _until_it_waits_for_a_lock(archive, later[0].thread, "the second never waited")
            assert later[0].thread.is_alive(), "the second upload did not wait for the first"
        real_put(k, path, size, may_exist=may_exist)

    monkeypatch.setattr(archive.store, "put_file", put_file)
    one = add(archive, actor, first, data)
    other = later[0].join()
    monkeypatch.undo()

    assert asked == [False, True]  # the second was told the key is named, after waiting
    assert one.current.storage_key == other.current.storage_key == key_of(data)
    assert _versions_stored(backend, key_of(data)) == 1
    for document in (one, other):
        _kept_whole(archive, actor, document, key_of(data), data)


def _versions_stored(backend: Backend, key: str) -> int:
    from minio import Minio

    s = backend.settings
    admin = Minio(s.s3_endpoint, s.s3_access_key, s.s3_secret_key, secure=False)
    return sum(
        1
        for o in admin.list_objects(s.s3_bucket, prefix=key, include_version=True)
        if o.object_name == key
    )


# -- (b) the same bytes into different dossiers at once ---------------------------------------


def test_concurrent_uploads_of_one_file_into_different_dossiers_all_succeed(
    backend: Backend, setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, actor = setup
    parties = 6
    dossier_ids = [new_dossier(archive, actor, f"Hồ sơ {i}") for i in range(parties)]
    data = make_pdf(2)
    key = key_of(data)
    hold_first_write(monkeypatch, archive, parties)
    if backend.kind == "embedded":  # every writer has its temporary copy before any moves
        monkeypatch.setattr(local_store, "os", _OsReplaceGate(parties))

    results = run_together(
        [lambda d=d: add(archive, actor, d, data) for d in dossier_ids]  # type: ignore[misc]
    )
    monkeypatch.undo()

    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert sorted(r.dossier_id for r in results) == sorted(dossier_ids)
    assert {r.current.storage_key for r in results} == {key}
    for document in results:
        assert download(archive, actor, document.id) == data
    assert stored_keys(archive) == {key}
    if backend.kind == "embedded":
        assert list(archive.store.root.rglob("*.partial")) == []  # type: ignore[attr-defined]
    assert fixity.run(archive).intact
    assert trail.verify(archive).intact


# -- (c) the same file into one dossier at once -----------------------------------------------


def test_concurrent_uploads_of_one_file_into_one_dossier_keep_one_document(
    setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, actor = setup
    dossier_id = new_dossier(archive, actor)
    twin = make_pdf(2)
    others = [make_pdf(1) for _ in range(3)]  # different files, racing for positions
    uploads = [twin] * 5 + others
    hold_first_write(monkeypatch, archive, len(uploads))

    results = run_together(
        [lambda b=b: add(archive, actor, dossier_id, b) for b in uploads]  # type: ignore[misc]
    )
    monkeypatch.undo()

    twin_results = results[:5]
    accepted = [r for r in twin_results if isinstance(r, Document)]
    refused = [r for r in twin_results if not isinstance(r, Document)]
    assert len(accepted) == 1, twin_results
    assert len(refused) == 4
    for error in refused:
        assert isinstance(error, Conflict), repr(error)
        assert error.code == "duplicate_document"
        assert error.details["document_id"] == accepted[0].id
    assert all(isinstance(r, Document) for r in results[5:]), results[5:]

    held = document_service.of_dossier(archive, actor, dossier_id)
    assert len(held) == 1 + len(others)
    assert [d.current.sha256 for d in held].count(hashlib.sha256(twin).hexdigest()) == 1
    assert sorted(d.position for d in held) == list(range(1, len(held) + 1))
    assert count_actions(archive, "document.add") == len(held)
    assert stored_keys(archive) == referenced_keys(archive)
    assert trail.verify(archive).intact


# -- (d) audit verify while others append -----------------------------------------------------


def _append(archive: Archive, n: int = 1) -> None:
    for _ in range(n):
        with archive.db.write() as conn:
            audit_rows.append(
                conn,
                actor_id=None,
                actor="test",
                action="test.append",
                object_type="t",
                object_id=1,
            )


def test_verify_reads_one_snapshot_although_entries_are_appended_meanwhile(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backend.archive
    _append(archive, 6)
    with archive.db.read() as conn:
        seen_at_start = audit_rows.head(conn)[0]
    real_iter = audit_rows.iter_entries

    def entries_with_appends_in_between(conn: Any, batch: int = 5000) -> Iterator[Any]:
        # The head has been read; another request commits an entry before the first
        # entry is read and another between two batches of entries.
        Background(lambda: _append(archive)).join()
        for index, entry in enumerate(real_iter(conn, batch=2)):
            yield entry
            if index == 1:
                Background(lambda: _append(archive)).join()

    monkeypatch.setattr(audit_rows, "iter_entries", entries_with_appends_in_between)
    report = trail.verify(archive)
    monkeypatch.undo()

    assert report.intact, report.problems
    assert report.entries == seen_at_start
    after = trail.verify(archive)
    assert after.intact and after.entries == seen_at_start + 2


def test_verify_never_reports_an_alteration_while_four_writers_append(backend: Backend) -> None:
    archive = backend.archive
    _append(archive, 3)
    stop = threading.Event()

    def writer() -> int:
        written = 0
        while not stop.is_set():
            _append(archive)
            written += 1
        return written

    writers = [Background(writer) for _ in range(4)]
    try:
        reports = [trail.verify(archive) for _ in range(20)]
    finally:
        stop.set()
        written = sum(w.join() for w in writers)

    assert [r.problems for r in reports if not r.intact] == []
    assert written > 0
    final = trail.verify(archive)
    assert final.intact and final.entries == 3 + written


# -- (e) new versions of one document at once -------------------------------------------------


def test_concurrent_new_versions_get_distinct_numbers_and_leave_no_orphans(
    setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, actor = setup
    dossier_id = new_dossier(archive, actor)
    first = make_pdf(1)
    document = add(archive, actor, dossier_id, first)
    files = [make_pdf(1) for _ in range(4)]
    hold_first_write(monkeypatch, archive, len(files))

    results = run_together(
        [
            lambda b=b: document_service.add_version(  # type: ignore[misc]
                archive, actor, document.id, spooled(archive, b)
            )
            for b in files
        ]
    )
    monkeypatch.undo()

    # Refused cleanly (an ArchiveError) is acceptable; a database error is not.
    unclean = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, ArchiveError)
    ]
    assert unclean == []
    succeeded = [r for r in results if isinstance(r, Document)]
    numbers = sorted(r.current.version for r in succeeded)
    assert len(set(numbers)) == len(numbers)
    final = document_service.fetch(archive, actor, document.id, record=False)
    assert [v.version for v in final.versions] == list(range(1, len(succeeded) + 2))
    assert final.current.version == len(succeeded) + 1
    expected = {key_of(first): first} | {
        key_of(b): b for b, r in zip(files, results, strict=True) if isinstance(r, Document)
    }
    for version in final.versions:
        assert (
            download(archive, actor, document.id, version.version) == expected[version.storage_key]
        )
    orphans = stored_keys(archive) - referenced_keys(archive)
    if orphans:  # only from refused uploads, and then the sweep must be able to take them
        assert len(orphans) <= len(results) - len(succeeded)
        assert set(sweep.run(archive, grace=timedelta(0)).removed) == orphans
    assert stored_keys(archive) == referenced_keys(archive) == set(expected)
    assert count_actions(archive, "document.version") == len(succeeded)
    assert trail.verify(archive).intact


# -- (f) over-long number and issuer refused before any byte is stored ------------------------


def _no_store_writes(monkeypatch: pytest.MonkeyPatch, archive: Archive) -> list[str]:
    writes: list[str] = []

    def put_file(key: str, path: Path, size: int, **_: object) -> None:
        writes.append(key)
        raise AssertionError("bytes were stored for an upload that must be refused")

    monkeypatch.setattr(archive.store, "put_file", put_file)
    return writes


@pytest.mark.parametrize(
    ("field", "value", "limit"),
    [("number", LONG_NUMBER, 64), ("issuer", "Ủy ban nhân dân " * 17, 255)],
    ids=["number_72_chars", "issuer_271_chars"],
)
def test_too_long_number_or_issuer_is_refused_before_any_object_is_stored(
    setup: tuple[Archive, Actor],
    monkeypatch: pytest.MonkeyPatch,
    field: str,
    value: str,
    limit: int,
) -> None:
    archive, actor = setup
    assert len(value.strip()) > limit
    dossier_id = new_dossier(archive, actor)
    writes = _no_store_writes(monkeypatch, archive)
    entries_before = count_actions(archive, "document.add")

    # The check the API makes before receiving a byte ...
    with pytest.raises(Invalid) as early:
        document_service.check_new_document(archive, actor, dossier_id, draft(**{field: value}))
    # ... and the upload itself, identically on SQLite and PostgreSQL.
    with pytest.raises(Invalid) as refused:
        document_service.add(
            archive, actor, dossier_id, draft(**{field: value}), spooled(archive, make_pdf(1))
        )
    monkeypatch.undo()

    for error in (early.value, refused.value):
        assert error.code == "too_long"
        assert error.details == {"field": field, "max_length": limit}
    assert writes == []
    assert stored_keys(archive) == set()
    assert document_count(archive) == 0
    assert count_actions(archive, "document.add") == entries_before


def test_number_at_the_limit_is_kept_whole_and_an_edit_past_it_is_refused(
    setup: tuple[Archive, Actor],
) -> None:
    archive, actor = setup
    dossier_id = new_dossier(archive, actor)
    number = LONG_NUMBER[:64]
    typed = unicodedata.normalize("NFD", number)  # decomposed, as Unikey/macOS type it
    assert len(typed) > 64
    document = document_service.add(
        archive, actor, dossier_id, draft(number=typed), spooled(archive, make_pdf(1))
    )
    assert document.number == number

    with pytest.raises(Invalid) as refused:
        document_service.change(archive, actor, document.id, {"number": LONG_NUMBER})
    assert refused.value.code == "too_long"
    assert refused.value.details == {"field": "number", "max_length": 64}
    assert document_service.fetch(archive, actor, document.id, record=False).number == number
    assert count_actions(archive, "document.change") == 0


# -- (g) a damaged stored copy is repaired by a good upload of the same bytes -----------------


def _damage(backend: Backend, key: str, damaged: bytes) -> None:
    archive = backend.archive
    if backend.kind == "embedded":
        path = archive.store.root / key  # type: ignore[attr-defined]
        os.chmod(path, 0o644)
        path.write_bytes(damaged)
        return
    from minio import Minio

    settings = backend.settings
    client = Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
    )
    client.put_object(settings.s3_bucket, key, io.BytesIO(damaged), len(damaged))


def _flip_one_bit(data: bytes) -> bytes:
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 0x01  # bit rot: same size, other bytes
    return bytes(damaged)


def _truncate(data: bytes) -> bytes:
    return data[: len(data) - 100]


def _damaged_copy_is_repaired(backend: Backend, damage: Callable[[bytes], bytes]) -> None:
    archive = backend.archive
    actor = archive.actor(official(archive))
    first_dossier, second_dossier = new_dossier(archive, actor), new_dossier(archive, actor)
    data = make_pdf(2)
    key = key_of(data)
    first = add(archive, actor, first_dossier, data)
    damaged = damage(data)
    assert damaged != data
    _damage(backend, key, damaged)
    with pytest.raises(IntegrityFailure):  # the damage is real
        download(archive, actor, first.id)

    second = add(archive, actor, second_dossier, data)

    assert second.current.storage_key == key
    assert download(archive, actor, second.id) == data
    assert download(archive, actor, first.id) == data  # one key: both documents mended
    assert fixity.run(archive).intact


def test_damaged_copy_of_another_size_is_repaired_by_a_good_upload(backend: Backend) -> None:
    _damaged_copy_is_repaired(backend, _truncate)


@pytest.mark.parametrize(
    "backend",
    [
        "embedded",
        "scaled",
    ],
    indirect=True,
)
def test_damaged_copy_of_the_same_size_is_repaired_by_a_good_upload(backend: Backend) -> None:
    _damaged_copy_is_repaired(backend, _flip_one_bit)


# -- (h) blank titles -------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["   ", "", " \u00a0\u3000 "])
def test_editing_a_title_to_blank_is_refused_as_missing_value(
    setup: tuple[Archive, Actor], blank: str
) -> None:
    archive, actor = setup
    dossier_id = new_dossier(archive, actor)
    document = add(archive, actor, dossier_id, make_pdf(1))

    with pytest.raises(Invalid) as refused:
        document_service.change(archive, actor, document.id, {"title": blank})

    assert refused.value.code == "missing_value"
    assert refused.value.details == {"field": "title"}
    assert document_service.fetch(archive, actor, document.id, record=False).title == (
        document.title
    )
    assert count_actions(archive, "document.change") == 0


def test_a_new_document_with_a_blank_title_is_refused_before_any_object_is_stored(
    setup: tuple[Archive, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, actor = setup
    dossier_id = new_dossier(archive, actor)
    writes = _no_store_writes(monkeypatch, archive)

    with pytest.raises(Invalid) as refused:
        document_service.add(
            archive, actor, dossier_id, draft(title="   "), spooled(archive, make_pdf(1))
        )
    monkeypatch.undo()

    assert refused.value.code == "missing_title"
    assert writes == []
    assert stored_keys(archive) == set()
    assert document_count(archive) == 0
