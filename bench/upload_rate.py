"""How many PDFs a second the archive takes in over HTTP, and how fast in MB/s.

    .venv/bin/python bench/upload_rate.py --backend embedded --count 200 --concurrency 1 4

Starts the real API (``archive serve --no-worker``) in a subprocess on a fresh archive
(embedded: SQLite + folder in a temporary directory; scaled: PostgreSQL + MinIO from
``scripts/servers.sh``), signs in as an official, opens one dossier per run and uploads
``--count`` distinct valid PDFs of about ``--size-mb`` MB each (pages of random-noise
"scans") as ``multipart/form-data``, the way the browser does, from ``--concurrency``
clients at once. Generating the PDFs is not timed. Prints documents/s, MB/s and the
latency of one upload (p50, p95, max). Everything it made is removed at the end.

In the same run it measures the floor the rate is compared with, on the same files: for
the embedded backend ``cp`` then ``sha256sum`` of each file into a folder on the same
disk (one pair of processes per file, as a shell loop would); for the scaled backend a
plain ``put_object`` of each file to MinIO from this process. The ratio is the upload
rate over the floor. Beside it, the same uploads sent the same way to a bare uvicorn app that
reads each body and throws it away (``bare_http.py``): what receiving them over HTTP in
Python costs by itself, with no parsing, check, store or database.

Beside each rate it prints the CPU time every process taking part used per document: the
server with its PDF checking processes, PostgreSQL and MinIO (scaled; the loopback
servers, found by name), and this bench's own clients — and the same for the floor. Where
the clients and the servers share a few cores, a rate is bounded by that sum.
"""

from __future__ import annotations

import argparse
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from benchlib import (
    MIB,
    ApiServer,
    CpuUse,
    bare_http_server,
    bench_archive,
    login,
    named_processes,
    new_dossier,
    percentile,
    plain_minio,
    process_tree,
    running,
    scan_pdf_bytes,
)

from archive.settings import Settings


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def upload_all(
    base_url: str, headers: dict[str, str], dossier_id: int, files: list[bytes], clients: int
) -> tuple[Run, float]:
    work: queue.Queue[tuple[int, bytes]] = queue.Queue()
    for index, data in enumerate(files):
        work.put((index, data))
    run = Run()
    start = threading.Barrier(clients + 1)

    def client() -> None:
        with httpx.Client(base_url=base_url, headers=headers, timeout=120) as http:
            start.wait()
            while True:
                try:
                    index, data = work.get_nowait()
                except queue.Empty:
                    return
                began = time.perf_counter()
                try:
                    answer = http.post(
                        f"/api/dossiers/{dossier_id}/documents",
                        data={"kind": "bien_ban_vi_pham", "title": f"Biên bản số {index + 1}"},
                        files={"file": (f"bien-ban-{index + 1}.pdf", data, "application/pdf")},
                    )
                except httpx.HTTPError as exc:
                    with run.lock:
                        run.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                took = time.perf_counter() - began
                with run.lock:
                    if answer.status_code == 201:
                        run.latencies.append(took)
                        run.bytes_sent += len(data)
                    else:
                        run.failures.append(f"{answer.status_code} {answer.text[:200]}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return run, time.perf_counter() - began


def floor_rate(settings: Settings, files: list[bytes]) -> tuple[str, float, CpuUse]:
    """Documents/s of the plainest way to keep the same files on the same kind of store,
    and the CPU it took."""
    folder = Path(tempfile.mkdtemp(prefix="floor-", dir="/var/tmp"))
    try:
        sources = []
        for index, data in enumerate(files):
            path = folder / f"{index}.pdf"
            path.write_bytes(data)
            sources.append(path)
        if settings.storage == "s3":
            client = plain_minio(settings)
            bucket = f"floor-{int(time.time())}"
            client.make_bucket(bucket)
            try:
                with CpuUse({"MinIO": named_processes("minio")}) as cpu:
                    began = time.perf_counter()
                    for index, path in enumerate(sources):
                        client.fput_object(bucket, f"floor/{index}", str(path))
                    elapsed = time.perf_counter() - began
            finally:
                for obj in client.list_objects(bucket, recursive=True):
                    client.remove_object(bucket, obj.object_name)
                client.remove_bucket(bucket)
            return "plain MinIO put", len(files) / elapsed, cpu
        copies = folder / "copies"
        copies.mkdir()
        with CpuUse({}) as cpu:
            began = time.perf_counter()
            for path in sources:
                target = copies / path.name
                subprocess.run(["cp", str(path), str(target)], check=True)
                subprocess.run(["sha256sum", str(target)], check=True, capture_output=True)
            elapsed = time.perf_counter() - began
        return "cp + sha256sum", len(files) / elapsed, cpu
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--count", type=int, default=200, help="PDFs per run")
    parser.add_argument("--size-mb", type=float, default=1.0, help="size of each PDF, MB")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1], help="clients at once (one run each)"
    )
    args = parser.parse_args()
    size = int(args.size_mb * MIB)

    with bench_archive(args.backend) as settings, ApiServer(settings) as server:
        headers = login(server.base_url)
        print(
            f"backend={args.backend} database={settings.database_url.split('://')[0]} "
            f"storage={settings.storage} server=archive serve --no-worker (pid {server.pid})"
        )
        for clients in args.concurrency:
            files = [scan_pdf_bytes(size) for _ in range(args.count)]
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as http:
                dossier_id = new_dossier(http, f"Đo tốc độ tải lên - {clients} luồng")
            groups = {"server and its PDF checkers": process_tree(server.pid)}
            if settings.storage == "s3":
                groups |= {
                    "PostgreSQL": named_processes("postgres"),
                    "MinIO": named_processes("minio"),
                }
            with CpuUse(groups) as cpu:
                run, elapsed = upload_all(server.base_url, headers, dossier_id, files, clients)
            done = len(run.latencies)
            megabytes = run.bytes_sent / MIB
            print(
                f"  concurrency={clients} documents={done}/{args.count} "
                f"size={sum(map(len, files)) / len(files) / MIB:.2f}MiB each  "
                f"elapsed={elapsed:.1f}s  {done / elapsed:.1f} documents/s  "
                f"{megabytes / elapsed:.1f} MiB/s  "
                f"latency p50={percentile(run.latencies, 0.50) * 1000:.0f}ms "
                f"p95={percentile(run.latencies, 0.95) * 1000:.0f}ms "
                f"max={max(run.latencies) * 1000:.0f}ms"
                if done
                else f"  concurrency={clients}: no upload succeeded"
            )
            for failure in run.failures[:5]:
                print(f"    failed: {failure}")
            if run.failures:
                print(f"    {len(run.failures)} uploads failed")
            if done:
                print(f"  CPU per upload: {cpu.per_item(done)}")
            what, floor, floor_cpu = floor_rate(settings, files)
            if done:
                print(
                    f"  floor ({what}, same files, same run): {floor:.1f} documents/s; "
                    f"ratio {done / elapsed / floor:.2f}"
                )
                print(f"  CPU per file of the floor: {floor_cpu.per_item(len(files))}")
            with (
                bare_http_server() as bare_url,
                CpuUse({"bare app": running("bare_http:app")}) as bare_cpu,
            ):
                bare, bare_elapsed = upload_all(bare_url, {}, dossier_id, files, clients)
            print(
                f"  a bare uvicorn app reading the same uploads and throwing them away: "
                f"{len(bare.latencies) / bare_elapsed:.1f} documents/s, "
                f"p50={percentile(bare.latencies, 0.50) * 1000:.1f}ms; CPU "
                f"{bare_cpu.per_item(len(bare.latencies))}"
                if bare.latencies
                else f"  the bare uvicorn app took none: {bare.failures[:1]}"
            )


if __name__ == "__main__":
    main()
