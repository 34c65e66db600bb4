"""Shapes of the API's requests and answers (documented in OpenAPI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from archive.domain.folios import TocEntry
from archive.domain.model import Document, DocumentVersion, Dossier, Party, Unit, User


class ErrorBody(BaseModel):
    code: str = Field(description="Stable code for programs, e.g. `not_pdf`.")
    message: str = Field(description="What went wrong and what to do, in Vietnamese.")
    message_en: str = Field(description="The same in English.")
    details: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


Responses = dict[int | str, dict[str, Any]]


def refusals(*pairs: tuple[int, str]) -> Responses:
    """OpenAPI entries for the refusals a route can answer with."""
    return {status: {"model": ErrorResponse, "description": text} for status, text in pairs}


NOT_FOUND = refusals((404, "Not found, or not yours to see (existence is not revealed)"))


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenAnswer(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 scheme name
    expires_at: datetime | None = None


class ApiTokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=128, description="What the token is for.")


class GrantOut(BaseModel):
    unit_id: int
    period_from: date
    period_to: date


class UserOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    unit_id: int
    active: bool
    grants: list[GrantOut] = []

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(
            id=u.id,
            username=u.username,
            full_name=u.full_name,
            role=u.role.value,
            unit_id=u.unit_id,
            active=u.active,
            grants=[
                GrantOut(unit_id=g.unit_id, period_from=g.period_from, period_to=g.period_to)
                for g in u.grants
            ],
        )


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(min_length=1, max_length=255)
    password: str = Field(max_length=1024, description="At least 8 characters.")
    role: Literal["official", "leader", "clerk", "auditor", "admin"]
    unit_code: str


class GrantCreate(BaseModel):
    unit_code: str
    period_from: date
    period_to: date


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    parent_id: int | None

    @classmethod
    def of(cls, u: Unit) -> UnitOut:
        return cls(id=u.id, code=u.code, name=u.name, parent_id=u.parent_id)


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=255)
    parent_code: str | None = None


class PartyIO(BaseModel):
    role: str = Field(description="A party role of the case type, e.g. `violator`.")
    kind: Literal["individual", "organisation"] = "individual"
    name: str = Field(min_length=1, max_length=255)
    id_number: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)

    @classmethod
    def of(cls, p: Party) -> PartyIO:
        return cls(
            role=p.role, kind=p.kind.value, name=p.name, id_number=p.id_number, address=p.address
        )


class DossierCreate(BaseModel):
    case_type: str = Field(description="Case type code, e.g. `xlvphc`.")
    title: str = Field(min_length=1, max_length=2000)
    field: str = Field(description="Field of law (lĩnh vực) of the case type.")
    opened_on: date
    unit_code: str | None = Field(default=None, description="Default: the user's own unit.")
    code: str | None = Field(default=None, max_length=64, description="Default: generated.")
    stage: str | None = None
    retention: str | None = Field(default=None, description="`vinh_vien`, 70, 50, 30, 20, 10.")
    closed_on: date | None = None
    parties: list[PartyIO] = []
    key_dates: dict[str, date] = Field(default_factory=dict, description="Stage → date.")
    custom: dict[str, Any] = Field(default_factory=dict, description="Case type's own fields.")


class DossierChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    field: str | None = None
    stage: str | None = None
    retention: str | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    parties: list[PartyIO] | None = None
    key_dates: dict[str, date] | None = None
    custom: dict[str, Any] | None = None


class ShareRequest(BaseModel):
    unit_code: str


class DossierOut(BaseModel):
    id: int
    code: str
    title: str
    case_type: str
    unit_id: int
    field: str
    stage: str
    retention: str
    opened_on: date
    closed_on: date | None
    parties: list[PartyIO]
    key_dates: dict[str, date]
    custom: dict[str, Any]
    shared_with: list[int]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, d: Dossier) -> DossierOut:
        return cls(
            id=d.id,
            code=d.code,
            title=d.title,
            case_type=d.case_type,
            unit_id=d.unit_id,
            field=d.field,
            stage=d.stage,
            retention=d.retention.value,
            opened_on=d.opened_on,
            closed_on=d.closed_on,
            parties=[PartyIO.of(p) for p in d.parties],
            key_dates=d.key_dates,
            custom=d.custom,
            shared_with=list(d.shared_with),
            created_at=d.created_at,
            updated_at=d.updated_at,
        )


class DossierPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DossierOut]


class VersionOut(BaseModel):
    version: int
    sha256: str
    size: int
    page_count: int
    signed: bool
    pdf_version: str
    original_filename: str | None
    uploaded_by: int
    uploaded_at: datetime
    storage_key: str

    @classmethod
    def of(cls, v: DocumentVersion) -> VersionOut:
        return cls(
            version=v.version,
            sha256=v.sha256,
            size=v.size,
            page_count=v.page_count,
            signed=v.signed,
            pdf_version=v.pdf_version,
            original_filename=v.original_filename,
            uploaded_by=v.uploaded_by,
            uploaded_at=v.uploaded_at,
            storage_key=v.storage_key,
        )


class DocumentOut(BaseModel):
    id: int
    dossier_id: int
    position: int
    kind: str
    title: str
    number: str | None
    issued_on: date | None
    issuer: str | None
    page_count: int
    size: int
    sha256: str
    signed: bool
    version: int
    versions: list[VersionOut]

    @classmethod
    def of(cls, d: Document) -> DocumentOut:
        return cls(
            id=d.id,
            dossier_id=d.dossier_id,
            position=d.position,
            kind=d.kind,
            title=d.title,
            number=d.number,
            issued_on=d.issued_on,
            issuer=d.issuer,
            page_count=d.page_count,
            size=d.current.size,
            sha256=d.current.sha256,
            signed=d.current.signed,
            version=d.current.version,
            versions=[VersionOut.of(v) for v in d.versions],
        )


class DocumentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str | None = None
    title: str | None = Field(default=None, min_length=1, max_length=2000)
    number: str | None = None
    issued_on: date | None = None
    issuer: str | None = None


class ReorderRequest(BaseModel):
    document_ids: list[int] = Field(description="Every document of the dossier, in new order.")


class TocLine(BaseModel):
    sequence: int = Field(description="STT")
    document_id: int
    kind: str
    number: str | None = Field(description="Số, ký hiệu")
    issued_on: date | None = Field(description="Ngày tháng văn bản")
    issuer: str | None = Field(description="Tác giả văn bản")
    title: str = Field(description="Trích yếu nội dung")
    first_folio: int
    last_folio: int
    folios: str = Field(description="Tờ số, e.g. `3–7`")
    page_count: int

    @classmethod
    def of(cls, e: TocEntry) -> TocLine:
        return cls(
            sequence=e.sequence,
            document_id=e.document_id,
            kind=e.kind,
            number=e.number,
            issued_on=e.issued_on,
            issuer=e.issuer,
            title=e.title,
            first_folio=e.first_folio,
            last_folio=e.last_folio,
            folios=e.folio_label,
            page_count=e.page_count,
        )


class TableOfContents(BaseModel):
    dossier_id: int
    dossier_code: str
    total_folios: int
    entries: list[TocLine]


class FolioOut(BaseModel):
    folio: int
    document_id: int
    page: int


class AuditOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    unit_id: int | None
    detail: dict[str, Any]
    hash: str


class ChainOut(BaseModel):
    intact: bool
    entries: int
    head_hash: str
    problems: list[str]


class HealthOut(BaseModel):
    status: Literal["ok"]
    database: str
    storage: str
    embedded: bool
    version: str
