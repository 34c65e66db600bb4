"""How long the statistics take to answer over many dossiers: the dashboard's refresh.

    .venv/bin/python bench/statistics_refresh.py --backend embedded --dossiers 100000
    .venv/bin/python bench/statistics_refresh.py --backend scaled --dossiers 1000000

Fills the figures through the statistics writer's own storage (rows in ``case_figures``;
scaled, also the Elasticsearch index, in bulk) with synthetic cases of every case type
across 26 units, 2018–2026, then asks the counts of one year by unit, by field and by case
type (SQL embedded, Elasticsearch aggregations scaled), each 20 times after 3 warm-ups.
Prints the fill rate and p50 / p95 / max per question.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta

from benchlib import bench_archive
from sqlalchemy import insert

from archive.services.context import Archive
from deadlines import snapshot_copy, stats_snapshot, stats_sql, tables
from deadlines.case_figures import CaseFigures
from deadlines.indicators import GroupBy, Period
from deadlines.stats_feed import changed, statistics_for

TYPES = {
    "xlvphc": ["giao_thong", "xay_dung", "dat_dai", "moi_truong", "y_te", "thuong_mai"],
    "qltt": ["hang_gia", "hang_lau", "gia_ca"],
    "thads": ["dan_su", "kinh_doanh_thuong_mai"],
    "an_hanh_chinh": ["dat_dai", "xay_dung"],
}


TODAY = date(2026, 11, 30)  # the bench's today: the figures run from 2018 to it


def synthetic(n: int, seed: int = 2026) -> list[CaseFigures]:
    rng = random.Random(seed)
    out = []
    codes = list(TYPES)
    for i in range(1, n + 1):
        kind = codes[rng.randrange(len(codes))]
        opened = date(2018, 1, 1) + timedelta(
            days=rng.randrange(0, (TODAY - date(2018, 1, 1)).days)
        )

        def later(low: int, high: int, chance: float, start: date = opened) -> date | None:
            """A day after ``start``, or None (not happened, or not yet: nothing is dated
            after the bench's today, as in an archive)."""
            if rng.random() >= chance:
                return None
            day = start + timedelta(days=rng.randrange(low, high))
            return day if day <= TODAY else None

        decided = later(2, 40, 0.9) if kind in ("xlvphc", "qltt", "an_hanh_chinh") else None
        fine = rng.randrange(1, 200) * 500_000 if decided and kind != "an_hanh_chinh" else 0
        collected = later(1, 30, 0.8, decided) if fine and decided else None
        completed = later(30, 400, 0.7)
        accepted = later(0, 10, 1.0) if kind in ("thads", "an_hanh_chinh") else None
        due = rng.randrange(1, 500) * 1_000_000 if kind == "thads" else 0
        unable = (
            later(10, 60, 0.25, accepted)
            if kind == "thads" and accepted and not completed
            else None
        )
        out.append(
            CaseFigures(
                dossier_id=i,
                case_type=kind,
                unit_id=1 + rng.randrange(26),
                field=TYPES[kind][rng.randrange(len(TYPES[kind]))],
                opened_on=opened,
                closed_on=completed,
                accepted_on=accepted,
                decided_on=decided,
                completed_on=completed,
                collected_on=collected,
                enforced_on=later(20, 90, 0.1, decided) if decided else None,
                entrusted_on=later(5, 60, 0.03, accepted) if accepted else None,
                terminated_on=completed if kind == "thads" and rng.random() < 0.1 else None,
                unenforceable_from=unable,
                unenforceable_to=None,
                fine_imposed=fine,
                fine_collected=fine if collected else 0,
                money_due=due,
                money_done=due if completed and kind == "thads" else 0,
                violators_individual=int(rng.random() < 0.7) if decided else 0,
                violators_organisation=int(rng.random() < 0.3) if decided else 0,
                on_time=(rng.random() < 0.9) if decided else None,
            )
        )
    return out


def fill(archive: Archive, rows: list[CaseFigures], batch: int) -> float:
    stats = statistics_for(archive)
    stats.recount([])  # prepares the index
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        with archive.db.write() as conn:  # as the writer does
            written = [r.as_row() for r in chunk]
            conn.execute(insert(tables.case_figures), written)
            cells = stats_snapshot.apply(conn, [], written)
            version = changed(conn)
            if stats.index is not None:
                snapshot_copy.mark(conn, cells, version)
        if stats.index is not None:
            stats.index.put(chunk)
            snapshot_copy.send(archive.db, stats.index)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("embedded", "scaled"), default="embedded")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rows = synthetic(args.dossiers)
    with bench_archive(args.backend, people=False) as settings:
        archive = Archive.open(settings)
        try:
            seconds = fill(archive, rows, 10_000)
            print(
                f"{args.backend}: {len(rows):,} dossiers' figures written in {seconds:.1f} s "
                f"({len(rows) / seconds:,.0f}/s)"
            )
            stats = statistics_for(archive)
            period = Period(date(2024, 1, 1), date(2024, 12, 31))
            ways = [("", lambda g: stats.counts(period, g, unit_ids=None))]
            if stats.index is None:

                def rows_only(g: GroupBy) -> dict[str, dict[str, int]]:
                    with archive.db.read() as conn:
                        return stats_sql.counts(conn, period, g, unit_ids=None)

                def snapshot(g: GroupBy) -> dict[str, dict[str, int]]:
                    with archive.db.read() as conn:
                        return stats_snapshot.counts(conn, period, g, unit_ids=None)

                ways = [
                    ("snapshot, computed", snapshot),
                    ("repeated (answer kept)", ways[0][1]),
                    ("every row", rows_only),
                ]
            else:
                index = stats.index
                ways = [
                    (
                        "snapshot copy, computed afresh",
                        lambda g: index.snapshot_counts(period, g, unit_ids=None, cache=False),
                    ),
                    ("repeated (request cache)", ways[0][1]),
                    (
                        "every dossier, computed afresh",
                        lambda g: index.counts(period, g, unit_ids=None, cache=False),
                    ),
                ]
            for label, ask in ways:
                for group_by in GroupBy:
                    times = []
                    for run in range(args.runs + 3):
                        t0 = time.perf_counter()
                        found = ask(group_by)
                        if run >= 3:
                            times.append(time.perf_counter() - t0)
                    times.sort()
                    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                    opened = sum(g["opened"] for g in found.values())
                    print(
                        f"  by {group_by.value:<9} ({stats.engine} {label}, {len(found)} groups, "
                        f"{opened:,} opened in 2024): p50 {1000 * statistics.median(times):.0f} "
                        f"ms, p95 {1000 * p95:.0f} ms, max {1000 * times[-1]:.0f} ms"
                    )
        finally:
            archive.close()


if __name__ == "__main__":
    main()
