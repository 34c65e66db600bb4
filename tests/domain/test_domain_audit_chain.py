"""The audit trail's hash chain: every kind of tampering is named, an intact chain passes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

from archive.domain.audit import GENESIS, AuditEntry, entry_hash, verify_chain

START = datetime(2024, 5, 26, 1, 2, 3, 456789, tzinfo=UTC)


def _hashed(entry: AuditEntry) -> AuditEntry:
    return dataclasses.replace(entry, hash=entry.computed_hash())


def chain(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, count + 1):
        entry = _hashed(
            AuditEntry(
                seq=seq,
                at=START + timedelta(seconds=seq),
                actor_id=seq % 3 or None,
                actor=f"nguoi_dung_{seq}",
                action="dossier.read",
                object_type="dossier",
                object_id=str(100 + seq),
                unit_id=seq % 2 or None,
                detail={"ghi_chú": f"Đọc hồ sơ {seq}", "n": seq},
                prev_hash=prev,
                hash="",
            )
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def relink(entries: list[AuditEntry], start: int = 0) -> list[AuditEntry]:
    """Recompute links and hashes from ``start`` on, as a careful forger would."""
    out = list(entries[:start])
    prev = out[-1].hash if out else GENESIS
    for entry in entries[start:]:
        fixed = _hashed(dataclasses.replace(entry, prev_hash=prev))
        out.append(fixed)
        prev = fixed.hash
    return out


def test_intact_chain_passes() -> None:
    entries = chain(6)
    report = verify_chain(entries, head_seq=6, head_hash=entries[-1].hash)
    assert report.intact
    assert report.problems == ()
    assert report.entries == 6
    assert report.head_hash == entries[-1].hash


def test_empty_chain_is_intact_at_genesis() -> None:
    report = verify_chain([], head_seq=0, head_hash=GENESIS)
    assert report.intact and report.entries == 0 and report.head_hash == GENESIS
    emptied = verify_chain([], head_seq=3)
    assert not emptied.intact


def test_edited_entry_is_named() -> None:
    entries = chain(5)
    entries[2] = dataclasses.replace(entries[2], detail={"ghi_chú": "sửa", "n": 3})
    report = verify_chain(entries, head_seq=5, head_hash=entries[-1].hash)
    assert not report.intact
    assert any(p.startswith("entry 3:") and "changed" in p for p in report.problems)
    assert not any(
        p.startswith(("entry 1:", "entry 2:", "entry 4:", "entry 5:")) for p in report.problems
    )


def test_each_field_is_covered_by_the_hash() -> None:
    changes = {
        "at": START + timedelta(microseconds=1),
        "actor_id": 77,
        "actor": "ke_gian",
        "action": "dossier.delete",
        "object_type": "document",
        "object_id": "999",
        "unit_id": 42,
        "detail": {},
    }
    for name, value in changes.items():
        entries = chain(3)
        entries[1] = dataclasses.replace(entries[1], **{name: value})
        report = verify_chain(entries)
        assert any(p.startswith("entry 2:") for p in report.problems), name


def test_inserted_entry_is_found() -> None:
    entries = chain(5)
    forged = _hashed(
        dataclasses.replace(entries[2], seq=3, actor="ke_gian", prev_hash=entries[1].hash)
    )
    tampered = [*entries[:2], forged, *entries[2:]]
    report = verify_chain(tampered, head_seq=5, head_hash=entries[-1].hash)
    assert not report.intact
    assert report.entries == 6
    # One break named once: the entry after the forgery, and the entries after it.
    assert report.first_break == 3
    assert any("entry 3" in p and "expected number 4" in p for p in report.problems)
    assert len([p for p in report.problems if p.startswith("entry ")]) == 1


def test_inserted_and_fully_rehashed_entry_is_caught_by_the_head() -> None:
    entries = chain(5)
    forged = dataclasses.replace(entries[2], actor="ke_gian")
    renumbered = [
        dataclasses.replace(e, seq=i) for i, e in enumerate([*entries[:2], forged, *entries[2:]], 1)
    ]
    rewritten = relink(renumbered, 2)
    # Without the separately kept head the forgery would pass; with it, it cannot.
    assert verify_chain(rewritten).intact
    report = verify_chain(rewritten, head_seq=5, head_hash=entries[-1].hash)
    assert not report.intact
    assert any("after the recorded head 5" in p for p in report.problems)
    assert any("does not match the recorded head" in p for p in report.problems)


def test_deleted_middle_entry_is_named() -> None:
    entries = chain(5)
    del entries[2]  # entry 3
    report = verify_chain(entries, head_seq=5, head_hash=entries[-1].hash)
    assert not report.intact
    assert any(p.startswith("entry 4:") and "expected number 3" in p for p in report.problems)
    assert report.broken == 1 and report.first_break == 4


def test_deleted_tail_is_caught_by_head_seq() -> None:
    entries = chain(5)
    full_head = entries[-1].hash
    cut = entries[:-2]
    # The chain itself still links: only the head tells that entries 4 and 5 were removed.
    assert verify_chain(cut).intact
    report = verify_chain(cut, head_seq=5)
    assert not report.intact
    assert any("ends at entry 3" in p and "head says 5" in p for p in report.problems)
    report = verify_chain(cut, head_seq=5, head_hash=full_head)
    assert len(report.problems) == 2


def test_broken_link_is_named() -> None:
    entries = chain(4)
    entries[2] = _hashed(dataclasses.replace(entries[2], prev_hash="f" * 64))
    report = verify_chain(entries, head_seq=4)
    problems = report.problems
    # Entry 3's own link is broken, and entry 4 pointed at entry 3's old hash: one run of
    # two broken entries, named once by its first.
    assert any(
        p.startswith("entry 3:") and "does not link" in p and "1 entries after it" in p
        for p in problems
    )
    assert not any("changed" in p for p in problems)  # its own hash was recomputed
    assert report.broken == 2
    assert not any(p.startswith(("entry 1:", "entry 2:", "entry 4:")) for p in problems)


def test_first_entry_must_link_to_genesis() -> None:
    entries = relink(chain(3))
    entries[0] = _hashed(dataclasses.replace(entries[0], prev_hash="1" * 64))
    entries = relink(entries, 1)
    report = verify_chain(entries)
    assert any(p.startswith("entry 1:") and "does not link" in p for p in report.problems)


def test_hash_is_about_the_instant_not_its_zone() -> None:
    fields = {
        "seq": 1,
        "actor_id": 1,
        "actor": "a",
        "action": "x",
        "object_type": "dossier",
        "object_id": "1",
        "unit_id": None,
        "detail": {"b": 1, "a": "Đ"},
        "prev_hash": GENESIS,
    }
    utc = entry_hash(at=START, **fields)  # type: ignore[arg-type]
    naive = entry_hash(at=START.replace(tzinfo=None), **fields)  # type: ignore[arg-type]
    hanoi = entry_hash(  # type: ignore[arg-type]
        at=START.astimezone(timezone(timedelta(hours=7))), **fields
    )
    assert utc == naive == hanoi
    reordered = entry_hash(  # type: ignore[arg-type]
        at=START, **{**fields, "detail": {"a": "Đ", "b": 1}}
    )
    assert reordered == utc
    assert entry_hash(at=START + timedelta(microseconds=1), **fields) != utc  # type: ignore[arg-type]


def test_one_early_insertion_is_one_break_not_hundreds() -> None:
    """Inserting one entry early and renumbering the rest breaks every later hash: that is
    reported as one break (its first entry) with a count, not a line per entry."""
    entries = chain(300)
    forged = dataclasses.replace(entries[4], actor="ke_gian")
    renumbered = [
        dataclasses.replace(e, seq=i) for i, e in enumerate([*entries[:5], forged, *entries[5:]], 1)
    ]
    report = verify_chain(renumbered, head_seq=300, head_hash=entries[-1].hash)
    lines = [p for p in report.problems if p.startswith("entry ")]
    assert len(lines) == 1 and lines[0].startswith("entry 6:")
    assert report.first_break == 6
    assert report.broken == 296  # entries 6..301 (number 301 beyond the head too)
    assert len(report.problems) <= 5


def test_separate_breaks_are_each_named() -> None:
    entries = chain(10)
    for index in (2, 7):
        entries[index] = dataclasses.replace(entries[index], detail={"sửa": index})
    report = verify_chain(entries, head_seq=10, head_hash=entries[-1].hash)
    lines = [p for p in report.problems if p.startswith("entry ")]
    assert [line.split(":")[0] for line in lines] == ["entry 3", "entry 8"]
    assert all("changed" in line for line in lines)


def test_entries_appended_without_moving_the_head_are_named_as_such() -> None:
    entries = chain(6)
    report = verify_chain(entries, head_seq=4, head_hash=entries[3].hash)
    assert not report.intact
    assert any("numbers 5–6" in p and "without moving the head" in p for p in report.problems)
    assert report.broken == 0  # they link well: it is the head that was left behind


def test_a_rewritten_trail_is_caught_by_a_checkpoint_kept_elsewhere() -> None:
    """Someone able to rewrite the whole database recomputes every hash and the head; the
    checkpoint copied earlier into WORM storage still differs."""
    entries = chain(6)
    kept = {4: entries[3].hash}
    forged = relink(
        [*entries[:2], dataclasses.replace(entries[2], actor="ke_gian"), *entries[3:]], 2
    )
    report = verify_chain(forged, head_seq=6, head_hash=forged[-1].hash)
    assert report.intact  # chain and head agree: without the checkpoint, unseen
    report = verify_chain(forged, head_seq=6, head_hash=forged[-1].hash, checkpoints=kept)
    assert not report.intact
    assert any(p.startswith("entry 4:") and "checkpoint" in p for p in report.problems)
    gone = verify_chain(entries[:3], head_seq=3, head_hash=entries[2].hash, checkpoints=kept)
    assert any("checkpoint of entry 4" in p for p in gone.problems)
