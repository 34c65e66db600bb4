"""The one command line, ``archive``: serve, work, migrate, manage accounts, prove fixity."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from archive.domain.errors import ArchiveError, NotFound
from archive.domain.roles import Role
from archive.extensions import installed
from archive.metadata import accounts as account_rows
from archive.metadata import casetypes, outbox
from archive.metadata.db import Database, StoreNotReady
from archive.metadata.locks import ProcessLock
from archive.metadata.migrate import upgrade
from archive.services.context import Archive, NotReady
from archive.settings import Settings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from archive.services.importing import ImportReport

app = typer.Typer(
    help="Kho lưu trữ hồ sơ vụ việc · Case-dossier archive. Cấu hình qua biến môi trường "
    "ARCHIVE_* hoặc tệp .env · Configure with ARCHIVE_* environment variables or .env.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Tài khoản người dùng · User accounts.", no_args_is_help=True)
unit_app = typer.Typer(help="Đơn vị · Units.", no_args_is_help=True)
audit_app = typer.Typer(help="Nhật ký thao tác · Audit trail.", no_args_is_help=True)
run_app = typer.Typer(
    help="Chạy ngay một việc định kỳ · Run a periodic job now.", no_args_is_help=True
)
app.add_typer(user_app, name="user")
app.add_typer(unit_app, name="unit")
app.add_typer(audit_app, name="audit")
app.add_typer(run_app, name="run")

PARENT_ENV = "ARCHIVE_WORKER_PARENT"
PR_SET_PDEATHSIG = 1


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """A refusal by the archive ends the command with its reason, in both languages."""
    try:
        yield
    except ArchiveError as exc:
        raise _fail(f"{exc.vi} / {exc.en}") from None


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
    try:
        with archive.db.write() as conn:
            done = casetypes.seed_builtins(conn)
            for extension in installed():
                for consumer in extension.consumers:
                    outbox.register(conn, consumer)
        return done
    finally:
        archive.close()


@app.command()
def migrate() -> None:
    """Cập nhật cấu trúc cơ sở dữ liệu · Bring the database schema up to date."""
    done = _migrate_and_seed()
    typer.echo("Cơ sở dữ liệu đã cập nhật · Database is up to date.")
    for line in done:
        typer.echo(f"Loại hồ sơ · Case type {line}")


# -- serve ----------------------------------------------------------------------------------


class _EmbeddedWorker:
    """The worker an embedded ``archive serve`` runs beside itself, tied to its life: the
    server stops it on shutdown, and the kernel stops it if the server dies any other way
    (``PR_SET_PDEATHSIG``, set by the worker itself from ``ARCHIVE_WORKER_PARENT``)."""

    def __init__(self) -> None:
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "worker", "--beat"], env=env
        )

    def stop(self, timeout: float = 30) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # warm shutdown: the current job finishes
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _die_with_parent() -> None:
    """In a worker started by ``archive serve``: stop when the server process ends."""
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != int(parent):  # the server died before the line above ran
        raise SystemExit(0)

    def watch() -> None:  # elsewhere than Linux, and as a second line of defence
        while os.getppid() == int(parent):
            time.sleep(2)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _stop_with_app(application: FastAPI, stop: Callable[[], None]) -> None:
    """Run ``stop`` when the app shuts down (SIGTERM, SIGINT), before uvicorn re-raises the
    signal that would end the process without running any ``finally``."""
    inner = application.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[Any]:
        import anyio

        async with inner(app_) as state:
            yield state
        await anyio.to_thread.run_sync(stop)

    application.router.lifespan_context = lifespan


def _sweep_spool_forever(archive: Archive) -> None:
    """Every web node removes the spool files its own killed uploads left behind."""
    from archive.services import spool

    grace = timedelta(hours=archive.settings.spool_grace_hours).total_seconds()
    while True:
        time.sleep(max(60.0, min(grace, 600.0)))
        with contextlib.suppress(OSError):
            spool.remove_abandoned(archive.incoming_dir, older_than_seconds=grace)


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
    from archive.services import spool

    settings = get_settings()
    if settings.database_url.startswith("sqlite"):
        # One office, one machine: bring the schema up to date without a separate step.
        _migrate_and_seed()
    archive = _open()
    # Spool files no upload holds (each upload locks its own) are what killed uploads
    # left: gone before serving, whatever their age.
    spool.remove_abandoned(archive.incoming_dir, older_than_seconds=0)
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
    application = create_app(archive)
    # The first upload should not wait for a PDF checking process to start.
    archive.pdf_checker.keep_warm()
    _stop_with_app(application, archive.close)
    helper = _EmbeddedWorker() if worker else None
    if helper is not None:
        _stop_with_app(application, helper.stop)
    threading.Thread(
        target=_sweep_spool_forever, args=(archive,), name="spool-sweep", daemon=True
    ).start()
    bind_host = host or settings.host
    bind_port = port or settings.port
    typer.echo(f"Kho lưu trữ đang chạy tại · Archive running at http://{bind_host}:{bind_port}")
    try:
        uvicorn.run(
            application,
            host=bind_host,
            port=bind_port,
            log_level="info",
            # The client address comes from archive.api.deps.client_of, which believes
            # X-Forwarded-For only from ARCHIVE_TRUSTED_PROXIES; uvicorn's own handling
            # would believe any client on 127.0.0.1.
            proxy_headers=False,
            server_header=False,
        )
    finally:
        if helper is not None:
            helper.stop()


# -- worker ---------------------------------------------------------------------------------


def _worker_locks(settings: Settings, beat: bool) -> tuple[list[ProcessLock], bool]:
    """The embedded queue serves one worker; the scheduler runs once per store."""
    from archive.worker import is_embedded_queue

    held: list[ProcessLock] = []
    if is_embedded_queue(settings.broker_url):
        lock = ProcessLock("worker", settings.database_url, settings.data_dir)
        if not lock.acquire():
            typer.echo(
                "Đang chờ tiến trình nền trước kết thúc · Waiting for the previous worker of "
                "this data folder to finish."
            )
            lock.acquire(wait=True)
        held.append(lock)
    if beat:
        scheduler = ProcessLock("scheduler", settings.database_url, settings.data_dir)
        if scheduler.acquire():
            held.append(scheduler)
        else:
            beat = False
            typer.secho(
                "Lịch định kỳ đã chạy ở tiến trình khác, tiến trình này chỉ làm việc · The "
                "scheduler already runs in another worker of this store; this one only works.",
                fg=typer.colors.YELLOW,
            )
    return held, beat


@app.command()
def worker(
    beat: Annotated[
        bool,
        typer.Option(help="Chạy cả lịch định kỳ (chỉ một worker) · Also run the scheduler"),
    ] = True,
    concurrency: Annotated[int, typer.Option(help="Số tiến trình · Processes")] = 1,
) -> None:
    """Chạy tiến trình nền (Celery) · Run a background worker."""
    _die_with_parent()
    _open().close()  # refuse to start against a missing or unwritable store
    settings = get_settings()
    held, beat = _worker_locks(settings, beat)
    from celery.exceptions import SecurityWarning

    from archive.worker import celery_app, is_embedded_queue

    # Celery warns when run as root; the archive accepts only JSON (never pickle), which is
    # what makes running as root dangerous, so the warning would only alarm a clerk.
    warnings.filterwarnings("ignore", category=SecurityWarning)
    # --quiet: no banner; the worker's log lines say what it does.
    argv = [
        "--quiet",
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "--without-mingle",
    ]
    if is_embedded_queue(settings.broker_url):
        argv.append("--pool=solo")  # the SQLite queue serves one consumer process
    queues = ["celery", *(q for e in installed() for q in e.queues)]
    argv.append(f"--queues={','.join(dict.fromkeys(queues))}")
    if beat:
        argv.append("--beat")
    try:
        celery_app.worker_main(argv)
    finally:
        for lock in held:
            lock.release()


# -- periodic jobs, now -----------------------------------------------------------------------


@run_app.command("sweep")
def run_sweep(
    grace_hours: Annotated[
        float | None, typer.Option(help="Bỏ qua đối tượng mới hơn · Skip newer objects")
    ] = None,
) -> None:
    """Dọn đối tượng mồ côi, tải lên dở, khóa bản gốc · Sweep orphans, lock originals."""
    from archive.services import sweep as sweep_service

    archive = _open()
    grace = timedelta(hours=grace_hours) if grace_hours is not None else None
    report = sweep_service.run(archive, grace=grace)
    typer.echo(
        f"Đã xóa · Removed {len(report.removed)} đối tượng mồ côi · orphans; giữ lại · kept "
        f"{report.kept_young} (còn mới · too young); tệp tải dở · stale uploads: "
        f"{report.stale_uploads}; multipart: {report.aborted_multipart}; "
        f"đã khóa · locked: {report.protected}."
    )
    for line in report.refused:
        typer.secho(f"KHÔNG XÓA ĐƯỢC · REFUSED  {line}", fg=typer.colors.YELLOW)


@run_app.command("fixity")
def run_fixity() -> None:
    """Kiểm tra toàn vẹn mọi tài liệu đã lưu · Re-hash every stored object."""
    from archive.services import fixity as fixity_service

    archive = _open()
    with typer.progressbar(length=1, label="Đang kiểm tra · Checking") as bar:
        last = [0]

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - last[0])
            last[0] = done

        report = fixity_service.run(archive, progress=progress, requested_by="cli")
    typer.echo(
        f"Đã kiểm tra · Checked {report.checked} đối tượng · objects "
        f"({report.bytes_read / 1024 / 1024:,.1f} MiB): {report.ok} nguyên vẹn · intact, "
        f"{len(report.mismatched)} sai lệch · mismatched, {len(report.missing)} mất · missing."
    )
    for problem in report.problems:
        label = "SAI LỆCH · MISMATCH" if problem.status == "mismatch" else "MẤT · MISSING"
        typer.secho(f"{label}  {problem.describe()}", fg=typer.colors.RED)
    if not report.intact:
        raise typer.Exit(2)


@run_app.command("checkpoint")
def run_checkpoint() -> None:
    """Ghi mốc nhật ký vào kho tài liệu · Write the audit head into the object store."""
    from archive.services import trail

    written = trail.write_checkpoint(_open())
    if written is None:
        typer.echo("Mốc đã có · The current head is already checkpointed.")
    else:
        typer.echo(f"Đã ghi mốc · Checkpoint written: entry {written.seq}, {written.key}")


# Kept as top-level commands too: the names administrators already know.
app.command("fixity", help="Kiểm tra toàn vẹn · Re-hash every stored object (= run fixity).")(
    run_fixity
)
app.command("sweep", help="Dọn đối tượng mồ côi · Sweep orphans (= run sweep).")(run_sweep)


# -- units and users ------------------------------------------------------------------------


@unit_app.command("create")
def unit_create(
    code: str,
    name: str,
    parent: Annotated[str | None, typer.Option(help="Mã đơn vị cấp trên · Parent unit")] = None,
    valid_from: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="Ngày bắt đầu hoạt động · First day"),
    ] = None,
) -> None:
    """Thêm đơn vị · Add a unit."""
    from archive.services import accounts

    archive = _open()
    with _refusals():
        unit = accounts.create_unit(
            archive,
            code,
            name,
            parent,
            by=None,
            valid_from=valid_from.date() if valid_from else None,
        )
    typer.echo(f"Đã thêm đơn vị · Unit added: {unit.code} (id {unit.id})")


@unit_app.command("end")
def unit_end(
    code: str,
    on: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d"], help="Ngày hoạt động cuối cùng · The unit's last day"),
    ],
    successor: Annotated[
        str | None,
        typer.Option(help="Đơn vị tiếp nhận (sáp nhập vào) · The unit taking over its work"),
    ] = None,
) -> None:
    """Kết thúc, sáp nhập đơn vị · End a unit, or merge it into a successor."""
    from archive.services import accounts

    archive = _open()
    with _refusals():
        unit = accounts.end_unit(archive, code, on.date(), successor, by=None)
    then = f" → {successor}" if successor else ""
    typer.echo(f"Đơn vị {unit.code} kết thúc ngày · ended on {on:%d/%m/%Y}{then}")


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
    from archive.services.passwords import check_password

    archive = _open()
    with archive.db.read() as conn:
        unit_exists = account_rows.unit_by_code(conn, unit) is not None
    secret = (
        password
        if password is not None
        else os.environ.get("ARCHIVE_NEW_PASSWORD")
        or typer.prompt("Mật khẩu · Password", hide_input=True, confirmation_prompt=True)
    )
    with _refusals():
        # Check everything that can be refused before creating the unit, so a refusal
        # leaves nothing behind.
        check_password(secret, username)
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
    typer.echo(f"Đã tạo tài khoản · Account created: {user.username} ({user.role.value})")


def _user_id(archive: Archive, username: str) -> int:
    with archive.db.read() as conn:
        found = account_rows.user_with_hash(conn, username)
    if found is None:
        raise _fail(f"Không có tài khoản '{username}' / No account '{username}'")
    return found[0].id


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
    user_id = _user_id(archive, username)
    with _refusals():
        accounts.grant_auditor(
            archive, user_id, unit, date.fromisoformat(start), date.fromisoformat(end), by=None
        )
    typer.echo(f"Đã giao phạm vi · Granted: {username} → {unit} {start}..{end}")


@user_app.command("activate")
def user_activate(username: str) -> None:
    """Mở khóa tài khoản · Reactivate an account (e.g. a locked-out administrator)."""
    from archive.services import accounts

    archive = _open()
    user = accounts.activate(archive, _user_id(archive, username), by=None)
    typer.echo(f"Đã mở khóa · Reactivated: {user.username} ({user.role.value})")


@user_app.command("deactivate")
def user_deactivate(username: str) -> None:
    """Khóa tài khoản · Deactivate an account (never the last active administrator)."""
    from archive.services import accounts

    archive = _open()
    with _refusals():
        user = accounts.deactivate(archive, _user_id(archive, username), by=None)
    typer.echo(f"Đã khóa · Deactivated: {user.username}")


# -- audit ----------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(help="Mã băm cuối đã ghi ở nơi khác · A head hash kept elsewhere"),
    ] = None,
) -> None:
    """Kiểm tra chuỗi băm của nhật ký · Verify the audit trail's hash chain."""
    from archive.services import trail

    archive = _open()
    report = trail.verify(archive, expect_head=expect_head)
    if report.intact:
        typer.echo(
            f"Nhật ký nguyên vẹn · Audit trail intact: {report.entries} mục · entries, "
            f"{report.checkpoints} mốc · checkpoints; mã băm cuối · head hash {report.head_hash}"
        )
        return
    typer.secho("NHẬT KÝ BỊ THAY ĐỔI · AUDIT TRAIL ALTERED", fg=typer.colors.RED, err=True)
    if report.first_break is not None:
        typer.secho(
            f"  Chỗ hỏng đầu tiên · first break: entry {report.first_break}; "
            f"{report.broken} mục không khớp · entries do not check",
            fg=typer.colors.RED,
            err=True,
        )
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


@app.command("import")
def import_folder(
    folder: Annotated[Path, typer.Argument(help="Thư mục, mỗi hồ sơ một thư mục con · Folder")],
    username: Annotated[str, typer.Option("--as", help="Nhập với tài khoản · Import as user")],
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Ghi báo cáo JSON · Write the report as JSON")
    ] = None,
) -> None:
    """Nhập hàng loạt hồ sơ cũ từ thư mục · Bulk-import old dossiers from a folder."""
    import json

    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from archive.services import importing

    archive = _open()
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=16),
        TextColumn("{task.fields[files]} tệp·files"),
        TextColumn("{task.fields[rate]:.1f} tệp/s·files/s"),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console) as bar, _refusals():
            task = bar.add_task("Nhập · Import", total=None, files="0", rate=0.0)
            started, done, total = time.monotonic(), [0], [0]

            def progress(step: importing.Step) -> None:
                done[0] += step.files
                rate = done[0] / max(time.monotonic() - started, 1e-3)
                bar.update(task, advance=step.size, files=f"{done[0]}/{total[0]}", rate=rate)

            def sized(total_files: int, total_bytes: int) -> None:
                total[0] = total_files
                bar.update(task, total=max(total_bytes, 1), files=f"0/{total_files}")

            report = importing.run(archive, folder, username, progress=progress, sized=sized)
    finally:
        archive.close()
    _print_import_report(report)
    if report_file is not None:
        report_file.write_text(
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    if not report.complete:
        raise typer.Exit(1)


def _print_import_report(report: ImportReport) -> None:
    mib = report.bytes_read / 1024 / 1024
    typer.echo(
        f"Hồ sơ · Dossiers: {report.dossiers_created} mới · new, {report.dossiers_existing} "
        f"đã có · already in, {report.dossiers_refused} bị từ chối · refused. Tài liệu · "
        f"Documents: {report.documents_added} đã thêm · added, {report.documents_already_there} "
        f"đã có · already there, {len(report.refusals)} lỗi · refusals. "
        f"{mib:,.1f} MiB trong · in {report.seconds:,.1f} s."
    )
    for refusal in report.refusals:
        where = f"{refusal.folder}/{refusal.file}" if refusal.file else refusal.folder
        typer.secho(
            f"TỪ CHỐI · REFUSED  {where}: {refusal.vi} / {refusal.en}",
            fg=typer.colors.RED,
            err=True,
        )
    if report.stopped:
        typer.secho(f"DỪNG GIỮA CHỪNG · STOPPED  {report.stopped}", fg=typer.colors.RED, err=True)


for _extension in installed():
    if _extension.commands is not None:
        _extension.commands(app)


if __name__ == "__main__":
    app()
