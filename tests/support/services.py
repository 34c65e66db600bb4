"""Helpers for tests that call the archive's services directly (below the API)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from archive.domain.model import User
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.services import accounts, dossiers
from archive.services import documents as document_service
from archive.services.context import Actor, Archive


def official(archive: Archive) -> User:
    """An official of Phòng Tư pháp, made without password hashing (only the actor matters)."""
    unit = accounts.create_unit(archive, "tu_phap", "Phòng Tư pháp", None, by=None)
    with archive.db.write() as conn:
        return account_rows.add_user(
            conn, "chuyen_vien", "Nguyễn Văn Đức", "x", Role.OFFICIAL, unit.id
        )


def new_dossier(
    archive: Archive, who: User | Actor, title: str = "Vi phạm trật tự xây dựng"
) -> int:
    actor = who if isinstance(who, Actor) else archive.actor(who)
    draft = dossiers.DossierDraft(
        case_type="xlvphc",
        title=title,
        field="xay_dung",
        opened_on=date(2024, 5, 26),
        custom={"violation": "Xây dựng không phép"},
    )
    return dossiers.create(archive, actor, draft).id


def received(
    archive: Archive, data: bytes, filename: str = "bien-ban.pdf"
) -> document_service.ReceivedFile:
    """Bytes placed in the upload spool as the API would leave them after receiving."""
    archive.incoming_dir.mkdir(parents=True, exist_ok=True)
    path = archive.incoming_dir / f"test-{secrets.token_hex(6)}.pdf"
    path.write_bytes(data)
    return document_service.ReceivedFile(
        path, hashlib.sha256(data).hexdigest(), len(data), filename
    )
