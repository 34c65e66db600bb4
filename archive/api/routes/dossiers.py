"""Dossiers: open, list, read, change, move through stages, share, and their mục lục."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from archive.api.answers import TEXT, answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import (
    DossierChange,
    DossierCreate,
    DossierOut,
    DossierPage,
    FolioOut,
    PartyIO,
    ShareRequest,
    StageEventOut,
    StageMove,
    TableOfContents,
    TocLine,
)
from archive.domain.model import Party, PartyKind
from archive.metadata.dossiers import DossierFilter
from archive.metadata.schema import MAX_ROW_ID
from archive.services import documents as document_service
from archive.services import dossiers as dossier_service

router = APIRouter(prefix="/api/dossiers", tags=["Hồ sơ · Dossiers"])
# Ids name rows or nothing: any integer is accepted, and one that names nothing (too
# large for a row id included) is simply not found, like a missing one.
DossierId = int
NOT_FOUND = "dossier_not_found"
CASE_TYPE_RULES = (
    "unknown_field_of_law",
    "unknown_party_role",
    "bad_custom",
    "bad_custom_field",
    "missing_custom_field",
    "unknown_custom_field",
    "bad_retention",
    "missing_title",
    "bad_dates",
)
CHANGE_RIGHTS = ("role_not_allowed", NOT_FOUND, "not_owner_unit")


def _parties(items: list[PartyIO]) -> tuple[Party, ...]:
    return tuple(
        Party(
            role=p.role,
            kind=PartyKind(p.kind),
            name=p.name,
            id_number=p.id_number,
            address=p.address,
        )
        for p in items
    )


@router.post(
    "",
    response_model=DossierOut,
    status_code=201,
    summary="Mở hồ sơ mới · Open a dossier",
    responses=answers(
        "role_not_allowed",
        "unknown_case_type",
        "unknown_stage",
        "unit_not_found",
        "unit_not_allowed",
        "unit_ended",
        "dossier_code_taken",
        *CASE_TYPE_RULES,
        *TEXT,
        changes=True,
    ),
)
def create_dossier(body: DossierCreate, actor: ActorDep, archive: ArchiveDep) -> DossierOut:
    draft = dossier_service.DossierDraft(
        case_type=body.case_type,
        title=body.title,
        field=body.field,
        opened_on=body.opened_on,
        unit_code=body.unit_code,
        code=body.code,
        stage=body.stage,
        retention=body.retention,
        closed_on=body.closed_on,
        parties=_parties(list(body.parties)),
        custom=body.custom,
    )
    return DossierOut.of(dossier_service.create(archive, actor, draft))


@router.get(
    "",
    response_model=DossierPage,
    responses=answers(*TEXT),
    summary="Danh sách hồ sơ · List dossiers",
    description="Only dossiers the user may open are counted or returned.",
)
def list_dossiers(
    actor: ActorDep,
    archive: ArchiveDep,
    unit_id: int | None = None,
    case_type: Annotated[str | None, Query(max_length=64)] = None,
    field: Annotated[str | None, Query(max_length=64)] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A part of the code or title, or (with the search stage) words "
            "anywhere in the dossier's details and pages, typed as in a search",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> DossierPage:
    flt = DossierFilter(
        unit_id=unit_id,
        case_type=case_type,
        field=field,
        stage=stage,
        opened_from=opened_from,
        opened_to=opened_to,
        text=q,
    )
    items, total = dossier_service.listing(archive, actor, flt, limit=limit, offset=offset)
    return DossierPage(
        total=total, limit=limit, offset=offset, items=[DossierOut.of(d) for d in items]
    )


@router.get(
    "/{dossier_id}",
    response_model=DossierOut,
    responses=answers(NOT_FOUND),
    summary="Xem hồ sơ · Read a dossier",
)
def get_dossier(dossier_id: DossierId, actor: ActorDep, archive: ArchiveDep) -> DossierOut:
    return DossierOut.of(dossier_service.fetch(archive, actor, dossier_id))


@router.patch(
    "/{dossier_id}",
    response_model=DossierOut,
    responses=answers(
        *CHANGE_RIGHTS,
        "missing_value",
        "unknown_dossier_field",
        *CASE_TYPE_RULES,
        *TEXT,
        changes=True,
    ),
    summary="Sửa thông tin hồ sơ · Change a dossier's description",
    description="Its stage moves through `POST /api/dossiers/{dossier_id}/events`.",
)
def change_dossier(
    dossier_id: DossierId, body: DossierChange, actor: ActorDep, archive: ArchiveDep
) -> DossierOut:
    values: dict[str, object] = body.model_dump(exclude_unset=True)
    if body.parties is not None:
        values["parties"] = _parties(list(body.parties))
    return DossierOut.of(dossier_service.change(archive, actor, dossier_id, values))


@router.post(
    "/{dossier_id}/events",
    response_model=StageEventOut,
    status_code=201,
    responses=answers(
        *CHANGE_RIGHTS,
        "unknown_stage",
        "stage_not_allowed",
        "date_in_future",
        "date_before_previous_stage",
        *TEXT,
        changes=True,
    ),
    summary="Chuyển giai đoạn · Move the dossier to its next stage",
    description="Records who moved it, why, and the date the step took effect; deadlines "
    "are counted from these events.",
)
def move_stage(
    dossier_id: DossierId, body: StageMove, actor: ActorDep, archive: ArchiveDep
) -> StageEventOut:
    event = dossier_service.move_stage(
        archive,
        actor,
        dossier_id,
        to_stage=body.to_stage,
        effective_on=body.effective_on,
        reason=body.reason,
    )
    return StageEventOut.of(event)


@router.get(
    "/{dossier_id}/events",
    response_model=list[StageEventOut],
    responses=answers(NOT_FOUND),
    summary="Các bước đã qua · The dossier's stage history",
)
def stage_history(
    dossier_id: DossierId, actor: ActorDep, archive: ArchiveDep
) -> list[StageEventOut]:
    return [StageEventOut.of(e) for e in dossier_service.events(archive, actor, dossier_id)]


@router.post(
    "/{dossier_id}/shares",
    response_model=DossierOut,
    responses=answers(*CHANGE_RIGHTS, "unit_not_found", changes=True),
    summary="Chia sẻ hồ sơ cho đơn vị khác · Share with another unit",
)
def share_dossier(
    dossier_id: DossierId, body: ShareRequest, actor: ActorDep, archive: ArchiveDep
) -> DossierOut:
    return DossierOut.of(dossier_service.share(archive, actor, dossier_id, body.unit_code))


@router.delete(
    "/{dossier_id}/shares/{unit_code}",
    response_model=DossierOut,
    responses=answers(*CHANGE_RIGHTS, "unit_not_found", changes=True),
    summary="Thôi chia sẻ · Stop sharing",
)
def unshare_dossier(
    dossier_id: DossierId,
    unit_code: Annotated[str, Path(max_length=64)],
    actor: ActorDep,
    archive: ArchiveDep,
) -> DossierOut:
    return DossierOut.of(dossier_service.unshare(archive, actor, dossier_id, unit_code))


@router.get(
    "/{dossier_id}/contents",
    response_model=TableOfContents,
    responses=answers(NOT_FOUND),
    summary="Mục lục hồ sơ và bút lục · Table of contents with folio numbers",
)
def table_of_contents(
    dossier_id: DossierId, actor: ActorDep, archive: ArchiveDep
) -> TableOfContents:
    dossier, entries = dossier_service.contents(archive, actor, dossier_id)
    return TableOfContents(
        dossier_id=dossier.id,
        dossier_code=dossier.code,
        total_folios=entries[-1].last_folio if entries else 0,
        entries=[TocLine.of(e) for e in entries],
    )


@router.get(
    "/{dossier_id}/folios/{folio}",
    response_model=FolioOut,
    responses=answers(NOT_FOUND, "folio_out_of_range"),
    summary="Tìm tờ theo số bút lục · Find the page carrying a folio number",
)
def find_folio(
    dossier_id: DossierId,
    folio: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    actor: ActorDep,
    archive: ArchiveDep,
) -> FolioOut:
    found = document_service.folio(archive, actor, dossier_id, folio)
    return FolioOut(folio=found.folio, document_id=found.document_id, page=found.page)
