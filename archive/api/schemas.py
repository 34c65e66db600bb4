"""Shapes of the API's requests and answers (documented in OpenAPI)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from archive.domain.folios import TocEntry
from archive.domain.model import (
    Derivative,
    Document,
    DocumentVersion,
    Dossier,
    Party,
    StageEvent,
    Unit,
    User,
    VersionReason,
)
from archive.domain.pdf import ActiveContent
from archive.metadata.accounts import TokenInfo
from archive.metadata.schema import MAX_ROW_ID

# Ids are 32-bit on PostgreSQL; a larger number names nothing, so it is refused as invalid
# instead of reaching the database (where it would overflow).
Id = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenAnswer(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 scheme name
    expires_at: datetime | None = None


class ApiTokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=128, description="What the token is for.")


class TokenOut(BaseModel):
    """A session or API token, as its owner and administrators see it (never the secret)."""

    id: int
    kind: Literal["session", "api"]
    name: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, t: TokenInfo, now: datetime) -> TokenOut:
        return cls(
            id=t.id,
            kind=t.kind,
            name=t.name,
            created_at=t.created_at,
            expires_at=t.expires_at,
            revoked_at=t.revoked_at,
            active=t.revoked_at is None and t.expires_at > now,
        )


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
    password: str = Field(
        max_length=1024,
        description="At least 12 characters, not only spaces, not containing the user "
        "name, not a common password.",
    )
    role: Literal["official", "leader", "clerk", "auditor", "admin"]
    unit_code: str


class GrantCreate(BaseModel):
    unit_code: str = Field(min_length=1, max_length=64)
    period_from: date
    period_to: date


class UnitOut(BaseModel):
    id: int
    code: str
    name: str
    parent_id: int | None
    valid_from: date | None = Field(description="The day the unit began, if recorded.")
    valid_to: date | None = Field(description="The unit's last day, once it ended.")
    successor_id: int | None = Field(description="The unit that took over its work.")

    @classmethod
    def of(cls, u: Unit) -> UnitOut:
        return cls(
            id=u.id,
            code=u.code,
            name=u.name,
            parent_id=u.parent_id,
            valid_from=u.valid_from,
            valid_to=u.valid_to,
            successor_id=u.successor_id,
        )


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=255)
    parent_code: str | None = Field(default=None, max_length=64)
    valid_from: date | None = Field(default=None, description="The day the unit began.")


class UnitEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    valid_to: date = Field(description="The unit's last day.")
    successor_code: str | None = Field(
        default=None,
        max_length=64,
        description="The unit that takes over its work (merged into); none if dissolved.",
    )


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
    model_config = ConfigDict(extra="forbid")

    case_type: str = Field(max_length=64, description="Case type code, e.g. `xlvphc`.")
    title: str = Field(min_length=1, max_length=2000)
    field: str = Field(max_length=64, description="Field of law (lĩnh vực) of the case type.")
    opened_on: date
    unit_code: str | None = Field(
        default=None, max_length=64, description="Default: the user's own unit."
    )
    code: str | None = Field(default=None, max_length=64, description="Default: generated.")
    stage: str | None = Field(
        default=None,
        max_length=64,
        description="The stage the case is at (default: the case type's first), effective "
        "on `opened_on`; later stages are moved through `POST .../events`.",
    )
    retention: str | None = Field(default=None, description="`vinh_vien`, 70, 50, 30, 20, 10.")
    closed_on: date | None = None
    parties: list[PartyIO] = Field(default_factory=list, max_length=200)
    custom: dict[str, Any] = Field(default_factory=dict, description="Case type's own fields.")


class DossierChange(BaseModel):
    """A dossier's description; its stage moves only through `POST .../events`."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=2000)
    field: str | None = Field(default=None, max_length=64)
    retention: str | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    parties: list[PartyIO] | None = Field(default=None, max_length=200)
    custom: dict[str, Any] | None = None


class StageMove(BaseModel):
    to_stage: str = Field(max_length=64, description="A stage the case type allows next.")
    effective_on: date = Field(
        description="The day the step really happened (record made, decision signed): "
        "deadlines count from it. Not in the future, not before the previous step."
    )
    reason: str | None = Field(default=None, max_length=2000)


class StageEventOut(BaseModel):
    id: int
    from_stage: str | None
    to_stage: str
    effective_on: date
    recorded_at: datetime
    actor_id: int | None
    reason: str | None

    @classmethod
    def of(cls, e: StageEvent) -> StageEventOut:
        return cls(
            id=e.id,
            from_stage=e.from_stage,
            to_stage=e.to_stage,
            effective_on=e.effective_on,
            recorded_at=e.recorded_at,
            actor_id=e.actor_id,
            reason=e.reason,
        )


class ShareRequest(BaseModel):
    unit_code: str = Field(min_length=1, max_length=64)


class DossierOut(BaseModel):
    id: int
    code: str
    title: str
    case_type: str
    case_type_version: int = Field(description="The version of the case type it keeps.")
    unit_id: int
    field: str
    stage: str
    retention: str
    opened_on: date
    closed_on: date | None
    parties: list[PartyIO]
    key_dates: dict[str, date] = Field(
        description="The date each stage took effect, from the dossier's events."
    )
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
            case_type_version=d.case_type_version,
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
    signature_count: int
    pdf_version: str
    original_filename: str | None
    uploaded_by: int | None = Field(description="None: made by the archive itself (OCR).")
    uploaded_at: datetime
    storage_key: str
    reason: VersionReason = Field(description="Why this version exists.")
    derived_from: int | None = Field(description="The version it was made from.")
    active_content: list[ActiveContent] = Field(
        description="Content that can act when the file is opened, kept as received."
    )
    irregularities: dict[str, Any] = Field(
        description="What is odd but harmless: `encryption` (owner password only: what it "
        "restricts) and `repairs` (what a reader had to mend to open it)."
    )

    @classmethod
    def of(cls, v: DocumentVersion) -> VersionOut:
        return cls(
            version=v.version,
            sha256=v.sha256,
            size=v.size,
            page_count=v.page_count,
            signed=v.signed,
            signature_count=v.signature_count,
            pdf_version=v.pdf_version,
            original_filename=v.original_filename,
            uploaded_by=v.uploaded_by,
            uploaded_at=v.uploaded_at,
            storage_key=v.storage_key,
            reason=v.reason,
            derived_from=v.derived_from,
            active_content=list(v.active_content),
            irregularities=dict(v.irregularities),
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
    active_content: list[ActiveContent] = Field(description="Of the current version.")
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
            active_content=list(d.current.active_content),
            versions=[VersionOut.of(v) for v in d.versions],
        )


class DerivativeOut(BaseModel):
    id: int
    version: int
    kind: str
    sha256: str
    size: int
    media_type: str
    detail: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, d: Derivative) -> DerivativeOut:
        return cls(
            id=d.id,
            version=d.version,
            kind=d.kind,
            sha256=d.sha256,
            size=d.size,
            media_type=d.media_type,
            detail=dict(d.detail),
            created_at=d.created_at,
        )


class DocumentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, min_length=1, max_length=2000)
    number: str | None = Field(default=None, max_length=64)
    issued_on: date | None = None
    issuer: str | None = Field(default=None, max_length=255)


class ReorderRequest(BaseModel):
    document_ids: list[Id] = Field(
        max_length=100_000, description="Every document of the dossier, in new order."
    )


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
    broken: int = Field(description="Entries that fail a check.")
    first_break: int | None = Field(description="Number of the first entry that fails.")
    problems: list[str]


class LiveOut(BaseModel):
    status: Literal["ok"]
    version: str


class ReadyOut(BaseModel):
    status: Literal["ready"]
    database: str
    storage: str
    embedded: bool
    version: str


class CaseTypeVersionOut(BaseModel):
    code: str
    version: int
    source: Literal["builtin", "admin"]
    current: bool
    created_at: datetime
    created_by: int | None
