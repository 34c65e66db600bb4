"""Signing with a key on a PKCS#11 token: a real SoftHSM2 token holding the test PKI's keys."""

from __future__ import annotations

import gc
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pkcs11.exceptions import PinLocked
from pyhanko.pdf_utils.reader import PdfFileReader
from support.pdfs import decision_pdf
from support.pki import PIN, Pki
from support.signed_checks import openssl_verifies, pdfsig_validations
from support.softhsm import SoftHsm, Token, open_session_handles

import signing.tokens
from signing.batch import sign_many
from signing.keys import KeyRefused
from signing.levels import Level
from signing.pades import SigningRefused, SigningSetup, sign, signature_count
from signing.stamps import Stamp
from signing.tokens import close_token, open_token, opened_token
from signing.verdicts import TrustRoots, Verdict, verify

TOKEN_PIN = "246810"
WRONG_PIN = "975312"


@pytest.fixture(scope="module")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    with SoftHsm(tmp_path_factory.mktemp("softhsm")) as running:
        yield running


@pytest.fixture(scope="module")
def token(hsm: SoftHsm, pki: Pki) -> Token:
    """The leader's token: one key and its certificate, and the intermediate CA's."""
    return hsm.add_token("Lãnh đạo An", TOKEN_PIN, {"leader": (pki.pkcs12("leader"), PIN)})


@pytest.fixture(scope="module")
def shared_token(hsm: SoftHsm, pki: Pki, token: Token) -> Token:
    """A token holding two people's keys."""
    keys = {"leader": (pki.pkcs12("leader"), PIN), "clerk": (pki.pkcs12("clerk"), PIN)}
    return hsm.add_token("Văn phòng", TOKEN_PIN, keys)


def setup_at(level: Level, pki: Pki, roots: TrustRoots) -> SigningSetup:
    return SigningSetup(level=level, tsa_url=pki.tsa_url, trust_roots=roots.certificates)


def stamp() -> Stamp:
    return Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình")


@pytest.mark.parametrize("level", [Level.B_B, Level.B_LT])
def test_a_token_key_signs_and_independent_tools_accept_it(
    level: Level, token: Token, pki: Pki, roots: TrustRoots, tmp_path: Path
) -> None:
    original = decision_pdf()
    with opened_token(token.library, token.label, TOKEN_PIN) as key:
        assert key.name == "Nguyễn Văn An"
        signed = sign(original, key, stamp(), setup_at(level, pki, roots))

    assert signed.startswith(original)
    assert signature_count(signed) == 1
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    assert pdfsig_validations(path) == ["Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True]
    # The intermediate CA's certificate came from the token into the signature.
    signature = PdfFileReader(io.BytesIO(signed), strict=False).embedded_regular_signatures[0]
    embedded = {
        c.chosen.subject.native["common_name"] for c in signature.signed_data["certificates"]
    }
    assert {"Nguyễn Văn An", "CA cấp dưới thử nghiệm"} <= embedded
    if level is Level.B_LT:
        report = verify(signed, roots)
        assert report.verdict is Verdict.VALID, report.as_json()
        assert report.signatures[0].level == "B-LT"
        assert report.signatures[0].chain[:2] == ("Nguyễn Văn An", "CA cấp dưới thử nghiệm")
    assert open_session_handles(token.library) == []  # logged out and closed


def test_a_wrong_pin_is_refused_without_echoing_it_or_leaving_a_session(token: Token) -> None:
    with pytest.raises(KeyRefused) as refused:
        open_token(token.library, token.label, WRONG_PIN)
    assert refused.value.code == "key_unreadable"
    assert WRONG_PIN not in str(refused.value)
    assert WRONG_PIN not in repr(refused.value.__cause__)
    assert "PIN" in refused.value.vi and "Lãnh đạo An" in refused.value.vi
    # python-pkcs11 opens a session before logging in and drops it when the login fails.
    assert open_session_handles(token.library) == []


def test_a_locked_token_says_so_and_whom_to_ask(
    token: Token, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SoftHSM2 never locks its PIN: the library's answer is played instead.
    def locked(*args: object, **kwargs: object) -> object:
        raise PinLocked()

    monkeypatch.setattr(signing.tokens, "open_pkcs11_session", locked)
    with pytest.raises(KeyRefused) as refused:
        open_token(token.library, token.label, TOKEN_PIN)
    assert refused.value.code == "key_unreadable"
    assert "bị khóa" in refused.value.vi and "quản trị viên" in refused.value.vi
    assert "locked" in refused.value.en and "administrator" in refused.value.en
    assert TOKEN_PIN not in str(refused.value)


def test_a_token_or_library_not_there_is_named(token: Token, tmp_path: Path) -> None:
    with pytest.raises(KeyRefused) as refused:
        open_token(token.library, "Token không có", TOKEN_PIN)
    assert refused.value.code == "token_unavailable"
    assert "Token không có" in refused.value.vi and "Lãnh đạo An" in refused.value.vi
    assert "Plug the token in" in refused.value.en

    with pytest.raises(KeyRefused) as refused:
        open_token(str(tmp_path / "libnothing.so"), token.label, TOKEN_PIN)
    assert refused.value.code == "token_unavailable"
    assert "libnothing.so" in refused.value.vi and "driver" in refused.value.en

    not_a_library = tmp_path / "libfake.so"
    not_a_library.write_bytes(b"not a shared object")
    with pytest.raises(KeyRefused) as refused:
        open_token(str(not_a_library), token.label, TOKEN_PIN)
    assert refused.value.code == "token_unavailable"
    assert "not a PKCS#11 library" in refused.value.en


def test_failed_attempts_and_a_success_leave_no_file_descriptor_open(
    token: Token, pki: Pki, roots: TrustRoots
) -> None:
    setup = setup_at(Level.B_B, pki, roots)
    with opened_token(token.library, token.label, TOKEN_PIN) as key:  # the library loaded
        sign(decision_pdf(), key, stamp(), setup)
    gc.collect()
    process = psutil.Process()
    before = process.num_fds()
    for _ in range(3):
        with pytest.raises(KeyRefused):
            open_token(token.library, token.label, WRONG_PIN)
    with opened_token(token.library, token.label, TOKEN_PIN) as key:
        sign(decision_pdf(), key, stamp(), setup)
    gc.collect()
    assert process.num_fds() <= before
    assert open_session_handles(token.library) == []


def test_a_batch_signs_with_one_session_and_one_login(
    token: Token, pki: Pki, roots: TrustRoots, tmp_path: Path
) -> None:
    pdfs = [decision_pdf() for _ in range(5)]
    with opened_token(token.library, token.label, TOKEN_PIN) as key:
        sessions = open_session_handles(token.library)
        results = sign_many(pdfs, key, stamp(), setup_at(Level.B_T, pki, roots))
        assert open_session_handles(token.library) == sessions
    assert len(sessions) == 1
    assert open_session_handles(token.library) == []
    for number, (pdf, result) in enumerate(zip(pdfs, results, strict=True)):
        assert isinstance(result, bytes), result
        assert result.startswith(pdf)
        path = tmp_path / f"signed-{number}.pdf"
        path.write_bytes(result)
        assert pdfsig_validations(path) == ["Signature is Valid"]


def test_the_session_is_closed_when_signing_fails(
    token: Token, pki: Pki, roots: TrustRoots
) -> None:
    with (
        pytest.raises(SigningRefused),
        opened_token(token.library, token.label, TOKEN_PIN) as key,
    ):
        sign(b"%PDF-1.4 not really", key, stamp(), setup_at(Level.B_B, pki, roots))
    assert open_session_handles(token.library) == []
    with pytest.raises(KeyRefused) as refused:
        sign(decision_pdf(), key, stamp(), setup_at(Level.B_B, pki, roots))
    assert refused.value.code == "token_unavailable"  # closed: it signs no more
    # The token is free again at once.
    with opened_token(token.library, token.label, TOKEN_PIN) as again:
        assert again.name == "Nguyễn Văn An"


def test_a_token_serves_one_signing_at_a_time(
    token: Token, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signing.tokens, "BUSY_WAIT", 0.2)
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            close_token(open_token(token.library, token.label, TOKEN_PIN))
            outcome.append(None)
        except KeyRefused as refused:
            outcome.append(refused)

    with opened_token(token.library, token.label, TOKEN_PIN):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join()
    assert isinstance(outcome[0], KeyRefused)
    assert outcome[0].code == "token_unavailable" and "in use" in outcome[0].en
    second()  # once the first is closed
    assert outcome[1] is None


def test_a_token_with_several_keys_needs_the_key_label(shared_token: Token) -> None:
    library, label = shared_token.library, shared_token.label
    with pytest.raises(KeyRefused) as refused:
        open_token(library, label, TOKEN_PIN)
    assert refused.value.code == "key_not_found"
    assert "clerk, leader" in refused.value.en
    with opened_token(library, label, TOKEN_PIN, key_label="clerk") as key:
        assert key.name == "Văn thư UBND Quận Ba Đình"
    with opened_token(library, label, TOKEN_PIN, key_label="leader") as key:
        assert key.name == "Nguyễn Văn An"
    with pytest.raises(KeyRefused) as refused:
        open_token(library, label, TOKEN_PIN, key_label="nobody")
    assert refused.value.code == "key_not_found"
    assert "'nobody'" in refused.value.vi
    assert open_session_handles(library) == []
