"""Scaled: the snapshot's copy in Elasticsearch under the races a busy writer meets.

A change that lands while a copy is being made stays marked and is copied next; a copy
older than the one already indexed never overwrites it; cells a dossier leaves (its date
moved) are copied too, even when the copy failed the first time and the retried batch
recounts nothing new."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from support.archives import Backend, open_backend

from deadlines import snapshot_copy, tables
from deadlines.indicators import GroupBy, Period
from deadlines.stats_elastic import FiguresIndex, StatisticsUnavailable
from deadlines.stats_feed import Statistics, changed, statistics_for
from deadlines.stats_snapshot import OPEN_CELL

CELL = ("month", date(2024, 3, 1), 7, "giao_thong", "xlvphc")
MARCH = Period(date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture
def scaled(tmp_path: Path) -> Iterator[Backend]:
    with open_backend("scaled", tmp_path) as backend:
        yield backend


def _opened_in_march(index: FiguresIndex) -> int:
    found = index.snapshot_counts(MARCH, GroupBy.UNIT, unit_ids=None, cache=False)
    return found.get("7", {}).get("opened", 0)


def _set_cell(backend: Backend, opened: int) -> int:
    """A writer's change of the cell: its value and its mark, in one transaction."""
    m = tables.figures_months
    with backend.archive.db.write() as conn:
        version = changed(conn)
        found = conn.execute(update(m).where(m.c.month == CELL[1]).values(opened=opened))
        if not found.rowcount:
            conn.execute(
                m.insert().values(
                    month=CELL[1], unit_id=CELL[2], field=CELL[3], case_type=CELL[4], opened=opened
                )
            )
        snapshot_copy.mark(conn, [CELL], version)
    return version


def _marks(backend: Backend) -> list[Any]:
    u = tables.figures_unsent
    with backend.archive.db.read() as conn:
        return list(conn.execute(select(u.c.span, u.c.version)).all())


def test_a_change_during_a_copy_stays_marked_and_is_copied_next(
    scaled: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    statistics = statistics_for(scaled.archive)
    statistics.copy_snapshot()
    index = statistics.index
    assert index is not None
    _set_cell(scaled, 5)
    real_put = FiguresIndex.put_cells

    def put_while_a_writer_changes_the_cell(self: FiguresIndex, cells: Any) -> None:
        real_put(self, cells)  # the copy of 5 is indexed…
        _set_cell(scaled, 9)  # …and before it is unmarked, a writer makes it 9

    monkeypatch.setattr(FiguresIndex, "put_cells", put_while_a_writer_changes_the_cell)
    assert snapshot_copy.send(scaled.archive.db, index) == 1
    monkeypatch.setattr(FiguresIndex, "put_cells", real_put)
    assert _opened_in_march(index) == 5  # what was copied
    assert len(_marks(scaled)) == 1  # the later change is still to copy
    assert snapshot_copy.send(scaled.archive.db, index) == 1
    assert _opened_in_march(index) == 9 and _marks(scaled) == []


def test_an_older_copy_never_overwrites_a_newer_one(scaled: Backend) -> None:
    statistics = statistics_for(scaled.archive)
    statistics.copy_snapshot()
    index = statistics.index
    assert index is not None
    index.put_cells([(CELL, 8, {"opened": 4})])
    index.put_cells([(CELL, 6, {"opened": 99})])  # a slow copier, late with an old value
    index.put_cells([(CELL, 8, {"opened": 4})])  # the same copy again: harmless
    index.refresh_cells()
    assert _opened_in_march(index) == 4


def test_a_copy_that_failed_is_made_good_by_the_next_feed(scaled: Backend) -> None:
    statistics = statistics_for(scaled.archive)
    statistics.copy_snapshot()
    index = statistics.index
    assert index is not None
    _set_cell(scaled, 3)
    broken = Statistics(scaled.archive, FiguresIndex("http://127.0.0.1:9", index.name, 2.0))
    broken._prepared = True  # as if it had started while the node was up
    with pytest.raises(StatisticsUnavailable):
        broken.copy_snapshot()
    broken.close()
    assert len(_marks(scaled)) == 1  # nothing was lost: still marked
    assert statistics.copy_snapshot() == 1
    assert _opened_in_march(index) == 3


def test_every_kind_of_cell_is_copied_with_its_values(scaled: Backend) -> None:
    statistics = statistics_for(scaled.archive)
    index = statistics.index
    assert index is not None
    statistics.copy_snapshot()
    with scaled.archive.db.write() as conn:
        version = changed(conn)
        conn.execute(
            tables.figures_days.insert().values(
                day=date(2024, 3, 20), unit_id=7, field="giao_thong", case_type="xlvphc", opened=2
            )
        )
        conn.execute(
            tables.figures_open.insert().values(
                unit_id=7, field="giao_thong", case_type="xlvphc", open=11
            )
        )
        snapshot_copy.mark(
            conn,
            [
                ("day", date(2024, 3, 20), 7, "giao_thong", "xlvphc"),
                ("open", OPEN_CELL, 7, "giao_thong", "xlvphc"),
            ],
            version,
        )
    assert statistics.copy_snapshot() == 2
    days = Period(date(2024, 3, 15), date(2024, 3, 25))  # in part: read by day
    found = index.snapshot_counts(days, GroupBy.FIELD, unit_ids=[7], cache=False)
    assert found["giao_thong"]["opened"] == 2
    # open now 11; opened after the end nothing (the day is inside): open at the end 11
    assert found["giao_thong"]["open_at_end"] == 11
