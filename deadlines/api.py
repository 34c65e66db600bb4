"""The calendar and deadline API: count a limit, read and correct the working-day calendar."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from archive.api.answers import TEXT, answers
from archive.api.deps import ActorDep, ArchiveDep
from deadlines.calendar import CalendarDay, DayKind
from deadlines.calendars import calendars_for
from deadlines.counting import Unit, reckon

router = APIRouter(prefix="/api/calendar", tags=["Thời hạn · Deadlines"])
COUNTING = ("bad_limit_unit", "bad_limit_amount", "calendar_year_missing")


class Name(BaseModel):
    vi: str = Field(min_length=1, max_length=200)
    en: str = Field(default="", max_length=200)


class DayIn(BaseModel):
    date: date
    kind: Literal["off", "worked"]
    name: Name
    unsettled: bool = False


class CorrectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why, e.g. the notice")
    days: list[DayIn] = Field(default_factory=list, description="Days set off or worked")
    reset: list[date] = Field(
        default_factory=list, description="Days set back to their weekday's default"
    )


class DayOut(BaseModel):
    date: date
    kind: str
    name: Name
    source: str
    unsettled: bool = False


class CalendarOut(BaseModel):
    version: int
    first_year: int
    last_year: int
    checked_years: dict[str, str]
    year: int | None
    days: list[DayOut]


class VersionOut(BaseModel):
    version: int
    reason: str
    changed: list[dict[str, Any]]
    created_by: int | None
    created_at: datetime


class SkippedOut(BaseModel):
    date: date
    why: str
    why_en: str
    unsettled: bool = False


class DeadlineOut(BaseModel):
    start: date = Field(serialization_alias="from")
    amount: int
    unit: Unit
    due: date
    calendar_version: int
    skipped: list[SkippedOut]
    moved_from: date | None = Field(
        description="The last day by count, when it was off and the limit moved to `due`"
    )
    unsettled: list[date] = Field(description="Days counted as worked whose status is unsettled")


def _day_out(day: CalendarDay) -> DayOut:
    return DayOut(
        date=day.on,
        kind=day.kind.value,
        name=Name(vi=day.name_vi, en=day.name_en),
        source=day.source,
        unsettled=day.unsettled,
    )


@router.get(
    "/deadline",
    response_model=DeadlineOut,
    response_model_by_alias=True,
    responses=answers(*COUNTING, "unknown_calendar_version"),
    summary="Tính thời hạn · Count a time limit",
    description="As the Civil Code counts (Arts. 147–148): the first day is not counted; a "
    "limit in months ends on the same date or the month's last day; a last day that is off "
    "moves to the next working day. Names the calendar version and every day passed over.",
)
def deadline(
    actor: ActorDep,
    archive: ArchiveDep,
    start: Annotated[date, Query(alias="from", description="The day the limit starts from")],
    amount: Annotated[int, Query(ge=0, le=36600)],
    unit: Unit = Unit.WORKING_DAYS,
    version: Annotated[
        int | None, Query(ge=1, description="Calendar version (default: current)")
    ] = None,
) -> DeadlineOut:
    calendars = calendars_for(archive)
    calendar = calendars.current() if version is None else calendars.version(version)
    counted = reckon(start, amount, unit, calendar)
    return DeadlineOut(
        start=counted.start,
        amount=counted.amount,
        unit=counted.unit,
        due=counted.due,
        calendar_version=counted.calendar_version,
        skipped=[
            SkippedOut(date=s.on, why=s.why_vi, why_en=s.why_en, unsettled=s.unsettled)
            for s in counted.skipped
        ],
        moved_from=counted.moved_from,
        unsettled=list(counted.unsettled),
    )


@router.get(
    "",
    response_model=CalendarOut,
    responses=answers("unknown_calendar_version"),
    summary="Lịch ngày làm việc · The working-day calendar",
    description="The days the calendar names (days off, worked Saturdays, unsettled days) "
    "of one year, or of every year when `year` is left out.",
)
def working_calendar(
    actor: ActorDep,
    archive: ArchiveDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> CalendarOut:
    calendars = calendars_for(archive)
    calendar = calendars.current() if version is None else calendars.version(version)
    days = (
        calendar.in_year(year)
        if year is not None
        else [calendar.days[d] for d in sorted(calendar.days)]
    )
    return CalendarOut(
        version=calendar.version,
        first_year=calendar.first_year,
        last_year=calendar.last_year,
        checked_years=dict(calendar.checked_years),
        year=year,
        days=[_day_out(d) for d in days],
    )


@router.get(
    "/versions",
    response_model=list[VersionOut],
    responses=answers(),
    summary="Các phiên bản lịch · Calendar versions",
    description="Newest first, each with its reason and the days it changed.",
)
def calendar_versions(actor: ActorDep, archive: ArchiveDep) -> list[VersionOut]:
    return [VersionOut(**asdict(v)) for v in calendars_for(archive).history()]


@router.post(
    "/versions",
    response_model=CalendarOut,
    status_code=201,
    responses=answers(
        "role_not_allowed",
        "calendar_changed",
        "bad_calendar_day",
        "too_many_calendar_days",
        "missing_value",
        *TEXT,
        changes=True,
    ),
    summary="Sửa lịch ngày làm việc · Correct the calendar",
    description="Administrators only. Sets days off or worked (e.g. a swap the government "
    "announced), marks unsettled days, or resets days to their weekday's default; stored "
    "as the next version. Deadlines already counted keep naming the version they used.",
)
def correct_calendar(body: CorrectionIn, actor: ActorDep, archive: ArchiveDep) -> CalendarOut:
    days = [
        CalendarDay(
            on=d.date,
            kind=DayKind(d.kind),
            name_vi=d.name.vi.strip(),
            name_en=d.name.en.strip(),
            unsettled=d.unsettled,
        )
        for d in body.days
    ]
    corrected = calendars_for(archive).correct(actor, days, body.reset, body.reason)
    years = sorted({d.on.year for d in days} | {d.year for d in body.reset})
    return CalendarOut(
        version=corrected.version,
        first_year=corrected.first_year,
        last_year=corrected.last_year,
        checked_years=dict(corrected.checked_years),
        year=years[0] if len(years) == 1 else None,
        days=[_day_out(d) for y in years for d in corrected.in_year(y)],
    )
