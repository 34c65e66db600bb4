"""Opening, reading, changing and sharing dossiers, within what the actor may see."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from archive.domain.access import require
from archive.domain.casetypes import clean_party, parse_parties
from archive.domain.errors import Conflict, Forbidden, Invalid, NotFound, dossier_not_found
from archive.domain.events import Topic
from archive.domain.folios import TocEntry, table_of_contents
from archive.domain.model import Dossier, Party, Retention, StageEvent
from archive.domain.roles import Action
from archive.domain.text import clean_optional, clean_text
from archive.extensions import installed
from archive.metadata import accounts, audit, locks, outbox
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.services.context import Actor, Archive

# Vietnam keeps one offset all year (no daylight saving): "today" for a clerk is today here.
VIETNAM = timezone(timedelta(hours=7))


log = logging.getLogger(__name__)


def today() -> date:
    return datetime.now(UTC).astimezone(VIETNAM).date()


@dataclass(frozen=True, slots=True)
class DossierDraft:
    """What an official fills in to open a dossier; blanks take the case type's defaults."""

    case_type: str
    title: str
    field: str
    opened_on: date
    unit_code: str | None = None
    code: str | None = None
    stage: str | None = None
    retention: str | None = None
    closed_on: date | None = None
    parties: tuple[Party, ...] = ()
    custom: Mapping[str, object] | None = None


def _retention(value: str) -> Retention:
    try:
        return Retention(value)
    except ValueError:
        raise Invalid(
            "bad_retention",
            "Thời hạn bảo quản phải là 'vinh_vien' hoặc 70, 50, 30, 20, 10 năm.",
            "The retention period must be 'vinh_vien' (permanent) or 70, 50, 30, 20, 10 years.",
            allowed=[r.value for r in Retention],
        ) from None


def _no_change_rights() -> Forbidden:
    return Forbidden(
        "not_owner_unit",
        "Chỉ đơn vị quản lý hồ sơ mới được thay đổi hồ sơ này.",
        "Only the unit that keeps this dossier may change it.",
    )


def create(archive: Archive, actor: Actor, draft: DossierDraft) -> Dossier:
    require(actor.user, Action.CREATE_DOSSIER)
    case_type = archive.case_type(draft.case_type)
    case_type.check_field_of_law(draft.field)
    stage = draft.stage or case_type.first_stage
    case_type.check_stage(stage)
    parties = tuple(clean_party(p) for p in draft.parties)
    case_type.check_parties(parties)
    title = clean_text(draft.title, field="title")
    custom = case_type.clean_custom(draft.custom or {})
    retention = _retention(draft.retention or case_type.default_retention)
    if not title:
        raise Invalid("missing_title", "Hồ sơ cần có tiêu đề.", "A dossier needs a title.")
    if draft.closed_on and draft.closed_on < draft.opened_on:
        raise Invalid(
            "bad_dates",
            "Ngày kết thúc không được trước ngày mở hồ sơ.",
            "The closing date cannot be before the opening date.",
        )
    with archive.db.write() as conn:
        if draft.unit_code:
            unit = accounts.unit_by_code(conn, draft.unit_code)
            if unit is None:
                raise NotFound(
                    "unit_not_found",
                    f"Không có đơn vị mã '{draft.unit_code}'.",
                    f"There is no unit '{draft.unit_code}'.",
                )
            unit_id = unit.id
        else:
            unit_id = actor.user.unit_id
            unit = accounts.unit_by_id(conn, unit_id)
        if unit is not None and unit.valid_to is not None and unit.valid_to < draft.opened_on:
            raise Conflict(
                "unit_ended",
                f"Đơn vị '{unit.code}' đã kết thúc hoạt động từ {unit.valid_to:%d/%m/%Y}: "
                "mở hồ sơ ở đơn vị kế tiếp.",
                f"The unit '{unit.code}' ended on {unit.valid_to:%d/%m/%Y}: open the "
                "dossier in the unit that took over its work.",
            )
        if not actor.scope.may_change(unit_id):
            raise Forbidden(
                "unit_not_allowed",
                "Bạn chỉ được mở hồ sơ cho đơn vị của mình.",
                "You may open dossiers for your own unit only.",
            )
        code = (
            clean_text(draft.code, field="code")
            if draft.code
            else _suggest_code(conn, draft.case_type, draft.opened_on)
        )
        if dossier_rows.code_taken(conn, code):
            raise Conflict(
                "dossier_code_taken",
                f"Mã hồ sơ '{code}' đã được dùng. Hãy chọn mã khác.",
                f"The dossier code '{code}' is already used. Choose another.",
            )
        try:
            dossier_id = dossier_rows.add(
                conn,
                dossier_rows.NewDossier(
                    code=code,
                    title=title,
                    case_type=draft.case_type,
                    case_type_version=case_type.version,
                    unit_id=unit_id,
                    field=draft.field,
                    stage=stage,
                    retention=retention,
                    opened_on=draft.opened_on,
                    closed_on=draft.closed_on,
                    parties=parties,
                    custom=custom,
                    created_by=actor.user.id,
                ),
            )
        except IntegrityError as exc:
            raise Conflict(
                "dossier_code_taken",
                f"Mã hồ sơ '{code}' đã được dùng. Hãy chọn mã khác.",
                f"The dossier code '{code}' is already used. Choose another.",
            ) from exc
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="dossier.create",
            object_type="dossier",
            object_id=dossier_id,
            unit_id=unit_id,
            detail={
                "code": code,
                "case_type": draft.case_type,
                "case_type_version": case_type.version,
            },
        )
        outbox.emit(conn, Topic.DOSSIER_OPENED, {"dossier_id": dossier_id})
        # The dossier's first stage is its first event: deadlines count from events only.
        _record_event(
            conn,
            actor,
            dossier_id,
            unit_id,
            from_stage=None,
            to_stage=stage,
            effective_on=draft.opened_on,
            reason=None,
        )
        created = dossier_rows.get(conn, dossier_id, None)
    assert created is not None
    return created


def _suggest_code(conn: Connection, case_type: str, opened_on: date) -> str:
    prefix = f"{case_type.upper()}-{opened_on.year}-"
    sequence = dossier_rows.next_sequence(conn, prefix)
    return f"{prefix}{sequence:04d}"


SHOWN_WHOLE = frozenset({"record", "contents"})  # views that answer with the dossier


def fetch(
    archive: Archive,
    actor: Actor,
    dossier_id: int,
    *,
    view: str | None = "record",
    detail: Mapping[str, object] | None = None,
) -> Dossier:
    """A dossier the actor may read; anything else is 'not found', never 'forbidden'.

    Each read a person makes writes one ``dossier.read`` entry saying what was viewed
    (``record``, ``contents``, ``documents``, ``folio``, ``events``); ``view=None`` is a
    check on the way to something else, which records its own entry.
    """
    with archive.db.read() as conn:
        # Only the views that show the dossier itself need its shares and stage dates; a
        # check on the way to something else needs rights and case type.
        found = dossier_rows.get(conn, dossier_id, actor.scope, whole=view in SHOWN_WHOLE)
    if found is None:
        raise dossier_not_found()
    if view is not None:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="dossier.read",
                object_type="dossier",
                object_id=dossier_id,
                unit_id=found.unit_id,
                detail={"view": view, **(detail or {})},
            )
    return found


def _full_text_matches(archive: Archive, actor: Actor, text: str) -> frozenset[int] | None:
    """Dossiers the search stage finds for ``text`` (None without one, or while its engine
    does not answer: the list then matches code and title only, and says nothing false)."""
    finders = [e.dossier_text for e in installed() if e.dossier_text is not None]
    if not finders:
        return None
    found: set[int] = set()
    for finder in finders:
        try:
            found.update(finder(archive, actor, text))
        except Exception:
            log.warning("full-text match for the dossier list failed", exc_info=True)
    return frozenset(found)


def listing(
    archive: Archive,
    actor: Actor,
    flt: dossier_rows.DossierFilter,
    *,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Dossier], int]:
    require(actor.user, Action.READ)
    if flt.text:
        flt = replace(flt, text=clean_text(flt.text, field="q") or None)
    if flt.text:
        flt = replace(flt, text_matches=_full_text_matches(archive, actor, flt.text))
    with archive.db.read() as conn:
        return dossier_rows.search(conn, actor.scope, flt, limit=limit, offset=offset)


def change(
    archive: Archive, actor: Actor, dossier_id: int, values: Mapping[str, object]
) -> Dossier:
    """Change a dossier's description. Its stage moves only through ``move_stage``, which
    records the event deadlines are counted from."""
    require(actor.user, Action.EDIT_DOSSIER)
    current = fetch(archive, actor, dossier_id, view=None)
    if not actor.scope.may_change(current.unit_id):
        raise _no_change_rights()
    case_type = archive.case_type_of(current)
    updates: dict[str, object] = {}
    for key, value in values.items():
        if value is None and key != "closed_on":
            raise Invalid(
                "missing_value",
                f"Trường '{key}' không được để trống.",
                f"The field '{key}' cannot be emptied.",
                field=key,
            )
        if key == "title":
            title = clean_text(str(value), field="title")
            if not title:
                raise Invalid("missing_title", "Hồ sơ cần có tiêu đề.", "A dossier needs a title.")
            updates["title"] = title
        elif key == "field":
            case_type.check_field_of_law(str(value))
            updates["field"] = value
        elif key == "retention":
            updates["retention"] = _retention(str(value))
        elif key in ("opened_on", "closed_on"):
            updates[key] = value
        elif key == "parties":
            parties = (
                tuple(clean_party(p) for p in value)
                if isinstance(value, tuple)
                else parse_parties(value)
            )
            case_type.check_parties(parties)
            updates["parties"] = parties
        elif key == "custom":
            if not isinstance(value, Mapping):
                raise Invalid("bad_custom", "Trường riêng không hợp lệ.", "Bad custom fields.")
            updates["custom"] = case_type.clean_custom(value)
        else:
            raise Invalid(
                "unknown_dossier_field",
                f"Không sửa được trường '{key}' của hồ sơ.",
                f"The dossier field '{key}' cannot be changed.",
            )
    opened = updates.get("opened_on", current.opened_on)
    closed = updates.get("closed_on", current.closed_on)
    if isinstance(opened, date) and isinstance(closed, date) and closed < opened:
        raise Invalid(
            "bad_dates",
            "Ngày kết thúc không được trước ngày mở hồ sơ.",
            "The closing date cannot be before the opening date.",
        )
    if not updates:  # nothing asked: no change, nothing recorded
        with archive.db.read() as conn:
            unchanged = dossier_rows.get(conn, dossier_id, None)
        assert unchanged is not None
        return unchanged
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id)
        dossier_rows.change(conn, dossier_id, updates)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="dossier.change",
            object_type="dossier",
            object_id=dossier_id,
            unit_id=current.unit_id,
            detail={"fields": sorted(updates)},
        )
        outbox.emit(
            conn, Topic.DOSSIER_CHANGED, {"dossier_id": dossier_id, "fields": sorted(updates)}
        )
        changed = dossier_rows.get(conn, dossier_id, None)
    assert changed is not None
    return changed


def _record_event(
    conn: Connection,
    actor: Actor,
    dossier_id: int,
    unit_id: int,
    *,
    from_stage: str | None,
    to_stage: str,
    effective_on: date,
    reason: str | None,
) -> StageEvent:
    event = dossier_rows.add_event(
        conn,
        dossier_id,
        from_stage=from_stage,
        to_stage=to_stage,
        effective_on=effective_on,
        actor_id=actor.user.id,
        reason=reason,
    )
    audit.append(
        conn,
        actor_id=actor.user.id,
        actor=actor.user.username,
        action="dossier.stage",
        object_type="dossier",
        object_id=dossier_id,
        unit_id=unit_id,
        detail={
            "event_id": event.id,
            "from": from_stage,
            "to": to_stage,
            "effective_on": effective_on.isoformat(),
            "reason": reason,
        },
    )
    outbox.emit(
        conn,
        Topic.DOSSIER_STAGE_CHANGED,
        {
            "dossier_id": dossier_id,
            "event_id": event.id,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "effective_on": effective_on.isoformat(),
        },
    )
    return event


def move_stage(
    archive: Archive,
    actor: Actor,
    dossier_id: int,
    *,
    to_stage: str,
    effective_on: date,
    reason: str | None = None,
) -> StageEvent:
    """Move a dossier to its next stage, effective on the date the step really happened
    (the day the record was made, the decision signed), which deadlines count from."""
    require(actor.user, Action.MOVE_STAGE)
    current = fetch(archive, actor, dossier_id, view=None)
    if not actor.scope.may_change(current.unit_id):
        raise _no_change_rights()
    case_type = archive.case_type_of(current)
    case_type.check_stage(to_stage)
    note = clean_optional(reason, field="reason", max_length=2000)
    if effective_on > today():
        raise Invalid(
            "date_in_future",
            "Ngày có hiệu lực của bước xử lý không được sau ngày hôm nay.",
            "The date a step took effect cannot be after today.",
        )
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id)
        events = dossier_rows.events_of(conn, dossier_id)
        stage = events[-1].to_stage if events else current.stage
        if (stage, to_stage) not in case_type.transitions:
            raise Invalid(
                "stage_not_allowed",
                f"Không chuyển được hồ sơ từ giai đoạn '{stage}' sang '{to_stage}'.",
                f"The dossier cannot move from stage '{stage}' to '{to_stage}'.",
                allowed=[b for a, b in case_type.transitions if a == stage],
            )
        if events and effective_on < events[-1].effective_on:
            raise Invalid(
                "date_before_previous_stage",
                f"Ngày có hiệu lực không được trước ngày của bước trước "
                f"({events[-1].effective_on:%d/%m/%Y}).",
                f"The date cannot be before the previous step's "
                f"({events[-1].effective_on.isoformat()}).",
                previous=events[-1].effective_on.isoformat(),
            )
        return _record_event(
            conn,
            actor,
            dossier_id,
            current.unit_id,
            from_stage=stage,
            to_stage=to_stage,
            effective_on=effective_on,
            reason=note,
        )


def events(archive: Archive, actor: Actor, dossier_id: int) -> list[StageEvent]:
    fetch(archive, actor, dossier_id, view="events")
    with archive.db.read() as conn:
        return dossier_rows.events_of(conn, dossier_id)


def share(archive: Archive, actor: Actor, dossier_id: int, unit_code: str) -> Dossier:
    """Let another unit read a dossier: sharing across units is always explicit."""
    require(actor.user, Action.SHARE_DOSSIER)
    current = fetch(archive, actor, dossier_id, view=None)
    if not actor.scope.may_change(current.unit_id):
        raise _no_change_rights()
    with archive.db.write() as conn:
        unit = accounts.unit_by_code(conn, unit_code)
        if unit is None:
            raise NotFound(
                "unit_not_found",
                f"Không có đơn vị mã '{unit_code}'.",
                f"There is no unit '{unit_code}'.",
            )
        if dossier_rows.share(conn, dossier_id, unit.id, actor.user.id):
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="dossier.share",
                object_type="dossier",
                object_id=dossier_id,
                unit_id=current.unit_id,
                detail={"with_unit": unit_code},
            )
            outbox.emit(
                conn,
                Topic.DOSSIER_SHARED,
                {"dossier_id": dossier_id, "unit_id": unit.id, "shared": True},
            )
        shared = dossier_rows.get(conn, dossier_id, None)
    assert shared is not None
    return shared


def unshare(archive: Archive, actor: Actor, dossier_id: int, unit_code: str) -> Dossier:
    require(actor.user, Action.SHARE_DOSSIER)
    current = fetch(archive, actor, dossier_id, view=None)
    if not actor.scope.may_change(current.unit_id):
        raise _no_change_rights()
    with archive.db.write() as conn:
        unit = accounts.unit_by_code(conn, unit_code)
        if unit is None:
            raise NotFound(
                "unit_not_found",
                f"Không có đơn vị mã '{unit_code}'.",
                f"There is no unit '{unit_code}'.",
            )
        if dossier_rows.unshare(conn, dossier_id, unit.id):
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="dossier.unshare",
                object_type="dossier",
                object_id=dossier_id,
                unit_id=current.unit_id,
                detail={"with_unit": unit_code},
            )
            outbox.emit(
                conn,
                Topic.DOSSIER_SHARED,
                {"dossier_id": dossier_id, "unit_id": unit.id, "shared": False},
            )
        result = dossier_rows.get(conn, dossier_id, None)
    assert result is not None
    return result


def contents(archive: Archive, actor: Actor, dossier_id: int) -> tuple[Dossier, list[TocEntry]]:
    """The dossier with its mục lục: folio ranges follow the current document order."""
    dossier = fetch(archive, actor, dossier_id, view="contents")
    with archive.db.read() as conn:
        docs = document_rows.of_dossier(conn, dossier_id)
    return dossier, table_of_contents(docs)
