"""The working-day calendar: which days the state's offices work, as versioned data.

Monday to Friday are working days unless the calendar names a day off (a public holiday,
Tết, a day in lieu or a swapped weekday); Saturday and Sunday are not, unless the calendar
names them worked (the Saturday given in exchange for a swapped weekday). The days come
from data, never from code: the archive ships ``calendar_vn.json`` and an administrator
corrects it, each correction a new version, so every deadline can say which calendar it
was counted with and be counted again the same way later.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any

from archive.domain.errors import Invalid

WEEKEND = frozenset({5, 6})  # Saturday, Sunday
WEEKDAY_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class DayKind(StrEnum):
    OFF = "off"  # a day off, whatever weekday it falls on
    WORKED = "worked"  # a working day, whatever weekday it falls on


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """A day the calendar names, with why; ``unsettled`` marks a day whose status the
    government has not settled yet (counted as its kind says, and reported as unsettled)."""

    on: date
    kind: DayKind
    name_vi: str
    name_en: str
    source: str = ""
    unsettled: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": self.on.isoformat(),
            "kind": self.kind.value,
            "name": {"vi": self.name_vi, "en": self.name_en},
            "source": self.source,
        }
        if self.unsettled:
            out["unsettled"] = True
        return out


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """One version of the calendar, covering ``first_year`` to ``last_year``."""

    version: int
    first_year: int
    last_year: int
    days: Mapping[date, CalendarDay]
    checked_years: Mapping[str, str] = field(default_factory=dict)
    # _worked[i]: working days among the calendar's first i days (from 1/1 of first_year),
    # so the working days between two dates are one subtraction.
    _worked: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        origin = date(self.first_year, 1, 1)
        span = (date(self.last_year, 12, 31) - origin).days + 1
        worked, count = [0], 0
        for offset in range(span):
            count += self.is_working(origin + timedelta(days=offset))
            worked.append(count)
        object.__setattr__(self, "_worked", tuple(worked))

    def working_days_after(self, start: date, end: date) -> int | None:
        """Working days after ``start`` up to and including ``end`` (``start <= end``), or
        None when either lies outside the calendar's years."""
        origin = date(self.first_year, 1, 1).toordinal()
        i, j = start.toordinal() - origin + 1, end.toordinal() - origin + 1
        if i < 1 or j >= len(self._worked):
            return None
        return self._worked[j] - self._worked[i]

    def is_working(self, day: date) -> bool:
        named = self.days.get(day)
        if named is not None:
            return named.kind is DayKind.WORKED
        return day.weekday() not in WEEKEND

    def why_off(self, day: date) -> tuple[str, str]:
        """Why ``day`` is not a working day, in Vietnamese and English."""
        named = self.days.get(day)
        if named is not None and named.kind is DayKind.OFF:
            return named.name_vi, named.name_en
        return WEEKDAY_VI[day.weekday()], WEEKDAY_EN[day.weekday()]

    def unsettled(self, day: date) -> bool:
        named = self.days.get(day)
        return named is not None and named.unsettled

    def covers(self, day: date) -> bool:
        return self.first_year <= day.year <= self.last_year

    def require(self, day: date) -> None:
        """Refuse to count across a year the calendar holds no days off for."""
        if not self.covers(day):
            raise Invalid(
                "calendar_year_missing",
                f"Lịch ngày làm việc (phiên bản {self.version}) chưa có năm {day.year} "
                f"(có từ {self.first_year} đến {self.last_year}); quản trị viên cần bổ sung "
                "ngày nghỉ của năm đó.",
                f"The working-day calendar (version {self.version}) has no year {day.year} "
                f"(it covers {self.first_year}–{self.last_year}); an administrator must add "
                "that year's days off.",
                year=day.year,
                first_year=self.first_year,
                last_year=self.last_year,
            )

    def in_year(self, year: int) -> list[CalendarDay]:
        return sorted((d for d in self.days.values() if d.on.year == year), key=lambda d: d.on)

    def corrected(self, version: int, changes: Iterable[CalendarDay | date]) -> WorkCalendar:
        """The next version: each ``CalendarDay`` set as given, each bare date set back to
        its weekday's default (working Monday to Friday)."""
        days = dict(self.days)
        first, last = self.first_year, self.last_year
        for change in changes:
            if isinstance(change, CalendarDay):
                days[change.on] = change
                first, last = min(first, change.on.year), max(last, change.on.year)
            else:
                days.pop(change, None)
        return WorkCalendar(version, first, last, days, self.checked_years)

    def as_data(self) -> dict[str, Any]:
        return {
            "first_year": self.first_year,
            "last_year": self.last_year,
            "checked_years": dict(self.checked_years),
            "days": [self.days[d].as_dict() for d in sorted(self.days)],
        }


def day_from(raw: Mapping[str, Any], *, source: str = "") -> CalendarDay:
    """One day as written in the calendar file or sent by an administrator."""
    try:
        name = raw.get("name") or {}
        return CalendarDay(
            on=date.fromisoformat(str(raw["date"])),
            kind=DayKind(str(raw["kind"])),
            name_vi=str(name.get("vi", "")).strip(),
            name_en=str(name.get("en", "")).strip(),
            source=str(raw.get("source", source)),
            unsettled=bool(raw.get("unsettled", False)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Invalid(
            "bad_calendar_day",
            "Ngày trong lịch không hợp lệ: cần 'date' (YYYY-MM-DD), 'kind' ('off' hoặc "
            "'worked') và 'name' {'vi', 'en'}.",
            "A calendar day is not valid: it needs 'date' (YYYY-MM-DD), 'kind' ('off' or "
            "'worked') and 'name' {'vi', 'en'}.",
            given=repr(dict(raw))[:200] if isinstance(raw, Mapping) else repr(raw)[:200],
        ) from exc


def calendar_from(version: int, data: Mapping[str, Any]) -> WorkCalendar:
    days = [day_from(d) for d in data["days"]]
    return WorkCalendar(
        version=version,
        first_year=int(data["first_year"]),
        last_year=int(data["last_year"]),
        days={d.on: d for d in days},
        checked_years={str(k): str(v) for k, v in dict(data.get("checked_years", {})).items()},
    )


def shipped() -> dict[str, Any]:
    """The calendar the archive ships with (version 1 of every installation)."""
    text = resources.files("deadlines").joinpath("calendar_vn.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
