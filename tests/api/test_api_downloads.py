"""Downloads over HTTP hand out only verified bytes, whole or in ranges, with headers a
browser cannot misread; names and titles cannot hide what a file is."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from support.live import Api
from support.pdfs import make_pdf
from support.tamper import flipped, tamper

MIB = 1024 * 1024


def _dossier(client: httpx.Client) -> int:
    answer = client.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": "Hồ sơ tải xuống",
            "field": "xay_dung",
            "opened_on": "2024-05-26",
            "custom": {"violation": "Xây dựng không phép"},
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _upload(client: httpx.Client, data: bytes, name: str = "bien-ban.pdf", **fields: str) -> Any:
    dossier_id = _dossier(client)
    answer = client.post(
        f"/api/dossiers/{dossier_id}/documents",
        data={"kind": "bien_ban_vi_pham", "title": "Biên bản", **fields},
        files={"file": (name, data, "application/pdf")},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def big_pdf(mebibytes: int = 10) -> bytes:
    """A real PDF followed by padding: several 4 MiB verification chunks."""
    return make_pdf(1) + b"%" + bytes(range(256)) * (mebibytes * 4096) + b"\n%%EOF\n"


def test_a_download_says_what_it_is_and_saves_as_a_file(live: Api) -> None:
    data = make_pdf(2)
    with live.client("official_tp") as client:
        doc = _upload(client, data)
        answer = client.get(f"/api/documents/{doc['id']}/content")
        inline = client.get(f"/api/documents/{doc['id']}/content", params={"inline": "true"})
    assert answer.status_code == 200 and answer.content == data
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["content-length"] == str(len(data))
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert inline.headers["content-disposition"].startswith("inline;")
    assert "sandbox" in inline.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in inline.headers["content-security-policy"]


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-199", 100, 200),
        ("bytes=4194300-4194310", 4194300, 4194311),  # across two verification chunks
        ("bytes=-50", None, None),  # the last 50 bytes
        ("bytes=9000000-", 9000000, None),
    ],
)
def test_ranges_are_served_from_verified_chunks(
    live: Api, header: str, start: int | None, end: int | None
) -> None:
    data = big_pdf()
    with live.client("official_tp") as client:
        doc = _upload(client, data)
        answer = client.get(f"/api/documents/{doc['id']}/content", headers={"Range": header})
    expected = data[-50:] if start is None else data[start:end]
    first = len(data) - 50 if start is None else start
    assert answer.status_code == 206, answer.text
    assert answer.content == expected
    assert (
        answer.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    )
    assert answer.headers["content-length"] == str(len(expected))


def test_a_range_outside_the_file_is_refused(live: Api) -> None:
    data = make_pdf(1)
    with live.client("official_tp") as client:
        doc = _upload(client, data)
        answer = client.get(
            f"/api/documents/{doc['id']}/content", headers={"Range": f"bytes={len(data)}-"}
        )
        several = client.get(
            f"/api/documents/{doc['id']}/content", headers={"Range": "bytes=0-1,5-9"}
        )
    assert answer.status_code == 416
    assert answer.json()["error"]["code"] == "range_not_satisfiable"
    assert answer.headers["content-range"] == f"bytes */{len(data)}"
    assert several.status_code == 200 and several.content == data  # the whole file instead
    # Only what was handed out is on record as a download: the 416 sent no byte.
    with live.client("admin") as admin:
        entries = admin.get(
            "/api/audit", params={"object_type": "document", "object_id": str(doc["id"])}
        ).json()
    assert [e["action"] for e in entries].count("document.download") == 1


def _integrity_failures(live: Api, document_id: int) -> list[dict[str, Any]]:
    with live.client("admin") as admin:
        entries = admin.get(
            "/api/audit", params={"object_type": "document", "object_id": str(document_id)}
        ).json()
    return [e for e in entries if e["action"] == "integrity.failure"]


def test_a_damaged_first_chunk_is_an_error_before_any_byte(live: Api) -> None:
    data = make_pdf(2)
    with live.client("official_tp") as client:
        doc = _upload(client, data)
        tamper(live.backend, doc["versions"][0]["storage_key"], flipped(data))
        answer = client.get(f"/api/documents/{doc['id']}/content")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "checksum_mismatch"
    assert data[:100] not in answer.content
    (failure,) = _integrity_failures(live, doc["id"])
    assert failure["detail"]["chunk"] == 0


def test_a_damaged_later_chunk_ends_the_transfer_without_it(live: Api) -> None:
    """The verified chunks before the damage are sent; the transfer then ends short of its
    Content-Length, so the receiver knows it is incomplete; the bad chunk never leaves."""
    data = big_pdf(10)
    with live.client("official_tp") as client:
        doc = _upload(client, data)
        damaged_at = 9 * MIB
        tamper(live.backend, doc["versions"][0]["storage_key"], flipped(data, damaged_at))
        received = bytearray()
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream("GET", f"/api/documents/{doc['id']}/content") as answer,
        ):
            assert answer.status_code == 200
            assert answer.headers["content-length"] == str(len(data))
            for piece in answer.iter_bytes():
                received += piece
    assert bytes(received) == data[: 8 * MIB]
    (failure,) = _integrity_failures(live, doc["id"])
    assert failure["detail"]["chunk"] == 2
    with live.client("official_tp") as client:  # the server serves on
        assert client.get("/api/auth/me").status_code == 200


def test_a_file_name_cannot_hide_what_the_file_is(live: Api) -> None:
    """Bidi controls reorder what is shown ('quyết định \u202efdp.exe' looks like
    '…exe.pdf'): they are removed from stored names; a long name keeps its .pdf."""
    with live.client("official_tp") as client:
        tricky = _upload(client, make_pdf(1), "quyết định \u202efdp.exe")
        long_name = "Biên bản " + "rất dài " * 60 + ".pdf"
        cut = _upload(client, make_pdf(1), long_name)
        shown = client.get(f"/api/documents/{tricky['id']}/content")
    stored = tricky["versions"][0]["original_filename"]
    assert stored == "quyết định fdp.exe"
    assert "\u202e" not in shown.headers["content-disposition"]
    assert "%E2%80%AE" not in shown.headers["content-disposition"]
    kept = cut["versions"][0]["original_filename"]
    assert len(kept) == 255 and kept.endswith(".pdf")


@pytest.mark.parametrize("control", ["\u202e", "\u2066", "\u200f", "\u0007", "\u0085"])
def test_titles_with_hidden_controls_are_refused(live: Api, control: str) -> None:
    with live.client("official_tp") as client:
        dossier_id = _dossier(client)
        answer = client.post(
            f"/api/dossiers/{dossier_id}/documents",
            data={"kind": "khac", "title": f"Quyết định {control}xử phạt"},
            files={"file": ("qd.pdf", make_pdf(1), "application/pdf")},
        )
        renamed = client.patch(f"/api/dossiers/{dossier_id}", json={"title": f"A{control}B"})
    for refused in (answer, renamed):
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "control_character"
