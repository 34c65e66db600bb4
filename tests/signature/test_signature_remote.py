"""Signing with a key a remote service holds (as VNPT SmartCA, Viettel MySign): only a
digest leaves the archive, the leader approves on the phone, and the file is as good as
one signed with a local key. The service is a stand-in on loopback over real HTTP."""

from __future__ import annotations

import base64
import gc
import hashlib
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from support.pdfs import decision_pdf
from support.pki import Pki, free_port
from support.remote_signer import USER_ID, RemoteSigner
from support.signed_checks import openssl_verifies, pdfsig_validations

from signing.levels import Level
from signing.pades import SigningRefused, SigningSetup, signature_count
from signing.remote import HttpRemoteSigningService, sign_remotely
from signing.stamps import Stamp
from signing.verdicts import TrustRoots, Verdict, verify

STAMP = Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình")


def setup_at(level: Level, pki: Pki, roots: TrustRoots) -> SigningSetup:
    return SigningSetup(level=level, tsa_url=pki.tsa_url, trust_roots=roots.certificates)


@pytest.fixture
def remote(pki: Pki) -> Iterator[RemoteSigner]:
    with RemoteSigner(pki.pkcs12("leader")) as running:
        yield running


@pytest.mark.parametrize("level", [Level.B_T, Level.B_LT])
def test_a_remote_signature_is_valid_and_only_a_digest_left_the_archive(
    level: Level, pki: Pki, roots: TrustRoots, remote: RemoteSigner, tmp_path: Path
) -> None:
    original = decision_pdf()
    signed = sign_remotely(
        original,
        remote.service(),
        USER_ID,
        STAMP,
        setup_at(level, pki, roots),
        reason="Ký ban hành quyết định",
    )

    assert signed.startswith(original)  # an incremental update: the original byte for byte
    assert signature_count(signed) == 1
    report = verify(signed, roots)
    signature = report.signatures[0]
    assert signature.signer == "Nguyễn Văn An"
    assert signature.intact and signature.timestamp_time is not None
    assert signature.level == level.value
    if level is Level.B_LT:
        assert report.verdict is Verdict.VALID and signature.trusted
    else:  # offline, with no revocation data in the file: as a B-T signed with a local key
        assert report.verdict is Verdict.INDETERMINATE
        assert [r.code for r in signature.reasons] == ["no_revocation_data"]
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    assert pdfsig_validations(path) == ["Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True]

    # What the service received: a certificate lookup, one request to sign, the polls.
    assert [r.method for r in remote.received[:2]] == ["GET", "POST"]
    assert remote.received[0].path == f"/v1/credentials/{USER_ID}"
    assert all(r.method == "GET" for r in remote.received[2:])
    for request in remote.received:
        assert b"%PDF" not in request.body
        assert len(request.body) < 512
    body = json.loads(remote.received[1].body)
    assert set(body) == {"user_id", "digest", "digest_algorithm", "description"}
    assert body["digest_algorithm"] == "sha256"
    assert body["description"] == "Ký ban hành quyết định"
    digest = base64.b64decode(body["digest"])
    assert len(digest) == 32
    # ... and it is the hash of the signed attributes in the file, nothing else.
    embedded = PdfFileReader(io.BytesIO(signed), strict=False).embedded_regular_signatures[0]
    assert hashlib.sha256(embedded.signer_info["signed_attrs"].untag().dump()).digest() == digest
    assert remote.signed == 1


def test_a_declined_request_signs_nothing(
    pki: Pki, roots: TrustRoots, remote: RemoteSigner
) -> None:
    remote.answer = "reject"
    with pytest.raises(SigningRefused) as refused:
        sign_remotely(
            decision_pdf(), remote.service(), USER_ID, STAMP, setup_at(Level.B_B, pki, roots)
        )
    assert refused.value.code == "remote_rejected"
    assert "từ chối" in refused.value.vi and "declined" in refused.value.en


def test_a_request_the_service_lets_expire_is_a_timeout(
    pki: Pki, roots: TrustRoots, remote: RemoteSigner
) -> None:
    remote.answer = "expire"
    with pytest.raises(SigningRefused) as refused:
        sign_remotely(
            decision_pdf(), remote.service(), USER_ID, STAMP, setup_at(Level.B_B, pki, roots)
        )
    assert refused.value.code == "remote_timeout"


def test_no_answer_in_time_is_a_timeout_that_leaves_nothing_open(
    pki: Pki, roots: TrustRoots, remote: RemoteSigner
) -> None:
    remote.answer = "never"
    service = remote.service(approval_timeout=0.5, poll_interval=0.05)
    setup = setup_at(Level.B_B, pki, roots)
    process = psutil.Process()
    with pytest.raises(SigningRefused):  # the first attempt opens the font and such
        sign_remotely(decision_pdf(), service, USER_ID, STAMP, setup)
    gc.collect()
    fds, threads = process.num_fds(), threading.active_count()
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(SigningRefused) as refused:
            sign_remotely(decision_pdf(), service, USER_ID, STAMP, setup)
        assert 0.5 <= time.monotonic() - started < 3
        assert refused.value.code == "remote_timeout"
        assert "điện thoại" in refused.value.vi and "phone" in refused.value.en
        assert "sign again" in refused.value.en
    # The stand-in's handler threads close their side once the client has hung up.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        gc.collect()
        if process.num_fds() <= fds and threading.active_count() <= threads:
            break
        time.sleep(0.05)
    assert process.num_fds() <= fds
    assert threading.active_count() <= threads
    assert remote.signed == 0


def test_a_service_that_is_down_is_unavailable(pki: Pki, roots: TrustRoots) -> None:
    service = HttpRemoteSigningService(
        f"http://127.0.0.1:{free_port()}", "kho-luu-tru", "bi-mat", timeout=2
    )
    with pytest.raises(SigningRefused) as refused:
        sign_remotely(decision_pdf(), service, USER_ID, STAMP, setup_at(Level.B_B, pki, roots))
    assert refused.value.code == "remote_unavailable"
    assert "bi-mat" not in str(refused.value) and "bi-mat" not in repr(service)


def test_wrong_client_credentials_are_unavailable_without_echoing_them(
    pki: Pki, roots: TrustRoots, remote: RemoteSigner
) -> None:
    service = HttpRemoteSigningService(remote.base_url, "kho-luu-tru", "sai-bi-mat-42")
    with pytest.raises(SigningRefused) as refused:
        sign_remotely(decision_pdf(), service, USER_ID, STAMP, setup_at(Level.B_B, pki, roots))
    assert refused.value.code == "remote_unavailable"
    assert "401" in refused.value.en
    assert "sai-bi-mat-42" not in str(refused.value)
    assert len(remote.received) == 1  # refused at the certificate lookup: nothing to sign


def test_a_signature_by_another_key_is_not_embedded(
    pki: Pki, roots: TrustRoots, remote: RemoteSigner
) -> None:
    remote.answer = "wrong_key"  # e.g. the user's other credential at the provider
    with pytest.raises(SigningRefused) as refused:
        sign_remotely(
            decision_pdf(), remote.service(), USER_ID, STAMP, setup_at(Level.B_B, pki, roots)
        )
    assert refused.value.code == "remote_bad_signature"


def test_a_pdf_that_cannot_be_read_never_reaches_the_service(
    pki: Pki, roots: TrustRoots, remote: RemoteSigner
) -> None:
    with pytest.raises(SigningRefused) as refused:
        sign_remotely(
            b"%PDF-1.7 hong", remote.service(), USER_ID, STAMP, setup_at(Level.B_B, pki, roots)
        )
    assert refused.value.code == "pdf_unreadable"
    assert remote.received == []  # nobody's phone rang for it
