"""A report for a person (or, on the command line, for the installation): the reporting
unit chosen, counted within what the reader may read, signed off by the head named;
written as JSON data, XLSX or PDF."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from archive.metadata import accounts
from archive.services.accounts import unit_named
from archive.services.context import Actor, Archive
from deadlines.report import Report, Signer
from deadlines.reports import Audience, Form, ReportPeriod, build
from deadlines.stats_feed import reach_of, statistics_for


class Format(StrEnum):
    JSON = "json"
    XLSX = "xlsx"
    PDF = "pdf"


MEDIA = {
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.PDF: "application/pdf",
}


def report_for(
    archive: Archive,
    form: Form,
    period: ReportPeriod,
    *,
    reader: Actor | None,
    unit_code: str | None,
    as_of: date,
    signer_name: str = "",
    signer_title: str = "",
) -> Report:
    period.check()
    known = archive.case_types()
    if form is Form.THADS:
        types = [c for c, t in known.items() if t.deadlines.counted.money_due is not None]
    else:
        types = [c for c, t in known.items() if t.deadlines.counted.fine_imposed is not None]
    field_names = {f.code: f.name.vi for code in types for f in known[code].fields_of_law}
    with archive.db.read() as conn:
        units = accounts.list_units(conn)
        unit = unit_named(conn, unit_code) if unit_code else None
    by_id = {u.id: u for u in units}
    parent = by_id.get(unit.parent_id) if unit and unit.parent_id else None
    reach, grants = reach_of(reader.scope) if reader else (None, ())
    signer = Signer(
        place=archive.settings.report_place or "……",
        on=as_of,
        title=(signer_title or "THỦ TRƯỞNG ĐƠN VỊ").upper(),
        name=signer_name,
        preparer_name=reader.user.full_name if reader else "",
    )
    return build(
        statistics_for(archive),
        form,
        period,
        Audience(unit, reach, grants),
        units=units,
        field_names=field_names,
        case_types=types,
        as_of=as_of,
        signer=signer,
        agency=parent.name.upper() if parent else "",
    )


def file_of(report: Report, form: Format) -> bytes:
    if form is Format.XLSX:
        from deadlines.report_xlsx import xlsx_of

        return xlsx_of(report)
    from deadlines.report_pdf import pdf_of

    return pdf_of(report)


def file_name(report: Report, form: Format) -> str:
    return (
        f"bao-cao-{report.form}-{report.period_start.isoformat()}-"
        f"{report.period_end.isoformat()}.{form.value}"
    )
