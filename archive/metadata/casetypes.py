"""Case type definitions kept as data in the metadata store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from archive.casetypes import builtin_definitions
from archive.domain.casetypes import CaseType, parse_case_type
from archive.metadata.schema import case_types


def seed_builtins(conn: Connection) -> list[str]:
    """Load the built-in case types that are not in the store yet; never overwrite edits."""
    present = set(conn.execute(select(case_types.c.code)).scalars())
    added = []
    for raw in builtin_definitions():
        parse_case_type(raw)  # refuse a broken definition before it is stored
        if raw["code"] in present:
            continue
        conn.execute(
            insert(case_types).values(
                code=raw["code"],
                version=int(raw.get("version", 1)),
                definition=raw,
                builtin=True,
                updated_at=datetime.now(UTC),
            )
        )
        added.append(str(raw["code"]))
    return added


def all_definitions(conn: Connection) -> dict[str, dict[str, Any]]:
    rows = conn.execute(select(case_types.c.code, case_types.c.definition)).all()
    return {r.code: r.definition for r in rows}


def load(conn: Connection) -> dict[str, CaseType]:
    return {code: parse_case_type(raw) for code, raw in all_definitions(conn).items()}
