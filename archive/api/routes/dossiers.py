"""Dossiers: open, list, read, change, share, and their table of contents (mục lục)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import (
    NOT_FOUND,
    DossierChange,
    DossierCreate,
    DossierOut,
    DossierPage,
    FolioOut,
    PartyIO,
    ShareRequest,
    TableOfContents,
    TocLine,
    refusals,
)
from archive.domain.model import Party, PartyKind
from archive.metadata.dossiers import DossierFilter
from archive.services import documents as document_service
from archive.services import dossiers as dossier_service

router = APIRouter(prefix="/api/dossiers", tags=["Hồ sơ · Dossiers"])


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
    responses=refusals((422, "Not valid for the case type"), (409, "Code already used")),
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
        key_dates=body.key_dates,
        custom=body.custom,
    )
    return DossierOut.of(dossier_service.create(archive, actor, draft))


@router.get(
    "",
    response_model=DossierPage,
    summary="Danh sách hồ sơ · List dossiers",
    description="Only dossiers the user may open are counted or returned.",
)
def list_dossiers(
    actor: ActorDep,
    archive: ArchiveDep,
    unit_id: int | None = None,
    case_type: str | None = None,
    field: str | None = None,
    stage: str | None = None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Words in code or title")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
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
    responses=NOT_FOUND,
    summary="Xem hồ sơ · Read a dossier",
)
def get_dossier(dossier_id: int, actor: ActorDep, archive: ArchiveDep) -> DossierOut:
    return DossierOut.of(dossier_service.fetch(archive, actor, dossier_id))


@router.patch(
    "/{dossier_id}",
    response_model=DossierOut,
    responses=NOT_FOUND,
    summary="Sửa thông tin hồ sơ · Change a dossier",
)
def change_dossier(
    dossier_id: int, body: DossierChange, actor: ActorDep, archive: ArchiveDep
) -> DossierOut:
    values: dict[str, object] = body.model_dump(exclude_unset=True)
    if body.parties is not None:
        values["parties"] = _parties(list(body.parties))
    return DossierOut.of(dossier_service.change(archive, actor, dossier_id, values))


@router.post(
    "/{dossier_id}/shares",
    response_model=DossierOut,
    responses=NOT_FOUND,
    summary="Chia sẻ hồ sơ cho đơn vị khác · Share with another unit",
)
def share_dossier(
    dossier_id: int, body: ShareRequest, actor: ActorDep, archive: ArchiveDep
) -> DossierOut:
    return DossierOut.of(dossier_service.share(archive, actor, dossier_id, body.unit_code))


@router.delete(
    "/{dossier_id}/shares/{unit_code}",
    response_model=DossierOut,
    responses=NOT_FOUND,
    summary="Thôi chia sẻ · Stop sharing",
)
def unshare_dossier(
    dossier_id: int, unit_code: str, actor: ActorDep, archive: ArchiveDep
) -> DossierOut:
    return DossierOut.of(dossier_service.unshare(archive, actor, dossier_id, unit_code))


@router.get(
    "/{dossier_id}/contents",
    response_model=TableOfContents,
    responses=NOT_FOUND,
    summary="Mục lục hồ sơ và bút lục · Table of contents with folio numbers",
)
def table_of_contents(dossier_id: int, actor: ActorDep, archive: ArchiveDep) -> TableOfContents:
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
    responses=NOT_FOUND,
    summary="Tìm tờ theo số bút lục · Find the page carrying a folio number",
)
def find_folio(dossier_id: int, folio: int, actor: ActorDep, archive: ArchiveDep) -> FolioOut:
    found = document_service.folio(archive, actor, dossier_id, folio)
    return FolioOut(folio=found.folio, document_id=found.document_id, page=found.page)
