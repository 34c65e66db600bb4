"""Opening, reading, changing and sharing dossiers, within what the actor may see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy.exc import IntegrityError

from archive.domain.access import require
from archive.domain.casetypes import clean_party, parse_parties
from archive.domain.errors import Conflict, Forbidden, Invalid, NotFound, dossier_not_found
from archive.domain.folios import TocEntry, table_of_contents
from archive.domain.model import Dossier, Party, Retention
from archive.domain.roles import Action
from archive.domain.text import clean_text
from archive.metadata import accounts, audit, outbox
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.services.context import Actor, Archive


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
    key_dates: Mapping[str, date] | None = None
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
    key_dates = dict(draft.key_dates or {})
    case_type.check_key_dates(key_dates)
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
                    unit_id=unit_id,
                    field=draft.field,
                    stage=stage,
                    retention=retention,
                    opened_on=draft.opened_on,
                    closed_on=draft.closed_on,
                    parties=parties,
                    key_dates=key_dates,
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
            detail={"code": code, "case_type": draft.case_type},
        )
        outbox.emit(conn, "dossier.changed", {"dossier_id": dossier_id})
        created = dossier_rows.get(conn, dossier_id, None)
    assert created is not None
    return created


def _suggest_code(conn: object, case_type: str, opened_on: date) -> str:
    prefix = f"{case_type.upper()}-{opened_on.year}-"
    sequence = dossier_rows.next_sequence(conn, prefix)  # type: ignore[arg-type]
    return f"{prefix}{sequence:04d}"


def fetch(archive: Archive, actor: Actor, dossier_id: int, *, record: bool = True) -> Dossier:
    """A dossier the actor may read; anything else is 'not found', never 'forbidden'."""
    with archive.db.read() as conn:
        found = dossier_rows.get(conn, dossier_id, actor.scope)
    if found is None:
        raise dossier_not_found()
    if record:
        with archive.db.write() as conn:
            audit.append(
                conn,
                actor_id=actor.user.id,
                actor=actor.user.username,
                action="dossier.read",
                object_type="dossier",
                object_id=dossier_id,
                unit_id=found.unit_id,
            )
    return found


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
    with archive.db.read() as conn:
        return dossier_rows.search(conn, actor.scope, flt, limit=limit, offset=offset)


def change(
    archive: Archive, actor: Actor, dossier_id: int, values: Mapping[str, object]
) -> Dossier:
    """Change a dossier's metadata; stage moves must follow the case type's transitions."""
    require(actor.user, Action.EDIT_DOSSIER)
    current = fetch(archive, actor, dossier_id, record=False)
    if not actor.scope.may_change(current.unit_id):
        raise _no_change_rights()
    case_type = archive.case_type(current.case_type)
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
        elif key == "stage":
            stage = str(value)
            case_type.check_stage(stage)
            if stage != current.stage and (current.stage, stage) not in case_type.transitions:
                raise Invalid(
                    "stage_not_allowed",
                    f"Không chuyển được hồ sơ từ giai đoạn '{current.stage}' sang '{stage}'.",
                    f"The dossier cannot move from stage '{current.stage}' to '{stage}'.",
                    allowed=[b for a, b in case_type.transitions if a == current.stage],
                )
            updates["stage"] = stage
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
        elif key == "key_dates":
            if not isinstance(value, Mapping):
                raise Invalid("bad_key_dates", "Ngày mốc không hợp lệ.", "Bad key dates.")
            case_type.check_key_dates(value)
            updates["key_dates"] = dict(value)
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
    with archive.db.write() as conn:
        dossier_rows.change(conn, dossier_id, updates)
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="dossier.change",
            object_type="dossier",
            object_id=dossier_id,
            unit_id=current.unit_id,
            detail={"fields": sorted(updates), "stage": updates.get("stage")},
        )
        outbox.emit(conn, "dossier.changed", {"dossier_id": dossier_id})
        changed = dossier_rows.get(conn, dossier_id, None)
    assert changed is not None
    return changed


def share(archive: Archive, actor: Actor, dossier_id: int, unit_code: str) -> Dossier:
    """Let another unit read a dossier: sharing across units is always explicit."""
    require(actor.user, Action.SHARE_DOSSIER)
    current = fetch(archive, actor, dossier_id, record=False)
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
            outbox.emit(conn, "dossier.changed", {"dossier_id": dossier_id})
        shared = dossier_rows.get(conn, dossier_id, None)
    assert shared is not None
    return shared


def unshare(archive: Archive, actor: Actor, dossier_id: int, unit_code: str) -> Dossier:
    require(actor.user, Action.SHARE_DOSSIER)
    current = fetch(archive, actor, dossier_id, record=False)
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
            outbox.emit(conn, "dossier.changed", {"dossier_id": dossier_id})
        result = dossier_rows.get(conn, dossier_id, None)
    assert result is not None
    return result


def contents(archive: Archive, actor: Actor, dossier_id: int) -> tuple[Dossier, list[TocEntry]]:
    """The dossier with its mục lục: folio ranges follow the current document order."""
    dossier = fetch(archive, actor, dossier_id)  # reading the mục lục is reading the dossier
    with archive.db.read() as conn:
        docs = document_rows.of_dossier(conn, dossier_id)
    return dossier, table_of_contents(docs)
