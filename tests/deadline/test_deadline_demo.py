"""The demo, loaded as `archive serve --demo` loads it, reads as an office's deadlines:
decisions the generator made late on purpose are marked late, decisions are reported to
the national database (one in seven late), the open cases have overdue items, and a
reminder run finds them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from support.archives import Backend, open_backend

from archive.demo.dataset import AS_OF
from archive.demo.load import load_demo
from archive.metadata import dossiers as dossier_rows
from archive.metadata.schema import dossiers as dossier_table
from deadlines import tables
from deadlines.calendars import calendars_for
from deadlines.case_deadlines import current_case_type, facts_in
from deadlines.reminding import remind
from deadlines.timeline import Status, deadlines


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with open_backend("embedded", Path(tmp_path_factory.mktemp("demo"))) as backend:
        assert load_demo(backend.archive, progress=lambda _: None)
        yield backend


def statuses(backend: Backend, day: date) -> dict[tuple[str, str], Status]:
    archive = backend.archive
    calendar = calendars_for(archive).current()
    found = {}
    with archive.db.read() as conn:
        for (dossier_id,) in conn.execute(
            dossier_table.select().with_only_columns(dossier_table.c.id)
        ):
            dossier = dossier_rows.get(conn, dossier_id, None, whole=False)
            assert dossier is not None
            case_type = current_case_type(archive, dossier)
            for d in deadlines(
                case_type.deadlines, facts_in(conn, dossier, case_type), calendar, day
            ):
                found[(dossier.code, d.step)] = d.status
    return found


def test_the_demo_deadlines_read_as_an_office(demo: Backend) -> None:
    found = statuses(demo, AS_OF)
    counts = Counter(found.values())
    # the generator decides a few sanction cases late on purpose (9–12 working days)
    late = {
        code
        for (code, step), s in found.items()
        if step == "ra_quyet_dinh" and s is Status.MET_LATE
    }
    assert 1 <= len(late) <= 6
    decided = [k for k in found if k[1] == "ra_quyet_dinh" and k[0].startswith("XLVPHC")]
    reported = {k[0]: found[(k[0], "bao_cao_csdl")] for k in decided}
    assert set(reported.values()) <= {Status.MET, Status.MET_LATE}
    assert Status.MET_LATE in reported.values()
    assert counts[Status.MET] > counts[Status.MET_LATE] + counts[Status.OVERDUE]
    assert counts[Status.OVERDUE] >= 1
    # the events the demo entered are all on or before its last day, on every kind of case
    with demo.archive.db.read() as conn:
        entered = conn.execute(select(tables.milestones)).mappings().all()
    assert entered and max(m["on"] for m in entered) <= AS_OF
    assert {m["event"] for m in entered} >= {"bao_cao_csdl", "nhan_ban_an", "nhan_thong_bao"}


def test_a_reminder_run_over_the_demo_finds_its_open_items(demo: Backend) -> None:
    first = remind(demo.archive, date(2026, 11, 30))
    assert first.items >= 1 and first.added >= 1
    assert remind(demo.archive, date(2026, 11, 30)).added == 0


def test_the_demo_has_an_ordinary_morning_of_its_own_day(demo: Backend) -> None:
    """Five sanction cases dated back from the day the demo was loaded: two decisions due
    within the reminder thresholds (3 and 1 working days), one overdue, one decided late,
    one on time — and a reminder run that day reminds the two due and the overdue one."""
    from archive.services.dossiers import today
    from deadlines.demo import CURRENT

    day = today()
    found = {code: s for (code, step), s in statuses(demo, day).items() if step == "ra_quyet_dinh"}
    with demo.archive.db.read() as conn:
        current = {
            title: code
            for code, title in conn.execute(
                select(dossier_table.c.code, dossier_table.c.title).where(
                    dossier_table.c.title.in_([c[0] for c in CURRENT])
                )
            )
        }
    assert len(current) == len(CURRENT)
    got = [found[current[title]] for title, *_ in CURRENT]
    assert got == [
        Status.DUE_SOON,
        Status.DUE_SOON,
        Status.OVERDUE,
        Status.MET_LATE,
        Status.MET,
    ]
    remind(demo.archive, day)  # (a run earlier today may have made them already: once each)
    with demo.archive.db.read() as conn:
        reminded = conn.execute(
            select(tables.reminders.c.dossier_id, tables.reminders.c.threshold)
        ).all()
        ids = {
            code: i for i, code in conn.execute(select(dossier_table.c.id, dossier_table.c.code))
        }
    mine = {(i, t) for i, t in reminded if i in {ids[current[c[0]]] for c in CURRENT}}
    assert {t for _, t in mine} >= {"3", "1", "overdue"}
