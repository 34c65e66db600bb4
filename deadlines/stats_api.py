"""Statistics for the dashboard and the reports: ``GET /api/statistics``."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.domain.errors import Invalid
from archive.metadata import accounts
from archive.services.context import NotReady
from archive.services.dossiers import today
from deadlines.indicators import CODES, INDICATORS, GroupBy, Period, check_period
from deadlines.stats_elastic import StatisticsUnavailable
from deadlines.stats_feed import reach_of, statistics_for

router = APIRouter(tags=["Thống kê · Statistics"])
log = logging.getLogger(__name__)


def unavailable(exc: StatisticsUnavailable) -> NotReady:
    log.error("statistics failed: %s", exc)
    return NotReady(
        "Máy thống kê (Elasticsearch) đang không trả lời; hãy thử lại sau ít phút (số liệu "
        "không bị mất). / The statistics engine (Elasticsearch) does not answer; try again "
        "in a few minutes (nothing is lost)."
    )


class IndicatorOut(BaseModel):
    code: str
    vi: str
    en: str


class GroupOut(BaseModel):
    key: str
    name: str
    values: dict[str, int]


class StatisticsOut(BaseModel):
    start: date = Field(serialization_alias="from")
    to: date
    as_of: date
    group_by: GroupBy
    engine: str = Field(description="sql (embedded) or elasticsearch (scaled)")
    indicators: list[IndicatorOut]
    groups: list[GroupOut]
    total: dict[str, int]


@router.get(
    "/api/statistics",
    response_model=StatisticsOut,
    response_model_by_alias=True,
    responses=answers("bad_period", "unknown_case_type", "not_ready"),
    summary="Thống kê · Statistics by unit, field or case type",
    description="Each indicator over the period `from`–`to` as of `as_of` (default today): "
    "counts of cases whose date (opened, accepted, decided, paid, enforced, completed, "
    "closed) falls in the period by that day, sums of their money in whole đồng, and the "
    "cases open at its end. Only the units one may read are counted. SQL when embedded, "
    "Elasticsearch aggregations when scaled: the same numbers.",
)
def statistics(
    actor: ActorDep,
    archive: ArchiveDep,
    start: Annotated[date, Query(alias="from")],
    to: date,
    as_of: date | None = None,
    group_by: GroupBy = GroupBy.UNIT,
    case_type: Annotated[list[str] | None, Query(description="Case type codes")] = None,
) -> StatisticsOut:
    check_period(start, to)
    known = archive.case_types()
    unknown = sorted(set(case_type or ()) - set(known))
    if unknown:
        raise Invalid(
            "unknown_case_type",
            "Không có loại hồ sơ đã chọn.",
            "No such case type.",
            allowed=sorted(known),
        )
    day = as_of or today()
    units, grants = reach_of(actor.scope)
    try:
        found = statistics_for(archive).counts(
            Period.asked(start, to, day),
            group_by,
            unit_ids=units,
            grants=grants,
            case_types=case_type or (),
        )
    except StatisticsUnavailable as exc:
        raise unavailable(exc) from None
    names: dict[str, str] = {}
    if group_by is GroupBy.UNIT:
        with archive.db.read() as conn:
            names = {str(u.id): u.name for u in accounts.list_units(conn)}
    elif group_by is GroupBy.CASE_TYPE:
        names = {code: ct.name.vi for code, ct in known.items()}
    else:
        names = {f.code: f.name.vi for ct in known.values() for f in ct.fields_of_law}
    total = {code: sum(g[code] for g in found.values()) for code in CODES}
    return StatisticsOut(
        start=start,
        to=to,
        as_of=day,
        group_by=group_by,
        engine=statistics_for(archive).engine,
        indicators=[IndicatorOut(code=i.code, vi=i.vi, en=i.en) for i in INDICATORS],
        groups=[
            GroupOut(key=key, name=names.get(key, key), values=values)
            for key, values in sorted(found.items(), key=lambda kv: names.get(kv[0], kv[0]))
        ],
        total=total,
    )


@router.get(
    "/api/exports/xlvphc",
    responses=answers("bad_period"),
    summary="Xuất dữ liệu cho CSDL quốc gia về XLVPHC · Export for the national database",
    description="One record per sanction decision issued in the period (Decree 20/2016): the "
    "violator's identity, provision violated, sanctions, fine, confiscations, the decision's "
    "number, date and issuer, later changes and the date fully executed; as a JSON file. "
    "Only the units one may read; every export is audited.",
)
def export_xlvphc(
    actor: ActorDep,
    archive: ArchiveDep,
    start: Annotated[date, Query(alias="from")],
    to: date,
) -> JSONResponse:
    from archive.metadata import audit
    from deadlines.national_export import export

    made = export(archive, actor, start, to)
    with archive.db.write() as conn:
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="export.xlvphc",
            object_type="export",
            object_id=f"{start.isoformat()}..{to.isoformat()}",
            detail={"records": len(made.records)},
        )
    name = f"csdl-xlvphc-{start.isoformat()}-{to.isoformat()}.json"
    return JSONResponse(
        made.as_file(), headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
