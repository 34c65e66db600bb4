"""How many cases' whole sets of deadlines are computed per second.

    .venv/bin/python bench/deadline_rate.py [--cases 20000] [--seconds 5]

Pure computation (``deadlines.timeline.deadlines``), on one core, with the shipped calendar
and the built-in case types: synthetic cases of every type, each with the events a case
typically has by mid-way (an XLVPHC case with its record, an explanation and a decision
received; a lawsuit accepted with its notice; a THADS case whose voluntary period ran out),
dated across 2022–2026 so that Tết and the swapped days fall inside limits. Also times the
same with the whole database read (``archive remind``'s path is measured by bench/README's
remind figure separately). Prints cases/s, deadlines/s and µs per case.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

from archive.casetypes import builtin_definitions
from archive.domain.casetypes import CaseType, parse_case_type
from deadlines.calendar import calendar_from, shipped
from deadlines.timeline import CaseFacts, Occurrence, deadlines

SCENARIOS: dict[str, list[tuple[str, int]]] = {
    # event, days after the case's first day
    "xlvphc": [
        ("vi_pham", 0),
        ("phat_hien", 0),
        ("lap_bien_ban", 1),
        ("giai_trinh", 4),
        ("ra_quyet_dinh", 20),
        ("nhan_quyet_dinh", 23),
    ],
    "an_hanh_chinh": [("thu_ly", 0), ("nhan_thong_bao_thu_ly", 5), ("tuyen_an", 110)],
    "thads": [
        ("ban_an_hieu_luc", 0),
        ("nhan_don", 40),
        ("quyet_dinh_thi_hanh", 44),
        ("nhan_thong_bao", 50),
    ],
    "qltt": [("vi_pham", 0), ("phat_hien", 0), ("lap_bien_ban", 1), ("xac_minh", 6)],
}


def cases(n: int, types: dict[str, CaseType]) -> list[tuple[CaseType, CaseFacts, date]]:
    rng = random.Random(2026)
    out = []
    codes = sorted(types)
    for i in range(n):
        code = codes[i % len(codes)]
        first = date(2022, 1, 3) + timedelta(days=rng.randrange(0, 4 * 365 + 300))
        seen = [Occurrence(e, first + timedelta(days=d), "bench") for e, d in SCENARIOS[code]]
        as_of = first + timedelta(days=rng.randrange(1, 120))
        field = types[code].fields_of_law[rng.randrange(len(types[code].fields_of_law))].code
        out.append((types[code], CaseFacts(field, {}, seen), as_of))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    types = {raw["code"]: parse_case_type(raw) for raw in builtin_definitions()}
    calendar = calendar_from(1, shipped())
    work = cases(args.cases, types)
    for case_type, facts, as_of in work[:500]:  # warm up
        deadlines(case_type.deadlines, facts, calendar, as_of)
    done = counted = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for case_type, facts, as_of in work:
            counted += len(deadlines(case_type.deadlines, facts, calendar, as_of))
            done += 1
            if done % 1000 == 0 and time.perf_counter() - start >= args.seconds:
                break
    elapsed = time.perf_counter() - start
    print(f"cases: {done} in {elapsed:.2f} s on one core")
    print(f"  {done / elapsed:,.0f} cases/s (whole set each), {counted / elapsed:,.0f} deadlines/s")
    print(f"  {1e6 * elapsed / done:,.0f} µs per case, {counted / done:.1f} deadlines per case")


if __name__ == "__main__":
    main()
