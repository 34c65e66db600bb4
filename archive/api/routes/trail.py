"""The audit trail: reading entries and proving the chain unbroken."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import AuditOut, ChainOut
from archive.domain.access import require
from archive.domain.roles import Action
from archive.metadata import audit
from archive.services import trail

router = APIRouter(prefix="/api/audit", tags=["Nhật ký · Audit trail"])
# Entry numbers are 64-bit; anything larger names no entry.
MAX_SEQ = 2**62
# Names and ids hold no control characters (PostgreSQL refuses NUL in any text it is sent).
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


@router.get(
    "",
    response_model=list[AuditOut],
    responses=answers("role_not_allowed"),
    summary="Nhật ký thao tác · Audit entries, newest first",
    description="Administrators see every entry; auditors those of their units.",
)
def entries(
    actor: ActorDep,
    archive: ArchiveDep,
    object_type: Annotated[str | None, Query(max_length=32, pattern=PRINTABLE)] = None,
    object_id: Annotated[str | None, Query(max_length=64, pattern=PRINTABLE)] = None,
    before_seq: Annotated[int | None, Query(ge=1, le=MAX_SEQ)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    require(actor.user, Action.READ_AUDIT)
    with archive.db.read() as conn:
        found = audit.recent(
            conn,
            scope=actor.scope,
            object_type=object_type,
            object_id=object_id,
            limit=limit,
            before_seq=before_seq,
        )
    return [
        AuditOut(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            unit_id=e.unit_id,
            detail=dict(e.detail),
            hash=e.hash,
        )
        for e in found
    ]


@router.get(
    "/verify",
    response_model=ChainOut,
    responses=answers("role_not_allowed", validated=False),
    summary="Kiểm tra tính toàn vẹn nhật ký · Verify the hash chain",
    description="Checks every entry, the recorded head and every checkpoint of the head "
    "kept in the object store. Names the first entry of each break and counts the rest.",
)
def verify(actor: ActorDep, archive: ArchiveDep) -> ChainOut:
    require(actor.user, Action.READ_AUDIT)
    report = trail.verify(archive)
    return ChainOut(
        intact=report.intact,
        entries=report.entries,
        head_hash=report.head_hash,
        broken=report.broken,
        first_break=report.first_break,
        problems=list(report.problems),
    )
