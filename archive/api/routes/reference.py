"""Reference data every user reads: case types with their stages, kinds and fields."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import refusals
from archive.domain.errors import NotFound
from archive.metadata import casetypes

router = APIRouter(prefix="/api/case-types", tags=["Loại hồ sơ · Case types"])


@router.get(
    "",
    summary="Các loại hồ sơ · Case types",
    description="Each definition as stored: fields, stages, transitions, document "
    "kinds and time limits with the dates they took effect.",
)
def list_case_types(actor: ActorDep, archive: ArchiveDep) -> list[dict[str, Any]]:
    with archive.db.read() as conn:
        return list(casetypes.all_definitions(conn).values())


@router.get(
    "/{code}",
    responses=refusals((404, "No such case type")),
    summary="Một loại hồ sơ · One case type",
)
def get_case_type(code: str, actor: ActorDep, archive: ArchiveDep) -> dict[str, Any]:
    with archive.db.read() as conn:
        found = casetypes.all_definitions(conn).get(code)
    if found is None:
        raise NotFound(
            "unknown_case_type",
            f"Không có loại hồ sơ '{code}'.",
            f"There is no case type '{code}'.",
        )
    return found
