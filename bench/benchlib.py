"""What the benchmarks share: a throwaway archive, the real API server as a subprocess,
an official to upload as, and valid PDFs of a chosen size written without holding them.

Not a test helper: these scripts print figures. The scaled backend uses the PostgreSQL,
MinIO and Redis servers of ``scripts/servers.sh`` (addresses from their ``servers.env``)
with a database and a bucket of its own, both removed at the end.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import httpx
import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SERVERS_ENV = Path(os.environ.get("ARCHIVE_SERVERS_RUN", "/var/tmp/case-archive-servers")) / (
    "servers.env"
)
USERNAME = "bench_official"
PASSWORD = "mat-khau-do-hieu-nang"  # a throwaway bench account
MIB = 1024 * 1024

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from archive.settings import Settings  # noqa: E402


def server_env(name: str) -> str:
    value = os.environ.get(name)
    if not value and SERVERS_ENV.is_file():
        for line in SERVERS_ENV.read_text().splitlines():
            key, _, found = line.partition("=")
            if key.strip() == name:
                value = found.strip()
    if not value:
        raise SystemExit(
            f"{name} is not set: start the servers with `bash scripts/servers.sh start`"
        )
    return value


# ------------------------------------------------------------------------- CPU used


# The processes of one group, listed now (a group may gain or lose some during a run).
ProcessGroup = Callable[[], list[psutil.Process]]


class CpuUse:
    """CPU time (user + system) that named groups of processes use over a stretch of a run.

    A group is a function listing its processes now; one that starts during the stretch
    (a database connection, a checking process) counts whole, one that ends during it is
    lost. ``own`` adds this process (the bench's clients) with the children it has waited
    for (``cp``, ``sha256sum``).
    """

    def __init__(self, groups: dict[str, ProcessGroup], *, own: bool = True) -> None:
        self.groups = groups
        self.own = own
        self._start: dict[str, dict[int, float]] = {}
        self._own_start = 0.0

    @staticmethod
    def _used(process: psutil.Process) -> float:
        try:
            t = process.cpu_times()
        except psutil.Error:
            return 0.0
        return float(t.user + t.system + t.children_user + t.children_system)

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def __enter__(self) -> CpuUse:
        self._start = {
            name: {p.pid: self._used(p) for p in listed()} for name, listed in self.groups.items()
        }
        self._own_start = self._own()
        return self

    def __exit__(self, *exc: object) -> None:
        self.used = {
            name: sum(self._used(p) - self._start[name].get(p.pid, 0.0) for p in listed())
            for name, listed in self.groups.items()
        }
        if self.own:
            self.used["this bench (clients)"] = self._own() - self._own_start

    def per_item(self, items: int) -> str:
        """'server 30.1 ms, MinIO 9.0 ms, … = 55.2 ms per item'."""
        parts = [f"{name} {seconds / items * 1000:.1f}" for name, seconds in self.used.items()]
        total = sum(self.used.values()) / items * 1000
        return ", ".join(parts) + f" = {total:.1f} ms CPU per item"


def named_processes(*names: str) -> ProcessGroup:
    """A ``CpuUse`` group: every process of this machine with one of these names (the
    loopback test servers: ``postgres``, ``minio``)."""

    def listed() -> list[psutil.Process]:
        return [p for p in psutil.process_iter(["name"]) if p.info["name"] in names]

    return listed


def running(argument: str) -> ProcessGroup:
    """A ``CpuUse`` group: every process with ``argument`` on its command line."""

    def listed() -> list[psutil.Process]:
        return [
            p for p in psutil.process_iter(["cmdline"]) if argument in (p.info["cmdline"] or [])
        ]

    return listed


def process_tree(pid: int) -> ProcessGroup:
    """A ``CpuUse`` group: a process and its children (the server and its PDF checkers)."""

    def listed() -> list[psutil.Process]:
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    return listed


# ------------------------------------------------------------------------- the archive


def _settings(backend: str, workdir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": workdir / "var", **overrides}
    if backend == "scaled":
        admin_url = server_env("ARCHIVE_TEST_POSTGRES_URL")
        name = f"bench_{secrets.token_hex(5)}"
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        values.update(
            database_url=make_url(admin_url)
            .set(database=name)
            .render_as_string(hide_password=False),
            storage="s3",
            s3_endpoint=server_env("ARCHIVE_TEST_S3_ENDPOINT"),
            s3_access_key=server_env("ARCHIVE_TEST_S3_ACCESS_KEY"),
            s3_secret_key=server_env("ARCHIVE_TEST_S3_SECRET_KEY"),
            s3_bucket=f"bench-{secrets.token_hex(5)}",
            broker_url=server_env("ARCHIVE_TEST_REDIS_URL"),
            result_backend=server_env("ARCHIVE_TEST_REDIS_URL"),
            elasticsearch_url=server_env("ARCHIVE_TEST_ELASTICSEARCH_URL"),
            elasticsearch_index=f"bench-search-{secrets.token_hex(5)}",
        )
    elif backend != "embedded":
        raise SystemExit(f"unknown backend {backend!r}: embedded or scaled")
    return Settings(_env_file=None, **values)


def _prepare(settings: Settings, people: bool = True) -> None:
    """Migrate, load the case types, and (``people``) add a unit and an official to upload
    as."""
    from archive.domain.roles import Role
    from archive.metadata import casetypes
    from archive.metadata.migrate import upgrade
    from archive.services import accounts
    from archive.services.context import Archive

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    archive = Archive.open(settings)
    try:
        with archive.db.write() as conn:
            casetypes.seed_builtins(conn)
        if not people:
            return
        accounts.create_unit(archive, "tu_phap", "Phòng Tư pháp", None, by=None)
        accounts.create_user(
            archive,
            username=USERNAME,
            full_name="Cán bộ đo hiệu năng",
            password=PASSWORD,
            role=Role.OFFICIAL,
            unit_code="tu_phap",
            by=None,
        )
    finally:
        archive.close()


def plain_minio(settings: Settings) -> Any:
    """minio-py on the archive's MinIO, as the archive's own store does not use it: to
    read or put directly beside the archive, and to clean up after it."""
    from minio import Minio

    return Minio(
        settings.s3_endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
        secure=settings.s3_secure,
    )


def _remove(settings: Settings) -> None:
    if settings.elasticsearch_url:
        with httpx.Client(base_url=settings.elasticsearch_url, timeout=60) as es:
            found = es.get(f"/_alias/{settings.elasticsearch_index}")
            if found.status_code == 200:
                for name in found.json():
                    es.delete(f"/{name}")
            for statistics in ("figures", "figures-snapshot"):  # the statistics' indexes
                es.delete(f"/{settings.elasticsearch_index}-{statistics}")
    url = make_url(settings.database_url)
    if url.get_backend_name() == "postgresql":
        engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        engine.dispose()
    if settings.storage == "s3":
        client = plain_minio(settings)
        if client.bucket_exists(settings.s3_bucket):
            for obj in client.list_objects(
                settings.s3_bucket, recursive=True, include_version=True
            ):
                client.remove_object(settings.s3_bucket, obj.object_name, obj.version_id)
            client.remove_bucket(settings.s3_bucket)


@contextlib.contextmanager
def bench_archive(
    backend: str, workdir: Path | None = None, *, people: bool = True, **overrides: Any
) -> Iterator[Settings]:
    """A fresh archive with one official (unless not ``people``), removed (folder,
    database, bucket, search index) afterwards."""
    folder = workdir or Path(tempfile.mkdtemp(prefix="archive-bench-", dir="/var/tmp"))
    settings = _settings(backend, folder, **overrides)
    try:
        _prepare(settings, people)
        yield settings
    finally:
        _remove(settings)
        shutil.rmtree(folder, ignore_errors=True)


def archive_env(settings: Settings) -> dict[str, str]:
    """This environment with the archive's settings as ``ARCHIVE_*`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[f"ARCHIVE_{name.upper()}"] = str(value)
    return env


# ------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ApiServer:
    """``archive serve --no-worker`` in a subprocess on a free loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = settings.data_dir.parent / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> ApiServer:
        argv = [sys.executable, "-m", "archive.cli", "serve", "--no-worker"]
        argv += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                argv,
                env=archive_env(self.settings),
                cwd=self.settings.data_dir.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited:\n{self.log_path.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/api/health", timeout=2).status_code == 200:
                    return self
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"the server did not answer in 60 s:\n{self.log_path.read_text()}")
            time.sleep(0.1)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def died(self) -> bool:
        """True if the server exited on its own; its last words go to stderr."""
        if self.proc is None or self.proc.poll() is None:
            return False
        print(
            f"!! the server (pid {self.pid}) exited with {self.proc.returncode}; its log ends:\n"
            f"{self.log_tail()}",
            file=sys.stderr,
        )
        return True

    def stop(self) -> None:
        if self.proc is None or self.died():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def bare_http_server() -> Iterator[str]:
    """``bare_http.py`` under uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "bare_http:app", "--app-dir", str(ROOT / "bench")]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise SystemExit("the bare HTTP server exited")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base_url, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the bare HTTP server did not answer in 30 s")
            time.sleep(0.1)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def login(base_url: str) -> dict[str, str]:
    """Headers of a signed-in official."""
    answer = httpx.post(
        f"{base_url}/api/auth/login",
        json={"username": USERNAME, "password": PASSWORD},
        timeout=30,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def new_dossier(client: httpx.Client, title: str) -> int:
    answer = client.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": title,
            "field": "xay_dung",
            "opened_on": date.today().isoformat(),
            "parties": [{"role": "violator", "name": "Nguyễn Văn Đức"}],
            "custom": {"violation": "Xây dựng công trình không có giấy phép"},
        },
    )
    if answer.status_code != 201:
        raise SystemExit(f"cannot open a dossier: {answer.status_code} {answer.text}")
    return int(answer.json()["id"])


# ------------------------------------------------------------------------- PDFs


@dataclass(frozen=True)
class PdfLayout:
    size: int
    pages: int
    first_image_at: int  # offset of the first image's bytes: overwrite to make a new file


WIDTH = 2480  # an A4 page scanned at 300 dpi, in grey


def _pages_for(size: int) -> int:
    """About 5 MB of scan per page, as an office scanner makes them."""
    return max(1, round(size / (5 * MIB)))


def write_scan_pdf(out: BinaryIO, size: int, seed: int | None = None) -> PdfLayout:
    """A valid PDF of about ``size`` bytes: pages of grey random-noise "scans" (uncompressed
    image XObjects) with a line of text, written piece by piece so memory stays small."""
    rng = random.Random(seed if seed is not None else secrets.randbits(64))
    pages = _pages_for(size)
    per_page = max(WIDTH, (size - 2048 * pages) // pages)
    height = math.ceil(per_page / WIDTH)
    image_len = WIDTH * height
    # Objects: 1 catalog, 2 page tree, 3 font, then per page: page, contents, image.
    offsets: dict[int, int] = {}
    position = 0
    first_image_at = -1

    def emit(data: bytes) -> None:
        nonlocal position
        out.write(data)
        position += len(data)

    def begin(number: int) -> None:
        offsets[number] = position
        emit(f"{number} 0 obj\n".encode())

    emit(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    kids = " ".join(f"{4 + 3 * i} 0 R" for i in range(pages))
    begin(1)
    emit(b"<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
    begin(2)
    emit(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>\nendobj\n".encode())
    begin(3)
    emit(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n")
    for index in range(pages):
        page, contents, image = 4 + 3 * index, 5 + 3 * index, 6 + 3 * index
        begin(page)
        emit(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {contents} 0 R "
            f"/Resources << /Font << /F1 3 0 R >> /XObject << /Im1 {image} 0 R >> >> >>\n"
            "endobj\n".encode()
        )
        stream = (
            f"q 595 0 0 842 0 0 cm /Im1 Do Q BT /F1 10 Tf 40 20 Td "
            f"(Bien ban - trang {index + 1}/{pages} - {rng.getrandbits(64):016x}) Tj ET"
        ).encode()
        begin(contents)
        emit(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream\nendobj\n")
        begin(image)
        emit(
            f"<< /Type /XObject /Subtype /Image /Width {WIDTH} /Height {height} "
            f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Length {image_len} >>\nstream\n".encode()
        )
        if first_image_at < 0:
            first_image_at = position
        left = image_len
        while left:
            piece = min(left, 4 * MIB)
            emit(rng.randbytes(piece))
            left -= piece
        emit(b"\nendstream\nendobj\n")
    count = 3 + 3 * pages
    xref_at = position
    emit(f"xref\n0 {count + 1}\n0000000000 65535 f \n".encode())
    for number in range(1, count + 1):
        emit(f"{offsets[number]:010d} 00000 n \n".encode())
    emit(f"trailer\n<< /Size {count + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode())
    return PdfLayout(size=position, pages=pages, first_image_at=first_image_at)


def scan_pdf_bytes(size: int) -> bytes:
    buffer = io.BytesIO()
    write_scan_pdf(buffer, size)
    return buffer.getvalue()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of ``values`` (fraction in 0..1)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


Ask = Callable[[random.Random], tuple[str, dict[str, str]]]


def load(
    base_url: str, token: str, ask: Ask, clients: int, seconds: float, pace: float = 0.0
) -> tuple[list[float], int]:
    """``clients`` threads, each with its own connection, GET what ``ask`` draws for
    ``seconds``: one after the other (``pace`` 0: as fast as the server answers), or each
    starting a request every ``pace`` seconds (people reloading a page), never two at once.
    Returns the latencies of the 200 answers and the count of the others."""
    import threading

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        with httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            if pace:
                time.sleep(rng.random() * pace)  # people do not all click at once
            while time.monotonic() < stop:
                began = time.monotonic()
                path, params = ask(rng)
                t = time.perf_counter()
                answer = http.get(path, params=params)
                took = time.perf_counter() - t
                with lock:
                    if answer.status_code == 200:
                        latencies.append(took)
                    else:
                        errors += 1
                if pace:
                    time.sleep(max(0.0, began + pace - time.monotonic()))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors
