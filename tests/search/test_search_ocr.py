"""OCR of scanned pages: the text tesseract reads, the PDF/A-2b copy with its text layer,
time limits that leave nothing behind, and the ``indexer.ocr`` job on both backends.

The scans are made here: Vietnamese text drawn with the demo's embedded serif font,
rasterised by pdftoppm at 200 dpi in grey, turned a little and sprinkled with noise by
Pillow, and wrapped as a JPEG image into a PDF with no text layer.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
import unicodedata
from pathlib import Path
from typing import Any

import psutil
import pytest
from celery.result import AsyncResult
from support.archives import Backend
from support.scans import scanned_pdf
from support.services import new_dossier, official, received

from archive.services import derivatives
from archive.services import documents as document_service
from indexer import ocr
from indexer.ocr_tasks import KINDS, PDFA_KIND, QUEUE, TEXT_KIND, enqueue, ocr_document, work_dir
from indexer.pdfa import verapdf_check

SCAN_LINES = (
    "ỦY BAN NHÂN DÂN THÀNH PHỐ PHỦ LÝ",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "BIÊN BẢN VI PHẠM HÀNH CHÍNH",
    "Hôm nay, ngày 26 tháng 5 năm 2023, tại phường Lam Hạ,",
    "chúng tôi gồm: ông Nguyễn Văn Đức, cán bộ địa chính - xây dựng;",
    "bà Trần Thị Hương, công chức tư pháp - hộ tịch.",
    "Đã lập biên bản vi phạm hành chính đối với ông Đặng Văn Thắng,",
    "sinh năm 1978, số định danh cá nhân 035078001234,",
    "nơi cư trú: số 12 đường Lê Hoàn, phường Quang Trung.",
    "Hành vi vi phạm: xây dựng công trình nhà ở riêng lẻ",
    "không có giấy phép xây dựng theo quy định.",
    "Người vi phạm được giải thích quyền và nghĩa vụ của mình.",
    "Biên bản được lập thành hai bản có nội dung và giá trị như nhau.",
)
EXPECTED_WORDS = ("BIÊN BẢN", "Nguyễn Văn Đức", "phường Lam Hạ", "giấy phép", "035078001234")
TYPED_PAGE = "QUYẾT ĐỊNH xử phạt vi phạm hành chính số 125/QĐ-XPHC"


# -- scans --------------------------------------------------------------------------------


# -- measures -----------------------------------------------------------------------------


def _flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def character_accuracy(expected: str, got: str) -> float:
    """1 − edit distance / length, on NFC text with whitespace runs made one space."""
    want, have = _flat(expected), _flat(got)
    return 1 - _distance(want, have) / len(want)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _unembedded_fonts(path: Path) -> list[str]:
    listing = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()[2:]
    # Columns: name type encoding emb sub uni object ID; the name may hold no spaces, the
    # type may ("CID TrueType"), so read from the right.
    return [line for line in listing if line.split()[-5] != "yes"]


def _pdftotext(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    return [unicodedata.normalize("NFC", page) for page in out.split("\f")[:-1]]


def _our_processes(marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(marker in part for part in proc.info["cmdline"] or ()):
            found.append(proc)
    return found


# -- tests --------------------------------------------------------------------------------


def test_ocr_reads_a_clean_vietnamese_scan(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(scanned_pdf([SCAN_LINES, TYPED_PAGE], noise=4.0))
    assert ocr.pages_without_text(pdf) == [1]

    texts = ocr.ocr_pages(pdf, [1], tmp_path / "work", seconds=120)

    assert set(texts) == {1}
    text = texts[1]
    assert text == unicodedata.normalize("NFC", text)
    accuracy = character_accuracy("\n".join(SCAN_LINES), text)
    assert accuracy >= 0.95, (accuracy, text)
    flat = _flat(text)
    for words in EXPECTED_WORDS:
        assert words in flat
    assert list((tmp_path / "work").iterdir()) == []  # nothing left behind


def test_pdfa_copy_has_a_text_layer_embeds_every_font_and_leaves_the_original(
    tmp_path: Path,
) -> None:
    original = tmp_path / "scan.pdf"
    original.write_bytes(scanned_pdf([SCAN_LINES, TYPED_PAGE]))
    before = _sha256(original)
    assert _unembedded_fonts(original)  # reportlab's unused Helvetica on the scanned page
    copy = tmp_path / "copy.pdf"

    ocr.pdfa_with_text_layer(original, copy, tmp_path / "work", source_date_epoch=1_700_000_000)

    assert _sha256(original) == before
    compliant, failures = verapdf_check(copy)
    assert compliant, failures
    assert _unembedded_fonts(copy) == []
    scan_text, typed_text = _pdftotext(copy)
    assert character_accuracy("\n".join(SCAN_LINES), scan_text) >= 0.9
    assert "Nguyễn Văn Đức" in _flat(scan_text)
    assert TYPED_PAGE in _flat(typed_text)
    assert list((tmp_path / "work").iterdir()) == []

    again = tmp_path / "again.pdf"  # a retried job: the very same bytes
    ocr.pdfa_with_text_layer(
        original, again, tmp_path / "work", pages=[1], source_date_epoch=1_700_000_000
    )
    assert _sha256(again) == _sha256(copy)


@pytest.mark.parametrize(
    "written",
    [
        b"/ID [<0A1B2C3D4E5F60718293A4B5C6D7E8F9><0A1B2C3D4E5F60718293A4B5C6D7E8F9>]",
        b"/ID [(g:ig>|\\345F0R.o\\337O\\324\\343)(g:ig>|\\345F0R.o\\337O\\324\\343)]",
        b"/ID [(a\\)b(c)d]e)(x)]",
    ],
)
def test_the_clock_made_file_identifier_is_replaced(tmp_path: Path, written: bytes) -> None:
    body = b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\nxref\n0 1\n0000000000 65535 f \n"
    end = b"\n>>\nstartxref\n18\n%%EOF\n"
    path = tmp_path / "made.pdf"
    path.write_bytes(body + b"trailer\n<< /Size 2 /Root 1 0 R\n" + written + end)
    ocr._fix_id(path, "F" * 32)
    fixed = b"/ID [<" + b"F" * 32 + b"><" + b"F" * 32 + b">]"
    assert path.read_bytes() == body + b"trailer\n<< /Size 2 /Root 1 0 R\n" + fixed + end


def test_not_a_pdf_fails_the_pdfa_check(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\nnot really\n")
    compliant, failures = verapdf_check(junk)
    assert not compliant
    assert failures


def test_a_page_over_its_time_is_stopped_with_nothing_left(tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(scanned_pdf([TYPED_PAGE, SCAN_LINES]))
    work = tmp_path / "slow-work"

    started = time.monotonic()
    with pytest.raises(ocr.OcrTimeout, match="page 2") as raised:
        # 600 dpi: rendering and reading one A4 page take seconds, far over the limit.
        ocr.ocr_pages(pdf, [2], work, dpi=600, seconds=0.5)
    assert time.monotonic() - started < 10
    assert raised.value.page == 2

    assert psutil.Process().children(recursive=True) == []
    assert _our_processes(str(work)) == []
    assert list(work.iterdir()) == []


def test_the_job_goes_to_its_own_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.worker import celery_app

    sent: list[tuple[str, dict[str, Any]]] = []

    def send_task(name: str, *args: Any, **options: Any) -> Any:
        sent.append((name, options))
        return AsyncResult("job-1", app=celery_app)

    monkeypatch.setattr(celery_app, "send_task", send_task)
    assert enqueue(7, 2) == "job-1"
    [(name, options)] = sent
    assert (name, options["queue"]) == ("indexer.ocr", "ocr")
    assert QUEUE == "ocr"


def test_ocr_job_stores_a_pdfa_copy_and_the_text_once(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    actor = archive.actor(user)
    dossier_id = new_dossier(archive, user)
    data = scanned_pdf([SCAN_LINES, TYPED_PAGE])
    document = document_service.add(
        archive,
        actor,
        dossier_id,
        document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Biên bản (bản quét)"),
        received(archive, data, "bien-ban-quet.pdf"),
    )

    done = ocr_document(archive, document.id, 1)

    assert done["pages"] == [1]
    made = {d.kind: d for d in derivatives.of_document(archive, actor, document.id)}
    assert set(made) == set(KINDS)
    assert {d.version for d in made.values()} == {1}
    assert made[PDFA_KIND].media_type == "application/pdf"
    assert made[TEXT_KIND].media_type == "application/json"
    assert made[PDFA_KIND].detail["engine"] == ocr.engine()
    assert set(made[PDFA_KIND].detail["pages"]) == {"1"}  # type: ignore[arg-type]

    body = json.loads(b"".join(archive.store.read(made[TEXT_KIND].storage_key)))
    assert set(body["pages"]) == {"1"}
    assert character_accuracy("\n".join(SCAN_LINES), body["pages"]["1"]) >= 0.9
    assert "Nguyễn Văn Đức" in _flat(body["pages"]["1"])

    copy = b"".join(archive.store.read(made[PDFA_KIND].storage_key))
    assert copy.startswith(b"%PDF-") and hashlib.sha256(copy).hexdigest() == made[PDFA_KIND].sha256
    stored = b"".join(archive.store.read(document.current.storage_key))
    assert stored == data  # the original is untouched

    # Done once: a second job skips it; a forced one (a retry after a crash between the
    # two stores) makes the same bytes and replaces the records instead of adding any.
    assert ocr_document(archive, document.id, 1)["skipped"]
    ocr_document(archive, document.id, 1, force=True)
    again = {d.kind: d for d in derivatives.of_document(archive, actor, document.id)}
    assert len(derivatives.of_document(archive, actor, document.id)) == 2
    for kind in KINDS:
        assert (again[kind].id, again[kind].sha256) == (made[kind].id, made[kind].sha256)

    assert list(work_dir(archive).iterdir()) == []
