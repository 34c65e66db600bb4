"""Administration: units, accounts, roles, auditors' inspection scopes, anyone's tokens."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response

from archive.api.answers import TEXT, answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import (
    GrantCreate,
    TokenOut,
    UnitCreate,
    UnitEnd,
    UnitOut,
    UserCreate,
    UserOut,
)
from archive.domain.access import require
from archive.domain.roles import Action, Role
from archive.metadata import accounts as account_rows
from archive.services import accounts

router = APIRouter(prefix="/api", tags=["Quản trị · Administration"])
ADMIN_ONLY = "role_not_allowed"
# Ids that name nothing (too large for a row id included) are simply not found.
UserId = int
TokenId = int


@router.get(
    "/units",
    response_model=list[UnitOut],
    responses=answers(validated=False),
    summary="Danh sách đơn vị · Units",
)
def list_units(actor: ActorDep, archive: ArchiveDep) -> list[UnitOut]:
    with archive.db.read() as conn:
        return [UnitOut.of(u) for u in account_rows.list_units(conn)]


@router.post(
    "/units",
    response_model=UnitOut,
    status_code=201,
    responses=answers(ADMIN_ONLY, "unit_exists", "unit_not_found", *TEXT, changes=True),
    summary="Thêm đơn vị · Add a unit",
)
def create_unit(body: UnitCreate, actor: ActorDep, archive: ArchiveDep) -> UnitOut:
    require(actor.user, Action.MANAGE)
    return UnitOut.of(
        accounts.create_unit(
            archive,
            body.code,
            body.name,
            body.parent_code,
            by=actor.user,
            valid_from=body.valid_from,
        )
    )


@router.post(
    "/units/{code}/end",
    response_model=UnitOut,
    responses=answers(
        ADMIN_ONLY,
        "unit_not_found",
        "unit_ended",
        "bad_dates",
        "successor_not_standing",
        "successor_cycle",
        changes=True,
    ),
    summary="Kết thúc, sáp nhập đơn vị · End or merge a unit",
    description="The unit's last day, and the unit that takes over its work if it was "
    "merged. Its dossiers stay its own; from then on the successor's people may read them, "
    "and statistics for any day after the end count them under the successor. Audited.",
)
def end_unit(code: str, body: UnitEnd, actor: ActorDep, archive: ArchiveDep) -> UnitOut:
    require(actor.user, Action.MANAGE)
    return UnitOut.of(
        accounts.end_unit(archive, code, body.valid_to, body.successor_code, by=actor.user)
    )


@router.get(
    "/users",
    response_model=list[UserOut],
    responses=answers(ADMIN_ONLY, validated=False),
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
    responses=answers(
        ADMIN_ONLY, "user_exists", "unit_not_found", "weak_password", *TEXT, changes=True
    ),
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
    responses=answers(ADMIN_ONLY, "not_found", "not_auditor", "bad_period", changes=True),
    summary="Giao phạm vi kiểm tra cho thanh tra · Grant an auditor units and a period",
)
def grant(user_id: UserId, body: GrantCreate, actor: ActorDep, archive: ArchiveDep) -> UserOut:
    require(actor.user, Action.MANAGE)
    return UserOut.of(
        accounts.grant_auditor(
            archive, user_id, body.unit_code, body.period_from, body.period_to, by=actor.user
        )
    )


@router.post(
    "/users/{user_id}/deactivate",
    response_model=UserOut,
    responses=answers(
        ADMIN_ONLY, "user_not_found", "cannot_deactivate_self", "last_administrator", changes=True
    ),
    summary="Khóa tài khoản · Deactivate an account",
    description="Accounts are never deleted: their actions stay in the audit trail. No one "
    "deactivates themselves, and the last active administrator stays.",
)
def deactivate(user_id: UserId, actor: ActorDep, archive: ArchiveDep) -> UserOut:
    require(actor.user, Action.MANAGE)
    return UserOut.of(accounts.deactivate(archive, user_id, by=actor.user))


@router.post(
    "/users/{user_id}/activate",
    response_model=UserOut,
    responses=answers(ADMIN_ONLY, "user_not_found", changes=True),
    summary="Mở khóa tài khoản · Reactivate an account",
    description="Sessions and tokens from before the lock stay revoked.",
)
def activate(user_id: UserId, actor: ActorDep, archive: ArchiveDep) -> UserOut:
    require(actor.user, Action.MANAGE)
    return UserOut.of(accounts.activate(archive, user_id, by=actor.user))


@router.get(
    "/users/{user_id}/tokens",
    response_model=list[TokenOut],
    responses=answers(ADMIN_ONLY, "user_not_found"),
    summary="Mã truy cập của một tài khoản · An account's sessions and tokens",
)
def user_tokens(user_id: UserId, actor: ActorDep, archive: ArchiveDep) -> list[TokenOut]:
    require(actor.user, Action.MANAGE)
    now = datetime.now(UTC)
    return [TokenOut.of(t, now) for t in accounts.tokens_of(archive, user_id)]


@router.delete(
    "/users/{user_id}/tokens/{token_id}",
    status_code=204,
    responses=answers(ADMIN_ONLY, "user_not_found", "token_not_found", changes=True),
    summary="Thu hồi mã truy cập của người khác · Revoke anyone's token",
)
def revoke_token(
    user_id: UserId, token_id: TokenId, actor: ActorDep, archive: ArchiveDep
) -> Response:
    require(actor.user, Action.MANAGE)
    accounts.revoke_token(archive, user_id, token_id, by=actor.user)
    return Response(status_code=204)
