"""Signing in and out: a bearer token for programs, an HttpOnly cookie for browsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response

from archive.api.answers import TEXT, answers
from archive.api.deps import SESSION_COOKIE, ActorDep, ArchiveDep, TokenDep, client_of
from archive.api.schemas import ApiTokenRequest, LoginRequest, TokenAnswer, TokenOut, UserOut
from archive.domain.model import User
from archive.services import accounts
from archive.services.context import Archive

router = APIRouter(prefix="/api/auth", tags=["Đăng nhập · Authentication"])
SIGN_IN = answers("bad_credentials", "too_many_attempts", signed_in=False)
TokenId = int


def _sign_in(archive: Archive, request: Request, body: LoginRequest) -> tuple[User, str]:
    return accounts.login(archive, body.username, body.password, client=client_of(request))


@router.post(
    "/login",
    response_model=TokenAnswer,
    responses=SIGN_IN,
    summary="Đăng nhập cho chương trình · Sign in (programs)",
    description="Checks the password (argon2) and answers a bearer token. Browsers use "
    "`POST /api/auth/session`, which keeps the token out of reach of page scripts.",
)
def login(body: LoginRequest, request: Request, archive: ArchiveDep) -> TokenAnswer:
    _user, token = _sign_in(archive, request, body)
    expires = datetime.now(UTC) + timedelta(hours=archive.settings.session_hours)
    return TokenAnswer(access_token=token, expires_at=expires)


@router.post(
    "/session",
    response_model=UserOut,
    responses=SIGN_IN,
    summary="Đăng nhập trên trình duyệt · Sign in (browsers)",
    description="Checks the password and sets the HttpOnly, SameSite=Strict "
    "`archive_session` cookie. The token is never in the body: no page script can read it.",
)
def session(
    body: LoginRequest, request: Request, response: Response, archive: ArchiveDep
) -> UserOut:
    user, token = _sign_in(archive, request, body)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(archive.settings.session_hours * 3600),
        httponly=True,
        samesite="strict",  # a cross-site page cannot ride on the session
        secure=archive.settings.cookie_secure,
        path="/",
    )
    return UserOut.of(user)


@router.post(
    "/logout",
    status_code=204,
    responses=answers(changes=True, validated=False),
    summary="Đăng xuất · Sign out",
)
def logout(actor: ActorDep, token: TokenDep, archive: ArchiveDep) -> Response:
    accounts.logout(archive, actor.user, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post(
    "/tokens",
    response_model=TokenAnswer,
    status_code=201,
    responses=answers(*TEXT, changes=True),
    summary="Tạo mã truy cập API · Create an API token",
    description="A long-lived bearer token for scripts (e.g. bulk import); shown once.",
)
def create_token(body: ApiTokenRequest, actor: ActorDep, archive: ArchiveDep) -> TokenAnswer:
    token, expires = accounts.create_api_token(archive, actor.user, body.name)
    return TokenAnswer(access_token=token, expires_at=expires)


@router.get(
    "/tokens",
    response_model=list[TokenOut],
    responses=answers(validated=False),
    summary="Mã truy cập của tôi · My sessions and API tokens",
)
def my_tokens(actor: ActorDep, archive: ArchiveDep) -> list[TokenOut]:
    now = datetime.now(UTC)
    return [TokenOut.of(t, now) for t in accounts.tokens_of(archive, actor.user.id)]


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    responses=answers("token_not_found", changes=True),
    summary="Thu hồi mã truy cập · Revoke one of my tokens",
)
def revoke_my_token(token_id: TokenId, actor: ActorDep, archive: ArchiveDep) -> Response:
    accounts.revoke_token(archive, actor.user.id, token_id, by=actor.user)
    return Response(status_code=204)


@router.get(
    "/me",
    response_model=UserOut,
    responses=answers(validated=False),
    summary="Tài khoản đang đăng nhập · Who am I",
)
def me(actor: ActorDep) -> UserOut:
    return UserOut.of(actor.user)
