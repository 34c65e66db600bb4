"""Proving the audit trail unbroken: the chain itself, its head, and checkpoints kept apart.

Someone able to rewrite the whole database could recompute every hash and the head. So
the head is copied, periodically, into the object store as a checkpoint (under WORM
retention when object lock is on): its number and hash are in the key's name, so
verification lists them instead of reading each one. ``verify`` checks the chain against
every checkpoint, and against a head hash kept elsewhere (``expect_head``) if given.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from archive.domain.audit import AuditEntry, ChainReport, verify_chain
from archive.metadata import audit
from archive.services.context import Archive

log = logging.getLogger(__name__)

CHECKPOINTS = "audit-checkpoints/"
_KEY = re.compile(r"(\d{12})-([0-9a-f]{64})\.json$")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str
    key: str


def checkpoint_key(seq: int, head_hash: str) -> str:
    return f"{CHECKPOINTS}{seq:012d}-{head_hash}.json"


def checkpoints(archive: Archive) -> list[Checkpoint]:
    found = []
    for key in archive.store.iter_keys(CHECKPOINTS):
        match = _KEY.search(key)
        if match:
            found.append(Checkpoint(int(match.group(1)), match.group(2), key))
    return sorted(found, key=lambda c: c.seq)


def write_checkpoint(archive: Archive) -> Checkpoint | None:
    """Copy the current head into the object store; None if it is already there."""
    with archive.db.read() as conn:
        seq, head_hash = audit.head(conn)
    if seq == 0:
        return None
    key = checkpoint_key(seq, head_hash)
    if archive.store.exists(key):
        return None
    body = {
        "seq": seq,
        "hash": head_hash,
        "written_at": datetime.now(UTC).isoformat(),
        "note": "Head of the archive's audit trail; `archive audit verify` checks the chain "
        "against it.",
    }
    archive.store.put_bytes(key, json.dumps(body, indent=1).encode())
    archive.store.protect(key)
    log.info("audit checkpoint %s", key)
    return Checkpoint(seq, head_hash, key)


def verify(archive: Archive, *, expect_head: str | None = None) -> ChainReport:
    kept = {c.seq: c.hash for c in checkpoints(archive)}
    wanted = expect_head.lower() if expect_head else None
    found_at: list[int] = []

    def watched(entries: Iterator[AuditEntry]) -> Iterator[AuditEntry]:
        for entry in entries:
            if entry.hash == wanted:
                found_at.append(entry.seq)
            yield entry

    # One snapshot for the head and every entry: appends made meanwhile are not half-seen.
    with archive.db.snapshot() as conn:
        head_seq, head_hash = audit.head(conn)
        report = verify_chain(
            watched(audit.iter_entries(conn)),
            head_seq=head_seq,
            head_hash=head_hash,
            checkpoints=kept,
        )
    if wanted and not found_at:
        report = replace(
            report,
            problems=(
                *report.problems,
                f"the head hash kept elsewhere ({wanted[:16]}…) is not in the trail: the "
                "entries it sealed were changed or removed",
            ),
        )
    return report
