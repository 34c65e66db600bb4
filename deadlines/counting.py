"""Counting a time limit as the Civil Code counts it (Arts. 147–148, applied to
administrative violations by Art. 8 of the Law on Handling Administrative Violations).

- The first day is not counted: a limit starting on the 9th runs from the 10th.
- A limit in days runs that many calendar days; in working days, that many days the
  calendar says are worked (weekends, holidays, Tết and swapped weekdays skipped, swapped
  Saturdays counted).
- A limit in months ends on the same date of the last month, or on that month's last day
  when it has no such date (31/1 + 1 month → 28/2 or 29/2); in years, the same date of the
  last year (29/2 → 28/2).
- A limit whose last day is not a working day ends on the next working day.

Every answer names the calendar version it was counted with and each day it passed over
or moved across, with why, so a clerk can check it by hand.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from archive.domain.errors import Invalid
from deadlines.calendar import WorkCalendar

# Long enough for any limit the law sets in working days (a few months at most).
MAX_WORKING_DAYS = 1000
MAX_AMOUNT = {"days": 36600, "working_days": MAX_WORKING_DAYS, "months": 1200, "years": 100}


class Unit(StrEnum):
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"
    YEARS = "years"

    @property
    def label_vi(self) -> str:
        return {"days": "ngày", "working_days": "ngày làm việc", "months": "tháng"}.get(
            self.value, "năm"
        )

    @property
    def label_en(self) -> str:
        return {"days": "days", "working_days": "working days", "months": "months"}.get(
            self.value, "years"
        )


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A day not counted (working days), or moved across (a last day that was off)."""

    on: date
    why_vi: str
    why_en: str
    unsettled: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": self.on.isoformat(),
            "why": self.why_vi,
            "why_en": self.why_en,
        }
        if self.unsettled:
            out["unsettled"] = True
        return out


@dataclass(frozen=True, slots=True)
class Reckoning:
    """A limit counted: from ``start`` (not counted), ``amount`` ``unit``, due on ``due``."""

    start: date
    amount: int
    unit: Unit
    due: date
    calendar_version: int
    skipped: tuple[SkippedDay, ...]  # days passed over or moved across, in date order
    moved_from: date | None = None  # the last day by count, when it was off
    unsettled: tuple[date, ...] = ()  # days counted whose status is not settled

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "amount": self.amount,
            "unit": self.unit.value,
            "due": self.due.isoformat(),
            "calendar_version": self.calendar_version,
            "skipped": [s.as_dict() for s in self.skipped],
            "moved_from": self.moved_from.isoformat() if self.moved_from else None,
            "unsettled": [d.isoformat() for d in self.unsettled],
        }


def unit_of(value: str) -> Unit:
    try:
        return Unit(value)
    except ValueError:
        raise Invalid(
            "bad_limit_unit",
            f"Đơn vị thời hạn '{value}' không hợp lệ; dùng days, working_days, months hoặc years.",
            f"Time unit '{value}' is not valid; use days, working_days, months or years.",
            allowed=[u.value for u in Unit],
        ) from None


def add_months(start: date, months: int) -> date:
    """The same date ``months`` later, or that month's last day when it has no such date."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, gregorian.monthrange(year, month)[1]))


def reckon(start: date, amount: int, unit: Unit | str, calendar: WorkCalendar) -> Reckoning:
    """When a limit of ``amount`` ``unit`` from ``start`` ends, by ``calendar``."""
    unit = unit if isinstance(unit, Unit) else unit_of(unit)
    if isinstance(amount, bool) or not 0 <= amount <= MAX_AMOUNT[unit.value]:
        raise Invalid(
            "bad_limit_amount",
            f"Số {unit.label_vi} phải từ 0 đến {MAX_AMOUNT[unit.value]}.",
            f"The number of {unit.label_en} must be from 0 to {MAX_AMOUNT[unit.value]}.",
        )
    calendar.require(start)
    skipped: list[SkippedDay] = []
    unsettled: list[date] = []

    def note(day: date) -> None:
        if calendar.unsettled(day):
            unsettled.append(day)

    if unit is Unit.WORKING_DAYS:
        day, counted = start, 0
        while counted < amount:
            day += timedelta(days=1)
            calendar.require(day)
            if calendar.is_working(day):
                counted += 1
                note(day)
            else:
                skipped.append(_skip(calendar, day))
        return Reckoning(
            start, amount, unit, day, calendar.version, tuple(skipped), None, tuple(unsettled)
        )
    if unit is Unit.DAYS:
        last = start + timedelta(days=amount)
    elif unit is Unit.MONTHS:
        last = add_months(start, amount)
    else:
        last = add_months(start, 12 * amount)
    calendar.require(last)
    note(last)
    due = last
    while not calendar.is_working(due):
        skipped.append(_skip(calendar, due))
        due += timedelta(days=1)
        calendar.require(due)
        note(due)
    return Reckoning(
        start,
        amount,
        unit,
        due,
        calendar.version,
        tuple(skipped),
        last if due != last else None,
        tuple(unsettled),
    )


def _skip(calendar: WorkCalendar, day: date) -> SkippedDay:
    vi, en = calendar.why_off(day)
    return SkippedDay(day, vi, en, calendar.unsettled(day))


def working_days_between(start: date, end: date, calendar: WorkCalendar) -> int:
    """Working days after ``start`` up to and including ``end``; negative, counted the same
    way from ``end``, when ``end`` comes first (how many working days late)."""
    if end < start:
        return -working_days_between(end, start, calendar)
    counted = calendar.working_days_after(start, end)
    if counted is not None:
        return counted
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += calendar.is_working(day)
    return count
