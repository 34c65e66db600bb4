"""Reading a Decree 30/2020 document's metadata from its pages (indexer.page_metadata).

Two sources of PDFs: the demo generator (``archive.demo.pdfs.render_document``), and pages
drawn here with reportlab's canvas in the layouts the generator does not make (type and
trích yếu on two lines, a công văn's "V/v", decomposed marks, pages that are not Decree 30).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from archive.demo.dataset import DemoDocument
from archive.demo.pdfs import find_serif_fonts, render_document
from indexer.page_metadata import PageMetadata, UnreadablePdfError, read_metadata

UBND = ("", "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ PHỦ LÝ")
QLTT = ("CỤC QUẢN LÝ THỊ TRƯỜNG TỈNH HÀ NAM", "ĐỘI QUẢN LÝ THỊ TRƯỜNG SỐ 1")
THADS = ("CỤC THI HÀNH ÁN DÂN SỰ TỈNH HÀ NAM", "CHI CỤC THI HÀNH ÁN DÂN SỰ\nTHÀNH PHỐ PHỦ LÝ")
BODY = ("Căn cứ Luật Xử lý vi phạm hành chính ngày 20 tháng 6 năm 2012;", "Nội dung văn bản.")


def generated(tmp_path: Path, doc: DemoDocument, letterhead: tuple[str, str]) -> Path:
    path = tmp_path / f"{doc.kind}.pdf"
    path.write_bytes(render_document(doc, agency=letterhead[0], unit_name=letterhead[1]))
    return path


# --------------------------------------------------------------------------------------------
# Documents of the demo generator
# --------------------------------------------------------------------------------------------


def test_decision_with_two_line_issuer_and_kt_signer(tmp_path: Path) -> None:
    doc = DemoDocument(
        "quyet_dinh_xu_phat",
        "Quyết định xử phạt vi phạm hành chính đối với ông Nguyễn Văn An",
        "125/QĐ-XPHC",
        date(2024, 1, 5),
        "Chủ tịch UBND thành phố Phủ Lý",
        ("CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ PHỦ LÝ", *BODY),
        2,
        signers=(("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", "Trần Quang Huy"),),
        recipients=("Như Điều 3;", "Lưu: VT, hồ sơ."),
    )
    assert read_metadata(generated(tmp_path, doc, UBND)) == PageMetadata(
        issuer="ỦY BAN NHÂN DÂN\nTHÀNH PHỐ PHỦ LÝ",
        number="125/QĐ-XPHC",
        place="Phủ Lý",
        issued_on=date(2024, 1, 5),
        doc_type="QUYẾT ĐỊNH",
        summary="Xử phạt vi phạm hành chính đối với ông Nguyễn Văn An",
        signer_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        signer_name="Trần Quang Huy",
    )


def test_record_with_parent_body_and_two_signers_gives_the_right_hand_one(
    tmp_path: Path,
) -> None:
    doc = DemoDocument(
        "bien_ban_kiem_tra",
        "Biên bản kiểm tra việc chấp hành pháp luật trong hoạt động kinh doanh",
        "19/BB-KT",
        date(2023, 11, 9),
        "Đội Quản lý thị trường số 1",
        BODY,
        1,
        signers=(
            ("ĐẠI DIỆN CƠ SỞ", "Phạm Đức Thắng"),
            ("TỔ TRƯỞNG TỔ KIỂM TRA", "Dương Minh Khoa"),
        ),
    )
    assert read_metadata(generated(tmp_path, doc, QLTT)) == PageMetadata(
        issuer="CỤC QUẢN LÝ THỊ TRƯỜNG TỈNH HÀ NAM\nĐỘI QUẢN LÝ THỊ TRƯỜNG SỐ 1",
        number="19/BB-KT",
        place="Phủ Lý",
        issued_on=date(2023, 11, 9),
        doc_type="BIÊN BẢN",
        summary="Kiểm tra việc chấp hành pháp luật trong hoạt động kinh doanh",
        signer_title="TỔ TRƯỞNG TỔ KIỂM TRA",
        signer_name="Dương Minh Khoa",
    )


def test_court_judgment_on_three_pages_with_a_two_line_signer(tmp_path: Path) -> None:
    doc = DemoDocument(
        "ban_an",
        "Bản án hành chính sơ thẩm về việc khiếu kiện quyết định hành chính",
        "15/2023/HC-ST",
        date(2023, 2, 28),
        "Tòa án nhân dân tỉnh Hà Nam",
        ("NHÂN DANH NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", *BODY),
        3,
        letterhead=("", "TÒA ÁN NHÂN DÂN\nTỈNH HÀ NAM"),
        signers=(("TM. HỘI ĐỒNG XÉT XỬ SƠ THẨM\nTHẨM PHÁN - CHỦ TỌA PHIÊN TÒA", "Trần Văn Hải"),),
        filler="court_admin",
    )
    assert read_metadata(generated(tmp_path, doc, QLTT)) == PageMetadata(
        issuer="TÒA ÁN NHÂN DÂN\nTỈNH HÀ NAM",
        number="15/2023/HC-ST",
        place="Phủ Lý",
        issued_on=date(2023, 2, 28),
        doc_type="BẢN ÁN",
        summary="Hành chính sơ thẩm về việc khiếu kiện quyết định hành chính",
        signer_title="TM. HỘI ĐỒNG XÉT XỬ SƠ THẨM\nTHẨM PHÁN - CHỦ TỌA PHIÊN TÒA",
        signer_name="Trần Văn Hải",
    )


def test_unnumbered_paper_with_three_line_letterhead(tmp_path: Path) -> None:
    doc = DemoDocument(
        "khac",
        "Biên bản giải quyết việc thi hành án",
        None,
        date(2024, 12, 1),
        "Chi cục Thi hành án dân sự",
        BODY,
        1,
        place="Hà Nam",
        signers=(("NGƯỜI PHẢI THI HÀNH ÁN", "Trịnh Thị Minh Thảo"), ("CHẤP HÀNH VIÊN", "Đinh Ánh")),
    )
    assert read_metadata(generated(tmp_path, doc, THADS)) == PageMetadata(
        issuer="CỤC THI HÀNH ÁN DÂN SỰ TỈNH HÀ NAM\nCHI CỤC THI HÀNH ÁN DÂN SỰ\nTHÀNH PHỐ PHỦ LÝ",
        number=None,
        place="Hà Nam",
        issued_on=date(2024, 12, 1),
        doc_type="BIÊN BẢN",
        summary="Giải quyết việc thi hành án",
        signer_title="CHẤP HÀNH VIÊN",
        signer_name="Đinh Ánh",
    )


def test_private_petition_has_no_issuer_nor_number(tmp_path: Path) -> None:
    doc = DemoDocument(
        "don_khoi_kien",
        "Đơn khởi kiện",
        None,
        date(2023, 8, 28),
        "Vũ Thị Minh Hương",
        ("Kính gửi: Tòa án nhân dân tỉnh Hà Nam.", *BODY),
        1,
        letterhead=(),
        signers=(("NGƯỜI KHỞI KIỆN", "Vũ Thị Minh Hương"),),
    )
    assert read_metadata(generated(tmp_path, doc, UBND)) == PageMetadata(
        issuer=None,
        number=None,
        place="Phủ Lý",
        issued_on=date(2023, 8, 28),
        doc_type="ĐƠN",
        summary="Khởi kiện",
        signer_title="NGƯỜI KHỞI KIỆN",
        signer_name="Vũ Thị Minh Hương",
    )


def test_twenty_pages_only_the_first_and_last_are_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = DemoDocument(
        "quyet_dinh_thi_hanh_an",
        "Quyết định thi hành án theo yêu cầu",
        "84/QĐ-CCTHADS",
        date(2024, 3, 12),
        "Chi cục Thi hành án dân sự",
        BODY,
        20,
        signers=(("CHI CỤC TRƯỞNG", "Nguyễn Hữu Toàn"),),
    )
    path = generated(tmp_path, doc, THADS)
    parsed: list[int] = []
    original = pdfplumber.page.Page.extract_words

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        parsed.append(self.page_number)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pdfplumber.page.Page, "extract_words", counting)
    got = read_metadata(path)
    assert parsed == [1, 20]
    assert (got.number, got.issued_on, got.signer_title, got.signer_name) == (
        "84/QĐ-CCTHADS",
        date(2024, 3, 12),
        "CHI CỤC TRƯỞNG",
        "Nguyễn Hữu Toàn",
    )


# --------------------------------------------------------------------------------------------
# Pages drawn here
# --------------------------------------------------------------------------------------------

WIDTH, HEIGHT = A4
LEFT_CENTRE = 85 + 102  # the 72 mm letterhead column, 30 mm from the left edge
RIGHT_CENTRE = 85 + 204 + 132
MIDDLE = (85 + WIDTH - 42.5) / 2


@functools.cache
def fonts() -> tuple[str, str, str]:
    found = find_serif_fonts()
    names = ("PM-Regular", "PM-Bold", "PM-Italic")
    for name, file in zip(names, (found.regular, found.bold, found.italic), strict=True):
        pdfmetrics.registerFont(TTFont(name, str(file)))
    return names


@dataclass
class Drawn:
    """One page in Decree 30 layout (or not), with what each place of it says."""

    left: tuple[str, ...] = ("UBND TỈNH HÀ NAM", "SỞ TƯ PHÁP")  # last line bold
    number: str | None = "Số: 12/QĐ-STP"
    vv: tuple[str, ...] = ()
    motto: bool = True
    date_line: str | None = "Hà Nam, ngày 05 tháng 01 năm 2024"
    title: tuple[str, ...] = ("QUYẾT ĐỊNH", "Về việc công nhận kết quả kiểm tra")
    heading: str | None = "GIÁM ĐỐC SỞ TƯ PHÁP"
    body: tuple[str, ...] = ("Căn cứ Luật Ban hành văn bản quy phạm pháp luật;",)
    signer: tuple[str, ...] = ("GIÁM ĐỐC",)
    name: str | None = "Lê Văn Bình"
    decompose: bool = False

    def save(self, path: Path) -> Path:
        regular, bold, italic = fonts()
        c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
        text = (lambda s: unicodedata.normalize("NFD", s)) if self.decompose else (lambda s: s)

        def centred(x: float, y: float, font: str, size: float, s: str) -> None:
            c.setFont(font, size)
            c.drawCentredString(x, HEIGHT - y, text(s))

        y = 60.0
        for i, line in enumerate(self.left):
            centred(
                LEFT_CENTRE, y + 15 * i, bold if i == len(self.left) - 1 else regular, 12.5, line
            )
        if self.motto:
            centred(RIGHT_CENTRE, y, bold, 12, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            centred(RIGHT_CENTRE, y + 15, bold, 13, "Độc lập - Tự do - Hạnh phúc")
        y += 15 * max(len(self.left), 2) + 12
        if self.number:
            centred(LEFT_CENTRE, y, regular, 13, self.number)
        for i, line in enumerate(self.vv):
            centred(LEFT_CENTRE, y + 18 + 14 * i, regular, 12, line)
        if self.date_line:
            centred(RIGHT_CENTRE, y, italic, 13, self.date_line)
        y += 40 + 14 * len(self.vv)
        for line in self.title:
            centred(MIDDLE, y, bold, 14, line)
            y += 18
        if self.title:
            c.line(MIDDLE - 50, HEIGHT - y + 10, MIDDLE + 50, HEIGHT - y + 10)
        y += 16
        if self.heading:
            centred(MIDDLE, y, bold, 13, self.heading)
            y += 24
        c.setFont(italic, 13)
        for line in self.body:
            c.drawString(113, HEIGHT - y, text(line))
            y += 17
        y += 20
        c.setFont(bold, 12)
        c.drawString(85, HEIGHT - y, text("Nơi nhận:"))
        for i, line in enumerate(self.signer):
            centred(RIGHT_CENTRE, y + 16 * i, bold, 13, line)
        if self.name:
            centred(RIGHT_CENTRE, y + 16 * len(self.signer) + 70, bold, 13, self.name)
        c.showPage()
        c.save()
        return path


def test_type_and_summary_on_two_lines_above_the_rule(tmp_path: Path) -> None:
    assert read_metadata(Drawn().save(tmp_path / "qd.pdf")) == PageMetadata(
        issuer="UBND TỈNH HÀ NAM\nSỞ TƯ PHÁP",
        number="12/QĐ-STP",
        place="Hà Nam",
        issued_on=date(2024, 1, 5),
        doc_type="QUYẾT ĐỊNH",
        summary="Về việc công nhận kết quả kiểm tra",
        signer_title="GIÁM ĐỐC",
        signer_name="Lê Văn Bình",
    )


def test_summary_wrapped_over_two_lines(tmp_path: Path) -> None:
    page = Drawn(
        title=(
            "KẾ HOẠCH",
            "Kiểm tra công tác văn thư, lưu trữ",
            "tại các phòng chuyên môn năm 2025",
        )
    )
    got = read_metadata(page.save(tmp_path / "kh.pdf"))
    assert (got.doc_type, got.summary) == (
        "KẾ HOẠCH",
        "Kiểm tra công tác văn thư, lưu trữ tại các phòng chuyên môn năm 2025",
    )


def test_authority_line_right_under_the_summary_is_not_part_of_it(tmp_path: Path) -> None:
    page = Drawn(
        title=("QUYẾT ĐỊNH", "Về việc công nhận kết quả kiểm tra", "GIÁM ĐỐC SỞ TƯ PHÁP"),
        heading=None,
    )
    got = read_metadata(page.save(tmp_path / "qd.pdf"))
    assert (got.doc_type, got.summary) == ("QUYẾT ĐỊNH", "Về việc công nhận kết quả kiểm tra")


def test_cong_van_summary_is_the_vv_under_the_number(tmp_path: Path) -> None:
    page = Drawn(
        left=("ỦY BAN NHÂN DÂN", "THÀNH PHỐ PHỦ LÝ"),
        number="Số: 52 /UBND-TP",
        vv=("V/v trả lời đơn kiến nghị", "của công dân phường Lam Hạ"),
        title=(),
        heading="Kính gửi: Tòa án nhân dân tỉnh Hà Nam.",  # bold and centred, not a title
        body=("Thực hiện Thông báo thụ lý vụ án số 74/2023/TB-TLVA,",),
        signer=("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        name="Trần Quang Huy",
    )
    # Both left lines print bold here: the issuer is the whole block either way.
    assert read_metadata(page.save(tmp_path / "cv.pdf")) == PageMetadata(
        issuer="ỦY BAN NHÂN DÂN\nTHÀNH PHỐ PHỦ LÝ",
        number="52/UBND-TP",
        place="Hà Nam",
        issued_on=date(2024, 1, 5),
        doc_type="CÔNG VĂN",
        summary="V/v trả lời đơn kiến nghị của công dân phường Lam Hạ",
        signer_title="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        signer_name="Trần Quang Huy",
    )


@pytest.mark.parametrize(
    ("line", "place", "on"),
    [
        ("Hà Nam, ngày 05 tháng 01 năm 2024", "Hà Nam", date(2024, 1, 5)),
        # Day before month, always: 03 tháng 04 is the third of April, never 4 March.
        ("Hà Nội, ngày 03 tháng 04 năm 2025", "Hà Nội", date(2025, 4, 3)),
        ("Phủ Lý, ngày 12 tháng 11 năm 2023", "Phủ Lý", date(2023, 11, 12)),
        ("TP. Hồ Chí Minh, ngày 1 tháng 2 năm 2024", "TP. Hồ Chí Minh", date(2024, 2, 1)),
        # Wider than the motto: starts left of the right column and is still one line.
        (
            "Thành phố Hồ Chí Minh, ngày 15 tháng 12 năm 2024",
            "Thành phố Hồ Chí Minh",
            date(2024, 12, 15),
        ),
        ("Hà Nam, ngày 31 tháng 02 năm 2024", "Hà Nam", None),  # no such day
        ("Hà Nam, ngày     tháng     năm 2024", "Hà Nam", None),  # left blank for the clerk
    ],
)
def test_date_is_day_then_month(tmp_path: Path, line: str, place: str, on: date | None) -> None:
    got = read_metadata(Drawn(date_line=line).save(tmp_path / "d.pdf"))
    assert (got.place, got.issued_on) == (place, on)


def test_decomposed_marks_come_back_composed(tmp_path: Path) -> None:
    page = Drawn(
        left=("ỦY BAN NHÂN DÂN", "THÀNH PHỐ PHỦ LÝ"), name="Nguyễn Thị Hường", decompose=True
    )
    got = read_metadata(page.save(tmp_path / "nfd.pdf"))
    assert got.issuer == "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ PHỦ LÝ"
    assert got.signer_name == "Nguyễn Thị Hường"
    assert got.summary == "Về việc công nhận kết quả kiểm tra"
    for value in (got.issuer, got.signer_name, got.summary, got.place, got.doc_type):
        assert value is not None and unicodedata.is_normalized("NFC", value)


def test_page_without_the_national_motto_gives_no_fields(tmp_path: Path) -> None:
    # A letter that quotes a number and a date but has no Decree 30 header.
    page = Drawn(motto=False, left=("CÔNG TY TNHH MINH ANH",))
    assert read_metadata(page.save(tmp_path / "letter.pdf")) == PageMetadata()


def test_page_without_text_gives_no_fields(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.rect(50, 50, 400, 600, fill=1)
    c.showPage()
    c.save()
    assert read_metadata(path) == PageMetadata()


def test_unsigned_draft_has_a_title_but_no_name(tmp_path: Path) -> None:
    got = read_metadata(Drawn(name=None).save(tmp_path / "draft.pdf"))
    assert (got.signer_title, got.signer_name) == ("GIÁM ĐỐC", None)


def test_unreadable_file_raises(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not a PDF body\n")
    with pytest.raises(UnreadablePdfError):
        read_metadata(broken)
    with pytest.raises(OSError):
        read_metadata(tmp_path / "missing.pdf")


def test_metadata_is_frozen() -> None:
    meta = PageMetadata(number="1/QĐ")
    with pytest.raises(AttributeError):
        meta.number = "2/QĐ"  # type: ignore[misc]
    assert replace(meta, number="2/QĐ").number == "2/QĐ"
