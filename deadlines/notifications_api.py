"""Reminders in the archive: one's notifications, where they are e-mailed, and who answers
for a dossier's deadlines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import select, update

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.domain.errors import NotFound
from archive.metadata.schema import storable_id
from deadlines import reminded, tables
from deadlines.calendars import calendars_for
from deadlines.reminding import unread_count

router = APIRouter(tags=["Nhắc việc · Reminders"])
EMAIL = r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+$"


class NotificationOut(BaseModel):
    id: int
    dossier_id: int
    step: str
    threshold: str
    due: date
    title: str
    body: str
    created_at: datetime
    read: bool
    mail: str


class NotificationsOut(BaseModel):
    unread: int
    notifications: list[NotificationOut]


@router.get(
    "/api/notifications",
    response_model=NotificationsOut,
    responses=answers(),
    summary="Thông báo nhắc việc · My reminders",
    description="Newest first; `unread=true` for those not yet marked read.",
)
def my_notifications(
    actor: ActorDep,
    archive: ArchiveDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> NotificationsOut:
    calendars_for(archive)
    r = tables.reminders
    query = select(r).where(r.c.user_id == actor.user.id)
    if unread:
        query = query.where(r.c.read_at.is_(None))
    with archive.db.read() as conn:
        rows = conn.execute(query.order_by(r.c.id.desc()).limit(limit)).mappings().all()
        count = unread_count(conn, actor.user.id)
    return NotificationsOut(
        unread=count,
        notifications=[
            NotificationOut(
                id=row["id"],
                dossier_id=row["dossier_id"],
                step=row["step"],
                threshold=row["threshold"],
                due=row["due"],
                title=row["title"],
                body=row["body"],
                created_at=row["created_at"],
                read=row["read_at"] is not None,
                mail=row["mail"],
            )
            for row in rows
        ],
    )


@router.post(
    "/api/notifications/{notification_id}/read",
    status_code=204,
    responses=answers("not_found", changes=True),
    summary="Đánh dấu đã đọc · Mark a reminder read",
)
def mark_read(
    notification_id: Annotated[int, Path(ge=1, le=2**62)], actor: ActorDep, archive: ArchiveDep
) -> None:
    calendars_for(archive)
    r = tables.reminders
    with archive.db.write() as conn:
        done = (
            conn.execute(
                update(r)
                .where(r.c.id == notification_id, r.c.user_id == actor.user.id)
                .values(read_at=datetime.now(UTC))
            ).rowcount
            if storable_id(notification_id)
            else 0
        )
    if not done:
        raise NotFound("not_found", "Không có thông báo này.", "No such notification.")


class AddressIn(BaseModel):
    email: str | None = Field(
        default=None, max_length=254, pattern=EMAIL, description="Empty: no e-mail"
    )
    user_id: int | None = Field(
        default=None, ge=1, le=2**62, description="Someone else's (administrators)"
    )


class AddressOut(BaseModel):
    user_id: int
    email: str | None


@router.put(
    "/api/notifications/address",
    response_model=AddressOut,
    responses=answers("role_not_allowed", "user_not_found", changes=True),
    summary="Địa chỉ nhận nhắc việc · Where my reminders are e-mailed",
    description="One's own address; administrators may set anyone's (`user_id`).",
)
def set_address(body: AddressIn, actor: ActorDep, archive: ArchiveDep) -> AddressOut:
    user_id = body.user_id or actor.user.id
    reminded.set_address(archive, actor, user_id, body.email)
    return AddressOut(user_id=user_id, email=body.email)


class ResponsibleIn(BaseModel):
    user_id: int = Field(ge=1, le=2**62)


class ResponsibleOut(BaseModel):
    dossier_id: int
    user_id: int | None
    full_name: str | None


@router.get(
    "/api/dossiers/{dossier_id}/responsible",
    response_model=ResponsibleOut,
    responses=answers("dossier_not_found"),
    summary="Người chịu trách nhiệm · Who answers for the dossier's deadlines",
    description="The official reminded of its deadlines (by default the one who opened it).",
)
def responsible(dossier_id: int, actor: ActorDep, archive: ArchiveDep) -> ResponsibleOut:
    user = reminded.responsible(archive, actor, dossier_id)
    return ResponsibleOut(
        dossier_id=dossier_id,
        user_id=user.id if user else None,
        full_name=user.full_name if user else None,
    )


@router.put(
    "/api/dossiers/{dossier_id}/responsible",
    response_model=ResponsibleOut,
    responses=answers(
        "dossier_not_found",
        "role_not_allowed",
        "not_owner_unit",
        "not_responsible",
        changes=True,
    ),
    summary="Giao người chịu trách nhiệm · Assign the responsible official",
    description="An active official of the unit keeping the dossier (or of a unit under it). "
    "Officials and leaders of that unit, and administrators, assign.",
)
def assign(
    dossier_id: int, body: ResponsibleIn, actor: ActorDep, archive: ArchiveDep
) -> ResponsibleOut:
    user = reminded.assign(archive, actor, dossier_id, body.user_id)
    return ResponsibleOut(dossier_id=dossier_id, user_id=user.id, full_name=user.full_name)
