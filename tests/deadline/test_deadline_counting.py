"""Counting limits as the Civil Code counts them, with the shipped calendar's 2026 days:
Tết 14–22/2, Friday 2/1 off for Saturday 10/1 worked, Monday 27/4 in lieu of Hùng Kings'
day, 29/8–2/9 off for Saturday 22/8 worked, and 24/11 unsettled."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from archive.domain.errors import Invalid
from deadlines.calendar import CalendarDay, DayKind, WorkCalendar, calendar_from, shipped
from deadlines.counting import Unit, add_months, reckon, working_days_between


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return calendar_from(1, shipped())


@pytest.mark.parametrize(
    ("start", "amount", "unit", "due"),
    [
        # 7 working days from Monday 9/2: 10–13/2, then Tết 14–22/2, then 23–25/2.
        (date(2026, 2, 9), 7, Unit.WORKING_DAYS, date(2026, 2, 25)),
        # The first day is not counted: 2 working days from Monday 5/1 end Wednesday 7/1.
        (date(2026, 1, 5), 2, Unit.WORKING_DAYS, date(2026, 1, 7)),
        # Friday 2/1 is off (swapped); Monday 5/1 is the first working day after New Year.
        (date(2025, 12, 31), 1, Unit.WORKING_DAYS, date(2026, 1, 5)),
        # Saturday 10/1 is worked in exchange: it counts.
        (date(2026, 1, 8), 2, Unit.WORKING_DAYS, date(2026, 1, 10)),
        # Monday 27/4 (Hùng Kings' day in lieu), 30/4 and 1/5 are off.
        (date(2026, 4, 24), 1, Unit.WORKING_DAYS, date(2026, 4, 28)),
        (date(2026, 4, 29), 1, Unit.WORKING_DAYS, date(2026, 5, 4)),
        # Saturday 22/8 is worked; 31/8–2/9 are off.
        (date(2026, 8, 21), 1, Unit.WORKING_DAYS, date(2026, 8, 22)),
        (date(2026, 8, 28), 1, Unit.WORKING_DAYS, date(2026, 9, 3)),
        # 10 days from 10/2 end on 20/2, in Tết: the limit moves to Monday 23/2.
        (date(2026, 2, 10), 10, Unit.DAYS, date(2026, 2, 23)),
        # 10 days ending on a working day stay there, weekends inside do not matter.
        (date(2026, 3, 2), 10, Unit.DAYS, date(2026, 3, 12)),
        # 31/1 + 1 month has no 31/2: February's last day, a Saturday → Monday 2/3.
        (date(2026, 1, 31), 1, Unit.MONTHS, date(2026, 3, 2)),
        # A leap February's last day is the 29th.
        (date(2024, 1, 31), 1, Unit.MONTHS, date(2024, 2, 29)),
        (date(2026, 3, 16), 2, Unit.MONTHS, date(2026, 5, 18)),  # 16/5 is a Saturday
        # 29/2 + 1 year → 28/2.
        (date(2024, 2, 29), 1, Unit.YEARS, date(2025, 2, 28)),
        # 1 year from 17/2/2025 ends Tuesday 17/2/2026, the first day of Tết → Monday 23/2.
        (date(2025, 2, 17), 1, Unit.YEARS, date(2026, 2, 23)),
    ],
)
def test_limits_end_where_the_civil_code_says(
    calendar: WorkCalendar, start: date, amount: int, unit: Unit, due: date
) -> None:
    counted = reckon(start, amount, unit, calendar)
    assert counted.due == due
    assert counted.calendar_version == 1
    assert calendar.is_working(counted.due)


def test_working_days_name_every_day_skipped_with_why(calendar: WorkCalendar) -> None:
    counted = reckon(date(2026, 2, 9), 7, Unit.WORKING_DAYS, calendar)
    assert [s.on for s in counted.skipped] == [date(2026, 2, d) for d in range(14, 23)]
    assert all("Tết" in s.why_vi for s in counted.skipped)
    assert counted.moved_from is None
    friday = reckon(date(2026, 1, 1), 1, Unit.WORKING_DAYS, calendar)
    assert [(s.on, s.why_vi) for s in friday.skipped][1:] == [
        (date(2026, 1, 3), "Thứ Bảy"),
        (date(2026, 1, 4), "Chủ nhật"),
    ]
    assert "10/01" in friday.skipped[0].why_vi  # the swap says what it was swapped with


def test_a_last_day_off_says_where_it_moved_from(calendar: WorkCalendar) -> None:
    counted = reckon(date(2026, 2, 10), 10, Unit.DAYS, calendar)
    assert counted.moved_from == date(2026, 2, 20)
    assert [s.on for s in counted.skipped] == [date(2026, 2, d) for d in range(20, 23)]
    kept = reckon(date(2026, 3, 2), 10, Unit.DAYS, calendar)
    assert kept.moved_from is None and kept.skipped == ()


def test_an_unsettled_day_is_counted_as_worked_and_reported(calendar: WorkCalendar) -> None:
    counted = reckon(date(2026, 11, 20), 3, Unit.WORKING_DAYS, calendar)
    assert counted.due == date(2026, 11, 25)  # 23, 24 (unsettled), 25
    assert counted.unsettled == (date(2026, 11, 24),)
    assert reckon(date(2026, 11, 25), 3, Unit.WORKING_DAYS, calendar).unsettled == ()


def test_a_corrected_calendar_moves_the_deadline_and_the_old_version_does_not(
    calendar: WorkCalendar,
) -> None:
    settled = calendar.corrected(
        2, [CalendarDay(date(2026, 11, 24), DayKind.OFF, "Ngày Văn hóa Việt Nam", "Culture Day")]
    )
    assert reckon(date(2026, 11, 20), 3, Unit.WORKING_DAYS, settled).due == date(2026, 11, 26)
    assert reckon(date(2026, 11, 20), 3, Unit.WORKING_DAYS, calendar).due == date(2026, 11, 25)
    back = settled.corrected(3, [date(2026, 11, 24)])  # reset to its weekday: a Tuesday
    assert back.is_working(date(2026, 11, 24)) and not back.unsettled(date(2026, 11, 24))


def test_working_days_counted_agree_with_the_days_between(calendar: WorkCalendar) -> None:
    start = date(2025, 12, 1)
    for amount in range(0, 140, 7):
        due = reckon(start, amount, Unit.WORKING_DAYS, calendar).due
        assert working_days_between(start, due, calendar) == amount
        assert working_days_between(due, start, calendar) == -amount


def test_every_weekday_of_the_tet_week_is_off_each_year(calendar: WorkCalendar) -> None:
    """The lunar New Year falls between 21/1 and 20/2; each year of the calendar has at
    least four weekdays off within a week of it."""
    for year in range(calendar.first_year, calendar.last_year + 1):
        window = [date(year, 1, 18) + timedelta(days=i) for i in range(40)]
        tet = [d for d in window if "Tết" in calendar.why_off(d)[0] and d.weekday() < 5]
        assert len(tet) >= 4, year


def test_outside_the_calendar_or_a_bad_amount_is_refused(calendar: WorkCalendar) -> None:
    with pytest.raises(Invalid) as outside:
        reckon(date(2040, 12, 20), 30, Unit.WORKING_DAYS, calendar)
    assert outside.value.code == "calendar_year_missing"
    assert "2041" in outside.value.vi
    with pytest.raises(Invalid) as negative:
        reckon(date(2026, 1, 5), -1, Unit.DAYS, calendar)
    assert negative.value.code == "bad_limit_amount"
    with pytest.raises(Invalid) as weeks:
        reckon(date(2026, 1, 5), 1, "weeks", calendar)
    assert weeks.value.code == "bad_limit_unit"


def test_add_months_keeps_the_date_or_takes_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 31), 1) == date(2026, 4, 30)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)
    assert add_months(date(2026, 5, 31), 12) == date(2027, 5, 31)


def test_the_running_count_agrees_with_counting_day_by_day(calendar: WorkCalendar) -> None:
    """Working days between two dates come from a running count; day by day must agree,
    at the calendar's edges too (outside its years the count is done day by day)."""
    import random

    rng = random.Random(7)
    first, last = date(calendar.first_year, 1, 1), date(calendar.last_year, 12, 31)
    pairs = [(first, first), (first, last), (last - timedelta(days=3), last)]
    for _ in range(300):
        a = first + timedelta(days=rng.randrange((last - first).days + 1))
        pairs.append((a, a + timedelta(days=rng.randrange(0, 2000))))
    for start, end in pairs:
        by_hand = sum(
            calendar.is_working(start + timedelta(days=i)) for i in range(1, (end - start).days + 1)
        )
        assert working_days_between(start, end, calendar) == by_hand, (start, end)
    assert calendar.working_days_after(first - timedelta(days=1), first) is None
    assert working_days_between(last, last + timedelta(days=7), calendar) == 5
