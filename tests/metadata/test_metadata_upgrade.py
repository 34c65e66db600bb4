"""An archive made by the first release keeps everything through `archive migrate`.

A store is built at revision 0001 with rows as that release wrote them (a dossier with key
dates, two versions of a document, outbox events, a built-in case type), then upgraded:
the key dates become stage events, the case type becomes version 1 (kept by the
dossier), versions get their lineage, the outbox keeps its numbers, and the archive
works on the result.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from support.archives import create_postgres_database, drop_database_url

from archive.casetypes import builtin_definitions
from archive.metadata.migrate import alembic_config, upgrade
from archive.services.context import Archive
from archive.settings import Settings

NOW = datetime(2024, 6, 1, 8, 0, tzinfo=UTC).isoformat()
ROWS = [
    "INSERT INTO units (id, code, name, parent_id, created_at) "
    "VALUES (1, 'tu_phap', 'Phòng Tư pháp', NULL, :now)",
    "INSERT INTO users (id, username, full_name, password_hash, role, unit_id, active, "
    "created_at) VALUES (1, 'chuyen_vien', 'Nguyễn Văn Đức', 'x', 'official', 1, TRUE, :now)",
    "INSERT INTO case_types (code, version, definition, builtin, updated_at) "
    "VALUES ('xlvphc', 1, :definition, TRUE, :now)",
    "INSERT INTO dossiers (id, code, title, case_type, unit_id, field, stage, retention, "
    "opened_on, closed_on, parties, key_dates, custom, created_by, created_at, updated_at) "
    "VALUES (1, 'XLVPHC-2024-0001', 'Vi phạm', 'xlvphc', 1, 'xay_dung', 'ra_quyet_dinh', "
    "'10', '2024-05-26', NULL, '[]', :key_dates, '{\"violation\": \"v\"}', 1, :now, :now)",
    "INSERT INTO documents (id, dossier_id, position, kind, title, number, issued_on, issuer, "
    "current_version, created_at) VALUES (1, 1, 1, 'khac', 'Biên bản', NULL, NULL, NULL, 2, "
    ":now)",
    "INSERT INTO document_versions (id, document_id, version, sha256, size, page_count, "
    "storage_key, signed, pdf_version, original_filename, uploaded_by, uploaded_at) VALUES "
    "(1, 1, 1, :a, 10, 1, :key_a, FALSE, '1.4', 'a.pdf', 1, :now), "
    "(2, 1, 2, :b, 12, 1, :key_b, TRUE, '1.7', 'b.pdf', 1, :now)",
    "INSERT INTO outbox (id, created_at, topic, payload, processed_at) VALUES "
    "(1, :now, 'dossier.changed', '{\"dossier_id\": 1}', NULL), "
    "(2, :now, 'document.stored', '{\"document_id\": 1, \"version\": 2}', NULL)",
]


def _at_first_release(url: str) -> None:
    command.upgrade(alembic_config(url), "0001")
    engine = create_engine(url)
    xlvphc = next(d for d in builtin_definitions() if d["code"] == "xlvphc")
    params = {
        "now": NOW,
        "definition": json.dumps(xlvphc),
        "key_dates": json.dumps(
            {"lap_bien_ban": "2024-05-27", "phat_hien": "2024-05-26", "ra_quyet_dinh": "2024-06-03"}
        ),
        "a": "a" * 64,
        "b": "b" * 64,
        "key_a": "sha256/aa/aa/" + "a" * 64,
        "key_b": "sha256/bb/bb/" + "b" * 64,
    }
    with engine.begin() as conn:
        for statement in ROWS:
            conn.execute(text(statement), params)
    engine.dispose()


@pytest.mark.parametrize("kind", ["embedded", "scaled"])
def test_an_archive_of_the_first_release_upgrades_whole(kind: str, tmp_path: Path) -> None:
    url = (
        f"sqlite:///{tmp_path / 'old.sqlite'}"
        if kind == "embedded"
        else create_postgres_database("t_upgrade")
    )
    try:
        _at_first_release(url)
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            events = conn.execute(
                text(
                    "SELECT from_stage, to_stage, effective_on FROM dossier_events "
                    "WHERE dossier_id = 1 ORDER BY id"
                )
            ).all()
            versions = conn.execute(
                text(
                    "SELECT version, reason, derived_from, signature_count, protected_at "
                    "FROM document_versions ORDER BY version"
                )
            ).all()
            case_types = conn.execute(text("SELECT code, current_version FROM case_types")).all()
            stored = conn.execute(
                text("SELECT code, version, source FROM case_type_versions")
            ).all()
            kept = conn.execute(text("SELECT case_type_version FROM dossiers")).scalar_one()
            head = conn.execute(text("SELECT seq FROM outbox_head")).scalar_one()
            units = conn.execute(text("SELECT valid_from, valid_to, successor_id FROM units")).all()
        engine.dispose()
        assert [(a, b, str(c)) for a, b, c in events] == [
            (None, "phat_hien", "2024-05-26"),
            ("phat_hien", "lap_bien_ban", "2024-05-27"),
            ("lap_bien_ban", "ra_quyet_dinh", "2024-06-03"),
        ]
        assert [tuple(v[:4]) for v in versions] == [(1, "upload", None, 0), (2, "upload", 1, 1)]
        assert all(v[4] is None for v in versions)  # retention re-confirmed by the next sweep
        assert case_types == [("xlvphc", 1)]
        assert stored == [("xlvphc", 1, "builtin")]
        assert kept == 1
        assert units and all(tuple(u) == (None, None, None) for u in units)  # all standing
        assert head == 2  # the next event is number 3: consumers' positions stay meaningful
        settings = Settings(_env_file=None, data_dir=tmp_path / "var", database_url=url)  # type: ignore[call-arg]
        archive = Archive.open(settings)
        try:
            with archive.db.read() as conn:
                from archive.metadata import dossiers as dossier_rows

                dossier = dossier_rows.get(conn, 1, None)
            assert dossier is not None
            assert dossier.key_dates == {
                "phat_hien": date(2024, 5, 26),
                "lap_bien_ban": date(2024, 5, 27),
                "ra_quyet_dinh": date(2024, 6, 3),
            }
            assert archive.case_type_of(dossier).version == 1
        finally:
            archive.close()
    finally:
        drop_database_url(url)
