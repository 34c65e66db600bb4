"""A dossier's deadlines: its facts gathered from the store, and what officials record on
it (dated events, extensions, overrides, pauses), each audited and announced."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from archive.domain.access import require
from archive.domain.casetypes import CaseType
from archive.domain.errors import Forbidden, Invalid, NotFound
from archive.domain.events import Topic
from archive.domain.model import Dossier
from archive.domain.roles import Action
from archive.domain.text import clean_optional, clean_text
from archive.metadata import audit, locks, outbox
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.metadata.schema import storable_id
from archive.services import dossiers as dossier_service
from archive.services.context import Actor, Archive
from deadlines import tables
from deadlines.calendars import calendars_for
from deadlines.counting import Unit, reckon, unit_of
from deadlines.timeline import Adjustment, CaseFacts, Deadline, Occurrence, Pause, deadlines


@dataclass(frozen=True, slots=True)
class Milestone:
    id: int
    dossier_id: int
    event: str
    on: date
    note: str | None
    entered_by: int
    entered_at: datetime
    withdrawn_reason: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_reason is not None


def _milestone(r: Mapping[Any, Any]) -> Milestone:
    return Milestone(
        id=r["id"],
        dossier_id=r["dossier_id"],
        event=r["event"],
        on=r["on"],
        note=r["note"],
        entered_by=r["entered_by"],
        entered_at=r["entered_at"],
        withdrawn_reason=r["withdrawn_reason"],
    )


def _insert(conn: Connection, table: Table, **values: object) -> int:
    key = conn.execute(insert(table).values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _row_of(conn: Connection, table: Table, row_id: int, dossier_id: int) -> Any:
    """The dossier's row of ``table`` with that id, or None (never another dossier's)."""
    if not storable_id(row_id):
        return None
    found = select(table).where(table.c.id == row_id, table.c.dossier_id == dossier_id)
    return conn.execute(found).mappings().first()


def _ready(archive: Archive) -> None:
    calendars_for(archive)  # creates the stage's tables on first use


def milestones_in(conn: Connection, dossier_id: int) -> list[Milestone]:
    t = tables.milestones
    rows = conn.execute(select(t).where(t.c.dossier_id == dossier_id).order_by(t.c.id)).mappings()
    return [_milestone(r) for r in rows]


def facts_in(conn: Connection, dossier: Dossier, case_type: CaseType) -> CaseFacts:
    """Everything the rules read about one dossier, from one transaction."""
    rules = case_type.deadlines
    by_stage: dict[str, list[str]] = {}
    by_kind: dict[str, list[str]] = {}
    on_opening: list[str] = []
    for event in rules.events:
        for source in event.sources:
            if source.kind == "stage":
                by_stage.setdefault(source.code, []).append(event.code)
            elif source.kind == "document":
                by_kind.setdefault(source.code, []).append(event.code)
            elif source.kind == "opened":
                on_opening.append(event.code)
    seen: list[Occurrence] = [Occurrence(e, dossier.opened_on, "opened") for e in on_opening]
    for step in dossier_rows.events_of(conn, dossier.id):
        seen += [Occurrence(e, step.effective_on, "stage") for e in by_stage.get(step.to_stage, ())]
    for document in document_rows.of_dossier(conn, dossier.id):
        if document.issued_on is not None:
            seen += [
                Occurrence(e, document.issued_on, f"document {document.id}")
                for e in by_kind.get(document.kind, ())
            ]
    entered = {e.code for e in rules.events if any(s.kind == "entered" for s in e.sources)}
    for milestone in milestones_in(conn, dossier.id):
        if not milestone.withdrawn and milestone.event in entered:
            seen.append(Occurrence(milestone.event, milestone.on, f"entered {milestone.id}"))
    a, p = tables.adjustments, tables.pauses
    adjustments = [
        Adjustment(
            step=r["step"],
            kind=r["kind"],
            reason=r["reason"],
            approver=r["approver"],
            amount=r["amount"],
            unit=Unit(r["unit"]) if r["unit"] else None,
            due=r["due"],
            id=r["id"],
        )
        for r in conn.execute(
            select(a).where(a.c.dossier_id == dossier.id).order_by(a.c.id)
        ).mappings()
    ]
    pauses = [
        Pause(step=r["step"], kind=r["kind"], start=r["start"], end=r["end"], reason=r["reason"])
        for r in conn.execute(
            select(p).where(p.c.dossier_id == dossier.id).order_by(p.c.id)
        ).mappings()
    ]
    return CaseFacts(
        field_of_law=dossier.field,
        custom=dossier.custom,
        occurrences=seen,
        adjustments=adjustments,
        pauses=pauses,
    )


def current_case_type(archive: Archive, dossier: Dossier) -> CaseType:
    """Deadline rules are read from the case type's current version: a correction of the
    rules (a limit entered wrong) applies to every case, while each rule's own dates in
    force keep a case under the law of the day its step began."""
    return archive.case_type(dossier.case_type)


def of_dossier(
    archive: Archive, actor: Actor, dossier_id: int, as_of: date | None = None
) -> tuple[Dossier, CaseType, list[Deadline]]:
    _ready(archive)
    day = as_of or dossier_service.today()
    dossier = dossier_service.fetch(archive, actor, dossier_id, view="deadlines")
    case_type = current_case_type(archive, dossier)
    calendar = calendars_for(archive).current()
    with archive.db.read() as conn:
        facts = facts_in(conn, dossier, case_type)
    return dossier, case_type, deadlines(case_type.deadlines, facts, calendar, day)


def milestones(archive: Archive, actor: Actor, dossier_id: int) -> list[Milestone]:
    _ready(archive)
    dossier_service.fetch(archive, actor, dossier_id, view=None)
    with archive.db.read() as conn:
        return milestones_in(conn, dossier_id)


def _writable(archive: Archive, actor: Actor, dossier_id: int) -> tuple[Dossier, CaseType]:
    _ready(archive)
    require(actor.user, Action.MOVE_STAGE)
    dossier = dossier_service.fetch(archive, actor, dossier_id, view=None)
    if not actor.scope.may_change(dossier.unit_id):
        raise Forbidden(
            "not_owner_unit",
            "Chỉ đơn vị quản lý hồ sơ mới được ghi thời hạn, sự kiện của hồ sơ.",
            "Only the unit keeping the dossier may record its events and deadlines.",
        )
    return dossier, current_case_type(archive, dossier)


def _not_future(on: date) -> None:
    if on > dossier_service.today():
        raise Invalid(
            "date_in_future",
            "Ngày của sự kiện không được sau ngày hôm nay.",
            "The date of an event cannot be after today.",
        )


def _record(
    conn: Connection,
    actor: Actor,
    dossier: Dossier,
    action: str,
    what: str,
    row_id: int,
    detail: Mapping[str, object],
) -> None:
    audit.append(
        conn,
        actor_id=actor.user.id,
        actor=actor.user.username,
        action=action,
        object_type="dossier",
        object_id=dossier.id,
        unit_id=dossier.unit_id,
        detail={"id": row_id, **detail},
    )
    outbox.emit(
        conn,
        Topic.DOSSIER_DEADLINES_CHANGED,
        {"dossier_id": dossier.id, "what": what, "id": row_id},
    )


def enter_milestone(
    archive: Archive, actor: Actor, dossier_id: int, event: str, on: date, note: str | None
) -> Milestone:
    dossier, case_type = _writable(archive, actor, dossier_id)
    enterable = [
        e.code for e in case_type.deadlines.events if any(s.kind == "entered" for s in e.sources)
    ]
    if event not in enterable:
        raise Invalid(
            "unknown_event",
            f"Sự kiện '{event}' không nhập tay được cho loại hồ sơ {case_type.name.vi}.",
            f"Event '{event}' cannot be entered for case type {case_type.name.en}.",
            allowed=enterable,
        )
    _not_future(on)
    text = clean_optional(note, field="note", max_length=2000)
    now = datetime.now(UTC)
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id, touch=True)
        row_id = _insert(
            conn,
            tables.milestones,
            dossier_id=dossier_id,
            event=event,
            on=on,
            note=text,
            entered_by=actor.user.id,
            entered_at=now,
        )
        _record(
            conn,
            actor,
            dossier,
            "dossier.milestone",
            "milestone",
            row_id,
            {"event": event, "on": on.isoformat(), "note": text},
        )
    return Milestone(row_id, dossier_id, event, on, text, actor.user.id, now)


def withdraw_milestone(
    archive: Archive, actor: Actor, dossier_id: int, milestone_id: int, reason: str
) -> Milestone:
    dossier, _ = _writable(archive, actor, dossier_id)
    why = clean_text(reason, field="reason", max_length=2000)
    t = tables.milestones
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id, touch=True)
        row = _row_of(conn, t, milestone_id, dossier_id)
        if row is None or row["withdrawn_reason"] is not None:
            raise NotFound(
                "not_found",
                "Không có sự kiện này trong hồ sơ (hoặc đã được rút).",
                "No such event in this dossier (or it was withdrawn already).",
            )
        conn.execute(
            update(t)
            .where(t.c.id == milestone_id)
            .values(
                withdrawn_by=actor.user.id, withdrawn_at=datetime.now(UTC), withdrawn_reason=why
            )
        )
        _record(
            conn,
            actor,
            dossier,
            "dossier.milestone_withdrawn",
            "milestone",
            milestone_id,
            {"event": row["event"], "on": row["on"].isoformat(), "reason": why},
        )
        return _milestone({**row, "withdrawn_reason": why})


def _step_of(case_type: CaseType, step: str) -> None:
    steps = case_type.deadlines.steps()
    if step not in steps:
        raise Invalid(
            "unknown_deadline",
            f"Loại hồ sơ {case_type.name.vi} không có thời hạn '{step}'.",
            f"Case type {case_type.name.en} has no deadline '{step}'.",
            allowed=steps,
        )


def extend(
    archive: Archive,
    actor: Actor,
    dossier_id: int,
    step: str,
    *,
    amount: int,
    unit: str,
    reason: str,
    approver: str,
) -> Adjustment:
    """Gia hạn: a longer limit from the same start, approved by ``approver``, refused when
    the running rule allows no extension or the new limit passes the law's bound."""
    dossier, case_type = _writable(archive, actor, dossier_id)
    _step_of(case_type, step)
    why = clean_text(reason, field="reason", max_length=2000)
    who = clean_text(approver, field="approver", max_length=200)
    asked = unit_of(unit)
    calendar = calendars_for(archive).current()
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id, touch=True)
        facts = facts_in(conn, dossier, case_type)
        running = next(
            (
                d
                for d in deadlines(case_type.deadlines, facts, calendar, dossier_service.today())
                if d.step == step
            ),
            None,
        )
        rule = running.rule if running is not None else None
        if running is None or rule is None or rule.extendable_to is None:
            raise Invalid(
                "not_extendable",
                "Thời hạn này chưa bắt đầu hoặc pháp luật không cho gia hạn.",
                "This limit has not started, or the law allows no extension of it.",
            )
        bound = reckon(
            running.start.on, rule.extendable_to.amount, rule.extendable_to.unit, calendar
        )
        wanted = reckon(running.start.on, amount, asked, calendar)
        if wanted.due > bound.due or (running.due is not None and wanted.due <= running.due):
            raise Invalid(
                "extension_out_of_bounds",
                f"Thời hạn gia hạn phải dài hơn thời hạn hiện tại và không quá "
                f"{rule.extendable_to.amount} {Unit(rule.extendable_to.unit).label_vi} "
                f"kể từ {running.start.on:%d/%m/%Y} (đến {bound.due:%d/%m/%Y}).",
                f"An extension must be longer than the current limit and at most "
                f"{rule.extendable_to.amount} {Unit(rule.extendable_to.unit).label_en} "
                f"from {running.start.on.isoformat()} (until {bound.due.isoformat()}).",
                latest=bound.due.isoformat(),
            )
        row_id = _insert(
            conn,
            tables.adjustments,
            dossier_id=dossier_id,
            step=step,
            kind="extension",
            amount=amount,
            unit=asked.value,
            reason=why,
            approver=who,
            entered_by=actor.user.id,
            entered_at=datetime.now(UTC),
        )
        _record(
            conn,
            actor,
            dossier,
            "dossier.deadline_extended",
            "extension",
            row_id,
            {"step": step, "amount": amount, "unit": asked.value, "reason": why, "approver": who},
        )
    return Adjustment(step, "extension", why, who, amount, asked, None, row_id)


def override(
    archive: Archive, actor: Actor, dossier_id: int, step: str, *, due: date, reason: str
) -> Adjustment:
    """Set the due day of one step on this dossier (e.g. the decision states a longer
    period than the rule), with the reason; the rule's own day stays shown beside it."""
    dossier, case_type = _writable(archive, actor, dossier_id)
    _step_of(case_type, step)
    why = clean_text(reason, field="reason", max_length=2000)
    calendars_for(archive).current().require(due)  # a day the calendar can count to
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id, touch=True)
        row_id = _insert(
            conn,
            tables.adjustments,
            dossier_id=dossier_id,
            step=step,
            kind="override",
            due=due,
            reason=why,
            entered_by=actor.user.id,
            entered_at=datetime.now(UTC),
        )
        _record(
            conn,
            actor,
            dossier,
            "dossier.deadline_overridden",
            "override",
            row_id,
            {"step": step, "due": due.isoformat(), "reason": why},
        )
    return Adjustment(step, "override", why, None, None, None, due, row_id)


def pause(
    archive: Archive,
    actor: Actor,
    dossier_id: int,
    *,
    kind: str,
    start: date,
    step: str | None,
    reason: str,
) -> int:
    """Stop the clock (hoãn, tạm đình chỉ…) from ``start``, of one step or of all."""
    dossier, case_type = _writable(archive, actor, dossier_id)
    if case_type.deadlines.pause_kind(kind) is None:
        raise Invalid(
            "unknown_pause",
            f"Loại hồ sơ {case_type.name.vi} không có căn cứ tạm dừng '{kind}'.",
            f"Case type {case_type.name.en} has no pause '{kind}'.",
            allowed=[p.code for p in case_type.deadlines.pause_kinds],
        )
    if step is not None:
        _step_of(case_type, step)
    _not_future(start)
    why = clean_text(reason, field="reason", max_length=2000)
    p = tables.pauses
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id, touch=True)
        still = conn.execute(
            select(p.c.id).where(p.c.dossier_id == dossier_id, p.c.end.is_(None))
        ).first()
        if still is not None:
            raise Invalid(
                "already_paused",
                "Hồ sơ đang tạm dừng tính thời hạn; hãy ghi ngày tiếp tục trước.",
                "The dossier's clock is already stopped; record when it resumes first.",
                pause_id=still[0],
            )
        ended = conn.execute(select(func.max(p.c.end)).where(p.c.dossier_id == dossier_id)).scalar()
        if ended is not None and start < ended:
            raise Invalid(
                "bad_period",
                f"Lần tạm dừng mới phải bắt đầu từ ngày {ended:%d/%m/%Y} trở đi (lần trước "
                "kết thúc ngày đó): hai lần tạm dừng không được chồng lên nhau.",
                f"A new pause must start on or after {ended.isoformat()}, when the last "
                "one ended: pauses cannot overlap.",
            )
        row_id = _insert(
            conn,
            p,
            dossier_id=dossier_id,
            step=step,
            kind=kind,
            start=start,
            reason=why,
            entered_by=actor.user.id,
            entered_at=datetime.now(UTC),
        )
        _record(
            conn,
            actor,
            dossier,
            "dossier.deadline_paused",
            "pause",
            row_id,
            {"kind": kind, "step": step, "start": start.isoformat(), "reason": why},
        )
    return int(row_id)


def resume(archive: Archive, actor: Actor, dossier_id: int, pause_id: int, end: date) -> None:
    dossier, _ = _writable(archive, actor, dossier_id)
    _not_future(end)
    p = tables.pauses
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id, touch=True)
        row = _row_of(conn, p, pause_id, dossier_id)
        if row is None or row["end"] is not None:
            raise NotFound(
                "not_found",
                "Không có lần tạm dừng đang mở này trong hồ sơ.",
                "No such open pause in this dossier.",
            )
        if end <= row["start"]:
            raise Invalid(
                "bad_period",
                "Ngày tiếp tục phải sau ngày bắt đầu tạm dừng.",
                "The day counting resumes must be after the pause began.",
            )
        conn.execute(update(p).where(p.c.id == pause_id).values(end=end))
        _record(
            conn,
            actor,
            dossier,
            "dossier.deadline_resumed",
            "pause",
            pause_id,
            {"end": end.isoformat()},
        )
