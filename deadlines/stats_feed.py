"""The statistics writer: keeps each dossier's figures current from the outbox, in the
metadata store (always) and in Elasticsearch (scaled), and answers the counts from the
engine of the install — SQL embedded, Elasticsearch aggregations scaled."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from archive.domain.access import PeriodGrant, Scope
from archive.domain.events import Topic
from archive.domain.roles import Role
from archive.domain.units import standing_on
from archive.metadata import accounts
from archive.metadata import dossiers as dossier_rows
from archive.metadata.outbox import Event
from archive.metadata.schema import dossiers as dossier_table
from archive.services.consumers import consume
from archive.services.context import Archive
from archive.services.dossiers import today
from deadlines import snapshot_copy, stats_snapshot, stats_sql, tables
from deadlines.calendars import calendars_for
from deadlines.case_deadlines import current_case_type, facts_in
from deadlines.case_figures import CaseFigures, figures_of
from deadlines.indicators import INDICATORS, GroupBy, Indicator, Period
from deadlines.stats_elastic import FiguresIndex

CONSUMER = "statistics"
KEPT_ANSWERS = 256
Counts = dict[str, dict[str, int]]
BATCH = 200
# Every change that can move a count: the dossier itself, its documents (a decision's date,
# a receipt), its dated events and deadline changes, a case type's new rules.
TOPICS = frozenset(
    {
        Topic.DOSSIER_OPENED,
        Topic.DOSSIER_CHANGED,
        Topic.DOSSIER_STAGE_CHANGED,
        Topic.DOCUMENT_STORED,
        Topic.DOCUMENT_CHANGED,
        Topic.DOSSIER_DEADLINES_CHANGED,
    }
)


@dataclass
class Statistics:
    archive: Archive
    index: FiguresIndex | None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _prepared: bool = False
    _rebuild: bool = False  # the figures' table was renewed: recount everything once
    # answers kept until the figures change (embedded): the dashboard's questions repeat
    _answers: OrderedDict[tuple[Any, ...], tuple[int, Counts]] = field(default_factory=OrderedDict)

    @classmethod
    def open(cls, archive: Archive) -> Statistics:
        # (not through calendars_for: a stage must not open another while the archive's
        # stage lock is held)
        engine = archive.db.engine
        tables.renew_snapshot(engine)
        tables.create(engine)
        with archive.db.write() as conn:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            first = dialect.insert(tables.figures_state).values(id=1, version=0)
            conn.execute(first.on_conflict_do_nothing(index_elements=["id"]))
            counted = conn.execute(select(tables.case_figures.c.dossier_id).limit(1)).first()
            # every dossier's figures add to a month (its opening): figures without any
            # month are figures whose snapshot was never made, or dropped to be made anew
            summed = conn.execute(select(tables.figures_months.c.month).limit(1)).first()
        # an install whose figures predate the snapshot (or its present layout), or the
        # figures' present layout, recounts them whole once
        rebuild = tables.renew_figures(engine) or (counted is not None and summed is None)
        settings = archive.settings
        index = (
            FiguresIndex(
                settings.elasticsearch_url,
                f"{settings.elasticsearch_index}-figures",
                timeout=settings.statistics_seconds,
            )
            if settings.elasticsearch_url
            else None
        )
        return cls(archive, index, _rebuild=rebuild)

    @property
    def engine(self) -> str:
        return "elasticsearch" if self.index is not None else "sql"

    def _ready(self) -> None:
        with self._lock:
            if self.index is not None and not self._prepared:
                if self.index.prepare():  # the snapshot's copy is new or unfinished
                    with self.archive.db.write() as conn:
                        snapshot_copy.mark_all(conn, changed(conn))
                    snapshot_copy.send(self.archive.db, self.index)
                    self.index.mark_complete()
                self._prepared = True
            rebuild, self._rebuild = self._rebuild, False
        if rebuild:
            try:
                self.recount_all()
            except BaseException:
                self._rebuild = True  # not done: the next use tries again
                raise

    def handle(self, events: Sequence[Event]) -> None:
        """A batch of the outbox: recount every dossier it touches (idempotent)."""
        touched: dict[int, None] = {}
        for event in events:
            if event.topic in TOPICS and "dossier_id" in event.payload:
                touched[int(str(event.payload["dossier_id"]))] = None
        self.recount(list(touched))

    def recount(self, dossier_ids: Sequence[int]) -> int:
        self._ready()
        archive = self.archive
        calendar = calendars_for(archive).current()
        day = today()
        for start in range(0, len(dossier_ids), BATCH):
            chunk = dossier_ids[start : start + BATCH]
            figures: list[CaseFigures] = []
            gone: list[int] = []
            with archive.db.read() as conn:
                for dossier_id in chunk:
                    dossier = dossier_rows.get(conn, dossier_id, None, whole=False)
                    if dossier is None:
                        gone.append(dossier_id)
                        continue
                    case_type = current_case_type(archive, dossier)
                    facts = facts_in(conn, dossier, case_type)
                    figures.append(figures_of(dossier, case_type, facts, calendar, day))
            rows = [f.as_row() for f in figures]
            f = tables.case_figures
            with archive.db.write() as conn:
                mine = select(f).where(f.c.dossier_id.in_(chunk))
                if conn.dialect.name == "postgresql":
                    mine = mine.with_for_update()  # a concurrent recount waits, then sees ours
                old = [dict(r) for r in conn.execute(mine).mappings()]
                conn.execute(delete(f).where(f.c.dossier_id.in_(chunk)))
                if rows:
                    conn.execute(insert(f), rows)
                cells = stats_snapshot.apply(conn, old, rows)
                version = changed(conn)
                if self.index is not None:
                    snapshot_copy.mark(conn, cells, version)
            if self.index is not None:
                self.index.put(figures, gone)
                snapshot_copy.send(archive.db, self.index)
        return len(dossier_ids)

    def copy_snapshot(self) -> int:
        """Scaled: copy the snapshot's cells not yet in Elasticsearch; how many."""
        if self.index is None:
            return 0
        self._ready()
        return snapshot_copy.send(self.archive.db, self.index)

    def recount_all(self) -> int:
        with self.archive.db.read() as conn:
            ids = [int(r[0]) for r in conn.execute(select(dossier_table.c.id))]
        self._ready()
        if self.index is not None:
            self.index.clear()
        with self.archive.db.write() as conn:
            conn.execute(delete(tables.case_figures))
            conn.execute(delete(tables.figures_months))
            conn.execute(delete(tables.figures_days))
            conn.execute(delete(tables.figures_open))
            conn.execute(delete(tables.figures_unsent))
            changed(conn)
        recounted = self.recount(ids)
        if self.index is not None:
            self.index.mark_complete()  # cleared above, every cell copied since
        return recounted

    def counts(
        self,
        period: Period,
        group_by: GroupBy,
        *,
        unit_ids: Collection[int] | None,
        grants: Sequence[PeriodGrant] = (),
        case_types: Collection[str] = (),
        indicators: Sequence[Indicator] = INDICATORS,
    ) -> Counts:
        """Every indicator per group. By unit, a unit that had ended by the period's last
        day is counted under the unit that stood for it then (its successor)."""
        self._ready()
        if self.index is not None and not grants and indicators is INDICATORS:
            # the dashboard's questions: over the snapshot's cells of the period
            with self.archive.db.read() as conn:
                span = stats_snapshot.month_span(conn)
            found = self.index.snapshot_counts(
                period, group_by, unit_ids=unit_ids, case_types=case_types, span=span
            )
        elif self.index is not None:
            found = self.index.counts(
                period,
                group_by,
                unit_ids=unit_ids,
                grants=grants,
                case_types=case_types,
                indicators=indicators,
            )
        else:
            asked = (
                period,
                group_by,
                None if unit_ids is None else frozenset(unit_ids),
                tuple(grants),
                tuple(sorted(case_types)),
                tuple(i.code for i in indicators),
            )
            with self.archive.db.read() as conn:
                version = int(
                    conn.execute(select(tables.figures_state.c.version)).scalar_one_or_none() or 0
                )
                with self._lock:
                    kept = self._answers.get(asked)
                if kept is not None and kept[0] == version:
                    found = kept[1]
                elif not grants and indicators is INDICATORS:
                    found = stats_snapshot.counts(
                        conn, period, group_by, unit_ids=unit_ids, case_types=case_types
                    )
                else:
                    found = stats_sql.counts(
                        conn,
                        period,
                        group_by,
                        unit_ids=unit_ids,
                        grants=grants,
                        case_types=case_types,
                        indicators=indicators,
                    )
            with self._lock:
                self._answers[asked] = (version, found)
                self._answers.move_to_end(asked)
                while len(self._answers) > KEPT_ANSWERS:
                    self._answers.popitem(last=False)
        if group_by is not GroupBy.UNIT:
            return found
        with self.archive.db.read() as conn:
            standing = standing_on(accounts.list_units(conn), period.end)
        merged: Counts = {}
        for key, values in found.items():
            into = merged.setdefault(
                str(standing.get(int(key), int(key))), dict.fromkeys(values, 0)
            )
            for code, value in values.items():
                into[code] += value
        return merged

    def close(self) -> None:
        if self.index is not None:
            self.index.close()


def changed(conn: Connection) -> int:
    """Raise the figures' version (answers kept from before are stale); returns it. The
    row's lock orders the writers: each change has a version of its own, in commit order."""
    return int(
        conn.execute(
            update(tables.figures_state)
            .where(tables.figures_state.c.id == 1)
            .values(version=tables.figures_state.c.version + 1)
            .returning(tables.figures_state.c.version)
        ).scalar_one()
    )


def feed(statistics: Statistics, owner: str, *, budget: float = 20.0) -> int:
    """Take the outbox's new events into the figures, for up to ``budget`` seconds."""
    statistics.copy_snapshot()  # what a failed copy left behind, even with nothing new
    handled = 0
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        n = consume(statistics.archive, CONSUMER, statistics.handle, owner=owner, limit=500)
        if n == 0:
            break
        handled += n
    return handled


def reach_of(scope: Scope) -> tuple[set[int] | None, tuple[PeriodGrant, ...]]:
    """Whose cases the person may count: (units, or None for every unit; an auditor's
    grants, each its units for dossiers opened within its period)."""
    if scope.everything:
        return None, ()
    if scope.role is Role.AUDITOR:
        return set(), tuple(scope.grants)
    return set(scope.unit_ids), ()


def statistics_for(archive: Archive) -> Statistics:
    opened = archive.stage("statistics", Statistics.open)
    assert isinstance(opened, Statistics)
    return opened
