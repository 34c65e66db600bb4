"""The calendar's versions in the metadata store: the shipped one, then each correction.

Version 1 is the calendar the archive ships (``calendar_vn.json``), written on first use.
An administrator's correction sets some days (off, worked, unsettled) or resets them to
their weekday's default, with a reason; it is stored whole as the next version, audited,
and every deadline counted after it names that version.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from archive.domain.access import require
from archive.domain.errors import Conflict, Invalid
from archive.domain.roles import Action
from archive.domain.text import clean_text
from archive.metadata import audit
from archive.services.context import Actor, Archive
from deadlines import tables
from deadlines.calendar import CalendarDay, WorkCalendar, calendar_from, shipped

SHIPPED_REASON = "Lịch phát hành kèm phần mềm / The calendar shipped with the archive"
MAX_CHANGES = 400


@dataclass(frozen=True, slots=True)
class CalendarVersion:
    version: int
    reason: str
    changed: list[dict[str, Any]]
    created_by: int | None
    created_at: datetime


@dataclass
class Calendars:
    """The archive's calendar versions; parsed versions are cached (they never change)."""

    archive: Archive
    _parsed: dict[int, WorkCalendar] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, archive: Archive) -> Calendars:
        tables.create(archive.db.engine)
        opened = cls(archive)
        opened._seed()
        return opened

    def _seed(self) -> None:
        with self.archive.db.read() as conn:
            if conn.execute(select(func.count()).select_from(tables.work_calendars)).scalar():
                return
        try:
            with self.archive.db.write() as conn:
                conn.execute(
                    insert(tables.work_calendars).values(
                        version=1,
                        data=shipped(),
                        reason=SHIPPED_REASON,
                        changed=[],
                        created_by=None,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:  # another process wrote it first: the same file
            pass

    def current_version(self) -> int:
        with self.archive.db.read() as conn:
            found = conn.execute(select(func.max(tables.work_calendars.c.version))).scalar()
        return int(found or 1)

    def current(self) -> WorkCalendar:
        return self.version(self.current_version())

    def version(self, number: int) -> WorkCalendar:
        with self._lock:
            cached = self._parsed.get(number)
        if cached is not None:
            return cached
        with self.archive.db.read() as conn:
            data = conn.execute(
                select(tables.work_calendars.c.data).where(
                    tables.work_calendars.c.version == number
                )
            ).scalar()
        if data is None:
            raise Invalid(
                "unknown_calendar_version",
                f"Không có lịch ngày làm việc phiên bản {number}.",
                f"There is no working-day calendar version {number}.",
            )
        parsed = calendar_from(number, data)
        with self._lock:
            self._parsed[number] = parsed
        return parsed

    def history(self) -> list[CalendarVersion]:
        t = tables.work_calendars
        with self.archive.db.read() as conn:
            rows = conn.execute(
                select(
                    t.c.version, t.c.reason, t.c.changed, t.c.created_by, t.c.created_at
                ).order_by(t.c.version.desc())
            ).all()
        return [CalendarVersion(*row) for row in rows]

    def correct(
        self,
        actor: Actor,
        days: Sequence[CalendarDay],
        reset: Sequence[date],
        reason: str,
    ) -> WorkCalendar:
        """Store the next version with ``days`` set and ``reset`` days back to default."""
        require(actor.user, Action.MANAGE)
        why = clean_text(reason, field="reason", max_length=2000)
        if not days and not reset:
            raise Invalid(
                "missing_value",
                "Cần ít nhất một ngày để sửa.",
                "Name at least one day to correct.",
            )
        if len(days) + len(reset) > MAX_CHANGES:
            raise Invalid(
                "too_many_calendar_days",
                f"Mỗi lần sửa tối đa {MAX_CHANGES} ngày.",
                f"At most {MAX_CHANGES} days per correction.",
            )
        for day in days:
            if not day.name_vi:
                raise Invalid(
                    "bad_calendar_day",
                    f"Ngày {day.on:%d/%m/%Y} cần tên hoặc lý do bằng tiếng Việt.",
                    f"Day {day.on.isoformat()} needs a name or reason in Vietnamese.",
                )
        base = self.current()
        marked = [
            CalendarDay(d.on, d.kind, d.name_vi, d.name_en or d.name_vi, why, d.unsettled)
            for d in days
        ]
        changed = [d.as_dict() for d in marked] + [
            {"date": d.isoformat(), "kind": "default"} for d in reset
        ]
        try:
            with self.archive.db.write() as conn:
                latest = conn.execute(select(func.max(tables.work_calendars.c.version))).scalar()
                if latest != base.version:
                    raise _changed_meanwhile()
                corrected = base.corrected(base.version + 1, [*marked, *reset])
                conn.execute(
                    insert(tables.work_calendars).values(
                        version=corrected.version,
                        data=corrected.as_data(),
                        reason=why,
                        changed=changed,
                        created_by=actor.user.id,
                        created_at=datetime.now(UTC),
                    )
                )
                audit.append(
                    conn,
                    actor_id=actor.user.id,
                    actor=actor.user.username,
                    action="calendar.correct",
                    object_type="calendar",
                    object_id=corrected.version,
                    detail={"version": corrected.version, "reason": why, "days": changed},
                )
        except IntegrityError:  # PostgreSQL: another correction took this number
            raise _changed_meanwhile() from None
        with self._lock:
            self._parsed[corrected.version] = corrected
        return corrected

    def close(self) -> None:
        with self._lock:
            self._parsed.clear()


def _changed_meanwhile() -> Conflict:
    return Conflict(
        "calendar_changed",
        "Lịch vừa được người khác sửa; hãy xem lại rồi sửa lại.",
        "The calendar was corrected by someone else meanwhile; look again and retry.",
    )


def calendars_for(archive: Archive) -> Calendars:
    opened = archive.stage("deadlines", Calendars.open)
    assert isinstance(opened, Calendars)
    return opened
