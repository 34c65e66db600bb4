"""The audit trail: reading entries and proving the chain unbroken."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import AuditOut, ChainOut, refusals
from archive.domain.access import require
from archive.domain.roles import Action
from archive.metadata import audit
from archive.services import trail

router = APIRouter(prefix="/api/audit", tags=["Nhật ký · Audit trail"])
FORBIDDEN = refusals((403, "Administrators and auditors only"))


@router.get(
    "",
    response_model=list[AuditOut],
    responses=FORBIDDEN,
    summary="Nhật ký thao tác · Audit entries, newest first",
    description="Administrators see every entry; auditors those of their units.",
)
def entries(
    actor: ActorDep,
    archive: ArchiveDep,
    object_type: str | None = None,
    object_id: str | None = None,
    before_seq: int | None = None,
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
    responses=FORBIDDEN,
    summary="Kiểm tra tính toàn vẹn nhật ký · Verify the hash chain",
)
def verify(actor: ActorDep, archive: ArchiveDep) -> ChainOut:
    require(actor.user, Action.READ_AUDIT)
    report = trail.verify(archive)
    return ChainOut(
        intact=report.intact,
        entries=report.entries,
        head_hash=report.head_hash,
        problems=list(report.problems),
    )
