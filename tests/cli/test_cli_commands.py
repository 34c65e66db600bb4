"""The real `archive` command, run as a separate process the way an administrator runs it."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support.pdfs import make_pdf
from support.servers import server_env

from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.services import documents as document_service
from archive.services import dossiers
from archive.services.context import Archive
from archive.settings import Settings

PASSWORD = "mat-khau-quan-tri"


def run(
    tmp_path: Path, *args: str, timeout: float = 120, **env_extra: str
) -> subprocess.CompletedProcess[str]:
    """`archive ARGS` with a clean ARCHIVE_* environment, in tmp_path (so no .env is read)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["ARCHIVE_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str]) -> str:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    return output


def open_in_process(tmp_path: Path) -> Archive:
    return Archive.open(Settings(_env_file=None, data_dir=tmp_path / "data"))  # type: ignore[call-arg]


def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "archive.sqlite"


def add_document(tmp_path: Path, data: bytes) -> str:
    """Add a dossier with one document through the services, on the CLI's data folder."""
    archive = open_in_process(tmp_path)
    try:
        with archive.db.write() as conn:
            unit = account_rows.unit_by_code(conn, "ubnd") or account_rows.add_unit(
                conn, "ubnd", "UBND", None
            )
            user = account_rows.add_user(
                conn, f"cv_{secrets.token_hex(3)}", "Chuyên viên", "x", Role.OFFICIAL, unit.id
            )
        actor = archive.actor(user)
        dossier = dossiers.create(
            archive,
            actor,
            dossiers.DossierDraft(
                case_type="xlvphc",
                title="Vi phạm trật tự xây dựng",
                field="xay_dung",
                opened_on=date(2024, 5, 26),
                custom={"violation": "Xây dựng không phép"},
            ),
        )
        path = archive.incoming_dir / "test-upload.pdf"
        path.write_bytes(data)
        document = document_service.add(
            archive,
            actor,
            dossier.id,
            document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Biên bản"),
            document_service.ReceivedFile(
                path, hashlib.sha256(data).hexdigest(), len(data), "bb.pdf"
            ),
        )
        path.unlink()
        return document.current.storage_key
    finally:
        archive.close()


def test_administrator_workflow(tmp_path: Path) -> None:
    out = ok(run(tmp_path, "migrate"))
    assert "Database is up to date" in out
    for code in ("an_hanh_chinh", "qltt", "thads", "xlvphc"):
        assert f"Case type {code}: loaded" in out
    assert sqlite_path(tmp_path).is_file()
    again = ok(run(tmp_path, "migrate"))
    assert "Case type" not in again  # unchanged built-ins are not stored again

    out = ok(
        run(
            tmp_path,
            "user", "create", "quantri",
            "--role", "admin",
            "--unit", "ubnd",
            "--unit-name", "UBND thành phố",
            "--full-name", "Quản trị hệ thống",
            "--password", PASSWORD,
        )
    )  # fmt: skip
    assert "quantri (admin)" in out
    out = ok(run(tmp_path, "unit", "create", "tu_phap", "Phòng Tư pháp", "--parent", "ubnd"))
    assert "tu_phap" in out
    ok(
        run(
            tmp_path,
            "user", "create", "thanhtra", "--role", "auditor", "--unit", "ubnd",
            "--password", PASSWORD,
        )
    )  # fmt: skip
    out = ok(
        run(
            tmp_path,
            "user", "grant", "thanhtra", "--unit", "tu_phap",
            "--from", "2024-01-01", "--to", "2024-12-31",
        )
    )  # fmt: skip
    assert "thanhtra" in out and "tu_phap" in out

    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        units = dict(db.execute("SELECT code, name FROM units").fetchall())
        users = dict(db.execute("SELECT username, role FROM users").fetchall())
        grants = db.execute("SELECT period_from, period_to FROM auditor_grants").fetchall()
        hashes = [h for (h,) in db.execute("SELECT password_hash FROM users")]
    assert units == {"ubnd": "UBND thành phố", "tu_phap": "Phòng Tư pháp"}
    assert users == {"quantri": "admin", "thanhtra": "auditor"}
    assert grants == [("2024-01-01", "2024-12-31")]
    assert all(h.startswith("$argon2") and PASSWORD not in h for h in hashes)

    out = ok(run(tmp_path, "fixity"))
    assert "Checked 0" in out
    out = ok(run(tmp_path, "sweep"))
    assert "Removed 0" in out

    out = ok(run(tmp_path, "audit", "verify"))
    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        head_seq, head_hash = db.execute("SELECT seq, hash FROM audit_head").fetchone()
    assert "Audit trail intact" in out
    assert head_hash in out
    assert f"{head_seq} mục · entries" in out
    assert head_seq >= 5  # two units, two users, one grant, one fixity run

    # The head is checkpointed into the object store, and checked against a copy kept
    # elsewhere; a hash the trail never had is reported.
    out = ok(run(tmp_path, "run", "checkpoint"))
    assert f"entry {head_seq}" in out
    assert "already" in ok(run(tmp_path, "run", "checkpoint"))
    assert "1 mốc · checkpoints" in ok(run(tmp_path, "audit", "verify", "--expect-head", head_hash))
    foreign = run(tmp_path, "audit", "verify", "--expect-head", "ab" * 32)
    assert foreign.returncode == 2 and "kept elsewhere" in foreign.stderr

    # The last active administrator is never locked out; a locked account reopens.
    last = refused(run(tmp_path, "user", "deactivate", "quantri"))
    assert "quản trị viên cuối cùng" in last and "last active administrator" in last
    assert "Deactivated: thanhtra" in ok(run(tmp_path, "user", "deactivate", "thanhtra"))
    assert "Reactivated: thanhtra" in ok(run(tmp_path, "user", "activate", "thanhtra"))
    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        active = dict(db.execute("SELECT username, active FROM users").fetchall())
    assert active == {"quantri": 1, "thanhtra": 1}


def test_mistakes_are_refused_in_both_languages(tmp_path: Path) -> None:
    ok(run(tmp_path, "migrate"))
    ok(run(tmp_path, "unit", "create", "ubnd", "UBND"))
    weak = refused(
        run(tmp_path, "user", "create", "a", "--role", "admin", "--unit", "ubnd",
            "--password", "ngan")
    )  # fmt: skip
    assert "ít nhất 12" in weak and "at least 12" in weak
    common = refused(
        run(tmp_path, "user", "create", "a", "--role", "admin", "--unit", "ubnd",
            "--password", "password2024!")
    )  # fmt: skip
    assert "phổ biến" in common and "too common" in common
    blank = refused(
        run(tmp_path, "user", "create", "a", "--role", "admin", "--unit", "ubnd",
            "--password", " " * 16)
    )  # fmt: skip
    assert "khoảng trắng" in blank and "only spaces" in blank
    twice = refused(run(tmp_path, "unit", "create", "ubnd", "UBND"))
    assert "Đã có đơn vị" in twice and "already exists" in twice
    orphan = refused(run(tmp_path, "unit", "create", "x", "X", "--parent", "khong_co"))
    assert "khong_co" in orphan
    ok(run(tmp_path, "unit", "create", "moi", "UBND mới", "--from", "2025-07-01"))
    early = refused(
        run(tmp_path, "unit", "end", "ubnd", "--on", "2025-05-31", "--successor", "moi")
    )
    assert "01/06/2025" in early and "does not stand" in early
    merged = ok(run(tmp_path, "unit", "end", "ubnd", "--on", "2025-06-30", "--successor", "moi"))
    assert "30/06/2025 → moi" in merged
    again = refused(run(tmp_path, "unit", "end", "ubnd", "--on", "2025-07-31"))
    assert "đã kết thúc" in again and "already ended" in again
    ok(run(tmp_path, "user", "create", "tt", "--role", "auditor", "--unit", "ubnd",
           "--password", PASSWORD))  # fmt: skip
    backwards = refused(
        run(tmp_path, "user", "grant", "tt", "--unit", "ubnd",
            "--from", "2024-12-31", "--to", "2024-01-01")
    )  # fmt: skip
    assert "Ngày kết thúc" in backwards and "end date" in backwards
    nobody = refused(
        run(tmp_path, "user", "grant", "khong_ai", "--unit", "ubnd",
            "--from", "2024-01-01", "--to", "2024-12-31")
    )  # fmt: skip
    assert "khong_ai" in nobody
    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        assert [u for (u,) in db.execute("SELECT username FROM users")] == ["tt"]
        assert db.execute("SELECT count(*) FROM auditor_grants").fetchone() == (0,)


def test_refused_user_create_leaves_no_unit_behind(tmp_path: Path) -> None:
    ok(run(tmp_path, "migrate"))
    weak = refused(
        run(tmp_path, "user", "create", "a", "--role", "admin", "--unit", "ubnd_moi",
            "--unit-name", "UBND mới", "--password", "ngan")
    )  # fmt: skip
    assert "ít nhất 12" in weak and "at least 12" in weak
    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        assert db.execute("SELECT count(*) FROM units").fetchone() == (0,)


def test_fixity_and_sweep_on_stored_objects(tmp_path: Path) -> None:
    ok(run(tmp_path, "migrate"))
    key = add_document(tmp_path, make_pdf(2))
    out = ok(run(tmp_path, "fixity"))
    assert "Checked 1" in out and "1 nguyên vẹn · intact" in out

    orphan = make_pdf(1)
    digest = hashlib.sha256(orphan).hexdigest()
    orphan_path = tmp_path / "data" / "objects" / "sha256" / digest[:2] / digest[2:4] / digest
    orphan_path.parent.mkdir(parents=True, exist_ok=True)
    orphan_path.write_bytes(orphan)
    out = ok(run(tmp_path, "sweep"))  # default grace: a young orphan stays
    assert "Removed 0" in out and orphan_path.exists()
    out = ok(run(tmp_path, "sweep", "--grace-hours", "0"))
    assert "Removed 1" in out
    assert not orphan_path.exists()

    stored = tmp_path / "data" / "objects" / key
    assert stored.exists()  # the referenced object stays
    stored.chmod(0o644)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    result = run(tmp_path, "fixity")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert f"MISMATCH  {key}" in output
    assert "1 sai lệch · mismatched" in output

    stored.unlink()
    result = run(tmp_path, "fixity")
    assert result.returncode == 2
    assert f"MISSING  {key}" in result.stdout + result.stderr


def test_audit_verify_reports_a_corrupted_row(tmp_path: Path) -> None:
    ok(run(tmp_path, "migrate"))
    ok(run(tmp_path, "unit", "create", "ubnd", "UBND thành phố"))
    ok(run(tmp_path, "unit", "create", "tu_phap", "Phòng Tư pháp", "--parent", "ubnd"))
    ok(run(tmp_path, "unit", "create", "qldt", "Phòng Quản lý đô thị", "--parent", "ubnd"))
    ok(run(tmp_path, "audit", "verify"))
    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        db.execute('UPDATE audit_log SET detail = \'{"code": "gia_mao"}\' WHERE seq = 2')
        db.execute("DELETE FROM audit_log WHERE seq = 3")  # the newest; audit_head still says 3
    result = run(tmp_path, "audit", "verify")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "NHẬT KÝ BỊ THAY ĐỔI" in result.stderr
    assert "AUDIT TRAIL ALTERED" in result.stderr
    assert "entry 2: content changed" in result.stderr
    assert "first break: entry 2" in result.stderr
    assert "head says 3" in result.stderr
    assert "intact" not in result.stdout
    assert "Traceback" not in output


# -- start-up refusals ------------------------------------------------------------------------


def under_a_file(tmp_path: Path) -> str:
    blocker = tmp_path / "afile"
    blocker.write_text("một tệp thường, không phải thư mục")
    return str(blocker / "data")


def test_migrate_refuses_a_data_folder_under_a_file(tmp_path: Path) -> None:
    output = refused(run(tmp_path, "migrate", ARCHIVE_DATA_DIR=under_a_file(tmp_path)))
    assert "Không tạo được thư mục dữ liệu" in output
    assert "Cannot create the data folder" in output
    assert "afile" in output


@pytest.mark.parametrize("command", [["fixity"], ["worker"], ["audit", "verify"]])
def test_commands_refuse_a_data_folder_under_a_file(tmp_path: Path, command: list[str]) -> None:
    output = refused(run(tmp_path, *command, timeout=60, ARCHIVE_DATA_DIR=under_a_file(tmp_path)))
    assert "Không tạo được thư mục dữ liệu" in output
    assert "Cannot create the data folder" in output


@pytest.mark.minio
def test_wrong_s3_secret_is_refused_clearly(tmp_path: Path) -> None:
    ok(run(tmp_path, "migrate"))
    result = run(
        tmp_path,
        "fixity",
        timeout=90,
        ARCHIVE_STORAGE="s3",
        ARCHIVE_S3_ENDPOINT=server_env("ARCHIVE_TEST_S3_ENDPOINT"),
        ARCHIVE_S3_ACCESS_KEY=server_env("ARCHIVE_TEST_S3_ACCESS_KEY"),
        ARCHIVE_S3_SECRET_KEY="khong-phai-mat-khau-" + secrets.token_hex(4),
        ARCHIVE_S3_BUCKET=f"t-{secrets.token_hex(6)}",
    )
    output = refused(result)
    assert "Không dùng được kho tài liệu S3" in output
    assert "Cannot use the" in output and "S3" in output
    assert "SignatureDoesNotMatch" in output  # the server's own reason
    assert "ARCHIVE_S3_SECRET_KEY" in output
    assert "Checked" not in output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.postgres
def test_serve_refuses_an_unmigrated_postgres_database(tmp_path: Path, empty_pg_url: str) -> None:
    result = run(
        tmp_path,
        "serve",
        "--no-worker",
        "--port",
        str(free_port()),
        timeout=60,
        ARCHIVE_DATABASE_URL=empty_pg_url,
    )
    output = refused(result)
    assert "archive migrate" in output
    assert "chưa được cập nhật" in output and "not migrated" in output
    assert "Archive running" not in output
    password = make_url(empty_pg_url).password
    assert f":{password}@" not in output
    with create_engine(empty_pg_url).connect() as conn:  # scaled mode never migrates by itself
        tables = conn.execute(
            text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        ).scalar_one()
    assert tables == 0


# -- demo -------------------------------------------------------------------------------------


def test_demo_loads_once(tmp_path: Path) -> None:
    from archive.demo.dataset import build_dataset
    from deadlines.demo import CURRENT

    expected = build_dataset()
    out = ok(run(tmp_path, "demo", timeout=170))
    match = re.search(r"(\d+) hồ sơ · dossiers", out)
    assert match, out
    assert int(match.group(1)) == len(expected.dossiers) > 0
    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        (count,) = db.execute("SELECT count(*) FROM dossiers").fetchone()
        (docs,) = db.execute("SELECT count(*) FROM documents").fetchone()
        (units,) = db.execute("SELECT count(*) FROM units").fetchone()
        (objects,) = db.execute(
            "SELECT count(DISTINCT storage_key) FROM document_versions"
        ).fetchone()
    # the generated dossiers, and the deadlines stage's cases of the day (stages, no papers)
    assert count == len(expected.dossiers) + len(CURRENT)
    assert docs == sum(len(d.documents) for d in expected.dossiers)
    assert units == len(expected.units)

    again = ok(run(tmp_path, "demo"))
    assert "already loaded" in again and "đã có sẵn" in again
    with sqlite3.connect(sqlite_path(tmp_path)) as db:
        assert db.execute("SELECT count(*) FROM dossiers").fetchone() == (count,)

    assert "Audit trail intact" in ok(run(tmp_path, "audit", "verify"))
    out = ok(run(tmp_path, "fixity"))
    assert f"Checked {objects} " in out
    assert f"{objects} nguyên vẹn · intact" in out
    assert "0 sai lệch · mismatched, 0 mất · missing" in out
