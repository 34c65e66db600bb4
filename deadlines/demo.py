"""The deadlines stage's part of the demo: the dated events an official would have entered
on the demo's cases (a decision received, reported to the national database, a judgment
delivered, a notice received), so their deadlines read as an office's would — mostly met,
a few late on purpose, the open ones overdue or running.

Dates derive from the papers and stages the demo already has, with offsets fixed by the
dossier's code, so the demo stays the same on every install.
"""

from __future__ import annotations

import zlib
from datetime import date

from archive.demo.dataset import AS_OF, DemoDataset, DemoDossier
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.metadata.schema import dossiers as dossier_table
from archive.services.context import Archive
from deadlines.calendars import calendars_for
from deadlines.case_deadlines import enter_milestone
from deadlines.counting import Unit, reckon

# case type -> (event entered, read from "document:<kind>" or "stage:<code>",
#               working days after it, working days when late on purpose)
ENTERED: dict[str, list[tuple[str, str, tuple[int, int], int]]] = {
    "xlvphc": [("bao_cao_csdl", "stage:ra_quyet_dinh", (0, 2), 4)],
    "qltt": [
        ("nhan_quyet_dinh", "document:quyet_dinh_xu_phat", (1, 2), 2),
        ("bao_cao_csdl", "document:quyet_dinh_xu_phat", (0, 2), 5),
    ],
    "an_hanh_chinh": [
        ("nhan_thong_bao_thu_ly", "document:thong_bao_thu_ly", (1, 3), 3),
        ("nhan_ban_an", "document:ban_an", (2, 4), 9),
    ],
    "thads": [("nhan_thong_bao", "document:thong_bao", (1, 3), 3)],
}
LATE_EVERY = 7  # one case in seven reports late, on purpose


def _source_day(item: DemoDossier, source: str) -> date | None:
    kind, _, code = source.partition(":")
    if kind == "stage":
        return item.key_dates.get(code)
    days = [d.issued_on for d in item.documents if d.kind == code and d.issued_on is not None]
    return min(days) if days else None


def load(archive: Archive, data: DemoDataset) -> None:
    calendar = calendars_for(archive).current()
    with archive.db.read() as conn:
        ids = {
            code: dossier_id
            for dossier_id, code in conn.execute(
                dossier_table.select().with_only_columns(dossier_table.c.id, dossier_table.c.code)
            )
        }
        users = account_rows.list_users(conn)
        units = {u.code: u.id for u in account_rows.list_units(conn)}
    for item in data.dossiers:
        dossier_id = ids.get(item.code)
        if dossier_id is None:
            continue
        official = next(
            (
                u
                for u in users
                if u.unit_id == units.get(item.unit_code) and u.role is Role.OFFICIAL
            ),
            None,
        ) or next(u for u in users if u.role is Role.ADMIN)
        actor = archive.actor(official)
        seed = zlib.crc32(item.code.encode())
        late = seed % LATE_EVERY == 0
        for event, source, (low, high), late_by in ENTERED.get(item.case_type, []):
            base = _source_day(item, source)
            if base is None:
                continue
            offset = late_by if late and event == "bao_cao_csdl" else low + seed % (high - low + 1)
            on = reckon(base, offset, Unit.WORKING_DAYS, calendar).due if offset else base
            if on > AS_OF:
                continue  # nothing in the demo happens after its last day
            enter_milestone(archive, actor, dossier_id, event, on, "Dữ liệu mẫu · demo")
