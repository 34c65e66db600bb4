"""A periodic report signed by the head of its unit, over HTTP, on both backends.

The leader signs the year's sanctions report of their unit: the signed file is the report
as anyone downloads it that day, with one signature more in the signer block's place,
valid by the archive and by poppler; it is kept, listed to those who read the unit, served
only while it still matches its digest, and every refusal leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import httpx
from pyhanko.pdf_utils.reader import PdfFileReader
from support.live import Api
from support.pki import PIN, Pki
from support.signed_checks import openssl_verifies, pdfsig_validations, unembedded_fonts
from support.signing_live import key_file

from deadlines.report_pdf import SIGNATURE_FIELD
from deadlines.signed_reports import KEY_PREFIX

REPORT = {"year": "2026", "period": "year", "number": "1"}


def sign_report(
    client: httpx.Client, pki: Pki, *, label: str = "leader", pin: str = PIN, **fields: str
) -> httpx.Response:
    return client.post(
        "/api/reports/xlvphc/signed",
        data={**REPORT, "pin": pin, **fields},
        files={"key": key_file(pki, label)},
        timeout=60,
    )


def stored_reports(api: Api) -> list[str]:
    return list(api.archive.store.iter_keys(KEY_PREFIX))


def listed(api: Api, username: str) -> list[int]:
    answer = api.client(username).get("/api/reports/xlvphc/signed")
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["reports"]]


def test_the_head_of_the_unit_signs_the_report_as_everyone_downloads_it(
    api: Api, pki: Pki, tmp_path: Path
) -> None:
    leader = api.client("leader_tp")
    answer = sign_report(leader, pki, title="Trưởng phòng")
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["signer"] == "Nguyễn Văn An" and made["signed_by"] == "leader_tp"
    assert made["unit_code"] == "tu_phap" and made["level"] == "B-LT"
    assert made["period_start"] == "2026-01-01" and made["period_end"] == "2026-12-31"

    signed = leader.get(made["download"])
    assert signed.status_code == 200, signed.text
    assert signed.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(signed.content).hexdigest() == made["sha256"]
    # The same report, as downloaded unsigned that day with the leader's name in the block,
    # is the first revision of the signed file, byte for byte: the signature adds, never
    # rewrites.
    unsigned = leader.get(
        "/api/reports/xlvphc",
        params={
            **REPORT,
            "unit": "tu_phap",
            "format": "pdf",
            "signer_name": "Nguyễn Văn An",  # the certificate's holder signs in the block
            "signer_title": "Trưởng phòng",
        },
    )
    assert unsigned.status_code == 200
    assert signed.content.startswith(unsigned.content)
    assert len(signed.content) > len(unsigned.content)

    reader = PdfFileReader(io.BytesIO(signed.content))
    (signature,) = reader.embedded_regular_signatures
    assert signature.field_name == SIGNATURE_FIELD  # in the block's place, not a new one
    assert signature.docmdp_level is not None  # certifying the report, as a decision

    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(signed.content)
    assert pdfsig_validations(path) == ["Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True]
    assert unembedded_fonts(path) == []

    verdict = leader.get(f"{made['download']}/verification")
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["verdict"] == "valid"
    printable = leader.get(f"{made['download']}/verification", params={"format": "pdf"})
    assert printable.status_code == 200 and printable.content.startswith(b"%PDF")

    trail = api.client("admin").get("/api/audit", params={"object_type": "report"}).json()
    signings = [e for e in trail if e["action"] == "report.sign"]
    assert signings and signings[0]["detail"]["sha256"] == made["sha256"]
    assert signings[0]["detail"]["signed_report"] == made["id"]


def test_signed_reports_are_read_by_those_who_read_the_unit(api: Api, pki: Pki) -> None:
    made = sign_report(api.client("leader_tp"), pki).json()
    assert made["id"] in listed(api, "leader_tp")
    assert made["id"] in listed(api, "leader_city")  # the unit above
    # The auditor is granted Phòng Tư pháp for 2024: a report of 2026 counts cases outside
    # the grant, one of 2024 does not.
    assert made["id"] not in listed(api, "auditor")
    of_2024 = sign_report(api.client("leader_tp"), pki, year="2024").json()
    assert of_2024["id"] in listed(api, "auditor")
    assert api.client("auditor").get(of_2024["download"]).status_code == 200
    assert api.client("auditor").get(made["download"]).status_code == 404
    assert made["id"] not in listed(api, "official_qldt")  # another unit
    other = api.client("official_qldt").get(made["download"])
    assert other.status_code == 404 and other.json()["error"]["code"] == "report_not_found"
    wrong_form = api.client("leader_tp").get(f"/api/reports/thads/signed/{made['id']}")
    assert wrong_form.status_code == 404


def test_refused_signings_keep_nothing(api: Api, pki: Pki) -> None:
    before_rows = listed(api, "admin")
    before_objects = stored_reports(api)
    refusals = [
        ("role_not_allowed", sign_report(api.client("official_tp"), pki)),
        ("not_owner_unit", sign_report(api.client("leader_tp"), pki, unit="qldt")),
        ("key_unreadable", sign_report(api.client("leader_tp"), pki, pin="sai-ma-pin")),
        ("certificate_out_of_date", sign_report(api.client("leader_tp"), pki, label="expired")),
        (
            "bad_period",
            api.client("leader_tp").post(
                "/api/reports/xlvphc/signed",
                data={**REPORT, "period": "quarter", "number": "5", "pin": PIN},
                files={"key": key_file(pki, "leader")},
            ),
        ),
        # who may sign is settled before a signing service is asked anything (this one has
        # none configured: asked, it would answer remote_not_configured)
        (
            "role_not_allowed",
            api.client("auditor").post(
                "/api/reports/xlvphc/signed", data={**REPORT, "remote_user": "ai-do"}
            ),
        ),
        (
            "key_or_remote",
            api.client("leader_tp").post("/api/reports/xlvphc/signed", data={**REPORT, "pin": PIN}),
        ),
    ]
    for code, answer in refusals:
        assert answer.status_code in (403, 422), (code, answer.text)
        assert answer.json()["error"]["code"] == code, answer.text
        assert "sai-ma-pin" not in answer.text
    assert listed(api, "admin") == before_rows
    assert stored_reports(api) == before_objects


def test_a_changed_copy_is_not_served(api: Api, pki: Pki) -> None:
    made = sign_report(api.client("leader_tp"), pki).json()
    key = f"{KEY_PREFIX}/{made['sha256'][:2]}/{made['sha256']}"
    # What an intruder with the store's keys could do: a new version under the same name
    # (the lock keeps the signed one; a local store's file is replaced).
    api.archive.store.put_bytes(key, b"%PDF-1.7 FORGED-REPORT")
    for path in (made["download"], f"{made['download']}/verification"):
        answer = api.client("leader_tp").get(path)
        assert answer.status_code == 500, answer.text
        assert answer.json()["error"]["code"] == "checksum_mismatch"
        assert b"FORGED-REPORT" not in answer.content
