"""A dossier's deadlines over HTTP, on both backends: from stages, documents and entered
events, asked as of days around Tết 2026; extensions within the law's bound, overrides,
pauses; refusals that change nothing and are never a server error."""

from __future__ import annotations

from typing import Any

import httpx
from support.live import Api
from support.pdfs import make_pdf


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"] != body["error"]["message_en"]
    return body


def sanction_case(live: Api, title: str, field: str = "giao_thong") -> int:
    """An XLVPHC case detected Friday 6/2/2026, its record made Monday 9/2 (before Tết)."""
    with live.client("official_tp") as official:
        made = official.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": title,
                "field": field,
                "opened_on": "2026-02-06",
                "parties": [{"role": "violator", "name": "Trần Văn An"}],
                "custom": {"violation": "Đỗ xe trái phép"},
            },
        )
        assert made.status_code == 201, made.text
        dossier_id: int = made.json()["id"]
        moved = official.post(
            f"/api/dossiers/{dossier_id}/events",
            json={"to_stage": "lap_bien_ban", "effective_on": "2026-02-09"},
        )
        assert moved.status_code == 201, moved.text
    return dossier_id


def deadlines(client: httpx.Client, dossier_id: int, as_of: str) -> dict[str, dict[str, Any]]:
    answer = client.get(f"/api/dossiers/{dossier_id}/deadlines", params={"as_of": as_of})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_of"] == as_of
    return {d["step"]: d for d in body["deadlines"]}


def test_the_decision_deadline_across_tet(live: Api) -> None:
    dossier_id = sanction_case(live, "Đỗ xe trước Tết")
    with live.client("official_tp") as official:
        before = deadlines(official, dossier_id, "2026-02-08")
        assert set(before) == {"lap_bien_ban"}  # only detection had happened, on Friday
        assert before["lap_bien_ban"]["status"] == "due_soon"
        assert before["lap_bien_ban"]["due"] == "2026-02-10"  # 2 working days: 9 and 10/2
        during = deadlines(official, dossier_id, "2026-02-20")
        assert during["lap_bien_ban"]["status"] == "met"
        tet = during["ra_quyet_dinh"]
        assert tet["due"] == "2026-02-25"
        assert (tet["status"], tet["days_left"], tet["working_days_left"]) == ("due_soon", 5, 3)
        assert tet["status_label"]["vi"] == "Sắp đến hạn"
        assert tet["rule"]["code"] == "ra_quyet_dinh"
        assert "Điều 66" in tet["rule"]["citation"]
        assert tet["start"]["event"] == "lap_bien_ban" and tet["start"]["on"] == "2026-02-09"
        assert tet["calendar_version"] >= 1 and tet["skipped_days"] == 9
        late = deadlines(official, dossier_id, "2026-02-27")["ra_quyet_dinh"]
        assert (late["status"], late["days_left"]) == ("overdue", -2)
        # the decision, uploaded with its date of issue, meets it
        upload = official.post(
            f"/api/dossiers/{dossier_id}/documents",
            data={
                "kind": "quyet_dinh_xu_phat",
                "title": "Quyết định xử phạt",
                "issued_on": "2026-02-24",
                "number": "12/QĐ-XPHC",
            },
            files={"file": ("qd.pdf", make_pdf(1), "application/pdf")},
        )
        assert upload.status_code == 201, upload.text
        met = deadlines(official, dossier_id, "2026-03-02")
        assert met["ra_quyet_dinh"]["status"] == "met"
        assert met["ra_quyet_dinh"]["met"]["source"].startswith("document ")
        # the decision must now be sent within 2 working days: 25 and 26/2
        assert met["gui_quyet_dinh"]["due"] == "2026-02-26"
        assert met["gui_quyet_dinh"]["status"] == "overdue"
        assert met["bao_cao_csdl"]["due"] == "2026-02-26"


def test_entered_events_choose_the_rule_and_a_withdrawn_one_stops_counting(live: Api) -> None:
    dossier_id = sanction_case(live, "Có giải trình")
    with live.client("official_tp") as official:
        entered = official.post(
            f"/api/dossiers/{dossier_id}/milestones",
            json={"event": "xac_minh", "on": "2026-02-12", "note": "Xác minh giấy phép"},
        )
        assert entered.status_code == 201, entered.text
        verified = deadlines(official, dossier_id, "2026-02-20")["ra_quyet_dinh"]
        assert verified["rule"]["code"] == "ra_quyet_dinh_giai_trinh"
        assert verified["due"] == "2026-03-09"  # 1 month from the record
        assert verified["rule"]["extendable_to"] == "2 months"
        listed = official.get(f"/api/dossiers/{dossier_id}/milestones").json()
        assert [(m["event"], m["on"], m["withdrawn"]) for m in listed] == [
            ("xac_minh", "2026-02-12", False)
        ]
        withdrawn = official.post(
            f"/api/dossiers/{dossier_id}/milestones/{entered.json()['id']}/withdraw",
            json={"reason": "Nhập nhầm hồ sơ"},
        )
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["withdrawn_reason"] == "Nhập nhầm hồ sơ"
        back = deadlines(official, dossier_id, "2026-02-20")["ra_quyet_dinh"]
        assert back["rule"]["code"] == "ra_quyet_dinh" and back["due"] == "2026-02-25"
        refused(
            official.post(
                f"/api/dossiers/{dossier_id}/milestones/{entered.json()['id']}/withdraw",
                json={"reason": "lần hai"},
            ),
            404,
            "not_found",
        )
    with live.client("admin") as admin:
        trail = admin.get(
            "/api/audit", params={"object_type": "dossier", "object_id": str(dossier_id)}
        ).json()
    actions = [e["action"] for e in trail]
    assert "dossier.milestone" in actions and "dossier.milestone_withdrawn" in actions


def test_an_extension_within_the_bound_an_override_and_a_pause(live: Api) -> None:
    dossier_id = sanction_case(live, "Gia hạn")
    with live.client("official_tp") as official:
        base = f"/api/dossiers/{dossier_id}"
        # 7 working days allow no extension
        refused(
            official.post(
                f"{base}/deadlines/ra_quyet_dinh/extensions",
                json={"amount": 20, "unit": "working_days", "reason": "x", "approver": "A"},
            ),
            422,
            "not_extendable",
        )
        official.post(f"{base}/milestones", json={"event": "giai_trinh", "on": "2026-02-11"})
        too_long = official.post(
            f"{base}/deadlines/ra_quyet_dinh/extensions",
            json={"amount": 3, "unit": "months", "reason": "x", "approver": "A"},
        )
        assert (
            refused(too_long, 422, "extension_out_of_bounds")["error"]["details"]["latest"]
            == "2026-04-09"
        )
        extended = official.post(
            f"{base}/deadlines/ra_quyet_dinh/extensions",
            json={
                "amount": 2,
                "unit": "months",
                "reason": "Vụ việc phức tạp, cần giám định",
                "approver": "Phạm Minh Tuấn, Chủ tịch UBND",
            },
        )
        assert extended.status_code == 201, extended.text
        after = deadlines(official, dossier_id, "2026-03-20")["ra_quyet_dinh"]
        assert (after["due"], after["due_by_rule"], after["status"]) == (
            "2026-04-09",
            "2026-03-09",
            "on_time",
        )
        assert after["adjustments"][0]["approver"] == "Phạm Minh Tuấn, Chủ tịch UBND"
        # compliance period stated longer in the decision: an override with its reason
        official.post(f"{base}/milestones", json={"event": "nhan_quyet_dinh", "on": "2026-03-02"})
        overridden = official.post(
            f"{base}/deadlines/chap_hanh/override",
            json={"due": "2026-04-01", "reason": "Quyết định cho nộp phạt trong 30 ngày"},
        )
        assert overridden.status_code == 201, overridden.text
        comply = deadlines(official, dossier_id, "2026-03-05")["chap_hanh"]
        assert (comply["due"], comply["due_by_rule"], comply["status"]) == (
            "2026-04-01",
            "2026-03-12",
            "open",
        )
        # a suspension stops the clock until it ends
        paused = official.post(
            f"{base}/pauses",
            json={"kind": "tam_dinh_chi", "start": "2026-03-03", "reason": "Khiếu nại"},
        )
        assert paused.status_code == 201, paused.text
        refused(
            official.post(
                f"{base}/pauses",
                json={"kind": "tam_dinh_chi", "start": "2026-03-04", "reason": "lần hai"},
            ),
            422,
            "already_paused",
        )
        assert deadlines(official, dossier_id, "2026-03-20")["ra_quyet_dinh"]["status"] == "paused"
        refused(
            official.post(f"{base}/pauses/{paused.json()['id']}/end", json={"end": "2026-03-01"}),
            422,
            "bad_period",
        )
        ended = official.post(
            f"{base}/pauses/{paused.json()['id']}/end", json={"end": "2026-03-10"}
        )
        assert ended.status_code == 204, ended.text
        overlapping = official.post(
            f"{base}/pauses",
            json={"kind": "tam_dinh_chi", "start": "2026-03-05", "reason": "chồng lên"},
        )
        refused(overlapping, 422, "bad_period")  # it would stop the same days twice
        resumed = deadlines(official, dossier_id, "2026-03-20")["ra_quyet_dinh"]
        assert resumed["status"] == "on_time"
        assert resumed["due"] == "2026-04-16"  # 9/4 + the 7 days stopped
        assert resumed["pauses"][0]["end"] == "2026-03-10"


def test_refusals_change_nothing(live: Api) -> None:
    dossier_id = sanction_case(live, "Từ chối")
    base = f"/api/dossiers/{dossier_id}"
    with live.client("official_tp") as official:
        before = official.get(f"{base}/milestones").json()
        refused(
            official.post(
                f"{base}/milestones", json={"event": "ra_quyet_dinh", "on": "2026-02-10"}
            ),
            422,
            "unknown_event",
        )  # read from the stage and the decision, not entered by hand
        refused(
            official.post(f"{base}/milestones", json={"event": "xac_minh", "on": "2099-01-01"}),
            422,
            "date_in_future",
        )
        refused(
            official.post(
                f"{base}/pauses", json={"kind": "nghi_phep", "start": "2026-02-10", "reason": "x"}
            ),
            422,
            "unknown_pause",
        )
        refused(
            official.post(
                f"{base}/deadlines/khong_co/override", json={"due": "2026-03-01", "reason": "x"}
            ),
            422,
            "unknown_deadline",
        )
        # ids past what the store holds are "not found", never a server error (PostgreSQL)
        refused(
            official.post(f"{base}/milestones/4611686018427387903/withdraw", json={"reason": "x"}),
            404,
            "not_found",
        )
        refused(
            official.post(f"{base}/pauses/4611686018427387903/end", json={"end": "2026-01-01"}),
            404,
            "not_found",
        )
        assert official.get(f"{base}/milestones").json() == before
    with live.client("official_qldt") as other_unit:
        refused(other_unit.get(f"{base}/deadlines"), 404, "dossier_not_found")
        refused(
            other_unit.post(f"{base}/milestones", json={"event": "xac_minh", "on": "2026-02-10"}),
            404,
            "dossier_not_found",
        )
    with live.client("leader_tp") as leader:
        assert leader.get(f"{base}/deadlines").status_code == 200  # reads
        refused(
            leader.post(f"{base}/milestones", json={"event": "xac_minh", "on": "2026-02-10"}),
            403,
            "role_not_allowed",
        )
    with live.client("official_tp") as official:
        assert official.get(f"{base}/milestones").json() == before
