"""What a password must be: long, not blank, not the name, not one everybody tries first.

The list of common passwords is zxcvbn's (30,000 most used, from leaked collections), with
the Vietnamese ones offices meet added here; a password is refused when it is on the list
outright or is a listed word followed by digits and signs ("password2024!", "matkhau123").
"""

from __future__ import annotations

import re
from functools import lru_cache

from archive.domain.errors import Invalid

MIN_LENGTH = 12
# Passwords Vietnamese offices are known to use, beside the international lists.
VIETNAMESE_COMMON = frozenset(
    {
        "matkhau",
        "mat-khau",
        "matkhaumoi",
        "quantri",
        "quantrivien",
        "quantrihethong",
        "ubnd",
        "ubndtinh",
        "ubndhuyen",
        "ubndxa",
        "vanthu",
        "lanhdao",
        "chuyenvien",
        "thanhtra",
        "vietnam",
        "hanoi",
        "saigon",
        "anhyeuem",
        "emyeuanh",
        "conganhuyen",
        "congan",
        "tuphap",
        "hoso",
        "luutru",
        "abc@123",
        "admin@123",
        "123456a@",
        "qwerty@123",
    }
)
_TAIL = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | VIETNAMESE_COMMON


def _weak(vi: str, en: str) -> Invalid:
    return Invalid("weak_password", vi, en, min_length=MIN_LENGTH)


def check_password(password: str, username: str | None = None) -> None:
    """Refuse a password an attacker would guess, saying what to choose instead."""
    if len(password) < MIN_LENGTH:
        raise _weak(
            f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự. Một câu ngắn dễ nhớ là lựa chọn tốt, "
            "ví dụ 'Ho so luu tru 2025!'.",
            f"The password needs at least {MIN_LENGTH} characters. A short sentence you "
            "remember is a good choice.",
        )
    if not password.strip():
        raise _weak(
            "Mật khẩu không được chỉ gồm khoảng trắng.",
            "The password cannot be only spaces.",
        )
    lowered = password.lower().strip()
    if username and (
        username.lower() == lowered or (len(username) >= 3 and username.lower() in lowered)
    ):
        raise _weak(
            "Mật khẩu không được chứa tên đăng nhập.",
            "The password cannot contain the user name.",
        )
    stem = _TAIL.sub("", lowered)
    common = common_passwords()
    if (
        lowered in common
        or (len(stem) >= 4 and stem in common)
        or not stem  # only digits and signs: "123456789012"
        or _repeats(lowered)  # "abcabcabcabc"
    ):
        raise _weak(
            "Mật khẩu này quá phổ biến, kẻ dò mật khẩu sẽ thử nó đầu tiên. Hãy chọn mật khẩu "
            "khác, ví dụ một câu ngắn dễ nhớ.",
            "This password is too common: it is among the first an attacker tries. Choose "
            "another, for example a short sentence you remember.",
        )


def _repeats(text: str) -> bool:
    """A short piece said over and over."""
    return any(len(text) % n == 0 and text == text[:n] * (len(text) // n) for n in range(1, 5))
