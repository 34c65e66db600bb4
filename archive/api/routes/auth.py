"""Signing in and out: a session cookie for the browser, a bearer token for programs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response

from archive.api.deps import SESSION_COOKIE, ActorDep, ArchiveDep, TokenDep, client_of
from archive.api.schemas import ApiTokenRequest, LoginRequest, TokenAnswer, UserOut
from archive.api.throttle import LoginThrottle
from archive.domain.errors import Unauthenticated
from archive.services import accounts

router = APIRouter(prefix="/api/auth", tags=["Đăng nhập · Authentication"])


@router.post(
    "/login",
    response_model=TokenAnswer,
    summary="Đăng nhập · Sign in",
    description="Checks the password (argon2) and opens a session: the answer carries a "
    "bearer token and sets the HttpOnly `archive_session` cookie for the web UI.",
)
def login(
    body: LoginRequest, request: Request, response: Response, archive: ArchiveDep
) -> TokenAnswer:
    address = client_of(request)
    throttle: LoginThrottle = request.app.state.login_throttle
    throttle.check(body.username, address)
    try:
        _user, token = accounts.login(archive, body.username, body.password, client=address)
    except Unauthenticated:
        throttle.failed(body.username, address)
        raise
    throttle.succeeded(body.username)
    hours = archive.settings.session_hours
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hours * 3600),
        httponly=True,
        samesite="strict",  # a cross-site page cannot ride on the session
        secure=archive.settings.cookie_secure,
    )
    return TokenAnswer(access_token=token, expires_at=datetime.now(UTC) + timedelta(hours=hours))


@router.post("/logout", status_code=204, summary="Đăng xuất · Sign out")
def logout(actor: ActorDep, token: TokenDep, response: Response, archive: ArchiveDep) -> Response:
    accounts.logout(archive, actor.user, token)
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post(
    "/tokens",
    response_model=TokenAnswer,
    status_code=201,
    summary="Tạo mã truy cập API · Create an API token",
    description="A long-lived bearer token for scripts (e.g. bulk import); shown once.",
)
def create_token(body: ApiTokenRequest, actor: ActorDep, archive: ArchiveDep) -> TokenAnswer:
    token, expires = accounts.create_api_token(archive, actor.user, body.name)
    return TokenAnswer(access_token=token, expires_at=expires)


@router.get("/me", response_model=UserOut, summary="Tài khoản đang đăng nhập · Who am I")
def me(actor: ActorDep) -> UserOut:
    return UserOut.of(actor.user)
