"""Fixity: re-hashing every stored object finds altered and missing bytes, and the verified
download refuses to hand out altered bytes silently. Tampering is done behind the archive's
back, on the real folder or the real MinIO bucket."""

from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import select
from support.archives import Backend
from support.pdfs import make_pdf
from support.services import new_dossier, official, received
from support.tamper import destroy, flipped, tamper

from archive.domain.errors import IntegrityFailure
from archive.domain.model import User
from archive.metadata import audit as audit_rows
from archive.metadata.schema import audit_log, fixity_checks
from archive.services import documents as document_service
from archive.services import fixity, trail
from archive.services.context import Archive


def add(archive: Archive, user: User, dossier_id: int, data: bytes) -> tuple[int, str]:
    doc = document_service.add(
        archive,
        archive.actor(user),
        dossier_id,
        document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Biên bản vi phạm"),
        received(archive, data),
    )
    return doc.id, doc.current.storage_key


def checks_of(archive: Archive, run_id: str) -> dict[str, tuple[str, str | None, str]]:
    with archive.db.read() as conn:
        rows = conn.execute(
            select(
                fixity_checks.c.storage_key,
                fixity_checks.c.status,
                fixity_checks.c.actual_sha256,
                fixity_checks.c.expected_sha256,
            ).where(fixity_checks.c.run_id == run_id)
        ).all()
    return {r.storage_key: (r.status, r.actual_sha256, r.expected_sha256) for r in rows}


def fixity_entries(archive: Archive) -> list[audit_rows.AuditEntry]:
    with archive.db.read() as conn:
        return [e for e in audit_rows.iter_entries(conn) if e.action == "fixity.run"]


def test_fixity_finds_altered_and_missing_objects(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    dossier_id = new_dossier(archive, user)
    datas = [make_pdf(1), make_pdf(2), make_pdf(3)]
    keys = [add(archive, user, dossier_id, data)[1] for data in datas]

    first = fixity.run(archive)
    assert first.intact
    assert (first.checked, first.ok) == (3, 3)
    assert first.mismatched == [] and first.missing == []
    assert first.bytes_read == sum(len(d) for d in datas)
    assert {k: v[0] for k, v in checks_of(archive, first.run_id).items()} == dict.fromkeys(
        keys, "ok"
    )

    altered = flipped(datas[0])
    tamper(backend, keys[0], altered)
    destroy(backend, keys[1])

    second = fixity.run(archive)
    assert not second.intact
    assert second.run_id != first.run_id
    assert second.checked == 3
    assert second.ok == 1
    assert second.mismatched == [keys[0]]
    assert second.missing == [keys[1]]
    checks = checks_of(archive, second.run_id)
    assert checks[keys[0]] == (
        "mismatch",
        hashlib.sha256(altered).hexdigest(),
        hashlib.sha256(datas[0]).hexdigest(),
    )
    assert checks[keys[1]][:2] == ("missing", None)
    assert checks[keys[2]][0] == "ok"
    # the first run's log is kept as it was
    assert {v[0] for v in checks_of(archive, first.run_id).values()} == {"ok"}

    runs = fixity_entries(archive)
    assert len(runs) == 2  # one audit entry per run, not per object
    assert runs[0].object_id == first.run_id and runs[1].object_id == second.run_id
    assert runs[1].detail["mismatched"] == [keys[0]]
    assert runs[1].detail["missing"] == [keys[1]]
    assert (runs[1].detail["checked"], runs[1].detail["ok"]) == (3, 1)
    assert trail.verify(archive).intact


def test_fixity_of_an_empty_archive(backend: Backend) -> None:
    report = fixity.run(backend.archive)
    assert report.intact and report.checked == 0
    assert len(fixity_entries(backend.archive)) == 1


def test_same_bytes_in_two_dossiers_are_stored_and_checked_once(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    data = make_pdf(2)
    _, key_a = add(archive, user, new_dossier(archive, user, "Hồ sơ A"), data)
    _, key_b = add(archive, user, new_dossier(archive, user, "Hồ sơ B"), data)
    assert key_a == key_b
    assert [o.key for o in archive.store.iter_objects()] == [key_a]
    report = fixity.run(archive)
    assert (report.checked, report.ok) == (1, 1)


def test_verified_download_returns_the_stored_bytes(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    data = make_pdf(2)
    document_id, key = add(archive, user, new_dossier(archive, user), data)
    _, version, verified = document_service.open_content(archive, archive.actor(user), document_id)
    assert b"".join(verified.stream()) == data
    assert b"".join(verified.stream(10, 20)) == data[10:20]
    assert version.storage_key == key and version.sha256 == hashlib.sha256(data).hexdigest()
    with archive.db.read() as conn:
        last = conn.execute(
            select(audit_log.c.action, audit_log.c.detail).order_by(audit_log.c.seq.desc())
        ).first()
    assert last is not None and last.action == "document.download"
    assert last.detail["sha256"] == version.sha256


def test_altered_bytes_are_refused_before_a_single_byte_is_handed_out(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    data = make_pdf(2)
    document_id, key = add(archive, user, new_dossier(archive, user), data)
    altered = flipped(data)
    tamper(backend, key, altered)

    _, _, verified = document_service.open_content(archive, archive.actor(user), document_id)
    with pytest.raises(IntegrityFailure) as caught:
        verified.stream()  # the first chunk is checked here: nothing was sent
    err = caught.value
    assert err.code == "checksum_mismatch"
    assert err.details == {"storage_key": key, "chunk": 0}
    assert err.vi != err.en

    with archive.db.read() as conn:
        failures = [e for e in audit_rows.iter_entries(conn) if e.action == "integrity.failure"]
    assert len(failures) == 1
    assert failures[0].object_id == str(document_id)
    assert failures[0].detail["storage_key"] == key
    assert failures[0].detail["expected_sha256"] == hashlib.sha256(data).hexdigest()
    assert failures[0].detail["actual"] == hashlib.sha256(altered).hexdigest()
    assert failures[0].detail["chunk"] == 0
    assert failures[0].actor == "chuyen_vien"
    with archive.db.read() as conn:
        actions = [e.action for e in audit_rows.iter_entries(conn)]
    assert actions[-2:] == ["document.download", "integrity.failure"]  # the attempt, then why
    assert trail.verify(archive).intact


def test_no_byte_is_handed_out_unless_its_download_is_on_record(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit entry is written while the first chunk is read: if it cannot be written,
    the stream is refused and the store's connection or file is given back."""
    archive = backend.archive
    user = official(archive)
    data = make_pdf(2)
    document_id, _ = add(archive, user, new_dossier(archive, user), data)
    _, _, verified = document_service.open_content(archive, archive.actor(user), document_id)
    appended = audit_rows.append

    def trail_unwritable(conn: object, **entry: object) -> None:
        if entry["action"] == "document.download":
            raise OSError("the audit trail cannot be written")
        appended(conn, **entry)  # type: ignore[arg-type]

    monkeypatch.setattr(audit_rows, "append", trail_unwritable)
    fds_before = len(os.listdir("/proc/self/fd"))
    refusals = []  # kept, with their tracebacks: nothing is closed by being forgotten
    for _ in range(20):
        with pytest.raises(OSError, match="audit trail") as caught:
            verified.stream()
        refusals.append(caught.value)
    assert len(os.listdir("/proc/self/fd")) <= fds_before + 1
    with archive.db.read() as conn:
        actions = [e.action for e in audit_rows.iter_entries(conn)]
    assert "document.download" not in actions
    monkeypatch.setattr(audit_rows, "append", appended)
    assert b"".join(verified.stream()) == data  # the store still serves: nothing was held


def test_a_bad_chunk_later_in_the_file_ends_the_stream_before_it(backend: Backend) -> None:
    """A 10 MiB original with one byte flipped in its third 4 MiB chunk: the first two
    chunks (already checked) are handed out, the third never is."""
    archive = backend.archive
    user = official(archive)
    data = make_pdf(1) + b"%" + bytes(range(256)) * (10 * 4096) + b"\n%%EOF\n"
    document_id, key = add(archive, user, new_dossier(archive, user), data)
    damaged = bytearray(data)
    damaged[9 * 1024 * 1024] ^= 0xFF
    tamper(backend, key, bytes(damaged))
    _, _, verified = document_service.open_content(archive, archive.actor(user), document_id)
    received: list[bytes] = []
    with pytest.raises(IntegrityFailure) as caught:
        for chunk in verified.stream():
            received.append(chunk)
    assert caught.value.details["chunk"] == 2
    assert b"".join(received) == data[: 8 * 1024 * 1024]  # exactly the verified chunks
    # A range that avoids the damaged chunk is served; one that touches it is not.
    assert b"".join(verified.stream(100, 5_000_000)) == data[100:5_000_000]
    with pytest.raises(IntegrityFailure):
        b"".join(verified.stream(8 * 1024 * 1024 + 5, 8 * 1024 * 1024 + 10))


def test_verified_download_of_a_truncated_object_fails(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    data = make_pdf(2)
    document_id, key = add(archive, user, new_dossier(archive, user), data)
    tamper(backend, key, data[: len(data) // 2])
    _, _, verified = document_service.open_content(archive, archive.actor(user), document_id)
    with pytest.raises(IntegrityFailure):
        verified.stream()


def test_download_of_a_missing_object_is_recorded_as_integrity_failure(
    backend: Backend,
) -> None:
    archive = backend.archive
    user = official(archive)
    document_id, key = add(archive, user, new_dossier(archive, user), make_pdf(1))
    destroy(backend, key)
    _, _, verified = document_service.open_content(archive, archive.actor(user), document_id)
    with pytest.raises(IntegrityFailure) as caught:
        verified.stream()
    assert caught.value.code == "object_missing"
    with archive.db.read() as conn:
        failures = [e for e in audit_rows.iter_entries(conn) if e.action == "integrity.failure"]
    assert len(failures) == 1
    assert failures[0].detail["storage_key"] == key


def test_older_version_stays_downloadable_byte_for_byte(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    first, second = make_pdf(1), make_pdf(2)
    document_id, first_key = add(archive, user, new_dossier(archive, user), first)
    actor = archive.actor(user)
    updated = document_service.add_version(archive, actor, document_id, received(archive, second))
    assert updated.current.version == 2 and updated.page_count == 2
    _, v1, verified = document_service.open_content(archive, actor, document_id, version=1)
    assert v1.storage_key == first_key and b"".join(verified.stream()) == first
    _, v2, verified = document_service.open_content(archive, actor, document_id)
    assert v2.version == 2 and b"".join(verified.stream()) == second
    report = fixity.run(archive)
    assert (report.checked, report.ok) == (2, 2)


def test_fixity_runs_in_resumable_batches_and_names_documents(backend: Backend) -> None:
    """A run goes in batches (here: one object each, as if each batch ran out of time);
    each batch resumes where the last one stopped, as a redelivered job of a dead worker
    does, and no object is checked twice. What failed is named by document and dossier."""
    archive = backend.archive
    user = official(archive)
    dossier_id = new_dossier(archive, user, "Hồ sơ kiểm tra định kỳ")
    datas = [make_pdf(n) for n in (1, 2, 3, 4)]
    added = [add(archive, user, dossier_id, data) for data in datas]
    tamper(backend, added[2][1], flipped(datas[2]))
    run_id = fixity.start(archive, requested_by="test")
    assert fixity.unfinished(archive) == run_id
    seen: list[int] = []
    for expected in (1, 2, 3, 4):
        report = fixity.run_batch(archive, run_id, seconds=0)
        seen.append(report.checked)
        assert report.checked == expected and not report.finished
    final = fixity.run_batch(archive, run_id, seconds=0)
    assert final.finished and final.checked == 4 and final.total == 4
    assert fixity.unfinished(archive) is None
    assert len(checks_of(archive, run_id)) == 4  # each object once
    (problem,) = final.problems
    assert problem.status == "mismatch" and problem.storage_key == added[2][1]
    (holder,) = problem.holders
    assert holder.document_id == added[2][0] and holder.version == 1
    assert holder.dossier_id == dossier_id and holder.dossier_code.startswith("XLVPHC-2024-")
    assert holder.dossier_code in problem.describe()
    (entry,) = fixity_entries(archive)
    assert entry.detail["documents"][0]["documents"][0]["dossier_code"] == holder.dossier_code
