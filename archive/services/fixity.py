"""Proving stored bytes unchanged: re-hash every object against its ingest checksum.

A run goes through the referenced objects in key order, in batches that each end within
``ARCHIVE_FIXITY_BATCH_SECONDS`` (well inside the queue's visibility timeout, so a long
run is never handed to a second worker). Each check is logged in ``fixity_checks`` and
the run's position is committed with it, so a run whose worker died resumes where it
stopped. On the way, retention is re-applied to every original (a crash between commit
and lock must not leave one unlocked) and missing chunk digests are recorded. A finished
run leaves one audit entry naming what failed by document and dossier, not only by key.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from archive.metadata import audit
from archive.metadata import documents as document_rows
from archive.metadata.schema import fixity_checks, fixity_runs
from archive.services import content
from archive.services.context import Archive
from archive.storage import VERIFY_CHUNK

PAGE = 100  # objects read from the database at a time
Progress = Callable[[int, int], None]


@dataclass
class Problem:
    storage_key: str
    status: str  # mismatch | missing
    holders: list[document_rows.Holder] = field(default_factory=list)

    def describe(self) -> str:
        where = (
            ", ".join(
                f"tài liệu · document {h.document_id} v{h.version} "
                f"(hồ sơ · dossier {h.dossier_code})"
                for h in self.holders
            )
            or "no document"
        )
        return f"{self.storage_key}: {where}"


@dataclass
class FixityReport:
    run_id: str
    total: int = 0
    checked: int = 0
    ok: int = 0
    bytes_read: int = 0
    finished: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def mismatched(self) -> list[str]:
        return [p.storage_key for p in self.problems if p.status == "mismatch"]

    @property
    def missing(self) -> list[str]:
        return [p.storage_key for p in self.problems if p.status == "missing"]

    @property
    def intact(self) -> bool:
        return not self.problems


def start(archive: Archive, *, requested_by: str = "system") -> str:
    """Open a new run over every object referenced now."""
    run_id = secrets.token_hex(8)
    with archive.db.write() as conn:
        total = document_rows.count_stored_objects(conn)
        conn.execute(
            insert(fixity_runs).values(
                id=run_id,
                started_at=datetime.now(UTC),
                position=None,
                total=total,
                checked=0,
                ok=0,
                mismatched=0,
                missing=0,
                bytes_read=0,
                requested_by=requested_by,
            )
        )
    return run_id


def unfinished(archive: Archive) -> str | None:
    """The oldest run a dead worker left unfinished, to resume before starting another."""
    with archive.db.read() as conn:
        return conn.execute(
            select(fixity_runs.c.id)
            .where(fixity_runs.c.finished_at.is_(None))
            .order_by(fixity_runs.c.started_at)
            .limit(1)
        ).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class _Checked:
    status: str  # ok | mismatch | missing
    actual: str | None  # the SHA-256 found
    size: int  # bytes read
    digests: document_rows.ChunkDigests | None = None  # of an intact object
    original: bool = False  # an intact document version (not a derivative): locked now


def _check(archive: Archive, obj: document_rows.StoredObject) -> _Checked:
    try:
        hasher = content.hash_stored(archive, obj.storage_key)
    except FileNotFoundError:
        return _Checked("missing", None, 0)
    actual = hasher.hexdigest()
    if actual != obj.sha256 or hasher.size != obj.size:
        return _Checked("mismatch", actual, hasher.size)
    digests = document_rows.ChunkDigests(
        obj.storage_key, obj.size, VERIFY_CHUNK, hasher.chunk_digests()
    )
    with archive.db.read() as conn:
        original = document_rows.is_version_key(conn, obj.storage_key)
    if original:
        # Every intact original is (re-)locked: idempotent, and the only way to be sure no
        # committed object stayed unlocked after a crash between its commit and its lock.
        archive.store.protect(obj.storage_key)
    return _Checked("ok", actual, hasher.size, digests, original)


def run_batch(
    archive: Archive, run_id: str, *, seconds: float, progress: Progress | None = None
) -> FixityReport:
    """Check objects after the run's position until ``seconds`` have passed or none are
    left; commit the position with each check."""
    deadline = time.monotonic() + seconds
    with archive.db.read() as conn:
        row = conn.execute(select(fixity_runs).where(fixity_runs.c.id == run_id)).one()
    position = row.position
    report = FixityReport(
        run_id=run_id,
        total=int(row.total),
        checked=int(row.checked),
        ok=int(row.ok),
        bytes_read=int(row.bytes_read),
        finished=row.finished_at is not None,
    )
    while not report.finished:  # at least one object per batch, however short the time
        with archive.db.read() as conn:
            page = document_rows.stored_objects(conn, after=position, limit=PAGE)
        if not page:
            _finish(archive, report)  # which lists the problems
            return report
        for obj in page:
            checked = _check(archive, obj)
            status = checked.status
            report.checked += 1
            report.bytes_read += checked.size
            report.ok += int(status == "ok")
            position = obj.storage_key
            with archive.db.write() as conn:
                if checked.digests is not None:  # kept once per key; later runs change nothing
                    document_rows.save_chunk_digests(conn, checked.digests)
                if checked.original:
                    document_rows.mark_protected(conn, obj.storage_key)
                conn.execute(
                    insert(fixity_checks).values(
                        run_id=run_id,
                        checked_at=datetime.now(UTC),
                        storage_key=obj.storage_key,
                        expected_sha256=obj.sha256,
                        actual_sha256=checked.actual,
                        status=status,
                    )
                )
                conn.execute(
                    update(fixity_runs)
                    .where(fixity_runs.c.id == run_id)
                    .values(
                        position=position,
                        checked=report.checked,
                        ok=report.ok,
                        mismatched=fixity_runs.c.mismatched + int(status == "mismatch"),
                        missing=fixity_runs.c.missing + int(status == "missing"),
                        bytes_read=report.bytes_read,
                    )
                )
            if progress:
                progress(report.checked, max(report.total, report.checked))
            if time.monotonic() >= deadline:
                break
        if time.monotonic() >= deadline:
            break
    report.problems = _problems(archive, run_id)
    return report


def _problems(archive: Archive, run_id: str) -> list[Problem]:
    with archive.db.read() as conn:
        rows = conn.execute(
            select(fixity_checks.c.storage_key, fixity_checks.c.status)
            .where(fixity_checks.c.run_id == run_id, fixity_checks.c.status != "ok")
            .order_by(fixity_checks.c.id)
        ).all()
        owners = document_rows.holders(conn, [r.storage_key for r in rows])
    return [Problem(r.storage_key, r.status, owners.get(r.storage_key, [])) for r in rows]


def _finish(archive: Archive, report: FixityReport) -> None:
    report.finished = True
    report.problems = _problems(archive, report.run_id)
    with archive.db.write() as conn:
        conn.execute(
            update(fixity_runs)
            .where(fixity_runs.c.id == report.run_id, fixity_runs.c.finished_at.is_(None))
            .values(finished_at=datetime.now(UTC))
        )
        audit.append(
            conn,
            actor_id=None,
            actor="system",
            action="fixity.run",
            object_type="storage",
            object_id=report.run_id,
            detail={
                "checked": report.checked,
                "ok": report.ok,
                "mismatched": report.mismatched[:100],
                "missing": report.missing[:100],
                "documents": [
                    {
                        "storage_key": p.storage_key,
                        "status": p.status,
                        "documents": [
                            {
                                "document_id": h.document_id,
                                "version": h.version,
                                "dossier_id": h.dossier_id,
                                "dossier_code": h.dossier_code,
                            }
                            for h in p.holders
                        ],
                    }
                    for p in report.problems[:100]
                ],
            },
        )


def run(
    archive: Archive, *, progress: Progress | None = None, requested_by: str = "system"
) -> FixityReport:
    """A whole run in this process (the command line): every batch, one after another."""
    run_id = start(archive, requested_by=requested_by)
    while True:
        report = run_batch(
            archive, run_id, seconds=archive.settings.fixity_batch_seconds, progress=progress
        )
        if report.finished:
            return report
