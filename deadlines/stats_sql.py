"""The statistics counted in SQL over ``case_figures`` (the embedded install)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from archive.domain.access import PeriodGrant
from deadlines.indicators import INDICATORS, Dated, GroupBy, Indicator, Period, When
from deadlines.tables import case_figures as t

Counts = dict[str, dict[str, int]]  # group key -> indicator -> value


def _dated(d: Dated, period: Period) -> ColumnElement[bool]:
    column = t.c[d.column]
    if d.when is When.IN:
        return and_(column >= period.start, column <= period.end)
    if d.when is When.BEFORE:
        return column < period.start
    if d.when is When.BY_END:
        return column <= period.end
    if d.when is When.NOT_BEFORE:
        return or_(column.is_(None), column >= period.start)
    return or_(column.is_(None), column > period.end)


def _in(indicator: Indicator, period: Period) -> ColumnElement[bool]:
    condition = and_(*(_dated(d, period) for d in indicator.dated))
    if indicator.on_time is not None:
        condition = and_(condition, t.c.on_time.is_(indicator.on_time))
    return condition


def within(unit_ids: Collection[int], grants: Sequence[PeriodGrant]) -> ColumnElement[bool]:
    """The figures of the units, and of each auditor's grant: its units' dossiers opened
    within its period."""
    return or_(
        t.c.unit_id.in_(list(unit_ids)),
        *(
            and_(
                t.c.unit_id.in_(list(g.unit_ids)),
                t.c.opened_on >= g.period_from,
                t.c.opened_on <= g.period_to,
            )
            for g in grants
        ),
    )


def counts(
    conn: Connection,
    period: Period,
    group_by: GroupBy,
    *,
    unit_ids: Collection[int] | None,
    grants: Sequence[PeriodGrant] = (),
    case_types: Collection[str] = (),
    indicators: Sequence[Indicator] = INDICATORS,
) -> Counts:
    """Every indicator per group; ``unit_ids`` None means every unit; ``grants`` (an
    auditor's) add each its units' dossiers opened within its period."""
    columns = [
        func.coalesce(
            func.sum(case((_in(i, period), t.c[i.amount] if i.amount else 1), else_=0)),
            0,
        ).label(i.code)
        for i in indicators
    ]
    key = t.c[group_by.column]
    # Only rows with a date in the period, or still open at its end, can count (see
    # CaseFigures.as_row); the others are left out before the sums.
    reaches = and_(
        t.c.first_on <= period.end, or_(t.c.last_on >= period.start, t.c.closed_on.is_(None))
    )
    query = select(key.label("key"), *columns).where(reaches).group_by(key)
    if unit_ids is not None:
        query = query.where(within(unit_ids, grants))
    if case_types:
        query = query.where(t.c.case_type.in_(list(case_types)))
    out: Counts = {}
    for row in conn.execute(query).mappings():
        values = {i.code: int(row[i.code]) for i in indicators}
        if any(values.values()):
            out[str(row["key"])] = values
    return out
