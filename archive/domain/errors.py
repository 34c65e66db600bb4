"""Errors a person reads: each says what went wrong and what to do, in Vietnamese and English."""

from __future__ import annotations

from typing import ClassVar


class ArchiveError(Exception):
    """A refusal the user can act on. ``code`` is stable for programs; messages are for people."""

    kind: ClassVar[str] = "invalid"

    def __init__(self, code: str, vi: str, en: str, **details: object) -> None:
        super().__init__(en)
        self.code = code
        self.vi = vi
        self.en = en
        self.details = details

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.vi, "message_en": self.en}
        if self.details:
            body["details"] = self.details
        return body


class Invalid(ArchiveError):
    kind = "invalid"


class NotFound(ArchiveError):
    kind = "not_found"


class Forbidden(ArchiveError):
    kind = "forbidden"


class Unauthenticated(ArchiveError):
    kind = "unauthenticated"


class Conflict(ArchiveError):
    kind = "conflict"


class TooLarge(ArchiveError):
    kind = "too_large"


class TooManyAttempts(ArchiveError):
    kind = "too_many_attempts"


class Unavailable(ArchiveError):
    """A service the archive relies on did not answer (a timestamp authority, a revocation
    responder, a remote signing service): nothing was done; trying again later may work."""

    kind = "unavailable"


class IntegrityFailure(ArchiveError):
    """Stored bytes no longer match their recorded checksum: evidence may be damaged."""

    kind = "integrity"


def dossier_not_found() -> NotFound:
    # One message for "does not exist" and "exists but not yours": existence is not leaked.
    return NotFound(
        "dossier_not_found",
        "Không tìm thấy hồ sơ, hoặc bạn không có quyền xem hồ sơ này.",
        "Dossier not found, or you are not allowed to see it.",
    )


def case_type_not_found(code: str) -> NotFound:
    return NotFound(
        "case_type_not_found",
        f"Không có loại hồ sơ '{code}'.",
        f"There is no case type '{code}'.",
    )


def case_type_exists(code: str) -> Conflict:
    return Conflict(
        "case_type_exists",
        f"Đã có loại hồ sơ '{code}'; hãy sửa nó (PUT) thay vì thêm mới.",
        f"Case type '{code}' already exists; change it (PUT) instead.",
    )


def document_not_found() -> NotFound:
    return NotFound(
        "document_not_found",
        "Không tìm thấy tài liệu, hoặc bạn không có quyền xem tài liệu này.",
        "Document not found, or you are not allowed to see it.",
    )
