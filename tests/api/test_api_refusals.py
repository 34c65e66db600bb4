"""A refused upload leaves nothing behind: no row, no object, no spool file — and, in the
server process itself, no memory and no handle to the deleted spool file.

Seen before: each refusal of a pathological PDF kept ~8.6 MB and an open handle to its
deleted spool file in the server (200 refusals: 88 MB → 1.8 GB; three 100 MB refusals
pinned 320 MB of disk until a restart). Here a real ``archive serve`` process is sent a
thousand pathological uploads in a row and then examined from outside, in ``/proc``.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support.archives import open_backend
from support.pdfs import deep_page_tree, encrypted_pdf, make_pdf, pageless_with_stream
from support.people import PASSWORD, seed_people
from support.processes import Served, deleted_handles
from support.services import new_dossier

REFUSALS = 1000
MIB = 1024 * 1024

pytestmark = pytest.mark.timeout(600)


def _upload(client: httpx.Client, dossier_id: int, data: bytes, name: str) -> httpx.Response:
    return client.post(
        f"/api/dossiers/{dossier_id}/documents",
        data={"kind": "khac", "title": "Tài liệu kiểm tra"},
        files={"file": (name, data, "application/pdf")},
    )


def _rss(served: Served) -> int:
    return int(served.process().memory_info().rss)


@pytest.mark.parametrize("kind", ["embedded", "scaled"])
def test_a_thousand_refusals_leave_no_memory_handle_or_file_behind(
    kind: str, tmp_path: Path
) -> None:
    with open_backend(kind, tmp_path) as backend:
        people = seed_people(backend.archive)
        dossier_id = new_dossier(backend.archive, people["official_tp"], "Hồ sơ nhận tệp hỏng")
        samples = [deep_page_tree(3000), pageless_with_stream(MIB), encrypted_pdf()]
        incoming = backend.settings.data_dir / "incoming"
        with Served(backend.settings, tmp_path, "--no-worker") as served:
            with httpx.Client(base_url=served.base_url, timeout=120) as client:
                token = client.post(
                    "/api/auth/login", json={"username": "official_tp", "password": PASSWORD}
                ).json()["access_token"]
                client.headers["Authorization"] = f"Bearer {token}"
                for index in range(60):  # warm up: the checkers start, caches fill
                    refused = _upload(client, dossier_id, samples[index % 3], "x.pdf")
                    assert refused.status_code == 422, refused.text
                accepted = _upload(client, dossier_id, make_pdf(2), "tot.pdf")
                assert accepted.status_code == 201, accepted.text
                before = _rss(served)
                codes = set()
                for index in range(REFUSALS):
                    refused = _upload(client, dossier_id, samples[index % 3], f"hong-{index}.pdf")
                    assert refused.status_code == 422, refused.text
                    codes.add(refused.json()["error"]["code"])
                after = _rss(served)
                # Three 50 MB refusals: their spool files must be gone from the disk, not
                # kept alive by a handle in the server.
                large = pageless_with_stream(50 * MIB)
                for index in range(3):
                    refused = _upload(client, dossier_id, large, f"lon-{index}.pdf")
                    assert refused.status_code == 422
                    assert refused.json()["error"]["code"] == "no_pages"
                still_fine = _upload(client, dossier_id, make_pdf(3), "sau.pdf")
                assert still_fine.status_code == 201, still_fine.text
            assert codes == {"unreadable_pdf", "no_pages", "encrypted_pdf"}
            growth = (after - before) / MIB
            assert growth < 50, f"the server grew by {growth:.1f} MiB over {REFUSALS} refusals"
            assert deleted_handles(served.pid) == []
            for child in served.process().children(recursive=True):
                assert deleted_handles(child.pid) == [], child.cmdline()
            # The PDF checking processes stay few (the setting's two), however many refusals.
            assert len(served.process().children(recursive=True)) <= 2
            assert list(incoming.glob("upload-*")) == []
        with backend.archive.db.read() as conn:
            stored = conn.exec_driver_sql("SELECT count(*) FROM document_versions").scalar_one()
        assert stored == 2  # only the two good files
        assert len(list(backend.archive.store.iter_objects())) == 2
