"""Case type definitions kept as data, every version of each.

A changed definition is a new version, never an edit: a dossier keeps the version it was
opened under. Built-in types ship as JSON in ``archive/casetypes``; ``archive migrate``
adds a changed built-in as a new version, and makes it current unless an administrator
has edited that type since (their version is then kept, and the upgrade reported).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from archive.casetypes import builtin_definitions
from archive.domain.casetypes import parse_case_type
from archive.metadata.schema import case_type_versions, case_types

BUILTIN = "builtin"
ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class StoredVersion:
    code: str
    version: int
    definition: dict[str, Any]
    source: str
    created_at: datetime
    created_by: int | None
    current: bool


def _canonical(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The definition without its version number, for telling real changes apart."""
    return {k: v for k, v in definition.items() if k != "version"}


def latest_version(conn: Connection, code: str) -> int | None:
    """The highest stored version of ``code``; None for a type never stored."""
    last = conn.execute(
        select(func.max(case_type_versions.c.version)).where(case_type_versions.c.code == code)
    ).scalar_one()
    return None if last is None else int(last)


def add_version(
    conn: Connection,
    code: str,
    definition: Mapping[str, Any],
    *,
    source: str,
    by: int | None,
    make_current: bool = True,
) -> int:
    """Store ``definition`` as the next version of ``code`` (creating the type if new)."""
    now = datetime.now(UTC)
    last = latest_version(conn, code)
    number = int(last or 0) + 1
    stored = {**definition, "code": code, "version": number}
    parse_case_type(stored)  # refuse a broken definition before it is stored
    if last is None:
        conn.execute(insert(case_types).values(code=code, current_version=number, updated_at=now))
    conn.execute(
        insert(case_type_versions).values(
            code=code,
            version=number,
            definition=stored,
            source=source,
            created_at=now,
            created_by=by,
        )
    )
    if make_current and last is not None:
        conn.execute(
            update(case_types)
            .where(case_types.c.code == code)
            .values(current_version=number, updated_at=now)
        )
    return number


def seed_builtins(conn: Connection) -> list[str]:
    """Load new built-in types and upgrade changed ones; returns what was done, one line
    per type (for ``archive migrate`` to print)."""
    done = []
    for raw in builtin_definitions():
        parse_case_type(raw)
        code = str(raw["code"])
        versions = history(conn, code)
        if not versions:
            add_version(conn, code, raw, source=BUILTIN, by=None)
            done.append(f"{code}: loaded")
            continue
        last_builtin = next((v for v in reversed(versions) if v.source == BUILTIN), None)
        if last_builtin is not None and _canonical(last_builtin.definition) == _canonical(raw):
            continue
        current = next(v for v in versions if v.current)
        edited = current.source != BUILTIN
        number = add_version(conn, code, raw, source=BUILTIN, by=None, make_current=not edited)
        if edited:
            done.append(
                f"{code}: built-in definition changed, stored as version {number}; the "
                f"administrators' version {current.version} stays current — review and merge"
            )
        else:
            done.append(f"{code}: upgraded to version {number}")
    return done


def history(conn: Connection, code: str) -> list[StoredVersion]:
    current = conn.execute(
        select(case_types.c.current_version).where(case_types.c.code == code)
    ).scalar_one_or_none()
    rows = conn.execute(
        select(case_type_versions)
        .where(case_type_versions.c.code == code)
        .order_by(case_type_versions.c.version)
    ).mappings()
    return [
        StoredVersion(
            code=r["code"],
            version=r["version"],
            definition=dict(r["definition"]),
            source=r["source"],
            created_at=r["created_at"],
            created_by=r["created_by"],
            current=r["version"] == current,
        )
        for r in rows
    ]


def current_versions(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(case_types.c.code, case_types.c.current_version)).all()
    return {r.code: int(r.current_version) for r in rows}


def definition(conn: Connection, code: str, version: int) -> dict[str, Any] | None:
    found = conn.execute(
        select(case_type_versions.c.definition).where(
            case_type_versions.c.code == code, case_type_versions.c.version == version
        )
    ).scalar_one_or_none()
    return dict(found) if found is not None else None


def current_definitions(conn: Connection) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        select(case_type_versions.c.code, case_type_versions.c.definition)
        .join(
            case_types,
            (case_types.c.code == case_type_versions.c.code)
            & (case_types.c.current_version == case_type_versions.c.version),
        )
        .order_by(case_type_versions.c.code)
    ).all()
    return {r.code: dict(r.definition) for r in rows}
