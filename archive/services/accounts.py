"""Units, user accounts, passwords (argon2), sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection

from archive.domain.errors import Conflict, Forbidden, Invalid, NotFound, Unauthenticated
from archive.domain.model import Unit, User
from archive.domain.roles import Role
from archive.domain.text import clean_text
from archive.domain.units import check_ending
from archive.metadata import accounts, audit
from archive.services import login_throttle
from archive.services.context import Actor, Archive, actor_in
from archive.services.passwords import check_password

_hasher = PasswordHasher()
# A fixed hash to verify against when the username is unknown, so the answer takes as long
# as for a real account and does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _bad_login() -> Unauthenticated:
    return Unauthenticated(
        "bad_credentials",
        "Tên đăng nhập hoặc mật khẩu không đúng.",
        "Wrong username or password.",
    )


def create_unit(
    archive: Archive,
    code: str,
    name: str,
    parent_code: str | None,
    *,
    by: User | None,
    valid_from: date | None = None,
) -> Unit:
    with archive.db.write() as conn:
        if accounts.unit_by_code(conn, code):
            raise Conflict(
                "unit_exists", f"Đã có đơn vị mã '{code}'.", f"Unit '{code}' already exists."
            )
        parent_id = unit_named(conn, parent_code).id if parent_code else None
        unit = accounts.add_unit(conn, code, clean_text(name, field="name"), parent_id, valid_from)
        audit.append(
            conn,
            actor_id=by.id if by else None,
            actor=by.username if by else "system",
            action="unit.create",
            object_type="unit",
            object_id=unit.id,
            unit_id=unit.id,
            detail={
                "code": code,
                "name": name,
                "parent": parent_code,
                "valid_from": valid_from.isoformat() if valid_from else None,
            },
        )
        return unit


def end_unit(
    archive: Archive,
    code: str,
    valid_to: date,
    successor_code: str | None,
    *,
    by: User | None,
) -> Unit:
    """A unit ends (dissolved, or merged into ``successor_code``): it keeps its dossiers,
    the successor's people may read them from then on, and statistics dated after the end
    count them under the successor."""
    with archive.db.write() as conn:
        unit = unit_named(conn, code)
        successor = unit_named(conn, successor_code) if successor_code else None
        check_ending(unit, valid_to, successor, {u.id: u for u in accounts.list_units(conn)})
        accounts.end_unit(conn, unit.id, valid_to, successor.id if successor else None)
        audit.append(
            conn,
            actor_id=by.id if by else None,
            actor=by.username if by else "system",
            action="unit.end",
            object_type="unit",
            object_id=unit.id,
            unit_id=unit.id,
            detail={"code": code, "valid_to": valid_to.isoformat(), "successor": successor_code},
        )
        ended = accounts.unit_by_id(conn, unit.id)
        assert ended is not None
        return ended


def unit_named(conn: Connection, code: str) -> Unit:
    """The unit of ``code``, or the refusal every caller gives when there is none."""
    unit = accounts.unit_by_code(conn, code)
    if unit is None:
        raise NotFound(
            "unit_not_found", f"Không có đơn vị mã '{code}'.", f"There is no unit '{code}'."
        )
    return unit


def create_user(
    archive: Archive,
    *,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    unit_code: str,
    by: User | None,
) -> User:
    check_password(password, username)
    password_hash = _hasher.hash(password)
    with archive.db.write() as conn:
        if accounts.user_with_hash(conn, username):
            raise Conflict(
                "user_exists",
                f"Đã có tài khoản '{username}'.",
                f"The account '{username}' already exists.",
            )
        unit = unit_named(conn, unit_code)
        user = accounts.add_user(
            conn, username, clean_text(full_name, field="full_name"), password_hash, role, unit.id
        )
        audit.append(
            conn,
            actor_id=by.id if by else None,
            actor=by.username if by else "system",
            action="user.create",
            object_type="user",
            object_id=user.id,
            unit_id=unit.id,
            detail={"username": username, "role": role.value},
        )
        return user


def grant_auditor(
    archive: Archive, user_id: int, unit_code: str, start: date, end: date, *, by: User | None
) -> User:
    if end < start:
        raise Invalid(
            "bad_period",
            "Ngày kết thúc phải sau ngày bắt đầu.",
            "The end date must not be before the start date.",
        )
    with archive.db.write() as conn:
        user = accounts.user_by_id(conn, user_id)
        unit = accounts.unit_by_code(conn, unit_code)
        if user is None or unit is None:
            raise NotFound(
                "not_found",
                "Không tìm thấy tài khoản hoặc đơn vị.",
                "Account or unit not found.",
            )
        if user.role is not Role.AUDITOR:
            raise Invalid(
                "not_auditor",
                "Chỉ cấp phạm vi kiểm tra cho tài khoản thanh tra, kiểm toán.",
                "Inspection scopes are granted to auditor accounts only.",
            )
        accounts.add_grant(conn, user_id, unit.id, start, end)
        audit.append(
            conn,
            actor_id=by.id if by else None,
            actor=by.username if by else "system",
            action="auditor.grant",
            object_type="user",
            object_id=user_id,
            unit_id=unit.id,
            detail={"unit": unit_code, "from": start.isoformat(), "to": end.isoformat()},
        )
        found = accounts.user_by_id(conn, user_id)
        assert found is not None
        return found


def login(
    archive: Archive, username: str, password: str, *, client: str | None
) -> tuple[User, str]:
    """Check the password and open a session; every attempt is in the audit trail, and
    too many failures for the name or the address refuse the next ones for a while."""
    with archive.db.read() as conn:
        had_failures = login_throttle.check(conn, username, client)
        found = accounts.user_with_hash(conn, username)
    stored_hash = found[1] if found else _DUMMY_HASH
    ok: bool
    try:
        ok = _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or found is None or not found[0].active:
        with archive.db.write() as conn:
            login_throttle.failed(conn, username, client)
            audit.append(
                conn,
                actor_id=found[0].id if found else None,
                actor=username[:64],
                action="login.failed",
                object_type="user",
                object_id=found[0].id if found else "-",
                detail={"client": client},
            )
        raise _bad_login()
    user = found[0]
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=archive.settings.session_hours)
    with archive.db.write() as conn:
        if had_failures:
            login_throttle.succeeded(conn, username)
        if _hasher.check_needs_rehash(stored_hash):
            accounts.set_password_hash(conn, user.id, _hasher.hash(password))
        accounts.add_token(conn, user.id, token_digest(token), "session", expires)
        audit.append(
            conn,
            actor_id=user.id,
            actor=user.username,
            action="login",
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            detail={"client": client},
        )
    return user, token


def create_api_token(archive: Archive, user: User, name: str) -> tuple[str, datetime]:
    name = clean_text(name, field="name", max_length=128)
    token = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(days=archive.settings.api_token_days)
    with archive.db.write() as conn:
        accounts.add_token(conn, user.id, token_digest(token), "api", expires, name=name)
        audit.append(
            conn,
            actor_id=user.id,
            actor=user.username,
            action="token.create",
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
            detail={"name": name, "expires": expires.isoformat()},
        )
    return token, expires


def authenticate(archive: Archive, token: str) -> Actor:
    """The person a token belongs to, with what they may read: one read transaction on
    every request."""
    with archive.db.read() as conn:
        user = accounts.user_for_token(conn, token_digest(token), datetime.now(UTC))
        actor = actor_in(conn, user) if user is not None else None
    if actor is None:
        raise Unauthenticated(
            "not_signed_in",
            "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Hãy đăng nhập lại.",
            "The session is not valid or has expired. Sign in again.",
        )
    return actor


def logout(archive: Archive, user: User, token: str) -> None:
    with archive.db.write() as conn:
        accounts.revoke_token(conn, token_digest(token))
        audit.append(
            conn,
            actor_id=user.id,
            actor=user.username,
            action="logout",
            object_type="user",
            object_id=user.id,
            unit_id=user.unit_id,
        )


def _account(conn: Connection, user_id: int) -> User:
    user = accounts.user_by_id(conn, user_id)
    if user is None:
        raise NotFound("user_not_found", "Không có tài khoản này.", "No such account.")
    return user


def deactivate(archive: Archive, user_id: int, *, by: User | None) -> User:
    """Lock an account; it is never deleted, so its actions stay in the audit trail.

    No one locks themselves out, and the last active administrator stays: otherwise one
    request could leave an installation that nobody can administer any more.
    """
    with archive.db.write() as conn:
        target = _account(conn, user_id)
        if by is not None and by.id == user_id:
            raise Forbidden(
                "cannot_deactivate_self",
                "Bạn không thể tự khóa tài khoản của mình; hãy nhờ quản trị viên khác.",
                "You cannot deactivate your own account; ask another administrator.",
            )
        if (
            target.role is Role.ADMIN
            and target.active
            and accounts.count_active(conn, Role.ADMIN) <= 1
        ):
            raise Conflict(
                "last_administrator",
                "Đây là quản trị viên cuối cùng còn hoạt động; hãy tạo hoặc mở khóa một "
                "quản trị viên khác trước khi khóa tài khoản này.",
                "This is the last active administrator; create or reactivate another "
                "administrator before deactivating this account.",
            )
        accounts.set_active(conn, user_id, False)
        audit.append(
            conn,
            actor_id=by.id if by else None,
            actor=by.username if by else "system",
            action="user.deactivate",
            object_type="user",
            object_id=user_id,
            unit_id=target.unit_id,
        )
        return _account(conn, user_id)


def activate(archive: Archive, user_id: int, *, by: User | None) -> User:
    """Reopen a locked account (its old sessions and tokens stay revoked by expiry only if
    they expired: locking does not delete them, so reactivation revokes them all)."""
    with archive.db.write() as conn:
        target = _account(conn, user_id)
        if not target.active:
            accounts.set_active(conn, user_id, True)
            # Sessions opened before the lock must not come back to life with the account.
            accounts.revoke_all_tokens(conn, user_id)
            audit.append(
                conn,
                actor_id=by.id if by else None,
                actor=by.username if by else "system",
                action="user.activate",
                object_type="user",
                object_id=user_id,
                unit_id=target.unit_id,
            )
        return _account(conn, user_id)


def tokens_of(archive: Archive, user_id: int) -> list[accounts.TokenInfo]:
    with archive.db.read() as conn:
        _account(conn, user_id)
        return accounts.tokens_of(conn, user_id)


def revoke_token(archive: Archive, user_id: int, token_id: int, *, by: User) -> None:
    """Revoke one of ``user_id``'s tokens (their own, or anyone's for an administrator;
    the route decides who may ask)."""
    with archive.db.write() as conn:
        target = _account(conn, user_id)
        if not accounts.revoke_token_id(conn, user_id, token_id):
            raise NotFound(
                "token_not_found",
                "Không có mã truy cập này, hoặc nó đã bị thu hồi.",
                "No such token, or it was already revoked.",
            )
        audit.append(
            conn,
            actor_id=by.id,
            actor=by.username,
            action="token.revoke",
            object_type="user",
            object_id=user_id,
            unit_id=target.unit_id,
            detail={"token_id": token_id},
        )


def acting_as(archive: Archive, username: str) -> Actor:
    """A command acting as the active account ``username``, with its rights and scope."""
    with archive.db.read() as conn:
        found = accounts.user_with_hash(conn, username)
    if found is None:
        raise NotFound(
            "user_not_found",
            f"Không có tài khoản '{username}'.",
            f"There is no account '{username}'.",
        )
    user = found[0]
    if not user.active:
        raise Forbidden(
            "account_inactive",
            f"Tài khoản '{username}' đang bị khóa.",
            f"The account '{username}' is deactivated.",
        )
    return archive.actor(user)
