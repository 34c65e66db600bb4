"""Defences a public agency's archive needs against other sites and password guessing."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from support.live import Api
from support.pdfs import make_pdf
from support.people import PASSWORD
from support.processes import Served


@contextmanager
def _cookie_client(live: Api, username: str) -> Iterator[httpx.Client]:
    """A client signed in the way a browser is: only the session cookie, no bearer token."""
    with live.anonymous() as client:
        answer = client.post("/api/auth/session", json={"username": username, "password": PASSWORD})
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


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def test_every_answer_carries_the_security_headers(live: Api) -> None:
    """JSON, errors, the documentation page and its assets: each carries a CSP that forbids
    framing by other sites, nosniff and a referrer policy; answers with data are not
    cached."""
    with live.client("official_tp") as client:
        answers = [
            client.get("/api/auth/me"),
            client.get("/api/dossiers/999999"),
            client.get("/api/khong-co"),
            client.delete("/api/dossiers"),
            live.anonymous().get("/docs"),
            live.anonymous().get("/docs-init.js"),
            live.anonymous().get("/api/health"),
        ]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.url, name)
        policy = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert answers[0].headers["cache-control"] == "no-store"


def test_a_forged_forwarded_for_header_is_not_believed(live: Api) -> None:
    """X-Forwarded-For is believed only from the trusted proxies of the settings (none by
    default): a guesser cannot reset the lock-out with a made-up address, and the trail
    records the address the request really came from."""
    with live.anonymous() as client:
        for number in range(10):
            wrong = client.post(
                "/api/auth/login",
                json={"username": "official_qldt", "password": "doan-mo-sai"},
                headers={"X-Forwarded-For": f"203.0.113.{number}"},
            )
            assert wrong.status_code == 401
        locked = client.post(
            "/api/auth/login",
            json={"username": "official_qldt", "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.77"},
        )
    assert locked.status_code == 429, locked.text
    with live.client("admin") as admin:
        entries = admin.get("/api/audit", params={"object_type": "user", "limit": 30}).json()
    clients = {e["detail"].get("client") for e in entries if e["action"] == "login.failed"}
    assert clients == {"127.0.0.1"}


def test_a_trusted_proxy_passes_the_real_client_address(
    live: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live.archive.settings, "trusted_proxies", "127.0.0.1/32")
    with live.anonymous() as client:
        answer = client.post(
            "/api/auth/login",
            json={"username": "leader_tp", "password": "sai-mot-lan"},
            headers={"X-Forwarded-For": "198.51.100.7, 10.1.2.3"},
        )
    assert answer.status_code == 401
    monkeypatch.setattr(live.archive.settings, "trusted_proxies", "127.0.0.1/32, 10.0.0.0/8")
    with live.anonymous() as client:
        client.post(
            "/api/auth/login",
            json={"username": "leader_tp", "password": "sai-hai-lan"},
            headers={"X-Forwarded-For": "198.51.100.7, 10.1.2.3"},
        )
    with live.client("admin") as admin:
        entries = admin.get("/api/audit", params={"object_type": "user", "limit": 10}).json()
    failed = [e["detail"]["client"] for e in entries if e["action"] == "login.failed"][:2]
    # Newest first: the second attempt trusted 10.1.2.3 as a proxy; the first did not.
    assert failed == ["198.51.100.7", "10.1.2.3"]


def test_the_lock_out_holds_across_processes(live: Api, tmp_path: Path) -> None:
    """Failed sign-ins are counted in the metadata store: another server process on the
    same store (another web node, or the same one restarted) refuses the locked name too."""
    with live.anonymous() as client:
        for _ in range(10):
            client.post("/api/auth/login", json={"username": "auditor", "password": "sai-roi"})
    with (
        Served(live.backend.settings, tmp_path, "--no-worker") as other,
        httpx.Client(base_url=other.base_url, timeout=30) as client,
    ):
        answer = client.post("/api/auth/login", json={"username": "auditor", "password": PASSWORD})
    assert answer.status_code == 429, answer.text


def test_numbers_out_of_range_are_refused_not_a_server_error(live: Api) -> None:
    with live.client("admin") as client:
        for path, params in [
            ("/api/dossiers", {"offset": "9223372036854775808"}),
            ("/api/dossiers", {"offset": "-1"}),
            ("/api/dossiers", {"limit": "100000"}),
            ("/api/audit", {"before_seq": "9223372036854775808"}),
            ("/api/audit", {"limit": "0"}),
            # PostgreSQL refuses NUL in text: this was a server error there (schemathesis)
            ("/api/audit", {"object_type": "\x13\x00"}),
            ("/api/audit", {"object_id": "9\x00"}),
        ]:
            answer = client.get(path, params=params)
            assert answer.status_code == 422, (path, params, answer.text)
            assert answer.json()["error"]["code"] == "invalid_request"


def _raw_requests(base_url: str, *requests: bytes) -> list[bytes]:
    """Send HTTP/1.1 requests one after the other on one connection; the answers' heads."""
    host, port = base_url.removeprefix("http://").split(":")
    heads = []
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        stream = sock.makefile("rb")
        for request in requests:
            sock.sendall(request)
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = stream.readline()
                if not line:
                    raise ConnectionError(f"connection closed after {len(heads)} answers")
                head += line
            length = int(
                next(
                    ln.split(b":")[1]
                    for ln in head.split(b"\r\n")
                    if ln.lower().startswith(b"content-length")
                )
            )
            stream.read(length)
            heads.append(head)
    return heads


def test_an_unexpected_error_answers_500_and_keeps_the_connection(
    live: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error nobody foresaw is answered with the archive's 500 (nothing done, try again)
    and the client's keep-alive connection stays usable."""
    from archive.services import dossiers as dossier_service

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(dossier_service, "listing", broken)
    token = live.token("official_tp")
    ask = (
        f"GET /api/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    me = f"GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
    heads = _raw_requests(live.base_url, ask, me.encode(), ask)
    assert [h.split(b" ")[1] for h in heads] == [b"500", b"200", b"500"]


def test_a_client_that_goes_away_mid_upload_leaves_nothing(
    live: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """A client that disconnects half-way through an upload is noted, not an error: no
    traceback, no spool file left, and the server goes on serving."""
    with live.client("official_tp") as client:
        dossier = client.post("/api/dossiers", json=_dossier_body("Tải lên bị ngắt")).json()
    token = live.token("official_tp")
    host, port = live.base_url.removeprefix("http://").split(":")
    body = make_pdf(1) + b"%" + b"x" * 2_000_000
    caplog.set_level(logging.INFO)
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(
            (
                f"POST /api/dossiers/{dossier['id']}/documents?kind=khac&title=Ng%E1%BA%AFt "
                f"HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/pdf\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body[: len(body) // 3]
        )
        time.sleep(0.5)
    deadline = time.monotonic() + 10
    while list(live.archive.incoming_dir.glob("upload-*")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(live.archive.incoming_dir.glob("upload-*")) == []
    assert not any(r.exc_info for r in caplog.records), [r.getMessage() for r in caplog.records]
    with live.client("official_tp") as client:
        assert client.get(f"/api/dossiers/{dossier['id']}/documents").json() == []
