"""A sanction decision from template to issue, over HTTP, on both backends.

The official makes it from the Decree 118 form with the dossier's data and submits it; the
leader finds it in the inbox, returns it once, then signs it (certifying it, fields for
the number and date left open); the clerk issues it: number, date and the agency's
signature over the left third of the leader's. Both signatures verify valid, by the
archive, by poppler and by openssl; the leader's lists the clerk's changes as allowed.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import httpx
import pytest
from support.live import Api
from support.pdfs import decision_pdf
from support.pki import PIN, Pki
from support.signed_checks import (
    openssl_verifies,
    pdfsig_validations,
    qpdf_clean,
    unembedded_fonts,
)
from support.signing_live import key_file, live_signing, sign_request

from archive.domain.money_words import dong_in_words, in_words
from signing import templates as templates_module
from signing.decisions import issue_date_text
from signing.form_fields import text_fields


def sanction_case(api: Api) -> int:
    made = api.client("official_tp").post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": "Xây dựng không phép tại số 12 phố Đội Cấn",
            "field": "xay_dung",
            "opened_on": "2026-11-02",
            "parties": [
                {
                    "role": "violator",
                    "kind": "individual",
                    "name": "Nguyễn Văn Đức",
                    "id_number": "001090012345",
                    "address": "12 Đội Cấn, Ba Đình, Hà Nội",
                }
            ],
            "custom": {
                "violation": "Xây dựng công trình không có giấy phép xây dựng",
                "violation_place": "số 12 phố Đội Cấn",
                "fine_amount": 75_000_000,
                "provision_violated": "điểm a khoản 7 Điều 16 Nghị định 16/2022/NĐ-CP",
                "main_sanction": "phat_tien",
                "remedial_measures": "Buộc phá dỡ công trình vi phạm",
                "violator_sex": "nam",
            },
        },
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def make(api: Api, dossier_id: int) -> int:
    answer = api.client("official_tp").post(
        f"/api/dossiers/{dossier_id}/decisions",
        json={"leader": "leader_tp", "signer_title": "Trưởng phòng"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["decision"]["state"] == "draft"
    return int(answer.json()["document_id"])


def content(client: httpx.Client, document_id: int, version: int | None = None) -> bytes:
    params = {"version": version} if version else {}
    answer = client.get(f"/api/documents/{document_id}/content", params=params)
    assert answer.status_code == 200, answer.text
    return answer.content


def text_of(pdf: bytes, folder: Path) -> str:
    """The page text with the fields' and stamps' appearances merged in by qpdf."""
    source, flat = folder / "in.pdf", folder / "flat.pdf"
    source.write_bytes(pdf)
    subprocess.run(["qpdf", "--flatten-annotations=all", str(source), str(flat)], check=True)
    return subprocess.run(
        ["pdftotext", "-layout", str(flat), "-"], capture_output=True, text=True, check=True
    ).stdout


def issue(api: Api, pki: Pki, document_id: int, *, pin: str = PIN) -> httpx.Response:
    return api.client("clerk_tp").post(
        f"/api/decisions/{document_id}/issue",
        data={"number": "15", "issued_on": "2026-12-03", "pin": pin},
        files={"key": key_file(pki, "clerk")},
        timeout=60,
    )


def test_from_template_to_issue_every_signature_stays_valid(
    api: Api, pki: Pki, tmp_path: Path
) -> None:
    document_id = make(api, sanction_case(api))
    official, leader = api.client("official_tp"), api.client("leader_tp")

    draft = content(official, document_id)
    text = text_of(draft, tmp_path)
    for expected in (
        "QUYẾT ĐỊNH",
        "Xử phạt vi phạm hành chính",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Nguyễn Văn Đức",
        "75.000.000 đồng",
        dong_in_words(75_000_000),
        "Buộc phá dỡ công trình vi phạm",
        "TRƯỞNG PHÒNG",
        "Lê Quang Đạt",
        "/QĐ-XPHC",
        "Hà Nội,",
    ):
        assert expected in text, expected
    assert text_fields(draft) == {"so_ky_hieu": None, "ngay_ban_hanh": None}

    # Not submitted yet: the leader cannot sign it, and it is not in the inbox.
    early = sign_request(leader, pki, [document_id])
    assert early.json()["results"][0]["code"] == "wrong_decision_state"
    assert leader.get("/api/signing/inbox").json()["count"] == 0

    assert official.post(f"/api/decisions/{document_id}/submit", json={}).status_code == 200
    inbox = leader.get("/api/signing/inbox").json()
    assert inbox["count"] == 1 and inbox["items"][0]["document_id"] == document_id

    returned = leader.post(
        f"/api/decisions/{document_id}/return", json={"reason": "Ghi rõ điều khoản áp dụng"}
    )
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    assert leader.get("/api/signing/inbox").json()["count"] == 0
    again = official.post(f"/api/decisions/{document_id}/submit", json={"note": "Đã sửa"})
    assert again.json()["state"] == "submitted"

    signed = sign_request(leader, pki, [document_id], title="Trưởng phòng")
    assert signed.json()["results"][0]["status"] == "signed", signed.text
    decision = official.get(f"/api/decisions/{document_id}").json()
    assert decision["state"] == "signed" and decision["signed_version"] == 2
    clerk_inbox = api.client("clerk_tp").get("/api/signing/inbox").json()
    assert document_id in [i["document_id"] for i in clerk_inbox["items"]]

    issued = issue(api, pki, document_id)
    assert issued.status_code == 200, issued.text
    assert issued.json()["state"] == "issued" and issued.json()["number"] == "15"
    final = content(official, document_id)
    assert final.startswith(content(official, document_id, 2))  # appended, never rewritten
    assert text_fields(final) == {
        "so_ky_hieu": "15",
        "ngay_ban_hanh": issue_date_text(date(2026, 12, 3)),
    }
    final_text = text_of(final, tmp_path)
    Path("/tmp/final.pdf").write_bytes(final)
    assert "ngày 03 tháng 12 năm 2026" in final_text
    assert "15" in final_text and "Ký bởi: Văn thư UBND Quận Ba Đình" in final_text

    report = official.get(f"/api/documents/{document_id}/verification").json()
    assert report["verdict"] == "valid", report
    leader_sig, agency_sig = report["signatures"]
    assert leader_sig["field"] == "ChuKyLanhDao" and agency_sig["field"] == "ChuKyCoQuan"
    assert leader_sig["changes_after"] == ["form_filling"]
    assert leader_sig["changed_fields"] == ["ChuKyCoQuan", "ngay_ban_hanh", "so_ky_hieu"]

    path = tmp_path / "issued.pdf"
    path.write_bytes(final)
    assert pdfsig_validations(path) == ["Signature is Valid", "Signature is Valid"]
    assert openssl_verifies(path, pki.root_pem, tmp_path) == [True, True]
    assert qpdf_clean(path) and unembedded_fonts(path) == []

    document = official.get(f"/api/documents/{document_id}").json()
    assert (document["number"], document["issued_on"]) == ("15", "2026-12-03")
    trail = (
        api.client("admin")
        .get("/api/audit", params={"object_type": "document", "object_id": str(document_id)})
        .json()
    )
    steps = [e["action"] for e in reversed(trail) if e["action"].startswith("decision.")]
    assert steps == [
        "decision.submit",
        "decision.return",
        "decision.submit",
        "decision.sign",
        "decision.issue",
    ]
    assert all(len(e["detail"]["sha256"]) == 64 for e in trail if e["action"] == "decision.issue")


def test_issuing_twice_or_before_signing_is_refused_and_changes_nothing(api: Api, pki: Pki) -> None:
    document_id = make(api, sanction_case(api))
    early = issue(api, pki, document_id)
    assert early.status_code == 409 and early.json()["error"]["code"] == "wrong_decision_state"
    api.client("official_tp").post(f"/api/decisions/{document_id}/submit", json={})
    sign_request(api.client("leader_tp"), pki, [document_id])
    wrong_pin = issue(api, pki, document_id, pin="111111")
    assert wrong_pin.status_code == 422
    assert api.client("clerk_tp").get(f"/api/decisions/{document_id}").json()["state"] == "signed"
    assert issue(api, pki, document_id).status_code == 200
    twice = issue(api, pki, document_id)
    assert twice.status_code == 409
    versions = api.client("clerk_tp").get(f"/api/documents/{document_id}").json()["version"]
    assert versions == 3  # draft, signed, issued: nothing more


def test_only_the_leader_it_was_submitted_to_signs_or_returns_it(api: Api, pki: Pki) -> None:
    document_id = make(api, sanction_case(api))
    api.client("official_tp").post(f"/api/decisions/{document_id}/submit", json={})
    other = api.client("leader_city")  # heads the city, above the unit, but not named
    returned = other.post(f"/api/decisions/{document_id}/return", json={"reason": "x"})
    assert returned.status_code == 403
    assert returned.json()["error"]["code"] == "not_your_decision"
    signed = sign_request(other, pki, [document_id])
    assert signed.json()["results"][0]["code"] == "not_your_decision"
    assert api.client("official_tp").get(f"/api/decisions/{document_id}").json()["state"] == (
        "submitted"
    )


def test_a_decision_names_an_active_leader_of_the_unit(api: Api) -> None:
    dossier_id = sanction_case(api)
    for who in ("official_tp", "nobody", "leader_qldt_missing"):
        answer = api.client("official_tp").post(
            f"/api/dossiers/{dossier_id}/decisions",
            json={"leader": who, "signer_title": "Trưởng phòng"},
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "not_a_leader"
    unknown = api.client("official_tp").post(
        f"/api/dossiers/{dossier_id}/decisions",
        json={"template": "khong_co", "leader": "leader_tp", "signer_title": "Trưởng phòng"},
    )
    assert unknown.status_code == 404
    assert api.client("official_tp").get("/api/decision-templates").json()["templates"] == [
        "quyet_dinh_xu_phat"
    ]


def test_amounts_are_written_in_words_as_decisions_write_them() -> None:
    assert in_words(1_005_000) == "một triệu không trăm linh năm nghìn"
    assert in_words(21) == "hai mươi mốt"
    assert in_words(15) == "mười lăm"
    assert in_words(2_500_000_000) == "hai tỷ năm trăm triệu"
    assert in_words(1_000_001_000) == "một tỷ không trăm linh một nghìn"
    assert dong_in_words(7_500_000) == "Bảy triệu năm trăm nghìn đồng"
    assert issue_date_text(date(2027, 2, 5)) == "ngày 05 tháng 02 năm 2027"
    assert issue_date_text(date(2027, 11, 25)) == "ngày 25 tháng 11 năm 2027"


def test_an_administrators_template_replaces_the_shipped_one(
    tmp_path_factory: pytest.TempPathFactory, pki: Pki, tmp_path: Path
) -> None:
    folder = tmp_path_factory.mktemp("templates")
    shipped = Path(templates_module.__file__).parent / "forms" / "quyet_dinh_xu_phat.j2"
    changed = shipped.read_text(encoding="utf-8").replace(
        "**Điều 2.** Quyết định này có hiệu lực kể từ ngày ký.",
        "**Điều 2.** Quyết định này có hiệu lực kể từ ngày ký (mẫu của đơn vị).",
    )
    (folder / "quyet_dinh_xu_phat.j2").write_text(changed, encoding="utf-8")
    (folder / "canh_cao.j2").write_text(
        shipped.read_text(encoding="utf-8").replace("Xử phạt vi phạm hành chính", "Cảnh cáo"),
        encoding="utf-8",
    )
    for api in live_signing(
        "embedded", tmp_path_factory.mktemp("own-templates"), decision_templates=str(folder)
    ):
        listed = api.client("official_tp").get("/api/decision-templates").json()["templates"]
        assert listed == ["canh_cao", "quyet_dinh_xu_phat"]
        document_id = make(api, sanction_case(api))
        text = text_of(content(api.client("official_tp"), document_id), tmp_path)
        assert "(mẫu của đơn vị)" in text


def replaced(api: Api, document_id: int) -> None:
    """An official uploads a new version of the decision (the core allows it)."""
    answer = api.client("official_tp").post(
        f"/api/documents/{document_id}/versions",
        files={"file": ("khac.pdf", decision_pdf(), "application/pdf")},
    )
    assert answer.status_code == 201, answer.text


def test_a_decision_changed_after_submission_is_not_signed_until_submitted_again(
    api: Api, pki: Pki
) -> None:
    document_id = make(api, sanction_case(api))
    official = api.client("official_tp")
    official.post(f"/api/decisions/{document_id}/submit", json={})
    replaced(api, document_id)
    refused = sign_request(api.client("leader_tp"), pki, [document_id])
    assert refused.json()["results"][0]["code"] == "decision_changed"
    assert official.get(f"/api/documents/{document_id}").json()["version"] == 2
    assert official.get(f"/api/decisions/{document_id}").json()["state"] == "submitted"


def test_a_decision_changed_after_signing_is_not_issued(api: Api, pki: Pki) -> None:
    document_id = make(api, sanction_case(api))
    api.client("official_tp").post(f"/api/decisions/{document_id}/submit", json={})
    assert sign_request(api.client("leader_tp"), pki, [document_id]).json()["signed"] == 1
    replaced(api, document_id)
    answer = issue(api, pki, document_id)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "decision_changed"
    assert api.client("clerk_tp").get(f"/api/decisions/{document_id}").json()["state"] == ("signed")
