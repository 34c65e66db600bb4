"""The calendar and deadline API over HTTP, on both backends: counting with the current or
an earlier calendar version, and an administrator's corrections as new versions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from support.live import Api

TET = {"from": "2026-02-09", "amount": 7, "unit": "working_days"}
CULTURE_DAY = {"from": "2026-11-20", "amount": 3, "unit": "working_days"}


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"] != body["error"]["message_en"]
    return body


def test_a_limit_across_tet_is_counted_with_the_days_it_skipped(live: Api) -> None:
    with live.client("official_tp") as official:
        answer = official.get("/api/calendar/deadline", params=TET)
        assert answer.status_code == 200, answer.text
        counted = answer.json()
        assert counted["from"] == "2026-02-09"
        assert counted["due"] == "2026-02-25"
        assert counted["calendar_version"] >= 1
        assert [s["date"] for s in counted["skipped"]] == [f"2026-02-{d}" for d in range(14, 23)]
        assert all("Tết" in s["why"] and s["why_en"] for s in counted["skipped"])
        month = official.get(
            "/api/calendar/deadline", params={"from": "2026-01-31", "amount": 1, "unit": "months"}
        ).json()
        assert (month["due"], month["moved_from"]) == ("2026-03-02", "2026-02-28")


def test_bad_questions_are_refused_with_a_reason(live: Api) -> None:
    with live.client("official_tp") as official:
        ask = official.get
        refused(
            ask("/api/calendar/deadline", params={**TET, "from": "2040-12-20", "amount": 30}),
            422,
            "calendar_year_missing",
        )
        refused(
            ask("/api/calendar/deadline", params={**TET, "unit": "weeks"}), 422, "invalid_request"
        )
        refused(ask("/api/calendar/deadline", params={**TET, "amount": -1}), 422, "invalid_request")
        refused(
            ask("/api/calendar/deadline", params={**TET, "version": 999}),
            422,
            "unknown_calendar_version",
        )
    with live.anonymous() as nobody:
        refused(nobody.get("/api/calendar/deadline", params=TET), 401, "not_signed_in")


def test_the_year_shows_its_days_off_swaps_and_unsettled_days(live: Api) -> None:
    with live.client("clerk_tp") as clerk:
        year = clerk.get("/api/calendar", params={"year": 2026, "version": 1}).json()
    days = {d["date"]: d for d in year["days"]}
    assert year["version"] == 1 and year["year"] == 2026
    assert "2026" in year["checked_years"]
    assert days["2026-01-02"]["kind"] == "off"
    assert days["2026-01-10"]["kind"] == "worked"
    assert days["2026-08-22"]["kind"] == "worked"
    assert days["2026-04-27"]["kind"] == "off"
    assert days["2026-11-24"] == {**days["2026-11-24"], "kind": "worked", "unsettled": True}
    assert all(d["date"].startswith("2026-") for d in year["days"])


def test_an_administrator_settles_a_day_and_old_deadlines_recount_the_same(live: Api) -> None:
    with live.client("admin") as admin:
        before = admin.get("/api/calendar/deadline", params=CULTURE_DAY).json()
        assert before["due"] == "2026-11-25" and before["unsettled"] == ["2026-11-24"]
        answer = admin.post(
            "/api/calendar/versions",
            json={
                "reason": "Bộ luật Lao động sửa đổi: 24/11 là ngày nghỉ",
                "days": [
                    {
                        "date": "2026-11-24",
                        "kind": "off",
                        "name": {"vi": "Ngày Văn hóa Việt Nam", "en": "Vietnam Culture Day"},
                    }
                ],
            },
        )
        assert answer.status_code == 201, answer.text
        corrected = answer.json()
        assert corrected["version"] == before["calendar_version"] + 1
        settled = {d["date"]: d for d in corrected["days"]}["2026-11-24"]
        assert settled["kind"] == "off" and not settled["unsettled"]
        assert "Lao động" in settled["source"]
        after = admin.get("/api/calendar/deadline", params=CULTURE_DAY).json()
        assert after["due"] == "2026-11-26"
        assert after["calendar_version"] == corrected["version"]
        assert {"date": "2026-11-24", "why": "Ngày Văn hóa Việt Nam"}.items() <= (
            after["skipped"][-1].items()
        )
        again = admin.get(
            "/api/calendar/deadline",
            params={**CULTURE_DAY, "version": before["calendar_version"]},
        ).json()
        assert again == before
        versions = admin.get("/api/calendar/versions").json()
        assert versions[0]["version"] == corrected["version"]
        assert versions[0]["changed"][0]["date"] == "2026-11-24"
        assert versions[-1]["version"] == 1 and versions[-1]["created_by"] is None
        trail = admin.get("/api/audit", params={"limit": 1000}).json()
    assert any(
        e["action"] == "calendar.correct" and e["detail"]["version"] == corrected["version"]
        for e in trail
    )


def test_only_administrators_correct_and_refusals_change_nothing(live: Api) -> None:
    body = {
        "reason": "thử",
        "days": [{"date": "2026-12-31", "kind": "off", "name": {"vi": "Nghỉ"}}],
    }
    with live.client("admin") as admin:
        current = admin.get("/api/calendar/versions").json()[0]["version"]
        for user in ("official_tp", "leader_tp", "clerk_tp", "auditor"):
            with live.client(user) as someone:
                refused(someone.post("/api/calendar/versions", json=body), 403, "role_not_allowed")
        refused(admin.post("/api/calendar/versions", json={"reason": "x"}), 422, "missing_value")
        refused(
            admin.post("/api/calendar/versions", json={**body, "days": [{"date": "31/12/2026"}]}),
            422,
            "invalid_request",
        )
        assert admin.get("/api/calendar/versions").json()[0]["version"] == current
        holiday = admin.get(
            "/api/calendar/deadline", params={"from": "2026-12-30", "amount": 1}
        ).json()
        assert holiday["due"] == "2026-12-31"


def test_two_corrections_at_once_make_two_versions_or_one_and_a_conflict(live: Api) -> None:
    def correct(day: int) -> httpx.Response:
        with live.client("admin") as admin:
            return admin.post(
                "/api/calendar/versions",
                json={
                    "reason": f"Hoán đổi ngày {day}",
                    "days": [{"date": f"2027-03-{day:02d}", "kind": "off", "name": {"vi": "Nghỉ"}}],
                },
            )

    with live.client("admin") as admin:
        current = admin.get("/api/calendar/versions").json()[0]["version"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(correct, (1, 2, 3, 4)))
    made = sorted(a.json()["version"] for a in answers if a.status_code == 201)
    for answer in answers:
        if answer.status_code != 201:
            refused(answer, 409, "calendar_changed")
    assert made == list(range(current + 1, current + 1 + len(made)))
    with live.client("admin") as admin:
        latest = admin.get("/api/calendar", params={"year": 2027}).json()
    off = {d["date"] for d in latest["days"] if d["kind"] == "off"}
    # each version stored builds on the one before: no correction that got 201 is lost
    won = {
        f"2027-03-{d:02d}"
        for d, a in zip((1, 2, 3, 4), answers, strict=True)
        if a.status_code == 201
    }
    assert won <= off
