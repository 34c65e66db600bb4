"""Amounts of money written in Vietnamese words, as decisions write them ("Bằng chữ: …").

The formal reading: three-digit groups with nghìn, triệu, tỷ (and nghìn tỷ…); inside a
group that is not the first, the hundreds are always read ("không trăm") and an empty tens
place before a unit is "linh"; "mười" for ten, "mốt" for a final one after twenty, "lăm"
for a final five after ten. Groups that are zero are left out.
"""

from __future__ import annotations

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu")


def _three(number: int, leading: bool) -> list[str]:
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    words: list[str] = []
    if hundreds or not leading:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if ones:
            if words:
                words.append("linh")
            words.append(_DIGITS[ones])
        return words
    words += ["mười"] if tens == 1 else [_DIGITS[tens], "mươi"]
    if ones == 1 and tens >= 2:
        words.append("mốt")
    elif ones == 5:
        words.append("lăm")
    elif ones:
        words.append(_DIGITS[ones])
    return words


def _below_billion(number: int, leading: bool) -> list[str]:
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        first = leading and not words
        words += _three(group, first)
        if _GROUPS[index]:
            words.append(_GROUPS[index])
    return words


def _words(number: int, leading: bool = True) -> list[str]:
    billions, rest = divmod(number, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += [*_words(billions, leading), "tỷ"]
    if rest:
        words += _below_billion(rest, leading and not words)
    return words


def in_words(number: int) -> str:
    """``1005000`` → ``"một triệu không trăm linh năm nghìn"``."""
    if number < 0:
        return "âm " + in_words(-number)
    if number == 0:
        return "không"
    return " ".join(_words(number))


def dong_in_words(amount: int) -> str:
    """``7500000`` → ``"Bảy triệu năm trăm nghìn đồng"``."""
    text = in_words(amount)
    return text[0].upper() + text[1:] + " đồng"


def dong(amount: int) -> str:
    """``7500000`` → ``"7.500.000 đồng"``."""
    return f"{amount:,}".replace(",", ".") + " đồng"
