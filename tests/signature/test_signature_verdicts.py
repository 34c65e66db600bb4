"""Verifying signatures offline: the verdicts an auditor gets, and `archive verify`.

The cases are those the EU's reference validator (DSS) decides offline with the same
trust roots: a signature with no revocation data in the file is indeterminate, B-LT and
B-LTA are valid, one flipped byte is invalid, text added after signing is invalid (DSS's
strict reading), a later signature or timestamp is an allowed change.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from support.pdfs import decision_pdf, make_pdf
from support.pki import PIN, Pki
from support.signed_checks import pdfsig_validations

from signing.decision_pdf import DecisionText
from signing.decision_pdf import decision_pdf as decision_pdf_from_text
from signing.form_fields import AGENCY_FIELD, DATE_FIELD, NUMBER_FIELD, fill
from signing.keys import open_pkcs12
from signing.levels import Level
from signing.pades import SigningSetup, sign
from signing.stamps import Stamp
from signing.verdicts import TrustRoots, Verdict, exit_code, verify

STAMP = Stamp(name="Nguyễn Văn An", title="Chủ tịch", unit="UBND Quận Ba Đình")


def text_added(pdf: bytes) -> bytes:
    """Words drawn on page 1 in an incremental update after signing: a content change."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    words = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 400 Td (DA SUA) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(words))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def comment_added(pdf: bytes) -> bytes:
    """A sticky-note annotation on page 1, as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.find_page_for_modification(0)[0]
    page = page_ref.get_object()
    note = writer.add_object(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Text"),
                generic.pdf_name("/Rect"): generic.ArrayObject(
                    generic.FloatObject(v) for v in (100, 500, 120, 520)
                ),
                generic.pdf_name("/Contents"): generic.pdf_string("Sửa mức phạt"),
            }
        )
    )
    annots = page.get("/Annots")
    if annots is None:
        page[generic.pdf_name("/Annots")] = generic.ArrayObject([note])
    else:
        annots.get_object().append(note)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def made_decision() -> bytes:
    return decision_pdf_from_text(
        DecisionText(
            "UBND QUẬN BA ĐÌNH",
            "PHÒNG TƯ PHÁP",
            "QĐ-XPHC",
            "Hà Nội",
            "QUYẾT ĐỊNH",
            "Xử phạt vi phạm hành chính",
            ("**Điều 1.** Xử phạt ông Nguyễn Văn Đức.",),
            "Trưởng phòng",
            "Lê Quang Đạt",
            ("Lưu: VT.",),
        )
    )


def byte_flipped(pdf: bytes) -> bytes:
    """One bit changed inside the first page's content stream (inside the signed range)."""
    changed = bytearray(pdf)
    at = pdf.index(b"stream", 100) + 20
    changed[at] ^= 0x01
    return bytes(changed)


@pytest.fixture(scope="module")
def files(pki: Pki, roots: TrustRoots) -> dict[str, bytes]:
    def key(label: str) -> object:
        return open_pkcs12(pki.pkcs12(label).read_bytes(), PIN)

    def at(level: Level, trusted: bool = True) -> SigningSetup:
        return SigningSetup(
            level=level,
            tsa_url=pki.tsa_url,
            trust_roots=roots.certificates if trusted else (),
        )

    leader = key("leader")
    made = {
        level.value: sign(decision_pdf(), leader, STAMP, at(level))  # type: ignore[arg-type]
        for level in Level
    }
    made["two signers"] = sign(
        made["B-LT"],
        key("clerk"),  # type: ignore[arg-type]
        Stamp(name="Văn thư", box=(300, 100, 530, 178)),
        at(Level.B_LT),
    )
    made["flipped"] = byte_flipped(made["B-LTA"])
    made["text added"] = text_added(made["B-LTA"])
    made["untrusted root"] = sign(decision_pdf(), key("stranger"), STAMP, at(Level.B_T, False))  # type: ignore[arg-type]
    made["revoked, B-T"] = sign(decision_pdf(), key("revoked"), STAMP, at(Level.B_T))  # type: ignore[arg-type]
    made["unsigned"] = make_pdf()
    # Signed now with a certificate that ended in 2024 (a clock set back on the signer's
    # machine: the stamp says 2023), timestamped now, after the certificate's end.
    made["expired"] = sign(
        decision_pdf(),
        key("expired"),  # type: ignore[arg-type]
        STAMP,
        at(Level.B_T),
        when=datetime(2023, 6, 1, tzinfo=UTC),
    )
    # A decision the leader certified (DocMDP: form filling and signing only)…
    certified = sign(made_decision(), leader, STAMP, at(Level.B_LT))  # type: ignore[arg-type]
    made["certified"] = certified
    # …issued as allowed: number and date filled, the agency's signature in its place;
    issued = fill(certified, {NUMBER_FIELD: "15", DATE_FIELD: "ngày 03 tháng 12 năm 2026"})
    made["certified, issued"] = sign(
        issued,
        key("clerk"),
        Stamp(name="Văn thư"),
        at(Level.B_LT),
        field_name=AGENCY_FIELD,  # type: ignore[arg-type]
    )
    # …or changed in ways it does not allow: a comment added, or text drawn on the page.
    made["certified, comment added"] = comment_added(certified)
    made["certified, text added"] = text_added(certified)
    return made


EXPECTED: dict[str, tuple[Verdict, str, str]] = {
    # case: (verdict, level, the first reason's code)
    "B-B": (Verdict.INDETERMINATE, "B-B", "no_revocation_data"),
    "B-T": (Verdict.INDETERMINATE, "B-T", "no_revocation_data"),
    "B-LT": (Verdict.VALID, "B-LT", "valid"),
    "B-LTA": (Verdict.VALID, "B-LTA", "valid"),
    "flipped": (Verdict.INVALID, "B-LTA", "altered"),
    "text added": (Verdict.INVALID, "B-LTA", "changed_after_signing"),
    "untrusted root": (Verdict.INDETERMINATE, "B-T", "untrusted"),
    # Offline, nobody can tell a B-T signature's certificate was revoked: DSS says the same.
    "revoked, B-T": (Verdict.INDETERMINATE, "B-T", "no_revocation_data"),
    "expired": (Verdict.INDETERMINATE, "B-T", "expired"),
    "certified": (Verdict.VALID, "B-LT", "valid"),
    "certified, comment added": (Verdict.INVALID, "B-LT", "changed_after_signing"),
    "certified, text added": (Verdict.INVALID, "B-LT", "changed_after_signing"),
}


@pytest.mark.parametrize("case", list(EXPECTED))
def test_each_case_gets_the_verdict_the_reference_validator_gives(
    case: str, files: dict[str, bytes], roots: TrustRoots
) -> None:
    verdict, level, reason = EXPECTED[case]
    report = verify(files[case], roots, case)
    assert report.problem is None
    [signature] = report.signatures
    assert (signature.verdict, signature.level, signature.reasons[0].code) == (
        verdict,
        level,
        reason,
    )
    assert report.verdict is verdict
    assert signature.signer in {"Nguyễn Văn An", "Lê Văn Cường", "Người lạ", "Trần Thị Bình"}
    for found in signature.reasons:  # every reason is said in both languages
        assert found.vi and found.en and found.vi != found.en


def test_a_later_signature_is_an_allowed_change_that_keeps_the_first_valid(
    files: dict[str, bytes], roots: TrustRoots
) -> None:
    report = verify(files["two signers"], roots)
    first, second = report.signatures
    assert (first.verdict, second.verdict) == (Verdict.VALID, Verdict.VALID)
    assert first.changes_after == ("form_filling",)  # the clerk's new signature field
    assert first.changed_fields == ("ChuKy2",)
    assert second.signer == "Văn thư UBND Quận Ba Đình"
    assert first.timestamp_time is not None and first.claimed_time is not None
    assert first.chain == (
        "Nguyễn Văn An",
        "CA cấp dưới thử nghiệm",
        "Root CA thử nghiệm",
    )
    assert first.revocation == "good" and first.trusted


def test_without_the_trust_roots_nothing_is_valid(files: dict[str, bytes]) -> None:
    report = verify(files["B-LTA"], TrustRoots())
    assert report.verdict is Verdict.INDETERMINATE
    assert report.signatures[0].reasons[0].code == "untrusted"


def test_a_file_without_signatures_or_not_a_pdf(roots: TrustRoots) -> None:
    unsigned = verify(make_pdf(), roots)
    assert unsigned.problem is not None and unsigned.problem.code == "no_signature"
    assert unsigned.verdict is Verdict.INDETERMINATE
    broken = verify(b"%PDF-1.7\nnothing here", roots)
    assert broken.problem is not None and broken.problem.code == "unreadable"
    assert broken.verdict is Verdict.INVALID


def test_exit_codes_rank_invalid_over_indeterminate() -> None:
    assert [exit_code(v) for v in Verdict] == [0, 1, 2]


def run_verify(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", "verify", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def on_disk(
    files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    folder = tmp_path_factory.mktemp("verify")

    def path(case: str) -> Path:
        target = folder / (case.replace(" ", "-").replace(",", "") + ".pdf")
        target.write_bytes(files[case])
        return target

    return path


def test_the_command_line_exits_0_1_or_2_as_the_worst_signature(
    on_disk: Callable[[str], Path], pki: Pki, tmp_path: Path
) -> None:
    trust = ("--trust", str(pki.root_pem))
    valid = run_verify(str(on_disk("B-LTA")), str(on_disk("two signers")), *trust, cwd=tmp_path)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "HỢP LỆ · VALID" in valid.stdout
    assert "Nguyễn Văn An" in valid.stdout and "PAdES B-LTA" in valid.stdout
    assert (
        "Thay đổi sau khi ký · Changes after signing: điền ô biểu mẫu hoặc ký thêm · form "
        "filling or further signatures (ChuKy2)"
    ) in valid.stdout

    some_unknown = run_verify(str(on_disk("B-LTA")), str(on_disk("B-T")), *trust, cwd=tmp_path)
    assert some_unknown.returncode == 2
    assert "CHƯA XÁC ĐỊNH" in some_unknown.stdout

    bad = run_verify(str(on_disk("B-T")), str(on_disk("text added")), *trust, cwd=tmp_path)
    assert bad.returncode == 1
    assert "KHÔNG HỢP LỆ" in bad.stdout

    untrusted = run_verify(str(on_disk("B-LTA")), cwd=tmp_path)  # no root given
    assert untrusted.returncode == 2
    assert "no trusted root is configured" in untrusted.stdout


def test_the_command_line_prints_json(
    on_disk: Callable[[str], Path], pki: Pki, tmp_path: Path
) -> None:
    answer = run_verify(
        str(on_disk("flipped")), "--trust", str(pki.root_pem), "--json", cwd=tmp_path
    )
    assert answer.returncode == 1
    printed = json.loads(answer.stdout)
    assert printed["verdict"] == "invalid"
    [file] = printed["files"]
    assert file["signatures"][0]["reasons"][0]["code"] == "altered"
    assert file["sha256"] == hashlib.sha256(on_disk("flipped").read_bytes()).hexdigest()


def test_the_command_line_says_what_it_cannot_read(tmp_path: Path) -> None:
    answer = run_verify(str(tmp_path / "missing.pdf"), cwd=tmp_path)
    assert answer.returncode == 2
    assert "Không đọc được" in answer.stderr and "Cannot read" in answer.stderr
    assert "Traceback" not in answer.stderr


DSS_INDICATION = {
    "TOTAL_PASSED": Verdict.VALID,
    "INDETERMINATE": Verdict.INDETERMINATE,
    "TOTAL_FAILED": Verdict.INVALID,
}


def test_every_verdict_agrees_with_the_eu_reference_validator_run_offline(
    on_disk: Callable[[str], Path], pki: Pki, roots: TrustRoots, files: dict[str, bytes]
) -> None:
    """EU DSS (tools/dss, built by scripts/signing-tools.sh) with the same trust root and
    its strict reading of changes after signing, one run over every case."""
    cases = [*EXPECTED, "two signers", "certified, issued"]
    paths = {str(on_disk(case)): case for case in cases}
    script = Path(__file__).parents[2] / "scripts" / "dss.sh"
    run = subprocess.run(
        ["bash", str(script), "verify", "--trust", str(pki.root_pem), "--strict", *paths],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    seen = 0
    for entry in json.loads(run.stdout)["files"]:
        case = paths[entry["file"]]
        ours = {s.field: s.verdict for s in verify(files[case], roots).signatures}
        theirs = {s["field"]: DSS_INDICATION[s["indication"]] for s in entry["signatures"]}
        assert theirs == ours, (case, entry["signatures"])
        seen += 1
    assert seen == len(cases)


def test_poppler_agrees_on_a_flipped_byte_and_on_a_good_file(
    on_disk: Callable[[str], Path],
) -> None:
    """poppler's pdfsig, an independent verifier, says the same of the bytes: a changed
    byte is a digest mismatch, an untouched file's signature is valid."""
    assert pdfsig_validations(on_disk("flipped"))[0] == "Digest Mismatch"
    assert pdfsig_validations(on_disk("B-LTA"))[0] == "Signature is Valid"
    assert pdfsig_validations(on_disk("certified, issued")) == [
        "Signature is Valid",
        "Signature is Valid",
    ]
