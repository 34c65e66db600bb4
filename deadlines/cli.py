"""The deadlines stage's commands: ``archive deadline`` (count a time limit with the
archive's calendar), ``remind``, ``recount`` and ``report``."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from archive.services.context import Archive


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _open_archive() -> Archive:
    """The configured archive, or exit 1 saying what to run when it is not set up."""
    from archive.services.context import Archive, NotReady
    from archive.settings import get_settings

    try:
        return Archive.open(get_settings())
    except NotReady as exc:
        raise _fail(str(exc)) from None


def commands(app: typer.Typer) -> None:
    @app.command()
    def deadline(
        start: Annotated[
            str, typer.Option("--from", help="Ngày bắt đầu tính · Start day (YYYY-MM-DD)")
        ],
        working_days: Annotated[
            int | None, typer.Option("--working-days", help="Số ngày làm việc · Working days")
        ] = None,
        days: Annotated[int | None, typer.Option(help="Số ngày · Calendar days")] = None,
        months: Annotated[int | None, typer.Option(help="Số tháng · Months")] = None,
        years: Annotated[int | None, typer.Option(help="Số năm · Years")] = None,
        calendar: Annotated[
            int | None,
            typer.Option("--calendar", help="Phiên bản lịch · Calendar version (default: current)"),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="In ra JSON · Print JSON")] = False,
    ) -> None:
        """Tính hạn theo Bộ luật Dân sự · Count a time limit as the Civil Code counts.

        The first day is not counted; a last day that is off moves to the next working day.
        Prints the due date, the calendar version and the days passed over."""
        from archive.domain.errors import ArchiveError
        from deadlines.calendars import calendars_for
        from deadlines.counting import Unit, reckon

        asked = [
            (amount, unit)
            for amount, unit in (
                (working_days, Unit.WORKING_DAYS),
                (days, Unit.DAYS),
                (months, Unit.MONTHS),
                (years, Unit.YEARS),
            )
            if amount is not None
        ]
        if len(asked) != 1:
            raise _fail(
                "Hãy cho đúng một trong --working-days, --days, --months, --years. / "
                "Give exactly one of --working-days, --days, --months, --years.",
                2,
            )
        try:
            first = date.fromisoformat(start)
        except ValueError:
            raise _fail(
                f"Ngày '{start}' không hợp lệ, cần dạng YYYY-MM-DD. / "
                f"Date '{start}' is not valid; use YYYY-MM-DD.",
                2,
            ) from None
        archive = _open_archive()
        try:
            calendars = calendars_for(archive)
            chosen = calendars.current() if calendar is None else calendars.version(calendar)
            counted = reckon(first, asked[0][0], asked[0][1], chosen)
        except ArchiveError as exc:
            raise _fail(f"{exc.vi} / {exc.en}", 2) from None
        finally:
            archive.close()
        if as_json:
            typer.echo(json.dumps(counted.as_dict(), ensure_ascii=False))
            return
        from deadlines.calendar import WEEKDAY_EN, WEEKDAY_VI

        weekday = counted.due.weekday()
        typer.echo(
            f"Hạn · due: {counted.due:%d/%m/%Y} ({WEEKDAY_VI[weekday]} · {WEEKDAY_EN[weekday]})"
        )
        typer.echo(f"Lịch ngày làm việc phiên bản · calendar version: {counted.calendar_version}")
        if counted.moved_from:
            typer.echo(
                f"Ngày cuối {counted.moved_from:%d/%m/%Y} là ngày nghỉ, hạn lùi sang ngày làm "
                f"việc tiếp theo · the last day {counted.moved_from.isoformat()} is off; the "
                "limit ends on the next working day"
            )
        typer.echo(f"Ngày không tính · days skipped: {len(counted.skipped)}")
        for skipped in counted.skipped:
            typer.echo(f"  {skipped.on:%d/%m/%Y}  {skipped.why_vi} · {skipped.why_en}")
        for day in counted.unsettled:
            typer.echo(
                f"Lưu ý · note: {day:%d/%m/%Y} được tính là ngày làm việc nhưng chưa rõ có được "
                "nghỉ không · counted as worked, but whether it is off is unsettled"
            )

    @app.command()
    def remind(
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Ngày · As of day (YYYY-MM-DD)")
        ] = None,
    ) -> None:
        """Nhắc việc ngay · Remind of deadlines now (the worker does it periodically).

        Each deadline and threshold is reminded once, however often this runs."""
        from archive.services.dossiers import today
        from deadlines.reminding import remind as run

        try:
            day = date.fromisoformat(as_of) if as_of else today()
        except ValueError:
            raise _fail(f"Ngày '{as_of}' không hợp lệ · not a date (YYYY-MM-DD)", 2) from None
        archive = _open_archive()
        try:
            done = run(archive, day)
        finally:
            archive.close()
        typer.echo(
            f"Hồ sơ có việc đến hạn · dossiers with items due: {done.dossiers}; "
            f"việc · items: {done.items}; nhắc mới · new reminders: {done.added}; "
            f"thư đã gửi · e-mails sent: {done.mailed}; lỗi gửi · not sent: {done.mail_failed}"
        )

    @app.command()
    def recount() -> None:
        """Đếm lại số liệu thống kê · Recount every dossier's figures from the store.

        The worker keeps them current from the outbox; this rebuilds them whole (in the
        database and, scaled, in Elasticsearch)."""
        from deadlines.stats_elastic import StatisticsUnavailable
        from deadlines.stats_feed import statistics_for

        archive = _open_archive()
        try:
            n = statistics_for(archive).recount_all()
        except StatisticsUnavailable as exc:
            raise _fail(f"Elasticsearch không trả lời · does not answer: {exc}") from None
        finally:
            archive.close()
        typer.echo(f"Đã đếm lại {n} hồ sơ · {n} dossiers recounted")

    @app.command()
    def report(
        form: Annotated[str, typer.Argument(help="xlvphc | thads")],
        year: Annotated[int, typer.Option(help="Năm (năm thống kê) · (Statistics) year")],
        period: Annotated[
            str, typer.Option(help="month | quarter | half | year · Kỳ báo cáo")
        ] = "year",
        number: Annotated[int, typer.Option(help="Tháng, quý, 6 tháng · Which one")] = 1,
        unit: Annotated[str | None, typer.Option(help="Mã đơn vị · Unit code")] = None,
        out: Annotated[
            str | None, typer.Option(help="Tệp .xlsx hoặc .pdf · File to write (.xlsx, .pdf)")
        ] = None,
        signer: Annotated[str, typer.Option(help="Người ký · Signer's name")] = "",
        title: Annotated[str, typer.Option(help="Chức vụ người ký · Signer's title")] = "",
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="Số liệu đến ngày · As of (YYYY-MM-DD)")
        ] = None,
    ) -> None:
        """Lập báo cáo thống kê định kỳ · Make a periodic statistics report.

        Prints the report's figures; with --out writes it as XLSX or PDF (by the name's
        ending), ready to sign."""
        from pathlib import Path

        from archive.domain.errors import ArchiveError
        from archive.services.dossiers import today
        from deadlines.report import money_text, rate_text
        from deadlines.reporting import Format, file_of, report_for
        from deadlines.reports import Form, PeriodKind, ReportPeriod
        from deadlines.stats_elastic import StatisticsUnavailable

        try:
            chosen = Form(form)
            kind = PeriodKind(period)
            day = date.fromisoformat(as_of) if as_of else today()
            target = Path(out) if out else None
            written = Format(target.suffix.lstrip(".").lower()) if target else Format.JSON
        except ValueError:
            raise _fail(
                "Mẫu (xlvphc, thads), kỳ (month, quarter, half, year), ngày (YYYY-MM-DD) hoặc "
                "đuôi tệp (.xlsx, .pdf) không hợp lệ · Form, period, date or file ending not "
                "valid",
                2,
            ) from None
        if written is Format.JSON and target is not None:
            raise _fail("Tệp phải là .xlsx hoặc .pdf · The file must be .xlsx or .pdf", 2)
        archive = _open_archive()
        try:
            made = report_for(
                archive,
                chosen,
                ReportPeriod(kind, year, number),
                reader=None,
                unit_code=unit,
                as_of=day,
                signer_name=signer,
                signer_title=title,
            )
        except ArchiveError as exc:
            raise _fail(f"{exc.vi} / {exc.en}", 2) from None
        except StatisticsUnavailable as exc:
            raise _fail(f"Elasticsearch không trả lời · does not answer: {exc}") from None
        finally:
            archive.close()
        if target is not None:
            target.write_bytes(file_of(made, written))
            typer.echo(f"Đã ghi · written: {target}")
            return
        typer.echo(f"{made.title}\n{made.unit}\n{made.period_label}")
        for table in made.tables:
            typer.echo(f"\n{table.title_vi}")
            for row in table.rows:
                cells = []
                for column in table.columns:
                    value = row.values.get(column.code)
                    text = (
                        rate_text(value if isinstance(value, float) else None)
                        if column.measure.value == "rate"
                        else money_text(int(value or 0))
                    )
                    cells.append(f"{column.vi}: {text}")
                typer.echo(f"  {row.label} — " + "; ".join(cells))

    @app.command("export")
    def export_national(
        start: Annotated[str, typer.Option("--from", help="Từ ngày · From (YYYY-MM-DD)")],
        end: Annotated[str, typer.Option("--to", help="Đến ngày · To (YYYY-MM-DD)")],
        out: Annotated[str, typer.Option(help="Tệp JSON · JSON file to write")],
    ) -> None:
        """Xuất dữ liệu cho CSDL quốc gia về XLVPHC · Export for the national database.

        One record per sanction decision issued in the period (Decree 20/2016), with every
        later change the archive knows of; written as the JSON file an official uploads.
        Audited."""
        from pathlib import Path

        from archive.domain.errors import ArchiveError
        from archive.metadata import audit
        from deadlines.national_export import export

        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise _fail("Ngày phải là YYYY-MM-DD · Dates must be YYYY-MM-DD", 2) from None
        archive = _open_archive()
        try:
            made = export(archive, None, first, last)
            target = Path(out)
            target.write_text(
                json.dumps(made.as_file(), ensure_ascii=False, indent=1), encoding="utf-8"
            )
            with archive.db.write() as conn:
                audit.append(
                    conn,
                    actor_id=None,
                    actor="system",
                    action="export.xlvphc",
                    object_type="export",
                    object_id=f"{first.isoformat()}..{last.isoformat()}",
                    detail={"records": len(made.records), "file": target.name},
                )
        except ArchiveError as exc:
            raise _fail(f"{exc.vi} / {exc.en}", 2) from None
        finally:
            archive.close()
        typer.echo(
            f"Đã ghi {len(made.records)} quyết định · {len(made.records)} decisions written: "
            f"{target}"
        )
