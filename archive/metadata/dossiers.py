"""Rows of dossiers and their shares, with access resolved inside the query."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    and_,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from archive.domain.access import Scope
from archive.domain.casetypes import parse_parties
from archive.domain.model import Dossier, Party, Retention, StageEvent
from archive.domain.roles import Role
from archive.metadata.schema import dossier_events, dossier_shares, dossiers, storable_id


def visible(scope: Scope) -> ColumnElement[bool]:
    """The SQL condition for 'this user may read this dossier'."""
    if scope.everything:
        return true()
    if scope.role is Role.AUDITOR:
        if not scope.grants:
            return false()
        return or_(
            *(
                and_(
                    dossiers.c.unit_id.in_(g.unit_ids),
                    dossiers.c.opened_on >= g.period_from,
                    dossiers.c.opened_on <= g.period_to,
                )
                for g in scope.grants
            )
        )
    shared = select(dossier_shares.c.dossier_id).where(dossier_shares.c.unit_id.in_(scope.unit_ids))
    return or_(dossiers.c.unit_id.in_(scope.unit_ids), dossiers.c.id.in_(shared))


def _party_json(p: Party) -> dict[str, Any]:
    return {
        "role": p.role,
        "kind": p.kind.value,
        "name": p.name,
        "id_number": p.id_number,
        "address": p.address,
    }


def _dossier(r: RowMapping, shared_with: tuple[int, ...], stage_dates: dict[str, date]) -> Dossier:
    return Dossier(
        id=r["id"],
        code=r["code"],
        title=r["title"],
        case_type=r["case_type"],
        unit_id=r["unit_id"],
        field=r["field"],
        stage=r["stage"],
        retention=Retention(r["retention"]),
        opened_on=r["opened_on"],
        closed_on=r["closed_on"],
        parties=parse_parties(r["parties"]),
        key_dates=stage_dates,
        custom=dict(r["custom"] or {}),
        created_by=r["created_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        shared_with=shared_with,
        case_type_version=r["case_type_version"],
    )


def _shares(conn: Connection, dossier_ids: list[int]) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    if dossier_ids:
        rows = conn.execute(
            select(dossier_shares.c.dossier_id, dossier_shares.c.unit_id).where(
                dossier_shares.c.dossier_id.in_(dossier_ids)
            )
        )
        for row in rows:
            found.setdefault(row.dossier_id, []).append(row.unit_id)
    return {k: tuple(sorted(v)) for k, v in found.items()}


def _stage_dates(conn: Connection, dossier_ids: list[int]) -> dict[int, dict[str, date]]:
    """For each dossier, the date each stage it entered took effect (the latest entry)."""
    found: dict[int, dict[str, date]] = {}
    if dossier_ids:
        rows = conn.execute(
            select(
                dossier_events.c.dossier_id,
                dossier_events.c.to_stage,
                dossier_events.c.effective_on,
            )
            .where(dossier_events.c.dossier_id.in_(dossier_ids))
            .order_by(dossier_events.c.id)
        )
        for row in rows:
            found.setdefault(row.dossier_id, {})[row.to_stage] = row.effective_on
    return found


@dataclass(frozen=True, slots=True)
class NewDossier:
    code: str
    title: str
    case_type: str
    case_type_version: int
    unit_id: int
    field: str
    stage: str
    retention: Retention
    opened_on: date
    closed_on: date | None
    parties: tuple[Party, ...]
    custom: Mapping[str, object]
    created_by: int


def add(conn: Connection, d: NewDossier) -> int:
    now = datetime.now(UTC)
    return int(
        conn.execute(
            insert(dossiers)
            .values(
                code=d.code,
                title=d.title,
                case_type=d.case_type,
                case_type_version=d.case_type_version,
                unit_id=d.unit_id,
                field=d.field,
                stage=d.stage,
                retention=d.retention.value,
                opened_on=d.opened_on,
                closed_on=d.closed_on,
                parties=[_party_json(p) for p in d.parties],
                custom=dict(d.custom),
                created_by=d.created_by,
                created_at=now,
                updated_at=now,
            )
            .returning(dossiers.c.id)
        ).scalar_one()
    )


def code_taken(conn: Connection, code: str) -> bool:
    return conn.execute(select(dossiers.c.id).where(dossiers.c.code == code)).first() is not None


def next_sequence(conn: Connection, prefix: str) -> int:
    """One more than the highest number used after ``prefix`` (codes typed by hand count)."""
    codes = conn.execute(
        select(dossiers.c.code).where(dossiers.c.code.startswith(prefix, autoescape=True))
    ).scalars()
    numbers = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
    return max(numbers, default=0) + 1


def get(
    conn: Connection, dossier_id: int, scope: Scope | None, *, whole: bool = True
) -> Dossier | None:
    """One dossier (within ``scope`` if given). ``whole=False`` leaves out its shares and
    stage dates: enough for checking rights and case type, one query instead of three."""
    if not storable_id(dossier_id):
        return None
    query = select(dossiers).where(dossiers.c.id == dossier_id)
    if scope is not None:
        query = query.where(visible(scope))
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    if not whole:
        return _dossier(row, (), {})
    return _dossier(
        row,
        _shares(conn, [dossier_id]).get(dossier_id, ()),
        _stage_dates(conn, [dossier_id]).get(dossier_id, {}),
    )


@dataclass(frozen=True, slots=True)
class DossierFilter:
    unit_id: int | None = None
    case_type: str | None = None
    field: str | None = None
    stage: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    text: str | None = None  # matched against code and title (a substring, any case)
    # Dossiers the full-text search found for ``text`` (None: no search stage installed).
    text_matches: frozenset[int] | None = None


def search(
    conn: Connection, scope: Scope, flt: DossierFilter, *, limit: int, offset: int
) -> tuple[list[Dossier], int]:
    conditions: list[ColumnElement[bool]] = [visible(scope)]
    if flt.unit_id is not None:
        if not storable_id(flt.unit_id):
            return [], 0
        conditions.append(dossiers.c.unit_id == flt.unit_id)
    if flt.case_type:
        conditions.append(dossiers.c.case_type == flt.case_type)
    if flt.field:
        conditions.append(dossiers.c.field == flt.field)
    if flt.stage:
        conditions.append(dossiers.c.stage == flt.stage)
    if flt.opened_from:
        conditions.append(dossiers.c.opened_on >= flt.opened_from)
    if flt.opened_to:
        conditions.append(dossiers.c.opened_on <= flt.opened_to)
    if flt.text:
        words = flt.text.lower()
        matched = [
            func.lower(dossiers.c.code).contains(words, autoescape=True),
            func.lower(dossiers.c.title).contains(words, autoescape=True),
        ]
        if flt.text_matches:
            matched.append(dossiers.c.id.in_(sorted(flt.text_matches)))
        conditions.append(or_(*matched))
    where = and_(*conditions)
    total = conn.execute(select(func.count()).select_from(dossiers).where(where)).scalar_one()
    rows = (
        conn.execute(
            select(dossiers)
            .where(where)
            .order_by(dossiers.c.opened_on.desc(), dossiers.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        .mappings()
        .all()
    )
    ids = [r["id"] for r in rows]
    shares, dates = _shares(conn, ids), _stage_dates(conn, ids)
    return [_dossier(r, shares.get(r["id"], ()), dates.get(r["id"], {})) for r in rows], int(total)


def change(conn: Connection, dossier_id: int, values: Mapping[str, object]) -> None:
    stored = dict(values)
    if "parties" in stored:
        stored["parties"] = [_party_json(p) for p in stored["parties"]]  # type: ignore[attr-defined]
    if "retention" in stored:
        stored["retention"] = Retention(str(stored["retention"])).value
    stored["updated_at"] = datetime.now(UTC)
    conn.execute(update(dossiers).where(dossiers.c.id == dossier_id).values(**stored))


def touch(conn: Connection, dossier_id: int) -> None:
    conn.execute(
        update(dossiers).where(dossiers.c.id == dossier_id).values(updated_at=datetime.now(UTC))
    )


def share(conn: Connection, dossier_id: int, unit_id: int, granted_by: int) -> bool:
    exists = conn.execute(
        select(dossier_shares.c.unit_id).where(
            dossier_shares.c.dossier_id == dossier_id, dossier_shares.c.unit_id == unit_id
        )
    ).first()
    if exists:
        return False
    conn.execute(
        insert(dossier_shares).values(
            dossier_id=dossier_id,
            unit_id=unit_id,
            granted_by=granted_by,
            granted_at=datetime.now(UTC),
        )
    )
    return True


def unshare(conn: Connection, dossier_id: int, unit_id: int) -> bool:
    result = conn.execute(
        delete(dossier_shares).where(
            dossier_shares.c.dossier_id == dossier_id, dossier_shares.c.unit_id == unit_id
        )
    )
    return bool(result.rowcount)


def _event(r: RowMapping) -> StageEvent:
    return StageEvent(
        id=r["id"],
        dossier_id=r["dossier_id"],
        from_stage=r["from_stage"],
        to_stage=r["to_stage"],
        effective_on=r["effective_on"],
        recorded_at=r["recorded_at"],
        actor_id=r["actor_id"],
        reason=r["reason"],
    )


def add_event(
    conn: Connection,
    dossier_id: int,
    *,
    from_stage: str | None,
    to_stage: str,
    effective_on: date,
    actor_id: int | None,
    reason: str | None,
) -> StageEvent:
    """Record a stage change and make ``to_stage`` the dossier's stage, in one transaction."""
    now = datetime.now(UTC)
    event_id = conn.execute(
        insert(dossier_events)
        .values(
            dossier_id=dossier_id,
            from_stage=from_stage,
            to_stage=to_stage,
            effective_on=effective_on,
            recorded_at=now,
            actor_id=actor_id,
            reason=reason,
        )
        .returning(dossier_events.c.id)
    ).scalar_one()
    conn.execute(
        update(dossiers).where(dossiers.c.id == dossier_id).values(stage=to_stage, updated_at=now)
    )
    return StageEvent(
        int(event_id), dossier_id, from_stage, to_stage, effective_on, now, actor_id, reason
    )


def events_of(conn: Connection, dossier_id: int) -> list[StageEvent]:
    rows = conn.execute(
        select(dossier_events)
        .where(dossier_events.c.dossier_id == dossier_id)
        .order_by(dossier_events.c.id)
    ).mappings()
    return [_event(r) for r in rows]
