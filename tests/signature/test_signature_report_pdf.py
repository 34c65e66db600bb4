"""The verification report as a PDF an auditor prints: real signed files verified offline,
laid out on A4, and read back by tools that share no code with reportlab (poppler's
pdftotext, pdffonts and pdfinfo, qpdf)."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from support.pdfs import decision_pdf, make_pdf
from support.pki import PIN, Pki
from support.signed_checks import qpdf_clean, unembedded_fonts

from archive.demo.pdfs import FontNotFoundError, find_serif_fonts
from signing.keys import open_pkcs12
from signing.levels import Level
from signing.pades import SigningSetup, sign
from signing.report_pdf import verification_pdf
from signing.stamps import Stamp
from signing.verdicts import FileReport, TrustRoots, Verdict, verify

VIETNAM = timezone(timedelta(hours=7))
SUBJECT = "Hồ sơ 01/2025/HS-BĐ · Xử phạt vi phạm hành chính về trật tự đô thị"
ROOT_NAME = "Root CA thử nghiệm"


@pytest.fixture(scope="module", autouse=True)
def need_poppler() -> None:
    for tool in ("pdftotext", "pdffonts", "pdfinfo", "qpdf"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} (poppler-utils, qpdf) is not installed")
    try:
        find_serif_fonts()
    except FontNotFoundError as error:
        pytest.skip(str(error))


def text_added(pdf: bytes) -> bytes:
    """Words drawn on page 1 in an incremental update after signing: a content change."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    words = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (DA SUA) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(words))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def reports(pki: Pki, roots: TrustRoots) -> dict[str, FileReport]:
    """Each case verified offline against the test root, keyed by its file name."""

    def key(label: str) -> object:
        return open_pkcs12(pki.pkcs12(label).read_bytes(), PIN)

    def at(level: Level) -> SigningSetup:
        return SigningSetup(level=level, tsa_url=pki.tsa_url, trust_roots=roots.certificates)

    leader = key("leader")
    stamp = Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình")
    b_t = sign(decision_pdf(), leader, stamp, at(Level.B_T))  # type: ignore[arg-type]
    b_lt = sign(decision_pdf(), leader, stamp, at(Level.B_LT))  # type: ignore[arg-type]
    b_lta = sign(decision_pdf(), leader, stamp, at(Level.B_LTA))  # type: ignore[arg-type]
    two = sign(
        b_lt,
        key("clerk"),  # type: ignore[arg-type]
        Stamp(name="Văn thư", box=(300, 100, 530, 178)),
        at(Level.B_LT),
    )
    files = {
        "quyết-định-B-T.pdf": b_t,
        "quyết-định-B-LTA.pdf": b_lta,
        "quyết-định-hai-chữ-ký.pdf": two,
        "quyết-định-bị-thêm-chữ.pdf": text_added(b_lta),
        "biên-bản-chưa-ký.pdf": make_pdf(),
        "tệp-hỏng.pdf": b"%PDF-1.7\nnothing here",
    }
    return {name: verify(data, roots, name) for name, data in files.items()}


def made_at() -> datetime:
    return datetime(2025, 3, 14, 2, 30, 5, tzinfo=UTC)


def write(
    tmp_path: Path, reports: list[FileReport], name: str = "report.pdf", **kw: object
) -> Path:
    options: dict[str, object] = {
        "title": "Báo cáo kiểm tra chữ ký số hồ sơ 01/2025/HS-BĐ",
        "subject": SUBJECT,
        "made_at": made_at(),
        "trust_roots": [ROOT_NAME],
        **kw,
    }
    path = tmp_path / name
    path.write_bytes(verification_pdf(reports, **options))  # type: ignore[arg-type]
    return path


def pdf_text(path: Path) -> str:
    """The text in content order, NFC, every run of white space one space."""
    out = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return " ".join(unicodedata.normalize("NFC", out).split())


def flat(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def page_count(path: Path) -> int:
    out = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    found = re.search(r"^Pages:\s+(\d+)", out, re.M)
    assert found, out
    return int(found.group(1))


def vietnam_time(moment: datetime | None) -> str:
    assert moment is not None
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S +07:00")


def test_the_report_says_every_verdict_signer_hash_time_and_reason_in_both_languages(
    reports: dict[str, FileReport], tmp_path: Path
) -> None:
    path = write(tmp_path, list(reports.values()))

    assert qpdf_clean(path)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    assert len(fonts.stdout.splitlines()) > 2, fonts.stdout  # some fonts, and…
    assert unembedded_fonts(path) == []  # …every one embedded
    assert b"/Lang (vi)" in path.read_bytes()

    text = pdf_text(path)
    for expected in (
        "BÁO CÁO KIỂM TRA CHỮ KÝ SỐ",
        "Signature verification report",
        SUBJECT,
        ROOT_NAME,
        "kiểm tra ngoại tuyến: không truy vấn mạng · offline: nothing fetched",
        "14/03/2025 09:30:05 +07:00",  # made_at, in Vietnam time
        "KẾT LUẬN CHUNG · OVERALL: KHÔNG HỢP LỆ · INVALID",
        "HỢP LỆ · VALID",
        "KHÔNG HỢP LỆ · INVALID",
        "CHƯA XÁC ĐỊNH · INDETERMINATE",
        "Nguyễn Văn An",
        "Văn thư UBND Quận Ba Đình",
        "CA cấp dưới thử nghiệm",
        "PAdES B-LTA",
        "PAdES B-T",
        # signing/cli.py's wording of the revocation status and the changes after signing
        "chưa bị thu hồi (theo dữ liệu trong tệp) · not revoked (per the file's data)",
        "tệp không có dữ liệu thu hồi · no revocation data in the file",
        "điền ô biểu mẫu hoặc ký thêm · form filling or further signatures",
        "THÊM/SỬA NỘI DUNG · CONTENT ADDED OR CHANGED",
        "ChuKy2",
        "Dấu thời gian tài liệu",
        "Trang 1/",
    ):
        assert flat(expected) in text, expected

    for report in reports.values():
        assert report.name in text
        assert report.sha256 in text  # whole, on one line
        for signature in report.signatures:
            assert vietnam_time(signature.claimed_time) in text
            assert vietnam_time(signature.timestamp_time) in text
            for reason in signature.reasons:
                assert flat(reason.vi) in text, reason.vi
                assert flat(reason.en) in text, reason.en
        for stamped in report.document_timestamps:
            assert vietnam_time(stamped) in text

    # Each file's verdict stands next to its name, in the order the files were given.
    names = [text.index(name + " ") for name in reports]
    assert names == sorted(names)
    lta = text.index("quyết-định-B-LTA.pdf", text.index("Chi tiết từng tệp"))
    assert text[lta:].startswith("quyết-định-B-LTA.pdf HỢP LỆ · VALID")


def test_a_file_without_signature_and_an_unreadable_file_show_their_problem(
    reports: dict[str, FileReport], tmp_path: Path
) -> None:
    unsigned, broken = reports["biên-bản-chưa-ký.pdf"], reports["tệp-hỏng.pdf"]
    assert unsigned.problem is not None and broken.problem is not None
    path = write(tmp_path, [unsigned, broken])
    text = pdf_text(path)
    for problem in (unsigned.problem, broken.problem):
        assert flat(problem.vi) in text and flat(problem.en) in text
    assert "biên-bản-chưa-ký.pdf CHƯA XÁC ĐỊNH · INDETERMINATE" in text
    assert "tệp-hỏng.pdf KHÔNG HỢP LỆ · INVALID" in text
    assert unembedded_fonts(path) == [] and qpdf_clean(path)


def test_thirty_files_run_over_numbered_pages(
    reports: dict[str, FileReport], tmp_path: Path
) -> None:
    cases = list(reports.values())
    many = [
        dataclasses.replace(cases[n % len(cases)], name=f"hồ-sơ-{n + 1:02d}.pdf") for n in range(30)
    ]
    path = write(tmp_path, many)
    pages = page_count(path)
    assert pages > 1
    text = pdf_text(path)
    for page in range(1, pages + 1):
        assert f"Trang {page}/{pages} · Page {page} of {pages}" in text
    for report in many:
        assert report.name in text
    for number in range(1, 31):
        assert f"Tệp {number}/30 · File {number} of 30" in text
    # Every signature has its block (a block running over a page says its heading again).
    assert text.count("Chữ ký 1/") >= sum(1 for r in many if r.signatures)
    assert unembedded_fonts(path) == [] and qpdf_clean(path)


def word_boxes(path: Path) -> tuple[float, list[tuple[str, float, float]]]:
    """The page width and every word's (text, xMin, xMax), from pdftotext -bbox."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))  # type: ignore[union-attr]
    words = [
        (word, float(x_min), float(x_max))
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            html,
        )
    ]
    return width, words


def test_long_names_and_hashes_wrap_inside_the_page(
    reports: dict[str, FileReport], tmp_path: Path
) -> None:
    long_name = "/kho/lưu-trữ/" + "hồ_sơ_xử_phạt_vi_phạm_hành_chính_" * 8 + "bản-cuối.pdf"
    first = reports["quyết-định-hai-chữ-ký.pdf"]
    long_signer = "Nguyễn Thị Phương Thảo " + "Trưởng-phòng-Quản-lý-đô-thị-" * 6
    signature = dataclasses.replace(first.signatures[0], signer=long_signer)
    long = dataclasses.replace(
        first,
        name=long_name,
        signatures=(signature, *first.signatures[1:]),
    )
    path = write(
        tmp_path,
        [long],
        subject="Hồ sơ " + "rất-dài-" * 40,
        trust_roots=[ROOT_NAME, "Root CA " + "Chính-phủ-" * 20],
    )
    width, words = word_boxes(path)
    assert words
    # 20 mm left and 15 mm right margins; a little slack for the font's side bearings.
    left, right = 20 * 72 / 25.4 - 1, width - 15 * 72 / 25.4 + 1
    outside = [(w, a, b) for w, a, b in words if a < left or b > right]
    assert outside == []
    squeezed = "".join(pdf_text(path).split())
    assert "".join(long_name.split()) in squeezed  # cut across lines, nothing lost
    assert "".join(long_signer.split()) in squeezed
    assert long.sha256 in squeezed


def test_the_same_reports_give_the_same_bytes(
    reports: dict[str, FileReport], tmp_path: Path
) -> None:
    chosen = [reports["quyết-định-B-T.pdf"]]
    options = {
        "title": "Báo cáo",
        "subject": None,
        "made_at": made_at(),
        "trust_roots": [],
    }
    once = verification_pdf(chosen, **options)  # type: ignore[arg-type]
    again = verification_pdf(chosen, **options)  # type: ignore[arg-type]
    assert once == again
    path = tmp_path / "no-roots.pdf"
    path.write_bytes(once)
    text = pdf_text(path)
    # No trust root: the page says so, and no verdict is hidden behind colour alone.
    assert "KHÔNG CÓ chứng thư gốc nào" in text
    assert reports["quyết-định-B-T.pdf"].verdict is Verdict.INDETERMINATE
    assert "CHƯA XÁC ĐỊNH · INDETERMINATE" in text
