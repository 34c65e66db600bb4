"""A citizen follows their case (seed 004) over HTTP, signed out, on both backends: the
dossier code and the ID number on their record give that one case's stage and next
deadline, nothing else; a wrong number answers like an unknown code; guessing is limited;
every look-up is in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from support.live import Api

from deadlines import public_lookup

ID_NUMBER = "001085012345"


def case_with_party(live: Api, title: str) -> dict[str, Any]:
    with live.client("official_tp") as official:
        made = official.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": title,
                "field": "giao_thong",
                "opened_on": "2026-11-20",
                "parties": [
                    {"role": "violator", "name": "Phan Thị Hoa", "id_number": ID_NUMBER},
                    {"role": "witness", "name": "Ngô Văn Tài"},
                ],
                "custom": {"violation": "Lấn chiếm vỉa hè", "fine_amount": 2_000_000},
            },
        )
        assert made.status_code == 201, made.text
        moved = official.post(
            f"/api/dossiers/{made.json()['id']}/events",
            json={"to_stage": "lap_bien_ban", "effective_on": "2026-11-23"},
        )
        assert moved.status_code == 201, moved.text
    return dict(made.json())


def test_the_citizen_sees_the_stage_and_next_deadline_and_nothing_else(live: Api) -> None:
    dossier = case_with_party(live, "Lấn chiếm vỉa hè đường Lê Lợi")
    with live.anonymous() as citizen:
        # typed as people type it: lower case, spaces in the number
        answer = citizen.get(
            "/api/public/lookup",
            params={"code": dossier["code"].lower(), "check": "001 085 012 345"},
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) == {"code", "case_type", "stage", "stage_since", "closed", "next_deadline"}
        assert body["code"] == dossier["code"]
        assert body["stage"] == {"vi": "Lập biên bản", "en": "Record of violation"}
        assert body["stage_since"] == "2026-11-23"
        nxt = body["next_deadline"]
        assert nxt is not None and nxt["name"]["vi"] == "Ra quyết định xử phạt"
        assert nxt["yours"] is False and nxt["due"] >= "2026-12-01"
        text = answer.text
        for secret in ("Phan Thị Hoa", "Ngô Văn Tài", "Lấn chiếm", ID_NUMBER, "2000000"):
            assert secret not in text
        page = citizen.get("/tra-cuu", params={"code": dossier["code"], "check": ID_NUMBER})
        assert page.status_code == 200
        assert "Lập biên bản" in page.text and "Ra quyết định xử phạt" in page.text
        assert "/2026</strong>" in page.text  # the due day as dd/mm/yyyy
        assert "Phan Thị Hoa" not in page.text and ID_NUMBER not in page.text
        assert page.headers["cache-control"] == "no-store"
        empty = citizen.get("/tra-cuu")
        assert empty.status_code == 200 and '<label for="code">' in empty.text


def test_a_wrong_number_answers_like_an_unknown_code(live: Api) -> None:
    dossier = case_with_party(live, "Sai số giấy tờ")
    with live.anonymous() as citizen:
        wrong = citizen.get(
            "/api/public/lookup", params={"code": dossier["code"], "check": "079099999999"}
        )
        unknown = citizen.get(
            "/api/public/lookup", params={"code": "XLVPHC-1999-9999", "check": ID_NUMBER}
        )
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()
        assert wrong.json()["error"]["code"] == "not_found"
        short = citizen.get("/api/public/lookup", params={"code": dossier["code"], "check": "12"})
        assert short.status_code == 422
        # letters outside ASCII compare like any wrong number (they once made it a 500,
        # which told a real code from a made-up one)
        accented = citizen.get(
            "/api/public/lookup", params={"code": dossier["code"], "check": "ĐĐĐĐĐĐ"}
        )
        assert accented.status_code == 404 and accented.json() == unknown.json()
        nul = citizen.get("/api/public/lookup", params={"code": "X\x00Y", "check": ID_NUMBER})
        assert nul.status_code == 422  # never sent to the database
        hostile = citizen.get(
            "/tra-cuu", params={"code": '"><script>alert(1)</script>', "check": ID_NUMBER}
        )
        assert "<script>alert(1)" not in hostile.text and "&lt;script&gt;" in hostile.text
    with live.client("admin") as admin:
        trail = admin.get("/api/audit", params={"object_type": "dossier", "limit": 1000}).json()
    lookups = [e for e in trail if e["action"] == "public.lookup"]
    assert {e["detail"]["found"] for e in lookups} == {True, False}
    assert all(e["actor"] == "public" and e["detail"]["client"] for e in lookups)


def test_guessing_one_codes_number_is_stopped(live: Api) -> None:
    dossier = case_with_party(live, "Dò số")
    with live.anonymous() as guesser:
        answers = [
            guesser.get(
                "/api/public/lookup", params={"code": dossier["code"], "check": f"00108500000{i}"}
            )
            for i in range(public_lookup.FAILED_PER_CODE + 1)
        ]
        assert [a.status_code for a in answers] == [404] * public_lookup.FAILED_PER_CODE + [429]
        assert answers[-1].headers["retry-after"] == "600"
        # even the right number now waits: the code is locked for the window
        right = guesser.get(
            "/api/public/lookup", params={"code": dossier["code"], "check": ID_NUMBER}
        )
        assert right.status_code == 429


def test_one_address_is_limited(live: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(public_lookup, "PER_ADDRESS", 3)  # the server runs in this process
    with live.anonymous() as citizen:
        statuses = [
            citizen.get(
                "/api/public/lookup", params={"code": f"XLVPHC-2000-{i:04d}", "check": ID_NUMBER}
            ).status_code
            for i in range(2)
        ]
    assert statuses[-1] == 429  # earlier tests of this module used the address already
