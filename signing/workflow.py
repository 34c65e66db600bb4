"""A decision's way from draft to issue (Decree 30/2020's order of work).

draft (an official makes it from a template, naming the leader who will sign) → submitted
to that leader → signed, or returned with a reason (then changed and submitted again) →
issued by the clerk, who gives it its number and date and adds the agency's signature.
Each step is one row update and one audit entry carrying the document's SHA-256 at that
step, in the same transaction; a step asked in the wrong state is refused and changes
nothing. The rows live in the signing stage's own table, made on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection, RowMapping

from archive.domain.errors import Conflict, Forbidden, NotFound
from archive.domain.roles import Role
from archive.metadata import audit
from archive.metadata.schema import UTCDateTime
from archive.services.context import Actor, Archive

tables = MetaData()


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    SIGNED = "signed"
    ISSUED = "issued"


STATE_NAMES = {
    State.DRAFT: ("Dự thảo", "Draft"),
    State.SUBMITTED: ("Chờ lãnh đạo ký", "Waiting for the leader's signature"),
    State.RETURNED: ("Bị trả lại", "Returned"),
    State.SIGNED: ("Đã ký, chờ ban hành", "Signed, waiting to be issued"),
    State.ISSUED: ("Đã ban hành", "Issued"),
}

decisions = Table(
    "signing_decisions",
    tables,
    Column("document_id", Integer, primary_key=True, autoincrement=False),
    Column("dossier_id", Integer, nullable=False, index=True),
    Column("unit_id", Integer, nullable=False, index=True),
    Column("template", String(64), nullable=False),
    Column("leader_id", Integer, nullable=False, index=True),
    Column("state", String(16), nullable=False, index=True),
    Column("created_by", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=True),
    # The version the leader was asked to sign: a decision changed after that is not signed.
    Column("submitted_version", Integer, nullable=True),
    Column("note", Text, nullable=True),
    Column("returned_reason", Text, nullable=True),
    Column("signed_at", UTCDateTime(), nullable=True),
    Column("signed_version", Integer, nullable=True),
    Column("issued_by", Integer, nullable=True),
    Column("issued_at", UTCDateTime(), nullable=True),
    Column("number", String(64), nullable=True),
    Column("issued_on", Date, nullable=True),
    Column("issued_version", Integer, nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)


class Workflow:
    """The signing stage's state for one archive: its table, made once."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    @classmethod
    def open(cls, archive: Archive) -> Workflow:
        tables.create_all(archive.db.engine, checkfirst=True)
        return cls(archive)

    def close(self) -> None:
        """Nothing held: the rows are in the archive's database."""


def workflow_for(archive: Archive) -> Workflow:
    opened = archive.stage("signing", Workflow.open)
    assert isinstance(opened, Workflow)
    return opened


@dataclass(frozen=True)
class Decision:
    document_id: int
    dossier_id: int
    unit_id: int
    template: str
    leader_id: int
    state: State
    created_by: int
    created_at: datetime
    submitted_at: datetime | None
    submitted_version: int | None
    note: str | None
    returned_reason: str | None
    signed_at: datetime | None
    signed_version: int | None
    issued_by: int | None
    issued_at: datetime | None
    number: str | None
    issued_on: date | None
    issued_version: int | None

    def as_json(self) -> dict[str, Any]:
        vi, en = STATE_NAMES[self.state]
        return {
            "document_id": self.document_id,
            "dossier_id": self.dossier_id,
            "template": self.template,
            "leader_id": self.leader_id,
            "state": self.state.value,
            "state_vi": vi,
            "state_en": en,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "submitted_at": _iso(self.submitted_at),
            "submitted_version": self.submitted_version,
            "note": self.note,
            "returned_reason": self.returned_reason,
            "signed_at": _iso(self.signed_at),
            "signed_version": self.signed_version,
            "issued_by": self.issued_by,
            "issued_at": _iso(self.issued_at),
            "number": self.number,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "issued_version": self.issued_version,
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _decision(row: RowMapping) -> Decision:
    values = dict(row)
    values.pop("updated_at", None)
    values["state"] = State(values["state"])
    return Decision(**values)


def _now() -> datetime:
    return datetime.now(UTC)


def record(
    conn: Connection,
    *,
    document_id: int,
    dossier_id: int,
    unit_id: int,
    template: str,
    leader_id: int,
    created_by: int,
) -> None:
    now = _now()
    conn.execute(
        insert(decisions).values(
            document_id=document_id,
            dossier_id=dossier_id,
            unit_id=unit_id,
            template=template,
            leader_id=leader_id,
            state=State.DRAFT.value,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
    )


def find(archive: Archive, document_id: int) -> Decision | None:
    workflow_for(archive)
    with archive.db.read() as conn:
        row = (
            conn.execute(select(decisions).where(decisions.c.document_id == document_id))
            .mappings()
            .first()
        )
    return _decision(row) if row else None


def find_in(conn: Connection, document_id: int) -> Decision | None:
    row = (
        conn.execute(select(decisions).where(decisions.c.document_id == document_id))
        .mappings()
        .first()
    )
    return _decision(row) if row else None


def _locked(conn: Connection, document_id: int) -> Decision:
    query = select(decisions).where(decisions.c.document_id == document_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(
            "decision_not_found",
            "Không có quyết định nào ứng với tài liệu này trong quy trình ký.",
            "No decision in the signing workflow matches this document.",
        )
    return _decision(row)


def wrong_state(decision: Decision, wanted: tuple[State, ...]) -> Conflict:
    vi_now, en_now = STATE_NAMES[decision.state]
    vi_wanted = " hoặc ".join(STATE_NAMES[s][0].lower() for s in wanted)
    en_wanted = " or ".join(STATE_NAMES[s][1].lower() for s in wanted)
    return Conflict(
        "wrong_decision_state",
        f"Quyết định đang ở bước '{vi_now}'; thao tác này chỉ làm được khi nó {vi_wanted}.",
        f"The decision is at '{en_now}'; this can only be done when it is {en_wanted}.",
        state=decision.state.value,
    )


# What a step's audit entry repeats of the row's changes (times are the entry's own).
_RECORDED = (
    "note",
    "returned_reason",
    "number",
    "issued_on",
    "submitted_version",
    "signed_version",
    "issued_version",
)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def step(
    conn: Connection,
    actor: Actor,
    document_id: int,
    *,
    wanted: tuple[State, ...],
    to: State,
    action: str,
    sha256: str,
    check: Any = None,
    **changes: Any,
) -> Decision:
    """One step inside the caller's transaction: the row moves from one of ``wanted`` to
    ``to`` with ``changes``, and the audit entry ``action`` records it with the document's
    digest. A step asked in the wrong state raises, and the transaction changes nothing."""
    decision = _locked(conn, document_id)
    if decision.state not in wanted:
        raise wrong_state(decision, wanted)
    if check is not None:
        check(decision)
    conn.execute(
        update(decisions)
        .where(decisions.c.document_id == document_id)
        .values(state=to.value, updated_at=_now(), **changes)
    )
    audit.append(
        conn,
        actor_id=actor.user.id,
        actor=actor.user.username,
        action=action,
        object_type="document",
        object_id=document_id,
        unit_id=decision.unit_id,
        detail={
            "dossier_id": decision.dossier_id,
            "from": decision.state.value,
            "to": to.value,
            "sha256": sha256,
            **{k: _plain(v) for k, v in changes.items() if k in _RECORDED},
        },
    )
    return _locked(conn, document_id)


def move(archive: Archive, actor: Actor, document_id: int, **step_args: Any) -> Decision:
    """``step`` in a transaction of its own (steps that store no version)."""
    workflow_for(archive)
    with archive.db.write() as conn:
        return step(conn, actor, document_id, **step_args)


def only_the_leader(actor: Actor) -> Any:
    def check(decision: Decision) -> None:
        if decision.leader_id != actor.user.id:
            raise Forbidden(
                "not_your_decision",
                "Quyết định này được trình cho lãnh đạo khác ký.",
                "This decision was submitted to another leader.",
            )

    return check


def inbox(archive: Archive, actor: Actor) -> list[Decision]:
    """What waits for the actor: a leader's decisions to sign, a clerk's to issue, an
    official's drafts and returned decisions in their units."""
    workflow_for(archive)
    query = select(decisions)
    role = actor.user.role
    if role is Role.LEADER:
        query = query.where(
            decisions.c.leader_id == actor.user.id, decisions.c.state == State.SUBMITTED.value
        )
    elif role is Role.CLERK:
        query = query.where(decisions.c.state == State.SIGNED.value)
    elif role is Role.OFFICIAL:
        query = query.where(decisions.c.state.in_([State.DRAFT.value, State.RETURNED.value]))
    elif role is not Role.ADMIN:
        return []
    with archive.db.read() as conn:
        rows = conn.execute(query.order_by(decisions.c.updated_at)).mappings().all()
    found = [_decision(r) for r in rows]
    if role in (Role.CLERK, Role.OFFICIAL):
        found = [d for d in found if actor.scope.may_change(d.unit_id)]
    return found
