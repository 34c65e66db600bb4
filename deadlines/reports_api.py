"""Periodic statistics reports: ``GET /api/reports/{form}`` as JSON data, XLSX or PDF."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.metadata import audit
from archive.services.dossiers import today
from deadlines.reporting import MEDIA, Format, file_name, file_of, report_for
from deadlines.reports import Form, PeriodKind, ReportPeriod
from deadlines.stats_api import unavailable
from deadlines.stats_elastic import StatisticsUnavailable

router = APIRouter(tags=["Thống kê · Statistics"])


@router.get(
    "/api/reports/{form}",
    responses={
        **answers("bad_period", "unit_not_found", "not_ready"),
        200: {
            "content": {"application/json": {}, **{media: {} for media in MEDIA.values()}},
            "description": "The report: data (format=json), or the XLSX or PDF file",
        },
    },
    summary="Báo cáo thống kê định kỳ · Periodic statistics report",
    description="The report form `xlvphc` (sanctions by field of law, Circular 01/2023/"
    "TT-BTP as amended by 19/2025/TT-BTP) or `thads` (civil judgment enforcement in cases "
    "and money, Circular 05/2024/TT-BTP, counted from the statistics year's 1 October) for "
    "a month, quarter, half or year, for one unit (with the units below it, and those "
    "merged into it by the period's end) or for all one may read; as JSON data, XLSX or "
    "PDF with the signer block. Every report made is audited.",
)
def report(
    form: Form,
    actor: ActorDep,
    archive: ArchiveDep,
    year: Annotated[int, Query(ge=2000, le=2100, description="The (statistics) year")],
    period: PeriodKind = PeriodKind.YEAR,
    number: Annotated[int, Query(ge=1, le=12, description="Month, quarter or half")] = 1,
    unit: Annotated[str | None, Query(max_length=64, description="Unit code")] = None,
    as_of: date | None = None,
    format: Format = Format.JSON,
    signer_name: Annotated[str, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
    signer_title: Annotated[str, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = "",
) -> Response:
    try:
        made = report_for(
            archive,
            form,
            ReportPeriod(period, year, number),
            reader=actor,
            unit_code=unit,
            as_of=as_of or today(),
            signer_name=signer_name,
            signer_title=signer_title,
        )
    except StatisticsUnavailable as exc:
        raise unavailable(exc) from None
    with archive.db.write() as conn:
        audit.append(
            conn,
            actor_id=actor.user.id,
            actor=actor.user.username,
            action="report.make",
            object_type="report",
            object_id=f"{form.value}:{made.period_start.isoformat()}..{made.period_end.isoformat()}",
            detail={"unit": unit, "format": format.value, "as_of": made.as_of.isoformat()},
        )
    if format is Format.JSON:
        return JSONResponse(jsonable_encoder(dataclasses.asdict(made)))
    return Response(
        file_of(made, format),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{file_name(made, format)}"'},
    )
