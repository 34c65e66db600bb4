"""Defences a public agency's archive needs against other sites and password guessing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from support.live import Api
from support.people import PASSWORD


@contextmanager
def _cookie_client(live: Api, username: str) -> Iterator[httpx.Client]:
    """A client signed in the way a browser is: only the session cookie, no bearer token."""
    with live.anonymous() as client:
        answer = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200
        assert "archive_session" in client.cookies
        yield client


def _dossier_body(title: str) -> dict[str, object]:
    return {
        "case_type": "xlvphc",
        "title": title,
        "field": "giao_thong",
        "opened_on": "2024-03-02",
        "custom": {"violation": "Vượt đèn đỏ"},
    }


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://trang-gia-mao.example"}],
    ids=["sec-fetch-site", "origin"],
)
def test_a_change_carried_by_the_cookie_from_another_site_is_refused(
    live: Api, headers: dict[str, str]
) -> None:
    """Another site's page can make a browser send our cookie, never make it change data."""
    with _cookie_client(live, "official_tp") as client:
        refused = client.post("/api/dossiers", json=_dossier_body("Từ trang khác"), headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "cross_site_request"
        # Reading is harmless and still works with the same headers.
        assert client.get("/api/dossiers", headers=headers).status_code == 200


def test_the_archives_own_pages_and_programs_may_change_data(live: Api) -> None:
    with _cookie_client(live, "official_tp") as client:
        same_site = client.post(
            "/api/dossiers",
            json=_dossier_body("Từ trang của kho"),
            headers={"Sec-Fetch-Site": "same-origin", "Origin": live.base_url},
        )
        assert same_site.status_code == 201, same_site.text
    with live.client("official_tp") as client:  # bearer token: no cookie to ride on
        answer = client.post(
            "/api/dossiers", json=_dossier_body("Bằng mã"), headers={"Sec-Fetch-Site": "cross-site"}
        )
        assert answer.status_code == 201, answer.text


def test_repeated_wrong_passwords_lock_the_name_for_a_while(live: Api) -> None:
    """After 10 wrong passwords the name is refused, even with the right one, with 429."""
    with live.anonymous() as client:
        for _ in range(10):
            wrong = client.post(
                "/api/auth/login", json={"username": "clerk_tp", "password": "doan-mo-sai"}
            )
            assert wrong.status_code == 401
        locked = client.post("/api/auth/login", json={"username": "clerk_tp", "password": PASSWORD})
        assert locked.status_code == 429
        assert locked.json()["error"]["code"] == "too_many_attempts"
        assert int(locked.headers["Retry-After"]) > 0
        # Other people are not locked out by someone guessing at one name.
        other = client.post("/api/auth/login", json={"username": "leader_tp", "password": PASSWORD})
        assert other.status_code == 200


def test_health_answers_without_writing_anything(live: Api) -> None:
    with live.archive.db.read() as conn:
        before = conn.exec_driver_sql("SELECT seq FROM audit_head").scalar()
    objects_before = list(live.archive.store.iter_objects())
    with live.anonymous() as client:
        for _ in range(3):
            assert client.get("/api/health").json()["status"] == "ok"
    with live.archive.db.read() as conn:
        assert conn.exec_driver_sql("SELECT seq FROM audit_head").scalar() == before
    assert list(live.archive.store.iter_objects()) == objects_before
