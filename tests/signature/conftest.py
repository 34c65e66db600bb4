"""The signing tests' fixtures: the loopback test PKI, and independent checkers of signed
files (poppler's pdfsig, openssl cms, qpdf, pdffonts) that share no code with pyHanko."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.live import Api
from support.pki import Pki, TestPki
from support.signing_live import live_signing

from signing.verdicts import TrustRoots


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    with TestPki(tmp_path_factory.mktemp("pki")) as running:
        yield running


@pytest.fixture(scope="session")
def roots(pki: Pki) -> TrustRoots:
    return TrustRoots.from_pem([pki.root_pem.read_bytes()])


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pki: Pki
) -> Iterator[Api]:
    """A running archive on each backend, signing at B-LT against the test PKI."""
    yield from live_signing(
        request.param,
        tmp_path_factory.mktemp("signing"),
        signature_level="B-LT",
        tsa_url=pki.tsa_url,
        trust_roots=str(pki.root_pem),
        report_place="Hà Nội",
    )
