"""Who sees and changes which dossiers: units form a tree, roles set the verbs.

A unit sees its own dossiers and those of the units below it; sharing with another unit is
explicit and lends reading only. Someone who may not see a dossier is told "not found",
exactly as for a dossier that does not exist, so its existence is not revealed. Roles:
officials open and keep dossiers; leaders read and decide what is shared; clerks file
documents; auditors read what they were granted (a unit, a period) and change nothing;
administrators see everything.

The people: ``official_tp``, ``leader_tp``, ``clerk_tp`` in Phòng Tư pháp; ``official_qldt``
in Phòng Quản lý đô thị; ``leader_city`` and ``admin`` in UBND thành phố above both; the
``auditor`` granted Phòng Tư pháp for dossiers opened in 2024.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import httpx
import pytest
from support.live import Api
from support.pdfs import make_pdf

MISSING = 987_654_321  # an id no dossier or document has


def open_dossier(
    api: Api, username: str, title: str, opened_on: str = "2024-05-26", **extra: Any
) -> dict[str, Any]:
    with api.client(username) as client:
        answer = client.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": title,
                "field": "xay_dung",
                "opened_on": opened_on,
                "parties": [{"role": "violator", "name": "Nguyễn Văn Bình"}],
                "custom": {"violation": "Xây dựng không phép", "fine_amount": 15_000_000},
                **extra,
            },
        )
    assert answer.status_code == 201, answer.text
    return cast(dict[str, Any], answer.json())


def upload(client: httpx.Client, dossier_id: int, data: bytes | None = None) -> httpx.Response:
    return client.post(
        f"/api/dossiers/{dossier_id}/documents",
        data={"kind": "bien_ban_vi_pham", "title": "Biên bản vi phạm hành chính"},
        files={"file": ("bien-ban.pdf", data or make_pdf(2), "application/pdf")},
    )


def add_pdf(api: Api, username: str, dossier_id: int, data: bytes) -> dict[str, Any]:
    with api.client(username) as client:
        answer = upload(client, dossier_id, data)
    assert answer.status_code == 201, answer.text
    return cast(dict[str, Any], answer.json())


@dataclass
class Filed:
    """A dossier with one two-page PDF in it."""

    dossier: dict[str, Any]
    document: dict[str, Any]
    pdf: bytes

    @property
    def id(self) -> int:
        return int(self.dossier["id"])

    @property
    def doc_id(self) -> int:
        return int(self.document["id"])


def filed(api: Api, username: str, title: str, opened_on: str = "2024-05-26") -> Filed:
    dossier = open_dossier(api, username, title, opened_on)
    pdf = make_pdf(2)
    return Filed(dossier, add_pdf(api, username, dossier["id"], pdf), pdf)


def marker() -> str:
    return f"mốc-{secrets.token_hex(4)}"


def codes_listed(api: Api, username: str, **params: Any) -> tuple[set[str], int]:
    """The dossier codes a user's list shows for a search, and the total it reports."""
    with api.client(username) as client:
        answer = client.get("/api/dossiers", params={"limit": 200, **params})
    assert answer.status_code == 200, answer.text
    page = answer.json()
    return {d["code"] for d in page["items"]}, int(page["total"])


def everything_listed(api: Api, username: str) -> tuple[list[dict[str, Any]], int]:
    """A user's whole list, page by page, and the total every page reported."""
    items: list[dict[str, Any]] = []
    totals = set()
    with api.client(username) as client:
        while True:
            page = client.get("/api/dossiers", params={"limit": 40, "offset": len(items)}).json()
            totals.add(page["total"])
            items += page["items"]
            if not page["items"]:
                break
    assert len(totals) == 1, totals  # the count does not change while paging
    return items, totals.pop()


def _opening(dossier: dict[str, Any]) -> dict[str, Any]:
    """What an official sends to open a dossier like ``dossier``."""
    return {k: dossier[k] for k in ("case_type", "title", "field", "opened_on", "custom")}


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = cast(dict[str, Any], answer.json())
    assert body["error"]["code"] == code
    assert body["error"]["message"] != body["error"]["message_en"]
    return body


# -- Another unit's dossier is "not found", exactly like a missing one -----------------------

# (method, address, what is sent): {d} is a dossier id, {doc} a document id.
PROBES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/api/dossiers/{d}", {}),
    ("GET", "/api/dossiers/{d}/documents", {}),
    ("GET", "/api/dossiers/{d}/contents", {}),
    ("GET", "/api/dossiers/{d}/folios/1", {}),
    ("PATCH", "/api/dossiers/{d}", {"json": {"title": "Đổi tên trái phép"}}),
    ("POST", "/api/dossiers/{d}/shares", {"json": {"unit_code": "qldt"}}),
    ("DELETE", "/api/dossiers/{d}/shares/tu_phap", {}),
    (
        "POST",
        "/api/dossiers/{d}/documents",
        {
            "data": {"kind": "bien_ban_vi_pham", "title": "Chèn tài liệu"},
            "files": {"file": ("x.pdf", make_pdf(1), "application/pdf")},
        },
    ),
    ("PUT", "/api/dossiers/{d}/documents/order", {"json": {"document_ids": []}}),
    ("GET", "/api/documents/{doc}", {}),
    ("GET", "/api/documents/{doc}/content", {}),
    ("GET", "/api/documents/{doc}/content?version=1", {}),
    ("PATCH", "/api/documents/{doc}", {"json": {"title": "Sửa trái phép"}}),
    (
        "POST",
        "/api/documents/{doc}/versions",
        {"files": {"file": ("v2.pdf", make_pdf(1), "application/pdf")}},
    ),
]


@pytest.fixture(scope="module")
def private_case(live: Api) -> Filed:
    """A Tư pháp dossier nobody shares; the probes below only try (and fail) to touch it."""
    return filed(live, "official_tp", "Hồ sơ riêng của Phòng Tư pháp")


@pytest.mark.parametrize(
    ("method", "address", "sent"), PROBES, ids=[f"{m} {a}" for m, a, _ in PROBES]
)
def test_another_units_dossier_is_not_found_exactly_like_a_missing_one(
    live: Api, private_case: Filed, method: str, address: str, sent: dict[str, Any]
) -> None:
    """An official of Phòng Quản lý đô thị asking for anything of a Tư pháp dossier — the
    dossier, its documents, their bytes, its table of contents, a folio, or any change —
    is answered exactly as if it did not exist: 404 with the same words."""
    tp = private_case
    with live.client("official_qldt") as stranger:
        theirs = stranger.request(method, address.format(d=tp.id, doc=tp.doc_id), **sent)
        missing = stranger.request(method, address.format(d=MISSING, doc=MISSING), **sent)
    assert missing.status_code == 404, missing.text
    assert theirs.status_code == 404, theirs.text
    assert theirs.json() == missing.json()
    assert theirs.json()["error"]["code"] in {"dossier_not_found", "document_not_found"}
    with live.client("official_tp") as owner:
        kept = owner.get(f"/api/dossiers/{tp.id}").json()
        assert kept["title"] == "Hồ sơ riêng của Phòng Tư pháp"
        assert kept["shared_with"] == []
        docs = owner.get(f"/api/dossiers/{tp.id}/documents").json()
    assert [(d["id"], d["title"], d["version"]) for d in docs] == [
        (tp.doc_id, "Biên bản vi phạm hành chính", 1)
    ]


# -- Sharing lends reading, never changing ----------------------------------------------------


def test_sharing_lends_reading_not_changing(live: Api) -> None:
    """Phòng Tư pháp shares a dossier with Phòng Quản lý đô thị: its official can then find,
    read and download it, but every change stays with the owning unit (403
    not_owner_unit). Stopping the share takes the access away again."""
    mark = marker()
    tp = filed(live, "official_tp", f"Hồ sơ phối hợp {mark}")
    qldt = live.people.unit_ids["qldt"]
    assert codes_listed(live, "official_qldt", q=mark) == (set(), 0)

    with live.client("official_tp") as owner:
        shared = owner.post(f"/api/dossiers/{tp.id}/shares", json={"unit_code": "qldt"})
    assert shared.status_code == 200, shared.text
    assert shared.json()["shared_with"] == [qldt]

    with live.client("official_qldt") as reader:
        assert reader.get(f"/api/dossiers/{tp.id}").json()["code"] == tp.dossier["code"]
        assert codes_listed(live, "official_qldt", q=mark) == ({tp.dossier["code"]}, 1)
        assert [d["id"] for d in reader.get(f"/api/dossiers/{tp.id}/documents").json()] == [
            tp.doc_id
        ]
        assert reader.get(f"/api/dossiers/{tp.id}/contents").json()["total_folios"] == 2
        assert reader.get(f"/api/dossiers/{tp.id}/folios/2").json()["document_id"] == tp.doc_id
        download = reader.get(f"/api/documents/{tp.doc_id}/content")
        assert download.status_code == 200
        assert download.content == tp.pdf

        refused(
            reader.patch(f"/api/dossiers/{tp.id}", json={"title": "Đổi tên"}), 403, "not_owner_unit"
        )
        refused(
            reader.post(
                f"/api/dossiers/{tp.id}/events",
                json={"to_stage": "lap_bien_ban", "effective_on": "2024-06-02"},
            ),
            403,
            "not_owner_unit",
        )
        refused(upload(reader, tp.id), 403, "not_owner_unit")
        refused(
            reader.put(
                f"/api/dossiers/{tp.id}/documents/order", json={"document_ids": [tp.doc_id]}
            ),
            403,
            "not_owner_unit",
        )
        refused(
            reader.patch(f"/api/documents/{tp.doc_id}", json={"title": "Sửa"}),
            403,
            "not_owner_unit",
        )
        refused(
            reader.post(
                f"/api/documents/{tp.doc_id}/versions",
                files={"file": ("v2.pdf", make_pdf(1), "application/pdf")},
            ),
            403,
            "not_owner_unit",
        )
        # A borrower cannot pass the dossier on, nor decide the share itself.
        refused(
            reader.post(f"/api/dossiers/{tp.id}/shares", json={"unit_code": "ubnd"}),
            403,
            "not_owner_unit",
        )
        refused(reader.delete(f"/api/dossiers/{tp.id}/shares/qldt"), 403, "not_owner_unit")

    with live.client("official_tp") as owner:
        after = owner.get(f"/api/dossiers/{tp.id}").json()
        assert after["title"] == f"Hồ sơ phối hợp {mark}"
        assert after["stage"] == "phat_hien"
        assert after["shared_with"] == [qldt]
        assert len(owner.get(f"/api/dossiers/{tp.id}/documents").json()) == 1
        unshared = owner.delete(f"/api/dossiers/{tp.id}/shares/qldt")
    assert unshared.status_code == 200, unshared.text
    assert unshared.json()["shared_with"] == []

    with live.client("official_qldt") as reader:
        gone = reader.get(f"/api/dossiers/{tp.id}")
        missing = reader.get(f"/api/dossiers/{MISSING}")
        assert gone.status_code == 404
        assert gone.json() == missing.json()
        assert reader.get(f"/api/documents/{tp.doc_id}/content").status_code == 404
    assert codes_listed(live, "official_qldt", q=mark) == (set(), 0)


def test_sharing_twice_or_with_an_unknown_unit(live: Api) -> None:
    """Sharing again with the same unit changes nothing; an unknown unit is named as such."""
    tp = open_dossier(live, "official_tp", "Chia sẻ hai lần")
    with live.client("official_tp") as owner:
        first = owner.post(f"/api/dossiers/{tp['id']}/shares", json={"unit_code": "qldt"})
        again = owner.post(f"/api/dossiers/{tp['id']}/shares", json={"unit_code": "qldt"})
        assert (
            first.json()["shared_with"]
            == again.json()["shared_with"]
            == [live.people.unit_ids["qldt"]]
        )
        refused(
            owner.post(f"/api/dossiers/{tp['id']}/shares", json={"unit_code": "khong_co"}),
            404,
            "unit_not_found",
        )


# -- Lists never show or count what a user may not open ---------------------------------------


def _may_read(api: Api, username: str, dossier: dict[str, Any]) -> bool:
    """The rule of domain.md, written out independently of the archive's code."""
    ids = api.people.unit_ids
    person = api.people[username]
    if person.role.value == "admin":
        return True
    if person.role.value == "auditor":
        opened = date.fromisoformat(dossier["opened_on"])
        return dossier["unit_id"] == ids["tu_phap"] and date(2024, 1, 1) <= opened <= date(
            2024, 12, 31
        )
    units = {person.unit_id}
    if person.unit_id == ids["ubnd"]:
        units |= {ids["tu_phap"], ids["qldt"]}
    return dossier["unit_id"] in units or bool(units & set(dossier["shared_with"]))


def test_lists_never_show_or_count_what_a_user_may_not_see(live: Api) -> None:
    """Each person's list holds — and its total counts — exactly the dossiers they may
    open: their unit's and those below it, those shared with them, an auditor's granted
    unit and period. Nothing else appears, not even in the count."""
    mark = marker()
    tp_2024 = open_dossier(live, "official_tp", f"Tư pháp 2024 {mark}", "2024-02-02")
    tp_2023 = open_dossier(live, "official_tp", f"Tư pháp 2023 {mark}", "2023-02-02")
    qldt_2024 = open_dossier(live, "official_qldt", f"Đô thị 2024 {mark}", "2024-03-03")
    lent = open_dossier(live, "official_qldt", f"Đô thị cho mượn {mark}", "2024-04-04")
    with live.client("official_qldt") as owner:
        assert (
            owner.post(
                f"/api/dossiers/{lent['id']}/shares", json={"unit_code": "tu_phap"}
            ).status_code
            == 200
        )
    code = {
        name: d["code"]
        for name, d in {
            "tp_2024": tp_2024,
            "tp_2023": tp_2023,
            "qldt_2024": qldt_2024,
            "lent": lent,
        }.items()
    }
    expected = {
        "admin": {"tp_2024", "tp_2023", "qldt_2024", "lent"},
        "leader_city": {"tp_2024", "tp_2023", "qldt_2024", "lent"},
        "official_tp": {"tp_2024", "tp_2023", "lent"},
        "leader_tp": {"tp_2024", "tp_2023", "lent"},
        "clerk_tp": {"tp_2024", "tp_2023", "lent"},
        "official_qldt": {"qldt_2024", "lent"},
        "auditor": {"tp_2024"},
    }
    for username, names in expected.items():
        assert codes_listed(live, username, q=mark) == ({code[n] for n in names}, len(names)), (
            username
        )

    everything, total = everything_listed(live, "admin")
    assert total == len(everything) == len({d["id"] for d in everything})
    for username in expected:
        items, seen = everything_listed(live, username)
        allowed = [d for d in everything if _may_read(live, username, d)]
        assert seen == len(items) == len(allowed), username
        assert {d["id"] for d in items} == {d["id"] for d in allowed}, username


def test_filtering_by_another_unit_shows_only_what_is_shared(live: Api) -> None:
    """Asking for another unit's dossiers by its id shows only those shared with you."""
    mark = marker()
    hidden = open_dossier(live, "official_qldt", f"Không chia sẻ {mark}")
    lent = open_dossier(live, "official_qldt", f"Có chia sẻ {mark}")
    with live.client("official_qldt") as owner:
        owner.post(f"/api/dossiers/{lent['id']}/shares", json={"unit_code": "tu_phap"})
    qldt = live.people.unit_ids["qldt"]
    assert codes_listed(live, "official_tp", unit_id=qldt, q=mark) == ({lent["code"]}, 1)
    assert codes_listed(live, "leader_city", unit_id=qldt, q=mark) == (
        {lent["code"], hidden["code"]},
        2,
    )


# -- Roles ----------------------------------------------------------------------------------


def test_the_city_leader_sees_every_department_below(live: Api) -> None:
    """The leader of UBND thành phố reads the dossiers of every department under it and may
    share them, but as a leader neither opens nor edits dossiers."""
    tp = filed(live, "official_tp", "Hồ sơ Tư pháp cho lãnh đạo thành phố")
    qldt = filed(live, "official_qldt", "Hồ sơ Đô thị cho lãnh đạo thành phố")
    with live.client("leader_city") as leader:
        for case in (tp, qldt):
            assert leader.get(f"/api/dossiers/{case.id}").status_code == 200
            assert leader.get(f"/api/documents/{case.doc_id}/content").content == case.pdf
            assert leader.get(f"/api/dossiers/{case.id}/contents").json()["total_folios"] == 2
        shared = leader.post(f"/api/dossiers/{tp.id}/shares", json={"unit_code": "qldt"})
        assert shared.status_code == 200, shared.text
        error = refused(
            leader.patch(f"/api/dossiers/{tp.id}", json={"title": "Sửa"}), 403, "role_not_allowed"
        )["error"]
        assert error["details"]["action"] == "edit_dossier"
        refused(leader.post("/api/dossiers", json=_opening(tp.dossier)), 403, "role_not_allowed")
        refused(upload(leader, tp.id), 403, "role_not_allowed")
    with live.client("official_qldt") as reader:
        assert reader.get(f"/api/dossiers/{tp.id}").status_code == 200


def test_a_department_leader_reads_and_shares_but_does_not_open_dossiers(live: Api) -> None:
    """The head of Phòng Tư pháp reads the unit's dossiers and decides what is shared; only
    officials open or edit them, and another department's dossiers stay out of sight."""
    tp = filed(live, "official_tp", "Hồ sơ trình Trưởng phòng")
    qldt = open_dossier(live, "official_qldt", "Hồ sơ của phòng khác")
    with live.client("leader_tp") as leader:
        assert leader.get(f"/api/dossiers/{tp.id}").json()["title"] == "Hồ sơ trình Trưởng phòng"
        assert leader.get(f"/api/documents/{tp.doc_id}/content").content == tp.pdf
        error = refused(
            leader.post(
                "/api/dossiers",
                json={
                    "case_type": "xlvphc",
                    "title": "Lãnh đạo tự mở hồ sơ",
                    "field": "xay_dung",
                    "opened_on": "2024-06-01",
                    "custom": {"violation": "Lấn chiếm"},
                },
            ),
            403,
            "role_not_allowed",
        )["error"]
        assert error["details"]["action"] == "create_dossier"
        assert "Lãnh đạo" in error["message"]
        refused(
            leader.post(
                f"/api/dossiers/{tp.id}/events",
                json={"to_stage": "lap_bien_ban", "effective_on": "2024-06-02"},
            ),
            403,
            "role_not_allowed",
        )
        refused(upload(leader, tp.id), 403, "role_not_allowed")
        shared = leader.post(f"/api/dossiers/{tp.id}/shares", json={"unit_code": "qldt"})
        assert shared.status_code == 200, shared.text
        assert leader.get(f"/api/dossiers/{qldt['id']}").status_code == 404
    with live.client("official_qldt") as reader:
        assert reader.get(f"/api/documents/{tp.doc_id}/content").content == tp.pdf
    with live.client("leader_tp") as leader:
        assert leader.delete(f"/api/dossiers/{tp.id}/shares/qldt").status_code == 200
    with live.client("official_qldt") as reader:
        assert reader.get(f"/api/dossiers/{tp.id}").status_code == 404


def test_a_clerk_files_documents_but_does_not_open_or_edit_dossiers(live: Api) -> None:
    """The văn thư of Phòng Tư pháp files papers into the unit's dossiers (and puts them in
    order), but does not open, edit or share dossiers; other units' stay out of sight."""
    tp = filed(live, "official_tp", "Hồ sơ văn thư bổ sung")
    qldt = open_dossier(live, "official_qldt", "Hồ sơ Đô thị, văn thư không thấy")
    with live.client("clerk_tp") as clerk:
        added = upload(clerk, tp.id)
        assert added.status_code == 201, added.text
        reordered = clerk.put(
            f"/api/dossiers/{tp.id}/documents/order",
            json={"document_ids": [added.json()["id"], tp.doc_id]},
        )
        assert reordered.status_code == 204, reordered.text
        assert clerk.get(f"/api/documents/{tp.doc_id}/content").content == tp.pdf
        refused(clerk.post("/api/dossiers", json=_opening(tp.dossier)), 403, "role_not_allowed")
        refused(
            clerk.patch(f"/api/dossiers/{tp.id}", json={"title": "Sửa"}), 403, "role_not_allowed"
        )
        refused(
            clerk.post(f"/api/dossiers/{tp.id}/shares", json={"unit_code": "qldt"}),
            403,
            "role_not_allowed",
        )
        other = upload(clerk, qldt["id"])
        missing = upload(clerk, MISSING)
        assert other.status_code == missing.status_code == 404
        assert other.json() == missing.json()
    with live.client("official_tp") as owner:
        toc = owner.get(f"/api/dossiers/{tp.id}/contents").json()
    assert [e["document_id"] for e in toc["entries"]] == [added.json()["id"], tp.doc_id]


def test_an_official_opens_dossiers_for_their_own_unit_only(live: Api) -> None:
    """An official opens dossiers in their own unit; not in a sister unit, nor in the
    city committee above."""
    for unit in ("qldt", "ubnd"):
        with live.client("official_tp") as official:
            answer = official.post(
                "/api/dossiers",
                json={
                    "case_type": "xlvphc",
                    "title": "Mở hộ đơn vị khác",
                    "field": "xay_dung",
                    "opened_on": "2024-06-01",
                    "unit_code": unit,
                    "custom": {"violation": "Lấn chiếm vỉa hè"},
                },
            )
        refused(answer, 403, "unit_not_allowed")
    mine = open_dossier(live, "official_tp", "Mở cho chính đơn vị", unit_code="tu_phap")
    assert mine["unit_id"] == live.people.unit_ids["tu_phap"]


# -- The auditor ----------------------------------------------------------------------------


def test_the_auditor_sees_the_granted_unit_and_period_only(live: Api) -> None:
    """The inspector granted Phòng Tư pháp for 2024 reads and downloads its dossiers opened
    from 1 January to 31 December 2024 — and sees nothing else: not the dossier opened the
    day before, not the day after, not another department's, not even in a list."""
    mark = marker()
    inside = [
        filed(live, "official_tp", f"Trong kỳ {day} {mark}", day)
        for day in ("2024-01-01", "2024-07-15", "2024-12-31")
    ]
    outside = [
        filed(live, "official_tp", f"Ngoài kỳ {day} {mark}", day)
        for day in ("2023-12-31", "2025-01-01")
    ]
    outside.append(filed(live, "official_qldt", f"Phòng khác {mark}", "2024-07-15"))
    with live.client("auditor") as auditor:
        for case in inside:
            assert auditor.get(f"/api/dossiers/{case.id}").status_code == 200
            assert auditor.get(f"/api/dossiers/{case.id}/contents").json()["total_folios"] == 2
            download = auditor.get(f"/api/documents/{case.doc_id}/content")
            assert download.status_code == 200
            assert download.content == case.pdf
        for case in outside:
            for address, missing in (
                (f"/api/dossiers/{case.id}", f"/api/dossiers/{MISSING}"),
                (f"/api/dossiers/{case.id}/documents", f"/api/dossiers/{MISSING}/documents"),
                (f"/api/documents/{case.doc_id}", f"/api/documents/{MISSING}"),
                (f"/api/documents/{case.doc_id}/content", f"/api/documents/{MISSING}/content"),
            ):
                answer = auditor.get(address)
                assert answer.status_code == 404, address
                assert answer.json() == auditor.get(missing).json()
    assert codes_listed(live, "auditor", q=mark) == (
        {c.dossier["code"] for c in inside},
        len(inside),
    )


def _auditor_writes(api: Api, case: Filed) -> list[tuple[str, str, dict[str, Any]]]:
    """Every kind of change, aimed at a dossier the auditor may read."""
    pdf = {"files": {"file": ("x.pdf", make_pdf(1), "application/pdf")}}
    return [
        (
            "POST",
            "/api/dossiers",
            {
                "json": {
                    "case_type": "xlvphc",
                    "title": "Thanh tra mở hồ sơ",
                    "field": "xay_dung",
                    "opened_on": "2024-06-01",
                    "custom": {"violation": "Không phép"},
                }
            },
        ),
        ("PATCH", f"/api/dossiers/{case.id}", {"json": {"title": "Thanh tra sửa"}}),
        (
            "POST",
            f"/api/dossiers/{case.id}/events",
            {"json": {"to_stage": "lap_bien_ban", "effective_on": "2024-08-09"}},
        ),
        ("POST", f"/api/documents/{case.doc_id}/signatures", pdf),
        (
            "POST",
            f"/api/dossiers/{case.id}/documents",
            {"data": {"kind": "bien_ban_vi_pham", "title": "Thêm"}, **pdf},
        ),
        ("POST", f"/api/dossiers/{case.id}/shares", {"json": {"unit_code": "qldt"}}),
        ("DELETE", f"/api/dossiers/{case.id}/shares/qldt", {}),
        (
            "PUT",
            f"/api/dossiers/{case.id}/documents/order",
            {"json": {"document_ids": [case.doc_id]}},
        ),
        ("PATCH", f"/api/documents/{case.doc_id}", {"json": {"title": "Thanh tra sửa"}}),
        ("POST", f"/api/documents/{case.doc_id}/versions", pdf),
        ("POST", "/api/units", {"json": {"code": "thanh_tra_tu_lap", "name": "Tự lập"}}),
        ("GET", "/api/users", {}),
        (
            "POST",
            "/api/users",
            {
                "json": {
                    "username": "thanh-tra-2",
                    "full_name": "Người lạ",
                    "password": "mat-khau-dai-du",
                    "role": "admin",
                    "unit_code": "ubnd",
                }
            },
        ),
        # Widening one's own inspection scope, or locking the official out.
        (
            "POST",
            f"/api/users/{api.people['auditor'].id}/grants",
            {"json": {"unit_code": "qldt", "period_from": "2000-01-01", "period_to": "2099-12-31"}},
        ),
        ("POST", f"/api/users/{api.people['official_tp'].id}/deactivate", {}),
    ]


def test_the_auditor_changes_nothing(live: Api) -> None:
    """An inspection is read-only by law: every write the auditor tries — opening, editing,
    filing, sharing, reordering, new versions, administration, even widening their own
    grant — is refused with 403 role_not_allowed, and the dossier stays as it was."""
    case = filed(live, "official_tp", "Hồ sơ đang thanh tra", "2024-08-08")
    with live.client("auditor") as auditor:
        for method, address, sent in _auditor_writes(live, case):
            answer = auditor.request(method, address, **sent)
            assert answer.status_code == 403, (method, address, answer.text)
            assert answer.json()["error"]["code"] == "role_not_allowed", (method, address)
            assert "Thanh tra" in answer.json()["error"]["message"]
        me = auditor.get("/api/auth/me").json()
    assert me["grants"] == [
        {
            "unit_id": live.people.unit_ids["tu_phap"],
            "period_from": "2024-01-01",
            "period_to": "2024-12-31",
        }
    ]
    with live.client("official_tp") as owner:
        now = owner.get(f"/api/dossiers/{case.id}").json()
        docs = owner.get(f"/api/dossiers/{case.id}/documents").json()
    assert (now["title"], now["stage"], now["shared_with"]) == (
        "Hồ sơ đang thanh tra",
        "phat_hien",
        [],
    )
    assert [(d["id"], d["title"], d["version"]) for d in docs] == [
        (case.doc_id, "Biên bản vi phạm hành chính", 1)
    ]
    with live.client("admin") as admin:
        accounts = {u["username"]: u for u in admin.get("/api/users").json()}
        assert "thanh-tra-2" not in accounts
        assert accounts["official_tp"]["active"] is True
        assert "thanh_tra_tu_lap" not in {u["code"] for u in admin.get("/api/units").json()}
        trail = admin.get("/api/audit", params={"limit": 1000}).json()
    writes_logged = [
        e
        for e in trail
        if e["actor"] == "auditor"
        and not e["action"].endswith((".read", ".download"))
        and e["action"] not in {"login", "login.failed"}
    ]
    assert writes_logged == []


def test_the_auditor_reads_the_trail_of_granted_units_only(live: Api) -> None:
    """The inspector reads the audit trail of the unit under inspection (and can verify the
    chain), never another unit's entries. Officials, leaders and clerks do not read it."""
    tp = open_dossier(live, "official_tp", "Nhật ký Tư pháp")
    qldt = open_dossier(live, "official_qldt", "Nhật ký Đô thị")
    tu_phap = live.people.unit_ids["tu_phap"]
    with live.client("auditor") as auditor:
        seen = auditor.get("/api/audit", params={"limit": 1000})
        assert seen.status_code == 200, seen.text
        verify = auditor.get("/api/audit/verify")
    entries = seen.json()
    assert entries and {e["unit_id"] for e in entries} == {tu_phap}
    created = {e["object_id"] for e in entries if e["action"] == "dossier.create"}
    assert str(tp["id"]) in created
    assert str(qldt["id"]) not in created
    assert verify.status_code == 200 and verify.json()["intact"] is True
    with live.client("admin") as admin:
        everything = admin.get("/api/audit", params={"limit": 1000}).json()
    assert str(qldt["id"]) in {
        e["object_id"] for e in everything if e["action"] == "dossier.create"
    }
    for username in ("official_tp", "official_qldt", "leader_tp", "leader_city", "clerk_tp"):
        with live.client(username) as client:
            refused(client.get("/api/audit"), 403, "role_not_allowed")
            refused(client.get("/api/audit/verify"), 403, "role_not_allowed")


def test_the_auditors_trail_does_not_reveal_dossiers_outside_the_period(live: Api) -> None:
    """A dossier opened outside the inspected period is 'not found' for the auditor; the
    audit trail must not reveal it either (its id, its code)."""
    hidden = open_dossier(live, "official_tp", "Hồ sơ năm 2022", "2022-03-03")
    with live.client("auditor") as auditor:
        assert auditor.get(f"/api/dossiers/{hidden['id']}").status_code == 404
        entries = auditor.get("/api/audit", params={"limit": 1000}).json()
    about_it = [
        e for e in entries if e["object_type"] == "dossier" and e["object_id"] == str(hidden["id"])
    ]
    assert about_it == []
    assert hidden["code"] not in str(entries)


# -- The administrator --------------------------------------------------------------------


def test_the_administrator_sees_and_changes_everything(live: Api) -> None:
    """The administrator reads every unit's dossiers, downloads their documents and may
    correct them, and may open a dossier on behalf of any unit."""
    tp = filed(live, "official_tp", "Hồ sơ quản trị xem")
    qldt = filed(live, "official_qldt", "Hồ sơ quản trị sửa")
    with live.client("admin") as admin:
        for case in (tp, qldt):
            assert admin.get(f"/api/dossiers/{case.id}").status_code == 200
            assert admin.get(f"/api/documents/{case.doc_id}/content").content == case.pdf
        fixed = admin.patch(f"/api/dossiers/{qldt.id}", json={"title": "Đã sửa bởi quản trị"})
        assert fixed.status_code == 200, fixed.text
        assert fixed.json()["title"] == "Đã sửa bởi quản trị"
        opened = admin.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": "Mở hộ Phòng Tư pháp",
                "field": "dat_dai",
                "opened_on": "2024-06-01",
                "unit_code": "tu_phap",
                "custom": {"violation": "Lấn chiếm đất công"},
            },
        )
        assert opened.status_code == 201, opened.text
        assert opened.json()["unit_id"] == live.people.unit_ids["tu_phap"]
    with live.client("official_tp") as owner:
        assert owner.get(f"/api/dossiers/{opened.json()['id']}").status_code == 200


HUGE = 10**20  # larger than any database integer


def test_an_id_that_cannot_exist_is_simply_not_found(live: Api) -> None:
    """A mistyped, absurdly large id is answered like any other missing one — not with a
    server error."""
    with live.client("official_tp") as client:
        missing = client.get(f"/api/dossiers/{MISSING}")
        for address in (f"/api/dossiers/{HUGE}", f"/api/dossiers/{HUGE}/contents"):
            answer = client.get(address)
            assert answer.status_code == 404, (address, answer.text)
            assert answer.json() == missing.json()
        document = client.get(f"/api/documents/{HUGE}/content")
        assert document.status_code == 404, document.text
        page = client.get("/api/dossiers", params={"unit_id": HUGE})
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 0
