"""Pages/s from upload to searchable, beside raw pypdfium2 on the same files.

    .venv/bin/python bench/search_ingest.py [--dossiers 60] [--backend embedded scaled]
        [--import] [--describe-all] [--clients 2] [--seed 7]

Renders the corpus of ``text_engines.py`` first (every document of ``--dossiers`` demo
dossiers, 1–3 pages, and one 5–20 page document for every fourth dossier; not timed), and
reads it once with pypdfium2 in this process (``get_text_range`` per page): the raw rate.

Then, per backend, on a fresh archive with one official of unit ``tu_phap``: the real API
(``archive serve --no-worker``) and a worker (``archive worker --beat`` with
``ARCHIVE_SEARCH_FEED_SECONDS=0.5``, its log in the archive's folder) as subprocesses. The
clock starts, ``--clients`` client threads take dossiers from a queue, open each with
``POST /api/dossiers`` (the demo dossier's case type, field, title, parties and custom
fields) and upload its documents in order as ``multipart/form-data``; the bench polls the
archive's database (``indexer.state.search_state``) every 0.1 s and the clock stops when
every uploaded document is ``indexed`` (or failed). Prints documents, pages, seconds and
pages/s end to end, the moment the last upload returned, and the ratio to the raw rate;
then the CPU per page of the server (with its PDF checkers), the worker (with its pool and
text reader), the bench, and on the scaled backend every ``postgres``, ``minio``, ``java``
(Elasticsearch) and ``redis-server`` process of the machine — the shared loopback servers,
whatever else uses them counts too.

``--import`` times ``archive import FOLDER --as bench_official`` instead of HTTP (no API
server): the corpus written as an import folder, one sub-folder per dossier with its PDFs
and a ``dossier.json``; the clock runs from the command's start to the last document
indexed. ``--describe-all`` gives every document a number and an issuer, so the worker
never reads the details printed on it (pdfplumber on its first and last page; the demo
leaves the number of receipts, letters and the like empty). The worker is stopped with
SIGTERM (SIGKILL after 30 s) and every process it started is gone before the archive is
removed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import SQLAlchemyError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    USERNAME,
    ApiServer,
    CpuUse,
    archive_env,
    bench_archive,
    login,
    named_processes,
    process_tree,
)
from text_engines import CorpusFile, read_pypdfium2, render_corpus, time_engine

from archive.demo.dataset import DemoDocument, DemoDossier
from archive.metadata.schema import documents as document_table
from archive.settings import Settings
from indexer.state import search_state

FEED_SECONDS = "0.5"
WAIT_LIMIT = 1800.0  # seconds to wait for the index before giving up
DESCRIBE_ALL = False  # --describe-all


# ------------------------------------------------------------------------- the corpus


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def dossier_fields(dossier: DemoDossier) -> dict[str, Any]:
    """The demo dossier as ``POST /api/dossiers`` and ``dossier.json`` take it (in the
    importer's own unit, at the case type's first stage, with a generated code)."""
    return {
        "case_type": dossier.case_type,
        "title": dossier.title,
        "field": dossier.field,
        "opened_on": dossier.opened_on.isoformat(),
        "parties": [
            {
                "role": p.role,
                "kind": p.kind,
                "name": p.name,
                "id_number": p.id_number,
                "address": p.address,
            }
            for p in dossier.parties
        ],
        "custom": {k: _plain(v) for k, v in dossier.custom.items()},
    }


def document_fields(doc: DemoDocument) -> dict[str, str]:
    """The upload's fields; with ``--describe-all`` number and issuer are never left empty,
    so the worker does not read the details printed on the page (``fields=True``)."""
    fields = {"kind": doc.kind, "title": doc.title, "issued_on": doc.issued_on.isoformat()}
    number = doc.number or ("01/BENCH" if DESCRIBE_ALL else None)
    issuer = doc.issuer or ("Phòng Tư pháp" if DESCRIBE_ALL else None)
    if number:
        fields["number"] = number
    if issuer:
        fields["issuer"] = issuer
    return fields


def by_dossier(files: list[CorpusFile]) -> list[list[CorpusFile]]:
    groups: dict[int, list[CorpusFile]] = {}
    for item in files:
        groups.setdefault(id(item.dossier), []).append(item)
    return list(groups.values())


def write_import_folder(folder: Path, files: list[CorpusFile]) -> None:
    for number, group in enumerate(by_dossier(files), 1):
        sub = folder / f"{number:04d}"
        sub.mkdir(parents=True)
        documents = []
        for order, item in enumerate(group, 1):
            shutil.copyfile(item.path, sub / item.path.name)
            documents.append(
                {"file": item.path.name, "order": order, **document_fields(item.document)}
            )
        description = {**dossier_fields(group[0].dossier), "documents": documents}
        (sub / "dossier.json").write_text(json.dumps(description, ensure_ascii=False, indent=1))


# ------------------------------------------------------------------------- the worker


@contextlib.contextmanager
def worker(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """``archive worker --beat`` feeding search every 0.5 s; stopped with SIGTERM, SIGKILL
    after 30 s, and every process it started killed if still there."""
    env = archive_env(settings) | {"ARCHIVE_SEARCH_FEED_SECONDS": FEED_SECONDS}
    log_path = settings.data_dir.parent / "worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "worker", "--beat"],
            env=env,
            cwd=settings.data_dir.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    seen: dict[int, psutil.Process] = {}

    def remember() -> None:
        with contextlib.suppress(psutil.Error):
            for p in [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(True)]:
                seen.setdefault(p.pid, p)

    try:
        deadline = time.monotonic() + 90
        while b" ready." not in log_path.read_bytes():
            if proc.poll() is not None:
                raise SystemExit(f"the worker exited:\n{log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the worker was not ready in 90 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        remember()
        yield proc
    finally:
        remember()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print("!! the worker did not stop in 30 s: SIGKILL", file=sys.stderr)
                proc.kill()
                proc.wait(timeout=10)
        for p in seen.values():
            with contextlib.suppress(psutil.Error):
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    print(f"!! worker process {p.pid} left behind: SIGKILL", file=sys.stderr)
                    p.kill()


# ------------------------------------------------------------------------- uploading


@dataclass
class Uploads:
    document_ids: list[int] = field(default_factory=list)
    pages: int = 0
    failures: list[str] = field(default_factory=list)
    last_returned: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def upload_all(
    base_url: str, headers: dict[str, str], groups: list[list[CorpusFile]], clients: int
) -> Uploads:
    work: queue.Queue[list[CorpusFile]] = queue.Queue()
    for group in groups:
        work.put(group)
    done = Uploads()

    def client() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as http:
            while True:
                try:
                    group = work.get_nowait()
                except queue.Empty:
                    return
                answer = http.post("/api/dossiers", json=dossier_fields(group[0].dossier))
                if answer.status_code != 201:
                    with done.lock:
                        done.failures.append(f"dossier: {answer.status_code} {answer.text[:300]}")
                    continue
                dossier_id = int(answer.json()["id"])
                for item in group:
                    answer = http.post(
                        f"/api/dossiers/{dossier_id}/documents",
                        data=document_fields(item.document),
                        files={"file": (item.path.name, item.path.read_bytes(), "application/pdf")},
                    )
                    with done.lock:
                        done.last_returned = time.perf_counter()
                        if answer.status_code == 201:
                            done.document_ids.append(int(answer.json()["id"]))
                            done.pages += item.document.pages
                        else:
                            done.failures.append(f"{answer.status_code} {answer.text[:300]}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done


# ------------------------------------------------------------------------- the index


class IndexWatch:
    """The archive's search state table, read straight from its database."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine(settings.database_url)

    def counts(self) -> dict[str, tuple[int, int]]:
        """status -> (documents, pages); empty until the worker made the table."""
        query = select(
            search_state.c.status, func.count(), func.coalesce(func.sum(search_state.c.pages), 0)
        ).group_by(search_state.c.status)
        try:
            with self.engine.connect() as conn:
                return {str(s): (int(n), int(p)) for s, n, p in conn.execute(query)}
        except SQLAlchemyError:
            return {}

    def wait(self, documents: int, limit: float = WAIT_LIMIT) -> dict[str, tuple[int, int]]:
        """Poll every 0.1 s until ``documents`` are indexed or failed."""
        deadline = time.monotonic() + limit
        while True:
            found = self.counts()
            settled = sum(n for status, (n, _) in found.items() if status in ("indexed", "failed"))
            if settled >= documents or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def reasons(self) -> list[str]:
        query = select(search_state.c.document_id, search_state.c.reason).where(
            search_state.c.status == "failed"
        )
        with self.engine.connect() as conn:
            return [f"document {d}: {r}" for d, r in conn.execute(query).fetchall()[:5]]

    def close(self) -> None:
        self.engine.dispose()


def cpu_groups(settings: Settings, **processes: int) -> dict[str, Any]:
    groups: dict[str, Any] = {name: process_tree(pid) for name, pid in processes.items()}
    if settings.storage == "s3":
        groups |= {
            "PostgreSQL": named_processes("postgres"),
            "MinIO": named_processes("minio"),
            "Elasticsearch": named_processes("java"),
            "Redis": named_processes("redis-server"),
        }
    return groups


# ------------------------------------------------------------------------- the runs


@dataclass
class Outcome:
    documents: int
    pages: int
    seconds: float
    sent_after: float  # uploads (or the import command) done, seconds after the start
    counts: dict[str, tuple[int, int]]
    cpu: CpuUse
    failures: list[str]


def run_http(settings: Settings, files: list[CorpusFile], clients: int) -> Outcome:
    with worker(settings) as work_proc, ApiServer(settings) as server:
        headers = login(server.base_url)
        watch = IndexWatch(settings)
        try:
            groups = cpu_groups(settings, server=server.pid, worker=work_proc.pid)
            with CpuUse(groups) as cpu:
                began = time.perf_counter()
                done = upload_all(server.base_url, headers, by_dossier(files), clients)
                sent = done.last_returned - began
                counts = watch.wait(len(done.document_ids))
                seconds = time.perf_counter() - began
            failures = done.failures + (watch.reasons() if "failed" in counts else [])
            return Outcome(len(done.document_ids), done.pages, seconds, sent, counts, cpu, failures)
        finally:
            watch.close()


def run_import(settings: Settings, files: list[CorpusFile]) -> Outcome:
    folder = settings.data_dir.parent / "nhap"
    write_import_folder(folder, files)
    log_path = settings.data_dir.parent / "import.log"
    with worker(settings) as work_proc:
        watch = IndexWatch(settings)
        try:
            groups = cpu_groups(settings, worker=work_proc.pid)
            with CpuUse(groups) as cpu, log_path.open("wb") as log:
                began = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, "-m", "archive.cli", "import", str(folder), "--as", USERNAME],
                    env=archive_env(settings),
                    cwd=settings.data_dir.parent,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                sent = time.perf_counter() - began
                failures = []
                if done.returncode != 0:
                    tail = log_path.read_text(errors="replace").splitlines()[-15:]
                    failures.append(f"import exited with {done.returncode}: " + "\n".join(tail))
                with watch.engine.connect() as conn:
                    expected = conn.execute(
                        select(func.count()).select_from(document_table)
                    ).scalar_one()
                counts = watch.wait(int(expected))
                seconds = time.perf_counter() - began
            # the import command is a child this bench waited for: its CPU is counted as own
            cpu.used["import command (and this bench)"] = cpu.used.pop("this bench (clients)")
            if "failed" in counts:
                failures += watch.reasons()
            pages = sum(p for _, p in counts.values())
            return Outcome(int(expected), pages, seconds, sent, counts, cpu, failures)
        finally:
            watch.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dossiers", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--backend", nargs="+", default=["embedded"], choices=["embedded", "scaled"]
    )
    parser.add_argument("--clients", type=int, default=2, help="upload threads")
    parser.add_argument(
        "--import", dest="bulk", action="store_true", help="time `archive import` instead"
    )
    parser.add_argument(
        "--describe-all",
        action="store_true",
        help="give every document a number and an issuer (no reading of printed details)",
    )
    args = parser.parse_args()
    global DESCRIBE_ALL
    DESCRIBE_ALL = args.describe_all
    folder = Path(tempfile.mkdtemp(prefix="search-ingest-", dir="/var/tmp"))
    try:
        files = render_corpus(folder, args.dossiers, args.seed)
        pages = sum(f.document.pages for f in files)
        megabytes = sum(f.path.stat().st_size for f in files) / 1024 / 1024
        print(
            f"corpus: {args.dossiers} dossiers (seed {args.seed}), {len(files)} PDFs, {pages} "
            f"pages, {megabytes:.1f} MiB (rendering not timed)",
            flush=True,
        )
        for backend in args.backend:
            raw = time_engine("pypdfium2", read_pypdfium2, files)
            raw_rate = raw.pages / raw.seconds
            print(
                f"raw pypdfium2, same files, this process: {raw.pages} pages in "
                f"{raw.seconds:.2f} s = {raw_rate:.0f} pages/s",
                flush=True,
            )
            how = "archive import" if args.bulk else f"HTTP upload, {args.clients} clients"
            if DESCRIBE_ALL:
                how += ", every document with number and issuer"
            with bench_archive(backend, people=True) as settings:
                print(
                    f"== {backend} ({how}): database={settings.database_url.split('://')[0]} "
                    f"storage={settings.storage} search="
                    f"{'Elasticsearch' if settings.elasticsearch_url else 'SQLite FTS5'}",
                    flush=True,
                )
                if args.bulk:
                    out = run_import(settings, files)
                else:
                    out = run_http(settings, files, args.clients)
            rate = out.pages / out.seconds
            states = ", ".join(f"{s} {n} ({p} pages)" for s, (n, p) in sorted(out.counts.items()))
            print(
                f"  {out.documents} documents, {out.pages} pages: searchable after "
                f"{out.seconds:.1f} s = {rate:.1f} pages/s end to end "
                f"({out.documents / out.seconds:.1f} documents/s)"
            )
            print(
                f"  {'import command' if args.bulk else 'uploads'} done after "
                f"{out.sent_after:.1f} s ({out.pages / out.sent_after:.1f} pages/s); "
                f"index state: {states}"
            )
            print(f"  ratio to raw pypdfium2: {rate / raw_rate:.3f} (goal >= 0.5)")
            print(f"  CPU per page: {out.cpu.per_item(out.pages)}")
            for failure in out.failures[:5]:
                print(f"  failed: {failure}")
            if out.failures:
                print(f"  {len(out.failures)} failures")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
