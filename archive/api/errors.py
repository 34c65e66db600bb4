"""Turning refusals into HTTP answers that say, in Vietnamese then English, what to do."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from archive.domain.errors import ArchiveError
from archive.services.context import NotReady

log = logging.getLogger(__name__)

STATUS = {
    "too_many_attempts": 429,
    "invalid": 422,
    "not_found": 404,
    "forbidden": 403,
    "unauthenticated": 401,
    "conflict": 409,
    "too_large": 413,
    "integrity": 500,
    "unavailable": 503,
}

_HTTP_MESSAGES = {
    404: ("Không tìm thấy địa chỉ này.", "This address does not exist."),
    405: ("Phương thức không được hỗ trợ ở địa chỉ này.", "Method not allowed here."),
}


def error_json(
    status: int,
    code: str,
    vi: str,
    en: str,
    headers: Mapping[str, str] | None = None,
    **details: object,
) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": vi, "message_en": en}
    if details:
        body["details"] = details
    extra = dict(headers or {})
    if status == 401:
        extra["WWW-Authenticate"] = "Bearer"
    if status == 429:
        extra["Retry-After"] = str(details.get("retry_after_seconds", 60))
    return JSONResponse({"error": body}, status_code=status, headers=extra or None)


def install(app: FastAPI) -> None:
    @app.exception_handler(ArchiveError)
    async def _archive_error(_request: Request, exc: ArchiveError) -> JSONResponse:
        status = STATUS.get(exc.kind, 400)
        if status >= 500:
            log.error("archive error %s: %s", exc.code, exc.en)
        return error_json(status, exc.code, exc.vi, exc.en, None, **exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        return error_json(
            422,
            "invalid_request",
            "Dữ liệu gửi lên không hợp lệ; xem danh sách trường bị lỗi.",
            "The request is not valid; see the list of fields.",
            problems=problems,
        )

    @app.exception_handler(NotReady)
    async def _not_ready(_request: Request, exc: NotReady) -> JSONResponse:
        log.error("archive not ready: %s", exc)
        vi, _, en = str(exc).partition(" / ")
        return error_json(503, "not_ready", vi, en or vi)

    # Unexpected errors are answered by middleware.LastResort, which (unlike a handler
    # registered for Exception) does not re-raise and so keeps the connection alive.

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # A body that does not even parse (not JSON, not UTF-8) is as invalid as one
            # with a wrong field: the same answer, so a client meets one shape for both.
            return error_json(
                422,
                "invalid_request",
                "Nội dung gửi lên không đọc được (không phải JSON UTF-8 hợp lệ).",
                "The request body cannot be read (it is not valid UTF-8 JSON).",
                problems=[{"field": "body", "problem": str(exc.detail)}],
            )
        vi, en = _HTTP_MESSAGES.get(
            exc.status_code, ("Yêu cầu không thực hiện được.", str(exc.detail))
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # RFC 9110, 15.5.6: every method the address answers, not only those of the
            # first route Starlette tried (GET and POST of one path are separate routes).
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_json(exc.status_code, f"http_{exc.status_code}", vi, en, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        path = getattr(route, "path", None)
        if path and compile_path(path)[0].match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)
