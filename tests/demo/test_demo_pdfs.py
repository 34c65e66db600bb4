"""The demo PDFs: exact page counts, Vietnamese text that survives extraction, embedded fonts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from archive.demo.dataset import UNITS, DemoDataset, DemoDocument, build_dataset
from archive.demo.pdfs import (
    MAX_PAGES,
    FontNotFoundError,
    find_serif_fonts,
    render_document,
    vietnamese_date_line,
)

MOTTO = "Độc lập - Tự do - Hạnh phúc"
LETTERHEADS = {u.code: (u.letterhead_agency, u.letterhead_name) for u in UNITS}


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_dataset()


def expected_date_line(place: str, on: date) -> str:
    # Written independently of the renderer: Decree 30 pads days < 10 and months 1 and 2.
    day = f"0{on.day}" if on.day < 10 else str(on.day)
    month = f"0{on.month}" if on.month in (1, 2) else str(on.month)
    return f"{place}, ngày {day} tháng {month} năm {on.year}"


def pdf_pages_and_text(data: bytes) -> tuple[int, str]:
    pdf = pdfium.PdfDocument(data)
    try:
        parts = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        count = len(pdf)
    finally:
        pdf.close()
    text = unicodedata.normalize("NFC", " ".join(parts))
    return count, re.sub(r"\s+", " ", text)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def sample_documents(dataset: DemoDataset) -> list[tuple[str, DemoDocument]]:
    """One document of each kind family: decision, record, petition, court, photos, long."""
    wanted = (
        "quyet_dinh_xu_phat",
        "bien_ban_vi_pham",
        "don_khoi_kien",
        "ban_an",
        "anh_hien_truong",
        "ke_hoach_kiem_tra",
        "bien_lai_nop_phat",
    )
    picked: dict[str, tuple[str, DemoDocument]] = {}
    for dossier in dataset.dossiers:
        for doc in dossier.documents:
            if doc.kind in wanted and doc.kind not in picked:
                picked[doc.kind] = (dossier.unit_code, doc)
    assert set(picked) == set(wanted)
    longest = max(
        ((d.unit_code, doc) for d in dataset.dossiers for doc in d.documents),
        key=lambda item: item[1].pages,
    )
    return [*picked.values(), longest]


def render(unit_code: str, doc: DemoDocument) -> bytes:
    agency, name = LETTERHEADS[unit_code]
    return render_document(doc, agency=agency, unit_name=name)


def test_date_line_is_vietnamese_day_month_year() -> None:
    assert vietnamese_date_line("Phủ Lý", date(2023, 5, 26)) == "Phủ Lý, ngày 26 tháng 5 năm 2023"
    assert vietnamese_date_line("Phủ Lý", date(2024, 1, 5)) == "Phủ Lý, ngày 05 tháng 01 năm 2024"
    assert vietnamese_date_line("Hà Nội", date(2025, 11, 3)) == "Hà Nội, ngày 03 tháng 11 năm 2025"


def test_sample_documents_have_exact_pages_title_date_and_motto(dataset: DemoDataset) -> None:
    for unit_code, doc in sample_documents(dataset):
        count, text = pdf_pages_and_text(render(unit_code, doc))
        assert count == doc.pages, doc.title
        assert squash(doc.title) in text
        assert expected_date_line(doc.place, doc.issued_on) in text
        assert MOTTO in text
        if doc.number:
            assert f"Số: {doc.number}" in text


def test_synthetic_document_with_known_date_and_every_page_count() -> None:
    doc = DemoDocument(
        kind="quyet_dinh_xu_phat",
        title="Quyết định xử phạt vi phạm hành chính đối với ông Nguyễn Văn Đức",
        number="125/QĐ-XPHC",
        issued_on=date(2023, 5, 26),
        issuer="Chủ tịch UBND thành phố Phủ Lý",
        paragraphs=(
            "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ PHỦ LÝ",
            "Điều 1. Phạt tiền 7.500.000 đồng (Bằng chữ: Bảy triệu năm trăm nghìn đồng).",
            "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.",
        ),
        pages=1,
        signers=(("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "Trần Quang Huy"),),
        recipients=("Như Điều 3;", "Lưu: VT."),
    )
    for pages in (1, 2, 3, 7, MAX_PAGES):
        data = render_document(
            replace(doc, pages=pages), agency="UBND THÀNH PHỐ PHỦ LÝ", unit_name="Phòng Tư pháp"
        )
        count, text = pdf_pages_and_text(data)
        assert count == pages
        assert "Phủ Lý, ngày 26 tháng 5 năm 2023" in text
        assert MOTTO in text
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "PHÒNG TƯ PHÁP" in text and "UBND THÀNH PHỐ PHỦ LÝ" in text
        assert "Số: 125/QĐ-XPHC" in text
        assert squash(doc.title) in text
        assert "Bảy triệu năm trăm nghìn đồng" in text
        assert "Trần Quang Huy" in text


def test_page_count_out_of_range_is_refused(dataset: DemoDataset) -> None:
    unit_code, doc = sample_documents(dataset)[0]
    for pages in (0, MAX_PAGES + 1):
        with pytest.raises(ValueError):
            render(unit_code, replace(doc, pages=pages))


def test_every_dataset_document_renders_with_its_page_count(dataset: DemoDataset) -> None:
    for dossier in dataset.dossiers:
        for doc in dossier.documents:
            pdf = pdfium.PdfDocument(render(dossier.unit_code, doc))
            try:
                assert len(pdf) == doc.pages, (dossier.code, doc.kind)
            finally:
                pdf.close()


def test_rendering_is_reproducible(dataset: DemoDataset) -> None:
    unit_code, doc = sample_documents(dataset)[0]
    assert render(unit_code, doc) == render(unit_code, doc)


def embedded_column(pdffonts_output: str) -> list[tuple[str, str]]:
    """(font name, emb) rows, cut by the dashes under pdffonts' header."""
    lines = pdffonts_output.splitlines()
    dashes = next(i for i, line in enumerate(lines) if line.startswith("---"))
    spans = [m.span() for m in re.finditer(r"-+", lines[dashes])]
    header = lines[dashes - 1]
    emb = next(span for span in spans if header[span[0] : span[1]].strip() == "emb")
    return [
        (line[spans[0][0] : spans[0][1]].strip(), line[emb[0] : emb[1]].strip())
        for line in lines[dashes + 1 :]
        if line.strip()
    ]


def test_every_font_is_embedded(dataset: DemoDataset, tmp_path: Path) -> None:
    if shutil.which("pdffonts") is None:
        message = "pdffonts (poppler-utils) is not installed; scripts/servers.sh installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    for index, (unit_code, doc) in enumerate(sample_documents(dataset)):
        path = tmp_path / f"doc-{index}.pdf"
        path.write_bytes(render(unit_code, doc))
        result = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
        rows = embedded_column(result.stdout)
        assert rows, result.stdout
        assert all(emb == "yes" for _, emb in rows), result.stdout


def test_font_search_falls_back_and_explains_what_to_install(tmp_path: Path) -> None:
    found = find_serif_fonts()
    assert found.regular.is_file() and found.bold.is_file()

    only_upright = tmp_path / "upright"
    only_upright.mkdir()
    (only_upright / "A.ttf").symlink_to(found.regular)
    (only_upright / "B.ttf").symlink_to(found.bold)
    fallback = find_serif_fonts(
        [
            (tmp_path / "nothing", ("X", "A.ttf", "B.ttf", "C.ttf", "D.ttf")),
            (only_upright, ("Y", "A.ttf", "B.ttf", "C.ttf", "D.ttf")),
        ]
    )
    assert fallback.family == "Y"
    assert fallback.italic == only_upright / "A.ttf"
    assert fallback.bold_italic == only_upright / "B.ttf"

    with pytest.raises(FontNotFoundError) as error:
        find_serif_fonts([(tmp_path / "nothing", ("X", "A.ttf", "B.ttf", "C.ttf", "D.ttf"))])
    message = str(error.value)
    assert "fonts-liberation2" in message and "fonts-dejavu-core" in message
    assert "Không tìm thấy phông chữ" in message
