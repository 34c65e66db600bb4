"""Report periods as the forms count them, the THADS form's lines, and a property every
indicator must hold for the engines' shortcut (reading only rows that reach the period)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from archive.domain.errors import Invalid
from deadlines.indicators import ALL, Dated, Period, When
from deadlines.reports import Form, PeriodKind, ReportPeriod, thads_lines


@pytest.mark.parametrize(
    ("kind", "number", "days", "label"),
    [
        (PeriodKind.MONTH, 2, (date(2024, 2, 1), date(2024, 2, 29)), "Tháng 2 năm 2024"),
        (PeriodKind.QUARTER, 1, (date(2026, 1, 1), date(2026, 3, 31)), "Quý I năm 2026"),
        (PeriodKind.QUARTER, 4, (date(2026, 10, 1), date(2026, 12, 31)), "Quý IV năm 2026"),
        (PeriodKind.HALF, 2, (date(2026, 7, 1), date(2026, 12, 31)), "6 tháng cuối năm 2026"),
        (PeriodKind.YEAR, 1, (date(2026, 1, 1), date(2026, 12, 31)), "Năm 2026"),
    ],
)
def test_sanction_reports_cover_calendar_periods(
    kind: PeriodKind, number: int, days: tuple[date, date], label: str
) -> None:
    period = ReportPeriod(kind, days[0].year, number)
    assert period.calendar_days() == days
    assert period.label(Form.XLVPHC) == (
        f"{label} (từ ngày {days[0]:%d/%m/%Y} đến ngày {days[1]:%d/%m/%Y})"
    )


@pytest.mark.parametrize(
    ("kind", "number", "end", "named"),
    [
        (PeriodKind.MONTH, 10, date(2025, 10, 31), "Tháng 10 năm thống kê 2026"),
        (PeriodKind.MONTH, 11, date(2025, 11, 30), "Tháng 11 năm thống kê 2026"),
        (PeriodKind.MONTH, 2, date(2026, 2, 28), "Tháng 2 năm thống kê 2026"),
        (PeriodKind.MONTH, 9, date(2026, 9, 30), "Tháng 9 năm thống kê 2026"),
        (PeriodKind.QUARTER, 1, date(2025, 12, 31), "Quý I năm thống kê 2026"),
        (PeriodKind.QUARTER, 2, date(2026, 3, 31), "Quý II năm thống kê 2026"),
        (PeriodKind.QUARTER, 4, date(2026, 9, 30), "Quý IV năm thống kê 2026"),
        (PeriodKind.HALF, 1, date(2026, 3, 31), "06 tháng năm thống kê 2026"),
        (PeriodKind.HALF, 2, date(2026, 9, 30), "12 tháng năm thống kê 2026"),
        (PeriodKind.YEAR, 1, date(2026, 9, 30), "Năm thống kê 2026"),
    ],
)
def test_enforcement_reports_run_from_the_statistics_years_first_of_october(
    kind: PeriodKind, number: int, end: date, named: str
) -> None:
    period = ReportPeriod(kind, 2026, number)
    assert period.statistics_year_days() == (date(2025, 10, 1), end)
    assert period.label(Form.THADS) == f"{named} (từ ngày 01/10/2025 đến ngày {end:%d/%m/%Y})"


@pytest.mark.parametrize(
    ("kind", "number", "year"),
    [
        (PeriodKind.MONTH, 13, 2026),
        (PeriodKind.QUARTER, 5, 2026),
        (PeriodKind.HALF, 3, 2026),
        (PeriodKind.YEAR, 2, 2026),
        (PeriodKind.MONTH, 0, 2026),
        (PeriodKind.YEAR, 1, 1999),
    ],
)
def test_periods_that_do_not_exist_are_refused(kind: PeriodKind, number: int, year: int) -> None:
    with pytest.raises(Invalid) as refused:
        ReportPeriod(kind, year, number).check()
    assert refused.value.code == "bad_period"


def test_the_enforcement_forms_lines_add_up() -> None:
    counted = {
        "thads_carried": 40,
        "thads_new": 60,
        "thads_entrusted": 5,
        "thads_unenforceable": 15,
        "thads_done": 50,
        "thads_terminated": 8,
    }
    lines = thads_lines(counted, money=False)
    assert lines == {
        "accepted": 100,
        "carried": 40,
        "new": 60,
        "entrusted": 5,
        "to_enforce": 95,
        "unenforceable": 15,
        "enforceable": 80,
        "done": 50,
        "terminated": 8,
        "in_progress": 22,
        "rate": 72.5,  # (50 + 8) / 80
        "carried_next": 37,
    }
    assert thads_lines({}, money=True)["rate"] is None  # nothing enforceable: no rate


def _holds(d: Dated, value: date | None, period: Period) -> bool:
    if d.when is When.IN:
        return value is not None and period.start <= value <= period.end
    if d.when is When.BEFORE:
        return value is not None and value < period.start
    if d.when is When.BY_END:
        return value is not None and value <= period.end
    if d.when is When.NOT_BEFORE:
        return value is None or value >= period.start
    return value is None or value > period.end


def test_every_indicator_counts_only_rows_the_engines_read() -> None:
    """The engines skip rows whose dates all lie outside the period and that were closed
    (first_on > end, or last_on < start and closed): an indicator that could count such a
    row would silently miss it. Random cases over random periods."""
    rng = random.Random(13)
    columns = sorted({d.column for i in ALL for d in i.dated})
    checked = 0
    for _ in range(20_000):
        base = date(2020, 1, 1)
        row = {
            c: (base + timedelta(days=rng.randrange(2000)) if rng.random() < 0.6 else None)
            for c in columns
        }
        row["opened_on"] = row["opened_on"] or base
        dates = [v for v in row.values() if v is not None]
        start = base + timedelta(days=rng.randrange(2000))
        period = Period(start, start + timedelta(days=rng.randrange(1, 400)))
        reaches = min(dates) <= period.end and (
            max(dates) >= period.start or row["closed_on"] is None
        )
        for indicator in ALL:
            if all(_holds(d, row[d.column], period) for d in indicator.dated):
                checked += 1
                assert reaches, (indicator.code, row, period)
    assert checked > 1000
