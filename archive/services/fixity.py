"""Proving stored bytes unchanged: re-hash every object against its ingest checksum.

Every check is logged (``fixity_checks``) and each run leaves one audit entry, so an
auditor can see when the collection was last proven intact and what failed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert

from archive.metadata import audit
from archive.metadata import documents as document_rows
from archive.metadata.schema import fixity_checks
from archive.services.context import Archive


@dataclass
class FixityReport:
    run_id: str
    checked: int = 0
    ok: int = 0
    mismatched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    bytes_read: int = 0

    @property
    def intact(self) -> bool:
        return not self.mismatched and not self.missing


def _hash_object(archive: Archive, key: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in archive.store.read(key):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def run(archive: Archive, *, progress: Callable[[int, int], None] | None = None) -> FixityReport:
    report = FixityReport(run_id=secrets.token_hex(8))
    with archive.db.read() as conn:
        objects = document_rows.stored_versions(conn)
    rows: list[dict[str, object]] = []

    def flush() -> None:
        if rows:
            with archive.db.write() as conn:
                conn.execute(insert(fixity_checks), rows)
            rows.clear()

    for index, (key, expected, size) in enumerate(objects, 1):
        try:
            actual, actual_size = _hash_object(archive, key)
        except FileNotFoundError:
            actual, actual_size, status = None, 0, "missing"
            report.missing.append(key)
        else:
            report.bytes_read += actual_size
            if actual == expected and actual_size == size:
                status = "ok"
                report.ok += 1
            else:
                status = "mismatch"
                report.mismatched.append(key)
        report.checked += 1
        rows.append(
            {
                "run_id": report.run_id,
                "checked_at": datetime.now(UTC),
                "storage_key": key,
                "expected_sha256": expected,
                "actual_sha256": actual,
                "status": status,
            }
        )
        if len(rows) >= 500:
            flush()
        if progress:
            progress(index, len(objects))
    flush()
    with archive.db.write() as conn:
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
            },
        )
    return report
