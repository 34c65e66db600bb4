"""A case's deadlines from its facts, with the built-in case types and the shipped calendar,
at frozen days around Tết 2026 (14–22/2 off) and the swapped days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pytest

from archive.casetypes import builtin_definitions
from archive.domain.casetypes import CaseType, parse_case_type
from deadlines.calendar import WorkCalendar, calendar_from, shipped
from deadlines.counting import Unit
from deadlines.timeline import (
    Adjustment,
    CaseFacts,
    Deadline,
    Occurrence,
    Pause,
    Status,
    deadlines,
)


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return calendar_from(1, shipped())


def case_type(code: str) -> CaseType:
    return parse_case_type(next(r for r in builtin_definitions() if r["code"] == code))


XLVPHC = case_type("xlvphc")
THADS = case_type("thads")


def facts(
    *events: tuple[str, date],
    field: str = "giao_thong",
    custom: Mapping[str, object] | None = None,
    adjustments: tuple[Adjustment, ...] = (),
    pauses: tuple[Pause, ...] = (),
) -> CaseFacts:
    return CaseFacts(
        field_of_law=field,
        custom=custom or {},
        occurrences=[Occurrence(e, on, "test") for e, on in events],
        adjustments=adjustments,
        pauses=pauses,
    )


def step(found: list[Deadline], code: str) -> Deadline:
    return next(d for d in found if d.step == code)


def of(ct: CaseType, f: CaseFacts, as_of: date, calendar: WorkCalendar, code: str) -> Deadline:
    return step(deadlines(ct.deadlines, f, calendar, as_of), code)


RECORD = ("lap_bien_ban", date(2026, 2, 9))  # Monday before Tết


@pytest.mark.parametrize(
    ("as_of", "status", "days_left", "working_left"),
    [
        (date(2026, 2, 10), Status.ON_TIME, 15, 6),
        (date(2026, 2, 20), Status.DUE_SOON, 5, 3),  # Tết: 3 working days left (23–25/2)
        (date(2026, 2, 25), Status.DUE_SOON, 0, 0),
        (date(2026, 2, 26), Status.OVERDUE, -1, -1),
        (date(2026, 3, 2), Status.OVERDUE, -5, -3),
    ],
)
def test_the_decision_limit_runs_across_tet(
    calendar: WorkCalendar, as_of: date, status: Status, days_left: int, working_left: int
) -> None:
    d = of(XLVPHC, facts(RECORD), as_of, calendar, "ra_quyet_dinh")
    assert d.rule is not None and d.rule.code == "ra_quyet_dinh"
    assert "Điều 66" in d.rule.citation
    assert d.due == date(2026, 2, 25)
    assert (d.status, d.days_left, d.working_days_left) == (status, days_left, working_left)
    assert d.skipped_days == 9 and d.calendar_version == 1


def test_met_on_time_or_late(calendar: WorkCalendar) -> None:
    on_time = of(
        XLVPHC,
        facts(RECORD, ("ra_quyet_dinh", date(2026, 2, 25))),
        date(2026, 3, 5),
        calendar,
        "ra_quyet_dinh",
    )
    assert on_time.status is Status.MET and on_time.met is not None
    late = of(
        XLVPHC,
        facts(RECORD, ("ra_quyet_dinh", date(2026, 2, 27))),
        date(2026, 3, 5),
        calendar,
        "ra_quyet_dinh",
    )
    assert late.status is Status.MET_LATE and late.working_days_left == -2
    # asked as of a day before the decision, it was still running
    before = of(
        XLVPHC,
        facts(RECORD, ("ra_quyet_dinh", date(2026, 2, 27))),
        date(2026, 2, 24),
        calendar,
        "ra_quyet_dinh",
    )
    assert before.status is Status.DUE_SOON and before.met is None


@pytest.mark.parametrize(
    ("extra", "rule", "due"),
    [
        # the file went to the competent official: 10 working days
        (("chuyen_ho_so", date(2026, 2, 10)), "ra_quyet_dinh_chuyen_ho_so", date(2026, 3, 2)),
        # the violator explained: 1 month from the record, not from the explanation
        (("giai_trinh", date(2026, 2, 12)), "ra_quyet_dinh_giai_trinh", date(2026, 3, 9)),
        # facts verified: the same month
        (("xac_minh", date(2026, 2, 24)), "ra_quyet_dinh_giai_trinh", date(2026, 3, 9)),
    ],
)
def test_conditions_choose_the_limit(
    calendar: WorkCalendar, extra: tuple[str, date], rule: str, due: date
) -> None:
    d = of(XLVPHC, facts(RECORD, extra), date(2026, 2, 25), calendar, "ra_quyet_dinh")
    assert d.rule is not None and d.rule.code == rule
    assert d.due == due


def test_a_record_made_under_the_2012_text_keeps_its_limits(calendar: WorkCalendar) -> None:
    d = of(
        XLVPHC,
        facts(("lap_bien_ban", date(2021, 6, 1))),
        date(2021, 6, 3),
        calendar,
        "ra_quyet_dinh",
    )
    assert d.rule is not None and d.rule.code == "ra_quyet_dinh_2012"
    assert (d.due, d.unit) == (date(2021, 6, 8), Unit.DAYS)
    complex_case = of(
        XLVPHC,
        facts(("lap_bien_ban", date(2021, 6, 1)), custom={"complex_case": True}),
        date(2021, 6, 3),
        calendar,
        "ra_quyet_dinh",
    )
    assert complex_case.due == date(2021, 7, 1)


def test_closing_the_case_another_way_makes_the_limit_moot(calendar: WorkCalendar) -> None:
    d = of(
        XLVPHC,
        facts(RECORD, ("ket_thuc", date(2026, 2, 12))),
        date(2026, 3, 30),
        calendar,
        "ra_quyet_dinh",
    )
    assert d.status is Status.CANCELLED and d.ended_by is not None


def test_compliance_is_the_violators_period_from_receipt(calendar: WorkCalendar) -> None:
    received = ("nhan_quyet_dinh", date(2026, 2, 10))
    d = of(XLVPHC, facts(RECORD, received), date(2026, 2, 12), calendar, "chap_hanh")
    assert d.due == date(2026, 2, 23)  # 20/2 is in Tết
    assert d.status is Status.OPEN
    assert (
        of(XLVPHC, facts(RECORD, received), date(2026, 2, 24), calendar, "chap_hanh").status
        is Status.CLOSED
    )
    longer = of(
        XLVPHC,
        facts(RECORD, received, custom={"compliance_days": 30}),
        date(2026, 2, 12),
        calendar,
        "chap_hanh",
    )
    assert (longer.due, longer.amount, longer.notes) == (
        date(2026, 3, 12),
        30,
        ("amount_from_decision",),
    )


def test_the_limitation_period_depends_on_the_field(calendar: WorkCalendar) -> None:
    violation = ("vi_pham", date(2025, 2, 17))
    traffic = of(XLVPHC, facts(violation), date(2026, 1, 5), calendar, "thoi_hieu_xu_phat")
    assert traffic.due == date(2026, 2, 23)  # 17/2/2026 is the first day of Tết
    land = of(
        XLVPHC, facts(violation, field="dat_dai"), date(2026, 1, 5), calendar, "thoi_hieu_xu_phat"
    )
    assert land.due == date(2027, 2, 17)


def test_a_pause_stops_the_clock_and_it_resumes(calendar: WorkCalendar) -> None:
    record = ("lap_bien_ban", date(2026, 3, 2))  # 7 working days: due Wednesday 11/3
    assert of(XLVPHC, facts(record), date(2026, 3, 3), calendar, "ra_quyet_dinh").due == date(
        2026, 3, 11
    )
    open_pause = Pause(None, "tam_dinh_chi", date(2026, 3, 5), None, "khiếu nại")
    paused = of(
        XLVPHC, facts(record, pauses=(open_pause,)), date(2026, 3, 9), calendar, "ra_quyet_dinh"
    )
    assert paused.status is Status.PAUSED and paused.due is None
    # counted 3/3 and 4/3; stopped 5/3 to 9/3; resumes 10/3 with 5 left: 10–13/3, 16/3
    ended = Pause(None, "tam_dinh_chi", date(2026, 3, 5), date(2026, 3, 10), "khiếu nại")
    resumed = of(
        XLVPHC, facts(record, pauses=(ended,)), date(2026, 3, 10), calendar, "ra_quyet_dinh"
    )
    assert resumed.due == date(2026, 3, 16) and resumed.pauses == (ended,)


def test_an_extension_and_an_override(calendar: WorkCalendar) -> None:
    explained = (RECORD, ("giai_trinh", date(2026, 2, 12)))
    extension = Adjustment(
        "ra_quyet_dinh", "extension", "phức tạp", "Chủ tịch UBND", 2, Unit.MONTHS
    )
    d = of(
        XLVPHC,
        facts(*explained, adjustments=(extension,)),
        date(2026, 3, 5),
        calendar,
        "ra_quyet_dinh",
    )
    assert d.due == date(2026, 4, 9) and d.by_rule is not None
    assert d.by_rule.due == date(2026, 3, 9)
    fixed = Adjustment(
        "ra_quyet_dinh", "override", "quyết định ghi hạn khác", due=date(2026, 3, 20)
    )
    o = of(
        XLVPHC, facts(*explained, adjustments=(fixed,)), date(2026, 3, 5), calendar, "ra_quyet_dinh"
    )
    assert o.due == date(2026, 3, 20)


def test_a_step_started_again_counts_from_its_latest_start(calendar: WorkCalendar) -> None:
    again = facts(RECORD, ("lap_bien_ban", date(2026, 3, 2)))
    d = of(XLVPHC, again, date(2026, 3, 3), calendar, "ra_quyet_dinh")
    assert d.start.on == date(2026, 3, 2) and d.due == date(2026, 3, 11)


def test_verification_starts_when_the_voluntary_period_ran_out(calendar: WorkCalendar) -> None:
    notified = ("nhan_thong_bao", date(2025, 12, 1))  # 10 days: Thursday 11/12
    before = deadlines(THADS.deadlines, facts(notified), calendar, date(2025, 12, 10))
    assert [d.step for d in before] == ["tu_nguyen_thi_hanh"]
    after = deadlines(THADS.deadlines, facts(notified), calendar, date(2025, 12, 15))
    verify = step(after, "xac_minh")
    assert verify.start.on == date(2025, 12, 11)
    assert verify.due == date(2025, 12, 22)  # 21/12 is a Sunday
    complied = facts(notified, ("tu_nguyen_xong", date(2025, 12, 5)))
    assert [d.step for d in deadlines(THADS.deadlines, complied, calendar, date(2025, 12, 15))] == [
        "tu_nguyen_thi_hanh"
    ]


def test_the_2025_law_gap_is_said_not_silent(calendar: WorkCalendar) -> None:
    found = deadlines(
        THADS.deadlines, facts(("nhan_don", date(2026, 7, 15))), calendar, date(2026, 7, 20)
    )
    d = step(found, "ra_quyet_dinh_thi_hanh")
    assert d.status is Status.NO_RULE and d.due is None
    assert d.gap is not None and "106/2025/QH15" in d.gap.note_vi
    old = deadlines(
        THADS.deadlines, facts(("nhan_don", date(2026, 6, 29))), calendar, date(2026, 7, 2)
    )
    assert step(old, "ra_quyet_dinh_thi_hanh").due == date(2026, 7, 6)  # 2008 law: 5 wd


def test_a_step_past_the_calendar_says_why_and_the_rest_still_count(
    calendar: WorkCalendar,
) -> None:
    late = facts(("lap_bien_ban", date(2040, 12, 28)), ("vi_pham", date(2039, 6, 1)))
    found = deadlines(XLVPHC.deadlines, late, calendar, date(2040, 12, 30))
    beyond = step(found, "ra_quyet_dinh")
    assert beyond.status is Status.NO_RULE and beyond.gap is not None
    assert "2041" in beyond.gap.note_vi
    limitation = step(found, "thoi_hieu_xu_phat")  # 1/6/2040 is a Friday
    assert (limitation.due, limitation.status) == (date(2040, 6, 1), Status.OVERDUE)


def _one_rule(amount: int, unit: str) -> CaseType:
    raw = next(r for r in builtin_definitions() if r["code"] == "xlvphc")
    raw = {
        **raw,
        "deadlines": [
            {
                "code": "han",
                "name": {"vi": "Hạn", "en": "Limit"},
                "start": "lap_bien_ban",
                "end": ["ra_quyet_dinh"],
                "amount": amount,
                "unit": unit,
                "citation": "thử",
                "in_force": {"from": "2020-01-01"},
            }
        ],
        "deadline_gaps": [],
        "statistics": {},
    }
    return parse_case_type(raw)


def test_two_pauses_in_working_days_count_only_the_days_between(calendar: WorkCalendar) -> None:
    """10 working days from Monday 2/3: 3/3, then stopped 4–8/3, 9–13 and 16/3, stopped
    17/3, then 18, 19, 20/3."""
    first = Pause(None, "tam_dinh_chi", date(2026, 3, 4), date(2026, 3, 9), "lần 1")
    second = Pause(None, "tam_dinh_chi", date(2026, 3, 17), date(2026, 3, 18), "lần 2")
    ct = _one_rule(10, "working_days")
    d = of(
        ct,
        facts(("lap_bien_ban", date(2026, 3, 2)), pauses=(first, second)),
        date(2026, 3, 19),
        calendar,
        "han",
    )
    assert d.due == date(2026, 3, 20)
    assert d.pauses == (first, second)


def test_a_pause_moves_the_last_day_by_count_not_the_day_it_was_moved_to(
    calendar: WorkCalendar,
) -> None:
    """30 days from 15/1 end on 14/2, in Tết: due 23/2. Two days stopped move the last day
    by count to 16/2, still in Tết: still due 23/2."""
    ct = _one_rule(30, "days")
    start = ("lap_bien_ban", date(2026, 1, 15))
    assert of(ct, facts(start), date(2026, 1, 16), calendar, "han").due == date(2026, 2, 23)
    two = Pause(None, "hoan_thi_hanh", date(2026, 1, 20), date(2026, 1, 22), "hoãn")
    assert of(ct, facts(start, pauses=(two,)), date(2026, 1, 30), calendar, "han").due == date(
        2026, 2, 23
    )


def test_a_pause_from_the_first_day_counts(calendar: WorkCalendar) -> None:
    ct = _one_rule(7, "working_days")
    pause = Pause(None, "tam_dinh_chi", date(2026, 3, 2), date(2026, 3, 5), "ngay từ đầu")
    d = of(
        ct,
        facts(("lap_bien_ban", date(2026, 3, 2)), pauses=(pause,)),
        date(2026, 3, 6),
        calendar,
        "han",
    )
    assert d.due == date(2026, 3, 13)  # 5, 6, 9, 10, 11, 12, 13
