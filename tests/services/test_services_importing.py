"""Bulk import: good files go in through the same services as an upload, bad ones are
reported with their reason and never stop the rest, and a rerun adds only what is missing."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import func, select
from support.archives import Backend
from support.pdfs import bad_uploads, make_pdf
from support.people import seed_people
from support.processes import deleted_handles

from archive.domain.errors import Conflict, Forbidden, NotFound
from archive.domain.events import Topic
from archive.metadata import documents as document_rows
from archive.metadata.schema import audit_log, documents, dossiers, outbox
from archive.services import importing
from archive.services.context import Archive


def write_json(folder: Path, files: dict[str, bytes], meta: dict[str, Any]) -> None:
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "dossier.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def dossier_meta(documents: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {
        "case_type": "xlvphc",
        "title": "Vi phạm trật tự xây dựng",
        "field": "xay_dung",
        "unit": "tu_phap",
        "opened_on": "2019-05-26",
        "custom": {"violation": "Xây dựng không phép"},
        "parties": [{"role": "violator", "name": "Trần Văn Bình"}],
        "documents": documents,
        **fields,
    }


def doc(name: str, order: int, kind: str = "bien_ban_vi_pham") -> dict[str, Any]:
    return {"file": name, "order": order, "kind": kind, "title": f"Tài liệu {name}"}


def csv_folder(folder: Path, pdf: bytes, *, opened_on: str = "2020-08-03") -> None:
    folder.mkdir(parents=True)
    (folder / "bien-ban.pdf").write_bytes(pdf)
    (folder / "dossier.csv").write_text(
        "# loại dòng,…\n"
        "dossier,case_type,xlvphc\n"
        "dossier,title,Lấn chiếm lòng đường\n"
        "dossier,field,giao_thong\n"
        "dossier,unit,tu_phap\n"
        f"dossier,opened_on,{opened_on}\n"
        "custom,violation,Để vật liệu trên lòng đường\n"
        "custom,fine_amount,3.000.000\n"
        'party,violator,individual,Lê Thị Hoa,,"Phường Thanh Châu, Phủ Lý"\n'
        "document,bien-ban.pdf,1,bien_ban_vi_pham,Biên bản vi phạm,07/BB,2020-08-03,"
        "Phòng Tư pháp\n",
        encoding="utf-8",
    )


def counts(archive: Archive) -> dict[str, int]:
    with archive.db.read() as conn:
        return {
            "dossiers": conn.execute(select(func.count()).select_from(dossiers)).scalar_one(),
            "documents": conn.execute(select(func.count()).select_from(documents)).scalar_one(),
            "adds": conn.execute(
                select(func.count())
                .select_from(audit_log)
                .where(audit_log.c.action == "document.add")
            ).scalar_one(),
            "stored_events": conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.topic == Topic.DOCUMENT_STORED.value)
            ).scalar_one(),
        }


def assert_nothing_left_open(archive: Archive, source: Path) -> None:
    """No spool file stays in incoming/, and neither this process nor the PDF checking
    processes it started hold a handle on a source file or a spool file (deleted or not)."""
    assert [p.name for p in archive.incoming_dir.iterdir()] == []
    me = psutil.Process(os.getpid())
    checkers = me.children(recursive=True)
    assert checkers  # the sandboxed checks ran in processes of their own
    watched = (str(source.resolve()), str(archive.incoming_dir.resolve()))
    for process in [me, *checkers]:
        held = [f.path for f in process.open_files()] + deleted_handles(process.pid)
        assert [p for p in held if p.startswith(watched)] == [], process


def refusals_by_file(report: importing.ImportReport) -> dict[str | None, str]:
    return {r.file: r.code for r in report.refusals}


def test_good_bad_and_duplicate_files(backend: Backend, tmp_path: Path) -> None:
    archive = backend.archive
    seed_people(archive)
    archive.settings.max_upload_bytes = 64 * 1024  # a small limit, to meet a file over it
    first, second = make_pdf(2), make_pdf(1)
    bad = bad_uploads()
    files = {"a.pdf": first, "b.pdf": second, "ban-sao.pdf": first}
    files |= {f"{code}.pdf": data for code, data in bad.items()}
    files["qua-lon.pdf"] = make_pdf(1) + b"\n" * (65 * 1024)
    files["ghi-chu.pdf"] = make_pdf(1)  # in the folder, not in the description
    # b.pdf comes first in the dossier: the description's order, not the names'.
    described = [doc("a.pdf", 2), doc("b.pdf", 1), doc("ban-sao.pdf", 3), doc("qua-lon.pdf", 4)]
    described += [doc(f"{code}.pdf", 10 + i) for i, code in enumerate(bad)]
    source = tmp_path / "import"
    write_json(source / "01-xay-dung", files, dossier_meta(described, code="XLVPHC-2019-0001"))
    csv_folder(source / "02-giao-thong", make_pdf(1))

    seen: list[importing.Step] = []
    report = importing.run(archive, source, "official_tp", progress=seen.append)

    assert report.stopped is None
    assert [f.status for f in report.folders] == ["created", "created"]
    first_folder = report.folders[0]
    assert first_folder.added == ["b.pdf", "a.pdf"]
    assert first_folder.already_there == ["ban-sao.pdf"]
    expected = {f"{code}.pdf": code for code in bad}
    expected |= {"qua-lon.pdf": "file_too_large", "ghi-chu.pdf": "file_not_described"}
    assert refusals_by_file(report) == expected
    assert all(r.folder == "01-xay-dung" and r.vi and r.en for r in report.refusals)
    assert report.folders[1].added == ["bien-ban.pdf"]
    assert not report.complete
    # Every file was gone through, once, and the bytes counted add up to the folder's.
    assert sum(s.files for s in seen) == report.files_total == len(files) + 1
    assert sum(s.size for s in seen) == report.bytes_total
    as_json = json.loads(json.dumps(report.as_dict()))
    assert as_json["documents"] == {"added": 3, "already_there": 1, "refused": len(expected)}

    assert counts(archive) == {"dossiers": 2, "documents": 3, "adds": 3, "stored_events": 3}
    with archive.db.read() as conn:
        dossier_id = conn.execute(
            select(dossiers.c.id).where(dossiers.c.code == "XLVPHC-2019-0001")
        ).scalar_one()
        stored = document_rows.of_dossier(conn, dossier_id)
        csv_custom = conn.execute(
            select(dossiers.c.custom).where(dossiers.c.code != "XLVPHC-2019-0001")
        ).scalar_one()
    assert [d.current.original_filename for d in stored] == ["b.pdf", "a.pdf"]
    assert [d.title for d in stored] == ["Tài liệu b.pdf", "Tài liệu a.pdf"]
    assert csv_custom["fine_amount"] == 3_000_000  # "3.000.000" read as whole đồng
    assert_nothing_left_open(archive, source)


def test_rerun_adds_nothing_and_then_only_what_was_fixed(backend: Backend, tmp_path: Path) -> None:
    archive = backend.archive
    seed_people(archive)
    source = tmp_path / "import"
    good = make_pdf(1)
    write_json(
        source / "khong-ma",
        {"1.pdf": bad_uploads()["not_pdf"], "2.pdf": good},
        dossier_meta([doc("1.pdf", 1), doc("2.pdf", 2)]),  # no code: found by the ledger
    )
    csv_folder(source / "csv", make_pdf(1))
    first = importing.run(archive, source, "official_tp")
    assert refusals_by_file(first) == {"1.pdf": "not_pdf"}
    before = counts(archive)

    again = importing.run(archive, source, "official_tp")
    assert [f.status for f in again.folders] == ["existing", "existing"]
    assert [f.dossier_id for f in again.folders] == [f.dossier_id for f in first.folders]
    assert again.documents_added == 0
    assert again.documents_already_there == 2
    assert refusals_by_file(again) == {"1.pdf": "not_pdf"}
    assert counts(archive) == before

    # The bad file is replaced by a good one: only it goes in, in its place (first).
    fixed = make_pdf(3)
    (source / "khong-ma" / "1.pdf").write_bytes(fixed)
    third = importing.run(archive, source, "official_tp")
    assert third.complete
    fixed_folder = next(f for f in third.folders if f.folder == "khong-ma")
    assert fixed_folder.added == ["1.pdf"]
    assert fixed_folder.already_there == ["2.pdf"]
    assert counts(archive)["documents"] == before["documents"] + 1
    with archive.db.read() as conn:
        stored = document_rows.of_dossier(conn, fixed_folder.dossier_id or 0)
    assert [d.current.original_filename for d in stored] == ["1.pdf", "2.pdf"]
    assert [d.current.page_count for d in stored] == [3, 1]
    assert_nothing_left_open(archive, source)


def test_a_metadata_error_refuses_that_dossier_only(backend: Backend, tmp_path: Path) -> None:
    archive = backend.archive
    seed_people(archive)
    source = tmp_path / "import"
    pdf = {"a.pdf": make_pdf(1)}
    write_json(source / "1-ok", pdf, dossier_meta([doc("a.pdf", 1)]))
    write_json(source / "2-bad-kind", pdf, dossier_meta([doc("a.pdf", 1, kind="thu_tay")]))
    write_json(source / "3-bad-field", pdf, dossier_meta([doc("a.pdf", 1)], field="hang_hai"))
    write_json(source / "4-typo", pdf, dossier_meta([doc("a.pdf", 1)], tittle="Sai chính tả"))
    (source / "5-broken-json").mkdir()
    (source / "5-broken-json" / "dossier.json").write_text('{"case_type": "xlvphc",')
    csv_folder(source / "6-bad-date", make_pdf(1), opened_on="26/05/2019")
    (source / "7-no-metadata").mkdir()
    (source / "7-no-metadata" / "a.pdf").write_bytes(make_pdf(1))

    report = importing.run(archive, source, "official_tp")

    assert [f.status for f in report.folders] == ["created"] + ["refused"] * 6
    assert report.folders[0].added == ["a.pdf"]
    found = {r.folder: (r.file, r.code) for r in report.refusals}
    assert found == {
        "2-bad-kind": ("dossier.json", "unknown_document_kind"),
        "3-bad-field": ("dossier.json", "unknown_field_of_law"),
        "4-typo": ("dossier.json", "bad_import_metadata"),
        "5-broken-json": ("dossier.json", "bad_import_metadata"),
        "6-bad-date": ("dossier.csv", "bad_import_metadata"),
        "7-no-metadata": (None, "metadata_missing"),
    }
    by_folder = {r.folder: r for r in report.refusals}
    assert "tittle" in by_folder["4-typo"].vi and "tittle" in by_folder["4-typo"].en
    assert "26/05/2019" in by_folder["6-bad-date"].vi and "line 6" in by_folder["6-bad-date"].en
    assert "a.pdf" in by_folder["2-bad-kind"].vi
    assert [f.not_read for f in report.folders[1:]] == [1, 1, 1, 0, 1, 1]
    assert counts(archive)["dossiers"] == 1  # nothing half-made for the refused ones


def test_who_may_import(backend: Backend, tmp_path: Path) -> None:
    archive = backend.archive
    seed_people(archive)
    source = tmp_path / "import"
    write_json(source / "tu-phap", {"a.pdf": make_pdf(1)}, dossier_meta([doc("a.pdf", 1)]))

    with pytest.raises(Forbidden) as clerk:  # clerks add documents but open no dossier
        importing.run(archive, source, "clerk_tp")
    assert clerk.value.code == "role_not_allowed"
    with pytest.raises(NotFound) as nobody:
        importing.run(archive, source, "khong_co_ai")
    assert nobody.value.code == "user_not_found"

    other_unit = importing.run(archive, source, "official_qldt")
    assert refusals_by_file(other_unit) == {"dossier.json": "unit_not_allowed"}
    assert counts(archive)["dossiers"] == 0

    admin = importing.run(archive, source, "admin")  # administrators import anywhere
    assert admin.complete and admin.documents_added == 1
    assert_nothing_left_open(archive, source)


def test_two_imports_into_one_data_folder_never_run_at_once(
    backend: Backend, tmp_path: Path
) -> None:
    archive = backend.archive
    seed_people(archive)
    source = tmp_path / "import"
    write_json(source / "hs", {"a.pdf": make_pdf(1)}, dossier_meta([doc("a.pdf", 1)]))
    running = importing.Ledger(archive.settings.data_dir / importing.LEDGER)
    try:
        with pytest.raises(Conflict) as refused:
            importing.run(archive, source, "official_tp")
        assert refused.value.code == "import_running"
        assert counts(archive)["dossiers"] == 0
    finally:
        running.close()
    assert importing.run(archive, source, "official_tp").documents_added == 1
