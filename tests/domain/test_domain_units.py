"""Units change (the 2025 mergers): which unit stood for which on a day, and which ends
are refused."""

from __future__ import annotations

from datetime import date

import pytest

from archive.domain.errors import Conflict, Invalid
from archive.domain.model import Unit
from archive.domain.units import check_ending, standing_on

COMMUNE_A = Unit(1, "xa_a", "UBND xã A", None, None, date(2025, 6, 30), 3)
COMMUNE_B = Unit(2, "xa_b", "UBND xã B", None, None, date(2025, 6, 30), 3)
MERGED = Unit(3, "xa_ab", "UBND xã AB", None, date(2025, 7, 1), date(2026, 6, 30), 4)
LATER = Unit(4, "phuong", "UBND phường", None, date(2026, 7, 1))
DISSOLVED = Unit(5, "ban", "Ban đã giải thể", None, None, date(2024, 12, 31), None)
UNITS = (COMMUNE_A, COMMUNE_B, MERGED, LATER, DISSOLVED)


def test_a_unit_stands_for_itself_until_it_ends() -> None:
    on = standing_on(UNITS, date(2025, 6, 30))  # the last day of the old communes
    assert on == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}


def test_after_mergers_the_successor_stands_for_its_predecessors_chain_and_all() -> None:
    assert standing_on(UNITS, date(2025, 7, 1)) == {1: 3, 2: 3, 3: 3, 4: 4, 5: 5}
    assert standing_on(UNITS, date(2026, 7, 1)) == {1: 4, 2: 4, 3: 4, 4: 4, 5: 5}


def test_a_loop_in_stored_successors_does_not_hang() -> None:
    a = Unit(1, "a", "A", None, None, date(2020, 1, 1), 2)
    b = Unit(2, "b", "B", None, None, date(2020, 1, 1), 1)
    assert set(standing_on((a, b), date(2021, 1, 1)).values()) <= {1, 2}


def test_ends_that_would_leave_the_record_inconsistent_are_refused() -> None:
    by_id = {u.id: u for u in UNITS}
    open_unit = Unit(6, "mo", "Đơn vị", None, date(2020, 1, 1))
    with pytest.raises(Conflict) as ended:
        check_ending(COMMUNE_A, date(2025, 12, 31), LATER, by_id)
    assert ended.value.code == "unit_ended"
    with pytest.raises(Invalid) as early:
        check_ending(open_unit, date(2019, 12, 31), None, by_id)
    assert early.value.code == "bad_dates"
    with pytest.raises(Invalid) as not_yet:
        check_ending(open_unit, date(2026, 5, 31), LATER, by_id)  # LATER begins 1/7/2026
    assert not_yet.value.code == "successor_not_standing"
    with pytest.raises(Invalid) as gone:
        check_ending(open_unit, date(2025, 6, 30), DISSOLVED, by_id)
    assert gone.value.code == "successor_not_standing"
    with pytest.raises(Invalid) as itself:
        check_ending(open_unit, date(2026, 1, 31), open_unit, by_id)
    assert itself.value.code == "successor_cycle"
    check_ending(open_unit, date(2026, 6, 30), LATER, by_id)  # the day before LATER begins
    check_ending(open_unit, date(2026, 6, 30), None, by_id)  # dissolved
