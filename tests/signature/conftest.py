"""The signing tests' fixtures: the loopback test PKI, and independent checkers of signed
files (poppler's pdfsig, openssl cms, qpdf, pdffonts) that share no code with pyHanko."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.pki import Pki, TestPki

from signing.verdicts import TrustRoots


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    with TestPki(tmp_path_factory.mktemp("pki")) as running:
        yield running


@pytest.fixture(scope="session")
def roots(pki: Pki) -> TrustRoots:
    return TrustRoots.from_pem([pki.root_pem.read_bytes()])
