"""The snapshot of the statistics (embedded): per month and per day, unit, field of law and
case type, every indicator whose one date falls in it; and the cases open now per group.

The writer changes it by difference: when a dossier is recounted, its old figures are taken
away and its new ones added, in the transaction that replaces its row, so the snapshot and
the rows never disagree. A question is then summed from the months wholly in its period and
the days of the months it holds in part (this year so far: ten months and thirty days),
whatever the number of dossiers. "Open at the end" is the cases open now less those opened
and plus those closed after the end (a case closes on or after the day it opened). An
auditor's question (dossiers opened within a grant) and the enforcement form read the rows.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Select, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from deadlines.indicators import INDICATORS, MONTHLY, GroupBy, Period
from deadlines.tables import figures_days as d
from deadlines.tables import figures_months as m
from deadlines.tables import figures_open as o

Key = tuple[date, int, str, str]  # day (or month), unit, field, case type
Change = dict[Key, dict[str, int]]
Counts = dict[str, dict[str, int]]
ONE_DAY = timedelta(days=1)


def contributions(row: Mapping[str, Any], sign: int = 1) -> Change:
    """What one dossier's figures (a ``case_figures`` row) add to each day."""
    out: Change = {}
    for indicator in MONTHLY:
        day = row[indicator.dated[0].column]
        if day is None:
            continue
        if indicator.on_time is not None and row["on_time"] is not indicator.on_time:
            continue
        value = int(row[indicator.amount]) if indicator.amount else 1
        if value:
            key = (day, int(row["unit_id"]), row["field"], row["case_type"])
            cell = out.setdefault(key, {})
            cell[indicator.code] = cell.get(indicator.code, 0) + sign * value
    return out


def _merge(into: Change, key: Key, values: Mapping[str, int]) -> None:
    cell = into.setdefault(key, {})
    for code, value in values.items():
        cell[code] = cell.get(code, 0) + value


def _add(conn: Connection, table: Table, span: str, change: Change) -> None:
    rows = [
        {
            span: key[0],
            "unit_id": key[1],
            "field": key[2],
            "case_type": key[3],
            **{i.code: values.get(i.code, 0) for i in MONTHLY},
        }
        for key, values in change.items()
        if any(values.values())
    ]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c[span], table.c.unit_id, table.c.field, table.c.case_type],
            set_={i.code: table.c[i.code] + statement.excluded[i.code] for i in MONTHLY},
        ),
        rows,
    )


# A cell of the snapshot: (span, day or month or OPEN_CELL, unit, field, case type).
Cell = tuple[str, date, int, str, str]
OPEN_CELL = date(1970, 1, 1)  # the day an "open now" cell is keyed by: it has none


def apply(
    conn: Connection, old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> set[Cell]:
    """Take ``old`` rows' figures out of the snapshot and put ``new`` rows' in; returns the
    cells that changed."""
    days: Change = {}
    for rows, sign in ((old, -1), (new, 1)):
        for row in rows:
            for key, values in contributions(row, sign).items():
                _merge(days, key, values)
    months: Change = {}
    now: dict[tuple[int, str, str], int] = {}
    for key, values in days.items():
        _merge(months, (key[0].replace(day=1), *key[1:]), values)
        now[key[1:]] = now.get(key[1:], 0) + values.get("opened", 0) - values.get("closed", 0)
    _add(conn, d, "day", days)
    _add(conn, m, "month", months)
    opened = [
        {"unit_id": k[0], "field": k[1], "case_type": k[2], "open": n} for k, n in now.items() if n
    ]
    changed: set[Cell] = {
        (span, *key)
        for span, change in (("day", days), ("month", months))
        for key, values in change.items()
        if any(values.values())
    }
    changed |= {("open", OPEN_CELL, *key) for key, n in now.items() if n}
    if opened:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        still = dialect.insert(o)
        conn.execute(
            still.on_conflict_do_update(
                index_elements=[o.c.unit_id, o.c.field, o.c.case_type],
                set_={"open": o.c.open + still.excluded.open},
            ),
            opened,
        )
    return changed


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True, slots=True)
class Parts:
    """Which cells of the snapshot a period is summed from."""

    months: tuple[date, date] | None  # the first days of the months it holds whole
    days: tuple[tuple[date, date], ...]  # the days of the months it holds in part
    # "Open at the end" is the opened less the closed up to the end, summed from whichever
    # side of the end holds fewer months: from the start (the months before the end's, and
    # the end's month by day up to the end), or back from today (open now, less the rest of
    # the end's month by day and the months after it).
    open_from_start: bool
    months_before: date  # from the start: the months before this one (the end's)
    days_before: tuple[date, date]  # …and these days
    days_after: tuple[date, date]  # back from today: the rest of the end's month…
    months_after: date  # …and the months from this one on


def parts(period: Period, span: tuple[date, date] | None = None) -> Parts:
    """``span``: the first and last months the snapshot holds (which side is shorter)."""
    end_month = period.end.replace(day=1)
    next_month = _month_end(period.end) + ONE_DAY
    from_start = span is not None and _months(span[0], end_month) < _months(end_month, span[1])
    first = period.start if period.start.day == 1 else _month_end(period.start) + ONE_DAY
    last = _month_end(period.end)
    if last != period.end:
        last = end_month - ONE_DAY  # the month before the end's
    days = []
    months = None
    if first > last:  # no whole month
        days.append((period.start, period.end))
    else:
        months = (first, last.replace(day=1))
        if first > period.start:
            days.append((period.start, first - ONE_DAY))
        if last < period.end:
            days.append((last + ONE_DAY, period.end))
    return Parts(
        months,
        tuple(days),
        from_start,
        end_month,
        (end_month, period.end),
        (period.end + ONE_DAY, _month_end(period.end)),
        next_month,
    )


def _months(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def month_span(conn: Connection) -> tuple[date, date] | None:
    """The first and the last month the snapshot holds (two index look-ups)."""
    row = conn.execute(
        select(
            select(func.min(m.c.month)).scalar_subquery(),
            select(func.max(m.c.month)).scalar_subquery(),
        )
    ).one()
    return None if row[0] is None else (row[0], row[1])


def counts(
    conn: Connection,
    period: Period,
    group_by: GroupBy,
    *,
    unit_ids: Collection[int] | None,
    case_types: Collection[str] = (),
) -> Counts:
    """Every dashboard indicator per group, from the snapshot."""
    cut = parts(period, month_span(conn))
    found: dict[str, dict[str, int]] = {}

    def add(group: object, code: str, n: int) -> None:
        cell = found.setdefault(str(group), {})
        cell[code] = cell.get(code, 0) + n

    def narrowed(query: Select[Any], table: Table) -> Select[Any]:
        if unit_ids is not None:
            query = query.where(table.c.unit_id.in_(list(unit_ids)))
        if case_types:
            query = query.where(table.c.case_type.in_(list(case_types)))
        return query.group_by(table.c[group_by.column])

    def sums(table: Table, span: str, start: date, end: date) -> None:
        query = select(
            table.c[group_by.column], *(func.sum(table.c[i.code]).label(i.code) for i in MONTHLY)
        ).where(table.c[span] >= start, table.c[span] <= end)
        for row in conn.execute(narrowed(query, table)):
            for i in MONTHLY:
                add(row[0], i.code, int(row._mapping[i.code] or 0))

    if cut.months is not None:
        sums(m, "month", *cut.months)
    for start, end in cut.days:
        sums(d, "day", start, end)
    column = group_by.column
    if cut.open_from_start:
        before_months = select(m.c[column], func.sum(m.c.opened) - func.sum(m.c.closed)).where(
            m.c.month < cut.months_before
        )
        before_days = select(d.c[column], func.sum(d.c.opened) - func.sum(d.c.closed)).where(
            d.c.day >= cut.days_before[0], d.c.day <= cut.days_before[1]
        )
        for table, query in ((m, before_months), (d, before_days)):
            for group, n in conn.execute(narrowed(query, table)):
                add(group, "open_at_end", int(n or 0))
        return whole(found)
    now = select(o.c[column], func.sum(o.c.open))
    for group, n in conn.execute(narrowed(now, o)):
        add(group, "open_at_end", int(n or 0))
    after_days = select(d.c[column], func.sum(d.c.opened) - func.sum(d.c.closed)).where(
        d.c.day >= cut.days_after[0], d.c.day <= cut.days_after[1]
    )
    after_months = select(m.c[column], func.sum(m.c.opened) - func.sum(m.c.closed)).where(
        m.c.month >= cut.months_after
    )
    for table, query in ((d, after_days), (m, after_months)):
        for group, n in conn.execute(narrowed(query, table)):
            add(group, "open_at_end", -int(n or 0))
    return whole(found)


def whole(found: Mapping[str, Mapping[str, int]]) -> Counts:
    """Every indicator of each group that counts anything (0 for those not summed)."""
    out: Counts = {}
    for group, values in found.items():
        every = {i.code: values.get(i.code, 0) for i in INDICATORS}
        if any(every.values()):
            out[group] = every
    return out
