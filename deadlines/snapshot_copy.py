"""Scaled: copying the snapshot's changed cells from the database to Elasticsearch.

The writer marks each cell it changes as unsent, with the figures' version of its change,
in the transaction that changes it (:func:`mark`). :func:`send` then reads the unsent cells
with their values in one statement, indexes them with that version as an external version,
and unmarks each one only if no later change marked it again meanwhile. A copy that fails
(Elasticsearch down) leaves the marks, so the next send copies them, whatever the retried
batch recounts; two senders at once copy the same values or Elasticsearch keeps the newer.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Connection, Table, and_, bindparam, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from archive.metadata.db import Database
from deadlines.indicators import MONTHLY
from deadlines.stats_elastic import FiguresIndex
from deadlines.stats_snapshot import OPEN_CELL, Cell
from deadlines.tables import figures_days as d
from deadlines.tables import figures_months as m
from deadlines.tables import figures_open as o
from deadlines.tables import figures_unsent as u

BATCH = 5000
_KEY = ("span", "on", "unit_id", "field", "case_type")


def _insert(conn: Connection) -> postgresql.Insert | sqlite.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(u)
    return sqlite.insert(u)


def mark(conn: Connection, cells: Collection[Cell], version: int) -> None:
    """Note ``cells`` as changed by the figures' ``version`` (in the changing transaction)."""
    if not cells:
        return
    statement = _insert(conn)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[u.c[k] for k in _KEY], set_={"version": statement.excluded.version}
        ),
        # in key order, as the copier unmarks: two transactions never wait on each other
        [dict(zip(_KEY, cell, strict=True), version=version) for cell in sorted(cells)],
    )


def mark_all(conn: Connection, version: int) -> None:
    """Every cell of the snapshot to copy (the index was made anew)."""
    for span, table, on in (("day", d, d.c.day), ("month", m, m.c.month)):
        rows = select(
            literal(span), on, table.c.unit_id, table.c.field, table.c.case_type, literal(version)
        )
        conn.execute(_insert(conn).from_select([*_KEY, "version"], rows).on_conflict_do_nothing())
    rows = select(
        literal("open"), literal(OPEN_CELL), o.c.unit_id, o.c.field, o.c.case_type, literal(version)
    )
    conn.execute(_insert(conn).from_select([*_KEY, "version"], rows).on_conflict_do_nothing())


def send(db: Database, index: FiguresIndex) -> int:
    """Copy every unsent cell; returns how many were copied."""

    # a batch of marks first, then each one's cell looked up by its key
    marks = select(u).limit(BATCH).subquery()

    def same(table: Table) -> list[ColumnElement[bool]]:
        return [marks.c[k] == table.c[k] for k in ("unit_id", "field", "case_type")]

    by_day = and_(marks.c.span == "day", d.c.day == marks.c.on, *same(d))
    by_month = and_(marks.c.span == "month", m.c.month == marks.c.on, *same(m))
    by_open = and_(marks.c.span == "open", *same(o))
    query = select(
        *(marks.c[k] for k in _KEY),
        marks.c.version,
        *(d.c[i.code].label(f"day_{i.code}") for i in MONTHLY),
        *(m.c[i.code].label(f"month_{i.code}") for i in MONTHLY),
        o.c.open,
    ).select_from(marks.outerjoin(d, by_day).outerjoin(m, by_month).outerjoin(o, by_open))
    unmark = delete(u).where(*(u.c[k] == bindparam(f"k_{k}") for k in (*_KEY, "version")))
    sent = 0
    while True:
        with db.read() as conn:
            rows = conn.execute(query).mappings().all()
        if not rows:
            break
        cells: list[tuple[Cell, int, dict[str, int]]] = []
        for row in rows:
            span = str(row["span"])
            cell: Cell = (span, row["on"], int(row["unit_id"]), row["field"], row["case_type"])
            if span == "open":
                values = {"open": int(row["open"] or 0)}
            else:
                values = {i.code: int(row[f"{span}_{i.code}"] or 0) for i in MONTHLY}
            cells.append((cell, int(row["version"]), values))
        index.put_cells(cells)
        # unmarked only if still marked with the version copied: a later change stays
        with db.write() as conn:
            conn.execute(
                unmark,
                sorted(
                    ({f"k_{k}": row[k] for k in (*_KEY, "version")} for row in rows),
                    key=lambda r: tuple(r[f"k_{k}"] for k in _KEY),
                ),
            )
        sent += len(rows)
        if len(rows) < BATCH:
            break
    if sent:
        index.refresh_cells()
    return sent
