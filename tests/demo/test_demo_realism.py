"""The demo data must read as real papers of a Vietnamese city: what an official would check.

These tests look at the whole dataset and at the text of every rendered PDF: proper names keep
their capitals, unit names are not doubled, stated page counts are true, no date falls after the
2025 reorganisation of local government (or on a day off, for an office's papers), dates inside a
dossier come in the order the procedure needs, and the filler text fits the document it pads.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta

import pypdfium2 as pdfium
import pytest
from support.dataset_text import strings

from archive.demo import dataset as demo
from archive.demo.dataset import (
    _DAYS_OFF,
    AS_OF,
    UNITS,
    WARDS,
    DemoDataset,
    DemoDocument,
    DemoDossier,
    build_dataset,
)
from archive.demo.pdfs import render_document

#: From 1 July 2025 the bodies the demo uses (UBND thành phố Phủ Lý, tỉnh Hà Nam, the city
#: court, the city THADS office, Cục QLTT tỉnh Hà Nam) no longer exist as such.
REORGANISED = date(2025, 7, 1)
LETTERHEADS = {u.code: (u.letterhead_agency, u.letterhead_name) for u in UNITS}


@dataclass(frozen=True)
class Rendered:
    dossier: DemoDossier
    doc: DemoDocument
    pages: int
    text: str  # NFC, whitespace squashed to single spaces


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def dates_in(value: object) -> list[date]:
    if isinstance(value, date):
        return [value]
    if is_dataclass(value) and not isinstance(value, type):
        return [d for f in fields(value) for d in dates_in(getattr(value, f.name))]
    if isinstance(value, dict):
        return [d for k, v in value.items() for d in (*dates_in(k), *dates_in(v))]
    if isinstance(value, tuple | list):
        return [d for item in value for d in dates_in(item)]
    return []


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_dataset()


@pytest.fixture(scope="module")
def rendered(dataset: DemoDataset) -> list[Rendered]:
    out = []
    for dossier in dataset.dossiers:
        agency, name = LETTERHEADS[dossier.unit_code]
        for doc in dossier.documents:
            pdf = pdfium.PdfDocument(render_document(doc, agency=agency, unit_name=name))
            try:
                parts = []
                for index in range(len(pdf)):
                    textpage = pdf[index].get_textpage()
                    parts.append(textpage.get_text_range())
                    textpage.close()
                out.append(Rendered(dossier, doc, len(pdf), squash(" ".join(parts))))
            finally:
                pdf.close()
    return out


@pytest.fixture(scope="module")
def every_text(dataset: DemoDataset, rendered: list[Rendered]) -> list[str]:
    """Every string of the dataset and the text of every rendered PDF."""
    return [squash(s) for s in strings(dataset)] + [r.text for r in rendered]


# --------------------------------------------------------------------------------------------
# 1. Proper names keep their capitals
# --------------------------------------------------------------------------------------------


def proper(name: str) -> str:
    """ "đào tiến nam" -> "Đào Tiến Nam": every syllable of a personal name capitalised."""
    return " ".join(part[:1].upper() + part[1:] for part in name.split())


def alternation(options: set[str]) -> str:
    # Longest first, so "Thị Thu" is tried before "Thị".
    return "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))


def person_name_pattern() -> re.Pattern[str]:
    surnames = set(demo._SURNAMES)
    middles = set(demo._MALE_MIDDLE) | set(demo._FEMALE_MIDDLE)
    given = set(demo._MALE_GIVEN) | set(demo._FEMALE_GIVEN)
    return re.compile(
        rf"(?<!\w)(?:{alternation(surnames)}) (?:{alternation(middles)}) "
        rf"(?:{alternation(given)})(?!\w)",
        re.IGNORECASE,
    )


def place_names() -> set[str]:
    villages = {v.split(" ", 1)[1] for v in demo._VILLAGES if v.startswith("thôn ")}
    names = (
        set(WARDS)
        | set(demo._COMMUNES)
        | set(demo._STREETS)
        | set(demo._SHOP_NAMES)
        | set(demo._COMPANY_NAMES)
        | {name for name in villages if " " in name}
        # "xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam" -> "Liêm Sơn", "Thanh Liêm", "Hà Nam"
        | {
            part.strip().split(" ", 1)[1].removeprefix("xã ")
            for outside in demo._OUTSIDE
            for part in outside.split(",")
        }
        | {"Phủ Lý", "Hà Nam", "Nam Định", "Nam Cao", "Châu Sơn"}
    )
    # Single words ("Thượng") are ordinary words too; they are checked with their "thôn".
    return {n for n in names if " " in n}


def unit_names(dataset: DemoDataset) -> set[str]:
    return {u.name for u in dataset.units} | {
        "Ủy ban nhân dân",
        "Tòa án nhân dân",
        "Viện kiểm sát nhân dân",
        "Kho bạc Nhà nước",
        "Cục Quản lý thị trường",
        "Cục Thi hành án dân sự",
    }


def test_person_and_place_names_keep_their_capitals(every_text: list[str]) -> None:
    people = person_name_pattern()
    places = {name: re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.I) for name in place_names()}
    village = re.compile(r"(?<!\w)(thôn|xóm|tổ dân phố) (\w+(?: \w+)*)", re.I)
    village_names = {v.split(" ", 1)[1] for v in demo._VILLAGES if v.startswith("thôn ")}
    wrong: set[str] = set()
    for text in every_text:
        for match in people.finditer(text):
            if match.group(0) != proper(match.group(0)) and match.group(0).upper() != match.group(
                0
            ):
                wrong.add(match.group(0))
        for name, pattern in places.items():
            for match in pattern.finditer(text):
                if match.group(0) not in (name, name.upper()):
                    wrong.add(match.group(0))
        for match in village.finditer(text):
            word, rest = match.group(1), match.group(2)
            for name in village_names:
                lowered = rest.lower().startswith(name.lower()) and not rest.startswith(name)
                if lowered and rest.upper() != rest:
                    wrong.add(match.group(0))
            # The administrative word itself is lower case unless it starts a sentence or field.
            start = match.start()
            before = text[:start].rstrip()
            if word[0].isupper() and word.upper() != word and before and before[-1] not in ".:;(":
                wrong.add(match.group(0))
        # So is an honorific before a name: "đối với ông Nguyễn Văn Đức", not "đối với Ông".
        for match in re.finditer(r"(?<=[\w,])(?<!Hai) (Ông|Bà) [A-ZĐ]\w*", text):
            wrong.add(match.group(0))
    assert not wrong, sorted(wrong)


def test_every_drawn_name_appears_with_its_capitals(
    dataset: DemoDataset, rendered: list[Rendered]
) -> None:
    by_dossier: dict[str, str] = {}
    for r in rendered:
        by_dossier[r.dossier.code] = by_dossier.get(r.dossier.code, "") + " " + r.text
    for dossier in dataset.dossiers:
        text = squash(" ".join(strings(dossier))) + by_dossier.get(dossier.code, "")
        for party in dossier.parties:
            assert party.name in text, (dossier.code, party.name)
            if party.kind == "individual":
                assert party.name == proper(party.name), party.name
            lowered = re.compile(rf"(?<!\w){re.escape(party.name)}(?!\w)", re.I)
            for match in lowered.finditer(text):
                assert match.group(0) in (party.name, party.name.upper()), match.group(0)
        for doc in dossier.documents:
            for _title, name in doc.signers:
                assert name == proper(name) or not name[:1].isalpha(), name


def test_unit_and_committee_names_keep_their_capitals(
    dataset: DemoDataset, every_text: list[str]
) -> None:
    wrong: set[str] = set()
    for name in unit_names(dataset):
        pattern = re.compile(rf"(?<!\w)(\w+ )?({re.escape(name)})(?!\w)", re.I)
        for text in every_text:
            for match in pattern.finditer(text):
                found, before = match.group(2), (match.group(1) or "").strip()
                if found in (name, name.upper()):
                    continue
                # "Trưởng phòng Tư pháp": the title takes the unit word in lower case; and
                # "Chi cục Thi hành án" is another unit than "Cục Thi hành án".
                if before in ("Trưởng", "trưởng", "Chi", "CHI") and found[1:] == name[1:]:
                    continue
                wrong.add(match.group(0))
    for text in every_text:
        for match in re.finditer(r"(?<!\w)[uU][ỷỶ]\s*ban nhân dân|(?<!\w)ủy ban", text):
            wrong.add(match.group(0))
        for match in re.finditer(r"(?<!\w)Ủy Ban|(?<!\w)Ủy ban Nhân", text):
            wrong.add(match.group(0))
    assert not wrong, sorted(wrong)


# --------------------------------------------------------------------------------------------
# 2. No doubled unit words
# --------------------------------------------------------------------------------------------

UNIT_WORDS = ("thành phố", "thị xã", "huyện", "tỉnh", "quận", "xã", "phường", "thôn", "xóm")


def test_no_unit_word_is_doubled(every_text: list[str]) -> None:
    words = "|".join(UNIT_WORDS)
    doubled = re.compile(rf"(?<!\w)({words}) \1(?!\w)", re.I)
    any_pair = re.compile(r"(?<!\w)(\w+ \w+) \1(?!\w)")
    found = set()
    for text in every_text:
        found |= {m.group(0) for m in doubled.finditer(text)}
        found |= {m.group(0) for m in any_pair.finditer(text)}
    assert not found, sorted(found)


# --------------------------------------------------------------------------------------------
# 3. Page counts written in a document are its real page counts
# --------------------------------------------------------------------------------------------


def test_page_counts_written_in_the_text_are_true(rendered: list[Rendered]) -> None:
    stated = re.compile(r"(?:gồm|có|thành)\s+(\d+)\s+(?:trang|tờ)(?!\w)", re.I)
    checked = 0
    for r in rendered:
        for match in stated.finditer(r.text):
            assert int(match.group(1)) == r.pages, (r.dossier.code, r.doc.kind, match.group(0))
            checked += 1
        # Folio numbers belong to the dossier, not to a paper inside it.
        assert "bút lục từ số" not in r.text, (r.dossier.code, r.doc.kind)
    assert checked >= 10  # every record of violation states its length


# --------------------------------------------------------------------------------------------
# 4. Nothing after the 2025 reorganisation
# --------------------------------------------------------------------------------------------

NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)")
WORDED_DATE = re.compile(r"ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})")
NUMBER_YEAR = re.compile(r"(?<![\d/])\d+/(\d{4})/[A-ZĐ]")


def written_dates(text: str) -> Iterator[date]:
    for pattern in (NUMERIC_DATE, WORDED_DATE):
        for d, m, y in pattern.findall(text):
            yield date(int(y), int(m), int(d))


def test_no_date_after_the_reorganisation(dataset: DemoDataset, every_text: list[str]) -> None:
    assert AS_OF < REORGANISED
    for d in dates_in(dataset):
        assert d < REORGANISED, d
    for dossier in dataset.dossiers:
        assert all(on <= AS_OF for on in dossier.key_dates.values()), dossier.code
        assert all(doc.issued_on <= AS_OF for doc in dossier.documents), dossier.code
        assert int(dossier.code.split("-")[1]) < REORGANISED.year + 1, dossier.code
        for doc in dossier.documents:
            if doc.number and re.search(r"/(\d{4})/", doc.number):
                assert int(re.search(r"/(\d{4})/", doc.number).group(1)) <= 2025, doc.number
    for text in every_text:
        for d in written_dates(text):
            assert d < REORGANISED, (d, text[:120])
        for year in NUMBER_YEAR.findall(text):
            assert int(year) <= 2025, text[:120]
        for year in re.findall(r"(?<!\w)năm (\d{4})(?!\d)", text):
            assert int(year) <= 2025, text[:120]


def test_dates_spread_over_several_years(dataset: DemoDataset) -> None:
    opened = [d.opened_on for d in dataset.dossiers]
    assert min(opened).year == 2022 and max(opened).year == 2025
    assert len({d.year for d in opened}) == 4


# --------------------------------------------------------------------------------------------
# 5. What else an official would notice
# --------------------------------------------------------------------------------------------

#: The generator's own list of weekdays off (Tết, 1/1, Hùng Kings, 30/4–1/5, 2/9, swaps).
DAYS_OFF = _DAYS_OFF
OFFICE_KINDS = (
    "quyet_dinh",
    "ban_an",
    "thong_bao",
    "ke_hoach_kiem_tra",
    "van_ban_y_kien",
    "bien_ban_doi_thoai",
    "khac",
)
CITED_PAPER = re.compile(
    r"(?:Quyết định|Bản án|Kế hoạch|Thông báo)(?: kiểm tra)? số \S+ ngày (\d{2}/\d{2}/\d{4})"
)


def working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in DAYS_OFF


def test_offices_issue_papers_on_working_days(dataset: DemoDataset, every_text: list[str]) -> None:
    for dossier in dataset.dossiers:
        for doc in dossier.documents:
            if doc.kind.startswith(OFFICE_KINDS) and doc.letterhead != ():
                assert working_day(doc.issued_on), (dossier.code, doc.kind, doc.issued_on)
    for text in every_text:
        for cited in CITED_PAPER.findall(text):
            d, m, y = (int(x) for x in cited.split("/"))
            assert working_day(date(y, m, d)), (cited, text[:120])


def test_no_paper_speaks_of_a_date_after_its_own(rendered: list[Rendered]) -> None:
    # A plan names the period it covers; everything else only looks back.
    period = re.compile(r"đến ngày (\d{2}/\d{2}/\d{4})\.")
    for r in rendered:
        text = period.sub("", r.text) if r.doc.kind == "ke_hoach_kiem_tra" else r.text
        for d in written_dates(text):
            assert d <= r.doc.issued_on, (r.dossier.code, r.doc.kind, d, r.doc.issued_on)


def test_sanction_papers_come_in_the_order_of_the_procedure(dataset: DemoDataset) -> None:
    for dossier in dataset.dossiers:
        docs = {doc.kind: doc for doc in dossier.documents}
        decision = docs.get("quyet_dinh_xu_phat")
        if decision is None:
            continue
        text = " ".join(decision.paragraphs)
        cited = re.search(
            r"Căn cứ Biên bản vi phạm hành chính số (\S+) lập ngày (\d{2}/\d{2}/\d{4})", text
        )
        assert cited, (dossier.code, "a sanction decision cites its record of violation")
        record_day = date(*reversed([int(x) for x in cited.group(2).split("/")]))
        assert record_day < decision.issued_on or (
            record_day == decision.issued_on and dossier.case_type == "qltt"
        ), dossier.code
        records = [
            d
            for d in dossier.documents
            if d.number == cited.group(1) and d.title.startswith("Biên bản vi phạm hành chính")
        ]
        assert records and records[0].issued_on == record_day, dossier.code
        for later in ("quyet_dinh_cuong_che", "bien_lai_nop_phat"):
            if later in docs:
                assert docs[later].issued_on > decision.issued_on, (dossier.code, later)
        if "quyet_dinh_cuong_che" in docs:
            # Enforcement only once the 10 days to pay have passed.
            assert docs["quyet_dinh_cuong_che"].issued_on > decision.issued_on + timedelta(10)


def test_explanation_only_where_the_law_gives_the_right(dataset: DemoDataset) -> None:
    # Law on Handling Administrative Violations, Art. 61: the right to explain exists where the
    # fine bracket reaches 15 million đồng for a person (30 million for an organisation) or a
    # licence is withdrawn; the demo's fine is the middle of the bracket, so it grants the
    # right only from those amounts and never mentions it below them.
    explained = 0
    for dossier in dataset.dossiers:
        if dossier.case_type != "xlvphc":
            continue
        violator = next(p for p in dossier.parties if p.role == "violator")
        fine = dossier.custom.get("fine_amount")
        record = next(d for d in dossier.documents if d.kind == "bien_ban_vi_pham")
        grants = "yêu cầu được giải trình" in " ".join(record.paragraphs)
        threshold = 30_000_000 if violator.kind == "organisation" else 15_000_000
        has_right = (isinstance(fine, int) and fine >= threshold) or (fine is None and grants)
        if "giai_trinh" in dossier.key_dates or any(
            d.kind == "van_ban_giai_trinh" for d in dossier.documents
        ):
            assert has_right, (dossier.code, fine)
            explained += 1
        if grants:
            assert has_right, (dossier.code, fine)
    assert explained >= 1


def test_honorifics_match_the_person(dataset: DemoDataset, every_text: list[str]) -> None:
    # The 4th digit of a CCCD encodes sex and century: even for men, odd for women.
    sex: dict[str, bool] = {}
    for dossier in dataset.dossiers:
        for p in dossier.parties:
            if p.kind == "individual" and p.id_number:
                sex[p.name] = int(p.id_number[3]) % 2 == 0
    called = re.compile(r"(?<!\w)(ông|bà|Ông|Bà) ((?:[A-ZĐ]\w* ?){2,4})")
    for text in every_text:
        for match in called.finditer(text):
            name = match.group(2).strip()
            if name in sex:
                assert (match.group(1).lower() == "ông") == sex[name], match.group(0)
        for match in re.finditer(r"(?<!\w)(Ông|Bà|ông|bà) ([^;,.]+); giới tính: (nam|nữ)", text):
            assert (match.group(1).lower() == "ông") == (match.group(3) == "nam"), match.group(0)


def test_organisations_are_described_as_organisations(
    dataset: DemoDataset, every_text: list[str]
) -> None:
    for dossier in dataset.dossiers:
        for p in dossier.parties:
            if p.kind == "organisation" and p.id_number:
                assert re.fullmatch(r"\d{10}(-\d{3})?", p.id_number), p
            if p.kind == "individual" and p.id_number:
                assert re.fullmatch(r"0\d{11}", p.id_number), p
    branches = {p.name for d in dataset.dossiers for p in d.parties if "Chi nhánh" in p.name}
    assert branches
    for text in every_text:
        for branch in branches:
            at = text.find(branch + ";")
            if at >= 0:
                described = text[at : text.find(".", at)]
                assert "trụ sở chính" not in described, described
                assert "người đại diện theo pháp luật" not in described, described
        assert not re.search(r"Họ và tên[^:]*: (Công ty|Ngân hàng)", text), text[:120]


def test_filler_fits_the_paper_it_pads(rendered: list[Rendered]) -> None:
    for r in rendered:
        # No filler paragraph twice in one paper (the paper's own text may quote itself: a
        # judgment repeats the claim it grants).
        own = squash(" ".join(r.doc.paragraphs))
        sentences = [s for s in re.split(r"(?<=[.;:])\s+", r.text) if len(s) > 60]
        repeated = {s for s in sentences if sentences.count(s) > 1 and s not in own}
        assert not repeated, (r.dossier.code, r.doc.kind, sorted(repeated)[:2])
        if r.doc.kind in ("bien_ban_vi_pham", "anh_hien_truong", "bien_ban_xac_minh") and (
            r.dossier.field not in ("xay_dung", "dat_dai")
        ):
            assert "thi công" not in r.text and "chủ đầu tư" not in r.text, (
                r.dossier.code,
                r.doc.kind,
            )
        if r.doc.kind == "ban_an" and r.dossier.case_type == "thads":
            # A civil or criminal judgment has no "người bị kiện" and no land compensation.
            assert "người bị kiện" not in r.text.lower(), r.dossier.code
            assert "bồi thường, hỗ trợ" not in r.text, r.dossier.code
        if r.doc.kind in ("ke_hoach_kiem_tra", "quyet_dinh_xu_phat"):
            # Plans and decisions do not report statistics of a past period.
            assert "Tổng hợp kết quả thực hiện" not in r.text, (r.dossier.code, r.doc.kind)


def test_courts_are_composed_and_represented_as_the_law_requires(dataset: DemoDataset) -> None:
    for dossier in dataset.dossiers:
        for doc in dossier.documents:
            text = " ".join(doc.paragraphs)
            if doc.kind == "ban_an" and "phúc thẩm" in doc.title:
                # Law on Administrative Procedure, Art. 222: three judges, no lay judges.
                assert "Hội thẩm" not in text and "các Thẩm phán:" in text, dossier.code
            if doc.kind == "ban_an" and "sơ thẩm" in doc.title and dossier.case_type != "thads":
                assert "các Hội thẩm nhân dân:" in text, dossier.code
            # Art. 60(3): the Chairman, as defendant, may only authorise his deputy.
            for match in re.finditer(r"ủy quyền(?: cho)?:? ([^.;]+)", text):
                if "người bị kiện" in text[max(0, match.start() - 80) : match.start()] or (
                    doc.kind == "van_ban_y_kien"
                ):
                    assert "Phó Chủ tịch" in match.group(1), (dossier.code, match.group(0))
            assert "Trưởng phòng Tư pháp tham gia tố tụng" not in text, dossier.code


def test_judgments_name_the_parties_by_their_role_and_leave_no_section_empty(
    dataset: DemoDataset,
) -> None:
    headings = ("NỘI DUNG VỤ ÁN:", "NHẬN ĐỊNH CỦA TÒA ÁN:", "QUYẾT ĐỊNH:")
    seen = set()
    for dossier in dataset.dossiers:
        for doc in dossier.documents:
            if doc.kind != "ban_an":
                continue
            for a, b in itertools.pairwise(doc.paragraphs):
                assert not (a in headings and b in headings), (dossier.code, a, b)
            text = " ".join(doc.paragraphs)
            if dossier.case_type != "thads":
                continue
            suffix = (doc.number or "").rsplit("/", 1)[-1]
            seen.add(suffix)
            if suffix == "HS-ST":
                assert "bị cáo" in text and "Bị hại:" in text and " giữa" not in text
            else:
                assert "Nguyên đơn:" in text and "Bị đơn:" in text, dossier.code
            if suffix == "KDTM-ST":
                # A commercial dispute is between businesses.
                assert {p.kind for p in dossier.parties} == {"organisation"}, dossier.code
    assert {"HS-ST", "DS-ST"} <= seen


def test_records_carry_no_decision_number(dataset: DemoDataset) -> None:
    for dossier in dataset.dossiers:
        for doc in dossier.documents:
            if doc.title.startswith("Biên bản") and doc.number:
                assert "/BB-" in doc.number, (dossier.code, doc.title, doc.number)


def test_the_shop_is_answered_for_by_its_own_representative(dataset: DemoDataset) -> None:
    for dossier in dataset.dossiers:
        if dossier.case_type not in ("qltt", "xlvphc"):
            continue
        subject = dossier.parties[0]
        for doc in dossier.documents:
            for title, name in doc.signers:
                if title in ("ĐẠI DIỆN CƠ SỞ", "NGƯỜI VI PHẠM", "NGƯỜI BỊ TẠM GIỮ"):
                    if subject.kind == "individual":
                        assert name == subject.name, (dossier.code, doc.kind, name)
                    else:
                        identity = " ".join(p for d in dossier.documents for p in d.paragraphs)
                        named = (
                            f"{role}: {hon} {name}"
                            for role in (
                                "người đại diện theo pháp luật",
                                "Đại diện cơ sở được kiểm tra",
                            )
                            for hon in ("ông", "bà")
                        )
                        assert any(n in identity for n in named), (dossier.code, doc.kind, name)


def test_places_are_where_the_map_has_them(every_text: list[str]) -> None:
    # Hòa Mạc and Đồng Văn industrial parks are in Duy Tiên, outside the city's jurisdiction.
    for text in every_text:
        assert "Hòa Mạc" not in text and "Đồng Văn" not in text, text[:120]


def test_fines_follow_the_violation(dataset: DemoDataset) -> None:
    # The same violation costs every person the same (the middle of its bracket, with no
    # aggravating or mitigating circumstance) and an organisation twice that (Art. 24(2)).
    by_violation: dict[str, set[tuple[str, int]]] = {}
    for dossier in dataset.dossiers:
        decision = next((d for d in dossier.documents if d.kind == "quyet_dinh_xu_phat"), None)
        if decision is None:
            continue
        text = " ".join(decision.paragraphs)
        fine = int(
            re.search(r"(?:mức phạt:|phạt tiền) ([\d.]+) đồng", text).group(1).replace(".", "")
        )
        act = re.search(r"(?:hành vi vi phạm hành chính|Hành vi vi phạm): ([^;.]+)", text).group(1)
        kind = next(p.kind for p in dossier.parties if p.role in ("violator", "inspected"))
        by_violation.setdefault(act.strip().lower(), set()).add((kind, fine))
        if "niêm yết giá" in act:
            # Decree 87/2024/NĐ-CP, Art. 13(1): 500.000 to 1.000.000 đồng for a person.
            assert 500_000 <= fine // (2 if kind == "organisation" else 1) <= 1_000_000
    for act, fines in by_violation.items():
        person = {f for k, f in fines if k == "individual"}
        organisation = {f for k, f in fines if k == "organisation"}
        assert len(person) <= 1 and len(organisation) <= 1, (act, fines)
        if person and organisation:
            assert organisation == {2 * next(iter(person))}, (act, fines)


#: When each decree the demo cites took effect, and the decree that replaced it for the same
#: violations (Decree 168/2024 for road traffic, 123/2024 for land).
DECREE_IN_FORCE = {
    "100/2019/NĐ-CP": (date(2020, 1, 1), date(2025, 1, 1)),
    "168/2024/NĐ-CP": (date(2025, 1, 1), None),
    "16/2022/NĐ-CP": (date(2022, 1, 28), None),
    "45/2022/NĐ-CP": (date(2022, 8, 25), None),
    "91/2019/NĐ-CP": (date(2020, 1, 5), date(2024, 10, 4)),
    "123/2024/NĐ-CP": (date(2024, 10, 4), None),
    "117/2020/NĐ-CP": (date(2020, 11, 15), None),
    "115/2018/NĐ-CP": (date(2018, 10, 20), None),
    "98/2020/NĐ-CP": (date(2020, 10, 15), None),
    "144/2021/NĐ-CP": (date(2022, 1, 1), None),
    "118/2021/NĐ-CP": (date(2022, 1, 1), None),
    "87/2024/NĐ-CP": (date(2024, 7, 12), None),
}


def test_cited_decrees_are_in_force_on_the_day_of_the_violation(dataset: DemoDataset) -> None:
    cited = re.compile(r"Nghị định số (\d+/\d{4}/NĐ-CP)(?! ngày 30 tháng 12 năm 2016)")
    for dossier in dataset.dossiers:
        if dossier.case_type not in ("xlvphc", "qltt"):
            continue
        found = dossier.opened_on
        for doc in dossier.documents:
            for number in cited.findall(" ".join(doc.paragraphs)):
                if number not in DECREE_IN_FORCE:
                    continue  # an amending decree named in a citation
                start, end = DECREE_IN_FORCE[number]
                assert start <= found and (end is None or found < end), (
                    dossier.code,
                    number,
                    found,
                )


def test_sanction_cases_do_not_outlive_their_time_limits(dataset: DemoDataset) -> None:
    # Law on XLVPHC: a decision within 7 working days of the record, at most two months in all
    # (Art. 66); an unexecuted decision lapses after one year (Art. 74). A case still open on the
    # demo's date cannot be older than that.
    for dossier in dataset.dossiers:
        if dossier.case_type != "xlvphc" or dossier.closed_on is not None:
            continue
        if "ra_quyet_dinh" not in dossier.key_dates:
            assert (AS_OF - dossier.key_dates["lap_bien_ban"]).days <= 61, dossier.code
        else:
            assert (AS_OF - dossier.key_dates["ra_quyet_dinh"]).days < 365, dossier.code
