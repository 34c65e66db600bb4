"""The monthly snapshot of the statistics (embedded): per month, unit, field of law and case
type, every indicator whose one date falls in that month.

The writer changes it by difference: when a dossier is recounted, its old figures are taken
away and its new ones added, in the transaction that replaces its row, so the snapshot and
the rows never disagree. A question over whole months (what the dashboard asks: a month, a
quarter, a year, up to a month's end) is then summed from the snapshot's months in the
period instead of every dossier. "Open at the end" is the cases open now less the opened
plus the closed of the months after the end (a case closes on or after the day it opened),
so a recent period reads few months. Other questions read the rows.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

from deadlines.indicators import INDICATORS, MONTHLY, GroupBy, Period
from deadlines.tables import figures_months as m
from deadlines.tables import figures_open as o

Key = tuple[date, int, str, str]  # month, unit, field, case type
Counts = dict[str, dict[str, int]]


def whole_months(period: Period) -> bool:
    end = period.end
    return period.start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]


def contributions(row: Mapping[str, Any], sign: int = 1) -> dict[Key, dict[str, int]]:
    """What one dossier's figures (a ``case_figures`` row) add to the snapshot."""
    out: dict[Key, dict[str, int]] = {}
    for indicator in MONTHLY:
        day = row[indicator.dated[0].column]
        if day is None:
            continue
        if indicator.on_time is not None and row["on_time"] is not indicator.on_time:
            continue
        value = int(row[indicator.amount]) if indicator.amount else 1
        if value:
            key = (day.replace(day=1), int(row["unit_id"]), row["field"], row["case_type"])
            cell = out.setdefault(key, {})
            cell[indicator.code] = cell.get(indicator.code, 0) + sign * value
    return out


def apply(
    conn: Connection, old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> None:
    """Take ``old`` rows' figures out of the snapshot and put ``new`` rows' in."""
    change: dict[Key, dict[str, int]] = {}
    for rows, sign in ((old, -1), (new, 1)):
        for row in rows:
            for key, values in contributions(row, sign).items():
                cell = change.setdefault(key, {})
                for code, value in values.items():
                    cell[code] = cell.get(code, 0) + value
    now: dict[tuple[int, str, str], int] = {}
    for key, values in change.items():
        now[key[1:]] = now.get(key[1:], 0) + values.get("opened", 0) - values.get("closed", 0)
    rows_out = [
        {
            "month": key[0],
            "unit_id": key[1],
            "field": key[2],
            "case_type": key[3],
            **{i.code: values.get(i.code, 0) for i in MONTHLY},
        }
        for key, values in change.items()
        if any(values.values())
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    if rows_out:
        months = dialect.insert(m)
        conn.execute(
            months.on_conflict_do_update(
                index_elements=[m.c.month, m.c.unit_id, m.c.field, m.c.case_type],
                set_={i.code: m.c[i.code] + months.excluded[i.code] for i in MONTHLY},
            ),
            rows_out,
        )
    opened = [
        {"unit_id": k[0], "field": k[1], "case_type": k[2], "open": n} for k, n in now.items() if n
    ]
    if opened:
        still = dialect.insert(o)
        conn.execute(
            still.on_conflict_do_update(
                index_elements=[o.c.unit_id, o.c.field, o.c.case_type],
                set_={"open": o.c.open + still.excluded.open},
            ),
            opened,
        )


def counts(
    conn: Connection,
    period: Period,
    group_by: GroupBy,
    *,
    unit_ids: Collection[int] | None,
    case_types: Collection[str] = (),
) -> Counts:
    """Every dashboard indicator per group over whole months, from the snapshot."""
    first = period.start.replace(day=1)
    last = period.end.replace(day=1)
    key = m.c[group_by.column]

    def narrowed(query: Select[Any], table: Table) -> Select[Any]:
        if unit_ids is not None:
            query = query.where(table.c.unit_id.in_(list(unit_ids)))
        if case_types:
            query = query.where(table.c.case_type.in_(list(case_types)))
        return query

    flows = select(key.label("key"), *(func.sum(m.c[i.code]).label(i.code) for i in MONTHLY)).where(
        m.c.month >= first, m.c.month <= last
    )
    after = select(
        key.label("key"), (func.sum(m.c.opened) - func.sum(m.c.closed)).label("n")
    ).where(m.c.month > last)
    now = select(o.c[group_by.column].label("key"), func.sum(o.c.open).label("n"))
    found: dict[str, dict[str, int]] = {}
    for row in conn.execute(narrowed(flows, m).group_by(key)).mappings():
        found[str(row["key"])] = {i.code: int(row[i.code] or 0) for i in MONTHLY}
    open_at_end: dict[str, int] = {}
    for group, n in conn.execute(narrowed(now, o).group_by(o.c[group_by.column])):
        open_at_end[str(group)] = int(n or 0)
    for group, n in conn.execute(narrowed(after, m).group_by(key)):
        open_at_end[str(group)] = open_at_end.get(str(group), 0) - int(n or 0)
    for group, n in open_at_end.items():
        found.setdefault(group, dict.fromkeys((i.code for i in MONTHLY), 0))["open_at_end"] = n
    out: Counts = {}
    for group, values in found.items():
        whole = {i.code: values.get(i.code, 0) for i in INDICATORS}
        if any(whole.values()):
            out[group] = whole
    return out
