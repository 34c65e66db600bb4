"""`archive import`, run as an administrator runs it, on the example folder of the README."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.archives import Backend
from support.pdfs import encrypted_pdf
from support.people import seed_people
from support.processes import ROOT, archive_env

EXAMPLE = ROOT / "examples" / "import"


def archive_import(
    backend: Backend, tmp_path: Path, folder: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", "import", str(folder), *args],
        cwd=tmp_path,
        env=archive_env(backend.settings),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )


def read_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


def test_the_example_folder_goes_in_once(backend: Backend, tmp_path: Path) -> None:
    seed_people(backend.archive)
    report_file = tmp_path / "bao-cao.json"
    first = archive_import(backend, tmp_path, EXAMPLE, "--as", "admin", "--report", "bao-cao.json")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    assert "2 mới · new" in first.stdout and "3 đã thêm · added" in first.stdout
    report = read_report(report_file)
    assert report["complete"] is True
    assert report["dossiers"] == {"created": 2, "existing": 0, "refused": 0}
    assert report["documents"] == {"added": 3, "already_there": 0, "refused": 0}
    assert report["files_total"] == 3 and report["bytes_read"] == report["bytes_total"] > 0
    codes = {f["folder"]: f["dossier_code"] for f in report["folders"]}
    assert codes["2019-lam-ha-xay-dung"] == "XLVPHC-2019-0012"  # the code in dossier.json
    assert codes["2020-thanh-chau-giao-thong"] == "XLVPHC-2020-0001"  # generated (CSV)

    again = archive_import(backend, tmp_path, EXAMPLE, "--as", "admin", "--report", "bao-cao.json")
    assert again.returncode == 0, again.stdout + again.stderr
    report = read_report(report_file)
    assert report["dossiers"] == {"created": 0, "existing": 2, "refused": 0}
    assert report["documents"] == {"added": 0, "already_there": 3, "refused": 0}
    assert {f["folder"]: f["dossier_code"] for f in report["folders"]} == codes
    assert list(backend.archive.incoming_dir.iterdir()) == []


def test_a_refused_file_is_reported_and_the_rest_goes_in(backend: Backend, tmp_path: Path) -> None:
    seed_people(backend.archive)
    folder = tmp_path / "nhap"
    shutil.copytree(EXAMPLE, folder)
    dossier = folder / "2019-lam-ha-xay-dung"
    (dossier / "03-mat-khau.pdf").write_bytes(encrypted_pdf())
    meta = json.loads((dossier / "dossier.json").read_text(encoding="utf-8"))
    meta["documents"].append(
        {"file": "03-mat-khau.pdf", "kind": "khac", "title": "Tệp có mật khẩu", "order": 3}
    )
    (dossier / "dossier.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    result = archive_import(backend, tmp_path, folder, "--as", "admin", "--report", "r.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "TỪ CHỐI · REFUSED  2019-lam-ha-xay-dung/03-mat-khau.pdf" in result.stderr
    report = read_report(tmp_path / "r.json")
    assert report["complete"] is False
    assert report["documents"] == {"added": 3, "already_there": 0, "refused": 1}
    [refusal] = report["refusals"]
    assert refusal["folder"] == "2019-lam-ha-xay-dung"
    assert refusal["file"] == "03-mat-khau.pdf"
    assert refusal["code"] == "encrypted_pdf"
    assert refusal["message"] and refusal["message_en"]
    assert refusal["message"] in result.stderr and refusal["message_en"] in result.stderr


def test_who_may_not_import_is_refused(backend: Backend, tmp_path: Path) -> None:
    seed_people(backend.archive)
    clerk = archive_import(backend, tmp_path, EXAMPLE, "--as", "clerk_tp")
    assert clerk.returncode == 1
    assert "Traceback" not in clerk.stderr
    assert "Văn thư" in clerk.stderr and "Clerk" in clerk.stderr  # the role, in both languages
    nobody = archive_import(backend, tmp_path, EXAMPLE, "--as", "khong_co_ai")
    assert nobody.returncode == 1
    assert "khong_co_ai" in nobody.stderr and "Traceback" not in nobody.stderr
    missing = archive_import(backend, tmp_path, tmp_path / "khong-co", "--as", "admin")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    with backend.archive.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM dossiers").scalar_one() == 0
