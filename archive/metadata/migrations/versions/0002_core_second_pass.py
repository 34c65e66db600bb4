"""core second pass: lineage, chunk digests, derivatives, dossier events, versioned case
types, outbox consumers, stored login failures, resumable fixity runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:38:07
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fixity_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("position", sa.String(length=255), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("mismatched", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("bytes_read", sa.BigInteger(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixity_runs")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failures_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failures_key"), ["key"], unique=False)
    op.create_table(
        "object_digests",
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("digests", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", name=op.f("pk_object_digests")),
    )
    op.create_table(
        "outbox_consumers",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_outbox_consumers")),
    )
    op.create_table(
        "outbox_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_head")),
    )
    op.create_table(
        "case_type_versions",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["code"], ["case_types.code"], name=op.f("fk_case_type_versions_code_case_types")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_case_type_versions_created_by_users")
        ),
        sa.PrimaryKeyConstraint("code", "version", name=op.f("pk_case_type_versions")),
    )
    op.create_table(
        "dossier_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=64), nullable=True),
        sa.Column("to_stage", sa.String(length=64), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_dossier_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_events_dossier_id_dossiers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_events")),
    )
    with op.batch_alter_table("dossier_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dossier_events_dossier_id"), ["dossier_id"], unique=False
        )
    op.create_table(
        "derivatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_derivatives_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_derivatives_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_derivatives")),
        sa.UniqueConstraint(
            "document_id", "version", "kind", name="uq_derivatives_document_version"
        ),
    )
    with op.batch_alter_table("derivatives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_derivatives_storage_key"), ["storage_key"], unique=False
        )

    _version_case_types()
    _lineage_of_versions()
    _events_of_dossiers()
    _numbered_outbox()


def _version_case_types() -> None:
    """Every stored definition becomes version N of its type; dossiers keep that version."""
    conn = op.get_bind()
    old = sa.table(
        "case_types",
        sa.column("code"),
        sa.column("version"),
        sa.column("definition", sa.JSON()),
        sa.column("builtin"),
        sa.column("updated_at", TS),
    )
    rows = conn.execute(sa.select(old)).all()
    if rows:
        op.bulk_insert(
            sa.table(
                "case_type_versions",
                sa.column("code"),
                sa.column("version"),
                sa.column("definition", sa.JSON()),
                sa.column("source"),
                sa.column("created_at", TS),
            ),
            [
                {
                    "code": r.code,
                    "version": r.version,
                    "definition": r.definition,
                    "source": "builtin" if r.builtin else "admin",
                    "created_at": r.updated_at,
                }
                for r in rows
            ],
        )
    with op.batch_alter_table("case_types", schema=None) as batch_op:
        batch_op.alter_column(
            "version", new_column_name="current_version", existing_type=sa.Integer()
        )
        batch_op.drop_column("definition")
        batch_op.drop_column("builtin")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("case_type_version", sa.Integer(), nullable=False, server_default="1")
        )
    conn.execute(
        sa.text(
            "UPDATE dossiers SET case_type_version = (SELECT current_version FROM case_types "
            "WHERE case_types.code = dossiers.case_type)"
        )
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.alter_column("case_type_version", server_default=None)


def _lineage_of_versions() -> None:
    """Versions stored before lineage existed were uploads; later ones follow the one before.
    Their retention is re-confirmed by the protect job (``protected_at`` starts empty)."""
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=16), nullable=False, server_default="upload")
        )
        batch_op.add_column(sa.Column("derived_from", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("signature_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("active_content", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("irregularities", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(sa.Column("protected_at", TS, nullable=True))
        batch_op.alter_column("uploaded_by", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_document_versions_protected_at"), ["protected_at"], unique=False
        )
    conn = op.get_bind()
    conn.execute(
        sa.text("UPDATE document_versions SET derived_from = version - 1 WHERE version > 1")
    )
    conn.execute(sa.text("UPDATE document_versions SET signature_count = 1 WHERE signed"))
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        for name in ("reason", "signature_count", "active_content", "irregularities"):
            batch_op.alter_column(name, server_default=None)
        batch_op.drop_column("signed")  # now read from signature_count, never stored twice


def _events_of_dossiers() -> None:
    """A history for dossiers opened before events existed: their key dates, in date order,
    then the current stage if no key date named it."""
    conn = op.get_bind()
    dossiers = sa.table(
        "dossiers",
        sa.column("id"),
        sa.column("stage"),
        sa.column("opened_on", sa.Date()),
        sa.column("key_dates", sa.JSON()),
        sa.column("created_by"),
    )
    rows = []
    now = datetime.now(UTC)
    for d in conn.execute(sa.select(dossiers)).all():
        dates = sorted(
            ((date.fromisoformat(v), k) for k, v in (d.key_dates or {}).items()),
            key=lambda pair: pair[0],
        )
        previous = None
        effective = d.opened_on
        for day, stage in dates:
            rows.append(
                {
                    "dossier_id": d.id,
                    "from_stage": previous,
                    "to_stage": stage,
                    "effective_on": day,
                    "recorded_at": now,
                    "actor_id": d.created_by,
                    "reason": "migrated from key dates",
                }
            )
            previous, effective = stage, day
        if previous != d.stage:
            rows.append(
                {
                    "dossier_id": d.id,
                    "from_stage": previous,
                    "to_stage": d.stage,
                    "effective_on": effective,
                    "recorded_at": now,
                    "actor_id": d.created_by,
                    "reason": "migrated: stage without a key date",
                }
            )
    if rows:
        op.bulk_insert(
            sa.table(
                "dossier_events",
                sa.column("dossier_id"),
                sa.column("from_stage"),
                sa.column("to_stage"),
                sa.column("effective_on", sa.Date()),
                sa.column("recorded_at", TS),
                sa.column("actor_id"),
                sa.column("reason"),
            ),
            rows,
        )
    # Dates of stages are the events' now; a second copy could only disagree with them.
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("key_dates")


def _numbered_outbox() -> None:
    conn = op.get_bind()
    last = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM outbox")).scalar_one()
    op.bulk_insert(
        sa.table("outbox_head", sa.column("id"), sa.column("seq")), [{"id": 1, "seq": last}]
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.Integer(),
            type_=sa.BigInteger(),
            existing_nullable=False,
        )
        batch_op.drop_index(batch_op.f("ix_outbox_processed_at"))
        batch_op.drop_column("processed_at")
    if conn.dialect.name == "postgresql":
        # Numbers now come from outbox_head; the serial's default would only mislead.
        conn.execute(sa.text("ALTER TABLE outbox ALTER COLUMN id DROP DEFAULT"))
        conn.execute(sa.text("DROP SEQUENCE IF EXISTS outbox_id_seq"))


def downgrade() -> None:
    raise NotImplementedError(
        "0002 moves data (case type versions, dossier events); restore a backup instead"
    )
