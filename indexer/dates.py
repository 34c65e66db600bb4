"""Dates as people write them, turned into one token each so any spelling finds any other.

"26/5/2023", "26/05/2023", "26-5-2023", "26.5.2023" and "ngày 26 tháng 5 năm 2023" all
become ``d20230526``, and their month ``m202305``; "tháng 5 năm 2023" and "5/2023" are
``m202305``. Day before month, always (Vietnamese order). Impossible dates are not dates.
"""

from __future__ import annotations

import re
from datetime import date

from indexer.folding import fold

_SEP = r"\s*[/\-.]\s*"
_FULL = re.compile(rf"(?<!\d)(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})(?!\d)")
_WORDS = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})(?!\d)", re.IGNORECASE)
_MONTH_WORDS = re.compile(r"thang\s+(\d{1,2})\s+nam\s+(\d{4})(?!\d)", re.IGNORECASE)
_MONTH = re.compile(rf"(?<![\d/.\-])(\d{{1,2}}){_SEP}(\d{{4}})(?!\d)")


def _day(d: str, m: str, y: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _month(m: str, y: str) -> str | None:
    return f"m{int(y):04d}{int(m):02d}" if 1 <= int(m) <= 12 and int(y) >= 1000 else None


def date_tokens(text: str) -> list[str]:
    """The date and month tokens of every date written in ``text`` (NFC or folded)."""
    folded = fold(text)
    found: list[str] = []
    for pattern in (_FULL, _WORDS):
        for match in pattern.finditer(folded):
            day = _day(*match.groups())
            if day is not None:
                found += [f"d{day:%Y%m%d}", f"m{day:%Y%m}"]
    for pattern in (_MONTH_WORDS, _MONTH):
        for match in pattern.finditer(folded):
            month = _month(*match.groups())
            if month is not None:
                found.append(month)
    return list(dict.fromkeys(found))


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Where ``text`` (a query) writes a date or a month: (start, end, token), in order,
    not overlapping; a full date wins over the month inside it."""
    folded = fold(text)
    spans: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _ in spans)

    for pattern in (_WORDS, _FULL):
        for match in pattern.finditer(folded):
            day = _day(*match.groups())
            if day is not None and free(*match.span()):
                spans.append((*match.span(), f"d{day:%Y%m%d}"))
    for pattern in (_MONTH_WORDS, _MONTH):
        for match in pattern.finditer(folded):
            month = _month(*match.groups())
            if month is not None and free(*match.span()):
                spans.append((*match.span(), month))
    return sorted(spans)
