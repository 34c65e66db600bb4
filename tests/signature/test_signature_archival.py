"""Archived copies end at PAdES B-LTA: every signature's validation data, then a document
timestamp, appended as incremental updates, and renewed before the timestamp runs out.

Checked against the loopback PKI by our offline verifier, poppler's pdfsig, openssl cms
and, once, the EU's reference validator (DSS) run offline with the same trust root.
"""

from __future__ import annotations

import gc
import io
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore
from support.pdfs import decision_pdf, make_pdf
from support.pki import PIN, Pki, TestPki, free_port
from support.signed_checks import openssl_verifies, pdfsig_validations, qpdf_clean

from signing.archival import (
    document_timestamp_count,
    extend_to_lta,
    needs_renewal,
    renew,
)
from signing.keys import SignerKey, open_pkcs12
from signing.levels import Level
from signing.pades import SigningRefused, SigningSetup, sign
from signing.stamps import Stamp
from signing.verdicts import TrustRoots, Verdict, verify

LEADER = Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình")
CLERK = Stamp(name="Văn thư UBND Quận Ba Đình")  # the default place: above the leader's


def key(pki: Pki, label: str) -> SignerKey:
    return open_pkcs12(pki.pkcs12(label).read_bytes(), PIN)


def at(level: Level, pki: Pki, roots: TrustRoots) -> SigningSetup:
    return SigningSetup(level=level, tsa_url=pki.tsa_url, trust_roots=roots.certificates)


def two_signers(level: Level, pki: Pki, roots: TrustRoots) -> bytes:
    setup = at(level, pki, roots)
    first = sign(decision_pdf(), key(pki, "leader"), LEADER, setup)
    return sign(first, key(pki, "clerk"), CLERK, setup)


@pytest.fixture(scope="module")
def archive_setup(pki: Pki, roots: TrustRoots) -> SigningSetup:
    return at(Level.B_LTA, pki, roots)


@pytest.fixture(scope="module")
def two_b_t(pki: Pki, roots: TrustRoots) -> bytes:
    return two_signers(Level.B_T, pki, roots)


@pytest.fixture(scope="module")
def extended(two_b_t: bytes, archive_setup: SigningSetup) -> bytes:
    return extend_to_lta(two_b_t, archive_setup)


@pytest.fixture(scope="module")
def two_b_b(pki: Pki, roots: TrustRoots) -> bytes:
    return two_signers(Level.B_B, pki, roots)


@pytest.fixture(scope="module")
def extended_b_b(two_b_b: bytes, archive_setup: SigningSetup) -> bytes:
    return extend_to_lta(two_b_b, archive_setup)


@pytest.fixture
def on_disk(tmp_path: Path) -> Callable[[str, bytes], Path]:
    def write(name: str, pdf: bytes) -> Path:
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        return path

    return write


def test_two_b_t_signatures_are_indeterminate_offline_before_and_both_valid_lta_after(
    two_b_t: bytes,
    extended: bytes,
    roots: TrustRoots,
    pki: Pki,
    on_disk: Callable[[str, bytes], Path],
    tmp_path: Path,
) -> None:
    before = verify(two_b_t, roots)
    assert [(s.verdict, s.level) for s in before.signatures] == [
        (Verdict.INDETERMINATE, "B-T"),
        (Verdict.INDETERMINATE, "B-T"),
    ]

    assert extended.startswith(two_b_t)  # incremental updates only: nothing rewritten
    after = verify(extended, roots)
    assert [s.signer for s in after.signatures] == ["Nguyễn Văn An", "Văn thư UBND Quận Ba Đình"]
    # Not only the last signature: the leader's, made before the clerk's, is long-term too.
    for signature in after.signatures:
        assert (signature.verdict, signature.level) == (Verdict.VALID, "B-LTA")
        assert signature.revocation == "good" and signature.trusted and signature.intact
        assert signature.reasons[0].code == "valid"
    assert after.verdict is Verdict.VALID
    assert len(after.document_timestamps) == 1
    assert document_timestamp_count(extended) == 1

    path = on_disk("extended", extended)
    # pdfsig lists the document timestamp third, as a signature it does not verify.
    assert pdfsig_validations(path)[:2] == ["Signature is Valid", "Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True, True]
    assert qpdf_clean(path)


def test_the_dss_holds_revocation_data_for_each_signer_and_the_timestamp_authority(
    extended: bytes,
) -> None:
    reader = PdfFileReader(io.BytesIO(extended), strict=False)
    store = DocumentSecurityStore.read_dss(reader)
    assert store.ocsps  # the signers' OCSP answers
    assert store.crls  # the CA's and the root's CRLs (the TSA's chain is checked by CRL)
    names = {c.subject.native.get("common_name") for c in store.load_certs()}
    assert {"Nguyễn Văn An", "Văn thư UBND Quận Ba Đình", "TSA thử nghiệm"} <= names
    # The DSS is written in the revision the document timestamp seals.
    stamp = reader.embedded_timestamp_signatures[0]
    assert "/DSS" in reader.get_historical_root(stamp.signed_revision)


def test_renewing_adds_exactly_one_document_timestamp_and_everything_stays_valid(
    extended: bytes,
    archive_setup: SigningSetup,
    roots: TrustRoots,
    pki: Pki,
    on_disk: Callable[[str, bytes], Path],
    tmp_path: Path,
) -> None:
    renewed = renew(extended, archive_setup)
    assert renewed.startswith(extended)
    assert document_timestamp_count(renewed) == document_timestamp_count(extended) + 1
    report = verify(renewed, roots)
    assert len(report.document_timestamps) == 2
    assert report.document_timestamps[0] <= report.document_timestamps[1]
    assert [(s.verdict, s.level) for s in report.signatures] == [
        (Verdict.VALID, "B-LTA"),
        (Verdict.VALID, "B-LTA"),
    ]
    path = on_disk("renewed", renewed)
    assert pdfsig_validations(path)[:2] == ["Signature is Valid", "Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True, True]

    again = renew(renewed, archive_setup)
    assert document_timestamp_count(again) == 3
    assert verify(again, roots).verdict is Verdict.VALID


def test_renewing_covers_a_signature_made_after_the_last_document_timestamp(
    pki: Pki, roots: TrustRoots, archive_setup: SigningSetup
) -> None:
    # The leader signs at B-LTA; the clerk then signs at B-T after the document timestamp.
    first = sign(decision_pdf(), key(pki, "leader"), LEADER, at(Level.B_LTA, pki, roots))
    second = sign(first, key(pki, "clerk"), CLERK, at(Level.B_T, pki, roots))
    assert [s.verdict for s in verify(second, roots).signatures] == [
        Verdict.VALID,
        Verdict.INDETERMINATE,
    ]
    assert needs_renewal(second, within_days=0)  # the clerk's signature is not archived
    renewed = renew(second, archive_setup)
    assert renewed.startswith(second)
    assert document_timestamp_count(renewed) == 2
    assert [(s.verdict, s.level) for s in verify(renewed, roots).signatures] == [
        (Verdict.VALID, "B-LTA"),
        (Verdict.VALID, "B-LTA"),
    ]
    assert not needs_renewal(renewed, within_days=365)


def test_renewal_is_due_when_the_last_timestamps_certificate_nears_its_end(
    extended: bytes, two_b_t: bytes
) -> None:
    # The test TSA's certificate is valid until 2055-01-01.
    assert not needs_renewal(extended, within_days=365)
    assert needs_renewal(extended, within_days=365, now=datetime(2054, 6, 1, tzinfo=UTC))
    assert not needs_renewal(extended, within_days=30, now=datetime(2054, 6, 1, tzinfo=UTC))
    assert needs_renewal(two_b_t, within_days=0)  # signed, never archived: due now
    assert not needs_renewal(make_pdf(), within_days=365)  # nothing to renew


def test_a_b_b_file_with_two_signers_extends_too(
    two_b_b: bytes,
    extended_b_b: bytes,
    roots: TrustRoots,
    pki: Pki,
    on_disk: Callable[[str, bytes], Path],
    tmp_path: Path,
) -> None:
    assert extended_b_b.startswith(two_b_b)
    assert document_timestamp_count(extended_b_b) == 1
    report = verify(extended_b_b, roots)
    for signature in report.signatures:
        # The chain and its revocation data are in the file and good as of now.
        assert signature.trusted and signature.intact and signature.revocation == "good"
    path = on_disk("extended-b-b", extended_b_b)
    assert pdfsig_validations(path)[:2] == ["Signature is Valid", "Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True, True]
    # EU DSS judges it PAdES-BASELINE-LTA and TOTAL_PASSED: see the DSS test below.


def test_a_b_b_file_extended_is_valid_lta_by_our_verifier(
    extended_b_b: bytes, roots: TrustRoots
) -> None:
    report = verify(extended_b_b, roots)
    assert [(s.verdict, s.level) for s in report.signatures] == [
        (Verdict.VALID, "B-LTA"),
        (Verdict.VALID, "B-LTA"),
    ]


def test_the_eu_reference_validator_passes_every_signature_of_the_extended_files(
    extended: bytes,
    extended_b_b: bytes,
    pki: Pki,
    on_disk: Callable[[str, bytes], Path],
) -> None:
    """EU DSS (tools/dss) offline, strict, one run over both extended files."""
    paths = {str(on_disk("b-t", extended)): "B-T", str(on_disk("b-b", extended_b_b)): "B-B"}
    script = Path(__file__).parents[2] / "scripts" / "dss.sh"
    run = subprocess.run(
        ["bash", str(script), "verify", "--trust", str(pki.root_pem), "--strict", *paths],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    files = {paths[entry["file"]]: entry for entry in json.loads(run.stdout)["files"]}
    assert set(files) == {"B-T", "B-B"}
    for case, entry in files.items():
        found = [(s["indication"], s["level"]) for s in entry["signatures"]]
        assert found == [("TOTAL_PASSED", "PAdES-BASELINE-LTA")] * 2, (case, entry)
        stamps = [t for t in entry["timestamps"] if t["type"] == "DOCUMENT_TIMESTAMP"]
        assert [t["indication"] for t in stamps] == ["PASSED"], (case, entry["timestamps"])


def test_a_timestamp_authority_that_does_not_answer_extends_nothing_and_leaves_nothing_open(
    two_b_t: bytes, extended: bytes, roots: TrustRoots
) -> None:
    nobody = SigningSetup(
        level=Level.B_LTA,
        tsa_url=f"http://127.0.0.1:{free_port()}/tsa",
        trust_roots=roots.certificates,
        timeout=2,
    )
    process = psutil.Process()
    before = process.num_fds()
    for pdf, renewing in ((two_b_t, False), (two_b_t, False), (extended, True)):
        with pytest.raises(SigningRefused) as refused:
            (renew if renewing else extend_to_lta)(pdf, nobody)
        assert refused.value.code == "signing_failed"
        assert "dấu thời gian" in refused.value.vi and "timestamp" in refused.value.en
    gc.collect()
    assert process.num_fds() <= before + 2  # no socket or file left open per attempt


def test_a_revocation_service_that_does_not_answer_extends_nothing(
    pki: Pki, tmp_path: Path
) -> None:
    # Signed under a CA whose OCSP and CRL servers are then gone; the TSA still answers.
    with TestPki(tmp_path / "gone") as gone:
        gone_roots = TrustRoots.from_pem([gone.root_pem.read_bytes()])
        signed = sign(decision_pdf(), key(gone, "leader"), LEADER, SigningSetup())
    setup = SigningSetup(
        level=Level.B_LTA, tsa_url=pki.tsa_url, trust_roots=gone_roots.certificates, timeout=2
    )
    with pytest.raises(SigningRefused) as refused:
        extend_to_lta(signed, setup)
    assert refused.value.code == "signing_failed"
    assert "revocation" in refused.value.en and "thu hồi" in refused.value.vi


def test_a_file_with_no_signature_is_refused(archive_setup: SigningSetup) -> None:
    for archiving in (extend_to_lta, renew):
        with pytest.raises(SigningRefused) as refused:
            archiving(make_pdf(), archive_setup)
        assert refused.value.code == "no_signature"
        assert refused.value.vi != refused.value.en


def test_a_file_that_is_no_pdf_is_refused(archive_setup: SigningSetup) -> None:
    with pytest.raises(SigningRefused) as refused:
        extend_to_lta(b"%PDF-1.7\nkhong phai pdf\n%%EOF\n", archive_setup)
    assert refused.value.code == "pdf_unreadable"


def _self_made_tsa() -> object:
    """A timestamp authority nobody trusts, whose clock says whatever it is told."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA tự dựng")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2050, 1, 1, tzinfo=UTC))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        fixed_dt=datetime(2025, 1, 1, tzinfo=UTC),  # before the key was revoked
    )


def test_a_timestamp_from_an_untrusted_authority_proves_nothing(
    pki: Pki, roots: TrustRoots, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A B-B signature with its validation data and a document timestamp from a
    self-made authority, dated as the forger likes: the timestamp is not trusted, so it
    proves nothing about when the signature existed and the signature is not valid."""

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
    from pyhanko.sign.validation import add_validation_info
    from pyhanko_certvalidator import ValidationContext

    leader = open_pkcs12(pki.pkcs12("leader").read_bytes(), PIN)
    signed = sign(decision_pdf(), leader, Stamp(name="Nguyễn Văn An"), SigningSetup())
    # The forger adds the signer's real revocation data (fetched from the test PKI)…
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures[0]
    context = ValidationContext(trust_roots=list(roots.certificates), allow_fetching=True)
    with_data = add_validation_info(embedded, context).getvalue()
    # …then a document timestamp of their own making over it.
    writer = IncrementalPdfFileWriter(io.BytesIO(with_data))
    out = io.BytesIO()
    PdfTimeStamper(_self_made_tsa()).timestamp_pdf(writer, "sha256", output=out)  # type: ignore[arg-type]
    forged = out.getvalue()
    [signature] = verify(forged, roots).signatures
    assert signature.verdict is not Verdict.VALID, signature.reasons
