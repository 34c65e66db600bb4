"""Turning refusals into HTTP answers that say, in Vietnamese then English, what to do."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

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
}

_HTTP_MESSAGES = {
    404: ("Không tìm thấy địa chỉ này.", "This address does not exist."),
    405: ("Phương thức không được hỗ trợ ở địa chỉ này.", "Method not allowed here."),
}


def error_json(status: int, code: str, vi: str, en: str, **details: object) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": vi, "message_en": en}
    if details:
        body["details"] = details
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 429:
        headers = {"Retry-After": str(details.get("retry_after_seconds", 60))}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ArchiveError)
    async def _archive_error(_request: Request, exc: ArchiveError) -> JSONResponse:
        status = STATUS.get(exc.kind, 400)
        if status >= 500:
            log.error("archive error %s: %s", exc.code, exc.en)
        return error_json(status, exc.code, exc.vi, exc.en, **exc.details)

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

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_json(
            500,
            "internal_error",
            "Hệ thống gặp lỗi ngoài dự kiến; thao tác chưa được thực hiện. Hãy thử lại sau, "
            "nếu vẫn lỗi hãy báo quản trị viên kèm thời điểm xảy ra.",
            "The system met an unexpected error; nothing was done. Try again later, and if it "
            "persists tell the administrator when it happened.",
        )

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        vi, en = _HTTP_MESSAGES.get(
            exc.status_code, ("Yêu cầu không thực hiện được.", str(exc.detail))
        )
        return error_json(exc.status_code, f"http_{exc.status_code}", vi, en)
