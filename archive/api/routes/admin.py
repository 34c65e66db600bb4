"""Administration: units, accounts, roles and auditors' inspection scopes."""

from __future__ import annotations

from fastapi import APIRouter

from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import GrantCreate, UnitCreate, UnitOut, UserCreate, UserOut, refusals
from archive.domain.access import require
from archive.domain.roles import Action, Role
from archive.metadata import accounts as account_rows
from archive.services import accounts

router = APIRouter(prefix="/api", tags=["Quản trị · Administration"])
FORBIDDEN = refusals((403, "Administrators only"))


@router.get("/units", response_model=list[UnitOut], summary="Danh sách đơn vị · Units")
def list_units(actor: ActorDep, archive: ArchiveDep) -> list[UnitOut]:
    with archive.db.read() as conn:
        return [UnitOut.of(u) for u in account_rows.list_units(conn)]


@router.post(
    "/units",
    response_model=UnitOut,
    status_code=201,
    responses=FORBIDDEN,
    summary="Thêm đơn vị · Add a unit",
)
def create_unit(body: UnitCreate, actor: ActorDep, archive: ArchiveDep) -> UnitOut:
    require(actor.user, Action.MANAGE)
    return UnitOut.of(
        accounts.create_unit(archive, body.code, body.name, body.parent_code, by=actor.user)
    )


@router.get(
    "/users",
    response_model=list[UserOut],
    responses=FORBIDDEN,
    summary="Danh sách tài khoản · Accounts",
)
def list_users(actor: ActorDep, archive: ArchiveDep) -> list[UserOut]:
    require(actor.user, Action.MANAGE)
    with archive.db.read() as conn:
        return [UserOut.of(u) for u in account_rows.list_users(conn)]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=201,
    responses=FORBIDDEN,
    summary="Tạo tài khoản · Create an account",
)
def create_user(body: UserCreate, actor: ActorDep, archive: ArchiveDep) -> UserOut:
    require(actor.user, Action.MANAGE)
    user = accounts.create_user(
        archive,
        username=body.username,
        full_name=body.full_name,
        password=body.password,
        role=Role(body.role),
        unit_code=body.unit_code,
        by=actor.user,
    )
    return UserOut.of(user)


@router.post(
    "/users/{user_id}/grants",
    response_model=UserOut,
    status_code=201,
    responses=FORBIDDEN,
    summary="Giao phạm vi kiểm tra cho thanh tra · Grant an auditor units and a period",
)
def grant(user_id: int, body: GrantCreate, actor: ActorDep, archive: ArchiveDep) -> UserOut:
    require(actor.user, Action.MANAGE)
    return UserOut.of(
        accounts.grant_auditor(
            archive, user_id, body.unit_code, body.period_from, body.period_to, by=actor.user
        )
    )


@router.post(
    "/users/{user_id}/deactivate",
    response_model=UserOut,
    responses=FORBIDDEN,
    summary="Khóa tài khoản · Deactivate an account",
    description="Accounts are never deleted: their actions stay in the audit trail.",
)
def deactivate(user_id: int, actor: ActorDep, archive: ArchiveDep) -> UserOut:
    require(actor.user, Action.MANAGE)
    user = accounts.deactivate(archive, user_id, by=actor.user)
    return UserOut.of(user)
