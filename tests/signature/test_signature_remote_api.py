"""A leader signs through the remote signing service over HTTP: no key file, no PIN sent
to the archive, only the digest sent to the service; the decision workflow moves on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.live import Api
from support.pdfs import decision_pdf
from support.pki import PIN, Pki
from support.remote_signer import CLIENT_ID, CLIENT_SECRET, USER_ID, RemoteSigner
from support.signing_live import key_file, live_signing


@pytest.fixture(scope="module")
def stand_in(pki: Pki) -> Iterator[RemoteSigner]:
    with RemoteSigner(pki.pkcs12("leader"), pending_polls=0) as running:
        yield running


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, pki: Pki, stand_in: RemoteSigner
) -> Iterator[Api]:
    yield from live_signing(
        "embedded",
        tmp_path_factory.mktemp("remote"),
        signature_level="B-LT",
        tsa_url=pki.tsa_url,
        trust_roots=str(pki.root_pem),
        remote_signing_url=stand_in.base_url,
        remote_signing_client_id=CLIENT_ID,
        remote_signing_client_secret=CLIENT_SECRET,
        remote_signing_approval_seconds=10,
    )


def submitted_decision(api: Api) -> int:
    official = api.client("official_tp")
    dossier = official.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": "Lấn chiếm vỉa hè",
            "field": "xay_dung",
            "opened_on": "2026-11-20",
            "parties": [{"role": "violator", "name": "Trần Văn Bình"}],
            "custom": {"violation": "Lấn chiếm vỉa hè", "fine_amount": 3_000_000},
        },
    ).json()["id"]
    made = official.post(
        f"/api/dossiers/{dossier}/decisions",
        json={"leader": "leader_tp", "signer_title": "Trưởng phòng"},
    )
    document_id = int(made.json()["document_id"])
    official.post(f"/api/decisions/{document_id}/submit", json={})
    return document_id


def test_a_decision_signed_on_the_phone_is_certified_and_valid(
    api: Api, stand_in: RemoteSigner
) -> None:
    document_id = submitted_decision(api)
    before = len(stand_in.received)
    answer = api.client("leader_tp").post(
        "/api/signing",
        data={"documents": str(document_id), "remote_user": USER_ID, "title": "Trưởng phòng"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"][0]["status"] == "signed"
    assert answer.json()["signer"] == "Nguyễn Văn An"
    for request in stand_in.received[before:]:  # the PDF never left the archive
        assert b"%PDF" not in request.body
    report = api.client("official_tp").get(f"/api/documents/{document_id}/verification").json()
    assert report["verdict"] == "valid"
    assert report["signatures"][0]["field"] == "ChuKyLanhDao"
    state = api.client("official_tp").get(f"/api/decisions/{document_id}").json()["state"]
    assert state == "signed"


def test_a_declined_request_signs_nothing(api: Api, stand_in: RemoteSigner) -> None:
    document_id = submitted_decision(api)
    stand_in.answer = "reject"
    try:
        answer = api.client("leader_tp").post(
            "/api/signing",
            data={"documents": str(document_id), "remote_user": USER_ID},
            timeout=60,
        )
    finally:
        stand_in.answer = "approve"
    assert answer.status_code == 200
    assert answer.json()["results"][0]["code"] == "remote_rejected"
    document = api.client("leader_tp").get(f"/api/documents/{document_id}").json()
    assert document["version"] == 1
    assert api.client("leader_tp").get(f"/api/decisions/{document_id}").json()["state"] == (
        "submitted"
    )


def test_a_key_and_a_remote_account_together_or_neither_are_refused(api: Api, pki: Pki) -> None:
    leader = api.client("leader_tp")
    both = leader.post(
        "/api/signing",
        data={"documents": "1", "remote_user": USER_ID, "pin": PIN},
        files={"key": key_file(pki, "leader")},
    )
    neither = leader.post("/api/signing", data={"documents": "1"})
    for answer in (both, neither):
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "key_or_remote"


def test_without_a_configured_service_remote_signing_is_refused(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    for api in live_signing("embedded", tmp_path_factory.mktemp("no-remote")):
        official = api.client("official_tp")
        dossier = official.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": "Vụ việc",
                "field": "xay_dung",
                "opened_on": "2026-11-20",
                "custom": {"violation": "x", "fine_amount": 1_000_000},
            },
        ).json()["id"]
        document_id = official.post(
            f"/api/dossiers/{dossier}/documents",
            data={"kind": "quyet_dinh_xu_phat", "title": "Quyết định"},
            files={"file": ("q.pdf", decision_pdf(), "application/pdf")},
        ).json()["id"]
        answer = api.client("leader_tp").post(
            "/api/signing", data={"documents": str(document_id), "remote_user": USER_ID}
        )
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "remote_not_configured"
