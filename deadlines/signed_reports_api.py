"""Signing a periodic report and reading the signed ones over HTTP:
``POST /api/reports/{form}/signed`` (the head of the unit, with a key and PIN or the remote
signing account), ``GET …/signed`` (the list), ``GET …/signed/{id}`` (the signed PDF) and
``GET …/signed/{id}/verification``."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.metadata.schema import MAX_ROW_ID
from deadlines import signed_reports
from deadlines.reports import Form as ReportForm
from deadlines.reports import PeriodKind, ReportPeriod
from deadlines.stats_api import unavailable
from deadlines.stats_elastic import StatisticsUnavailable
from signing.api import (
    OUTAGE_CODES,
    VERIFICATION_ANSWERS,
    ReportFormat,
    chosen_signing,
    key_or_remote,
    png_image,
)
from signing.service import verification_report_pdf

router = APIRouter(tags=["Thống kê · Statistics"])

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
_PLAIN = r"^[^\x00-\x1f\x7f]*$"


@router.post(
    "/api/reports/{form}/signed",
    status_code=201,
    responses=answers(
        "bad_period",
        "unit_not_found",
        "role_not_allowed",
        "not_owner_unit",
        "key_or_remote",
        "key_unreadable",
        "certificate_out_of_date",
        "bad_signature_image",
        "remote_not_configured",
        "remote_rejected",
        "remote_bad_signature",
        "remote_unsupported_key",
        "not_ready",
        *OUTAGE_CODES,
        changes=True,
    ),
    summary="Ký số báo cáo định kỳ · Sign a periodic report",
    description="For the head of the unit (a leader). Send `multipart/form-data` with the "
    "period (`year`, `period`, `number`), the `unit` (your own by default, or one below "
    "it), the key file `key` (PKCS#12) with its `pin` or the remote signing account "
    "`remote_user`, and optionally your `title` for the signer block and stamp and a "
    "transparent PNG `image`. The report is made as it stands today, exactly as `GET "
    "/api/reports/{form}?format=pdf` makes it, with your name in the signer block, signed "
    "in the block's place at the installation's PAdES level (certifying it) and kept "
    "unchangeable; the answer describes the signed report. Audited as `report.sign`.",
)
async def sign_report(
    form: ReportForm,
    actor: ActorDep,
    archive: ArchiveDep,
    year: Annotated[int, Form(ge=2000, le=2100)],
    period: Annotated[PeriodKind, Form()] = PeriodKind.YEAR,
    number: Annotated[int, Form(ge=1, le=12)] = 1,
    unit: Annotated[str, Form(max_length=64, pattern=_PLAIN)] = "",
    key: Annotated[UploadFile | None, File(description="PKCS#12 key file (.p12/.pfx)")] = None,
    pin: Annotated[str, Form(max_length=256)] = "",
    remote_user: Annotated[str, Form(max_length=128, pattern=_PLAIN)] = "",
    title: Annotated[str, Form(max_length=100, pattern=_PLAIN)] = "",
    image: Annotated[UploadFile | None, File(description="Signature or seal PNG")] = None,
) -> JSONResponse:
    key_bytes = await key_or_remote(key, remote_user)
    picture = await png_image(image, ("Ảnh chữ ký", "The signature image"))

    def work() -> signed_reports.SignedReport:
        chosen = ReportPeriod(period, year, number)
        chosen.check()
        # who may sign what first: no key is opened, no signing service asked, before
        reporting = signed_reports.signing_unit(archive, actor, unit or None)
        signing = chosen_signing(archive, key_bytes, pin, remote_user)
        return signed_reports.sign(
            archive,
            actor,
            form,
            chosen,
            signing,
            unit=reporting,
            title=title,
            image=picture or None,
        )

    try:
        made = await anyio.to_thread.run_sync(work)
    except StatisticsUnavailable as exc:
        raise unavailable(exc) from None
    return JSONResponse(_described(made), status_code=201)


@router.get(
    "/api/reports/{form}/signed",
    responses=answers(),
    summary="Báo cáo đã ký số · Signed reports",
    description="The signed reports of this form for the units you may read, newest first, "
    "optionally of one `year`: period, unit, the day the figures stand at, signer, "
    "PAdES level and SHA-256.",
)
def list_signed(
    form: ReportForm,
    actor: ActorDep,
    archive: ArchiveDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> dict[str, Any]:
    found = signed_reports.listed(archive, actor, form=form, year=year)
    return {"reports": [_described(r) for r in found]}


@router.get(
    "/api/reports/{form}/signed/{report_id}",
    responses={
        **answers("report_not_found", "checksum_mismatch", "object_missing"),
        200: {"content": {"application/pdf": {}}, "description": "The signed report"},
    },
    summary="Tải báo cáo đã ký số · Download a signed report",
    description="The signed PDF exactly as signed, checked against its SHA-256 first: a "
    "copy that fails the check is not sent (500 `checksum_mismatch`).",
)
async def signed_file(
    form: ReportForm, report_id: RowId, actor: ActorDep, archive: ArchiveDep
) -> Response:
    found, data = await anyio.to_thread.run_sync(
        signed_reports.content, archive, actor, report_id, form
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{found.file_name()}"',
            "Digest": f"sha-256={found.sha256}",
        },
    )


@router.get(
    "/api/reports/{form}/signed/{report_id}/verification",
    responses={
        **answers("report_not_found", "checksum_mismatch", "object_missing"),
        **VERIFICATION_ANSWERS,
    },
    summary="Kiểm tra chữ ký số của báo cáo · Verify a signed report",
    description="Every signature of the signed report, checked offline against the "
    "installation's trust roots, as for a document; `format=pdf` gives the printable "
    "verification report.",
)
async def verify_signed(
    form: ReportForm,
    report_id: RowId,
    actor: ActorDep,
    archive: ArchiveDep,
    format: ReportFormat = ReportFormat.JSON,
) -> Response:
    found, data = await anyio.to_thread.run_sync(
        signed_reports.content, archive, actor, report_id, form
    )
    report = await anyio.to_thread.run_sync(signed_reports.verification, archive, found, data)
    if format is ReportFormat.PDF:
        pdf = await anyio.to_thread.run_sync(
            lambda: verification_report_pdf(archive, [report], f"Báo cáo đã ký số {report_id}")
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="kiem-tra-chu-ky-bao-cao-{report_id}.pdf"'
                )
            },
        )
    return JSONResponse(report.as_json())


def _described(report: signed_reports.SignedReport) -> dict[str, Any]:
    return {
        **jsonable_encoder(dataclasses.asdict(report)),
        "download": f"/api/reports/{report.form}/signed/{report.id}",
    }
