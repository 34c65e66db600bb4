"""Two layers every answer passes through: security headers, and a last-resort catch.

Both are plain ASGI middleware: they see every message, streamed bodies included, and
never buffer a response.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from archive.api.errors import error_json

log = logging.getLogger(__name__)

# Pages of the archive load their scripts and styles from the archive itself and are never
# framed by another site. Inline styles stay allowed for the API documentation page.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_PAGE_POLICY = PAGE_POLICY.encode()
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """Adds the headers above to every answer that has not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", _PAGE_POLICY))
                if b"cache-control" not in present and not scope["path"].startswith(
                    "/docs-assets/"
                ):
                    # Answers carry personal data: no shared or browser cache keeps them.
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class LastResort:
    """Turns an unexpected error into the archive's error answer without re-raising it.

    Starlette's own handler answers 500 and then re-raises, which makes the server print
    a traceback and drop the client's keep-alive connection. Here the error is logged once
    and answered; the connection stays usable. A client that went away mid-request is
    noted, not treated as an error. An error after the answer started (a stream whose
    next chunk failed verification) cannot be answered any more: the transfer is ended,
    short of its Content-Length, which the client sees as an incomplete download.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except ClientDisconnect:
            log.info("client went away during %s %s", scope["method"], scope["path"])
        except Exception as exc:
            if started:
                log.warning("%s %s ended early: %s", scope["method"], scope["path"], _describe(exc))
                return
            log.exception("unexpected error in %s %s", scope["method"], scope["path"])
            answer = error_json(
                500,
                "internal_error",
                "Hệ thống gặp lỗi ngoài dự kiến; thao tác chưa được thực hiện. Hãy thử lại "
                "sau, nếu vẫn lỗi hãy báo quản trị viên kèm thời điểm xảy ra.",
                "The system met an unexpected error; nothing was done. Try again later, and "
                "if it persists tell the administrator when it happened.",
            )
            await answer(scope, receive, send)


def _describe(exc: Exception) -> Any:
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__} {code}" if code else repr(exc)
