"""Does a 500 MB upload keep the server's memory flat? Peak RSS while it streams in.

    .venv/bin/python bench/upload_memory.py --backend embedded --size-mb 500

Starts ``archive serve --no-worker`` as a subprocess on a fresh archive, measures its
resident memory (with any children) at rest and after a small warm-up upload, writes a
valid PDF of ``--size-mb`` MB to disk piece by piece (pages of random-noise "scans"),
then uploads it twice, streamed from the file by httpx: once as a raw
``application/pdf`` body and once as ``multipart/form-data`` (one byte is changed
in between so the second is a new document, not a duplicate). During each upload the
server's RSS is sampled every 50 ms with psutil. Prints the peak RSS, the peak growth
over the warm baseline, the upload time and MB/s. The big file and the archive are
removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
from benchlib import (
    MIB,
    ApiServer,
    bench_archive,
    login,
    new_dossier,
    scan_pdf_bytes,
    write_scan_pdf,
)

CHUNK = MIB


class RssSampler:
    """Resident memory of a process and its children, sampled on a thread."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        total = int(self.process.memory_info().rss)
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                total += int(child.memory_info().rss)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), self.rss()))
            self._stop.wait(self.interval)

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((rss for at, rss in self.samples if start <= at <= end), default=0)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter(), self.rss()))


class SentClock:
    """When the client handed the last byte of the file to the connection."""

    def __init__(self) -> None:
        self.at = float("inf")


class TimedFile(io.FileIO):
    """A file that notes when it has been read to the end (httpx streams multipart
    files by ``read`` in chunks, and learns their length from ``fileno``)."""

    def __init__(self, path: Path, clock: SentClock) -> None:
        super().__init__(path, "rb")
        self.clock = clock

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if not chunk:
            self.clock.at = min(self.clock.at, time.perf_counter())
        return chunk or b""


def steady_rss(pid: int, seconds: float = 1.0) -> int:
    with RssSampler(pid) as sampler:
        time.sleep(seconds)
    return sampler.peak()


def curve(sampler: RssSampler, began: float, baseline: int, step: float = 0.25) -> str:
    points: list[str] = []
    next_at = began
    for at, rss in sampler.samples:
        if at >= next_at:
            points.append(f"{at - began:.2f}:{(rss - baseline) / MIB:+.0f}")
            next_at = at + step
    return " ".join(points)


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    for chunk in file_chunks(path):
        digest.update(chunk)
    return digest.hexdigest()


def upload(
    client: httpx.Client, dossier_id: int, path: Path, mode: str, clock: SentClock
) -> httpx.Response:
    url = f"/api/dossiers/{dossier_id}/documents"
    fields = {"kind": "khac", "title": f"Bản quét lớn ({mode})"}
    if mode == "raw":

        def body() -> Iterator[bytes]:
            yield from file_chunks(path)
            clock.at = time.perf_counter()

        return client.post(
            url,
            params={**fields, "filename": path.name},
            content=body(),
            headers={
                "Content-Type": "application/pdf",
                "Content-Length": str(path.stat().st_size),
            },
        )
    with TimedFile(path, clock) as fh:
        return client.post(url, data=fields, files={"file": (path.name, fh, "application/pdf")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--size-mb", type=float, default=500.0, help="size of the PDF, MB")
    parser.add_argument(
        "--trace", action="store_true", help="also print the RSS curve, one point per 0.25 s"
    )
    args = parser.parse_args()

    with bench_archive(args.backend) as settings, ApiServer(settings) as server:
        cold = steady_rss(server.pid)
        headers = login(server.base_url)
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=600) as client:
            dossier_id = new_dossier(client, "Đo bộ nhớ khi tải tệp lớn")
            warm = client.post(
                f"/api/dossiers/{dossier_id}/documents",
                data={"kind": "khac", "title": "Khởi động"},
                files={"file": ("warm.pdf", scan_pdf_bytes(MIB), "application/pdf")},
            )
            warm.raise_for_status()
            baseline = steady_rss(server.pid)
            print(
                f"backend={args.backend} storage={settings.storage} server pid {server.pid}: "
                f"RSS at rest {cold / MIB:.1f} MiB, after a 1 MiB warm-up upload "
                f"{baseline / MIB:.1f} MiB (baseline)"
            )
            big = settings.data_dir.parent / f"big-{secrets.token_hex(4)}.pdf"
            try:
                began = time.perf_counter()
                with big.open("wb") as out:
                    layout = write_scan_pdf(out, int(args.size_mb * MIB))
                size = big.stat().st_size
                print(
                    f"  wrote {big.name}: {size / MIB:.1f} MiB, {layout.pages} pages, "
                    f"in {time.perf_counter() - began:.1f}s"
                )
                for mode in ("raw", "multipart"):
                    with big.open("r+b") as fh:  # a new file each run: no duplicate refusal
                        fh.seek(layout.first_image_at)
                        fh.write(os.urandom(64))
                    expected = sha256_of(big)
                    clock = SentClock()
                    with RssSampler(server.pid) as sampler:
                        began = time.perf_counter()
                        answer = upload(client, dossier_id, big, mode, clock)
                        took = time.perf_counter() - began
                    if answer.status_code != 201:
                        print(f"  {mode}: refused {answer.status_code} {answer.text[:300]}")
                        continue
                    doc = answer.json()
                    assert doc["sha256"] == expected and doc["size"] == size, doc
                    assert doc["page_count"] == layout.pages, doc
                    receiving = sampler.peak(end=clock.at)
                    print(
                        f"  {mode:9} upload {size / MIB:.0f} MiB in {took:.1f}s "
                        f"({size / MIB / took:.0f} MiB/s, last byte sent at "
                        f"{clock.at - began:.1f}s): peak RSS {sampler.peak() / MIB:.1f} MiB, "
                        f"peak growth over baseline {(sampler.peak() - baseline) / MIB:+.1f} MiB; "
                        f"while the body streamed in {(receiving - baseline) / MIB:+.1f} MiB, "
                        f"after (PDF check, store, commit) "
                        f"{(sampler.peak(start=clock.at) - baseline) / MIB:+.1f} MiB "
                        f"({len(sampler.samples)} samples, one per 50 ms)"
                    )
                    if args.trace:
                        points = curve(sampler, began, baseline)
                        print(f"    RSS curve (s: MiB over baseline): {points}")
                after = steady_rss(server.pid)
                print(f"  RSS after both uploads {after / MIB:.1f} MiB")
            finally:
                big.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
