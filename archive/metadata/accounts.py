"""Rows of units, users, auditor grants and login tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from archive.domain.model import AuditorGrant, Unit, User
from archive.domain.roles import Role
from archive.metadata.schema import auditor_grants, auth_tokens, storable_id, units, users


def _unit(r: RowMapping) -> Unit:
    return Unit(
        id=r["id"],
        code=r["code"],
        name=r["name"],
        parent_id=r["parent_id"],
        valid_from=r["valid_from"],
        valid_to=r["valid_to"],
        successor_id=r["successor_id"],
    )


def add_unit(
    conn: Connection,
    code: str,
    name: str,
    parent_id: int | None,
    valid_from: date | None = None,
) -> Unit:
    new_id = conn.execute(
        insert(units)
        .values(
            code=code,
            name=name,
            parent_id=parent_id,
            valid_from=valid_from,
            created_at=datetime.now(UTC),
        )
        .returning(units.c.id)
    ).scalar_one()
    return Unit(new_id, code, name, parent_id, valid_from)


def end_unit(conn: Connection, unit_id: int, valid_to: date, successor_id: int | None) -> None:
    conn.execute(
        update(units)
        .where(units.c.id == unit_id)
        .values(valid_to=valid_to, successor_id=successor_id)
    )


def list_units(conn: Connection) -> list[Unit]:
    return [_unit(r) for r in conn.execute(select(units).order_by(units.c.id)).mappings()]


def unit_by_code(conn: Connection, code: str) -> Unit | None:
    row = conn.execute(select(units).where(units.c.code == code)).mappings().first()
    return _unit(row) if row else None


def unit_by_id(conn: Connection, unit_id: int) -> Unit | None:
    row = conn.execute(select(units).where(units.c.id == unit_id)).mappings().first()
    return _unit(row) if row else None


def unit_parents(conn: Connection) -> dict[int, int | None]:
    return {r.id: r.parent_id for r in conn.execute(select(units.c.id, units.c.parent_id))}


def unit_successors(conn: Connection) -> dict[int, int]:
    """Each ended unit's successor."""
    rows = conn.execute(
        select(units.c.id, units.c.successor_id).where(units.c.successor_id.is_not(None))
    )
    return {r.id: r.successor_id for r in rows}


def _grants(conn: Connection, user_id: int) -> tuple[AuditorGrant, ...]:
    rows = conn.execute(
        select(auditor_grants).where(auditor_grants.c.user_id == user_id)
    ).mappings()
    return tuple(AuditorGrant(r["unit_id"], r["period_from"], r["period_to"]) for r in rows)


def _user(conn: Connection, r: RowMapping) -> User:
    role = Role(r["role"])
    return User(
        id=r["id"],
        username=r["username"],
        full_name=r["full_name"],
        role=role,
        unit_id=r["unit_id"],
        active=r["active"],
        grants=_grants(conn, r["id"]) if role is Role.AUDITOR else (),
    )


def add_user(
    conn: Connection, username: str, full_name: str, password_hash: str, role: Role, unit_id: int
) -> User:
    new_id = conn.execute(
        insert(users)
        .values(
            username=username,
            full_name=full_name,
            password_hash=password_hash,
            role=role.value,
            unit_id=unit_id,
            active=True,
            created_at=datetime.now(UTC),
        )
        .returning(users.c.id)
    ).scalar_one()
    return User(new_id, username, full_name, role, unit_id)


def user_by_id(conn: Connection, user_id: int) -> User | None:
    if not storable_id(user_id):
        return None
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return _user(conn, row) if row else None


def user_with_hash(conn: Connection, username: str) -> tuple[User, str] | None:
    row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    return (_user(conn, row), row["password_hash"]) if row else None


def set_password_hash(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def set_active(conn: Connection, user_id: int, active: bool) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(active=active))


def count_active(conn: Connection, role: Role) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(users)
            .where(users.c.role == role.value, users.c.active.is_(True))
        ).scalar_one()
    )


def list_users(conn: Connection) -> list[User]:
    rows = conn.execute(select(users).order_by(users.c.id)).mappings().all()
    return [_user(conn, r) for r in rows]


def add_grant(conn: Connection, user_id: int, unit_id: int, start: date, end: date) -> None:
    conn.execute(
        insert(auditor_grants).values(
            user_id=user_id, unit_id=unit_id, period_from=start, period_to=end
        )
    )


def clear_grants(conn: Connection, user_id: int) -> None:
    conn.execute(delete(auditor_grants).where(auditor_grants.c.user_id == user_id))


def add_token(
    conn: Connection,
    user_id: int,
    token_hash: str,
    kind: str,
    expires_at: datetime,
    name: str | None = None,
) -> int:
    return int(
        conn.execute(
            insert(auth_tokens)
            .values(
                user_id=user_id,
                token_hash=token_hash,
                kind=kind,
                name=name,
                created_at=datetime.now(UTC),
                expires_at=expires_at,
            )
            .returning(auth_tokens.c.id)
        ).scalar_one()
    )


_TOKEN_USER = select(users, auth_tokens.c.expires_at, auth_tokens.c.revoked_at).join_from(
    auth_tokens, users, auth_tokens.c.user_id == users.c.id
)


def user_for_token(conn: Connection, token_hash: str, now: datetime) -> User | None:
    """The active user a live token belongs to; one query, as every request asks it."""
    row = conn.execute(_TOKEN_USER.where(auth_tokens.c.token_hash == token_hash)).mappings().first()
    if row is None or row["revoked_at"] is not None or not row["active"]:
        return None
    expires = row["expires_at"]
    if expires.tzinfo is None:  # SQLite returns naive UTC
        expires = expires.replace(tzinfo=UTC)
    if expires <= now:
        return None
    return _user(conn, row)


def revoke_token(conn: Connection, token_hash: str) -> None:
    conn.execute(
        update(auth_tokens)
        .where(auth_tokens.c.token_hash == token_hash, auth_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A session or API token as its owner sees it (never the token itself)."""

    id: int
    kind: str
    name: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def tokens_of(conn: Connection, user_id: int) -> list[TokenInfo]:
    rows = conn.execute(
        select(auth_tokens).where(auth_tokens.c.user_id == user_id).order_by(auth_tokens.c.id)
    ).mappings()
    return [
        TokenInfo(
            id=r["id"],
            kind=r["kind"],
            name=r["name"],
            created_at=r["created_at"],
            expires_at=r["expires_at"],
            revoked_at=r["revoked_at"],
        )
        for r in rows
    ]


def revoke_token_id(conn: Connection, user_id: int, token_id: int) -> bool:
    if not storable_id(token_id):
        return False
    result = conn.execute(
        update(auth_tokens)
        .where(
            auth_tokens.c.id == token_id,
            auth_tokens.c.user_id == user_id,
            auth_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC))
    )
    return bool(result.rowcount)


def revoke_all_tokens(conn: Connection, user_id: int) -> None:
    conn.execute(
        update(auth_tokens)
        .where(auth_tokens.c.user_id == user_id, auth_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
