"""Slowing down password guessing: too many failed sign-ins lock a name or an address.

Counted per process, in memory: each API process of a scaled install keeps its own count,
which still bounds guessing to a few attempts a minute per process.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from archive.domain.errors import TooManyAttempts

WINDOW_SECONDS = 15 * 60
PER_USERNAME = 10
PER_ADDRESS = 50


class LoginThrottle:
    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        seen = self._failures.setdefault(key, deque())
        while seen and seen[0] < now - WINDOW_SECONDS:
            seen.popleft()
        return seen

    def check(self, username: str, address: str | None) -> None:
        """Refuse before the password is even checked when either limit is reached."""
        now = time.monotonic()
        with self._lock:
            blocked = len(self._recent(f"user:{username}", now)) >= PER_USERNAME or (
                address is not None and len(self._recent(f"ip:{address}", now)) >= PER_ADDRESS
            )
        if blocked:
            minutes = WINDOW_SECONDS // 60
            raise TooManyAttempts(
                "too_many_attempts",
                f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút hoặc liên hệ "
                "quản trị viên để đặt lại mật khẩu.",
                f"Too many failed sign-ins. Try again in {minutes} minutes or ask the "
                "administrator to reset the password.",
                retry_after_seconds=WINDOW_SECONDS,
            )

    def failed(self, username: str, address: str | None) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(f"user:{username}", now).append(now)
            if address is not None:
                self._recent(f"ip:{address}", now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username}", None)
