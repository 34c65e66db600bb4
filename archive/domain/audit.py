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
    broken: int = 0  # entries that fail a check (their own hash, link or number)
    first_break: int | None = None  # number of the first entry that fails
    checkpoints: int = 0  # head checkpoints the chain was checked against

    @property
    def intact(self) -> bool:
        return not self.problems


MAX_RUNS = 10  # separate breaks named one by one; beyond that, only counted


@dataclass(slots=True)
class _Run:
    """Consecutive broken entries: named once, by the first."""

    first: int
    what: str
    length: int
    last_position: int


def _what(entry: AuditEntry, expected_seq: int, prev_hash: str) -> str:
    if entry.seq != expected_seq:
        return f"expected number {expected_seq} (entries deleted or inserted)"
    if entry.prev_hash != prev_hash:
        return "does not link to the entry before it"
    return "content changed after it was written"


def verify_chain(
    entries: Iterable[AuditEntry],
    *,
    head_seq: int | None = None,
    head_hash: str | None = None,
    checkpoints: Mapping[int, str] | None = None,
) -> ChainReport:
    """Walk the chain in sequence order and report where it stops holding.

    ``head_*`` is the separately kept latest link; ``checkpoints`` (number → hash) are
    heads copied earlier into WORM storage, which someone able to rewrite the whole
    database (head included) cannot change. Each run of consecutive broken entries is
    named once, by its first entry, with how many entries it spans: one entry inserted
    early renumbers every later one, and that is one break, not hundreds.
    """
    problems: list[str] = []
    runs: list[_Run] = []
    prev_hash = GENESIS
    expected_seq = 1
    count = broken = 0
    beyond: list[int] = []
    at_head: str | None = None  # the hash of the entry the head names
    pending = dict(checkpoints or {})
    for entry in entries:
        count += 1
        if head_seq is not None and entry.seq > head_seq:
            beyond.append(entry.seq)
        if entry.seq == head_seq:
            at_head = entry.hash
        if (
            entry.seq != expected_seq
            or entry.prev_hash != prev_hash
            or entry.computed_hash() != entry.hash
        ):
            broken += 1
            if runs and runs[-1].last_position == count - 1:
                runs[-1].length += 1
                runs[-1].last_position = count
            else:
                runs.append(_Run(entry.seq, _what(entry, expected_seq, prev_hash), 1, count))
        kept = pending.pop(entry.seq, None)
        if kept is not None and kept != entry.hash:
            problems.append(
                f"entry {entry.seq}: differs from the checkpoint kept in the object store "
                "(the trail up to it was rewritten)"
            )
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
    for run in runs[:MAX_RUNS]:
        more = f" — and the {run.length - 1} entries after it" if run.length > 1 else ""
        problems.append(f"entry {run.first}: {run.what}{more}")
    if len(runs) > MAX_RUNS:
        problems.append(f"… {len(runs) - MAX_RUNS} more separate breaks")
    if broken:
        problems.append(f"{broken} of {count} entries do not check")
    if beyond:
        problems.append(
            f"{len(beyond)} entries (numbers {beyond[0]}–{beyond[-1]}) come after the recorded "
            f"head {head_seq}: appended without moving the head"
        )
    last_seq = expected_seq - 1
    if head_seq is not None and head_seq > last_seq:
        problems.append(
            f"the trail ends at entry {last_seq} but its head says {head_seq} "
            "(entries deleted from the end)"
        )
    if head_hash is not None:
        named = at_head if beyond else prev_hash
        if named is not None and named != head_hash:
            problems.append("the last entry does not match the recorded head of the trail")
    for seq in sorted(pending):
        problems.append(
            f"the checkpoint of entry {seq} in the object store has no entry in the trail "
            "(entries deleted)"
        )
    return ChainReport(
        entries=count,
        head_hash=prev_hash,
        problems=tuple(problems),
        broken=broken,
        first_break=runs[0].first if runs else None,
        checkpoints=len(checkpoints or {}),
    )
