"""Tampering with the audit trail through SQL on the real database is found and named."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from sqlalchemy import Connection, text
from support.archives import Backend

from archive.domain.audit import verify_chain
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.metadata import audit as audit_rows
from archive.services import accounts, dossiers, trail
from archive.services.context import Archive

ENTRIES = 6


def fill_trail(archive: Archive) -> None:
    """Six real entries: two units, a dossier opened (and its first stage), read, shared."""
    accounts.create_unit(archive, "ubnd", "UBND thành phố", None, by=None)
    unit = accounts.create_unit(archive, "tu_phap", "Phòng Tư pháp", "ubnd", by=None)
    with archive.db.write() as conn:  # no password hashing: only the actor is needed
        user = account_rows.add_user(
            conn, "chuyen_vien", "Nguyễn Văn Đức", "x", Role.OFFICIAL, unit.id
        )
    actor = archive.actor(user)
    dossier = dossiers.create(
        archive,
        actor,
        dossiers.DossierDraft(
            case_type="xlvphc",
            title="Vi phạm trật tự đô thị",
            field="xay_dung",
            opened_on=date(2024, 5, 26),
            custom={"violation": "Lấn chiếm vỉa hè"},
        ),
    )
    dossiers.fetch(archive, actor, dossier.id)
    dossiers.share(archive, actor, dossier.id, "ubnd")
    report = trail.verify(archive)
    assert report.intact and report.entries == ENTRIES, report
    with archive.db.read() as conn:
        assert audit_rows.head(conn) == (ENTRIES, report.head_hash)


def run_sql(archive: Archive, statement: str, **params: object) -> None:
    with archive.db.engine.connect() as conn, conn.begin():
        result = conn.execute(text(statement), params)
        assert result.rowcount == 1


def json_param(conn: Connection) -> str:
    return "CAST(:detail AS JSON)" if conn.dialect.name == "postgresql" else ":detail"


def test_edited_detail_is_named(backend: Backend) -> None:
    archive = backend.archive
    fill_trail(archive)
    with archive.db.engine.connect() as conn, conn.begin():
        result = conn.execute(
            text(f"UPDATE audit_log SET detail = {json_param(conn)} WHERE seq = 4"),
            {"detail": json.dumps({"code": "XLVPHC-2024-9999", "case_type": "xlvphc"})},
        )
        assert result.rowcount == 1
    run_sql(archive, "UPDATE audit_log SET actor = 'nguoi_khac' WHERE seq = 2")
    report = trail.verify(archive)
    assert not report.intact
    assert report.entries == ENTRIES
    assert any(p.startswith("entry 4:") and "changed" in p for p in report.problems)
    assert any(p.startswith("entry 2:") and "changed" in p for p in report.problems)
    # untouched entries are not blamed
    assert not any(p.startswith(("entry 1:", "entry 3:", "entry 5:")) for p in report.problems)
    assert report.broken == 2 and report.first_break == 2


def test_deleted_middle_entry_is_named(backend: Backend) -> None:
    archive = backend.archive
    fill_trail(archive)
    run_sql(archive, "DELETE FROM audit_log WHERE seq = 3")
    report = trail.verify(archive)
    assert not report.intact
    assert report.entries == ENTRIES - 1
    assert any(p.startswith("entry 4:") and "expected number 3" in p for p in report.problems)


def test_deleted_last_entry_with_head_left_is_found(backend: Backend) -> None:
    archive = backend.archive
    fill_trail(archive)
    run_sql(archive, "DELETE FROM audit_log WHERE seq = :seq", seq=ENTRIES)
    report = trail.verify(archive)
    assert not report.intact
    assert any(
        f"ends at entry {ENTRIES - 1}" in p and f"head says {ENTRIES}" in p for p in report.problems
    )


def test_rewritten_link_stays_found_after_new_entries(backend: Backend) -> None:
    archive = backend.archive
    fill_trail(archive)
    run_sql(archive, "UPDATE audit_log SET prev_hash = :h WHERE seq = 2", h="a" * 64)
    accounts.create_unit(archive, "qldt", "Phòng Quản lý đô thị", "ubnd", by=None)
    report = trail.verify(archive)
    assert report.entries == ENTRIES + 1
    assert any(p.startswith("entry 2:") and "does not link" in p for p in report.problems)
    assert not any(p.startswith(f"entry {ENTRIES + 1}:") for p in report.problems)


def rehash_everything(archive: Archive, change_seq: int) -> None:
    """What someone able to rewrite the whole database does: change one entry, recompute
    every hash after it, and move the head along, so the chain verifies on its own."""
    with archive.db.read() as conn:
        entries = list(audit_rows.iter_entries(conn))
    prev = entries[change_seq - 2].hash if change_seq > 1 else "0" * 64
    with archive.db.engine.connect() as conn, conn.begin():
        for entry in entries[change_seq - 1 :]:
            actor = "ke_gian" if entry.seq == change_seq else entry.actor
            fixed = dataclasses.replace(entry, actor=actor, prev_hash=prev)
            new_hash = fixed.computed_hash()
            conn.execute(
                text("UPDATE audit_log SET actor = :a, prev_hash = :p, hash = :h WHERE seq = :s"),
                {"a": actor, "p": prev, "h": new_hash, "s": entry.seq},
            )
            prev = new_hash
        conn.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": prev})


def test_a_rewrite_of_the_whole_database_is_caught_by_the_checkpoints(backend: Backend) -> None:
    """The head is copied into the object store (WORM when object lock is on); rewriting the
    database, head included, then no longer matches that copy. A head hash written down
    elsewhere (--expect-head) catches it too."""
    archive = backend.archive
    fill_trail(archive)
    written = trail.write_checkpoint(archive)
    assert written is not None and written.seq == ENTRIES
    assert trail.write_checkpoint(archive) is None  # the same head is not written twice
    assert [c.seq for c in trail.checkpoints(archive)] == [ENTRIES]
    assert trail.verify(archive, expect_head=written.hash).intact
    rehash_everything(archive, change_seq=3)
    report = trail.verify(archive)
    assert not report.intact
    assert any(p.startswith(f"entry {ENTRIES}:") and "checkpoint" in p for p in report.problems)
    with_kept_head = trail.verify(archive, expect_head=written.hash)
    assert any("kept elsewhere" in p for p in with_kept_head.problems)
    # The database alone (without the checkpoints) would have passed the forgery.
    with archive.db.snapshot() as conn:
        head_seq, head_hash = audit_rows.head(conn)
        alone = verify_chain(audit_rows.iter_entries(conn), head_seq=head_seq, head_hash=head_hash)
    assert alone.intact
