"""The auditors' inspection package, fetched over HTTP and checked as its README says, with
sha256sum, openssl and pdfsig only; then tampered with, and caught."""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

from asn1crypto import cms
from support.live import Api
from support.pdfs import decision_pdf
from support.pki import Pki
from support.signed_checks import pdfsig_validations
from support.signing_live import sign_request


def dossier_with_signed_decision(api: Api, pki: Pki, opened_on: str = "2024-05-26") -> int:
    official = api.client("official_tp")
    dossier_id = official.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": "Xây dựng không phép",
            "field": "xay_dung",
            "opened_on": opened_on,
            "custom": {"violation": "Xây dựng không phép", "fine_amount": 7_500_000},
        },
    ).json()["id"]
    document_id = official.post(
        f"/api/dossiers/{dossier_id}/documents",
        data={"kind": "quyet_dinh_xu_phat", "title": "Quyết định xử phạt"},
        files={"file": ("q.pdf", decision_pdf(), "application/pdf")},
    ).json()["id"]
    signed = sign_request(api.client("leader_tp"), pki, [document_id])
    assert signed.json()["signed"] == 1, signed.text
    return int(dossier_id)


def unpacked(content: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        package.extractall(folder)
    return folder


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)


def seal_verifies(folder: Path) -> bool:
    """The README's step 2: openssl checks the archive's signature over the manifest."""
    verified = run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "manifest.sha256.p7s",
            "-content",
            "manifest.sha256",
            "-certfile",
            "archive-seal.pem",
            "-CAfile",
            "archive-seal.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
        folder,
    )
    return verified.returncode == 0 and "Verification successful" in verified.stderr


def test_the_package_checks_out_with_ordinary_tools(api: Api, pki: Pki, tmp_path: Path) -> None:
    dossier_id = dossier_with_signed_decision(api, pki)
    auditor = api.client("auditor")
    answer = auditor.get("/api/inspection-package", params={"dossier": dossier_id})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    folder = unpacked(answer.content, tmp_path / "goi")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    code = next(n.split("/")[0] for n in names if n.endswith("metadata.json"))
    assert {
        f"{code}/metadata.json",
        f"{code}/verification.json",
        f"{code}/verification.pdf",
        f"{code}/audit-trail.json",
        "README.txt",
        "manifest.sha256",
        "manifest.sha256.p7s",
        "archive-seal.pem",
        "audit-head.json",
    } <= set(names)
    pdfs = sorted(n for n in names if n.endswith(".pdf") and "/documents/" in n)
    assert len(pdfs) == 2  # the original and the signed version

    checked = run(["sha256sum", "-c", "manifest.sha256"], folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert seal_verifies(folder)
    printed = run(
        ["openssl", "x509", "-in", "archive-seal.pem", "-noout", "-fingerprint", "-sha256"],
        folder,
    )
    fingerprint = printed.stdout.strip().split("=", 1)[1]
    assert auditor.get("/api/inspection-package/seal").json()["fingerprint_sha256"] == fingerprint
    assert fingerprint in (folder / "README.txt").read_text(encoding="utf-8")
    signature = cms.ContentInfo.load((folder / "manifest.sha256.p7s").read_bytes())
    unsigned = signature["content"]["signer_infos"][0]["unsigned_attrs"].native or []
    assert any(a["type"] == "signature_time_stamp_token" for a in unsigned)  # timestamped

    assert pdfsig_validations(folder / pdfs[1]) == ["Signature is Valid"]
    report = json.loads((folder / code / "verification.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "valid"

    readme = (folder / "README.txt").read_text(encoding="utf-8")
    snippet = re.search(r"python3 -c '(.*?)' <mã hồ sơ>", readme, re.S)
    assert snippet is not None
    program = "\n".join(
        line[5:] if line.startswith("     ") else line for line in snippet.group(1).splitlines()
    )
    hashes = run(["python3", "-c", program, f"{code}/audit-trail.json"], folder)
    assert hashes.returncode == 0, hashes.stderr
    lines = hashes.stdout.splitlines()
    assert lines and all(line.endswith(" OK") for line in lines), hashes.stdout
    actions = [
        e["action"]
        for e in json.loads((folder / code / "audit-trail.json").read_text(encoding="utf-8"))[
            "entries"
        ]
    ]
    assert "document.add" in actions and "document.sign" in actions

    # Tampering is caught: a changed PDF by the manifest, a changed manifest by the seal.
    (folder / pdfs[0]).write_bytes((folder / pdfs[0]).read_bytes() + b"\n")
    assert run(["sha256sum", "-c", "manifest.sha256"], folder).returncode != 0
    manifest = folder / "manifest.sha256"
    manifest.write_text(manifest.read_text() + "0" * 64 + "  them.pdf\n")
    assert not seal_verifies(folder)

    trail = api.client("admin").get("/api/audit", params={"object_type": "package"}).json()
    assert trail[0]["action"] == "inspection.package" and trail[0]["actor"] == "auditor"
    assert list(api.archive.incoming_dir.glob("upload-package-*")) == []


def test_refusals_leave_nothing_behind(api: Api, pki: Pki) -> None:
    not_granted = dossier_with_signed_decision(api, pki, opened_on="2026-11-02")
    auditor = api.client("auditor")
    answer = auditor.get("/api/inspection-package", params={"dossier": not_granted})
    assert answer.status_code == 404
    too_many = auditor.get("/api/inspection-package", params={"dossier": list(range(1, 52))})
    assert too_many.status_code == 422
    twice = auditor.get("/api/inspection-package", params={"dossier": [not_granted] * 2})
    assert twice.status_code in (404, 422)
    assert list(api.archive.incoming_dir.glob("upload-package-*")) == []


def test_only_those_who_read_the_audit_trail_make_a_package(api: Api, pki: Pki) -> None:
    dossier_id = dossier_with_signed_decision(api, pki)
    for who in ("official_tp", "leader_tp", "clerk_tp"):
        answer = api.client(who).get("/api/inspection-package", params={"dossier": dossier_id})
        assert answer.status_code == 403, who
        assert answer.json()["error"]["code"] == "role_not_allowed"
    assert (
        api.client("admin")
        .get("/api/inspection-package", params={"dossier": dossier_id})
        .status_code
        == 200
    )
    assert list(api.archive.incoming_dir.glob("upload-package-*")) == []
