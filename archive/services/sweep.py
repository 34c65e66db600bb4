"""Removing stored objects that no row points at, once they are older than a grace period.

Such objects are what a crash between storing bytes and committing their row leaves
behind. The grace period keeps the sweep away from uploads still in flight.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from archive.metadata import audit, locks
from archive.metadata import documents as document_rows
from archive.services.context import Archive

SPOOL_MIN_AGE = timedelta(hours=24)


@dataclass
class SweepReport:
    removed: list[str] = field(default_factory=list)
    kept_young: int = 0
    stale_uploads: int = 0
    refused: list[str] = field(default_factory=list)


def run(archive: Archive, *, grace: timedelta | None = None) -> SweepReport:
    grace = grace if grace is not None else timedelta(hours=archive.settings.orphan_grace_hours)
    cutoff = datetime.now(UTC) - grace
    report = SweepReport()
    # List the store first, then read the referenced keys: an upload committed in between
    # is then seen as referenced, never as an orphan.
    listed = list(archive.store.iter_objects())
    with archive.db.read() as conn:
        referenced = document_rows.referenced_keys(conn)
    for obj in listed:
        if obj.key in referenced:
            continue
        if obj.modified > cutoff:
            report.kept_young += 1
            continue
        with archive.db.write() as conn:
            # Under the key lock an upload's commit takes too: either its row is visible
            # here, or it will find the object gone and store it again from its spool.
            locks.lock_object_key(conn, obj.key)
            if document_rows.is_referenced(conn, obj.key):
                continue
            try:
                archive.store.delete(obj.key)
            except Exception as exc:  # WORM-locked orphans cannot go before their date
                report.refused.append(f"{obj.key}: {exc}")
                continue
        report.removed.append(obj.key)
    incoming = archive.incoming_dir
    if incoming.is_dir():
        # A spool file may belong to an upload still arriving over a slow line: only what
        # a crash left behind a day ago (or the grace, if longer) is taken away.
        limit = time.time() - max(grace, SPOOL_MIN_AGE).total_seconds()
        for partial in incoming.glob("upload-*.part"):
            if partial.stat().st_mtime < limit:
                partial.unlink(missing_ok=True)
                report.stale_uploads += 1
    if report.removed or report.stale_uploads:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=None,
                actor="system",
                action="storage.sweep",
                object_type="storage",
                object_id="orphans",
                detail={"removed": report.removed[:100], "stale_uploads": report.stale_uploads},
            )
    return report
