"""Nhắc việc at scale: how long one reminder run takes over many open dossiers.

    .venv/bin/python bench/reminder_run.py --dossiers 1000 2000 4000

Opens the given numbers of sanction cases through the services (embedded archive, one
official), each with its record made a few working days back so its decision is due soon
or overdue, then times ``remind`` on a day: the first run (every item reminded) and a second
(nothing new: each item and threshold is reminded once). Prints seconds and dossiers/s.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta

from benchlib import bench_archive

from archive.domain.model import Party, PartyKind
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.services import dossiers as dossier_service
from archive.services.context import Archive
from deadlines.reminding import remind

DAY = date(2026, 11, 30)


def open_cases(archive: Archive, count: int) -> None:
    with archive.db.read() as conn:
        official = next(u for u in account_rows.list_users(conn) if u.role is Role.OFFICIAL)
    actor = archive.actor(official)
    for n in range(count):
        recorded = DAY - timedelta(days=2 + n % 12)
        made = dossier_service.create(
            archive,
            actor,
            dossier_service.DossierDraft(
                case_type="xlvphc",
                title=f"Vi phạm trật tự xây dựng số {n}",
                field="xay_dung",
                opened_on=recorded,
                parties=(Party("violator", PartyKind.INDIVIDUAL, f"Người vi phạm {n}"),),
                custom={"violation": "Xây dựng không phép"},
            ),
        )
        dossier_service.move_stage(
            archive, actor, made.id, to_stage="lap_bien_ban", effective_on=recorded
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, nargs="+", default=[1000, 2000, 4000])
    args = parser.parse_args()
    for count in args.dossiers:
        with bench_archive("embedded") as settings:
            archive = Archive.open(settings)
            try:
                t = time.perf_counter()
                open_cases(archive, count)
                opened = time.perf_counter() - t
                t = time.perf_counter()
                first = remind(archive, DAY)
                took = time.perf_counter() - t
                t = time.perf_counter()
                again = remind(archive, DAY)
                second = time.perf_counter() - t
            finally:
                archive.close()
        print(
            f"{count:,} open dossiers (opened in {opened:.0f} s): first run {took:.2f} s "
            f"({first.dossiers:,} with items due, {first.items:,} items, {first.added:,} "
            f"reminders; {count / took:,.0f} dossiers/s); second run {second:.2f} s "
            f"({again.added} new; {count / second:,.0f} dossiers/s)"
        )


if __name__ == "__main__":
    main()
