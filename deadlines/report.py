"""A periodic statistics report as data: the form it follows, its period and unit, its
tables and its signer block. Built from the statistics (deadlines.reports) and written out
as XLSX (deadlines.report_xlsx) or PDF (deadlines.report_pdf); neither writer counts
anything, so the two files always say the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Measure(StrEnum):
    COUNT = "count"  # whole cases, persons or decisions
    MONEY = "money"  # whole đồng
    RATE = "rate"  # a percentage, or None where its base is zero


@dataclass(frozen=True, slots=True)
class ReportColumn:
    code: str
    vi: str
    en: str
    measure: Measure
    number: str = ""  # the column's number on the form: "(1)", "(5) = (3) - (4)"


@dataclass(frozen=True, slots=True)
class ReportRow:
    label: str  # a unit, field or case type; or "Tổng cộng"
    values: dict[str, int | float | None]  # column code -> value
    total: bool = False  # the form's total line, set in bold


@dataclass(frozen=True, slots=True)
class ReportTable:
    title_vi: str
    title_en: str
    row_heading: str  # heading of the first column: "Đơn vị", "Lĩnh vực"
    columns: tuple[ReportColumn, ...]
    rows: tuple[ReportRow, ...]


@dataclass(frozen=True, slots=True)
class Signer:
    """The signer block at the foot of the form: the preparer on the left, the head of the
    unit on the right, each with a title and a name left blank for the hand or the
    signature when not given."""

    place: str  # "Hà Nội"
    on: date  # the report's date
    title: str = "THỦ TRƯỞNG ĐƠN VỊ"
    name: str = ""
    preparer_title: str = "NGƯỜI LẬP BIỂU"
    preparer_name: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    form: str  # our code of the form: "xlvphc", "thads-viec", "thads-tien"
    form_number: str  # printed top right: "Biểu số 01/XLVPHC"
    citation: str  # "Ban hành kèm theo Thông tư số 01/2023/TT-BTP …"
    agency: str  # the reporting unit's parent, printed above it (may be "")
    unit: str  # the reporting unit (or the installation)
    title: str  # "BÁO CÁO THỐNG KÊ …" (Vietnamese, upper case)
    title_en: str
    period_label: str  # "Quý I năm 2026 (từ 01/01/2026 đến 31/03/2026)"
    period_start: date
    period_end: date
    as_of: date
    tables: tuple[ReportTable, ...]
    signer: Signer
    notes: tuple[str, ...] = ()  # printed under the tables: what is not counted, and why
    receiver: str = ""  # "Nơi nhận báo cáo", printed top right under the form number


def money_text(value: int) -> str:
    """``15.000.000`` — whole đồng with dots between thousands, as Vietnamese forms write."""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")


def rate_text(value: float | None) -> str:
    """``85,50%``, or ``-`` where nothing was to be done."""
    return "-" if value is None else f"{value:.2f}%".replace(".", ",")


def day_text(value: date) -> str:
    return value.strftime("%d/%m/%Y")
