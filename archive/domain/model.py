"""The archive's things: units, users, dossiers, documents and their stored versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from archive.domain.pdf import ActiveContent
from archive.domain.roles import Role


class Retention(StrEnum):
    """Thời hạn bảo quản (Circular 10/2022/TT-BNV), counted from the year the matter ended."""

    PERMANENT = "vinh_vien"
    Y70 = "70"
    Y50 = "50"
    Y30 = "30"
    Y20 = "20"
    Y10 = "10"

    @property
    def label_vi(self) -> str:
        return "Vĩnh viễn" if self is Retention.PERMANENT else f"{self.value} năm"

    @property
    def label_en(self) -> str:
        return "Permanent" if self is Retention.PERMANENT else f"{self.value} years"


class PartyKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True)
class Unit:
    """Đơn vị: a department or office; units form a tree under the installation's root.

    Units change (the 2025 mergers): a unit stands from ``valid_from`` to ``valid_to``
    (either open), and one that ended names the ``successor`` that took over its work.
    """

    id: int
    code: str
    name: str
    parent_id: int | None
    valid_from: date | None = None
    valid_to: date | None = None
    successor_id: int | None = None

    def stands_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class AuditorGrant:
    """The units (with their sub-units) and the period an auditor may inspect."""

    unit_id: int
    period_from: date
    period_to: date


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    full_name: str
    role: Role
    unit_id: int
    active: bool = True
    grants: tuple[AuditorGrant, ...] = ()


@dataclass(frozen=True, slots=True)
class Party:
    """Đương sự: a person or organisation with a role in the case (violator, plaintiff…)."""

    role: str
    kind: PartyKind
    name: str
    id_number: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Dossier:
    """Hồ sơ: one case, of one case type, kept by one unit."""

    id: int
    code: str
    title: str
    case_type: str
    unit_id: int
    field: str
    stage: str
    retention: Retention
    opened_on: date
    closed_on: date | None
    parties: tuple[Party, ...]
    key_dates: dict[str, date]
    custom: dict[str, object]
    created_by: int
    created_at: datetime
    updated_at: datetime
    shared_with: tuple[int, ...] = ()
    case_type_version: int = 1


class VersionReason(StrEnum):
    """Why a version of a document exists (its lineage)."""

    UPLOAD = "upload"  # received from a person: the original, or a new state they brought
    SIGNATURE = "signature"  # the version it derives from, with a signature added
    OCR = "ocr"  # a copy with a text layer recognised from the scan
    PDFA = "pdfa"  # a PDF/A copy made for long-term keeping


# Versions that replace the document's current state; the others are kept beside it.
BECOMES_CURRENT = frozenset({VersionReason.UPLOAD, VersionReason.SIGNATURE})


@dataclass(frozen=True, slots=True)
class DocumentVersion:
    """One stored state of a document, kept byte for byte as received and never rewritten."""

    id: int
    document_id: int
    version: int
    sha256: str
    size: int
    page_count: int
    storage_key: str
    pdf_version: str
    original_filename: str | None
    uploaded_by: int | None  # None: made by the system (OCR), not a person
    uploaded_at: datetime
    reason: VersionReason = VersionReason.UPLOAD
    derived_from: int | None = None
    signature_count: int = 0  # digital signatures in the file, read from it
    active_content: tuple[ActiveContent, ...] = ()
    irregularities: Mapping[str, object] = field(default_factory=dict)

    @property
    def signed(self) -> bool:
        return self.signature_count > 0


@dataclass(frozen=True, slots=True)
class Derivative:
    """A file made from a version (OCR text, a PDF/A copy, a report), kept beside it."""

    id: int
    document_id: int
    version: int
    kind: str
    storage_key: str
    sha256: str
    size: int
    media_type: str
    detail: Mapping[str, object]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StageEvent:
    """A dossier moved from one stage to another, effective on the date the user gave."""

    id: int
    dossier_id: int
    from_stage: str | None
    to_stage: str
    effective_on: date
    recorded_at: datetime
    actor_id: int | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Document:
    """Văn bản / tài liệu in a dossier; its place in the dossier orders the folio numbers."""

    id: int
    dossier_id: int
    position: int
    kind: str
    title: str
    number: str | None
    issued_on: date | None
    issuer: str | None
    created_at: datetime
    current: DocumentVersion
    versions: tuple[DocumentVersion, ...] = field(default=())

    @property
    def page_count(self) -> int:
        return self.current.page_count
