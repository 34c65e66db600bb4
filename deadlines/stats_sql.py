"""The statistics counted in SQL over ``case_figures`` (the embedded install)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from deadlines.indicators import CODES, INDICATORS, OPEN_AT_END, GroupBy, Indicator, Period
from deadlines.tables import case_figures as t

Counts = dict[str, dict[str, int]]  # group key -> indicator -> value


def _in(indicator: Indicator, period: Period) -> ColumnElement[bool]:
    column = t.c[indicator.dated_by]
    condition = and_(column >= period.start, column <= period.end)
    if indicator.on_time is not None:
        condition = and_(condition, t.c.on_time.is_(indicator.on_time))
    return condition


def counts(
    conn: Connection,
    period: Period,
    group_by: GroupBy,
    *,
    unit_ids: Collection[int] | None,
    case_types: Collection[str] = (),
) -> Counts:
    """Every indicator per group; ``unit_ids`` None means every unit."""
    columns = [
        func.coalesce(
            func.sum(case((_in(i, period), t.c[i.amount] if i.amount else 1), else_=0)),
            0,
        ).label(i.code)
        for i in INDICATORS
    ]
    open_at_end = and_(
        t.c.opened_on <= period.end, or_(t.c.closed_on.is_(None), t.c.closed_on > period.end)
    )
    columns.append(
        func.coalesce(func.sum(case((open_at_end, 1), else_=0)), 0).label(OPEN_AT_END.code)
    )
    key = t.c[group_by.column]
    # Only rows with a date in the period, or still open at its end, can count (see
    # CaseFigures.as_row); the others are left out before the sums.
    reaches = and_(
        t.c.first_on <= period.end, or_(t.c.last_on >= period.start, t.c.closed_on.is_(None))
    )
    query = select(key.label("key"), *columns).where(reaches).group_by(key)
    if unit_ids is not None:
        query = query.where(t.c.unit_id.in_(list(unit_ids)))
    if case_types:
        query = query.where(t.c.case_type.in_(list(case_types)))
    out: Counts = {}
    for row in conn.execute(query).mappings():
        values = {code: int(row[code]) for code in CODES}
        if any(values.values()):
            out[str(row["key"])] = values
    return out
