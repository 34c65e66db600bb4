"""Cleaning what crashes and killed uploads leave behind, and locking what they left open.

* Objects no row points at (a crash between storing bytes and committing their row),
  older than a grace period, are removed — every stored version of them, not merely
  hidden behind a delete marker, unless retention still protects them.
* Multipart uploads a killed upload left open in the bucket are aborted.
* Spool files of killed uploads are removed from this node's incoming folder.
* Originals committed without confirmed retention (a crash between commit and lock) are
  locked now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from archive.metadata import audit, locks
from archive.metadata import documents as document_rows
from archive.services import spool, versions
from archive.services.context import Archive


@dataclass
class SweepReport:
    removed: list[str] = field(default_factory=list)
    kept_young: int = 0
    stale_uploads: int = 0  # spool files of killed uploads
    aborted_multipart: int = 0
    protected: int = 0
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
            except PermissionError as exc:  # WORM-locked orphans cannot go before their date
                report.refused.append(f"{obj.key}: {exc.strerror or exc}")
                continue
        report.removed.append(obj.key)
    report.aborted_multipart = archive.store.abort_stale_uploads(cutoff)
    report.stale_uploads = spool.remove_abandoned(
        archive.incoming_dir,
        older_than_seconds=timedelta(hours=archive.settings.spool_grace_hours).total_seconds(),
    )
    report.protected, _pending = versions.protect_pending(archive)
    if report.removed or report.stale_uploads or report.aborted_multipart:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=None,
                actor="system",
                action="storage.sweep",
                object_type="storage",
                object_id="orphans",
                detail={
                    "removed": report.removed[:100],
                    "stale_uploads": report.stale_uploads,
                    "aborted_multipart": report.aborted_multipart,
                },
            )
    return report
