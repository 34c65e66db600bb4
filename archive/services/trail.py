"""Checking the audit trail's hash chain from first entry to the recorded head."""

from __future__ import annotations

from archive.domain.audit import ChainReport, verify_chain
from archive.metadata import audit
from archive.services.context import Archive


def verify(archive: Archive) -> ChainReport:
    # One snapshot for the head and every entry: appends made meanwhile are not half-seen.
    with archive.db.snapshot() as conn:
        head_seq, head_hash = audit.head(conn)
        return verify_chain(audit.iter_entries(conn), head_seq=head_seq, head_hash=head_hash)
