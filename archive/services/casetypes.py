"""Reading case types and storing administrators' changes as new versions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from archive.domain.errors import Invalid, case_type_exists, case_type_not_found
from archive.domain.events import Topic
from archive.domain.model import User
from archive.metadata import audit, outbox
from archive.metadata import casetypes as casetype_rows
from archive.services.context import Archive

_CODE = re.compile(r"^[a-z0-9_]{1,64}$")


def current(archive: Archive) -> list[dict[str, Any]]:
    with archive.db.read() as conn:
        return list(casetype_rows.current_definitions(conn).values())


def definition(archive: Archive, code: str, version: int | None) -> dict[str, Any] | None:
    with archive.db.read() as conn:
        if version is None:
            version = casetype_rows.current_versions(conn).get(code)
            if version is None:
                return None
        return casetype_rows.definition(conn, code, version)


def history(archive: Archive, code: str) -> list[casetype_rows.StoredVersion]:
    with archive.db.read() as conn:
        return casetype_rows.history(conn, code)


def save(
    archive: Archive, by: User, code: str, body: Mapping[str, Any], *, new: bool
) -> dict[str, Any]:
    """Store an administrator's definition as the next version of ``code``, made current:
    a ``new`` type must not exist yet, a changed one must. Both are decided in the write
    transaction, so two administrators adding one code at once get one type and a 409."""
    with archive.db.write() as conn:
        exists = casetype_rows.latest_version(conn, code) is not None
        if not new and not exists:
            raise case_type_not_found(code)
        if not _CODE.match(code) or body.get("code", code) != code:
            raise Invalid(
                "bad_case_type",
                "Mã loại hồ sơ phải gồm chữ thường không dấu, số, dấu gạch dưới, và trùng với "
                "mã trong địa chỉ.",
                "A case type code is lower-case letters, digits and underscores, and must "
                "match the code in the address.",
            )
        if new and exists:
            raise case_type_exists(code)
        try:
            number = casetype_rows.add_version(
                conn, code, dict(body), source=casetype_rows.ADMIN, by=by.id
            )
        except IntegrityError:  # PostgreSQL: the same new code committed meanwhile
            raise case_type_exists(code) from None
        audit.append(
            conn,
            actor_id=by.id,
            actor=by.username,
            action="case_type.change",
            object_type="case_type",
            object_id=code,
            detail={"version": number},
        )
        outbox.emit(conn, Topic.CASE_TYPE_CHANGED, {"code": code, "version": number})
        stored = casetype_rows.definition(conn, code, number)
    assert stored is not None
    return stored
