"""What every route receives: the opened archive and the signed-in actor."""

from __future__ import annotations

import ipaddress
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from archive.domain.errors import Forbidden, Unauthenticated
from archive.services import accounts
from archive.services.context import Actor, Archive

SESSION_COOKIE = "archive_session"
_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/login")


# Dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency in a
# worker thread, a hop each that every request would pay for nothing.
async def get_archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


ArchiveDep = Annotated[Archive, Depends(get_archive)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _refuse_cross_site(request: Request) -> None:
    """A browser sends the session cookie on requests other sites make it send; a change
    carried by the cookie must come from a page of the archive itself."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        allowed = site in ("same-origin", "none")
    elif origin is not None:
        allowed = urlsplit(origin).netloc == request.headers.get("host")
    else:
        allowed = True  # not a browser: no other site can make it send our cookie
    if not allowed:
        raise Forbidden(
            "cross_site_request",
            "Yêu cầu thay đổi dữ liệu đến từ trang web khác nên bị từ chối.",
            "A request to change data came from another site and was refused.",
        )


async def presented_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        if request.method not in SAFE_METHODS:
            _refuse_cross_site(request)
        return cookie
    raise Unauthenticated(
        "not_signed_in",
        "Bạn chưa đăng nhập. Hãy đăng nhập để tiếp tục.",
        "You are not signed in. Sign in to continue.",
    )


TokenDep = Annotated[str, Depends(presented_token)]


def current_actor(archive: ArchiveDep, token: TokenDep) -> Actor:
    return accounts.authenticate(archive, token)


ActorDep = Annotated[Actor, Depends(current_actor)]


def client_of(request: Request) -> str | None:
    """The address a request came from, as the audit trail and the login throttle see it.

    ``X-Forwarded-For`` is believed only when the connection itself comes from one of
    ``ARCHIVE_TRUSTED_PROXIES``; then the nearest address in it that is not a trusted proxy
    is the client. Anyone else could write any address there (and reset the lock-out, or
    put a false address in the trail).
    """
    peer = request.client.host if request.client else None
    archive: Archive = request.app.state.archive
    proxies = archive.settings.proxy_networks
    if peer is None or not proxies or not _within(peer, proxies):
        return peer
    forwarded = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(forwarded):
        if not _within(hop, proxies):
            return hop if _is_address(hop) else peer
    return peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _within(
    address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
