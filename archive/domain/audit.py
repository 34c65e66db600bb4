"""The audit trail's hash chain: each entry's hash covers its content and the previous hash.

Editing an entry changes its hash; inserting or deleting one breaks the link to its
neighbour or the unbroken sequence of numbers. ``verify_chain`` names the first entry
where the chain no longer holds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str
    unit_id: int | None
    detail: Mapping[str, object]
    prev_hash: str
    hash: str

    def computed_hash(self) -> str:
        """What ``hash`` must be for this content and link; differs once either changed."""
        return entry_hash(
            seq=self.seq,
            at=self.at,
            actor_id=self.actor_id,
            actor=self.actor,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            unit_id=self.unit_id,
            detail=self.detail,
            prev_hash=self.prev_hash,
        )


def _utc(at: datetime) -> str:
    # SQLite hands datetimes back without a zone; every stored time is UTC.
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    unit_id: int | None,
    detail: Mapping[str, object],
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        [seq, _utc(at), actor_id, actor, action, object_type, object_id, unit_id, detail],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    head_hash: str
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(
    entries: Iterable[AuditEntry], *, head_seq: int | None = None, head_hash: str | None = None
) -> ChainReport:
    """Walk the chain in sequence order; ``head_*`` is the separately kept latest link."""
    problems: list[str] = []
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            problems.append(
                f"entry {entry.seq}: expected number {expected_seq} (entries deleted or inserted)"
            )
        if entry.prev_hash != prev_hash:
            problems.append(f"entry {entry.seq}: does not link to the entry before it")
        if entry.computed_hash() != entry.hash:
            problems.append(f"entry {entry.seq}: content changed after it was written")
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
    if head_seq is not None and head_seq != expected_seq - 1:
        problems.append(
            f"the trail ends at entry {expected_seq - 1} but its head says {head_seq} "
            "(entries deleted from the end)"
        )
    if head_hash is not None and head_hash != prev_hash:
        problems.append("the last entry does not match the recorded head of the trail")
    return ChainReport(entries=count, head_hash=prev_hash, problems=tuple(problems))
