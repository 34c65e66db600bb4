"""`archive deadline` as a clerk runs it: the due date, the calendar version and the days
skipped, or the same as JSON; refusals say why and exit non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["ARCHIVE_DATA_DIR"] = str(data)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        cwd=data.parent,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "data"
    migrated = run(folder, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    return folder


def test_working_days_across_tet(data: Path) -> None:
    result = run(data, "deadline", "--from", "2026-02-09", "--working-days", "7")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Hạn · due: 25/02/2026 (Thứ Tư")
    assert "calendar version: 1" in lines[1]
    assert "days skipped: 9" in lines[2]
    assert lines[3].strip().startswith("14/02/2026") and "Tết" in lines[3]
    assert lines[-1].strip().startswith("22/02/2026")


@pytest.mark.parametrize(
    ("option", "amount", "start", "due"),
    [
        ("--days", "10", "2026-02-10", "2026-02-23"),
        ("--months", "1", "2026-01-31", "2026-03-02"),
        ("--years", "1", "2024-02-29", "2025-02-28"),
        ("--working-days", "1", "2025-12-31", "2026-01-05"),
    ],
)
def test_json_answers_with_the_iso_due_date(
    data: Path, option: str, amount: str, start: str, due: str
) -> None:
    result = run(data, "deadline", "--from", start, option, amount, "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["due"] == due
    assert answer["calendar_version"] == 1
    assert answer["from"] == start and answer["amount"] == int(amount)


def test_refusals_say_why(data: Path) -> None:
    both = run(data, "deadline", "--from", "2026-02-09", "--days", "1", "--months", "1")
    assert both.returncode == 2 and "exactly one" in both.stderr
    none = run(data, "deadline", "--from", "2026-02-09")
    assert none.returncode == 2 and "đúng một" in none.stderr
    bad_date = run(data, "deadline", "--from", "09/02/2026", "--days", "1")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    outside = run(data, "deadline", "--from", "2044-01-01", "--days", "1")
    assert outside.returncode == 2 and "2044" in outside.stderr
    assert "Traceback" not in both.stderr + none.stderr + bad_date.stderr + outside.stderr


def test_an_archive_not_set_up_says_what_to_run(tmp_path: Path) -> None:
    result = run(tmp_path / "data", "deadline", "--from", "2026-02-09", "--days", "1")
    assert result.returncode == 1
    assert "archive migrate" in result.stderr and "Traceback" not in result.stderr


def test_a_report_is_printed_or_written_as_xlsx_and_pdf(data: Path) -> None:
    """On an archive with no cases yet: the form's lines all zero, the total line, and the
    files; refusals exit 2 and say why in both languages."""
    import openpyxl

    printed = run(data, "report", "thads", "--year", "2026", "--period", "quarter", "--number", "2")
    assert printed.returncode == 0, printed.stderr
    assert "BÁO CÁO THỐNG KÊ KẾT QUẢ THI HÀNH ÁN DÂN SỰ" in printed.stdout
    assert "Quý II năm thống kê 2026 (từ ngày 01/10/2025 đến ngày 31/03/2026)" in printed.stdout
    assert "Tổng cộng — Tổng số việc thụ lý: 0" in printed.stdout
    xlsx, pdf = data / "bao-cao.xlsx", data / "bao-cao.pdf"
    for target in (xlsx, pdf):
        made = run(data, "report", "xlvphc", "--year", "2025", "--signer", "Lê Thị Hoa",
                   "--out", str(target))  # fmt: skip
        assert made.returncode == 0, made.stderr
    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    cells = {c for row in sheet.iter_rows(values_only=True) for c in row}
    assert "Lê Thị Hoa" in cells and "Tổng cộng" in cells
    assert pdf.read_bytes().startswith(b"%PDF")
    wrong = run(data, "report", "thads", "--year", "2026", "--period", "quarter", "--number", "5")
    assert wrong.returncode == 2 and "Kỳ báo cáo không hợp lệ" in wrong.stderr
    assert "not valid" in wrong.stderr
    ending = run(data, "report", "thads", "--year", "2026", "--out", str(data / "x.docx"))
    assert ending.returncode == 2 and "xlsx" in ending.stderr
    assert not (data / "x.docx").exists()


def test_the_national_export_is_written_as_a_file(data: Path) -> None:
    import json

    target = data / "csdl.json"
    made = run(data, "export", "--from", "2025-01-01", "--to", "2025-12-31", "--out", str(target))
    assert made.returncode == 0, made.stderr
    assert "0 decisions written" in made.stdout
    body = json.loads(target.read_text(encoding="utf-8"))
    assert body["format"] == "csdl-xlvphc/1" and body["from"] == "2025-01-01"
    assert body["count"] == 0 and body["records"] == []
    backwards = run(data, "export", "--from", "2025-12-31", "--to", "2025-01-01",
                    "--out", str(data / "x.json"))  # fmt: skip
    assert backwards.returncode == 2 and "Kỳ không hợp lệ" in backwards.stderr
    assert not (data / "x.json").exists()
    bad = run(data, "export", "--from", "31/12/2025", "--to", "2025-01-01", "--out", "y.json")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
