"""Case types: read by everyone; changed by administrators, each change a new version."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.api.schemas import CaseTypeVersionOut
from archive.domain.access import require
from archive.domain.errors import case_type_not_found
from archive.domain.roles import Action
from archive.services import casetypes

router = APIRouter(prefix="/api/case-types", tags=["Loại hồ sơ · Case types"])
Code = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_]+$")]
Definition = Annotated[
    dict[str, Any],
    Body(
        description="The whole definition: name, fields_of_law, fields, party_roles, stages, "
        "transitions, document_kinds, events, deadlines, deadline_gaps, pauses (see GET and "
        "the README). Its version is assigned."
    ),
]


@router.get(
    "",
    responses=answers(validated=False),
    summary="Các loại hồ sơ · Case types",
    description="The current version of each: fields, stages, transitions, document kinds, "
    "events and deadline rules with the dates they are in force.",
)
def list_case_types(actor: ActorDep, archive: ArchiveDep) -> list[dict[str, Any]]:
    return casetypes.current(archive)


@router.get(
    "/{code}",
    responses=answers("case_type_not_found"),
    summary="Một loại hồ sơ · One case type",
    description="The current version, or `?version=N` (the one a dossier keeps).",
)
def get_case_type(
    code: Code,
    actor: ActorDep,
    archive: ArchiveDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> dict[str, Any]:
    found = casetypes.definition(archive, code, version)
    if found is None:
        raise case_type_not_found(code)
    return found


@router.get(
    "/{code}/versions",
    response_model=list[CaseTypeVersionOut],
    responses=answers("case_type_not_found"),
    summary="Các phiên bản · Versions of a case type",
)
def versions(code: Code, actor: ActorDep, archive: ArchiveDep) -> list[CaseTypeVersionOut]:
    found = casetypes.history(archive, code)
    if not found:
        raise case_type_not_found(code)
    return [
        CaseTypeVersionOut(
            code=v.code,
            version=v.version,
            source=v.source,
            current=v.current,
            created_at=v.created_at,
            created_by=v.created_by,
        )
        for v in found
    ]


@router.put(
    "/{code}",
    responses=answers("role_not_allowed", "case_type_not_found", "bad_case_type", changes=True),
    summary="Sửa loại hồ sơ (phiên bản mới) · Change a case type (a new version)",
    description="Stored as the next version and made current. Dossiers already opened keep "
    "the version they were opened under.",
)
def change_case_type(
    code: Code, body: Definition, actor: ActorDep, archive: ArchiveDep
) -> dict[str, Any]:
    require(actor.user, Action.MANAGE)
    return casetypes.save(archive, actor.user, code, body, new=False)


@router.post(
    "",
    status_code=201,
    responses=answers("role_not_allowed", "case_type_exists", "bad_case_type", changes=True),
    summary="Thêm loại hồ sơ · Add a case type",
)
def add_case_type(body: Definition, actor: ActorDep, archive: ArchiveDep) -> dict[str, Any]:
    require(actor.user, Action.MANAGE)
    return casetypes.save(archive, actor.user, str(body.get("code", "")), body, new=True)
