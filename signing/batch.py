"""Signing many PDFs with one key: the waits for the timestamp authority overlap.

A B-T signature is PDF work (tens of milliseconds of CPU) plus a round trip to the TSA;
signing one after another adds the round trips up. A few threads keep several requests in
flight while others do the PDF work; the key is parsed once (``keys.LoadedKeySigner``)
and the stamp font cut once per process (``stamps``).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from signing.keys import KeyRefused, SignerKey, common_name
from signing.pades import SigningRefused, SigningSetup, sign
from signing.remote import RemoteSigningService, sign_remotely
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


class Signing(Protocol):
    """Whose signature a batch carries, and how each PDF gets it."""

    @property
    def name(self) -> str: ...

    def sign_all(
        self, pdfs: Sequence[bytes], stamp: Stamp, setup: SigningSetup, *, reason: str | None
    ) -> list[Signed]: ...


@dataclass(frozen=True)
class WithKey:
    """A key the archive holds for the request: a PKCS#12 file or a token's session."""

    key: SignerKey
    threads: int = THREADS

    @property
    def name(self) -> str:
        return self.key.name

    def sign_all(
        self, pdfs: Sequence[bytes], stamp: Stamp, setup: SigningSetup, *, reason: str | None
    ) -> list[Signed]:
        return sign_many(pdfs, self.key, stamp, setup, reason=reason, threads=self.threads)


@dataclass
class Remotely:
    """A remote signing service keeps the key: each document's digest is approved by the
    signer on their phone, one after another (only the digest leaves the archive)."""

    service: RemoteSigningService
    user_id: str
    _name: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        if not self._name:
            self._name.append(common_name(self.service.certificates(self.user_id)[0]))
        return self._name[0]

    def sign_all(
        self, pdfs: Sequence[bytes], stamp: Stamp, setup: SigningSetup, *, reason: str | None
    ) -> list[Signed]:
        results: list[Signed] = []
        for number, pdf in enumerate(pdfs, start=1):
            try:
                results.append(
                    sign_remotely(
                        pdf,
                        self.service,
                        self.user_id,
                        stamp,
                        setup,
                        reason=reason,
                        description=f"Ký {number} / {len(pdfs)}: {reason or 'văn bản'}",
                    )
                )
            except (SigningRefused, KeyRefused) as refused:
                results.append(refused)
        return results
