"""Build the deterministic demo dataset: units, users and dossiers of a city People's Committee.

Everything here is plain data (frozen dataclasses) made from a seed; there is no I/O and no
import from the rest of the archive, so the loader, the tests and the PDF renderer can all
rely on the same values. Codes (case types, stages, document kinds, fields of law, custom
fields, party roles) are the ones in ``archive/casetypes/*.json``.

The people, companies, numbers and addresses are invented. Legal citations are illustrative
(the decrees exist, article references are given to the best of our knowledge) and must not
be read as legal advice. Working days here skip weekends and the public days off of the years
the demo covers (a short list below; the archive's own holiday calendar is data kept elsewhere).

Every stage and paper is dated on or before :data:`AS_OF`, 28 February 2025 (the only later
date written anywhere is the end of an inspection plan's three-month period): the demo's bodies
are those of a city before the 2025 reorganisation of the state apparatus. From 1 March 2025
district-level police (Công an thành phố Phủ Lý) no longer existed; in the following weeks the
city's Phòng Tài nguyên và Môi trường was merged into a Phòng Nông nghiệp và Môi trường and the
provincial market surveillance department (Cục Quản lý thị trường tỉnh Hà Nam) was handed over to
the province as a Chi cục; from 1 July 2025 the city People's Committee, the city court, the city
THADS office and Hà Nam province itself followed.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "AS_OF",
    "DEMO_PASSWORD",
    "DemoDataset",
    "DemoDocument",
    "DemoDossier",
    "DemoParty",
    "DemoUnit",
    "DemoUser",
    "build_dataset",
    "format_date",
    "format_money",
    "money_in_words",
]

#: Password of every demo account (documented in the demo's README/CLI help).
DEMO_PASSWORD = "matkhau-demo"  # noqa: S105 — a published demo password, not a secret

#: No stage or document date in the dataset is later than this, so the data does not depend on
#: "today" and every body it names still existed (see the module docstring).
AS_OF = date(2025, 2, 28)

# Decree 45/2022/NĐ-CP (environment) took effect on 25 August 2022; every decree the demo cites
# is in force from the first opening date on.
_FIRST_OPENED = date(2022, 9, 5)
_LAST_OPENED = date(2025, 1, 31)


# --------------------------------------------------------------------------------------------
# The data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUnit:
    """An organisational unit (đơn vị); ``letterhead_*`` is how its documents are headed."""

    code: str
    name: str
    parent_code: str | None
    #: Upper line of the letterhead (cơ quan chủ quản), "" when the unit has none.
    letterhead_agency: str = ""
    #: Issuing body as printed in the letterhead, upper case; "\n" marks a forced line break.
    letterhead_name: str = ""


@dataclass(frozen=True)
class DemoUser:
    """A demo account; every one has the password :data:`DEMO_PASSWORD`."""

    username: str
    full_name: str
    role: str  # official | leader | clerk | auditor | admin
    unit_code: str
    password: str
    title: str = ""  # job title as printed under a signature


@dataclass(frozen=True)
class DemoParty:
    """A party of a dossier with a role code of the dossier's case type."""

    role: str
    kind: str  # individual | organisation
    name: str
    id_number: str | None  # 12-digit CCCD for people, 10-digit business code for companies
    address: str | None


@dataclass(frozen=True)
class DemoDocument:
    """One document of a dossier; :func:`archive.demo.pdfs.render_document` turns it into a PDF.

    ``pages`` is the exact page count of the rendered PDF. The fields after ``pages`` only
    steer the rendering.
    """

    kind: str
    title: str
    number: str | None
    issued_on: date
    issuer: str  # issuing body or person (cơ quan/người ban hành)
    paragraphs: tuple[str, ...]
    pages: int
    #: None: headed with the dossier unit's letterhead (the caller's ``agency``/``unit_name``);
    #: (): a private person's document (no letterhead); (agency, name): another body's.
    letterhead: tuple[str, ...] | None = None
    place: str = "Phủ Lý"
    #: (title, name) pairs; one is printed on the right, two side by side (records).
    signers: tuple[tuple[str, str], ...] = ()
    recipients: tuple[str, ...] = ()  # "Nơi nhận"
    #: Index in ``paragraphs`` where filler text goes to reach ``pages``; None = before the last.
    fill_at: int | None = None
    #: Which filler text fits the paper ("court_admin", "court_civil", "record_site",
    #: "petition_land", ...); "" for papers that take none (their extra page, if any, comes
    #: from moving their closing paragraphs and signature over).
    filler: str = ""
    #: The day the matter the filler narrates began (for a judgment: the day the case was
    #: accepted); the filler dates events between it and ``issued_on``. None: a few months.
    since: date | None = None
    #: Facts of the case the filler must repeat consistently (``ward``, ``plot``, ``sheet``,
    #: ``area``, ``year``), shared by all papers of a dossier.
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemoDossier:
    """A case dossier (hồ sơ) with its parties, stage history, custom fields and documents."""

    code: str
    title: str
    case_type: str
    unit_code: str
    field: str
    stage: str
    retention: str  # "vinh_vien" or "70", "50", "30", "20", "10" (years)
    opened_on: date
    closed_on: date | None
    parties: tuple[DemoParty, ...]
    #: stage code -> date the stage was reached, in the order the stages were reached.
    key_dates: dict[str, date] = dataclasses.field(hash=False)
    #: custom field code -> value (money in int đồng, dates as date, choices as codes);
    #: optional fields without a value are left out.
    custom: dict[str, object] = dataclasses.field(hash=False)
    documents: tuple[DemoDocument, ...] = ()


@dataclass(frozen=True)
class DemoDataset:
    units: tuple[DemoUnit, ...]
    users: tuple[DemoUser, ...]
    dossiers: tuple[DemoDossier, ...]


# --------------------------------------------------------------------------------------------
# Formatting helpers (shared with the renderer)
# --------------------------------------------------------------------------------------------


def format_date(d: date) -> str:
    """dd/mm/yyyy, the only numeric date order used in Vietnamese documents."""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def format_money(amount: int) -> str:
    """7500000 -> "7.500.000" (Vietnamese thousands separator is the dot)."""
    return f"{amount:,}".replace(",", ".")


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ")


def _three_digits(n: int, inner: bool) -> list[str]:
    # ``inner``: a group after a larger one reads its zero hundreds ("một triệu không trăm...").
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or inner:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if hundreds or inner:
                words.append("linh")
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, _DIGITS[units]))
    return words


def money_in_words(amount: int) -> str:
    """7500000 -> "Bảy triệu năm trăm nghìn đồng" (the "Bằng chữ" line of decisions)."""
    if amount < 0 or amount >= 10**12:
        raise ValueError(f"amount out of range: {amount}")
    if amount == 0:
        return "Không đồng"
    groups = []
    rest = amount
    while rest:
        groups.append(rest % 1000)
        rest //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index] == 0:
            continue
        words += _three_digits(groups[index], inner=bool(words))
        if _GROUPS[index]:
            words.append(_GROUPS[index])
    text = " ".join([*words, "đồng"])
    return text[0].upper() + text[1:]


def _money(amount: int) -> str:
    return f"{format_money(amount)} đồng (Bằng chữ: {money_in_words(amount)})"


def _upper_first(text: str) -> str:
    """Capitalise the first letter only: "ông Đào Tiến Nam" -> "Ông Đào Tiến Nam".

    Unlike ``str.capitalize`` it never lower-cases the rest, where the proper names are.
    """
    return text[:1].upper() + text[1:]


#: Weekdays off (Tết, New Year, Hùng Kings, 30/4–1/5, National Day, with the days swapped for
#: them) in the years the demo's papers can carry: the government's yearly announcements.
_DAYS_OFF = frozenset(
    date.fromisoformat(day)
    for day in [
        "2021-01-01",
        "2021-02-10",
        "2021-02-11",
        "2021-02-12",
        "2021-02-15",
        "2021-02-16",
        "2021-04-21",
        "2021-04-30",
        "2021-05-03",
        "2021-09-02",
        "2021-09-03",
        "2022-01-03",
        "2022-01-31",
        "2022-02-01",
        "2022-02-02",
        "2022-02-03",
        "2022-02-04",
        "2022-04-11",
        "2022-05-02",
        "2022-05-03",
        "2022-09-01",
        "2022-09-02",
        "2023-01-02",
        "2023-01-20",
        "2023-01-23",
        "2023-01-24",
        "2023-01-25",
        "2023-01-26",
        "2023-05-01",
        "2023-05-02",
        "2023-05-03",
        "2023-09-01",
        "2023-09-04",
        "2024-01-01",
        "2024-02-08",
        "2024-02-09",
        "2024-02-12",
        "2024-02-13",
        "2024-02-14",
        "2024-04-18",
        "2024-04-29",
        "2024-04-30",
        "2024-05-01",
        "2024-09-02",
        "2024-09-03",
        "2025-01-01",
        "2025-01-27",
        "2025-01-28",
        "2025-01-29",
        "2025-01-30",
        "2025-01-31",
    ]
)


def _is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _DAYS_OFF


def _add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if _is_working_day(current):
            days -= 1
    return current


def _on_working_day(d: date) -> date:
    # Offices issue papers on working days; a weekend or a day off moves to the next working day.
    while not _is_working_day(d):
        d += timedelta(days=1)
    return d


# --------------------------------------------------------------------------------------------
# Fixed reference data: units, users, people around the cases
# --------------------------------------------------------------------------------------------

_UBND = "UBND THÀNH PHỐ PHỦ LÝ"

UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("ubnd", "UBND thành phố Phủ Lý", None, "", "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ PHỦ LÝ"),
    DemoUnit("tu_phap", "Phòng Tư pháp", "ubnd", _UBND, "PHÒNG TƯ PHÁP"),
    DemoUnit("qldt", "Phòng Quản lý đô thị", "ubnd", _UBND, "PHÒNG QUẢN LÝ ĐÔ THỊ"),
    DemoUnit("y_te", "Phòng Y tế", "ubnd", _UBND, "PHÒNG Y TẾ"),
    DemoUnit(
        "tnmt", "Phòng Tài nguyên và Môi trường", "ubnd", _UBND, "PHÒNG TÀI NGUYÊN\nVÀ MÔI TRƯỜNG"
    ),
    DemoUnit(
        "cong_an", "Công an thành phố", "ubnd", "CÔNG AN TỈNH HÀ NAM", "CÔNG AN THÀNH PHỐ PHỦ LÝ"
    ),
    DemoUnit(
        "qltt_1",
        "Đội Quản lý thị trường số 1",
        "ubnd",
        "CỤC QUẢN LÝ THỊ TRƯỜNG TỈNH HÀ NAM",
        "ĐỘI QUẢN LÝ THỊ TRƯỜNG SỐ 1",
    ),
    DemoUnit(
        "thads",
        "Chi cục Thi hành án dân sự",
        "ubnd",
        "CỤC THI HÀNH ÁN DÂN SỰ TỈNH HÀ NAM",
        "CHI CỤC THI HÀNH ÁN DÂN SỰ\nTHÀNH PHỐ PHỦ LÝ",
    ),
)


def _user(username: str, name: str, role: str, unit: str, title: str) -> DemoUser:
    return DemoUser(username, name, role, unit, DEMO_PASSWORD, title)


USERS: tuple[DemoUser, ...] = (
    _user("quantri", "Phạm Minh Tuấn", "admin", "ubnd", "Quản trị hệ thống"),
    _user("lanhdao.ubnd", "Trần Quang Huy", "leader", "ubnd", "Phó Chủ tịch UBND thành phố"),
    _user("vanthu.ubnd", "Đỗ Thị Thu Hà", "clerk", "ubnd", "Văn thư UBND thành phố"),
    _user("thanhtra", "Vũ Đức Thắng", "auditor", "ubnd", "Thanh tra viên"),
    _user(
        "chuyenvien.tuphap",
        "Lê Thị Minh Phương",
        "official",
        "tu_phap",
        "Chuyên viên Phòng Tư pháp",
    ),
    _user("lanhdao.tuphap", "Hoàng Văn Long", "leader", "tu_phap", "Trưởng phòng Tư pháp"),
    _user(
        "chuyenvien.qldt", "Lê Quang Đạt", "official", "qldt", "Chuyên viên Phòng Quản lý đô thị"
    ),
    _user("lanhdao.qldt", "Bùi Thành Công", "leader", "qldt", "Trưởng phòng Quản lý đô thị"),
    _user("chuyenvien.yte", "Ngô Thị Lan Anh", "official", "y_te", "Chuyên viên Phòng Y tế"),
    _user(
        "chuyenvien.tnmt",
        "Đặng Hữu Nghĩa",
        "official",
        "tnmt",
        "Chuyên viên Phòng Tài nguyên và Môi trường",
    ),
    _user(
        "chuyenvien.congan",
        "Trịnh Xuân Bách",
        "official",
        "cong_an",
        "Cán bộ Đội Cảnh sát giao thông - Trật tự",
    ),
    _user("chuyenvien.qltt1", "Dương Minh Khoa", "official", "qltt_1", "Kiểm soát viên thị trường"),
    _user(
        "lanhdao.qltt1",
        "Phạm Thị Thanh Hương",
        "leader",
        "qltt_1",
        "Đội trưởng Đội Quản lý thị trường số 1",
    ),
    _user("chuyenvien.thads", "Đinh Thị Ngọc Ánh", "official", "thads", "Chấp hành viên"),
    _user("lanhdao.thads", "Nguyễn Hữu Toàn", "leader", "thads", "Chi cục trưởng"),
)

_UNIT_BY_CODE = {u.code: u for u in UNITS}

#: How a unit is named in running text: its full name, place included exactly once. A unit's
#: short ``name`` ("Công an thành phố") must never get "thành phố Phủ Lý" glued on by a template.
_FORMAL_NAME = {
    "ubnd": "Ủy ban nhân dân thành phố Phủ Lý",
    "tu_phap": "Phòng Tư pháp thành phố Phủ Lý",
    "qldt": "Phòng Quản lý đô thị thành phố Phủ Lý",
    "y_te": "Phòng Y tế thành phố Phủ Lý",
    "tnmt": "Phòng Tài nguyên và Môi trường thành phố Phủ Lý",
    "cong_an": "Công an thành phố Phủ Lý",
    "qltt_1": "Đội Quản lý thị trường số 1 thuộc Cục Quản lý thị trường tỉnh Hà Nam",
    "thads": "Chi cục Thi hành án dân sự thành phố Phủ Lý",
}
#: The rank written after a unit officer's name in a record ("chức vụ: ...").
_RANK = {
    "qldt": "Chuyên viên",
    "y_te": "Chuyên viên",
    "tnmt": "Chuyên viên",
    "cong_an": "Cán bộ Đội Cảnh sát giao thông - Trật tự",
    "qltt_1": "Kiểm soát viên thị trường",
}
#: Who proposes a sanction decision to the Chairman ("Xét đề nghị của ...").
_HEAD_TITLE = {
    "qldt": "Trưởng phòng Quản lý đô thị",
    "y_te": "Trưởng phòng Y tế",
    "tnmt": "Trưởng phòng Tài nguyên và Môi trường",
}
_OFFICIAL = {u.unit_code: u for u in USERS if u.role == "official"}
_LEADER = {u.unit_code: u for u in USERS if u.role == "leader"}

# People who sign but have no account in the demo.
_POLICE_DEPUTY = "Lê Văn Cường"
_JUDGES = ("Nguyễn Thị Bích Ngọc", "Trần Văn Hải", "Phạm Đức Trung")  # Tòa án tỉnh Hà Nam
_CITY_JUDGES = ("Lê Thị Hương Giang", "Phùng Văn Tiến")  # Tòa án thành phố Phủ Lý
_COURT_CLERKS = ("Vũ Thị Phương Thảo", "Lương Văn Quý")
#: An appeal is heard by three professional judges (Law on Administrative Procedure, Art. 222):
#: the first presides. The High Court has its own clerk.
_APPEAL_JUDGES = ("Đào Xuân Trường", "Kiều Thị Mai Hoa", "Hà Quang Vinh")
_APPEAL_CLERK = "Trương Thị Bích Liên"
_COURT_PRESIDENT = "Đoàn Văn Khải"  # Chánh án Tòa án nhân dân tỉnh Hà Nam
#: Lay judges (hội thẩm nhân dân) as they are named mid-sentence: honorific, then the name.
_LAY_JUDGES = ("ông Tạ Văn Chiến", "bà Phan Thị Kim Oanh", "ông Mai Xuân Hòa")

_COURT_PROVINCE = ("", "TÒA ÁN NHÂN DÂN\nTỈNH HÀ NAM")
_COURT_CITY = ("", "TÒA ÁN NHÂN DÂN\nTHÀNH PHỐ PHỦ LÝ")
_COURT_HIGH = ("", "TÒA ÁN NHÂN DÂN CẤP CAO\nTẠI HÀ NỘI")
_PRIVATE: tuple[str, ...] = ()

_SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
    "Đinh",
    "Trịnh",
    "Lương",
    "Tạ",
    "Đào",
)
_MALE_MIDDLE = ("Văn", "Quang", "Minh", "Đức", "Hữu", "Thành", "Xuân", "Công", "Ngọc", "Tiến")
_FEMALE_MIDDLE = ("Thị", "Thị Hồng", "Thị Thu", "Thị Thanh", "Ngọc", "Thị Minh", "Thị Kim")
_MALE_GIVEN = (
    "Đức",
    "Hùng",
    "Dũng",
    "Tuấn",
    "Đạt",
    "Long",
    "Khánh",
    "Thắng",
    "Cường",
    "Hiếu",
    "Phong",
    "Toàn",
    "Sơn",
    "Nam",
    "Quyết",
    "Tùng",
)
_FEMALE_GIVEN = (
    "Nhung",
    "Hương",
    "Lan",
    "Hà",
    "Thảo",
    "Trang",
    "Ngân",
    "Yến",
    "Huyền",
    "Loan",
    "Mai",
    "Hạnh",
    "Oanh",
    "Dung",
)
_STREETS = (
    "Lê Hoàn",
    "Trần Phú",
    "Biên Hòa",
    "Lý Thường Kiệt",
    "Trường Chinh",
    "Quy Lưu",
    "Lê Công Thanh",
    "Đinh Tiên Hoàng",
    "Nguyễn Văn Trỗi",
    "Lê Chân",
    "Đinh Công Tráng",
)
#: Wards (phường) of the demo city, shared with the PDF filler text.
WARDS = (
    "Quang Trung",
    "Lương Khánh Thiện",
    "Minh Khai",
    "Hai Bà Trưng",
    "Trần Hưng Đạo",
    "Lê Hồng Phong",
    "Thanh Châu",
    "Châu Sơn",
    "Liêm Chính",
    "Thanh Tuyền",
    "Lam Hạ",
)
_COMMUNES = (
    "Phù Vân",
    "Kim Bình",
    "Liêm Tuyền",
    "Liêm Tiết",
    "Tiên Tân",
    "Tiên Hải",
    "Đinh Xá",
    "Trịnh Xá",
)
_VILLAGES = ("thôn Mễ Thượng", "thôn Đồng Ao", "thôn Kênh Cầu", "xóm 3", "xóm 5", "thôn Thượng")
#: Communes outside the city, each with its own district (the city's communes above belong to
#: Phủ Lý and are never put in another district).
_OUTSIDE = (
    "xã Liêm Sơn, huyện Thanh Liêm, tỉnh Hà Nam",
    "xã Mộc Bắc, thị xã Duy Tiên, tỉnh Hà Nam",
    "xã Yên Khang, huyện Ý Yên, tỉnh Nam Định",
)
_JOBS = (
    "kinh doanh tự do",
    "lao động tự do",
    "công nhân",
    "nông nghiệp",
    "lái xe",
    "buôn bán",
    "nhân viên văn phòng",
    "thợ xây",
)
_COMPANY_TYPES = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV")
_COMPANY_TRADES = {
    "xay_dung": ("Xây dựng", "Đầu tư và Xây dựng", "Xây lắp"),
    "moi_truong": ("Dệt may", "Chế biến thực phẩm", "Sản xuất bao bì", "Vật liệu xây dựng"),
    "y_te": ("Dược phẩm", "Thiết bị y tế", "Dịch vụ ăn uống"),
    "thuong_mai": ("Thương mại", "Thương mại và Dịch vụ", "Xuất nhập khẩu"),
    "dat_dai": ("Đầu tư Bất động sản", "Phát triển nhà"),
}
_COMPANY_NAMES = (
    "Thành Đạt",
    "Minh Phát",
    "Hà Nam Xanh",
    "Phúc Hưng",
    "An Khang",
    "Hoàng Long",
    "Tiến Thành",
    "Việt Hà",
    "Đại Phong",
    "Sông Châu",
    "Kim Ngân",
    "Bình Minh",
)
_SHOP_NAMES = ("Minh Anh", "Hồng Nhung", "Phương Linh", "Gia Bảo", "Thu Trang", "Hải Yến")
_BANKS = (
    "Ngân hàng TMCP Công Thương Việt Nam - Chi nhánh Hà Nam",
    "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam - Chi nhánh Hà Nam",
    "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam - Chi nhánh tỉnh Hà Nam",
)
_PROJECTS = (
    "Khu đô thị Bắc Thanh Châu",
    "đường vành đai Phủ Lý - Kim Bảng",
    "mở rộng đường Lê Công Thanh giai đoạn 3",
    "Khu nhà ở xã hội Lam Hạ",
    "Khu tái định cư phường Châu Sơn",
)


# --------------------------------------------------------------------------------------------
# Violations by field (XLVPHC): text, legal basis by date, fine for a person, remedy
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Decree:
    number: str
    signed: str  # "ngày 30 tháng 12 năm 2019"
    subject: str

    def cite(self) -> str:
        return f"Nghị định số {self.number} {self.signed} của Chính phủ {self.subject}"


_D100 = _Decree(
    "100/2019/NĐ-CP",
    "ngày 30 tháng 12 năm 2019",
    "quy định xử phạt vi phạm hành chính trong lĩnh vực giao thông đường bộ và đường sắt (được sửa "
    "đổi, bổ sung bởi Nghị định số 123/2021/NĐ-CP)",
)
_D168 = _Decree(
    "168/2024/NĐ-CP",
    "ngày 26 tháng 12 năm 2024",
    "quy định xử phạt vi phạm hành chính về trật tự, an toàn giao thông trong lĩnh vực giao thông "
    "đường bộ; trừ điểm, phục hồi điểm giấy phép lái xe",
)
_D16 = _Decree(
    "16/2022/NĐ-CP", "ngày 28 tháng 01 năm 2022", "quy định xử phạt vi phạm hành chính về xây dựng"
)
_D45 = _Decree(
    "45/2022/NĐ-CP",
    "ngày 07 tháng 7 năm 2022",
    "về xử phạt vi phạm hành chính trong lĩnh vực bảo vệ môi trường",
)
_D91 = _Decree(
    "91/2019/NĐ-CP",
    "ngày 19 tháng 11 năm 2019",
    "về xử phạt vi phạm hành chính trong lĩnh vực đất đai",
)
_D117 = _Decree(
    "117/2020/NĐ-CP",
    "ngày 28 tháng 9 năm 2020",
    "quy định xử phạt vi phạm hành chính trong lĩnh vực y tế",
)
_D115 = _Decree(
    "115/2018/NĐ-CP",
    "ngày 04 tháng 9 năm 2018",
    "quy định xử phạt vi phạm hành chính về an toàn thực phẩm (được sửa đổi, bổ sung bởi Nghị định "
    "số 124/2021/NĐ-CP)",
)
_D98 = _Decree(
    "98/2020/NĐ-CP",
    "ngày 26 tháng 8 năm 2020",
    "quy định xử phạt vi phạm hành chính trong hoạt động thương mại, sản xuất, buôn bán hàng giả, "
    "hàng cấm và bảo vệ quyền lợi người tiêu dùng (được sửa đổi, bổ sung bởi Nghị định số "
    "17/2022/NĐ-CP)",
)
_D144 = _Decree(
    "144/2021/NĐ-CP",
    "ngày 31 tháng 12 năm 2021",
    "quy định xử phạt vi phạm hành chính trong lĩnh vực an ninh, trật tự, an toàn xã hội; phòng, "
    "chống tệ nạn xã hội; phòng cháy, chữa cháy; cứu nạn, cứu hộ; phòng, chống bạo lực gia đình",
)
_D118 = _Decree(
    "118/2021/NĐ-CP",
    "ngày 23 tháng 12 năm 2021",
    "quy định chi tiết một số điều và biện pháp thi hành Luật Xử lý vi phạm hành chính",
)

_D87 = _Decree(
    "87/2024/NĐ-CP",
    "ngày 12 tháng 7 năm 2024",
    "quy định xử phạt vi phạm hành chính trong quản lý giá",
)

_D123 = _Decree(
    "123/2024/NĐ-CP",
    "ngày 04 tháng 10 năm 2024",
    "quy định về xử phạt vi phạm hành chính trong lĩnh vực đất đai",
)


@dataclass(frozen=True)
class _Violation:
    text: str
    #: (in force from, decree, article or "", fine for a person in đồng), oldest first
    decrees: tuple[tuple[date, _Decree, str, int], ...]
    remedy: str | None
    place: str  # "road" | "site" | "shop" | "plant" | "public"
    organisations: bool  # may the violator be an organisation


def _v(
    text: str,
    decrees: tuple[tuple[date, _Decree, str, int], ...],
    remedy: str | None,
    place: str,
    organisations: bool,
) -> _Violation:
    return _Violation(text, decrees, remedy, place, organisations)


#: The day each decree took effect: a violation is judged under the decree in force on the day
#: it was found (the newest entry of a violation's list whose date has come).
_IN_FORCE = {
    _D100: date(2020, 1, 1),
    _D168: date(2025, 1, 1),
    _D16: date(2022, 1, 28),
    _D45: date(2022, 8, 25),
    _D91: date(2020, 1, 5),
    _D123: date(2024, 10, 4),
    _D117: date(2020, 11, 15),
    _D115: date(2018, 10, 20),
    _D98: date(2020, 10, 15),
    _D144: date(2022, 1, 1),
    _D118: date(2022, 1, 1),
    _D87: date(2024, 7, 12),
}

#: The filler text (see :mod:`archive.demo.pdfs`) that fits a record made at such a place: only
#: building sites get measurements of floors and set-backs.
_RECORD_FILLER = {"site": "record_site", "road": "record", "public": "record", "shop": "record"}
_RECORD_FILLER["plant"] = "record"

_VIOLATIONS: dict[str, tuple[_Violation, ...]] = {
    "giao_thong": (
        _v(
            "Điều khiển xe mô tô không chấp hành hiệu lệnh của đèn tín hiệu giao thông",
            (
                (_IN_FORCE[_D100], _D100, "Điều 6", 1_000_000),
                (_IN_FORCE[_D168], _D168, "Điều 7", 5_000_000),
            ),
            None,
            "road",
            False,
        ),
        _v(
            "Điều khiển xe ô tô chạy quá tốc độ quy định từ 10 km/h đến 20 km/h",
            (
                (_IN_FORCE[_D100], _D100, "Điều 5", 5_000_000),
                (_IN_FORCE[_D168], _D168, "Điều 6", 5_000_000),
            ),
            None,
            "road",
            False,
        ),
        _v(
            "Điều khiển xe mô tô trên đường mà trong hơi thở có nồng độ cồn nhưng chưa vượt quá "
            "0,25 miligam/1 lít khí thở",
            (
                (_IN_FORCE[_D100], _D100, "Điều 6", 2_500_000),
                (_IN_FORCE[_D168], _D168, "Điều 7", 2_500_000),
            ),
            None,
            "road",
            False,
        ),
    ),
    "an_ninh_trat_tu": (
        _v(
            "Có cử chỉ, lời nói thô bạo, khiêu khích, xúc phạm danh dự, nhân phẩm của người khác "
            "tại nơi công cộng",
            ((_IN_FORCE[_D144], _D144, "Điều 7", 750_000),),
            None,
            "public",
            False,
        ),
        _v(
            "Đánh nhau gây mất trật tự công cộng",
            ((_IN_FORCE[_D144], _D144, "Điều 7", 2_500_000),),
            None,
            "public",
            False,
        ),
        _v(
            "Sử dụng loa công suất lớn gây tiếng ồn trong khoảng thời gian từ 22 giờ ngày hôm "
            "trước đến 06 giờ ngày hôm sau",
            ((_IN_FORCE[_D144], _D144, "Điều 8", 750_000),),
            None,
            "public",
            False,
        ),
    ),
    "xay_dung": (
        _v(
            "Tổ chức thi công xây dựng công trình nhà ở riêng lẻ tại đô thị không có giấy phép xây "
            "dựng mà theo quy định phải có giấy phép xây dựng",
            ((_IN_FORCE[_D16], _D16, "Điều 16", 70_000_000),),
            "Buộc phá dỡ công trình, phần công trình xây dựng vi phạm",
            "site",
            True,
        ),
        _v(
            "Tổ chức thi công xây dựng công trình nhà ở riêng lẻ sai nội dung giấy phép xây dựng "
            "được cấp",
            ((_IN_FORCE[_D16], _D16, "Điều 16", 30_000_000),),
            "Buộc phá dỡ phần công trình xây dựng sai nội dung giấy phép",
            "site",
            True,
        ),
        _v(
            "Thi công xây dựng công trình không che chắn, để rơi vãi vật liệu xây dựng xuống khu "
            "vực xung quanh",
            ((_IN_FORCE[_D16], _D16, "Điều 15", 3_000_000),),
            "Buộc thực hiện biện pháp che chắn theo quy định và khắc phục tình trạng rơi vãi",
            "site",
            True,
        ),
    ),
    "moi_truong": (
        _v(
            "Vứt, thải bỏ chất thải rắn sinh hoạt không đúng nơi quy định tại nơi công cộng",
            ((_IN_FORCE[_D45], _D45, "Điều 26", 800_000),),
            None,
            "public",
            False,
        ),
        _v(
            "Xả nước thải có thông số môi trường vượt quy chuẩn kỹ thuật về chất thải dưới 1,1 lần "
            "ra môi trường",
            ((_IN_FORCE[_D45], _D45, "Điều 18", 7_500_000),),
            "Buộc thực hiện biện pháp khắc phục tình trạng ô nhiễm môi trường",
            "plant",
            True,
        ),
        _v(
            "Gây tiếng ồn vượt quy chuẩn kỹ thuật môi trường về tiếng ồn từ 02 dBA đến dưới 05 dBA",
            ((_IN_FORCE[_D45], _D45, "Điều 22", 2_000_000),),
            "Buộc thực hiện biện pháp giảm thiểu tiếng ồn đạt quy chuẩn kỹ thuật",
            "plant",
            True,
        ),
    ),
    "dat_dai": (
        _v(
            "Tự ý chuyển mục đích sử dụng đất trồng lúa sang đất phi nông nghiệp khi chưa được cơ "
            "quan nhà nước có thẩm quyền cho phép",
            (
                (_IN_FORCE[_D91], _D91, "Điều 9", 6_000_000),
                (_IN_FORCE[_D123], _D123, "", 6_000_000),
            ),
            "Buộc khôi phục lại tình trạng ban đầu của đất trước khi vi phạm",
            "site",
            False,
        ),
        _v(
            "Lấn, chiếm đất chưa sử dụng tại khu vực đô thị",
            (
                (_IN_FORCE[_D91], _D91, "Điều 14", 7_000_000),
                (_IN_FORCE[_D123], _D123, "", 7_000_000),
            ),
            "Buộc khôi phục lại tình trạng ban đầu của đất trước khi vi phạm và trả lại đất đã "
            "lấn, chiếm",
            "site",
            False,
        ),
    ),
    "y_te": (
        _v(
            "Kinh doanh dịch vụ ăn uống không có Giấy chứng nhận cơ sở đủ điều kiện an toàn thực "
            "phẩm theo quy định",
            ((_IN_FORCE[_D115], _D115, "Điều 15", 15_000_000),),
            "Buộc tạm dừng hoạt động cho đến khi được cấp Giấy chứng nhận",
            "shop",
            True,
        ),
        _v(
            "Kinh doanh mỹ phẩm không có hồ sơ chứng minh nguồn gốc, xuất xứ",
            ((_IN_FORCE[_D117], _D117, "Điều 69", 10_000_000),),
            "Buộc tiêu hủy mỹ phẩm vi phạm",
            "shop",
            True,
        ),
        _v(
            "Hành nghề khám bệnh, chữa bệnh khi chưa được cấp chứng chỉ hành nghề",
            ((_IN_FORCE[_D117], _D117, "Điều 39", 25_000_000),),
            None,
            "shop",
            False,
        ),
    ),
    "thuong_mai": (
        _v(
            "Kinh doanh hàng hóa không rõ nguồn gốc, xuất xứ (giày dép các loại) có trị giá từ "
            "10.000.000 đồng đến dưới 20.000.000 đồng",
            ((_IN_FORCE[_D98], _D98, "Điều 17", 8_000_000),),
            "Buộc tiêu hủy hoặc tịch thu hàng hóa không rõ nguồn gốc, xuất xứ",
            "shop",
            True,
        ),
    ),
}

_FIELD_PHRASE = {
    "giao_thong": "về trật tự, an toàn giao thông đường bộ",
    "an_ninh_trat_tu": "về an ninh, trật tự, an toàn xã hội",
    "xay_dung": "về trật tự xây dựng",
    "moi_truong": "trong lĩnh vực bảo vệ môi trường",
    "dat_dai": "trong lĩnh vực đất đai",
    "y_te": "trong lĩnh vực y tế",
    "thuong_mai": "trong hoạt động thương mại",
}

# (case type, field, unit): one slot per dossier of a 36-dossier dataset.
_SLOTS: tuple[tuple[str, str, str], ...] = (
    *(("xlvphc", "giao_thong", "cong_an"),) * 4,
    *(("xlvphc", "an_ninh_trat_tu", "cong_an"),) * 2,
    *(("xlvphc", "xay_dung", "qldt"),) * 4,
    *(("xlvphc", "moi_truong", "tnmt"),) * 3,
    ("xlvphc", "dat_dai", "tnmt"),
    *(("xlvphc", "y_te", "y_te"),) * 3,
    ("xlvphc", "thuong_mai", "qltt_1"),
    *(("an_hanh_chinh", "dat_dai", "tu_phap"),) * 2,
    ("an_hanh_chinh", "dat_dai", "tnmt"),
    ("an_hanh_chinh", "xay_dung", "tu_phap"),
    ("an_hanh_chinh", "xu_phat_vphc", "tu_phap"),
    ("an_hanh_chinh", "khac", "tu_phap"),
    *(("thads", "dan_su", "thads"),) * 2,
    ("thads", "kinh_doanh_thuong_mai", "thads"),
    *(("thads", "hon_nhan_gia_dinh", "thads"),) * 2,
    ("thads", "hinh_su_phan_dan_su", "thads"),
    *(("qltt", "hang_gia", "qltt_1"),) * 2,
    ("qltt", "hang_lau", "qltt_1"),
    ("qltt", "ve_sinh_an_toan_thuc_pham", "qltt_1"),
    ("qltt", "gia_ca", "qltt_1"),
    ("qltt", "thuong_mai_dien_tu", "qltt_1"),
)

_JUDGMENT_KIND = {
    "DS-ST": "dân sự",
    "KDTM-ST": "kinh doanh, thương mại",
    "HNGĐ-ST": "hôn nhân và gia đình",
    "HS-ST": "hình sự",
}

#: The fine for a person in a market-surveillance sanction (an organisation pays twice). The
#: price-display one is the middle of the 500.000–1.000.000 đồng bracket of Decree 87/2024,
#: Art. 13(1); the others are illustrative.
_QLTT_FINE = {
    "hang_gia": 15_000_000,
    "hang_lau": 10_000_000,
    "ve_sinh_an_toan_thuc_pham": 10_000_000,
    "gia_ca": 750_000,
    "thuong_mai_dien_tu": 10_000_000,
}

_CODE_PREFIX = {"xlvphc": "XLVPHC", "an_hanh_chinh": "AHC", "thads": "THADS", "qltt": "QLTT"}

_LAW_XLVPHC = (
    "Căn cứ Luật Xử lý vi phạm hành chính ngày 20 tháng 6 năm 2012; Luật sửa đổi, bổ sung một số "
    "điều của Luật Xử lý vi phạm hành chính ngày 13 tháng 11 năm 2020;"
)
_LAW_LOCAL_GOV = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
    "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng "
    "11 năm 2019;"
)
_LAW_THADS = (
    "Căn cứ Luật Thi hành án dân sự ngày 14 tháng 11 năm 2008; Luật sửa đổi, bổ sung một số điều "
    "của Luật Thi hành án dân sự ngày 25 tháng 11 năm 2014;"
)
_LAW_TTHC = "Căn cứ Luật Tố tụng hành chính ngày 25 tháng 11 năm 2015;"


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    male: bool
    born: date
    id_number: str
    address: str
    job: str

    @property
    def hon(self) -> str:
        return "ông" if self.male else "bà"

    @property
    def called(self) -> str:  # "ông Nguyễn Văn Đức"
        return f"{self.hon} {self.name}"

    def party(self, role: str) -> DemoParty:
        return DemoParty(role, "individual", self.name, self.id_number, self.address)

    def identity(self) -> str:
        return (
            f"{self.called}; giới tính: {'nam' if self.male else 'nữ'}; ngày "
            f"sinh: {format_date(self.born)}; quốc tịch: Việt Nam; nghề nghiệp: {self.job}; nơi ở "
            f"hiện tại: {self.address}; số định danh cá nhân: {self.id_number}"
        )


@dataclass(frozen=True)
class _Company:
    name: str
    code: str  # mã số doanh nghiệp; a branch's code is its parent's plus "-NNN"
    address: str
    representative: _Person
    #: A bank branch: it has an address, not a head office, and its director acts under the
    #: bank's authorisation, not as its legal representative.
    branch: bool = False

    def party(self, role: str) -> DemoParty:
        return DemoParty(role, "organisation", self.name, self.code, self.address)

    def identity(self) -> str:
        rep = self.representative
        if self.branch:
            return (
                f"{self.name}; địa chỉ: {self.address}; mã số chi nhánh: {self.code}; người đại "
                f"diện theo ủy quyền: {rep.called}, chức vụ: Giám đốc chi nhánh"
            )
        return (
            f"{self.name}; địa chỉ trụ sở chính: {self.address}; mã số doanh nghiệp: {self.code}; "
            f"người đại diện theo pháp luật: {rep.called}, chức danh: Giám đốc"
        )


_Subject = _Person | _Company


def _called(subject: _Subject) -> str:
    return subject.called if isinstance(subject, _Person) else subject.name


def _in_sentence(address: str) -> str:
    """An address after "tại": its leading common noun goes lower case ("tại số 12, đường ...").

    Only these words are lowered; a proper name ("Khu công nghiệp Châu Sơn") keeps its capital.
    """
    first = address.split(" ", 1)[0].rstrip(",")
    if first in ("Số", "Thôn", "Xóm", "Lô", "Thành", "Tổ"):
        return address[:1].lower() + address[1:]
    return address


class _Generator:
    """Holds the random source and the running document numbers of one dataset build."""

    def __init__(self, seed: int) -> None:
        # Seeded, reproducible demo data: not a security use of randomness.
        self.rng = random.Random(seed)  # noqa: S311
        self._numbers: dict[tuple[str, int], int] = {}
        self._used_names: set[str] = {u.full_name for u in USERS}

    # -- small random helpers ------------------------------------------------------------

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def between(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def number(self, series: str, on: date, suffix: str) -> str:
        """Next number of a register kept per series and year, e.g. "125/QĐ-XPHC"."""
        key = (series, on.year)
        # Registers start the year at a plausible count, then grow with every document.
        current = self._numbers.get(key, self.between(8, 40) + on.timetuple().tm_yday // 3)
        current += self.between(1, 9)
        self._numbers[key] = current
        return f"{current}/{suffix}"

    def person(self, *, male: bool | None = None, local: bool = True) -> _Person:
        if male is None:
            male = self.chance(0.6)
        while True:
            middle = self.pick(_MALE_MIDDLE if male else _FEMALE_MIDDLE)
            given = self.pick(_MALE_GIVEN if male else _FEMALE_GIVEN)
            name = f"{self.pick(_SURNAMES)} {middle} {given}"
            if name not in self._used_names:
                break
        self._used_names.add(name)
        born = date(self.between(1958, 2004), self.between(1, 12), self.between(1, 28))
        # CCCD: province (035 = Hà Nam), sex and century digit, year of birth, 6 serial digits.
        century = (0 if born.year < 2000 else 2) + (0 if male else 1)
        province = "035" if local else self.pick(("035", "036", "001", "034"))
        id_number = f"{province}{century}{born.year % 100:02d}{self.between(0, 999_999):06d}"
        return _Person(name, male, born, id_number, self.address(local), self.pick(_JOBS))

    def address(self, local: bool = True) -> str:
        """An address as written in a field ("Số 12, đường ...", "Thôn Mễ Thượng, xã ...").

        Only its first letter is raised; mid-sentence use :func:`_in_sentence`.
        """
        if not local:
            return _upper_first(f"{self.pick(_VILLAGES)}, {self.pick(_OUTSIDE)}")
        if self.chance(0.75):
            return (
                f"Số {self.between(2, 240)}, đường {self.pick(_STREETS)}, phường "
                f"{self.pick(WARDS)}, thành phố Phủ Lý, tỉnh Hà Nam"
            )
        return _upper_first(
            f"{self.pick(_VILLAGES)}, xã {self.pick(_COMMUNES)}, thành phố Phủ Lý, tỉnh Hà Nam"
        )

    def business_code(self) -> str:
        return f"0700{self.between(0, 999_999):06d}"  # Hà Nam tax codes start with 0700

    def bank_branch(self) -> _Company:
        # The banks are registered in Hà Nội (codes 01...); their Hà Nam branch has a dependent
        # unit code: the parent's code and a three-digit suffix.
        code = f"0100{self.between(0, 999_999):06d}-{self.between(1, 60):03d}"
        return _Company(self.pick(_BANKS), code, self.address(), self.person(), branch=True)

    def company(self, trade_field: str) -> _Company:
        trade = self.pick(_COMPANY_TRADES.get(trade_field, ("Thương mại",)))
        name = f"{self.pick(_COMPANY_TYPES)} {trade} {self.pick(_COMPANY_NAMES)}"
        address = (
            f"Lô {self.pick(('A', 'B', 'C', 'D'))}{self.between(1, 20)}, Khu công nghiệp Châu Sơn, "
            "thành phố Phủ Lý, tỉnh Hà Nam"
            if trade_field == "moi_truong"
            else self.address()
        )
        return _Company(name, self.business_code(), address, self.person())

    def place(self, kind: str) -> str:
        ward = self.pick(WARDS)
        if kind == "road":
            a, b = self.rng.sample(_STREETS, 2)
            return f"nút giao đường {a} - đường {b}, phường {ward}, thành phố Phủ Lý"
        if kind == "site":
            return (
                f"thửa đất số {self.between(12, 480)}, tờ bản đồ số {self.between(3, 42)}, phường "
                f"{ward}, thành phố Phủ Lý"
            )
        if kind == "plant":
            # The industrial park inside the city (Hòa Mạc and Đồng Văn are in Duy Tiên, outside
            # the city's jurisdiction).
            return "Khu công nghiệp Châu Sơn, thành phố Phủ Lý"
        if kind == "shop":
            return (
                f"số {self.between(2, 240)}, đường {self.pick(_STREETS)}, phường {ward}, thành phố "
                "Phủ Lý"
            )
        return (
            f"{self.pick(('khu vực chợ Bầu', 'công viên Nam Cao', 'quảng trường Trung tâm'))}, "
            f"phường {ward}, thành phố Phủ Lý"
        )

    def pages(self, low: int, high: int) -> int:
        return self.between(low, high)

    # -- dossier builders ----------------------------------------------------------------

    def xlvphc(self, field_code: str, unit_code: str, opened: date) -> _Draft:
        unit = _UNIT_BY_CODE[unit_code]
        official = _OFFICIAL[unit_code]
        violation = self.rng.choice(_VIOLATIONS[field_code])
        as_org = violation.organisations and self.chance(0.35)
        subject: _Subject = (
            self.company(field_code)
            if as_org
            else self.person(local=field_code != "giao_thong" or self.chance(0.6))
        )
        _since, decree, article, fine = next(
            entry for entry in reversed(violation.decrees) if entry[0] <= opened
        )
        # The right to explain (Law on XLVPHC, Art. 61) exists where the bracket reaches 15
        # million đồng for a person: the demo's amounts are mid-bracket, so it is granted from
        # 15 million (30 million for an organisation, which pays twice: Art. 24(2)).
        has_right = fine >= 15_000_000
        if as_org:
            fine *= 2
        place = self.place(violation.place)
        witness = self.person() if self.chance(0.4) else None
        complex_case = self.chance(0.15)
        explains = has_right and self.chance(0.5)

        # Stage dates, following the case type's transitions.
        detected = opened
        record = (
            detected
            if self.chance(0.6)
            else _add_working_days(detected, self.between(1, 5 if complex_case else 2))
        )
        path: list[tuple[str, date]] = [("phat_hien", detected), ("lap_bien_ban", record)]
        explained: date | None = None
        checked: date | None = None
        if explains:
            explained = _add_working_days(record, self.between(2, 5))
            path.append(("giai_trinh", explained))
            decided = explained + timedelta(days=self.between(5, 20))
            if complex_case:
                # Facts checked after the explanation, before the decision.
                checked = _add_working_days(explained, self.between(2, 4))
                decided = max(decided, _add_working_days(checked, 2))
        else:
            late = self.chance(0.1)
            decided = _add_working_days(record, self.between(9, 12) if late else self.between(2, 7))
            if complex_case:
                # A complex case has its facts checked before the decision (Art. 59).
                checked = _add_working_days(record, self.between(1, 3))
                decided = max(decided, _add_working_days(checked, 2))
        decided = _on_working_day(decided)
        path.append(("ra_quyet_dinh", decided))
        delivered = _add_working_days(decided, self.between(0, 2))
        path.append(("thi_hanh", delivered))
        outcome = self.rng.choices(("paid", "enforced", "pending"), (0.7, 0.15, 0.15))[0]
        if outcome == "pending" and (AS_OF - decided).days > 60:
            # Only a recent decision can still be waiting: an older one was paid or enforced,
            # long before it lapses (one year, Art. 74).
            outcome = "paid"
        enforced: date | None = None
        if outcome == "paid":
            # Paid within the 10 days of Art. 73 (a period ending on a day off runs to the next
            # working day).
            path.append(("ket_thuc", _on_working_day(delivered + timedelta(self.between(1, 10)))))
        elif outcome == "enforced":
            enforced = _on_working_day(decided + timedelta(days=self.between(20, 45)))
            path.append(("cuong_che", enforced))
            path.append(("ket_thuc", _on_working_day(enforced + timedelta(self.between(10, 30)))))
        path = self._truncate(path, opened, 45)
        reached = dict(path)

        authority_is_chair = unit_code in ("qldt", "tnmt", "y_te")
        authority = {
            "cong_an": "Trưởng Công an thành phố Phủ Lý",
            "qltt_1": "Đội trưởng Đội Quản lý thị trường số 1",
        }.get(unit_code, "Chủ tịch Ủy ban nhân dân thành phố Phủ Lý")
        name = _called(subject)
        docs: list[DemoDocument] = []
        record_no = self.number(f"bb-{unit_code}", record, "BB-VPHC")
        basis = f"{article} {decree.cite()}".strip()

        # Biên bản vi phạm hành chính (the record of the violation)
        hh, mm = self.between(7, 16), self.pick(("00", "15", "30", "45"))  # "09 giờ 30 phút"
        record_pages = self.pages(2, 3)
        unit_formal = _FORMAL_NAME[unit_code]
        rank = _RANK[unit_code]
        colleague = self.person()
        record_paras = (
            f"Hôm nay, hồi {hh:02d} giờ {mm} phút, ngày {format_date(record)}, tại {place}.",
            _LAW_XLVPHC,
            f"Căn cứ {decree.cite()};",
            "Căn cứ Nghị định số 118/2021/NĐ-CP ngày 23 tháng 12 năm 2021 của Chính phủ "
            f"{_D118.subject};",
            f"Chúng tôi gồm: {official.full_name}, chức vụ: {rank}, đơn vị: {unit_formal}; "
            f"{colleague.called}, chức vụ: {rank[:1].lower()}{rank[1:]}, đơn vị: {unit_formal}.",
            (
                f"Với sự chứng kiến của: {witness.called}, nơi ở hiện tại: {witness.address}, số "
                f"định danh cá nhân: {witness.id_number}."
                if witness
                else "Với sự chứng kiến của: đại diện chính quyền địa phương nơi xảy ra vi phạm."
            ),
            f"Tiến hành lập biên bản vi phạm hành chính đối với: {subject.identity()}.",
            f"Đã có hành vi vi phạm hành chính: {violation.text}.",
            f"Quy định tại: {basis}.",
            "Cá nhân, tổ chức bị thiệt hại (nếu có): không.",
            f"Ý kiến trình bày của {'người đại diện của tổ chức' if as_org else 'người'} vi phạm: "
            f"{'Thừa nhận hành vi vi phạm như nội dung biên bản.' if not explains else 'Không đồng ý với một phần nội dung biên bản, đề nghị được giải trình bằng văn bản.'}",  # noqa: E501
            f"Chúng tôi đã yêu cầu {name} chấm dứt ngay hành vi vi phạm.",
            *(
                (
                    f"Trong thời hạn 02 ngày làm việc, kể từ ngày lập biên bản này, {name} có "
                    f"quyền gửi văn bản yêu cầu được giải trình trực tiếp đến {authority} để thực "
                    "hiện quyền giải trình.",
                )
                if has_right
                else ()
            ),
            f"Biên bản lập xong hồi {hh + 1:02d} giờ {mm} phút cùng ngày, gồm {record_pages:02d} "
            "trang, được lập thành 02 bản có nội dung và giá trị như nhau; đã đọc lại cho những "
            "người có tên nêu trên cùng nghe, công nhận là đúng và cùng ký tên dưới đây; giao cho "
            f"{name} 01 bản.",
        )
        signer_violator = (
            subject.representative.name if isinstance(subject, _Company) else subject.name
        )
        docs.append(
            DemoDocument(
                "bien_ban_vi_pham",
                f"Biên bản vi phạm hành chính {_FIELD_PHRASE[field_code]}",
                record_no,
                record,
                unit.name,
                record_paras,
                record_pages,
                signers=(
                    ("NGƯỜI VI PHẠM", signer_violator),
                    ("NGƯỜI LẬP BIÊN BẢN", official.full_name),
                ),
                fill_at=9,
                filler=_RECORD_FILLER[violation.place],
            )
        )
        if self.chance(0.3 if field_code == "giao_thong" else 0.6):
            docs.append(self._photos(detected, place, unit.name, official.full_name, violation))

        if "giai_trinh" in reached and explained:
            docs.append(
                self._explanation(subject, explained, record_no, record, authority, violation.text)
            )
        if checked and checked <= path[-1][1]:
            docs.append(
                DemoDocument(
                    "bien_ban_xac_minh",
                    "Biên bản xác minh tình tiết của vụ việc vi phạm hành chính",
                    self.number(f"xm-{unit_code}", checked, "BB-XMTT"),
                    checked,
                    unit.name,
                    (
                        f"Hôm nay, ngày {format_date(checked)}, tại {place}, chúng tôi tiến "
                        "hành xác minh tình tiết của vụ việc vi phạm hành chính theo Biên bản "
                        f"vi phạm hành chính số {record_no} lập ngày {format_date(record)}.",
                        f"Thành phần: {official.full_name}, {official.title[:1].lower()}"
                        f"{official.title[1:]}; đại diện Ủy ban nhân dân phường sở tại; {name}.",
                        "Kết quả xác minh: các tình tiết nêu trong biên bản vi phạm hành chính "
                        "là đúng thực tế; không có tình tiết giảm nhẹ.",
                        "Biên bản kết thúc cùng ngày, đã đọc lại cho những người tham gia cùng "
                        "nghe và ký tên.",
                    ),
                    self.pages(1, 2),
                    signers=(
                        ("ĐẠI DIỆN BÊN ĐƯỢC XÁC MINH", signer_violator),
                        ("NGƯỜI XÁC MINH", official.full_name),
                    ),
                )
            )

        fine_text = _money(fine)
        if "ra_quyet_dinh" in reached:
            decision_no = self.number(
                f"qd-{'ubnd' if authority_is_chair else unit_code}", decided, "QĐ-XPHC"
            )
            if authority_is_chair:
                signer = ("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", _LEADER["ubnd"].full_name)
                letterhead: tuple[str, ...] | None = (
                    _UNIT_BY_CODE["ubnd"].letterhead_agency,
                    _UNIT_BY_CODE["ubnd"].letterhead_name,
                )
                issuer = "Chủ tịch UBND thành phố Phủ Lý"
                proposer = f"Xét đề nghị của {_HEAD_TITLE[unit_code]}."
            elif unit_code == "cong_an":
                signer = ("KT. TRƯỞNG CÔNG AN\nPHÓ TRƯỞNG CÔNG AN", _POLICE_DEPUTY)
                letterhead, issuer = None, _FORMAL_NAME[unit_code]
                proposer = "Xét đề nghị của Đội trưởng Đội Cảnh sát giao thông - Trật tự."
            else:
                signer = ("ĐỘI TRƯỞNG", _LEADER[unit_code].full_name)
                letterhead, issuer = None, unit.name
                proposer = "Xét đề nghị của Kiểm soát viên thị trường thụ lý vụ việc."
            paras = [
                authority.upper(),
                *((_LAW_LOCAL_GOV,) if authority_is_chair else ()),
                "Căn cứ Điều 57, Điều 68, Điều 70, Điều 73 và Điều 78 Luật Xử lý vi phạm hành "
                "chính ngày 20 tháng 6 năm 2012; Luật sửa đổi, bổ sung một số điều của Luật Xử lý "
                "vi phạm hành chính ngày 13 tháng 11 năm 2020;",
                f"Căn cứ {_D118.cite()};",
                f"Căn cứ {decree.cite()};",
                f"Căn cứ Biên bản vi phạm hành chính số {record_no} lập ngày "
                f"{format_date(record)};",
                *(
                    (f"Căn cứ văn bản giải trình của {name} ngày {format_date(explained)};",)
                    if explained and "giai_trinh" in reached
                    else ()
                ),
                proposer,
                "QUYẾT ĐỊNH:",
                f"Điều 1. Xử phạt vi phạm hành chính đối với: {subject.identity()}.",
                f"1. Đã thực hiện hành vi vi phạm hành chính: {violation.text}.",
                f"2. Quy định tại: {basis}.",
                "3. Các tình tiết tăng nặng: không. Các tình tiết giảm nhẹ: không.",
                f"4. Bị áp dụng hình thức xử phạt: Phạt tiền, mức phạt: {fine_text}.",
                f"5. Biện pháp khắc phục hậu quả: {violation.remedy or 'không'}.",
                "Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.",
                f"Điều 3. Quyết định này được giao cho {name} để chấp hành. {name[0].upper()}"
                f"{name[1:]} phải nghiêm chỉnh chấp hành quyết định xử phạt này; nộp tiền phạt "
                f"tại Kho bạc Nhà nước hoặc vào tài khoản của Kho bạc Nhà nước trong thời hạn 10 "
                f"ngày, kể từ ngày nhận được Quyết định xử phạt. Quá thời hạn trên mà không tự "
                f"nguyện chấp hành thì bị cưỡng chế thi hành theo quy định của pháp luật. {name[0].upper()}"  # noqa: E501
                f"{name[1:]} có quyền khiếu nại hoặc khởi kiện hành chính đối với Quyết định này "
                "theo quy định của pháp luật.",
            ]
            docs.append(
                DemoDocument(
                    "quyet_dinh_xu_phat",
                    f"Quyết định xử phạt vi phạm hành chính đối với {name}",
                    decision_no,
                    decided,
                    issuer,
                    tuple(paras),
                    2,
                    letterhead=letterhead,
                    signers=(signer,),
                    recipients=(
                        "Như Điều 3;",
                        "Kho bạc Nhà nước tỉnh Hà Nam;",
                        *((f"{unit.name};",) if authority_is_chair else ()),
                        "Lưu: VT, hồ sơ.",
                    ),
                    fill_at=paras.index("QUYẾT ĐỊNH:"),
                )
            )
            if "cuong_che" in reached and enforced:
                seizure = (
                    "khấu trừ tiền từ tài khoản của tổ chức tại tổ chức tín dụng"
                    if as_org
                    else "khấu trừ một phần lương hoặc một phần thu nhập"
                )
                docs.append(
                    DemoDocument(
                        "quyet_dinh_cuong_che",
                        "Quyết định cưỡng chế thi hành quyết định xử phạt vi phạm hành chính đối "
                        f"với {name}",
                        self.number(f"cc-{unit_code}", enforced, "QĐ-CCXP"),
                        enforced,
                        issuer,
                        (
                            authority.upper(),
                            _LAW_XLVPHC,
                            f"Căn cứ {_D118.cite()};",
                            f"Căn cứ Quyết định xử phạt vi phạm hành chính số {decision_no} ngày "
                            f"{format_date(decided)};",
                            f"Xét thấy {name} không tự nguyện chấp hành quyết định xử phạt trong "
                            "thời hạn quy định.",
                            "QUYẾT ĐỊNH:",
                            "Điều 1. Cưỡng chế thi hành Quyết định xử phạt vi phạm hành chính số "
                            f"{decision_no} đối với {subject.identity()}.",
                            f"Biện pháp cưỡng chế: {seizure}. Số tiền bị cưỡng chế: {fine_text}.",
                            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. Thời hạn thi hành "
                            "là 30 ngày.",
                            f"Điều 3. {name[0].upper()}{name[1:]} và các cơ quan, đơn vị có liên "
                            "quan chịu trách nhiệm thi hành Quyết định này.",
                        ),
                        self.pages(2, 2),
                        letterhead=letterhead,
                        signers=(signer,),
                        recipients=("Như Điều 3;", "Lưu: VT, hồ sơ."),
                    )
                )

        paid = "ket_thuc" in reached
        if paid:
            closed = reached["ket_thuc"]
            docs.append(
                DemoDocument(
                    "bien_lai_nop_phat",
                    "Biên lai thu tiền phạt vi phạm hành chính",
                    f"{self.between(1000, 99999):07d}",
                    closed,
                    "Kho bạc Nhà nước tỉnh Hà Nam",
                    (
                        (
                            f"Tên tổ chức nộp tiền: {subject.name}."
                            if as_org
                            else f"Họ và tên người nộp tiền: {subject.name}."
                        ),
                        f"Địa chỉ: {subject.address}.",
                        "Nộp tiền phạt theo Quyết định xử phạt vi phạm hành chính số "
                        f"{_docs_number(docs, 'quyet_dinh_xu_phat')} ngày {format_date(decided)}.",
                        f"Số tiền: {fine_text}.",
                        (
                            "Hình thức nộp: khấu trừ theo Quyết định cưỡng chế số "
                            f"{_docs_number(docs, 'quyet_dinh_cuong_che')}."
                            if "cuong_che" in reached
                            else "Hình thức nộp: chuyển khoản qua Cổng Dịch vụ công quốc gia."
                        ),
                    ),
                    1,
                    letterhead=("KHO BẠC NHÀ NƯỚC", "KHO BẠC NHÀ NƯỚC TỈNH HÀ NAM"),
                    signers=(
                        ("NGƯỜI NỘP TIỀN", signer_violator),
                        ("NGƯỜI THU TIỀN", "Lại Thị Thu Hằng"),
                    ),
                )
            )

        docs = self._cap(docs, ("anh_hien_truong", "bien_ban_xac_minh"), unit_code)
        custom: dict[str, object] = {
            "violation": violation.text,
            "violation_place": place[0].upper() + place[1:],
            "complex_case": complex_case,
        }
        if "ra_quyet_dinh" in reached:
            custom["fine_amount"] = fine
            custom["fine_paid"] = fine if paid else 0
            # What the national XLVPHC database asks of each decision (Decree 20/2016).
            custom["main_sanction"] = "phat_tien"
            custom["provision_violated"] = basis
        if isinstance(subject, _Person):
            custom["violator_birth_date"] = subject.born
            custom["violator_sex"] = "nam" if subject.male else "nu"
        else:
            custom["legal_representative"] = subject.representative.name
        if violation.remedy:
            custom["remedial_measures"] = violation.remedy
        role = "violator"
        parties = [subject.party(role)]
        if witness:
            parties.append(witness.party("witness"))
        retention = "20" if (complex_case or (violation.remedy and as_org)) else "10"
        return _Draft(
            f"Xử lý vi phạm hành chính {_FIELD_PHRASE[field_code]} đối với {name}",
            path,
            tuple(parties),
            custom,
            docs,
            retention,
        )

    def _photos(
        self, on: date, place: str, unit_name: str, official: str, violation: _Violation
    ) -> DemoDocument:
        count = self.between(2, 4)
        captions = tuple(
            f"Ảnh số {i}: {what} tại {place}, chụp lúc {self.between(7, 17):02d} giờ "
            f"{self.between(10, 59)} phút ngày {format_date(on)}."
            for i, what in enumerate(
                (
                    "Toàn cảnh hiện trường",
                    "Hiện trạng vi phạm",
                    "Phương tiện, tang vật liên quan",
                    "Vị trí đo đạc, đối chiếu",
                )[:count],
                start=1,
            )
        )
        return DemoDocument(
            "anh_hien_truong",
            "Bản ảnh hiện trường vụ việc vi phạm hành chính",
            None,
            on,
            unit_name,
            (f"Bản ảnh ghi nhận hành vi: {violation.text}.", *captions),
            2,  # two framed photos and their captions fill a page
            signers=(("NGƯỜI CHỤP ẢNH", official),),
        )

    def _explanation(
        self,
        subject: _Subject,
        on: date,
        record_no: str,
        record: date,
        authority: str,
        violation: str,
    ) -> DemoDocument:
        writer = subject.representative if isinstance(subject, _Company) else subject
        return DemoDocument(
            "van_ban_giai_trinh",
            "Văn bản giải trình",
            None,
            on,
            subject.name,
            (
                f"Kính gửi: {authority}.",
                (
                    f"Tôi là {subject.identity()}."
                    if isinstance(subject, _Person)
                    else f"Tôi là {writer.called}, Giám đốc, người đại diện theo pháp luật của "
                    f"{subject.name}; địa chỉ trụ sở chính: {subject.address}; mã số doanh "
                    f"nghiệp: {subject.code}."
                ),
                f"Ngày {format_date(record)}, "
                f"{'tôi' if isinstance(subject, _Person) else 'đơn vị chúng tôi'} bị lập Biên bản "
                f"vi phạm hành chính số {record_no} về hành vi: {violation}.",
                "Tôi xin giải trình như sau: thời điểm bị kiểm tra, việc vi phạm xảy ra do chưa "
                "nắm rõ quy định; sau khi được giải thích, "
                f"{'tôi' if isinstance(subject, _Person) else 'đơn vị chúng tôi'} đã chấm dứt hành "
                "vi vi phạm và khắc phục một phần hậu quả.",
                "Kính đề nghị cơ quan có thẩm quyền xem xét các tình tiết nêu trên khi ra quyết "
                "định xử phạt.",
                "Tôi xin cam đoan những nội dung trình bày trên là đúng sự thật.",
            ),
            1,
            letterhead=_PRIVATE,
            signers=(("NGƯỜI GIẢI TRÌNH", writer.name),),
        )

    def an_hanh_chinh(self, field_code: str, unit_code: str, opened: date) -> _Draft:
        plaintiff = self.person()
        # The plot the case is about, told the same way by the petition and the judgments.
        bought = self.between(min(max(plaintiff.born.year + 18, 1990), 2015), 2015)
        land = (
            ("ward", next((w for w in WARDS if f"phường {w}," in plaintiff.address), "Lam Hạ")),
            ("plot", str(self.between(12, 480))),
            ("sheet", str(self.between(3, 42))),
            ("area", str(self.between(60, 420))),
            ("year", str(bought)),
        )
        contested_on = _on_working_day(opened - timedelta(days=self.between(60, 300)))
        project = self.pick(_PROJECTS)
        contested_no, about = {
            "dat_dai": (
                self.number("ubnd-qd", contested_on, "QĐ-UBND"),
                self.pick(
                    (
                        f"thu hồi đất để thực hiện dự án {project}",
                        f"phê duyệt phương án bồi thường, hỗ trợ, tái định cư dự án {project}",
                    )
                ),
            ),
            "xay_dung": (
                self.number("ubnd-cc", contested_on, "QĐ-CCXP"),
                "cưỡng chế buộc phá dỡ công trình xây dựng vi phạm",
            ),
            "xu_phat_vphc": (
                self.number("ubnd-xp", contested_on, "QĐ-XPHC"),
                "xử phạt vi phạm hành chính trong lĩnh vực đất đai",
            ),
        }.get(
            field_code,
            (self.number("ubnd-kn", contested_on, "QĐ-UBND"), "giải quyết khiếu nại lần đầu"),
        )
        contested = (
            f"Quyết định số {contested_no} ngày {format_date(contested_on)} của Chủ tịch UBND "
            f"thành phố Phủ Lý về việc {about}"
        )
        claim = f"Hủy {contested}" + (
            "; buộc bồi thường, hỗ trợ theo quy định của pháp luật"
            if field_code == "dat_dai"
            else ""
        )
        court = "Tòa án nhân dân tỉnh Hà Nam"

        filed = _on_working_day(opened)
        accepted = _add_working_days(filed, self.between(6, 14))
        path: list[tuple[str, date]] = [("khoi_kien", filed), ("thu_ly", accepted)]
        hearing_planned = _on_working_day(accepted + timedelta(days=self.between(80, 115)))
        dialogue: date | None = None
        if self.chance(0.8):
            dialogue = _on_working_day(accepted + timedelta(days=self.between(30, 60)))
            path.append(("doi_thoai", dialogue))
        path.append(("so_tham", hearing_planned))
        appealed = self.chance(0.4)
        appeal_on: date | None = None
        if appealed:
            appeal_on = _on_working_day(hearing_planned + timedelta(days=self.between(100, 160)))
            path.append(("phuc_tham", appeal_on))
            path.append(("ban_an_hieu_luc", appeal_on))
        else:
            path.append(("ban_an_hieu_luc", hearing_planned + timedelta(days=31)))
        upheld = self.chance(0.4)
        effective = path[-1][1]
        if upheld:
            execution = _on_working_day(effective + timedelta(days=self.between(30, 60)))
            path.append(("thi_hanh_an", execution))
            path.append(
                ("hoan_thanh", _on_working_day(execution + timedelta(self.between(60, 150))))
            )
        else:
            path.append(
                ("hoan_thanh", _on_working_day(effective + timedelta(self.between(10, 40))))
            )
        path = self._truncate(path, opened, 240)
        reached = dict(path)

        judge = self.pick(_JUDGES)
        clerk = self.pick(_COURT_CLERKS)
        year = accepted.year
        acceptance_no = f"{self.between(10, 90)}/{year}/TLST-HC"
        subject_phrase = {
            "dat_dai": "quản lý đất đai",
            "xay_dung": "quản lý trật tự xây dựng",
            "xu_phat_vphc": "xử phạt vi phạm hành chính",
        }.get(field_code, "giải quyết khiếu nại")
        case_about = f"khiếu kiện quyết định hành chính trong lĩnh vực {subject_phrase}"
        ubnd = _UNIT_BY_CODE["ubnd"]
        chair = _LEADER["ubnd"].full_name
        on_land = field_code == "dat_dai"
        grievance = {
            "xay_dung": "thực tế xây dựng nhà ở của gia đình tôi",
            "khac": "nội dung khiếu nại của tôi",
        }.get(field_code, "thực tế sử dụng đất của gia đình tôi")
        docs: list[DemoDocument] = [
            DemoDocument(
                "don_khoi_kien",
                "Đơn khởi kiện",
                None,
                filed,
                plaintiff.name,
                (
                    f"Kính gửi: {court}.",
                    f"Người khởi kiện: {plaintiff.identity()}.",
                    "Người bị kiện: Chủ tịch Ủy ban nhân dân thành phố Phủ Lý; địa chỉ: thành phố "
                    "Phủ Lý, tỉnh Hà Nam.",
                    f"Quyết định hành chính bị kiện: {contested}.",
                    f"Tóm tắt nội dung khiếu kiện: {contested} ảnh hưởng trực tiếp đến quyền và "
                    "lợi ích hợp pháp của tôi; việc ban hành quyết định không đúng trình tự, thủ "
                    f"tục và không phù hợp với {grievance}.",
                    f"Yêu cầu Tòa án giải quyết: {claim}.",
                    "Tài liệu kèm theo đơn khởi kiện gồm: bản sao quyết định bị kiện; bản sao giấy "
                    "tờ tùy thân; các tài liệu, chứng cứ liên quan.",
                ),
                self.pages(1, 2),
                letterhead=_PRIVATE,
                signers=(("NGƯỜI KHỞI KIỆN", plaintiff.name),),
                fill_at=5,
                filler="petition_land" if on_land else "",
                facts=land,
            )
        ]
        if "thu_ly" in reached:
            docs.append(
                DemoDocument(
                    "thong_bao_thu_ly",
                    "Thông báo về việc thụ lý vụ án hành chính",
                    f"{self.between(10, 90)}/{year}/TB-TLVA",
                    accepted,
                    court,
                    (
                        f"Ngày {format_date(accepted)}, {court} đã thụ lý vụ án hành chính số "
                        f"{acceptance_no} về việc {case_about}.",
                        f"Người khởi kiện: {_upper_first(plaintiff.called)}; địa chỉ: "
                        f"{plaintiff.address}.",
                        "Người bị kiện: Chủ tịch Ủy ban nhân dân thành phố Phủ Lý.",
                        f"Yêu cầu của người khởi kiện: {claim}.",
                        "Trong thời hạn 15 ngày kể từ ngày nhận được thông báo này, người bị kiện "
                        "phải nộp cho Tòa án văn bản ghi ý kiến của mình đối với yêu cầu của người "
                        "khởi kiện và tài liệu, chứng cứ kèm theo (nếu có).",
                    ),
                    1,
                    letterhead=_COURT_PROVINCE,
                    signers=(("THẨM PHÁN", judge),),
                    recipients=(
                        "Người khởi kiện;",
                        "Người bị kiện;",
                        "VKSND tỉnh Hà Nam;",
                        "Lưu: hồ sơ vụ án.",
                    ),
                )
            )
            answered = _add_working_days(accepted, self.between(8, 11))
            if answered <= AS_OF:
                docs.append(
                    DemoDocument(
                        "van_ban_y_kien",
                        "Văn bản trình bày ý kiến đối với yêu cầu khởi kiện của "
                        f"{plaintiff.called}",
                        self.number("ubnd-cv", answered, "UBND-TP"),
                        answered,
                        "UBND thành phố Phủ Lý",
                        (
                            f"Kính gửi: {court}.",
                            "Ủy ban nhân dân thành phố Phủ Lý nhận được Thông báo thụ lý vụ án "
                            f"hành chính số {acceptance_no} của {court}.",
                            "Về yêu cầu của người khởi kiện, Chủ tịch UBND thành phố có ý kiến "
                            f"như sau: {contested} được ban hành đúng thẩm quyền, trình tự, thủ "
                            "tục theo quy định của pháp luật.",
                            "Đề nghị Tòa án xem xét, bác yêu cầu khởi kiện của người khởi kiện.",
                            "Chủ tịch UBND thành phố đề nghị Tòa án giải quyết vắng mặt; ủy "
                            f"quyền cho ông {chair}, Phó Chủ tịch UBND thành phố, tham gia tố "
                            "tụng và cử Trưởng phòng Tư pháp bảo vệ quyền và lợi ích hợp pháp của "
                            "người bị kiện.",
                        ),
                        self.pages(1, 2),
                        letterhead=(ubnd.letterhead_agency, ubnd.letterhead_name),
                        signers=(("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", chair),),
                        recipients=("Như trên;", "Phòng Tư pháp;", "Lưu: VT."),
                    )
                )
        if "doi_thoai" in reached and dialogue:
            docs.append(
                DemoDocument(
                    "bien_ban_doi_thoai",
                    "Biên bản đối thoại",
                    None,
                    dialogue,
                    court,
                    (
                        f"Vào hồi 08 giờ 30 phút ngày {format_date(dialogue)}, tại trụ sở {court}, "
                        f"tiến hành phiên đối thoại vụ án hành chính thụ lý số {acceptance_no}.",
                        f"Thẩm phán chủ trì phiên đối thoại: {judge}. Thư ký ghi biên bản: "
                        f"{clerk}.",
                        f"Người khởi kiện: {_upper_first(plaintiff.called)} có mặt.",
                        "Người bị kiện: Chủ tịch UBND thành phố Phủ Lý vắng mặt, có người đại diện "
                        "theo ủy quyền tham gia.",
                        "Kết quả đối thoại: các đương sự không thống nhất được với nhau về việc "
                        "giải quyết vụ án.",
                        "Phiên đối thoại kết thúc vào hồi 10 giờ 15 phút cùng ngày.",
                    ),
                    self.pages(1, 2),
                    letterhead=_COURT_PROVINCE,
                    signers=(("THƯ KÝ", clerk), ("THẨM PHÁN", judge)),
                )
            )
        first_judgment: DemoDocument | None = None
        if "so_tham" in reached:
            first_judgment = self._judgment(
                f"{self.between(5, 40)}/{hearing_planned.year}/HC-ST",
                hearing_planned,
                court,
                _COURT_PROVINCE,
                "sơ thẩm",
                judge,
                clerk,
                plaintiff,
                contested,
                claim,
                acceptance_no,
                case_about,
                upheld and not appealed,
                accepted=accepted,
                land=land if on_land else (),
            )
            docs.append(first_judgment)
        if "phuc_tham" in reached and appeal_on and first_judgment:
            docs.append(
                self._judgment(
                    f"{self.between(100, 600)}/{appeal_on.year}/HC-PT",
                    appeal_on,
                    "Tòa án nhân dân cấp cao tại Hà Nội",
                    _COURT_HIGH,
                    "phúc thẩm",
                    _APPEAL_JUDGES[0],
                    _APPEAL_CLERK,
                    plaintiff,
                    contested,
                    claim,
                    acceptance_no,
                    case_about,
                    upheld,
                    place="Hà Nội",
                    first=first_judgment,
                    accepted=accepted,
                    land=land if on_land else (),
                )
            )
        if "thi_hanh_an" in reached:
            execution = reached["thi_hanh_an"]
            docs.append(
                DemoDocument(
                    "quyet_dinh_thi_hanh_an",
                    "Quyết định buộc thi hành án hành chính",
                    f"{self.between(1, 30)}/{execution.year}/QĐ-BTHA",
                    execution,
                    court,
                    (
                        "TÒA ÁN NHÂN DÂN TỈNH HÀ NAM",
                        _LAW_TTHC,
                        "Căn cứ bản án hành chính đã có hiệu lực pháp luật trong vụ án thụ lý số "
                        f"{acceptance_no};",
                        "Xét đơn yêu cầu của người được thi hành án.",
                        "QUYẾT ĐỊNH:",
                        "1. Buộc Chủ tịch Ủy ban nhân dân thành phố Phủ Lý thi hành bản án hành "
                        "chính đã có hiệu lực pháp luật.",
                        "2. Người phải thi hành án có trách nhiệm thông báo kết quả thi hành án "
                        "bằng văn bản cho Tòa án và cơ quan thi hành án.",
                    ),
                    1,
                    letterhead=_COURT_PROVINCE,
                    signers=(("CHÁNH ÁN", _COURT_PRESIDENT),),
                    recipients=("Các đương sự;", "VKSND tỉnh Hà Nam;", "Lưu: hồ sơ."),
                )
            )
        if "hoan_thanh" in reached and "thi_hanh_an" in reached:
            done = reached["hoan_thanh"]
            docs.append(
                DemoDocument(
                    "khac",
                    "Báo cáo kết quả thi hành án hành chính",
                    self.number("ubnd-bc", done, "BC-UBND"),
                    done,
                    "UBND thành phố Phủ Lý",
                    (
                        f"Kính gửi: {court}.",
                        f"Thực hiện bản án hành chính trong vụ án thụ lý số {acceptance_no}, Chủ "
                        "tịch "
                        f"UBND thành phố Phủ Lý đã ban hành quyết định hủy bỏ {contested.split(' của ')[0]} "  # noqa: E501
                        f"và giao các phòng chuyên môn giải quyết lại theo quy định.",
                        "Đến nay, bản án đã được thi hành xong.",
                    ),
                    1,
                    letterhead=(ubnd.letterhead_agency, ubnd.letterhead_name),
                    signers=(("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", chair),),
                    recipients=("Như trên;", "Lưu: VT."),
                )
            )
        docs = self._cap(docs, ("khac", "van_ban_y_kien", "thong_bao_thu_ly"), unit_code)

        custom: dict[str, object] = {
            "contested_decision": contested,
            "court": court,
            "claim": claim,
        }
        if "so_tham" in reached:
            custom["hearing_date"] = hearing_planned
        parties = [
            plaintiff.party("plaintiff"),
            DemoParty(
                "defendant",
                "organisation",
                "Chủ tịch UBND thành phố Phủ Lý",
                None,
                "Thành phố Phủ Lý, tỉnh Hà Nam",
            ),
        ]
        # The department that prepared the contested decision takes part as a related party.
        related = {"xay_dung": "qldt", "dat_dai": "tnmt", "xu_phat_vphc": "tnmt"}.get(field_code)
        if related and self.chance(0.4):
            parties.append(
                DemoParty(
                    "related",
                    "organisation",
                    _FORMAL_NAME[related],
                    None,
                    "Thành phố Phủ Lý, tỉnh Hà Nam",
                )
            )
        title = (
            f"Vụ án hành chính: {plaintiff.called} khởi kiện Quyết định số {contested_no} về việc "
            f"{about}"
        )
        return _Draft(
            title,
            path,
            tuple(parties),
            custom,
            docs,
            "vinh_vien" if field_code == "dat_dai" else "20",
        )

    def _judgment(
        self,
        number: str,
        on: date,
        court: str,
        letterhead: tuple[str, ...],
        instance: str,
        judge: str,
        clerk: str,
        plaintiff: _Person,
        contested: str,
        claim: str,
        acceptance_no: str,
        case_about: str,
        upheld: bool,
        place: str = "Phủ Lý",
        first: DemoDocument | None = None,
        *,
        accepted: date,
        land: tuple[tuple[str, str], ...] = (),
    ) -> DemoDocument:
        """A first-instance judgment, or (``first`` given) the appeal judgment on it."""
        claim_lower = f"{claim[0].lower()}{claim[1:]}"
        if first is None:
            lay = self.rng.sample(_LAY_JUDGES, 2)
            panel = (
                f"Thành phần Hội đồng xét xử sơ thẩm gồm có: Thẩm phán - Chủ tọa phiên tòa: "
                f"{judge}; các Hội thẩm nhân dân: {lay[0]}, {lay[1]}. Thư ký phiên tòa: {clerk}."
            )
            history: tuple[str, ...] = ()
            basis = (
                "Căn cứ Điều 30, Điều 32, Điều 193 và Điều 194 Luật Tố tụng hành chính năm 2015."
            )
            verdict = (
                f"Chấp nhận yêu cầu khởi kiện của {plaintiff.called}. {claim}."
                if upheld
                else f"Bác yêu cầu khởi kiện của {plaintiff.called} về việc {claim_lower}."
            )
            costs = (
                "Về án phí: người khởi kiện không phải chịu án phí hành chính sơ thẩm."
                if upheld
                else "Về án phí: người khởi kiện phải chịu 300.000 đồng án phí hành chính sơ thẩm."
            )
            closing = (
                "Đương sự có mặt có quyền kháng cáo bản án trong thời hạn 15 ngày kể từ ngày tuyên "
                "án."
            )
        else:
            # An appeal is heard by three judges, without lay judges.
            others = [j for j in _APPEAL_JUDGES if j != judge]
            panel = (
                "Thành phần Hội đồng xét xử phúc thẩm gồm có: Thẩm phán - Chủ tọa phiên tòa: "
                f"{judge}; các Thẩm phán: {others[0]}, {others[1]}. Thư ký phiên tòa: {clerk}."
            )
            history = (
                f"Tại Bản án hành chính sơ thẩm số {first.number} ngày "
                f"{format_date(first.issued_on)}, Tòa án nhân dân tỉnh Hà Nam đã quyết định bác "
                f"yêu cầu khởi kiện của {plaintiff.called}.",
                f"Trong thời hạn luật định, {plaintiff.called} có đơn kháng cáo toàn bộ bản án sơ "
                "thẩm.",
            )
            if upheld:
                basis = "Căn cứ khoản 2 Điều 241 Luật Tố tụng hành chính năm 2015."
                verdict = (
                    f"Chấp nhận kháng cáo của {plaintiff.called}; sửa Bản án hành chính sơ thẩm "
                    f"số {first.number} ngày {format_date(first.issued_on)} của Tòa án nhân dân "
                    f"tỉnh Hà Nam. Chấp nhận yêu cầu khởi kiện của {plaintiff.called}: "
                    f"{claim_lower}."
                )
                costs = "Về án phí: người khởi kiện không phải chịu án phí hành chính."
            else:
                basis = "Căn cứ khoản 1 Điều 241 Luật Tố tụng hành chính năm 2015."
                verdict = (
                    f"Không chấp nhận kháng cáo của {plaintiff.called}; giữ nguyên Bản án hành "
                    f"chính sơ thẩm số {first.number} ngày {format_date(first.issued_on)} của "
                    "Tòa án nhân dân tỉnh Hà Nam."
                )
                costs = (
                    "Về án phí: người khởi kiện phải chịu 300.000 đồng án phí hành chính phúc thẩm."
                )
            closing = "Bản án phúc thẩm có hiệu lực pháp luật kể từ ngày tuyên án."
        heard_since = accepted
        if first is not None:
            accepted = _add_working_days(first.issued_on, self.between(20, 35))
            acceptance_no = f"{self.between(100, 900)}/{accepted.year}/TLPT-HC"
        paras = (
            "NHÂN DANH NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            court.upper(),
            panel,
            f"Ngày {format_date(on)}, tại trụ sở {court} xét xử {instance} công khai vụ án hành "
            f"chính thụ lý số {acceptance_no} ngày {format_date(accepted)} về việc {case_about}.",
            f"Người khởi kiện: {plaintiff.identity()}.",
            "Người bị kiện: Chủ tịch Ủy ban nhân dân thành phố Phủ Lý; người đại diện theo ủy "
            f"quyền: ông {_LEADER['ubnd'].full_name}, Phó Chủ tịch Ủy ban nhân dân thành phố Phủ "
            "Lý.",
            "NỘI DUNG VỤ ÁN:",
            f"Người khởi kiện yêu cầu: {claim}.",
            "Người đại diện theo ủy quyền của người bị kiện trình bày: quyết định bị kiện được ban "
            "hành đúng thẩm quyền, trình tự, thủ tục; đề nghị Tòa án bác yêu cầu khởi kiện.",
            *history,
            "NHẬN ĐỊNH CỦA TÒA ÁN:",
            f"Xét {contested}, Hội đồng xét xử nhận định: "
            + (
                "quyết định chưa bảo đảm đúng trình tự, thủ tục theo quy định của pháp luật."
                if upheld
                else "quyết định được ban hành đúng thẩm quyền, trình tự, thủ tục."
            ),
            "QUYẾT ĐỊNH:",
            basis,
            verdict,
            costs,
            closing,
        )
        return DemoDocument(
            "ban_an",
            f"Bản án hành chính {instance} về việc {case_about}",
            number,
            on,
            court,
            paras,
            self.pages(3, 4) if land else self.pages(2, 3),
            letterhead=letterhead,
            place=place,
            signers=(
                (f"TM. HỘI ĐỒNG XÉT XỬ {instance.upper()}\nTHẨM PHÁN - CHỦ TỌA PHIÊN TÒA", judge),
            ),
            recipients=(
                "Các đương sự;",
                "Viện kiểm sát nhân dân cùng cấp;",
                "Cơ quan thi hành án;",
                "Lưu: hồ sơ vụ án.",
            ),
            fill_at=paras.index("NHẬN ĐỊNH CỦA TÒA ÁN:") + 1,
            filler="court_land" if land else "court_admin",
            since=heard_since,
            facts=land,
        )

    def _first_instance(
        self,
        suffix: str,
        number: str,
        on: date,
        creditor: _Subject,
        debtor: _Subject,
        dispute: str,
        laws: str,
        sentence: str,
        amount: int,
        obligation: str,
    ) -> DemoDocument:
        """The city court's civil, family, commercial or criminal judgment being enforced."""
        kind = _JUDGMENT_KIND[suffix]
        accepted = _on_working_day(on - timedelta(days=self.between(60, 150)))
        acceptance_no = (
            f"{self.between(10, 300)}/{accepted.year}/TLST-{suffix.split('-')[0]} ngày "
            f"{format_date(accepted)}"
        )
        d_name, c_name = _called(debtor), _called(creditor)
        if suffix == "HS-ST":
            parties: tuple[str, ...] = (
                f"Ngày {format_date(on)}, tại trụ sở Tòa án nhân dân thành phố Phủ Lý xét xử sơ "
                f"thẩm công khai vụ án hình sự thụ lý số {acceptance_no} đối với bị cáo: "
                f"{debtor.identity()}; bị Viện kiểm sát nhân dân thành phố Phủ Lý truy tố về tội "
                f"“{dispute}” theo khoản 1 Điều 174 Bộ luật Hình sự năm 2015.",
                f"Bị hại: {creditor.identity()}.",
            )
            finding = (
                f"Có đủ căn cứ kết luận bị cáo đã dùng thủ đoạn gian dối chiếm đoạt của bị hại số "
                f"tiền {format_money(amount)} đồng; hành vi của bị cáo đã phạm vào tội "
                f"“{dispute}”. Bị cáo chưa khắc phục hậu quả, cần buộc bị cáo trả lại số tiền "
                "đã chiếm đoạt cho bị hại."
            )
            story = (
                "Theo bản cáo trạng của Viện kiểm sát nhân dân thành phố Phủ Lý, bị cáo đã đưa ra "
                "thông tin gian dối về việc nhận làm thủ tục hộ để bị hại tin tưởng giao tiền, "
                f"sau đó chiếm đoạt số tiền {format_money(amount)} đồng, sử dụng vào mục đích "
                "cá nhân."
            )
            verdict: tuple[str, ...] = (
                f"Tuyên bố bị cáo {debtor.name} phạm tội “{dispute}”. Xử phạt bị cáo "
                f"{sentence}, thời hạn chấp hành hình phạt tính từ ngày bắt thi hành án.",
                f"Buộc bị cáo {debtor.name} trả lại cho bị hại {c_name} số tiền {_money(amount)}.",
            )
            appeal = (
                "Bị cáo, bị hại có quyền kháng cáo bản án trong thời hạn 15 ngày kể từ ngày tuyên "
                "án."
            )
        else:
            parties = (
                f"Ngày {format_date(on)}, tại trụ sở Tòa án nhân dân thành phố Phủ Lý xét xử sơ "
                f"thẩm công khai vụ án {kind} thụ lý số {acceptance_no} về việc {dispute} giữa "
                "các đương sự:",
                f"Nguyên đơn: {creditor.identity()}.",
                f"Bị đơn: {debtor.identity()}.",
            )
            if suffix == "HNGĐ-ST":
                story = (
                    f"Nguyên đơn và bị đơn kết hôn năm {self.between(2005, 2015)}, có con chung; "
                    "do mâu thuẫn vợ chồng kéo dài, nguyên đơn xin ly hôn và yêu cầu bị đơn "
                    f"{obligation} với số tiền {format_money(amount)} đồng."
                )
                granted = "Nguyên đơn được ly hôn bị đơn. "
            else:
                story = (
                    "Theo đơn khởi kiện và lời trình bày tại phiên tòa, nguyên đơn cho rằng bị "
                    f"đơn có nghĩa vụ {obligation} với số tiền {format_money(amount)} đồng nhưng "
                    "đến nay chưa thực hiện; nguyên đơn yêu cầu Tòa án buộc bị đơn thanh toán số "
                    "tiền trên."
                )
                granted = ""
            finding = (
                f"Xét yêu cầu của nguyên đơn buộc bị đơn {obligation} số tiền "
                f"{format_money(amount)} đồng: yêu cầu này có căn cứ, phù hợp với các tài liệu, "
                "chứng cứ có trong hồ sơ vụ án nên được chấp nhận."
            )
            verdict = (
                f"Chấp nhận yêu cầu khởi kiện của nguyên đơn. {granted}Buộc {d_name} {obligation} "
                f"cho {c_name} số tiền {_money(amount)}.",
                "Kể từ ngày bản án có hiệu lực pháp luật và người được thi hành án có đơn yêu cầu "
                "thi hành án, nếu người phải thi hành án chưa thi hành thì hằng tháng còn phải "
                "chịu khoản tiền lãi của số tiền còn phải thi hành án theo quy định.",
            )
            appeal = "Các đương sự có quyền kháng cáo trong thời hạn 15 ngày kể từ ngày tuyên án."
        paras = (
            "NHÂN DANH NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "TÒA ÁN NHÂN DÂN THÀNH PHỐ PHỦ LÝ",
            *parties,
            "NỘI DUNG VỤ ÁN:",
            story,
            "NHẬN ĐỊNH CỦA TÒA ÁN:",
            finding,
            "QUYẾT ĐỊNH:",
            laws,
            *verdict,
            appeal,
        )
        judge = self.pick(_CITY_JUDGES)
        return DemoDocument(
            "ban_an",
            f"Bản án {kind} sơ thẩm",
            number,
            on,
            "Tòa án nhân dân thành phố Phủ Lý",
            paras,
            self.pages(2, 3),
            letterhead=_COURT_CITY,
            signers=(("TM. HỘI ĐỒNG XÉT XỬ SƠ THẨM\nTHẨM PHÁN - CHỦ TỌA PHIÊN TÒA", judge),),
            recipients=(
                "Các đương sự;",
                "Viện kiểm sát nhân dân thành phố Phủ Lý;",
                "Chi cục Thi hành án dân sự thành phố Phủ Lý;",
                "Lưu: hồ sơ vụ án.",
            ),
            fill_at=paras.index("NHẬN ĐỊNH CỦA TÒA ÁN:") + 1,
            filler="court_criminal" if suffix == "HS-ST" else "court_civil",
            since=accepted,
        )

    def thads(self, field_code: str, unit_code: str, opened: date) -> _Draft:
        unit = _UNIT_BY_CODE[unit_code]
        officer = _OFFICIAL[unit_code].full_name
        chief = _LEADER[unit_code].full_name
        creditor: _Subject
        sentence = ""
        if field_code == "kinh_doanh_thuong_mai":
            creditor = self.bank_branch()
            # A commercial dispute is between businesses: a private borrower would be a civil case.
            debtor: _Subject = self.company("thuong_mai")
            amount = self.between(30, 200) * 10_000_000
            obligation = "trả nợ gốc và lãi theo hợp đồng tín dụng"
            dispute = "tranh chấp hợp đồng tín dụng"
            laws = "Căn cứ các điều 463, 466 và 468 Bộ luật Dân sự năm 2015;"
            suffix = "KDTM-ST"
        elif field_code == "hon_nhan_gia_dinh":
            creditor, debtor = self.person(male=False), self.person(male=True)
            if self.chance(0.5):
                amount = self.between(2, 4) * 1_000_000 * 12
                obligation = "cấp dưỡng nuôi con chung một lần"
                dispute = "ly hôn, tranh chấp về nuôi con và cấp dưỡng nuôi con"
            else:
                amount = self.between(15, 60) * 10_000_000
                obligation = "thanh toán giá trị chênh lệch tài sản chung"
                dispute = "ly hôn, tranh chấp về chia tài sản chung"
            laws = "Căn cứ các điều 59, 81, 82 và 83 Luật Hôn nhân và gia đình năm 2014;"
            suffix = "HNGĐ-ST"
        elif field_code == "hinh_su_phan_dan_su":
            # Money to be returned to the victim is enforced without a request (Law on THADS,
            # Art. 36: "trả lại tiền, tài sản cho đương sự"); compensation would need one.
            creditor, debtor = self.person(), self.person(male=True)
            amount = self.between(20, 49) * 1_000_000
            obligation = "trả lại tiền đã chiếm đoạt"
            dispute = "Lừa đảo chiếm đoạt tài sản"
            laws = "Căn cứ khoản 1 Điều 174, Điều 38 và Điều 47 Bộ luật Hình sự năm 2015;"
            sentence = f"{self.between(9, 30)} tháng tù"
            suffix = "HS-ST"
        else:
            creditor, debtor = self.person(), self.person()
            amount = self.between(5, 50) * 10_000_000 + self.between(0, 9) * 1_000_000
            obligation = "trả nợ tiền vay"
            dispute = "tranh chấp hợp đồng vay tài sản"
            laws = "Căn cứ các điều 463, 466 và 468 Bộ luật Dân sự năm 2015;"
            suffix = "DS-ST"
        judged_on = _on_working_day(opened - timedelta(days=self.between(45, 120)))
        judgment_no = f"{self.between(5, 140)}/{judged_on.year}/{suffix}"
        judgment = (
            f"Bản án số {judgment_no} ngày {format_date(judged_on)} của Tòa án nhân dân thành phố "
            "Phủ Lý"
        )
        received = _on_working_day(opened)
        decided = _add_working_days(received, self.between(1, 5))
        path: list[tuple[str, date]] = [("nhan_don", received), ("quyet_dinh_thi_hanh", decided)]
        verified = _on_working_day(decided + timedelta(days=self.between(7, 25)))
        path.append(("xac_minh", verified))
        outcome = self.rng.choices(("done", "unable", "stopped"), (0.65, 0.25, 0.1))[0]
        if outcome == "unable":
            path.append(("chua_co_dieu_kien", _add_working_days(verified, self.between(3, 8))))
        else:
            executing = _on_working_day(verified + timedelta(days=self.between(10, 40)))
            path.append(("to_chuc_thi_hanh", executing))
            path.append(
                (
                    "hoan_thanh" if outcome == "done" else "dinh_chi",
                    _on_working_day(executing + timedelta(days=self.between(20, 120))),
                )
            )
        path = self._truncate(path, opened, 150)
        reached = dict(path)
        d_name, c_name = _called(debtor), _called(creditor)
        active = field_code == "hinh_su_phan_dan_su"  # enforced ex officio, no request needed

        docs: list[DemoDocument] = []
        if not active:
            writer = creditor.representative if isinstance(creditor, _Company) else creditor
            docs.append(
                DemoDocument(
                    "don_yeu_cau",
                    "Đơn yêu cầu thi hành án dân sự",
                    None,
                    received,
                    creditor.name,
                    (
                        f"Kính gửi: {_FORMAL_NAME[unit_code]}.",
                        f"Người yêu cầu thi hành án: {creditor.identity()}.",
                        f"Người phải thi hành án: {debtor.identity()}.",
                        f"Căn cứ {judgment}, đề nghị Chi cục Thi hành án dân sự thành phố Phủ Lý "
                        f"tổ chức thi hành khoản: buộc {d_name} {obligation} cho {c_name} số tiền "
                        f"{_money(amount)}.",
                        "Thông tin về tài sản, điều kiện thi hành án của người phải thi hành án: "
                        + (
                            "doanh nghiệp đang hoạt động, có tài khoản tại ngân hàng và có tài sản "
                            "tại địa chỉ nêu trên."
                            if isinstance(debtor, _Company)
                            else "người phải thi hành án có nhà, đất tại địa chỉ nêu trên và có "
                            "thu nhập thường xuyên."
                        ),
                        "Tài liệu kèm theo: bản án; giấy tờ tùy thân của người yêu cầu.",
                    ),
                    self.pages(1, 2),
                    letterhead=_PRIVATE,
                    signers=(("NGƯỜI YÊU CẦU", writer.name),),
                )
            )
        docs.append(
            self._first_instance(
                suffix,
                judgment_no,
                judged_on,
                creditor,
                debtor,
                dispute,
                laws,
                sentence,
                amount,
                obligation,
            )
        )
        decision_no = self.number("thads-qd", decided, "QĐ-CCTHADS")
        if "quyet_dinh_thi_hanh" in reached:
            docs.append(
                DemoDocument(
                    "quyet_dinh_thi_hanh_an",
                    "Quyết định thi hành án " + ("chủ động" if active else "theo yêu cầu"),
                    decision_no,
                    decided,
                    unit.name,
                    (
                        "CHI CỤC TRƯỞNG CHI CỤC THI HÀNH ÁN DÂN SỰ THÀNH PHỐ PHỦ LÝ",
                        _LAW_THADS,
                        f"Căn cứ {judgment};",
                        *(
                            ()
                            if active
                            else (
                                f"Căn cứ đơn yêu cầu thi hành án của {c_name} ngày "
                                f"{format_date(received)};",
                            )
                        ),
                        "QUYẾT ĐỊNH:",
                        f"Điều 1. Cho thi hành án đối với: {debtor.identity()}.",
                        f"Các khoản phải thi hành: {obligation} cho {c_name} số tiền "
                        f"{_money(amount)}.",
                        "Điều 2. Người phải thi hành án có trách nhiệm tự nguyện thi hành án trong "
                        "thời hạn 10 ngày kể từ ngày nhận được hoặc được thông báo hợp lệ quyết "
                        "định này.",
                        f"Điều 3. Chấp hành viên {officer} và các đương sự có trách nhiệm thi hành "
                        "Quyết định này.",
                    ),
                    self.pages(1, 2),
                    signers=(("CHI CỤC TRƯỞNG", chief),),
                    recipients=(
                        "Như Điều 3;",
                        "Viện kiểm sát nhân dân thành phố Phủ Lý;",
                        "Lưu: VT, hồ sơ thi hành án.",
                    ),
                )
            )
            notified = _add_working_days(decided, self.between(1, 3))
            if notified <= AS_OF:
                docs.append(
                    DemoDocument(
                        "thong_bao",
                        "Thông báo về việc thi hành án",
                        self.number("thads-tb", notified, "TB-CCTHADS"),
                        notified,
                        unit.name,
                        (
                            f"Kính gửi: {d_name[0].upper()}{d_name[1:]}.",
                            f"Thực hiện Quyết định thi hành án số {decision_no} ngày "
                            f"{format_date(decided)}, Chi cục Thi hành án dân sự thành phố Phủ Lý "
                            f"thông báo: {d_name} có nghĩa vụ {obligation} cho {c_name} với số "
                            f"tiền {_money(amount)}.",
                            "Đề nghị người phải thi hành án tự nguyện thi hành trong thời hạn 10 "
                            "ngày kể từ ngày nhận được thông báo này; hết thời hạn trên mà không "
                            "tự nguyện thi hành sẽ bị cưỡng chế theo quy định của pháp luật.",
                        ),
                        1,
                        signers=(("CHẤP HÀNH VIÊN", officer),),
                        recipients=("Như trên;", "Lưu: hồ sơ thi hành án."),
                    )
                )
        able = "chua_co_dieu_kien" not in reached
        if "xac_minh" in reached:
            docs.append(
                DemoDocument(
                    "bien_ban_xac_minh",
                    "Biên bản xác minh điều kiện thi hành án",
                    None,
                    verified,
                    unit.name,
                    (
                        f"Hồi 09 giờ 00 phút ngày {format_date(verified)}, tại "
                        f"{_in_sentence(debtor.address)}, Chấp hành viên {officer} tiến hành xác "
                        f"minh điều kiện thi hành án của {d_name}.",
                        (
                            "Thành phần: đại diện Ủy ban nhân dân xã sở tại; trưởng thôn."
                            if ", xã " in debtor.address
                            else "Thành phần: đại diện Ủy ban nhân dân phường sở tại; tổ trưởng "
                            "tổ dân phố."
                        ),
                        (
                            "Kết quả xác minh: người phải thi hành án có tài sản là quyền sử dụng "
                            "đất và có thu nhập ổn định, có điều kiện thi hành án."
                            if able
                            else "Kết quả xác minh: người phải thi hành án không có tài sản, "
                            "không có thu nhập hoặc thu nhập chỉ đảm bảo cuộc sống tối thiểu."
                        ),
                        "Biên bản được lập xong hồi 10 giờ 30 phút cùng ngày, đã đọc lại cho mọi "
                        "người cùng nghe và ký tên.",
                    ),
                    self.pages(1, 2),
                    signers=(
                        ("ĐẠI DIỆN CHÍNH QUYỀN", self.person().name),
                        ("CHẤP HÀNH VIÊN", officer),
                    ),
                )
            )
        # Paid at the meeting that organises enforcement: a part now, the rest as agreed.
        partial = amount * self.between(2, 6) // 10 // 1000 * 1000
        payer = debtor.representative.name if isinstance(debtor, _Company) else debtor.name
        since_decision = (
            f"Căn cứ Quyết định thi hành án số {decision_no} ngày {format_date(decided)};"
        )
        decision_head = (
            "CHI CỤC TRƯỞNG CHI CỤC THI HÀNH ÁN DÂN SỰ THÀNH PHỐ PHỦ LÝ",
            _LAW_THADS,
            since_decision,
            "QUYẾT ĐỊNH:",
        )
        closing_papers: tuple[tuple[str, str, tuple[str, ...]], ...] = (
            (
                "to_chuc_thi_hanh",
                "Biên bản giải quyết việc thi hành án",
                (
                    f"Hồi 14 giờ 00 phút ngày {{day}}, tại trụ sở {_FORMAL_NAME[unit_code]}, "
                    f"Chấp hành viên {officer} tiến hành giải quyết việc thi hành Quyết định thi "
                    f"hành án số {decision_no} ngày {format_date(decided)}.",
                    f"{_upper_first(d_name)} tự nguyện nộp {_money(partial)} và cam kết nộp "
                    f"phần còn lại theo thỏa thuận với {c_name}.",
                    "Biên bản được lập xong hồi 15 giờ 00 phút cùng ngày, đã đọc lại cho những "
                    "người có tên trên cùng nghe và ký tên.",
                ),
            ),
            (
                "hoan_thanh",
                "Giấy xác nhận kết quả thi hành án",
                (
                    since_decision,
                    f"{_FORMAL_NAME[unit_code]} xác nhận: {d_name} đã thi hành xong nghĩa vụ "
                    f"{obligation} cho {c_name} với số tiền {_money(amount)}.",
                ),
            ),
            (
                "chua_co_dieu_kien",
                "Quyết định về việc chưa có điều kiện thi hành án",
                (
                    *decision_head,
                    f"Điều 1. Xác định {d_name} chưa có điều kiện thi hành án đối với khoản "
                    f"{obligation} cho {c_name} với số tiền {_money(amount)}.",
                    f"Điều 2. Chấp hành viên {officer} định kỳ xác minh lại điều kiện thi hành án "
                    "theo quy định.",
                ),
            ),
            (
                "dinh_chi",
                "Quyết định đình chỉ thi hành án",
                (
                    *decision_head,
                    f"Điều 1. Đình chỉ thi hành án đối với phần nghĩa vụ còn lại của {d_name} do "
                    f"{c_name} có văn bản không yêu cầu thi hành tiếp, theo Điều 50 Luật Thi "
                    "hành án dân sự.",
                    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
                ),
            ),
        )
        for stage, title, body in closing_papers:
            if stage not in reached:
                continue
            on = reached[stage]
            is_decision = title.startswith("Quyết định")
            # Decisions and certificates are numbered; the record of a meeting is not.
            number = (
                self.number(f"thads-{stage}", on, "QĐ-CCTHADS")
                if is_decision
                else self.number(f"thads-{stage}", on, "GXN-CCTHADS")
                if title.startswith("Giấy")
                else None
            )
            record = title.startswith("Biên bản")
            docs.append(
                DemoDocument(
                    "khac",
                    title,
                    number,
                    on,
                    unit.name,
                    tuple(p.replace("{day}", format_date(on)) for p in body),
                    1,
                    signers=(
                        (("NGƯỜI PHẢI THI HÀNH ÁN", payer), ("CHẤP HÀNH VIÊN", officer))
                        if record
                        else (("CHI CỤC TRƯỞNG", chief),)
                    ),
                )
            )
        enforced_amount = 0
        if "hoan_thanh" in reached:
            enforced_amount = amount
        elif "to_chuc_thi_hanh" in reached:
            enforced_amount = partial
        docs = self._cap(docs, ("thong_bao", "don_yeu_cau"), unit_code)

        custom: dict[str, object] = {
            "judgment": judgment,
            "amount_due": amount,
            "amount_enforced": enforced_amount,
        }
        if "to_chuc_thi_hanh" in reached:
            custom["enforceable"] = "co_dieu_kien"
        elif not able:
            custom["enforceable"] = "chua_co_dieu_kien"
        title = f"Thi hành {judgment.split(' của ')[0]}: {d_name} {obligation} cho {c_name}"
        return _Draft(
            title, path, (creditor.party("creditor"), debtor.party("debtor")), custom, docs, "20"
        )

    def qltt(self, field_code: str, unit_code: str, opened: date) -> _Draft:
        unit = _UNIT_BY_CODE[unit_code]
        official = _OFFICIAL[unit_code].full_name
        chief = _LEADER[unit_code].full_name
        source = self.rng.choices(
            ("ke_hoach", "to_giac", "khieu_nai", "phat_hien"), (0.4, 0.3, 0.15, 0.15)
        )[0]
        inspected: _Subject = self.company("thuong_mai") if self.chance(0.5) else self.person()
        # Whoever answers for the shop: the owner, or the company's director.
        shop_owner = inspected.representative if isinstance(inspected, _Company) else inspected
        shop = (
            f"cửa hàng {self.pick(('tạp hóa', 'mỹ phẩm', 'thời trang', 'thực phẩm'))} "
            f"{self.pick(_SHOP_NAMES)}"
        )
        where = self.place("shop")
        about, goods, article, decree = {
            "hang_gia": (
                "kinh doanh hàng giả mạo nhãn hàng hóa",
                "túi xách, quần áo thể thao giả mạo nhãn hiệu",
                "Điều 11",
                _D98,
            ),
            "hang_lau": (
                "kinh doanh hàng hóa nhập lậu",
                "mỹ phẩm, thực phẩm chức năng nhập lậu",
                "Điều 15",
                _D98,
            ),
            "ve_sinh_an_toan_thuc_pham": (
                "kinh doanh thực phẩm không bảo đảm an toàn",
                "thực phẩm đông lạnh không rõ nguồn gốc, xuất xứ",
                "",
                _D115,
            ),
            "gia_ca": (
                "không niêm yết giá hàng hóa, dịch vụ",
                "hàng hóa không niêm yết giá",
                "khoản 1 Điều 13",
                _D87,
            ),
        }.get(
            field_code,
            (
                "kinh doanh qua thương mại điện tử không cung cấp đầy đủ thông tin",
                "hàng hóa chào bán trên mạng xã hội",
                "",
                _D98,
            ),
        )
        basis = f"{article} {decree.cite()}".strip()
        start_stage = "ke_hoach" if source == "ke_hoach" else "tiep_nhan"
        started = _on_working_day(opened)
        plan_no = self.number("qltt-kh", started, "KH-ĐQLTT1")
        # A plan covers about three months, within its own year.
        plan_end = min(started + timedelta(days=90), date(started.year, 12, 31))
        path: list[tuple[str, date]] = [(start_stage, started)]
        inspected_on = (
            _on_working_day(started + timedelta(days=self.between(20, 60)))
            if start_stage == "ke_hoach"
            else _add_working_days(started, self.between(2, 9))
        )
        path.append(("kiem_tra", inspected_on))
        violated = self.chance(0.5 if field_code == "gia_ca" else 0.8)
        if field_code == "gia_ca" and inspected_on < _IN_FORCE[_D87]:
            # The demo cites the price-management decree in force from 12 July 2024 only.
            violated = False
        seized = violated and field_code in ("hang_gia", "hang_lau", "ve_sinh_an_toan_thuc_pham")
        sanctioned_on: date | None = None
        if violated:
            sanctioned_on = _add_working_days(inspected_on, self.between(3, 10))
            path.append(("xu_ly_vi_pham", sanctioned_on))
            path.append(
                ("ket_thuc", _on_working_day(sanctioned_on + timedelta(self.between(10, 25))))
            )
        else:
            path.append(("ket_thuc", _add_working_days(inspected_on, self.between(1, 5))))
        path = self._truncate(path, opened, 60)
        reached = dict(path)
        name = _called(inspected)
        subject_line = f"{name} ({shop}), địa chỉ kinh doanh: {where}"

        docs: list[DemoDocument] = []
        if start_stage == "ke_hoach":
            docs.append(
                DemoDocument(
                    "ke_hoach_kiem_tra",
                    f"Kế hoạch kiểm tra chuyên đề về {about} năm {opened.year}",
                    plan_no,
                    started,
                    unit.name,
                    (
                        "I. MỤC ĐÍCH, YÊU CẦU",
                        f"Phát hiện, ngăn chặn và xử lý kịp thời các hành vi {about} trên địa bàn "
                        "thành phố Phủ Lý; góp phần bình ổn thị trường, bảo vệ quyền lợi người "
                        "tiêu dùng.",
                        "II. NỘI DUNG, PHẠM VI, THỜI GIAN KIỂM TRA",
                        "Đối tượng kiểm tra: các tổ chức, cá nhân kinh doanh trên địa bàn các "
                        f"phường {', '.join(self.rng.sample(WARDS, 3))}.",
                        f"Thời gian thực hiện: từ ngày {format_date(started)} đến ngày "
                        f"{format_date(plan_end)}.",
                        "III. TỔ CHỨC THỰC HIỆN",
                        "Các Kiểm soát viên thị trường thuộc Đội chủ động xây dựng phương án kiểm "
                        "tra đối với từng cơ sở, bảo đảm đúng tiến độ của Kế hoạch.",
                    ),
                    2,
                    signers=(("ĐỘI TRƯỞNG", chief),),
                    recipients=("Cục Quản lý thị trường tỉnh Hà Nam (để b/c);", "Lưu: VT."),
                    fill_at=6,
                    filler="plan",
                )
            )
        elif source in ("to_giac", "khieu_nai"):
            informant = self.person()
            docs.append(
                DemoDocument(
                    "don_to_giac",
                    "Đơn phản ánh về hành vi vi phạm trong hoạt động kinh doanh",
                    None,
                    started,
                    informant.name,
                    (
                        f"Kính gửi: {unit.name} - Cục Quản lý thị trường tỉnh Hà Nam.",
                        f"Tôi là {informant.identity()}.",
                        f"Tôi xin phản ánh: {shop} tại {where} có dấu hiệu {about}.",
                        "Đề nghị Đội Quản lý thị trường kiểm tra, xử lý theo quy định. Tôi đề nghị "
                        "được giữ bí mật thông tin cá nhân.",
                    ),
                    1,
                    letterhead=_PRIVATE,
                    signers=(("NGƯỜI PHẢN ÁNH", informant.name),),
                )
            )
        if "kiem_tra" in reached:
            check_no = self.number("qltt-qd", inspected_on, "QĐ-KT")
            docs.append(
                DemoDocument(
                    "quyet_dinh_kiem_tra",
                    "Quyết định kiểm tra việc chấp hành pháp luật trong hoạt động kinh doanh đối "
                    f"với {name}",
                    check_no,
                    inspected_on,
                    unit.name,
                    (
                        "ĐỘI TRƯỞNG ĐỘI QUẢN LÝ THỊ TRƯỜNG SỐ 1",
                        "Căn cứ Pháp lệnh Quản lý thị trường ngày 08 tháng 3 năm 2016;",
                        (
                            f"Căn cứ Kế hoạch kiểm tra số {plan_no} ngày {format_date(started)};"
                            if start_stage == "ke_hoach"
                            else f"Căn cứ thông tin tiếp nhận ngày {format_date(started)};"
                        ),
                        "QUYẾT ĐỊNH:",
                        "Điều 1. Kiểm tra việc chấp hành pháp luật trong hoạt động kinh doanh đối "
                        f"với {subject_line}.",
                        f"Điều 2. Thành lập Tổ kiểm tra gồm: {official}, Kiểm soát viên thị trường "
                        f"- Tổ trưởng; {self.person().name}, Kiểm soát viên thị trường - Tổ viên.",
                        "Điều 3. Thời hạn kiểm tra: 01 ngày làm việc kể từ ngày bắt đầu kiểm tra.",
                    ),
                    1,
                    signers=(("ĐỘI TRƯỞNG", chief),),
                    recipients=("Như Điều 1, Điều 2;", "Lưu: VT, hồ sơ."),
                )
            )
            finding = {
                "gia_ca": "cơ sở bày bán hàng hóa nhưng không niêm yết giá theo quy định",
                "thuong_mai_dien_tu": "cơ sở chào bán hàng hóa trên mạng xã hội nhưng không "
                "cung cấp đầy đủ thông tin về người bán và hàng hóa theo quy định",
            }.get(
                field_code,
                f"cơ sở đang bày bán {goods}; đại diện cơ sở không xuất trình được hóa đơn, "
                "chứng từ chứng minh nguồn gốc hợp pháp",
            )
            found = (
                f"Tại thời điểm kiểm tra, {finding}."
                if violated
                else "Tại thời điểm kiểm tra, chưa phát hiện vi phạm."
            )
            docs.append(
                DemoDocument(
                    "bien_ban_kiem_tra",
                    "Biên bản kiểm tra việc chấp hành pháp luật trong hoạt động kinh doanh",
                    self.number("qltt-bb", inspected_on, "BB-KT"),
                    inspected_on,
                    unit.name,
                    (
                        f"Hồi 09 giờ 30 phút ngày {format_date(inspected_on)}, tại {where}, thực "
                        f"hiện Quyết định kiểm tra số {check_no}, Tổ kiểm tra tiến hành kiểm tra "
                        f"đối với {subject_line}.",
                        f"Đại diện cơ sở được kiểm tra: {shop_owner.called}, chức vụ: "
                        f"{'Giám đốc' if isinstance(inspected, _Company) else 'chủ cơ sở'}.",
                        found,
                        "Biên bản kết thúc hồi 11 giờ 00 phút cùng ngày, được lập thành 02 bản, đã "
                        "đọc lại cho những người có tên trên cùng nghe và ký tên.",
                    ),
                    self.pages(1, 2),
                    signers=(
                        ("ĐẠI DIỆN CƠ SỞ", shop_owner.name),
                        ("TỔ TRƯỞNG TỔ KIỂM TRA", official),
                    ),
                    fill_at=2,
                )
            )
        seized_value = self.between(8, 90) * 1_000_000 if seized else 0
        if seized and "kiem_tra" in reached:
            docs.append(
                DemoDocument(
                    "bien_ban_tam_giu",
                    "Biên bản tạm giữ tang vật, phương tiện vi phạm hành chính",
                    self.number("qltt-tg", inspected_on, "BB-TG"),
                    inspected_on,
                    unit.name,
                    (
                        f"Tạm giữ tang vật vi phạm hành chính của {name}: {goods}.",
                        f"Tổng trị giá hàng hóa tạm giữ (tạm tính): {_money(seized_value)}.",
                        "Tang vật được niêm phong và bảo quản tại kho của Đội Quản lý thị trường "
                        "số 1.",
                    ),
                    1,
                    signers=(
                        ("NGƯỜI BỊ TẠM GIỮ", shop_owner.name),
                        ("NGƯỜI RA QUYẾT ĐỊNH TẠM GIỮ", official),
                    ),
                )
            )
        record_no = ""
        if violated and "kiem_tra" in reached:
            # The violation found at the inspection is recorded there and then; the sanction
            # decision rests on this record.
            record_no = self.number("qltt-vp", inspected_on, "BB-VPHC")
            docs.append(
                DemoDocument(
                    "khac",
                    "Biên bản vi phạm hành chính trong hoạt động thương mại",
                    record_no,
                    inspected_on,
                    unit.name,
                    (
                        f"Hồi 11 giờ 15 phút ngày {format_date(inspected_on)}, tại {where}.",
                        f"Căn cứ Biên bản kiểm tra lập cùng ngày, Tổ kiểm tra thuộc {unit.name} "
                        f"lập biên bản vi phạm hành chính đối với: {inspected.identity()}.",
                        f"Đã có hành vi vi phạm hành chính: {about}.",
                        f"Quy định tại: {basis}.",
                        f"Ý kiến trình bày của {'người đại diện của tổ chức' if isinstance(inspected, _Company) else 'người'} vi phạm: thừa nhận hành vi vi phạm.",  # noqa: E501
                        "Biên bản lập xong hồi 11 giờ 45 phút cùng ngày, gồm 01 trang, được lập "
                        "thành 02 bản có nội dung và giá trị như nhau; đã đọc lại cho những người "
                        "có tên nêu trên cùng nghe và ký tên; giao cho người vi phạm 01 bản.",
                    ),
                    1,
                    signers=(
                        ("NGƯỜI VI PHẠM", shop_owner.name),
                        ("NGƯỜI LẬP BIÊN BẢN", official),
                    ),
                )
            )
        if "xu_ly_vi_pham" in reached and sanctioned_on:
            fine = _QLTT_FINE[field_code] * (2 if isinstance(inspected, _Company) else 1)
            docs.append(
                DemoDocument(
                    "quyet_dinh_xu_phat",
                    f"Quyết định xử phạt vi phạm hành chính đối với {name}",
                    self.number("qltt-xp", sanctioned_on, "QĐ-XPHC"),
                    sanctioned_on,
                    unit.name,
                    (
                        "ĐỘI TRƯỞNG ĐỘI QUẢN LÝ THỊ TRƯỜNG SỐ 1",
                        _LAW_XLVPHC,
                        f"Căn cứ {_D118.cite()};",
                        f"Căn cứ {decree.cite()};",
                        f"Căn cứ Biên bản vi phạm hành chính số {record_no} lập ngày "
                        f"{format_date(inspected_on)};",
                        "QUYẾT ĐỊNH:",
                        f"Điều 1. Xử phạt vi phạm hành chính đối với: {inspected.identity()}.",
                        f"Hành vi vi phạm: {about}; quy định tại {basis}.",
                        f"Hình thức xử phạt: phạt tiền {_money(fine)}."
                        + (
                            " Hình thức xử phạt bổ sung: tịch thu tang vật vi phạm."
                            if seized
                            else ""
                        ),
                        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
                        f"Điều 3. Quyết định này được giao cho {name} để chấp hành; nộp tiền phạt "
                        "vào tài khoản của Kho bạc Nhà nước trong thời hạn 10 ngày kể từ ngày nhận "
                        "được Quyết định.",
                    ),
                    2,
                    signers=(("ĐỘI TRƯỞNG", chief),),
                    recipients=("Như Điều 3;", "Kho bạc Nhà nước tỉnh Hà Nam;", "Lưu: VT, hồ sơ."),
                )
            )
        if "ket_thuc" in reached and len(docs) < 2:
            closed = reached["ket_thuc"]
            docs.append(
                DemoDocument(
                    "khac",
                    "Báo cáo kết thúc vụ việc kiểm tra",
                    None,
                    closed,
                    unit.name,
                    (f"Kết thúc kiểm tra đối với {name}; lưu hồ sơ theo quy định.",),
                    1,
                    signers=(("TỔ TRƯỞNG TỔ KIỂM TRA", official),),
                )
            )
        docs = self._cap(docs, ("bien_ban_tam_giu", "quyet_dinh_kiem_tra"), unit_code)

        custom: dict[str, object] = {"information_source": source}
        if start_stage == "ke_hoach":
            custom["inspection_plan"] = (
                f"Kế hoạch số {plan_no} ngày {format_date(started)} về kiểm tra chuyên đề {about}"
            )
        if isinstance(inspected, _Company):
            custom["business_code"] = inspected.code
        if seized and "kiem_tra" in reached:
            custom["goods_seized_value"] = seized_value
        parties = [inspected.party("inspected")]
        if source in ("to_giac", "khieu_nai") and docs and docs[0].kind == "don_to_giac":
            informant_name = docs[0].issuer
            parties.append(DemoParty("informant", "individual", informant_name, None, None))
        return _Draft(f"Kiểm tra {name} về {about}", path, tuple(parties), custom, docs, "10")

    # -- shared steps ----------------------------------------------------------------------

    def _truncate(
        self, path: list[tuple[str, date]], opened: date, window: int
    ) -> list[tuple[str, date]]:
        """Keep the stages reached by AS_OF; stop some recent cases early (still in progress).

        Only cases opened within ``window`` days of AS_OF stop early: a sanction case must be
        decided within weeks (Law on XLVPHC, Art. 66), a lawsuit takes months.
        """
        kept = [(stage, d) for stage, d in path if d <= AS_OF]
        if (AS_OF - opened).days < window and len(kept) > 2 and self.chance(0.6):
            kept = kept[: self.between(2, len(kept) - 1)]
        return kept

    def _cap(
        self, docs: list[DemoDocument], droppable: tuple[str, ...], unit_code: str
    ) -> list[DemoDocument]:
        """Keep 2–6 documents, dropping the least important kinds first."""
        for kind in droppable:
            if len(docs) <= 6:
                break
            docs = [d for d in docs if d.kind != kind]
        if len(docs) < 2:
            # A case just opened: the official's proposal to open it is its second paper.
            unit = _UNIT_BY_CODE[unit_code]
            official = _OFFICIAL[unit_code]
            first = min(d.issued_on for d in docs) if docs else AS_OF
            docs.append(
                DemoDocument(
                    "khac",
                    "Phiếu đề xuất mở hồ sơ vụ việc",
                    None,
                    first,
                    unit.name,
                    (
                        f"Kính gửi: Lãnh đạo {_FORMAL_NAME[unit_code]}.",
                        f"Căn cứ chức năng, nhiệm vụ được giao, tôi là {official.full_name}, "
                        f"{official.title[:1].lower()}{official.title[1:]}, đề xuất mở hồ sơ vụ "
                        "việc, theo dõi và giải quyết theo quy định của pháp luật.",
                        "Kính trình Lãnh đạo xem xét, cho ý kiến chỉ đạo.",
                    ),
                    1,
                    signers=(("NGƯỜI ĐỀ XUẤT", official.full_name),),
                )
            )
        return sorted(docs[:6], key=lambda d: d.issued_on)


def _docs_number(docs: list[DemoDocument], kind: str) -> str:
    return next((d.number for d in docs if d.kind == kind and d.number), "")


@dataclass
class _Draft:
    title: str
    path: list[tuple[str, date]]
    parties: tuple[DemoParty, ...]
    custom: dict[str, object]
    documents: list[DemoDocument]
    retention: str


_FINAL_STAGES = {"ket_thuc", "hoan_thanh", "dinh_chi"}


def build_dataset(seed: int = 2026, dossiers: int = 36) -> DemoDataset:
    """The demo dataset; the same seed and size always give an equal dataset."""
    if dossiers < 0:
        raise ValueError("dossiers must be >= 0")
    gen = _Generator(seed)
    slots = list(_SLOTS)
    gen.rng.shuffle(slots)
    span = (_LAST_OPENED - _FIRST_OPENED).days
    planned = sorted(
        (
            # A power below 1 skews towards recent dates: a live archive holds more open cases
            # lately.
            (
                _FIRST_OPENED + timedelta(days=int(span * gen.rng.random() ** 0.85)),
                slots[i % len(slots)],
            )
            for i in range(dossiers)
        ),
        key=lambda item: item[0],
    )
    builders = {
        "xlvphc": gen.xlvphc,
        "an_hanh_chinh": gen.an_hanh_chinh,
        "thads": gen.thads,
        "qltt": gen.qltt,
    }
    sequence: dict[tuple[str, int], int] = {}
    built: list[DemoDossier] = []
    for opened, (case_type, field_code, unit_code) in planned:
        draft = builders[case_type](field_code, unit_code, opened)
        first_stage_date = draft.path[0][1]
        key = (case_type, first_stage_date.year)
        sequence[key] = sequence.get(key, 0) + 1
        code = f"{_CODE_PREFIX[case_type]}-{first_stage_date.year}-{sequence[key]:04d}"
        stage, last = draft.path[-1]
        built.append(
            DemoDossier(
                code=code,
                title=draft.title,
                case_type=case_type,
                unit_code=unit_code,
                field=field_code,
                stage=stage,
                retention=draft.retention,
                opened_on=first_stage_date,
                closed_on=last if stage in _FINAL_STAGES else None,
                parties=draft.parties,
                key_dates=dict(draft.path),
                custom=draft.custom,
                documents=tuple(draft.documents),
            )
        )
    return DemoDataset(UNITS, USERS, tuple(built))
