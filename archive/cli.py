"""The one command line, ``archive``: serve, work, migrate, manage accounts, prove fixity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from archive.domain.errors import ArchiveError, NotFound
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.metadata import casetypes
from archive.metadata.db import Database, StoreNotReady
from archive.metadata.migrate import upgrade
from archive.services.context import Archive, NotReady
from archive.settings import get_settings

app = typer.Typer(
    help="Kho lưu trữ hồ sơ vụ việc · Case-dossier archive. Cấu hình qua biến môi trường "
    "ARCHIVE_* hoặc tệp .env · Configure with ARCHIVE_* environment variables or .env.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Tài khoản người dùng · User accounts.", no_args_is_help=True)
unit_app = typer.Typer(help="Đơn vị · Units.", no_args_is_help=True)
audit_app = typer.Typer(help="Nhật ký thao tác · Audit trail.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(unit_app, name="unit")
app.add_typer(audit_app, name="audit")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _open(check: bool = True) -> Archive:
    try:
        return Archive.open(get_settings(), check=check)
    except NotReady as exc:
        raise _fail(str(exc)) from None


def _migrate_and_seed() -> list[str]:
    settings = get_settings()
    try:
        Database(settings.database_url).dispose()  # creates the SQLite folder, or says why not
        upgrade(settings.database_url)
    except (StoreNotReady, SQLAlchemyError) as exc:
        raise _fail(
            f"Không cập nhật được cơ sở dữ liệu · Cannot migrate the database: {exc}"
        ) from None
    archive = _open()
    with archive.db.write() as conn:
        return casetypes.seed_builtins(conn)


@app.command()
def migrate() -> None:
    """Cập nhật cấu trúc cơ sở dữ liệu · Bring the database schema up to date."""
    added = _migrate_and_seed()
    typer.echo("Cơ sở dữ liệu đã cập nhật · Database is up to date.")
    if added:
        typer.echo(f"Đã nạp loại hồ sơ · Case types loaded: {', '.join(added)}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Địa chỉ · Address")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng · Port")] = None,
    demo: Annotated[bool, typer.Option(help="Nạp dữ liệu mẫu · Load the demo data")] = False,
    worker: Annotated[
        bool, typer.Option(help="Chạy kèm tiến trình nền (bản nhúng) · Run a worker alongside")
    ] = True,
) -> None:
    """Chạy máy chủ web và API · Run the web server and API."""
    import uvicorn

    from archive.api.app import create_app

    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        # One office, one machine: bring the schema up to date without a separate step.
        _migrate_and_seed()
    archive = _open()
    if demo:
        from archive.demo.load import load_demo

        load_demo(archive, progress=typer.echo)
    with archive.db.read() as conn:
        has_users = bool(account_rows.list_users(conn))
    if not has_users:
        typer.secho(
            "Chưa có tài khoản nào. Tạo quản trị viên đầu tiên · No accounts yet. Create the "
            "first administrator:\n  archive user create quantri --role admin --unit ubnd "
            "--unit-name 'UBND ...' --full-name 'Quản trị hệ thống'",
            fg=typer.colors.YELLOW,
        )
    helper = None
    if worker:
        helper = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "worker", "--beat"],
        )
    bind_host = host or settings.host
    bind_port = port or settings.port
    typer.echo(f"Kho lưu trữ đang chạy tại · Archive running at http://{bind_host}:{bind_port}")
    try:
        uvicorn.run(create_app(archive), host=bind_host, port=bind_port, log_level="info")
    finally:
        if helper is not None:
            helper.send_signal(signal.SIGTERM)
            helper.wait(timeout=30)


@app.command()
def worker(
    beat: Annotated[
        bool,
        typer.Option(help="Chạy cả lịch định kỳ (chỉ một worker) · Also run the scheduler"),
    ] = True,
    concurrency: Annotated[int, typer.Option(help="Số tiến trình · Processes")] = 1,
) -> None:
    """Chạy tiến trình nền (Celery) · Run a background worker."""
    _open()  # refuse to start against a missing or unwritable store
    from archive.worker import celery_app

    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    if get_settings().broker_url.startswith("sqla+"):
        argv.append("--pool=solo")  # the SQLite queue serves one consumer process
    if beat:
        argv.append("--beat")
    celery_app.worker_main(argv)


@unit_app.command("create")
def unit_create(
    code: str,
    name: str,
    parent: Annotated[str | None, typer.Option(help="Mã đơn vị cấp trên · Parent unit")] = None,
) -> None:
    """Thêm đơn vị · Add a unit."""
    from archive.services import accounts

    archive = _open()
    try:
        unit = accounts.create_unit(archive, code, name, parent, by=None)
    except ArchiveError as exc:
        raise _fail(f"{exc.vi} / {exc.en}") from None
    typer.echo(f"Đã thêm đơn vị · Unit added: {unit.code} (id {unit.id})")


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[Role, typer.Option(help="official | leader | clerk | auditor | admin")],
    unit: Annotated[str, typer.Option(help="Mã đơn vị · Unit code")],
    full_name: Annotated[str | None, typer.Option(help="Họ và tên · Full name")] = None,
    unit_name: Annotated[
        str | None, typer.Option(help="Tạo đơn vị nếu chưa có · Create the unit if missing")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Mật khẩu (bỏ trống để nhập) · Password (prompted if omitted)"),
    ] = None,
) -> None:
    """Tạo tài khoản · Create a user account."""
    from archive.services import accounts

    archive = _open()
    with archive.db.read() as conn:
        unit_exists = account_rows.unit_by_code(conn, unit) is not None
    secret = (
        password
        or os.environ.get("ARCHIVE_NEW_PASSWORD")
        or typer.prompt("Mật khẩu · Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        # Check everything that can be refused before creating the unit, so a refusal
        # leaves nothing behind.
        accounts.check_password_strength(secret)
        if not unit_exists and not unit_name:
            raise NotFound(
                "unit_not_found",
                f"Không có đơn vị mã '{unit}'; thêm --unit-name để tạo đơn vị này.",
                f"There is no unit '{unit}'; add --unit-name to create it.",
            )
        if not unit_exists and unit_name:
            accounts.create_unit(archive, unit, unit_name, None, by=None)
        user = accounts.create_user(
            archive,
            username=username,
            full_name=full_name or username,
            password=secret,
            role=role,
            unit_code=unit,
            by=None,
        )
    except ArchiveError as exc:
        raise _fail(f"{exc.vi} / {exc.en}") from None
    typer.echo(f"Đã tạo tài khoản · Account created: {user.username} ({user.role.value})")


@user_app.command("grant")
def user_grant(
    username: str,
    unit: Annotated[str, typer.Option(help="Mã đơn vị · Unit code")],
    start: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
) -> None:
    """Giao phạm vi kiểm tra cho thanh tra · Grant an auditor units and a period."""
    from archive.services import accounts

    archive = _open()
    with archive.db.read() as conn:
        found = account_rows.user_with_hash(conn, username)
    if found is None:
        raise _fail(f"Không có tài khoản '{username}' / No account '{username}'")
    try:
        accounts.grant_auditor(
            archive, found[0].id, unit, date.fromisoformat(start), date.fromisoformat(end), by=None
        )
    except ArchiveError as exc:
        raise _fail(f"{exc.vi} / {exc.en}") from None
    typer.echo(f"Đã giao phạm vi · Granted: {username} → {unit} {start}..{end}")


@app.command()
def fixity() -> None:
    """Kiểm tra toàn vẹn mọi tài liệu đã lưu · Re-hash every stored object."""
    from archive.services import fixity as fixity_service

    archive = _open()
    with typer.progressbar(length=1, label="Đang kiểm tra · Checking") as bar:
        last = [0]

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - last[0])
            last[0] = done

        report = fixity_service.run(archive, progress=progress)
    typer.echo(
        f"Đã kiểm tra · Checked {report.checked} đối tượng · objects "
        f"({report.bytes_read / 1024 / 1024:,.1f} MiB): {report.ok} nguyên vẹn · intact, "
        f"{len(report.mismatched)} sai lệch · mismatched, {len(report.missing)} mất · missing."
    )
    for key in report.mismatched:
        typer.secho(f"SAI LỆCH · MISMATCH  {key}", fg=typer.colors.RED)
    for key in report.missing:
        typer.secho(f"MẤT · MISSING  {key}", fg=typer.colors.RED)
    if not report.intact:
        raise typer.Exit(2)


@app.command()
def sweep(
    grace_hours: Annotated[
        float | None, typer.Option(help="Bỏ qua đối tượng mới hơn · Skip newer objects")
    ] = None,
) -> None:
    """Dọn đối tượng mồ côi · Remove stored objects no record points at."""
    from archive.services import sweep as sweep_service

    archive = _open()
    grace = timedelta(hours=grace_hours) if grace_hours is not None else None
    report = sweep_service.run(archive, grace=grace)
    typer.echo(
        f"Đã xóa · Removed {len(report.removed)} đối tượng mồ côi · orphans; giữ lại · kept "
        f"{report.kept_young} (còn mới · too young); tệp tải dở · stale uploads: "
        f"{report.stale_uploads}."
    )
    for line in report.refused:
        typer.secho(f"KHÔNG XÓA ĐƯỢC · REFUSED  {line}", fg=typer.colors.YELLOW)


@audit_app.command("verify")
def audit_verify() -> None:
    """Kiểm tra chuỗi băm của nhật ký · Verify the audit trail's hash chain."""
    from archive.services import trail

    report = trail.verify(_open())
    if report.intact:
        typer.echo(
            f"Nhật ký nguyên vẹn · Audit trail intact: {report.entries} mục · entries; "
            f"mã băm cuối · head hash {report.head_hash}"
        )
        return
    typer.secho("NHẬT KÝ BỊ THAY ĐỔI · AUDIT TRAIL ALTERED", fg=typer.colors.RED, err=True)
    for problem in report.problems:
        typer.secho(f"  {problem}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.command()
def demo() -> None:
    """Nạp dữ liệu mẫu · Load the demo units, users and dossiers."""
    from archive.demo.load import load_demo

    if get_settings().database_url.startswith("sqlite"):
        _migrate_and_seed()
    load_demo(_open(), progress=typer.echo)


if __name__ == "__main__":
    app()
