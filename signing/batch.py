"""Signing many PDFs with one key: the waits for the timestamp authority overlap.

A B-T signature is PDF work (tens of milliseconds of CPU) plus a round trip to the TSA;
signing one after another adds the round trips up. A few threads keep several requests in
flight while others do the PDF work; the key is parsed once (``keys.LoadedKeySigner``)
and the stamp font cut once per process (``stamps``).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from signing.keys import KeyRefused, SignerKey
from signing.pades import SigningRefused, SigningSetup, sign
from signing.stamps import Stamp

THREADS = 4

Signed = bytes | SigningRefused | KeyRefused


def sign_many(
    pdfs: Sequence[bytes],
    key: SignerKey,
    stamp: Stamp,
    setup: SigningSetup,
    *,
    reason: str | None = None,
    threads: int = THREADS,
) -> list[Signed]:
    """Each PDF signed, in order; a PDF that cannot be signed gets its refusal instead."""

    def one(pdf: bytes) -> Signed:
        try:
            return sign(pdf, key, stamp, setup, reason=reason)
        except (SigningRefused, KeyRefused) as refused:
            return refused

    if len(pdfs) <= 1 or threads <= 1:
        return [one(pdf) for pdf in pdfs]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="signing") as pool:
        return list(pool.map(one, pdfs))
