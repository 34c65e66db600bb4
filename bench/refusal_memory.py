"""What a thousand refused uploads leave in the server: memory, open handles, files.

    .venv/bin/python bench/refusal_memory.py --backend embedded [--count 1000]

Starts the real API (``archive serve --no-worker``) on a fresh archive and sends it
``--count`` pathological PDFs in a row as multipart uploads, the kinds that used to leak
(a page tree nested 3,000 levels deep, a PDF without pages around a 1 MiB stream, a PDF
that needs a password), after 60 of them as a warm-up. Prints the server's RSS before and
after (and the PDF checking processes' RSS), the open file descriptors of the server and
its children that point at deleted files, and the spool files left behind; then three
50 MiB refusals and the same counts again. Everything it made is removed at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

import httpx
import psutil
from benchlib import MIB, ApiServer, bench_archive, login, new_dossier

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.pdfs import deep_page_tree, encrypted_pdf, pageless_with_stream


def deleted_handles(pid: int) -> int:
    found = 0
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(entry).endswith(" (deleted)"):
                found += 1
        except OSError:
            continue
    return found


def snapshot(pid: int) -> tuple[float, float, int]:
    """(server RSS MiB, children RSS MiB, handles to deleted files in all of them)."""
    server = psutil.Process(pid)
    children = server.children(recursive=True)
    handles = deleted_handles(pid) + sum(deleted_handles(c.pid) for c in children)
    return (
        server.memory_info().rss / MIB,
        sum(c.memory_info().rss for c in children) / MIB,
        handles,
    )


def refuse(http: httpx.Client, dossier_id: int, data: bytes, name: str) -> str:
    answer = http.post(
        f"/api/dossiers/{dossier_id}/documents",
        data={"kind": "khac", "title": "Tệp hỏng"},
        files={"file": (name, io.BytesIO(data), "application/pdf")},
    )
    if answer.status_code != 422:
        raise SystemExit(f"expected a refusal, got {answer.status_code} {answer.text[:200]}")
    return str(answer.json()["error"]["code"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "scaled"], default="embedded")
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    samples = [deep_page_tree(3000), pageless_with_stream(MIB), encrypted_pdf()]
    with bench_archive(args.backend) as settings, ApiServer(settings) as server:
        headers = login(server.base_url)
        incoming = settings.data_dir / "incoming"
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=300) as http:
            dossier_id = new_dossier(http, "Đo bộ nhớ khi từ chối")
            for index in range(60):
                refuse(http, dossier_id, samples[index % 3], "khoi-dong.pdf")
            rss, children, handles = snapshot(server.pid)
            print(
                f"backend={args.backend} after 60 warm-up refusals: server RSS {rss:.1f} MiB, "
                f"PDF checkers {children:.1f} MiB, handles to deleted files {handles}"
            )
            began = time.perf_counter()
            codes: dict[str, int] = {}
            for index in range(args.count):
                code = refuse(http, dossier_id, samples[index % 3], f"hong-{index}.pdf")
                codes[code] = codes.get(code, 0) + 1
            elapsed = time.perf_counter() - began
            after, children_after, handles_after = snapshot(server.pid)
            print(
                f"  after {args.count} refusals ({args.count / elapsed:.0f}/s, {codes}): "
                f"server RSS {after:.1f} MiB ({after - rss:+.1f}), PDF checkers "
                f"{children_after:.1f} MiB, handles to deleted files {handles_after}, "
                f"spool files left {len(list(incoming.glob('upload-*')))}"
            )
            large = pageless_with_stream(50 * MIB)
            for index in range(3):
                refuse(http, dossier_id, large, f"lon-{index}.pdf")
            big_rss, _, big_handles = snapshot(server.pid)
            free = psutil.disk_usage(str(incoming)).free / MIB
            print(
                f"  after three 50 MiB refusals: server RSS {big_rss:.1f} MiB, handles to "
                f"deleted files {big_handles}, spool files left "
                f"{len(list(incoming.glob('upload-*')))}, disk free {free:,.0f} MiB"
            )


if __name__ == "__main__":
    main()
