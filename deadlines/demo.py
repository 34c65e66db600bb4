"""The deadlines stage's part of the demo: the dated events an official would have entered
on the demo's cases (a decision received, reported to the national database, a judgment
delivered, a notice received), so their deadlines read as an office's would — mostly met,
a few late on purpose, the open ones overdue or running.

Dates derive from the papers and stages the demo already has, with offsets fixed by the
dossier's code, so the demo stays the same on every install.

The generated dossiers end on the demo's last day, so five sanction cases are added
dated back from the day the demo is loaded, in working days by the calendar: two whose
decision is due within the reminder thresholds, one overdue, one decided late and one on
time — what a clerk sees on an ordinary morning, and what a reminder run finds.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from archive.demo.dataset import AS_OF, DemoDataset, DemoDossier
from archive.domain.model import Party, PartyKind
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.metadata.schema import dossiers as dossier_table
from archive.services import dossiers as dossier_service
from archive.services.context import Archive
from deadlines.calendar import WorkCalendar
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
    _current_cases(archive, calendar, dossier_service.today())


# (title, violator, working days from the record to the day of loading, working days from
#  the record to the decision or None while undecided). The decision is due 7 working days
#  after the record (XLVPHC Art. 66): 4 back is due in 3, 6 back due tomorrow, 10 back
#  overdue, decided after 11 is late, after 5 on time.
CURRENT = (
    ("Xây dựng sai giấy phép tại số 12 đường Lê Công Thanh", "Trương Văn Khải", 4, None),
    ("Lấn chiếm vỉa hè để kinh doanh tại đường Biên Hòa", "Đinh Thị Nga", 6, None),
    ("Tập kết vật liệu xây dựng trên lòng đường Trần Phú", "Phạm Quốc Hưng", 10, None),
    ("Xây dựng không phép tại tổ dân phố 5, phường Lam Hạ", "Vũ Thị Lan Anh", 15, 11),
    ("Sửa chữa nhà ở làm hư hại công trình lân cận", "Ngô Minh Tuấn", 20, 5),
)


def _working_days_back(day: date, count: int, calendar: WorkCalendar) -> date:
    """The working day ``count`` working days before ``day`` (a working day itself)."""
    while not calendar.is_working(day):
        day -= timedelta(days=1)
    while count:
        day -= timedelta(days=1)
        if calendar.is_working(day):
            count -= 1
    return day


def _current_cases(archive: Archive, calendar: WorkCalendar, today: date) -> None:
    with archive.db.read() as conn:
        users = account_rows.list_users(conn)
        unit = account_rows.unit_by_code(conn, "qldt")
    official = next(
        (u for u in users if unit and u.unit_id == unit.id and u.role is Role.OFFICIAL), None
    )
    if unit is None or official is None or not calendar.covers(today):
        return
    actor = archive.actor(official)
    for number, (title, violator, back, decided_after) in enumerate(CURRENT, 1):
        recorded = _working_days_back(today, back, calendar)
        made = dossier_service.create(
            archive,
            actor,
            dossier_service.DossierDraft(
                case_type="xlvphc",
                title=title,
                field="xay_dung",
                opened_on=recorded,
                unit_code=unit.code,
                parties=(
                    Party(
                        role="violator",
                        kind=PartyKind.INDIVIDUAL,
                        name=violator,
                        id_number=f"0351900{number:05d}",
                        address="Phủ Lý, Hà Nam",
                    ),
                ),
                custom={"violation": title, "violation_place": "Phủ Lý, Hà Nam"},
            ),
        )
        dossier_service.move_stage(
            archive, actor, made.id, to_stage="lap_bien_ban", effective_on=recorded
        )
        if decided_after is not None:
            decided = reckon(recorded, decided_after, Unit.WORKING_DAYS, calendar).due
            dossier_service.move_stage(
                archive, actor, made.id, to_stage="ra_quyet_dinh", effective_on=decided
            )
