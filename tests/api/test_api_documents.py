"""Adding PDFs to a dossier over HTTP: good files kept whole, bad files refused leaving nothing."""

from __future__ import annotations

import hashlib
import threading
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select
from support.live import Api
from support.pdfs import (
    bad_uploads,
    make_pdf,
    owner_password_pdf,
    with_javascript,
    with_signature_appended,
)

from archive.metadata.schema import document_versions, documents


def new_dossier(client: httpx.Client, title: str = "Vi phạm trật tự xây dựng") -> int:
    answer = client.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": title,
            "field": "xay_dung",
            "opened_on": "2024-05-26",
            "parties": [
                {"role": "violator", "name": "Nguyễn Văn Đức", "id_number": "035090001234"}
            ],
            "custom": {
                "violation": "Xây dựng công trình không có giấy phép",
                "fine_amount": 7500000,
            },
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def upload(client: httpx.Client, dossier_id: int, data: bytes, **fields: str) -> httpx.Response:
    form = {"kind": "bien_ban_vi_pham", "title": "Biên bản vi phạm hành chính", **fields}
    return client.post(
        f"/api/dossiers/{dossier_id}/documents",
        data=form,
        files={"file": ("bien-ban.pdf", data, "application/pdf")},
    )


def counts(api: Api) -> tuple[int, int, int]:
    with api.archive.db.read() as conn:
        docs = conn.execute(select(func.count()).select_from(documents)).scalar_one()
        versions = conn.execute(select(func.count()).select_from(document_versions)).scalar_one()
    return docs, versions, len(list(api.archive.store.iter_objects()))


def test_upload_keeps_bytes_checksum_and_pages(live: Api) -> None:
    pdf = make_pdf(pages=3)
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        answer = upload(client, dossier_id, pdf, number="12/BB-VPHC", issued_on="2024-05-26")
        assert answer.status_code == 201, answer.text
        doc = answer.json()
        assert doc["page_count"] == 3
        assert doc["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert doc["size"] == len(pdf)
        assert doc["number"] == "12/BB-VPHC"
        assert doc["issued_on"] == "2024-05-26"
        assert doc["versions"][0]["original_filename"] == "bien-ban.pdf"
        download = client.get(f"/api/documents/{doc['id']}/content")
        assert download.status_code == 200
        assert download.content == pdf  # byte for byte as received
        assert download.headers["x-archive-sha256"] == doc["sha256"]


def test_raw_pdf_body_upload(live: Api) -> None:
    pdf = make_pdf(pages=2)
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        answer = client.post(
            f"/api/dossiers/{dossier_id}/documents",
            params={
                "kind": "quyet_dinh_xu_phat",
                "title": "Quyết định xử phạt",
                "filename": "qd.pdf",
                "issued_on": "2024-06-03",
            },
            content=pdf,
            headers={"Content-Type": "application/pdf"},
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["kind"] == "quyet_dinh_xu_phat"
        assert answer.json()["page_count"] == 2


@pytest.mark.parametrize("code", list(bad_uploads()))
def test_bad_upload_is_refused_whole_and_leaves_nothing(live: Api, code: str) -> None:
    data = bad_uploads()[code]
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        before = counts(live)
        answer = upload(client, dossier_id, data)
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == code
        assert error["message"] and error["message_en"]
        assert error["message"] != error["message_en"]  # Vietnamese first, English beside it
    assert counts(live) == before
    assert list(live.archive.incoming_dir.glob("upload-*")) == []


def test_pdf_recognised_by_content_not_name(live: Api) -> None:
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        answer = client.post(
            f"/api/dossiers/{dossier_id}/documents",
            data={"kind": "khac", "title": "Ảnh chụp"},
            files={"file": ("scan.jpg", make_pdf(1), "image/jpeg")},
        )
        assert answer.status_code == 201, answer.text
        fake = client.post(
            f"/api/dossiers/{dossier_id}/documents",
            data={"kind": "khac", "title": "Giả PDF"},
            files={"file": ("quyet-dinh.pdf", b"<html>not a pdf</html>", "application/pdf")},
        )
        assert fake.status_code == 422
        assert fake.json()["error"]["code"] == "not_pdf"


def test_duplicate_file_in_same_dossier_is_refused(live: Api) -> None:
    pdf = make_pdf(1)
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        assert upload(client, dossier_id, pdf).status_code == 201
        again = upload(client, dossier_id, pdf)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "duplicate_document"


def test_folios_follow_document_order(live: Api) -> None:
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        ids = [
            upload(client, dossier_id, make_pdf(n), title=f"Tài liệu {n} trang").json()["id"]
            for n in (2, 3, 1)
        ]
        toc = client.get(f"/api/dossiers/{dossier_id}/contents").json()
        assert toc["total_folios"] == 6
        assert [(e["document_id"], e["folios"]) for e in toc["entries"]] == [
            (ids[0], "1–2"),
            (ids[1], "3–5"),
            (ids[2], "6"),
        ]
        reordered = client.put(
            f"/api/dossiers/{dossier_id}/documents/order",
            json={"document_ids": [ids[2], ids[0], ids[1]]},
        )
        assert reordered.status_code == 204, reordered.text
        toc = client.get(f"/api/dossiers/{dossier_id}/contents").json()
        assert [(e["document_id"], e["first_folio"], e["last_folio"]) for e in toc["entries"]] == [
            (ids[2], 1, 1),
            (ids[0], 2, 3),
            (ids[1], 4, 6),
        ]
        folio = client.get(f"/api/dossiers/{dossier_id}/folios/5").json()
        assert folio == {"folio": 5, "document_id": ids[1], "page": 2}
        missing = client.get(f"/api/dossiers/{dossier_id}/folios/7")
        assert missing.status_code == 422
        bad_order = client.put(
            f"/api/dossiers/{dossier_id}/documents/order",
            json={"document_ids": [ids[0], ids[0], ids[1]]},
        )
        assert bad_order.json()["error"]["code"] == "bad_document_order"


def test_new_version_keeps_the_old_one(live: Api) -> None:
    first, second = make_pdf(1), make_pdf(4)
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        doc = upload(client, dossier_id, first).json()
        answer = client.post(
            f"/api/documents/{doc['id']}/versions",
            files={"file": ("v2.pdf", second, "application/pdf")},
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["version"] == 2
        assert answer.json()["page_count"] == 4
        assert client.get(f"/api/documents/{doc['id']}/content").content == second
        assert (
            client.get(f"/api/documents/{doc['id']}/content", params={"version": 1}).content
            == first
        )
        toc = client.get(f"/api/dossiers/{dossier_id}/contents").json()
        assert toc["total_folios"] == 4


def test_upload_over_the_size_limit_is_refused(live: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live.archive.settings, "max_upload_bytes", 4096)
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        before = counts(live)
        answer = client.post(
            f"/api/dossiers/{dossier_id}/documents",
            params={"kind": "khac", "title": "Quá lớn"},
            content=make_pdf(1) + b"%" + b"x" * 300_000 + b"\n%%EOF\n",
            headers={"Content-Type": "application/pdf"},
        )
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "file_too_large"
    assert counts(live) == before


def test_document_metadata_can_be_corrected(live: Api) -> None:
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        doc = upload(client, dossier_id, make_pdf(1)).json()
        answer = client.patch(
            f"/api/documents/{doc['id']}",
            json={"title": "Biên bản vi phạm (bản chính)", "issued_on": str(date(2024, 5, 27))},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["title"] == "Biên bản vi phạm (bản chính)"
        assert answer.json()["sha256"] == doc["sha256"]
        wrong_kind = client.patch(f"/api/documents/{doc['id']}", json={"kind": "ban_an"})
        assert wrong_kind.json()["error"]["code"] == "unknown_document_kind"


def test_a_leader_stores_the_signed_version_and_the_original_stays(live: Api) -> None:
    """A leader signs a decision outside the archive and stores it: accepted only as the
    same file with a signature appended (an incremental update); it becomes the current
    version with its lineage, and the signed-from version stays byte for byte."""
    draft = make_pdf(2)
    with live.client("official_tp") as official:
        dossier_id = new_dossier(official)
        doc = upload(official, dossier_id, draft, title="Quyết định xử phạt (dự thảo)").json()
    signed = with_signature_appended(draft)
    forged = with_signature_appended(make_pdf(2))  # signed, but not this document
    files = {"file": ("qd-da-ky.pdf", signed, "application/pdf")}
    with live.client("official_tp") as official:
        refused = official.post(f"/api/documents/{doc['id']}/signatures", files=files)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "role_not_allowed"
    with live.client("leader_tp") as leader:
        wrong = leader.post(
            f"/api/documents/{doc['id']}/signatures",
            files={"file": ("khac.pdf", forged, "application/pdf")},
        )
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["error"]["code"] == "not_a_signed_version"
        unsigned = leader.post(
            f"/api/documents/{doc['id']}/signatures",
            files={"file": ("chua-ky.pdf", draft + b"\n", "application/pdf")},
        )
        assert unsigned.json()["error"]["code"] == "not_a_signed_version"
        answer = leader.post(f"/api/documents/{doc['id']}/signatures", files=files)
        assert answer.status_code == 201, answer.text
        stored = answer.json()
        assert stored["version"] == 2 and stored["signed"] is True
        latest = stored["versions"][-1]
        assert (latest["reason"], latest["derived_from"], latest["signature_count"]) == (
            "signature",
            1,
            1,
        )
        assert latest["uploaded_by"] == live.people["leader_tp"].id
        assert leader.get(f"/api/documents/{doc['id']}/content").content == signed
        original = leader.get(f"/api/documents/{doc['id']}/content", params={"version": 1})
        assert original.content == draft
    with live.client("admin") as admin:
        trail = admin.get(
            "/api/audit", params={"object_type": "document", "object_id": str(doc["id"])}
        ).json()
    signing = [e for e in trail if e["action"] == "document.sign"]
    assert len(signing) == 1 and signing[0]["actor"] == "leader_tp"


def test_each_read_writes_one_audit_entry_naming_what_was_read(live: Api) -> None:
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        doc = upload(client, dossier_id, make_pdf(2)).json()
    with live.client("clerk_tp") as clerk:
        reads = [
            ("record", f"/api/dossiers/{dossier_id}"),
            ("contents", f"/api/dossiers/{dossier_id}/contents"),
            ("documents", f"/api/dossiers/{dossier_id}/documents"),
            ("folio", f"/api/dossiers/{dossier_id}/folios/2"),
            ("events", f"/api/dossiers/{dossier_id}/events"),
        ]
        for _view, address in reads:
            assert clerk.get(address).status_code == 200, address
        assert clerk.get(f"/api/documents/{doc['id']}").status_code == 200
        assert clerk.get(f"/api/documents/{doc['id']}/content").status_code == 200
    with live.client("admin") as admin:
        dossier_trail = admin.get(
            "/api/audit", params={"object_type": "dossier", "object_id": str(dossier_id)}
        ).json()
        document_trail = admin.get(
            "/api/audit", params={"object_type": "document", "object_id": str(doc["id"])}
        ).json()
    by_clerk = [e for e in reversed(dossier_trail) if e["actor"] == "clerk_tp"]
    assert [(e["action"], e["detail"]["view"]) for e in by_clerk] == [
        ("dossier.read", view) for view, _ in reads
    ]
    assert by_clerk[3]["detail"]["folio"] == 2
    clerk_documents = [e["action"] for e in reversed(document_trail) if e["actor"] == "clerk_tp"]
    assert clerk_documents == ["document.read", "document.download"]


def test_concurrent_reorders_of_one_dossier_neither_deadlock_nor_fail(live: Api) -> None:
    """Two reorders of one dossier at once used to deadlock on PostgreSQL (one got 500 and
    lost its connection): now the second waits for the first under the dossier lock."""
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        ids = [upload(client, dossier_id, make_pdf(1), title=f"Tài liệu {n}").json()["id"]
               for n in range(6)]  # fmt: skip
    orders = [ids, list(reversed(ids))]
    statuses: list[int] = []

    def reorder(order: list[int], client: httpx.Client) -> None:
        for _ in range(5):
            statuses.append(
                client.put(
                    f"/api/dossiers/{dossier_id}/documents/order", json={"document_ids": order}
                ).status_code
            )

    for _trial in range(4):
        clients = [live.client("official_tp") for _ in orders]
        threads = [
            threading.Thread(target=reorder, args=(order, c))
            for order, c in zip(orders, clients, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for c in clients:
            c.close()
    assert statuses == [204] * 40
    with live.client("official_tp") as client:
        final = [d["id"] for d in client.get(f"/api/dossiers/{dossier_id}/documents").json()]
    assert final in orders


def test_active_content_is_kept_and_shown_or_refused_by_setting(
    live: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        kept = upload(client, dossier_id, with_javascript())
        assert kept.status_code == 201, kept.text
        assert set(kept.json()["active_content"]) == {"javascript", "open_action"}
        assert set(kept.json()["versions"][0]["active_content"]) == {"javascript", "open_action"}
        monkeypatch.setattr(live.archive.settings, "refuse_active_content", "javascript")
        refused = upload(client, dossier_id, with_javascript())
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "active_content"
        assert refused.json()["error"]["details"]["active_content"] == ["javascript"]
        plain = upload(client, dossier_id, make_pdf(1))
        assert plain.status_code == 201 and plain.json()["active_content"] == []


def test_a_file_with_only_an_owner_password_is_kept_as_received(live: Api) -> None:
    data = owner_password_pdf()
    with live.client("official_tp") as client:
        dossier_id = new_dossier(client)
        answer = upload(client, dossier_id, data)
        assert answer.status_code == 201, answer.text
        version = answer.json()["versions"][0]
        assert version["irregularities"]["encryption"]["owner_password_only"] is True
        assert "print" in version["irregularities"]["encryption"]["restricted"]
        assert client.get(f"/api/documents/{answer.json()['id']}/content").content == data


def test_two_signatures_of_one_version_do_not_fork_the_document(live: Api) -> None:
    """Two people sign version 1 at once (a double click, two clerks): the first signed
    file is kept; the second, which lacks the first's signature, is refused whole."""
    draft = make_pdf(1)
    with live.client("official_tp") as official:
        doc = upload(official, new_dossier(official), draft, title="Quyết định").json()
    first = with_signature_appended(draft)
    second = with_signature_appended(draft)
    with live.client("leader_tp") as leader:
        kept = leader.post(
            f"/api/documents/{doc['id']}/signatures",
            params={"from_version": 1},
            files={"file": ("a.pdf", first, "application/pdf")},
        )
        assert kept.status_code == 201, kept.text
        late = leader.post(
            f"/api/documents/{doc['id']}/signatures",
            params={"from_version": 1},
            files={"file": ("b.pdf", second, "application/pdf")},
        )
        assert late.status_code == 409, late.text
        assert late.json()["error"]["code"] == "version_moved"
        record = leader.get(f"/api/documents/{doc['id']}").json()
        assert record["version"] == 2 and len(record["versions"]) == 2
        assert leader.get(f"/api/documents/{doc['id']}/content").content == first
