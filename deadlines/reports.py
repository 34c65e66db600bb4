"""The periodic statistics reports: which days a report covers, and its tables, built from
the statistics (the same counts as the dashboard, from the same engine).

Two forms:
- ``xlvphc``: sanctions of administrative violations by field of law (Circular 01/2023/TT-BTP
  as amended by 19/2025/TT-BTP), over the calendar month, quarter, half or year;
- ``thads``: civil judgment enforcement counted in cases and in money (Circular
  05/2024/TT-BTP). Its figures run from the start of the statistics year (1/10 of the year
  before) to the end of the month, quarter, half or year asked, as its forms count.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from archive.domain.access import PeriodGrant, subtree
from archive.domain.errors import Invalid
from archive.domain.model import Unit
from archive.domain.units import standing_on
from deadlines.indicators import INDICATORS, THADS, GroupBy, Period
from deadlines.report import (
    Measure,
    Report,
    ReportColumn,
    ReportRow,
    ReportTable,
    Signer,
)
from deadlines.stats_feed import Statistics

ROMAN = ("I", "II", "III", "IV")


class Form(StrEnum):
    XLVPHC = "xlvphc"
    THADS = "thads"


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    kind: PeriodKind
    year: int
    number: int  # the month 1–12, the quarter 1–4, the half 1–2; 1 for a year

    def check(self) -> None:
        top = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.HALF: 2}.get(self.kind, 1)
        if not 1 <= self.number <= top or not 2000 <= self.year <= 2100:
            raise Invalid(
                "bad_period",
                f"Kỳ báo cáo không hợp lệ: số kỳ từ 1 đến {top}, năm từ 2000 đến 2100.",
                f"The report period is not valid: its number runs 1 to {top}, its year "
                "2000 to 2100.",
            )

    def calendar_days(self) -> tuple[date, date]:
        """The calendar month, quarter, half or year."""
        if self.kind is PeriodKind.YEAR:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6}[self.kind]
        first = (self.number - 1) * months + 1
        last = first + months - 1
        return date(self.year, first, 1), _month_end(self.year, last)

    def statistics_year_days(self) -> tuple[date, date]:
        """THADS: from 1/10 of the year before to the end of the period asked, where the
        statistics year ``year`` runs 1/10/(year-1)–30/9/year, its quarters and halves
        counted from October and its months named as on the calendar."""
        start = date(self.year - 1, 10, 1)
        if self.kind is PeriodKind.YEAR:
            return start, date(self.year, 9, 30)
        if self.kind is PeriodKind.MONTH:
            year = self.year - 1 if self.number >= 10 else self.year
            return start, _month_end(year, self.number)
        months = {PeriodKind.QUARTER: 3, PeriodKind.HALF: 6}[self.kind] * self.number
        last = 9 + months  # months after September
        year, month = (self.year - 1, last) if last <= 12 else (self.year, last - 12)
        return start, _month_end(year, month)

    def label(self, form: Form) -> str:
        quarter = ROMAN[self.number - 1] if self.kind is PeriodKind.QUARTER else ""
        if form is Form.THADS:
            start, end = self.statistics_year_days()
            named = {
                PeriodKind.MONTH: f"Tháng {self.number} năm thống kê {self.year}",
                PeriodKind.QUARTER: f"Quý {quarter} năm thống kê {self.year}",
                PeriodKind.HALF: f"{'06 tháng' if self.number == 1 else '12 tháng'} "
                f"năm thống kê {self.year}",
                PeriodKind.YEAR: f"Năm thống kê {self.year}",
            }[self.kind]
        else:
            start, end = self.calendar_days()
            named = {
                PeriodKind.MONTH: f"Tháng {self.number} năm {self.year}",
                PeriodKind.QUARTER: f"Quý {quarter} năm {self.year}",
                PeriodKind.HALF: f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}",
                PeriodKind.YEAR: f"Năm {self.year}",
            }[self.kind]
        return f"{named} (từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y})"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, slots=True)
class Audience:
    """Whom the report is for and what may be counted: the reporting unit (None for the
    whole installation), and the reader's reach (units, or None for all; an auditor's
    grants)."""

    unit: Unit | None
    reach: set[int] | None
    grants: tuple[PeriodGrant, ...] = ()


def _units_counted(
    audience: Audience, units: Sequence[Unit], day: date
) -> tuple[set[int] | None, tuple[PeriodGrant, ...]]:
    """The units whose cases the report counts: those that stood, on the report's day,
    within the reporting unit's tree (an ended unit through its successor), narrowed to
    what the reader may count."""
    if audience.unit is None:
        return audience.reach, audience.grants
    standing = standing_on(units, day)
    parents = {u.id: u.parent_id for u in units}
    tree = subtree(audience.unit.id, parents)
    mine = {unit_id for unit_id, stands_for in standing.items() if stands_for in tree}
    if audience.reach is None:
        return mine, ()
    grants = tuple(
        PeriodGrant(g.unit_ids & mine, g.period_from, g.period_to) for g in audience.grants
    )
    return mine & audience.reach, grants


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


SANCTIONS = ("decisions", "violators_individual", "violators_organisation")
MONEY = ("fines_imposed", "fines_collected")
TIMELINESS = ("decisions_on_time", "decisions_late", "enforced")


def _xlvphc_table(found: Mapping[str, Mapping[str, int]], names: Mapping[str, str]) -> ReportTable:
    by_code = {i.code: i for i in INDICATORS}
    columns = [
        ReportColumn("decisions", "Số vụ bị xử phạt", "Cases sanctioned", Measure.COUNT, "(1)"),
        ReportColumn(
            "violators_individual", "Cá nhân bị xử phạt", "Individuals", Measure.COUNT, "(2)"
        ),
        ReportColumn(
            "violators_organisation",
            "Tổ chức bị xử phạt",
            "Organisations",
            Measure.COUNT,
            "(3)",
        ),
        ReportColumn(
            "fines_imposed", by_code["fines_imposed"].vi, "Fines imposed", Measure.MONEY, "(4)"
        ),
        ReportColumn(
            "fines_collected",
            by_code["fines_collected"].vi,
            "Fines collected",
            Measure.MONEY,
            "(5)",
        ),
        ReportColumn(
            "collected_rate",
            "Tỷ lệ thu tiền phạt (%)",
            "Share of fines collected (%)",
            Measure.RATE,
            "(6) = (5)/(4)",
        ),
        ReportColumn(
            "decisions_on_time",
            "Quyết định ban hành đúng hạn",
            "Decisions on time",
            Measure.COUNT,
            "(7)",
        ),
        ReportColumn(
            "decisions_late", "Quyết định ban hành trễ hạn", "Decisions late", Measure.COUNT, "(8)"
        ),
        ReportColumn(
            "enforced", "Số vụ phải cưỡng chế thi hành", "Cases enforced", Measure.COUNT, "(9)"
        ),
    ]

    def values(v: Mapping[str, int]) -> dict[str, int | float | None]:
        out: dict[str, int | float | None] = {
            code: v.get(code, 0) for code in (*SANCTIONS, *MONEY, *TIMELINESS)
        }
        out["collected_rate"] = _rate(v.get("fines_collected", 0), v.get("fines_imposed", 0))
        return out

    rows = [
        ReportRow(names.get(key, key), values(v))
        for key, v in sorted(found.items(), key=lambda kv: names.get(kv[0], kv[0]))
    ]
    total = {code: sum(v.get(code, 0) for v in found.values()) for code in by_code}
    rows.append(ReportRow("Tổng cộng", values(total), total=True))
    return ReportTable(
        "Biểu 01: Kết quả xử phạt vi phạm hành chính theo lĩnh vực",
        "Table 1: Sanctions of administrative violations by field",
        "Lĩnh vực",
        tuple(columns),
        tuple(rows),
    )


def thads_lines(v: Mapping[str, int], money: bool) -> dict[str, int | float | None]:
    """The form's twelve lines from the six counted figures: the sums, differences and
    the completion rate over the enforceable total."""
    p = "thads_money_" if money else "thads_"
    carried, new = v.get(p + "carried", 0), v.get(p + "new", 0)
    entrusted, unable = v.get(p + "entrusted", 0), v.get(p + "unenforceable", 0)
    done, terminated = v.get(p + "done", 0), v.get(p + "terminated", 0)
    accepted = carried + new
    to_enforce = accepted - entrusted
    able = to_enforce - unable
    return {
        "accepted": accepted,
        "carried": carried,
        "new": new,
        "entrusted": entrusted,
        "to_enforce": to_enforce,
        "unenforceable": unable,
        "enforceable": able,
        "done": done,
        "terminated": terminated,
        "in_progress": able - done - terminated,
        "rate": _rate(done + terminated, able),
        "carried_next": to_enforce - done - terminated,
    }


def _thads_table(
    found: Mapping[str, Mapping[str, int]], names: Mapping[str, str], money: bool
) -> ReportTable:
    measure = Measure.MONEY if money else Measure.COUNT
    what = "tiền (đồng)" if money else "việc"
    heads = (
        ("accepted", f"Tổng số {what} thụ lý", "Total accepted", "(1) = (2) + (3)"),
        ("carried", "Năm trước chuyển sang", "Carried over", "(2)"),
        ("new", "Thụ lý mới", "Newly accepted", "(3)"),
        ("entrusted", "Ủy thác đi", "Entrusted elsewhere", "(4)"),
        ("to_enforce", "Tổng số phải thi hành", "To be enforced", "(5) = (1) - (4)"),
        ("unenforceable", "Chưa có điều kiện thi hành", "Not yet enforceable", "(6)"),
        ("enforceable", "Có điều kiện thi hành", "Enforceable", "(7) = (5) - (6)"),
        ("done", "Thi hành xong", "Enforced in full", "(8)"),
        ("terminated", "Đình chỉ thi hành án", "Terminated", "(9)"),
        ("in_progress", "Đang thi hành", "In progress", "(10) = (7) - (8) - (9)"),
        ("rate", "Tỷ lệ hoàn thành (%)", "Completion rate (%)", "(11) = ((8) + (9)) / (7)"),
        ("carried_next", "Chuyển kỳ sau", "Carried to next period", "(12) = (5) - (8) - (9)"),
    )
    columns = tuple(
        ReportColumn(code, vi, en, Measure.RATE if code == "rate" else measure, number)
        for code, vi, en, number in heads
    )
    rows = [
        ReportRow(names.get(key, key), thads_lines(v, money))
        for key, v in sorted(found.items(), key=lambda kv: names.get(kv[0], kv[0]))
    ]
    total = {i.code: sum(v.get(i.code, 0) for v in found.values()) for i in THADS}
    rows.append(ReportRow("Tổng cộng", thads_lines(total, money), total=True))
    return ReportTable(
        f"Biểu {'02' if money else '01'}: Kết quả thi hành án dân sự tính bằng {what}",
        f"Table {'2' if money else '1'}: Civil judgment enforcement counted in "
        f"{'money (VND)' if money else 'cases'}",
        "Đơn vị",
        columns,
        tuple(rows),
    )


NOTES = {
    Form.XLVPHC: (
        "Số liệu từ các hồ sơ xử lý vi phạm hành chính và kiểm tra của Quản lý thị trường có "
        "quyết định xử phạt ban hành trong kỳ; tiền phạt đã thu tính theo ngày nộp.",
        "Biểu về các biện pháp xử lý hành chính chưa được lập: kho hồ sơ chưa quản lý loại "
        "hồ sơ này.",
    ),
    Form.THADS: (
        "Một quyết định thi hành án là một việc. Số liệu tính từ đầu năm thống kê (01/10) "
        "đến hết kỳ báo cáo.",
        "Số tiền năm trước chuyển sang và chưa có điều kiện thi hành tính theo số tiền phải "
        "thi hành của việc; số tiền đã thi hành một phần của việc chưa xong không được trừ.",
    ),
}


def build(
    statistics: Statistics,
    form: Form,
    period: ReportPeriod,
    audience: Audience,
    *,
    units: Sequence[Unit],
    field_names: Mapping[str, str],
    case_types: Collection[str],
    as_of: date,
    signer: Signer,
    agency: str = "",
) -> Report:
    """The report of ``form`` for ``period``, counted as of ``as_of``."""
    period.check()
    if form is Form.THADS:
        start, end = period.statistics_year_days()
    else:
        start, end = period.calendar_days()
    counted = Period.asked(start, end, as_of)
    unit_ids, grants = _units_counted(audience, units, counted.end)
    if form is Form.THADS:
        found = statistics.counts(
            counted,
            GroupBy.UNIT,
            unit_ids=unit_ids,
            grants=grants,
            case_types=case_types,
            indicators=THADS,
        )
        names = {str(u.id): u.name for u in units}
        tables: tuple[ReportTable, ...] = (
            _thads_table(found, names, False),
            _thads_table(found, names, True),
        )
        title = "BÁO CÁO THỐNG KÊ KẾT QUẢ THI HÀNH ÁN DÂN SỰ"
        title_en = "Statistics report: civil judgment enforcement"
        number = "Mẫu theo Thông tư số 05/2024/TT-BTP"
        citation = "Chế độ báo cáo thống kê thi hành án dân sự, theo dõi thi hành án hành chính"
    else:
        found = statistics.counts(
            counted,
            GroupBy.FIELD,
            unit_ids=unit_ids,
            grants=grants,
            case_types=case_types,
            indicators=INDICATORS,
        )
        tables = (_xlvphc_table(found, field_names),)
        title = "BÁO CÁO THỐNG KÊ KẾT QUẢ XỬ LÝ VI PHẠM HÀNH CHÍNH"
        title_en = "Statistics report: handling of administrative violations"
        number = "Mẫu theo Thông tư số 01/2023/TT-BTP"
        citation = "được sửa đổi, bổ sung bởi Thông tư số 19/2025/TT-BTP"
    return Report(
        form=form.value,
        form_number=number,
        citation=citation,
        agency=agency,
        unit=audience.unit.name if audience.unit else "Toàn hệ thống",
        title=title,
        title_en=title_en,
        period_label=period.label(form),
        period_start=start,
        period_end=end,
        as_of=as_of,
        tables=tables,
        signer=signer,
        notes=NOTES[form],
    )
