"""Large originals stream through both stores: memory stays flat whatever the file size."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

from archive.storage import ObjectStore, content_key

T = TypeVar("T")

MIB = 1024 * 1024
FILE_SIZE = 200 * MIB
MAX_GROWTH = 64 * MIB


def peak_rss_growth(action: Callable[[], T]) -> tuple[T, int, float]:
    """Run ``action``; return its result, the peak RSS growth seen meanwhile and the seconds."""
    process = psutil.Process()
    baseline = process.memory_info().rss
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        result = action()
    finally:
        elapsed = time.monotonic() - started
        done.set()
        sampler.join()
    peak = max(peak, process.memory_info().rss)
    return result, peak - baseline, elapsed


def generated_file(path: Path, size: int) -> str:
    """Write ``size`` bytes of non-repeating-looking data; return their SHA-256."""
    block = os.urandom(MIB)
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        for i in range(size // MIB):
            # Vary each block so a store that mixed up parts would be caught by the hash.
            chunk = i.to_bytes(8, "big") + block[8:]
            fh.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def test_200_mb_put_and_read_keep_memory_flat(store: ObjectStore, tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    sha = generated_file(path, FILE_SIZE)
    key = content_key(sha)

    _, put_growth, put_seconds = peak_rss_growth(lambda: store.put_file(key, path, FILE_SIZE))

    def read_back() -> str:
        digest = hashlib.sha256()
        for chunk in store.read(key):
            digest.update(chunk)
        return digest.hexdigest()

    read_sha, read_growth, read_seconds = peak_rss_growth(read_back)

    print(  # visible with -s: the numbers the report quotes
        f"\n{store.description}: put {put_seconds:.1f}s +{put_growth / MIB:.1f} MiB, "
        f"read {read_seconds:.1f}s +{read_growth / MIB:.1f} MiB"
    )
    assert read_sha == sha
    assert put_growth < MAX_GROWTH, f"put grew RSS by {put_growth / MIB:.0f} MiB"
    assert read_growth < MAX_GROWTH, f"read grew RSS by {read_growth / MIB:.0f} MiB"
