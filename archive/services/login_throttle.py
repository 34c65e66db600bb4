"""Slowing down password guessing: too many failed sign-ins lock a name or an address.

Failures are rows in the metadata store, so the count holds across server processes, web
nodes and restarts: restarting the server or asking another node buys a guesser nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select

from archive.domain.errors import TooManyAttempts
from archive.metadata.schema import login_failures

WINDOW = timedelta(minutes=15)
PER_USERNAME = 10
PER_ADDRESS = 50


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"user:{username.lower()[:64]}", PER_USERNAME)]
    if address is not None:
        keys.append((f"ip:{address[:64]}", PER_ADDRESS))
    return keys


def check(conn: Connection, username: str, address: str | None) -> bool:
    """Refuse before the password is even checked when either limit is reached; otherwise
    whether the name has failures to clear after a successful sign-in."""
    since = datetime.now(UTC) - WINDOW
    keys = _keys(username, address)
    counts: dict[str, int] = {
        str(key): int(count)
        for key, count in conn.execute(
            select(login_failures.c.key, func.count())
            .where(login_failures.c.key.in_([k for k, _ in keys]), login_failures.c.at > since)
            .group_by(login_failures.c.key)
        )
    }
    if any(counts.get(key, 0) >= limit for key, limit in keys):
        minutes = int(WINDOW.total_seconds() // 60)
        raise TooManyAttempts(
            "too_many_attempts",
            f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút hoặc liên hệ "
            "quản trị viên để đặt lại mật khẩu.",
            f"Too many failed sign-ins. Try again in {minutes} minutes or ask the "
            "administrator to reset the password.",
            retry_after_seconds=int(WINDOW.total_seconds()),
        )
    return counts.get(keys[0][0], 0) > 0


def failed(conn: Connection, username: str, address: str | None) -> None:
    now = datetime.now(UTC)
    conn.execute(
        insert(login_failures), [{"key": k, "at": now} for k, _ in _keys(username, address)]
    )
    # Old failures no longer count; dropping them keeps the table a window's worth.
    conn.execute(delete(login_failures).where(login_failures.c.at < now - WINDOW))


def succeeded(conn: Connection, username: str) -> None:
    key, _ = _keys(username, None)[0]
    conn.execute(delete(login_failures).where(login_failures.c.key == key))
