"""Signing and verification speed, against the loopback test PKI (its TSA answers B-T).

    .venv/bin/python bench/signing_rate.py [--decisions 100]

Prints:
- the wall time of signing ``--decisions`` one-page decisions with a visible stamp at B-T
  (each timestamped by the loopback TSA), as a batch (``signing.batch.sign_many``, one key
  opened once) and one after another; beside it the raw cost of the same work, measured in
  the same run: ``openssl speed rsa2048`` signatures and SHA-256 of the files, and the ratio;
- signatures per second for a 1-page and a 50-page decision (B-B and B-T, one after another);
- verification time per signature (B-LT, offline) and per 20-document dossier.

The TSA is certomancer's Animator, a Python development server on the same two cores: its
own work (about 50 ms per timestamp) is inside the B-T figures.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.pdfs import decision_pdf  # noqa: E402
from support.pki import PIN, TestPki  # noqa: E402

from signing.batch import sign_many  # noqa: E402
from signing.keys import open_pkcs12  # noqa: E402
from signing.levels import Level  # noqa: E402
from signing.pades import SigningSetup, sign  # noqa: E402
from signing.stamps import Stamp  # noqa: E402
from signing.verdicts import TrustRoots, Verdict, verify  # noqa: E402

STAMP = Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình")


def openssl_rsa2048_signs_per_second() -> float:
    run = subprocess.run(
        ["openssl", "speed", "-seconds", "3", "rsa2048"],
        capture_output=True,
        text=True,
        check=True,
    )
    # "rsa 2048 bits 0.000290s 0.000009s   3448.3 111111.1" (sign, verify, sign/s, verify/s)
    line = next(ln for ln in run.stdout.splitlines() if re.match(r"\s*rsa\s+2048", ln))
    return float(line.split()[-2])


def per_second(count: int, seconds: float) -> str:
    return f"{count / seconds:6.1f}/s ({seconds / count * 1000:6.1f} ms each)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=100)
    args = parser.parse_args()
    count = args.decisions

    with TestPki(Path(tempfile.mkdtemp(prefix="bench-pki-"))) as pki:
        roots = TrustRoots.from_pem([pki.root_pem.read_bytes()])
        key = open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN)

        def at(level: Level) -> SigningSetup:
            return SigningSetup(level=level, tsa_url=pki.tsa_url, trust_roots=roots.certificates)

        pdfs = [decision_pdf() for _ in range(count)]
        sign(pdfs[0], key, STAMP, at(Level.B_T))  # warm: font cut, modules loaded

        started = time.perf_counter()
        batch = sign_many(pdfs, key, STAMP, at(Level.B_T))
        batch_seconds = time.perf_counter() - started
        assert all(isinstance(b, bytes) for b in batch)

        started = time.perf_counter()
        for pdf in pdfs:
            sign(pdf, key, STAMP, at(Level.B_T))
        one_by_one = time.perf_counter() - started

        rsa_per_second = openssl_rsa2048_signs_per_second()
        started = time.perf_counter()
        for pdf in pdfs:
            hashlib.sha256(pdf).digest()
        hashing = time.perf_counter() - started
        raw = count / rsa_per_second + hashing

        print(f"{count} decisions, visible stamp, PAdES B-T (loopback TSA), 2 cores:")
        print(f"  batch (sign_many, 4 threads): {batch_seconds:6.2f} s   goal < 10 s")
        print(f"  one after another:            {one_by_one:6.2f} s")
        print(
            f"  raw cost: {count} RSA-2048 signatures at {rsa_per_second:.0f}/s (openssl speed)"
            f" + SHA-256 of {sum(map(len, pdfs)) / 1e6:.1f} MB = {raw * 1000:.1f} ms;"
            f" batch / raw = {batch_seconds / raw:.0f}x"
        )

        for pages in (1, 50):
            sample = [decision_pdf(pages) for _ in range(10)]
            for level in (Level.B_B, Level.B_T):
                started = time.perf_counter()
                for pdf in sample:
                    sign(pdf, key, STAMP, at(level))
                seconds = time.perf_counter() - started
                size = statistics.mean(map(len, sample)) / 1024
                print(
                    f"  {pages:2d}-page decision ({size:5.0f} KB), {level}: "
                    f"{per_second(len(sample), seconds)}"
                )

        dossier = [sign(decision_pdf(), key, STAMP, at(Level.B_LT)) for _ in range(20)]
        verify(dossier[0], roots)  # warm
        started = time.perf_counter()
        verdicts = [verify(pdf, roots) for pdf in dossier]
        seconds = time.perf_counter() - started
        assert all(v.verdict is Verdict.VALID for v in verdicts)
        print(
            f"  verification (B-LT, offline): {seconds / 20 * 1000:.0f} ms per signature, "
            f"{seconds:.2f} s per 20-document dossier"
        )


if __name__ == "__main__":
    main()
