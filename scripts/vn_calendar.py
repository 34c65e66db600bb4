"""Write ``deadlines/calendar_vn.json``: the working-day calendar the archive ships with.

Run by a developer, never at run time: ``pip install holidays==0.109 && python
scripts/vn_calendar.py``. The ``holidays`` package gives the public holidays of each year
from the Labour Code (Tết and Hùng Kings' day from the Vietnamese lunar calendar, days off
in lieu, the swaps it knows of); the corrections below override it where the government's
notices say otherwise (it was seen wrong on the 2026 swaps and on 24/11). Everything is
written out day by day, so the calendar a deadline names never changes with a library
upgrade: the archive reads only the file, and an administrator corrects it through the API,
each correction a new calendar version.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import holidays  # type: ignore[import-not-found]
from holidays.countries.vietnam import VietnamStaticHolidays  # type: ignore[import-not-found]

FIRST, LAST = 2005, 2040
OUT = Path(__file__).resolve().parent.parent / "deadlines" / "calendar_vn.json"
LIBRARY = f"holidays {holidays.__version__}"


def _day(on: str, kind: str, vi: str, en: str, **extra: object) -> dict[str, object]:
    return {"date": on, "kind": kind, "name": {"vi": vi, "en": en}, **extra}


TET = ("Nghỉ Tết Nguyên Đán", "Lunar New Year holiday (Tết)")
NATIONAL = ("Quốc khánh", "National Day")
# What the government announced for 2026 (domain.md), where the library differs.
CORRECTIONS: list[dict[str, object]] = [
    _day(
        "2026-01-02",
        "off",
        "Nghỉ Tết Dương lịch (hoán đổi với Thứ Bảy 10/01)",
        "New Year holiday (swapped with Saturday 10/1)",
    ),
    _day("2026-01-10", "worked", "Làm bù cho Thứ Sáu 02/01", "Worked in place of Friday 2/1"),
    *(_day(f"2026-02-{d}", "off", *TET) for d in (14, 15, 16, 21, 22)),
    _day(
        "2026-04-27",
        "off",
        "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch vào Chủ nhật)",
        "Hùng Kings' day in lieu (10/3 lunar fell on a Sunday)",
    ),
    _day("2026-08-22", "worked", "Làm bù cho Thứ Hai 31/8", "Worked in place of Monday 31/8"),
    *(_day(f"2026-08-{d}", "off", *NATIONAL) for d in (29, 30, 31)),
    # Resolution 80-NQ/TW names 24/11 Vietnam Culture Day; whether it is a paid day off needs
    # the Labour Code amended. Until an administrator settles it, it stays a working day: a
    # deadline counted over it then falls a day early, never a day late.
    _day(
        "2026-11-24",
        "worked",
        "Ngày Văn hóa Việt Nam (chưa rõ có được nghỉ không)",
        "Vietnam Culture Day (whether it is a day off is unsettled)",
        unsettled=True,
    ),
]
CHECKED = {
    "2026": "Lịch nghỉ năm 2026 của cán bộ, công chức, viên chức theo thông báo của Chính phủ "
    "(domain.md) / the government's 2026 notices as listed in domain.md",
}


def _worked_swaps() -> dict[date, date]:
    """The Saturdays worked in place of a weekday off, from the library's own swap table."""
    swaps: dict[date, date] = {}
    for year, entries in VietnamStaticHolidays.special_public_holidays.items():
        rows = entries if isinstance(entries[0], tuple) else (entries,)
        for row in rows:
            month, day, from_month, from_day, *from_year = row
            swaps[date(from_year[0] if from_year else year, from_month, from_day)] = date(
                year, month, day
            )
    return swaps


def main() -> None:
    years = range(FIRST, LAST + 1)
    vi = holidays.Vietnam(years=years, language="vi")
    en = holidays.Vietnam(years=years, language="en_US")
    days: dict[str, dict[str, object]] = {}
    for day, name in sorted(vi.items()):
        days[day.isoformat()] = {
            "date": day.isoformat(),
            "kind": "off",
            "name": {"vi": name, "en": en[day]},
            "source": LIBRARY,
        }
    for worked, instead in sorted(_worked_swaps().items()):
        if FIRST <= worked.year <= LAST:
            days[worked.isoformat()] = {
                "date": worked.isoformat(),
                "kind": "worked",
                "name": {
                    "vi": f"Làm bù cho ngày {instead:%d/%m/%Y}",
                    "en": f"Worked in place of {instead.isoformat()}",
                },
                "source": LIBRARY,
            }
    for fix in CORRECTIONS:
        days[str(fix["date"])] = {**fix, "source": "domain.md (2026)"}
    for year in range(2027, LAST + 1):  # the library makes 24/11 a day off every year
        culture = f"{year}-11-24"
        if culture in days:
            days[culture] = {**days["2026-11-24"], "date": culture, "source": LIBRARY}
    # Weekend days named as holidays change nothing in counting, but the library marks some
    # estimated days; keep them, as the names tell a reader why a date is off.
    out = {
        "country": "VN",
        "first_year": FIRST,
        "last_year": LAST,
        "weekend": [5, 6],
        "basis": "Bộ luật Lao động 2019, Điều 112; thông báo nghỉ lễ, Tết hằng năm của Chính phủ",
        "generated_from": LIBRARY,
        "checked_years": CHECKED,
        "days": [days[k] for k in sorted(days)],
    }
    head = json.dumps({k: v for k, v in out.items() if k != "days"}, ensure_ascii=False, indent=1)
    lines = ",\n  ".join(json.dumps(d, ensure_ascii=False) for d in out["days"])  # type: ignore[union-attr]
    OUT.write_text(f'{head[:-2]},\n "days": [\n  {lines}\n ]\n}}\n', encoding="utf-8")
    print(f"{OUT}: {len(days)} days, {FIRST}–{LAST}")


if __name__ == "__main__":
    main()
