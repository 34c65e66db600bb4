"""Who is reminded: a dossier's responsible official (assigned, or the one who opened it),
the leaders above them, and where each person's reminders are e-mailed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from archive.domain.access import require
from archive.domain.errors import Forbidden, Invalid, NotFound
from archive.domain.model import Dossier, User
from archive.domain.roles import Action, Role
from archive.metadata import accounts, audit, locks
from archive.metadata.schema import storable_id
from archive.services import dossiers as dossier_service
from archive.services.context import Actor, Archive
from deadlines import tables
from deadlines.calendars import calendars_for


def responsible_of(conn: Connection, dossier: Dossier) -> User | None:
    row = conn.execute(
        select(tables.responsibles.c.user_id).where(tables.responsibles.c.dossier_id == dossier.id)
    ).first()
    user = accounts.user_by_id(conn, row[0] if row else dossier.created_by)
    return user if user is not None and user.active else None


def leaders_of(conn: Connection, unit_id: int) -> list[User]:
    """The active leaders of the unit, or of the nearest unit above that has some."""
    parents = accounts.unit_parents(conn)
    everyone = [u for u in accounts.list_users(conn) if u.active and u.role is Role.LEADER]
    unit: int | None = unit_id
    while unit is not None:
        found = [u for u in everyone if u.unit_id == unit]
        if found:
            return found
        unit = parents.get(unit)
    return []


def set_address(archive: Archive, actor: Actor, user_id: int, email: str | None) -> None:
    """Where ``user_id``'s reminders are e-mailed (None: nowhere); one's own, or anyone's
    for an administrator."""
    calendars_for(archive)
    if user_id != actor.user.id:
        require(actor.user, Action.MANAGE)
    a = tables.addresses
    with archive.db.write() as conn:
        if not storable_id(user_id) or accounts.user_by_id(conn, user_id) is None:
            raise NotFound("user_not_found", "Không có tài khoản này.", "No such account.")
        conn.execute(delete(a).where(a.c.user_id == user_id))
        if email:
            conn.execute(
                insert(a).values(
                    user_id=user_id, email=email, set_by=actor.user.id, set_at=datetime.now(UTC)
                )
            )
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="reminder.address",
            object_type="user",
            object_id=user_id,
            detail={"email": email},
        )


def assign(archive: Archive, actor: Actor, dossier_id: int, user_id: int) -> User:
    """Make an active official of the dossier's unit (or a unit under it) answer for its
    deadlines; officials and leaders of that unit, and administrators, assign."""
    calendars_for(archive)
    if actor.user.role not in (Role.OFFICIAL, Role.LEADER, Role.ADMIN):
        require(actor.user, Action.MANAGE)  # refuses with the role's name
    dossier = dossier_service.fetch(archive, actor, dossier_id, view=None)
    if not actor.scope.may_change(dossier.unit_id):
        raise Forbidden(
            "not_owner_unit",
            "Chỉ đơn vị quản lý hồ sơ mới được giao người chịu trách nhiệm.",
            "Only the unit keeping the dossier may assign who answers for it.",
        )
    with archive.db.write() as conn:
        locks.lock_dossier(conn, dossier_id, touch=True)
        user = accounts.user_by_id(conn, user_id) if storable_id(user_id) else None
        if (
            user is None
            or not user.active
            or user.role is not Role.OFFICIAL
            or not _under(conn, user.unit_id, dossier.unit_id)
        ):
            raise Invalid(
                "not_responsible",
                "Người được giao phải là chuyên viên đang hoạt động của đơn vị quản lý hồ sơ.",
                "The person assigned must be an active official of the unit keeping the dossier.",
            )
        r = tables.responsibles
        conn.execute(delete(r).where(r.c.dossier_id == dossier_id))
        conn.execute(
            insert(r).values(
                dossier_id=dossier_id,
                user_id=user.id,
                assigned_by=actor.user.id,
                assigned_at=datetime.now(UTC),
            )
        )
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="dossier.responsible",
            object_type="dossier",
            object_id=dossier_id,
            unit_id=dossier.unit_id,
            detail={"user_id": user.id},
        )
    return user


def responsible(archive: Archive, actor: Actor, dossier_id: int) -> User | None:
    calendars_for(archive)
    dossier = dossier_service.fetch(archive, actor, dossier_id, view=None)
    with archive.db.read() as conn:
        return responsible_of(conn, dossier)


def _under(conn: Connection, unit_id: int, top: int) -> bool:
    parents = accounts.unit_parents(conn)
    unit: int | None = unit_id
    while unit is not None:
        if unit == top:
            return True
        unit = parents.get(unit)
    return False
