"""Signing PDFs at each PAdES level against the loopback PKI, checked by independent tools."""

from __future__ import annotations

import gc
import io
import re
import subprocess
from pathlib import Path

import psutil
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from support.pdfs import decision_pdf
from support.pki import PIN, Pki, free_port
from support.signed_checks import (
    openssl_verifies,
    pdfsig_validations,
    qpdf_clean,
    unembedded_fonts,
)

from signing.keys import KeyRefused, open_pkcs12
from signing.levels import Level, parse_level
from signing.pades import SigningRefused, SigningSetup, sign, signature_count
from signing.stamps import Stamp
from signing.verdicts import TrustRoots


def setup_at(level: Level, pki: Pki, roots: TrustRoots) -> SigningSetup:
    return SigningSetup(level=level, tsa_url=pki.tsa_url, trust_roots=roots.certificates)


def leader(pki: Pki) -> Stamp:
    return Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình")


@pytest.mark.parametrize("level", list(Level))
def test_each_level_appends_one_signature_that_independent_tools_accept(
    level: Level, pki: Pki, roots: TrustRoots, tmp_path: Path
) -> None:
    original = decision_pdf()
    key = open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN)
    signed = sign(original, key, leader(pki), setup_at(level, pki, roots))

    assert signed.startswith(original)  # an incremental update: the original byte for byte
    assert signature_count(signed) == 1
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    assert pdfsig_validations(path)[0] == "Signature is Valid"
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True]
    assert qpdf_clean(path)
    assert unembedded_fonts(path) == []
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    signature = reader.embedded_regular_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    unsigned = signature.signer_info["unsigned_attrs"]
    has_timestamp = unsigned.native is not None and any(
        a["type"] == "signature_time_stamp_token" for a in unsigned.native
    )
    assert has_timestamp is level.timestamped
    assert ("/DSS" in reader.root) is level.long_term
    assert (len(reader.embedded_timestamp_signatures) == 1) is (level is Level.B_LTA)


def test_the_stamp_is_set_in_the_embedded_serif_with_vietnamese_text(
    pki: Pki, roots: TrustRoots, tmp_path: Path
) -> None:
    key = open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN)
    signed = sign(decision_pdf(), key, leader(pki), setup_at(Level.B_B, pki, roots))
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert "Identity-H" in fonts  # the stamp's own subset, embedded, with Unicode glyphs
    reader = PdfFileReader(io.BytesIO(signed), strict=False)
    field = reader.embedded_regular_signatures[0].sig_field
    box = [float(v) for v in field["/Rect"]]
    assert box[2] - box[0] > 100 and box[3] - box[1] > 40  # visible, not a zero-size field
    appearance = field["/AP"]["/N"].get_object()
    assert appearance.data  # drawn text and frame
    # qpdf merges the stamp's appearance into the page; poppler then reads its text back.
    flat = tmp_path / "flat.pdf"
    subprocess.run(["qpdf", "--flatten-annotations=all", str(path), str(flat)], check=True)
    text = subprocess.run(["pdftotext", str(flat), "-"], capture_output=True, text=True).stdout
    assert "Ký bởi: Nguyễn Văn An" in text
    assert "Chức vụ: Chủ tịch" in text
    assert "Cơ quan: UBND Quận Ba Đình" in text
    assert re.search(r"Thời gian ký: \d\d/\d\d/20\d\d \d\d:\d\d:\d\d \+07:00", text)


def test_the_stamp_says_who_what_and_when() -> None:
    from datetime import UTC, datetime

    lines = Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình").lines(
        datetime(2026, 11, 30, 17, 5, 9, tzinfo=UTC)
    )
    assert lines == [
        "Ký bởi: Nguyễn Văn An",
        "Chức vụ: Chủ tịch",
        "Cơ quan: UBND Quận Ba Đình",
        "Thời gian ký: 01/12/2026 00:05:09 +07:00",  # Vietnam time, the next day
    ]


def test_a_second_signer_keeps_the_first_signature_valid(
    pki: Pki, roots: TrustRoots, tmp_path: Path
) -> None:
    setup = setup_at(Level.B_LT, pki, roots)
    first = sign(
        decision_pdf(), open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN), leader(pki), setup
    )
    seal = Stamp(name="Văn thư UBND Quận Ba Đình")  # the default place, as the first
    second = sign(first, open_pkcs12(pki.pkcs12("clerk").read_bytes(), PIN), seal, setup)
    assert second.startswith(first)
    reader = PdfFileReader(io.BytesIO(second), strict=False)
    a, b = ([float(v) for v in s.sig_field["/Rect"]] for s in reader.embedded_regular_signatures)
    # The second stamp went above the first instead of covering it (DSS's strict policy
    # fails both signatures when a later annotation overlaps an earlier one).
    assert b[1] >= a[3] and a[0] == b[0]
    path = tmp_path / "two.pdf"
    path.write_bytes(second)
    assert pdfsig_validations(path) == ["Signature is Valid", "Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True, True]
    assert qpdf_clean(path)


def test_a_wrong_pin_is_refused_without_echoing_it(pki: Pki) -> None:
    with pytest.raises(KeyRefused) as refused:
        open_pkcs12(pki.pkcs12("leader").read_bytes(), "sai-ma-pin-987")
    assert refused.value.code == "key_unreadable"
    assert "sai-ma-pin-987" not in str(refused.value)
    with pytest.raises(KeyRefused):
        open_pkcs12(b"not a key at all", PIN)


def test_an_expired_certificate_cannot_sign(pki: Pki, roots: TrustRoots) -> None:
    key = open_pkcs12(pki.pkcs12("expired").read_bytes(), PIN)
    with pytest.raises(KeyRefused) as refused:
        sign(decision_pdf(), key, leader(pki), setup_at(Level.B_B, pki, roots))
    assert refused.value.code == "certificate_out_of_date"
    assert "01/01/2024" in refused.value.vi


def test_a_revoked_certificate_cannot_sign_at_b_lt(pki: Pki, roots: TrustRoots) -> None:
    # B-LT gathers the revocation data at signing time: the OCSP answer says revoked.
    key = open_pkcs12(pki.pkcs12("revoked").read_bytes(), PIN)
    with pytest.raises(SigningRefused):
        sign(decision_pdf(), key, leader(pki), setup_at(Level.B_LT, pki, roots))


def test_a_timestamp_authority_that_does_not_answer_signs_nothing(
    pki: Pki, roots: TrustRoots
) -> None:
    key = open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN)
    nobody = SigningSetup(level=Level.B_T, tsa_url=f"http://127.0.0.1:{free_port()}/tsa", timeout=2)
    process = psutil.Process()
    before = process.num_fds()
    for _ in range(3):
        with pytest.raises(SigningRefused) as refused:
            sign(decision_pdf(), key, leader(pki), nobody)
        assert refused.value.code == "signing_failed"
    gc.collect()
    assert process.num_fds() <= before + 2  # no socket or file left open per attempt


def test_a_page_outside_the_file_is_refused(pki: Pki, roots: TrustRoots) -> None:
    key = open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN)
    stamp = Stamp(name="Nguyễn Văn An", page=5)
    with pytest.raises(SigningRefused) as refused:
        sign(decision_pdf(pages=2), key, stamp, setup_at(Level.B_B, pki, roots))
    assert refused.value.code == "no_such_page"


def test_levels_are_named_as_people_write_them() -> None:
    assert parse_level("b-lta") is Level.B_LTA
    assert parse_level("PAdES-B-T") is Level.B_T
    assert parse_level("BLT") is Level.B_LT
    with pytest.raises(ValueError, match="B-LTA"):
        parse_level("C")


def test_a_timestamped_level_needs_its_services() -> None:
    with pytest.raises(ValueError, match="ARCHIVE_TSA_URL"):
        SigningSetup(level=Level.B_T)
    with pytest.raises(ValueError, match="ARCHIVE_TRUST_ROOTS"):
        SigningSetup(level=Level.B_LT, tsa_url="http://127.0.0.1:1/tsa")


def test_a_batch_keeps_its_order_and_refuses_only_what_cannot_be_signed(
    pki: Pki, roots: TrustRoots
) -> None:
    from signing.batch import sign_many

    key = open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN)
    pdfs = [decision_pdf(), b"%PDF-1.4 not really", decision_pdf(), decision_pdf()]
    results = sign_many(pdfs, key, leader(pki), setup_at(Level.B_T, pki, roots))
    assert [type(r).__name__ for r in results] == ["bytes", "SigningRefused", "bytes", "bytes"]
    for pdf, result in zip(pdfs, results, strict=True):
        if isinstance(result, bytes):
            assert result.startswith(pdf)  # each its own, in order
