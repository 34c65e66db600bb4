"""What verifying every chunk costs a download, against reading the same object directly.

    .venv/bin/python bench/download_rate.py --backend embedded [--big-mb 1024] [--count 200]
    .venv/bin/python bench/download_rate.py --backend scaled

Starts the real API (``archive serve --no-worker``) on a fresh archive, uploads a 1 MiB and
a ``--big-mb`` MiB PDF, then in the same run:

* GETs the 1 MiB document ``--count`` times over HTTP as a signed-in official (each GET
  authenticates, writes its audit entry and verifies every 4 MiB chunk before sending
  it) and reads the same stored object ``--count`` times straight from the store (the
  local file, or a MinIO GET with its own client): p50 and p95 latency, and the ratio;
  beside them, a static file of the same size from the same server, and 1 MiB from the
  memory of a bare uvicorn app with nothing else to do (``bare_http.py``): what HTTP in
  Python costs by itself;
* downloads the big document once over HTTP and reads its object once straight from the
  store: MiB/s each, and the ratio.

Everything it made is removed at the end.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from benchlib import (
    MIB,
    ApiServer,
    bare_http_server,
    bench_archive,
    login,
    new_dossier,
    percentile,
    plain_minio,
    write_scan_pdf,
)

from archive.settings import Settings


def upload_file(http: httpx.Client, dossier_id: int, path: Path, title: str) -> dict[str, object]:
    with path.open("rb") as fh:
        answer = http.post(
            f"/api/dossiers/{dossier_id}/documents",
            params={"kind": "khac", "title": title, "filename": path.name},
            content=fh,
            headers={"Content-Type": "application/pdf"},
            timeout=1800,
        )
    if answer.status_code != 201:
        raise SystemExit(f"upload failed: {answer.status_code} {answer.text[:300]}")
    document: dict[str, object] = answer.json()
    return document


def direct_reader(settings: Settings, key: str) -> Callable[[], int]:
    """Reads the stored object the plainest way; returns the bytes read."""
    if settings.storage == "s3":
        client = plain_minio(settings)
        bucket = settings.s3_bucket

        def read_s3() -> int:
            response = client.get_object(bucket, key)
            try:
                return sum(len(piece) for piece in response.stream(MIB))
            finally:
                response.close()
                response.release_conn()

        return read_s3
    assert settings.storage_dir is not None  # filled in by the settings themselves
    path = settings.storage_dir / key

    def read_file() -> int:
        with path.open("rb") as fh:
            return sum(len(piece) for piece in iter(lambda: fh.read(MIB), b""))

    return read_file


def timed(action: Callable[[], int], times: int) -> tuple[list[float], int]:
    latencies, total = [], 0
    for _ in range(times):
        began = time.perf_counter()
        total += action()
        latencies.append(time.perf_counter() - began)
    return latencies, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--count", type=int, default=200, help="GETs of the 1 MiB document")
    parser.add_argument("--big-mb", type=int, default=1024, help="size of the big document")
    args = parser.parse_args()

    limit = max(2 * args.big_mb * MIB, 1024 * MIB)  # room for a full 1 GiB original
    with (
        bench_archive(args.backend, max_upload_bytes=limit) as settings,
        ApiServer(settings) as server,
    ):
        headers = login(server.base_url)
        workdir = settings.data_dir.parent
        small_path, big_path = workdir / "mot-mib.pdf", workdir / "lon.pdf"
        with small_path.open("wb") as out:
            write_scan_pdf(out, MIB)
        with big_path.open("wb") as out:
            write_scan_pdf(out, args.big_mb * MIB)
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=600) as http:
            dossier_id = new_dossier(http, "Đo tốc độ tải xuống")
            small = upload_file(http, dossier_id, small_path, "Một MiB")
            big = upload_file(http, dossier_id, big_path, "Tài liệu lớn")
        big_path.unlink()
        print(
            f"backend={args.backend} storage={settings.storage} "
            f"server=archive serve --no-worker (pid {server.pid})"
        )

        def key_of(document: dict[str, object]) -> str:
            versions = document["versions"]
            assert isinstance(versions, list)
            return str(versions[0]["storage_key"])

        with httpx.Client(base_url=server.base_url, headers=headers, timeout=600) as http:

            def get_small() -> int:
                answer = http.get(f"/api/documents/{small['id']}/content")
                answer.raise_for_status()
                return len(answer.content)

            def get_big() -> int:
                with http.stream("GET", f"/api/documents/{big['id']}/content") as answer:
                    answer.raise_for_status()
                    return sum(len(piece) for piece in answer.iter_raw(MIB))

            timed(get_small, 10)  # warm up the connection, caches and the server
            via_http, _ = timed(get_small, args.count)
            direct_small = direct_reader(settings, key_of(small))
            timed(direct_small, 10)
            direct, _ = timed(direct_small, args.count)

            def get_static() -> int:
                # The same server sending a 1.4 MiB file of its own: no sign-in, no audit
                # entry, no verification. What HTTP and Python cost here by themselves.
                return len(http.get("/docs-assets/swagger-ui-bundle.js").content)

            timed(get_static, 10)
            static, _ = timed(get_static, args.count)
            with bare_http_server() as bare_url, httpx.Client(base_url=bare_url) as bare_http:

                def get_bare() -> int:
                    return len(bare_http.get("/").content)

                timed(get_bare, 10)
                bare, _ = timed(get_bare, args.count)
            p50_http, p50_direct = percentile(via_http, 0.5), percentile(direct, 0.5)
            print(
                f"  1 MiB document, {args.count} GETs each: verified over HTTP "
                f"p50={p50_http * 1000:.1f}ms p95={percentile(via_http, 0.95) * 1000:.1f}ms; "
                f"straight from the store p50={p50_direct * 1000:.1f}ms "
                f"p95={percentile(direct, 0.95) * 1000:.1f}ms; ratio {p50_http / p50_direct:.2f}; "
                f"a static 1.4 MiB file from the same server p50="
                f"{percentile(static, 0.5) * 1000:.1f}ms; 1 MiB from memory, bare uvicorn app "
                f"p50={percentile(bare, 0.5) * 1000:.1f}ms"
            )
            (http_time,), size = timed(get_big, 1)
            (direct_time,), _ = timed(direct_reader(settings, key_of(big)), 1)
            print(
                f"  {size / MIB:.0f} MiB document: verified over HTTP "
                f"{size / MIB / http_time:.0f} MiB/s; straight from the store "
                f"{size / MIB / direct_time:.0f} MiB/s; ratio {direct_time / http_time:.2f} "
                "of the direct rate"
            )


if __name__ == "__main__":
    main()
