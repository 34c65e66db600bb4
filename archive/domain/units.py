"""Units change: they are created, merged and dissolved (the 2025 reorganisation). Which
unit stood for which on a given day, and whether a unit may end with a given successor."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from archive.domain.errors import Conflict, Invalid
from archive.domain.model import Unit


def standing_on(units: Iterable[Unit], day: date) -> dict[int, int]:
    """Each unit's id -> the id of the unit that stood for it on ``day``: itself until it
    ended, then its successor's (following merger after merger). A unit that ended with
    no successor still stands for itself: its cases are nobody else's."""
    by_id = {u.id: u for u in units}
    out: dict[int, int] = {}
    for unit in by_id.values():
        seen = {unit.id}
        current = unit
        while (
            current.valid_to is not None
            and current.valid_to < day
            and current.successor_id in by_id
            and current.successor_id not in seen
        ):
            current = by_id[current.successor_id]
            seen.add(current.id)
        out[unit.id] = current.id
    return out


def check_ending(
    unit: Unit, valid_to: date, successor: Unit | None, units: Mapping[int, Unit]
) -> None:
    """Refuse an end that would leave the record inconsistent: a unit ends once; not before
    it began; its successor must stand on the next day and must not be one it took over."""
    if unit.valid_to is not None:
        raise Conflict(
            "unit_ended",
            f"Đơn vị '{unit.code}' đã kết thúc hoạt động từ {unit.valid_to:%d/%m/%Y}.",
            f"The unit '{unit.code}' already ended on {unit.valid_to:%d/%m/%Y}.",
        )
    if unit.valid_from is not None and valid_to < unit.valid_from:
        raise Invalid(
            "bad_dates",
            "Ngày kết thúc không được trước ngày đơn vị bắt đầu hoạt động.",
            "The end cannot be before the day the unit began.",
        )
    if successor is None:
        return
    next_day = valid_to + timedelta(days=1)
    if not successor.stands_on(next_day):
        raise Invalid(
            "successor_not_standing",
            f"Đơn vị kế tiếp '{successor.code}' không hoạt động vào ngày "
            f"{next_day:%d/%m/%Y}: chọn đơn vị còn hoạt động, hoặc sửa ngày.",
            f"The successor '{successor.code}' does not stand on {next_day:%d/%m/%Y}: "
            "choose a unit that does, or change the date.",
        )
    current: Unit | None = successor
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        if current.id == unit.id:
            raise Invalid(
                "successor_cycle",
                "Đơn vị không thể kế tiếp chính mình hoặc đơn vị đã sáp nhập vào nó.",
                "A unit cannot succeed itself or a unit merged into it.",
            )
        seen.add(current.id)
        current = units.get(current.successor_id) if current.successor_id else None
