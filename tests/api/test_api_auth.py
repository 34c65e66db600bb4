"""Signing in and out: who may talk to the archive, and how the archive knows who they are.

People sign in with a username and password. Programs get a bearer token
(``/api/auth/login``); browsers get an ``archive_session`` cookie (``/api/auth/session``) and
never see the token, so no page script can read it (HttpOnly) and another site cannot ride
on it (SameSite=Strict). Nothing but the health checks and the sign-in itself answers a
caller who is not signed in.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from support.live import Api
from support.people import PASSWORD

from archive.api.app import create_app
from archive.services.context import Archive

# Addresses anyone may call; every other route of the app needs a signed-in user.
PUBLIC = {
    "/api/health",
    "/api/ready",
    "/api/auth/login",
    "/api/auth/session",
    "/docs-init.js",
    "/docs",
    "/openapi.json",
    "/redoc",
    "/docs/oauth2-redirect",
    # a citizen follows their case (seed 004): the one match's stage and next deadline
    "/api/public/lookup",
    "/tra-cuu",
}


def _routes() -> list[tuple[str, str]]:
    """Every (method, path) the application serves, read from the app itself."""
    # Only the route table is read: no archive is opened (none is needed to list routes).
    app = create_app(cast(Archive, SimpleNamespace()))
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        methods = getattr(route, "methods", None) or set()
        found.update((method, str(route.path)) for method in methods if method != "HEAD")
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


ROUTES = _routes()
PROTECTED = [(method, path) for method, path in ROUTES if path not in PUBLIC]


def login(api: Api, username: str, password: str = PASSWORD) -> httpx.Response:
    with api.anonymous() as client:
        return client.post("/api/auth/login", json={"username": username, "password": password})


def bearer(api: Api, token: str) -> httpx.Client:
    return api.anonymous(headers={"Authorization": f"Bearer {token}"})


def browser_login(api: Api, username: str, password: str = PASSWORD) -> httpx.Response:
    with api.anonymous() as client:
        return client.post("/api/auth/session", json={"username": username, "password": password})


def session_cookie(answer: httpx.Response) -> str:
    cookies = [c for c in answer.headers.get_list("set-cookie") if c.startswith("archive_session=")]
    assert len(cookies) == 1, answer.headers
    return cookies[0]


def audit_since(api: Api, seq: int) -> list[dict[str, Any]]:
    """Audit entries written after entry ``seq``, oldest first (read as the administrator)."""
    with api.client("admin") as admin:
        answer = admin.get("/api/audit", params={"limit": 1000})
    assert answer.status_code == 200, answer.text
    return sorted((e for e in answer.json() if e["seq"] > seq), key=lambda e: e["seq"])


def audit_head(api: Api) -> int:
    with api.client("admin") as admin:
        newest = admin.get("/api/audit", params={"limit": 1}).json()
    return int(newest[0]["seq"]) if newest else 0


def new_account(api: Api, role: str = "official", unit: str = "tu_phap") -> dict[str, Any]:
    username = f"nv-{secrets.token_hex(4)}"
    with api.client("admin") as admin:
        answer = admin.post(
            "/api/users",
            json={
                "username": username,
                "full_name": "Vũ Thị Thu Hà",
                "password": PASSWORD,
                "role": role,
                "unit_code": unit,
            },
        )
    assert answer.status_code == 201, answer.text
    return cast(dict[str, Any], answer.json())


def assert_refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error = cast(dict[str, Any], answer.json()["error"])
    assert error["code"] == code
    assert error["message"] and error["message_en"] and error["message"] != error["message_en"]
    return error


def test_a_program_signs_in_for_a_bearer_token_and_no_cookie(live: Api) -> None:
    """A program's sign-in answers a bearer token with its expiry, and sets no cookie."""
    before = datetime.now(UTC)
    answer = login(live, "official_tp")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer"
    token = body["access_token"]
    assert len(token) >= 32
    hours = live.archive.settings.session_hours
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(hours=hours) - timedelta(minutes=1) <= expires
    assert expires <= datetime.now(UTC) + timedelta(hours=hours)
    assert "archive_session" not in answer.headers.get("set-cookie", "")
    with bearer(live, token) as client:
        me = client.get("/api/auth/me")
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "official_tp"


def test_a_browser_gets_a_strict_httponly_cookie_and_never_the_token(live: Api) -> None:
    """The browser's sign-in sets the session cookie, which page scripts cannot read and
    which another site cannot make the browser send; the body names the person only."""
    answer = browser_login(live, "official_tp")
    assert answer.status_code == 200, answer.text
    cookie = session_cookie(answer)
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 32
    assert token not in answer.text  # the token is in the cookie only
    assert answer.json()["username"] == "official_tp"
    attributes = [part.strip().lower() for part in cookie.split(";")]
    hours = live.archive.settings.session_hours
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    assert f"max-age={int(hours * 3600)}" in attributes


def test_the_session_cookie_alone_signs_the_browser_in(live: Api) -> None:
    """A browser sends no Authorization header: the cookie set at sign-in is enough."""
    with live.anonymous() as browser:
        signed_in = browser.post(
            "/api/auth/session", json={"username": "clerk_tp", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        assert browser.cookies.get("archive_session")
        me = browser.get("/api/auth/me")
        assert "authorization" not in me.request.headers
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "clerk_tp"
        assert browser.get("/api/dossiers").status_code == 200
    with live.anonymous(cookies={"archive_session": "khong-phai-phien-that"}) as forged:
        assert_refused(forged.get("/api/auth/me"), 401, "not_signed_in")


def test_wrong_password_and_unknown_user_get_the_same_refusal(live: Api) -> None:
    """Whether the username exists or the password is wrong, the answer is the same, so
    nobody can find out which usernames exist; the message is in Vietnamese first."""
    wrong_password = login(live, "official_tp", "mat-khau-sai-roi")
    unknown_user = login(live, f"khong-co-ai-{secrets.token_hex(3)}")
    empty_password = login(live, "official_tp", " ")
    by_browser = browser_login(live, "official_tp", "mat-khau-sai-roi")
    for answer in (wrong_password, unknown_user, empty_password, by_browser):
        error = assert_refused(answer, 401, "bad_credentials")
        assert "mật khẩu" in error["message"].lower()
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "archive_session" not in answer.headers.get("set-cookie", "")
    assert wrong_password.json() == unknown_user.json() == empty_password.json()


def test_every_sign_in_attempt_is_in_the_audit_trail(live: Api) -> None:
    """Failed and successful sign-ins are written to the audit trail, with the address
    they came from, so an inspector can see who tried to get in."""
    stranger = f"ke-la-{secrets.token_hex(3)}"
    mark = audit_head(live)
    assert login(live, "official_qldt", "doan-mo-mat-khau").status_code == 401
    assert login(live, stranger, "doan-mo-mat-khau").status_code == 401
    assert login(live, "leader_tp").status_code == 200
    entries = [(e["action"], e["actor"], e["object_type"]) for e in audit_since(live, mark)]
    assert entries == [
        ("login.failed", "official_qldt", "user"),
        ("login.failed", stranger, "user"),
        ("login", "leader_tp", "user"),
    ]
    newest = audit_since(live, mark)
    assert newest[0]["object_id"] == str(live.people["official_qldt"].id)
    assert newest[1]["object_id"] == "-"  # no account behind an unknown name
    assert newest[2]["object_id"] == str(live.people["leader_tp"].id)
    assert all(e["detail"]["client"] == "127.0.0.1" for e in newest)


def test_signing_out_ends_that_session_only(live: Api) -> None:
    """After signing out the token no longer opens anything; another session of the same
    person (another browser, another script) keeps working."""
    first = login(live, "official_tp").json()["access_token"]
    second = login(live, "official_tp").json()["access_token"]
    mark = audit_head(live)
    with bearer(live, first) as client:
        out = client.post("/api/auth/logout")
        assert out.status_code == 204, out.text
        assert out.headers.get("set-cookie", "").startswith('archive_session=""')
        assert_refused(client.get("/api/auth/me"), 401, "not_signed_in")
        assert_refused(client.get("/api/dossiers"), 401, "not_signed_in")
        assert_refused(client.post("/api/auth/logout"), 401, "not_signed_in")
    with live.anonymous(cookies={"archive_session": first}) as browser:
        assert_refused(browser.get("/api/auth/me"), 401, "not_signed_in")
    with bearer(live, second) as client:
        assert client.get("/api/auth/me").status_code == 200
    assert [(e["action"], e["actor"]) for e in audit_since(live, mark)] == [
        ("logout", "official_tp")
    ]


def test_sign_out_through_the_cookie(live: Api) -> None:
    """The browser signs out with its cookie; the cookie is cleared and stops working."""
    with live.anonymous() as browser:
        browser.post("/api/auth/session", json={"username": "leader_city", "password": PASSWORD})
        token = browser.cookies["archive_session"]
        assert browser.post("/api/auth/logout").status_code == 204
        assert "archive_session" not in browser.cookies
    with bearer(live, token) as client:
        assert_refused(client.get("/api/auth/me"), 401, "not_signed_in")


def test_the_route_list_matches_the_published_api(live: Api) -> None:
    """The routes checked below are exactly those the running API publishes."""
    with live.anonymous() as client:
        published = client.get("/openapi.json").json()["paths"]
    listed = {(method.upper(), path) for path, ops in published.items() for method in ops}
    assert listed == {
        pair
        for pair in ROUTES
        if pair[1]
        not in {
            "/docs",
            "/redoc",
            "/openapi.json",
            "/docs/oauth2-redirect",
            "/docs-init.js",
            "/tra-cuu",  # a page, not an API operation
        }
    }
    assert len(PROTECTED) >= 25


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_nothing_is_served_without_signing_in(live: Api, method: str, path: str) -> None:
    """Every address except the health check and sign-in refuses a caller with no session,
    with a forged token, or with a forged cookie — before looking at anything sent."""
    url = _concrete(path)
    callers = [
        live.anonymous(),
        live.anonymous(headers={"Authorization": "Bearer " + secrets.token_urlsafe(32)}),
        live.anonymous(cookies={"archive_session": secrets.token_urlsafe(32)}),
        live.anonymous(headers={"Authorization": "Basic YWRtaW46bWF0LWtoYXU="}),
    ]
    for caller in callers:
        with caller:
            answer = caller.request(method, url)
        assert answer.status_code == 401, (method, url, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "not_signed_in"
        assert "đăng nhập" in error["message"]
        assert answer.headers["www-authenticate"] == "Bearer"


def test_public_addresses_answer_without_signing_in(live: Api) -> None:
    """The health checks, the sign-in forms and the citizens' look-up are the only things
    open to all."""
    with live.anonymous() as client:
        assert client.get("/tra-cuu").status_code == 200
        lookup = client.get("/api/public/lookup")
        assert lookup.status_code == 422 and lookup.json()["error"]["code"] == "invalid_request"
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/ready").status_code == 200
        assert client.get("/openapi.json").status_code == 200
        for path in ("/api/auth/login", "/api/auth/session"):
            answer = client.post(path, json={})
            assert answer.status_code == 422
            assert answer.json()["error"]["code"] == "invalid_request"


def test_an_api_token_works_as_a_bearer_token(live: Api) -> None:
    """A script (a bulk import, say) gets a long-lived named token; it is used exactly like
    the session token, it outlives the session that made it, and its creation is audited."""
    mark = audit_head(live)
    session = login(live, "official_tp").json()["access_token"]
    with bearer(live, session) as client:
        answer = client.post("/api/auth/tokens", json={"name": "Nhập hồ sơ hàng loạt 2024"})
        assert answer.status_code == 201, answer.text
        assert "archive_session" not in answer.headers.get("set-cookie", "")
        assert client.post("/api/auth/tokens", json={"name": ""}).status_code == 422
        assert client.post("/api/auth/logout").status_code == 204
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"] != session
    days = live.archive.settings.api_token_days
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires > datetime.now(UTC) + timedelta(days=days - 1)
    with bearer(live, body["access_token"]) as script:
        me = script.get("/api/auth/me")
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "official_tp"
        assert script.get("/api/dossiers").status_code == 200
    created = [e for e in audit_since(live, mark) if e["action"] == "token.create"]
    assert [(e["actor"], e["detail"]["name"]) for e in created] == [
        ("official_tp", "Nhập hồ sơ hàng loạt 2024")
    ]
    assert body["access_token"] not in str(created)  # the secret itself is never written


def test_a_deactivated_account_is_locked_out_at_once(live: Api) -> None:
    """When an administrator locks an account, its open sessions and API tokens stop working
    on the next request, and it can no longer sign in (told the same as a wrong password)."""
    account = new_account(live)
    session = login(live, account["username"]).json()["access_token"]
    with bearer(live, session) as client:
        api_token = client.post("/api/auth/tokens", json={"name": "script"}).json()["access_token"]
        assert client.get("/api/auth/me").status_code == 200
    with live.client("admin") as admin:
        locked = admin.post(f"/api/users/{account['id']}/deactivate")
    assert locked.status_code == 200, locked.text
    assert locked.json()["active"] is False
    for token in (session, api_token):
        with bearer(live, token) as client:
            assert_refused(client.get("/api/auth/me"), 401, "not_signed_in")
            assert_refused(client.get("/api/dossiers"), 401, "not_signed_in")
    mark = audit_head(live)
    again = login(live, account["username"])
    assert_refused(again, 401, "bad_credentials")
    assert again.json() == login(live, "official_tp", "sai-mat-khau").json()
    assert [(e["action"], e["actor"]) for e in audit_since(live, mark)] == [
        ("login.failed", account["username"]),
        ("login.failed", "official_tp"),
    ]


def test_an_expired_session_stops_working(live: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A session lasts ARCHIVE_SESSION_HOURS; after that the token is refused."""
    monkeypatch.setattr(live.archive.settings, "session_hours", 1 / 3600)  # one second
    token = login(live, "clerk_tp").json()["access_token"]
    time.sleep(1.5)
    with bearer(live, token) as client:
        assert_refused(client.get("/api/auth/me"), 401, "not_signed_in")


@pytest.mark.parametrize(
    "username",
    ["admin", "official_tp", "official_qldt", "leader_tp", "leader_city", "clerk_tp", "auditor"],
)
def test_me_says_who_is_signed_in(live: Api, username: str) -> None:
    """GET /api/auth/me answers the signed-in person's name, role and unit — and nothing
    secret such as the password hash."""
    person = live.people[username]
    with live.client(username) as client:
        answer = client.get("/api/auth/me")
    assert answer.status_code == 200, answer.text
    me = answer.json()
    assert set(me) == {"id", "username", "full_name", "role", "unit_id", "active", "grants"}
    assert me["id"] == person.id
    assert me["full_name"] == person.full_name  # Vietnamese name exactly as registered
    assert me["role"] == person.role.value
    assert me["unit_id"] == person.unit_id
    assert me["active"] is True
    if username == "auditor":
        assert me["grants"] == [
            {
                "unit_id": live.people.unit_ids["tu_phap"],
                "period_from": "2024-01-01",
                "period_to": "2024-12-31",
            }
        ]
    else:
        assert me["grants"] == []


def test_people_list_and_revoke_their_own_tokens(live: Api) -> None:
    """Everyone sees their sessions and API tokens (never the secrets) and revokes one; the
    revoked token stops working at once, the others go on."""
    session = login(live, "leader_tp").json()["access_token"]
    with bearer(live, session) as client:
        script = client.post("/api/auth/tokens", json={"name": "Ký hàng loạt"}).json()
        listed = client.get("/api/auth/tokens")
        assert listed.status_code == 200, listed.text
        tokens = listed.json()
        assert session not in listed.text and script["access_token"] not in listed.text
        named = [t for t in tokens if t["name"] == "Ký hàng loạt"]
        assert len(named) == 1 and named[0]["kind"] == "api" and named[0]["active"] is True
        assert any(t["kind"] == "session" and t["active"] for t in tokens)
        revoked = client.delete(f"/api/auth/tokens/{named[0]['id']}")
        assert revoked.status_code == 204, revoked.text
        assert_refused(client.delete(f"/api/auth/tokens/{named[0]['id']}"), 404, "token_not_found")
        after = {t["id"]: t for t in client.get("/api/auth/tokens").json()}
        assert after[named[0]["id"]]["active"] is False
        assert client.get("/api/auth/me").status_code == 200  # the session itself goes on
    with bearer(live, script["access_token"]) as gone:
        assert_refused(gone.get("/api/auth/me"), 401, "not_signed_in")
    # Someone else's token cannot be revoked through one's own list: it is not found.
    other = login(live, "official_tp").json()["access_token"]
    with bearer(live, other) as client:
        foreign = client.delete(f"/api/auth/tokens/{named[0]['id']}")
    assert_refused(foreign, 404, "token_not_found")


def test_an_administrator_lists_and_revokes_anyones_tokens(live: Api) -> None:
    account = new_account(live)
    token = login(live, account["username"]).json()["access_token"]
    with live.client("admin") as admin:
        listed = admin.get(f"/api/users/{account['id']}/tokens")
        assert listed.status_code == 200, listed.text
        (session,) = [t for t in listed.json() if t["active"]]
        assert admin.delete(f"/api/users/{account['id']}/tokens/{session['id']}").status_code == 204
    with bearer(live, token) as client:
        assert_refused(client.get("/api/auth/me"), 401, "not_signed_in")
    with live.client("official_tp") as official:
        refused = official.get(f"/api/users/{account['id']}/tokens")
    assert_refused(refused, 403, "role_not_allowed")
