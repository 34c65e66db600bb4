"""Signing stored decisions and verifying them over HTTP, on both backends.

The archive signs at B-LT against the loopback PKI: the leader signs (one or a batch, one
PIN), the clerk adds the agency's signature, each as a new version whose predecessor stays
byte for byte; the verification says valid for both; refusals store nothing.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.live import Api
from support.pdfs import decision_pdf
from support.pki import PIN, Pki, free_port
from support.signed_checks import unembedded_fonts
from support.signing_live import live_signing, sign_request


def new_decision(api: Api, pages: int = 1) -> tuple[int, bytes]:
    official = api.client("official_tp")
    made = official.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": "Xử phạt vi phạm trật tự xây dựng",
            "field": "xay_dung",
            "opened_on": "2026-11-02",
            "parties": [{"role": "violator", "name": "Nguyễn Văn Đức"}],
            "custom": {"violation": "Xây dựng không phép", "fine_amount": 7500000},
        },
    )
    assert made.status_code == 201, made.text
    pdf = decision_pdf(pages)
    added = official.post(
        f"/api/dossiers/{made.json()['id']}/documents",
        data={"kind": "quyet_dinh_xu_phat", "title": "Quyết định xử phạt"},
        files={"file": ("quyet-dinh.pdf", pdf, "application/pdf")},
    )
    assert added.status_code == 201, added.text
    return int(added.json()["id"]), pdf


def content(client: httpx.Client, document_id: int, version: int) -> bytes:
    answer = client.get(f"/api/documents/{document_id}/content", params={"version": version})
    assert answer.status_code == 200, answer.text
    return answer.content


def test_leader_signs_then_clerk_seals_and_both_verify_valid(api: Api, pki: Pki) -> None:
    document_id, original = new_decision(api)
    leader = api.client("leader_tp")
    signed = sign_request(leader, pki, [document_id], title="Trưởng phòng")
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert body["level"] == "B-LT" and body["signer"] == "Nguyễn Văn An"
    [outcome] = body["results"]
    assert outcome["status"] == "signed"
    assert (outcome["version"], outcome["signed_from"]) == (2, 1)

    first = content(leader, document_id, 1)
    assert first == original  # the version signed stays byte for byte
    second = content(leader, document_id, 2)
    assert second.startswith(first)
    assert hashlib.sha256(second).hexdigest() == outcome["sha256"]

    sealed = sign_request(api.client("clerk_tp"), pki, [document_id], label="clerk")
    assert sealed.status_code == 200, sealed.text
    assert sealed.json()["results"][0]["version"] == 3

    document = leader.get(f"/api/documents/{document_id}").json()
    assert document["signed"] and document["version"] == 3
    lineage = [(v["version"], v["reason"], v["derived_from"]) for v in document["versions"]]
    assert lineage == [(1, "upload", None), (2, "signature", 1), (3, "signature", 2)]

    report = leader.get(f"/api/documents/{document_id}/verification").json()
    assert report["verdict"] == "valid"
    first_sig, second_sig = report["signatures"]
    assert first_sig["signer"] == "Nguyễn Văn An" and first_sig["level"] == "B-LT"
    assert first_sig["changes_after"] == ["form_filling"]
    assert second_sig["signer"] == "Văn thư UBND Quận Ba Đình"
    assert second_sig["verdict"] == "valid"

    earlier = leader.get(f"/api/documents/{document_id}/verification", params={"version": 2}).json()
    assert len(earlier["signatures"]) == 1 and earlier["verdict"] == "valid"

    dossier_id = document["dossier_id"]
    whole = api.client("auditor").get(f"/api/dossiers/{dossier_id}/verification")
    # The auditor may read only 2024's dossiers of the unit: this one is not theirs.
    assert whole.status_code == 404
    whole = leader.get(f"/api/dossiers/{dossier_id}/verification")
    assert whole.status_code == 200
    assert whole.json()["verdict"] == "valid"

    trail = api.client("admin").get(
        "/api/audit", params={"object_type": "document", "object_id": str(document_id)}
    )
    signs = [e for e in trail.json() if e["action"] == "document.sign"]
    assert {e["detail"]["sha256"] for e in signs} == {
        outcome["sha256"],
        sealed.json()["results"][0]["sha256"],
    }
    assert {e["actor"] for e in signs} == {"leader_tp", "clerk_tp"}


def test_a_batch_is_signed_with_one_pin_entry(api: Api, pki: Pki) -> None:
    ids = [new_decision(api)[0] for _ in range(3)]
    answer = sign_request(api.client("leader_tp"), pki, ids, title="Trưởng phòng")
    assert answer.status_code == 200, answer.text
    assert answer.json()["signed"] == 3
    assert [r["document_id"] for r in answer.json()["results"]] == ids


def versions_of(api: Api, document_id: int) -> int:
    answer = api.client("leader_tp").get(f"/api/documents/{document_id}")
    return int(answer.json()["version"])


@pytest.mark.parametrize(
    ("who", "label", "pin", "fields", "status", "code"),
    [
        ("official_tp", "leader", PIN, {}, 403, "role_not_allowed"),
        ("leader_tp", "leader", "000000", {}, 422, "key_unreadable"),
        ("leader_tp", "expired", PIN, {}, 422, "certificate_out_of_date"),
        ("leader_tp", "leader", PIN, {"documents": "1,x"}, 422, "bad_document_list"),
    ],
)
def test_refusals_sign_and_store_nothing(
    api: Api,
    pki: Pki,
    who: str,
    label: str,
    pin: str,
    fields: dict[str, str],
    status: int,
    code: str,
) -> None:
    document_id, _ = new_decision(api)
    answer = sign_request(api.client(who), pki, [document_id], label=label, pin=pin, **fields)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert pin not in answer.text or pin == PIN  # a wrong PIN is never echoed
    assert versions_of(api, document_id) == 1


def test_a_document_named_twice_is_refused(api: Api, pki: Pki) -> None:
    document_id, _ = new_decision(api)
    answer = sign_request(api.client("leader_tp"), pki, [document_id, document_id])
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "duplicate_documents"
    assert versions_of(api, document_id) == 1


def test_another_units_document_is_refused_in_a_batch_before_any_is_signed(
    api: Api, pki: Pki
) -> None:
    ours, _ = new_decision(api)
    official_qldt = api.client("official_qldt")
    made = official_qldt.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": "Vi phạm của đơn vị khác",
            "field": "xay_dung",
            "opened_on": "2026-11-02",
            "custom": {"violation": "Lấn chiếm vỉa hè", "fine_amount": 1500000},
        },
    )
    theirs = official_qldt.post(
        f"/api/dossiers/{made.json()['id']}/documents",
        data={"kind": "quyet_dinh_xu_phat", "title": "Quyết định"},
        files={"file": ("q.pdf", decision_pdf(), "application/pdf")},
    ).json()["id"]
    answer = sign_request(api.client("leader_tp"), pki, [ours, theirs])
    assert answer.status_code == 404
    assert versions_of(api, ours) == 1


@pytest.fixture(scope="module")
def api_without_tsa(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Iterator[Api]:
    yield from live_signing(
        "embedded",
        tmp_path_factory.mktemp("no-tsa"),
        signature_level="B-T",
        tsa_url=f"http://127.0.0.1:{free_port()}/tsa",
        trust_roots=str(pki.root_pem),
    )


def test_a_timestamp_service_outage_is_503_and_stores_nothing(
    api_without_tsa: Api, pki: Pki
) -> None:
    document_id, _ = new_decision(api_without_tsa)
    answer = sign_request(api_without_tsa.client("leader_tp"), pki, [document_id])
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "signing_failed"
    assert versions_of(api_without_tsa, document_id) == 1
    assert list(api_without_tsa.archive.incoming_dir.glob("upload-*")) == []


def test_the_verification_comes_as_a_printable_pdf(api: Api, pki: Pki, tmp_path: Path) -> None:
    document_id, _ = new_decision(api)
    sign_request(api.client("leader_tp"), pki, [document_id])
    leader = api.client("leader_tp")
    answer = leader.get(f"/api/documents/{document_id}/verification", params={"format": "pdf"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    dossier_id = leader.get(f"/api/documents/{document_id}").json()["dossier_id"]
    whole = leader.get(f"/api/dossiers/{dossier_id}/verification", params={"format": "pdf"})
    assert whole.status_code == 200
    for number, pdf in enumerate((answer.content, whole.content)):
        path = tmp_path / f"report-{number}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Nguyễn Văn An" in text and "HỢP LỆ" in text
        assert unembedded_fonts(path) == []
