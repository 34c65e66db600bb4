"""Table definitions of the metadata store; Alembic migrations are generated from these."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored and returned as UTC; SQLite keeps no zone, so one is put back."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Row ids are 32-bit integers on PostgreSQL; a larger number names no row on any backend.
MAX_ROW_ID = 2**31 - 1


def storable_id(value: int) -> bool:
    return 0 < value <= MAX_ROW_ID


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _now_column(name: str) -> Column[object]:
    return Column(name, UTCDateTime(), nullable=False)


units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("parent_id", Integer, ForeignKey("units.id"), nullable=True),
    _now_column("created_at"),
    # the unit stands from valid_from to valid_to; one that ended names its successor
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("successor_id", Integer, ForeignKey("units.id"), nullable=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("full_name", String(255), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    _now_column("created_at"),
)

auditor_grants = Table(
    "auditor_grants",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
)

auth_tokens = Table(
    "auth_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    # Only a SHA-256 of the token is kept: a copy of the database opens no session.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(128), nullable=True),
    _now_column("created_at"),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

# A case type names its current version; every version stays, because a dossier keeps the
# version it was opened under (its stages and time limits are those of that day).
case_types = Table(
    "case_types",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("current_version", Integer, nullable=False),
    _now_column("updated_at"),
)

case_type_versions = Table(
    "case_type_versions",
    metadata,
    Column("code", String(64), ForeignKey("case_types.code"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("definition", JSON, nullable=False),
    Column("source", String(16), nullable=False),  # builtin | admin
    _now_column("created_at"),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
)

dossiers = Table(
    "dossiers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("case_type", String(64), ForeignKey("case_types.code"), nullable=False, index=True),
    Column("case_type_version", Integer, nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False, index=True),
    Column("field", String(64), nullable=False),
    Column("stage", String(64), nullable=False),
    Column("retention", String(16), nullable=False),
    Column("opened_on", Date, nullable=False, index=True),
    Column("closed_on", Date, nullable=True),
    Column("parties", JSON, nullable=False),
    Column("custom", JSON, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    _now_column("created_at"),
    _now_column("updated_at"),
)

dossier_shares = Table(
    "dossier_shares",
    metadata,
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id"), primary_key=True, index=True),
    Column("granted_by", Integer, ForeignKey("users.id"), nullable=False),
    _now_column("granted_at"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("number", String(64), nullable=True),
    Column("issued_on", Date, nullable=True),
    Column("issuer", String(255), nullable=True),
    Column("current_version", Integer, nullable=False),
    _now_column("created_at"),
    Index("ix_documents_dossier_position", "dossier_id", "position"),
)

document_versions = Table(
    "document_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("page_count", Integer, nullable=False),
    Column("storage_key", String(255), nullable=False, index=True),
    Column("pdf_version", String(8), nullable=False),
    Column("original_filename", String(255), nullable=True),
    # NULL when the system made the version (an OCR worker), not a person.
    Column("uploaded_by", Integer, ForeignKey("users.id"), nullable=True),
    _now_column("uploaded_at"),
    # Lineage: why this version exists (upload, signature, ocr, pdfa) and which version of
    # the same document it was made from.
    Column("reason", String(16), nullable=False),
    Column("derived_from", Integer, nullable=True),
    Column("signature_count", Integer, nullable=False),
    Column("active_content", JSON, nullable=False),
    Column("irregularities", JSON, nullable=False),
    # When WORM retention was confirmed on the stored object; NULL until then, so a crash
    # between commit and lock leaves a row the retention job finds.
    Column("protected_at", UTCDateTime(), nullable=True, index=True),
    UniqueConstraint("document_id", "version", name="uq_document_versions_document_version"),
)

# SHA-256 of each fixed-size chunk of a stored object, taken at ingest: a download sends a
# chunk only after it matched, so no unverified byte reaches a client.
object_digests = Table(
    "object_digests",
    metadata,
    Column("storage_key", String(255), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("chunk_size", Integer, nullable=False),
    Column("digests", LargeBinary, nullable=False),  # 32 bytes per chunk, in order
)

# Files made from a document version (OCR text, PDF/A copies, reports), kept in the same
# object store and referenced here so the orphan sweep leaves them alone.
derivatives = Table(
    "derivatives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("storage_key", String(255), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("detail", JSON, nullable=False),
    _now_column("created_at"),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    UniqueConstraint("document_id", "version", "kind", name="uq_derivatives_document_version"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer, nullable=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("unit_id", Integer, nullable=True, index=True),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# The latest link of the chain, kept apart so deleting entries from the end is noticed and
# so concurrent writers queue on one row lock instead of forking the chain.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# A stage change of a dossier: the date it took effect is the one the user entered (the
# day the record was made, the decision signed), not the day it was typed in.
dossier_events = Table(
    "dossier_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dossier_id", Integer, ForeignKey("dossiers.id"), nullable=False, index=True),
    Column("from_stage", String(64), nullable=True),
    Column("to_stage", String(64), nullable=False),
    Column("effective_on", Date, nullable=False),
    _now_column("recorded_at"),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("reason", Text, nullable=True),
)

# Failed sign-ins, kept in the store so the lock-out holds across processes and restarts.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(160), nullable=False, index=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
)

# A fixity run goes through the stored objects in key order, in batches that each end well
# inside the queue's visibility timeout; ``position`` is the last key done, so a run whose
# worker died resumes where it stopped.
fixity_runs = Table(
    "fixity_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    _now_column("started_at"),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("position", String(255), nullable=True),
    Column("total", Integer, nullable=False),
    Column("checked", Integer, nullable=False),
    Column("ok", Integer, nullable=False),
    Column("mismatched", Integer, nullable=False),
    Column("missing", Integer, nullable=False),
    Column("bytes_read", BigInteger, nullable=False),
    Column("requested_by", String(64), nullable=False),
)

fixity_checks = Table(
    "fixity_checks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), nullable=False, index=True),
    _now_column("checked_at"),
    Column("storage_key", String(255), nullable=False),
    Column("expected_sha256", String(64), nullable=False),
    Column("actual_sha256", String(64), nullable=True),
    Column("status", String(16), nullable=False),
)

# Changes for other parts (the search index, statistics) written in the same transaction
# as the change itself, so a crash can delay them but never lose them. Numbers come from
# ``outbox_head`` under a row lock held to commit, so they are committed in order: a
# consumer that has read up to N never later finds an N-1 committed behind its back.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    _now_column("created_at"),
    Column("topic", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
)

outbox_head = Table(
    "outbox_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
)

# Each consumer's progress through the outbox, and who holds its current batch until when.
outbox_consumers = Table(
    "outbox_consumers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    _now_column("updated_at"),
)
