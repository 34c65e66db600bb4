"""Administration and reference data: units, accounts, auditors' scopes, case types, health.

Only the administrator (quản trị) manages units and accounts and sets what an auditor may
inspect; accounts are never deleted, only locked. Everyone signed in reads the case types.
The health check and the API documentation answer anybody.
"""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy.engine import make_url
from support.live import Api
from support.people import PASSWORD

from archive.api.app import create_app
from archive.services.context import Archive

NOT_ADMINS = ["official_tp", "official_qldt", "leader_tp", "leader_city", "clerk_tp", "auditor"]
ROLES = ["official", "leader", "clerk", "auditor", "admin"]


def tag() -> str:
    return secrets.token_hex(3)


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error = cast(dict[str, Any], answer.json()["error"])
    assert error["code"] == code, error
    assert error["message"] and error["message_en"] and error["message"] != error["message_en"]
    return error


def new_unit(admin: httpx.Client, name: str, parent: str | None = "ubnd") -> dict[str, Any]:
    answer = admin.post(
        "/api/units", json={"code": f"dv_{tag()}", "name": name, "parent_code": parent}
    )
    assert answer.status_code == 201, answer.text
    return cast(dict[str, Any], answer.json())


def new_user(admin: httpx.Client, role: str, unit: str, **extra: Any) -> dict[str, Any]:
    body = {
        "username": f"{role}-{tag()}",
        "full_name": "Đặng Thị Mỹ Duyên",
        "password": PASSWORD,
        "role": role,
        "unit_code": unit,
        **extra,
    }
    answer = admin.post("/api/users", json=body)
    assert answer.status_code == 201, answer.text
    return cast(dict[str, Any], answer.json())


def sign_in(api: Api, username: str, password: str = PASSWORD) -> httpx.Client:
    with api.anonymous() as client:
        answer = client.post("/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return api.anonymous(headers={"Authorization": f"Bearer {answer.json()['access_token']}"})


def open_dossier(client: httpx.Client, title: str, opened_on: str = "2024-05-26") -> int:
    answer = client.post(
        "/api/dossiers",
        json={
            "case_type": "xlvphc",
            "title": title,
            "field": "moi_truong",
            "opened_on": opened_on,
            "custom": {"violation": "Xả thải chưa qua xử lý ra môi trường"},
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def trail(api: Api, **params: Any) -> list[dict[str, Any]]:
    with api.client("admin") as admin:
        answer = admin.get("/api/audit", params={"limit": 1000, **params})
    assert answer.status_code == 200, answer.text
    return cast(list[dict[str, Any]], answer.json())


# -- Units --------------------------------------------------------------------------------


def test_the_administrator_builds_the_tree_of_units(live: Api) -> None:
    """Departments hang under the city committee, offices under departments; a leader of a
    department then sees the dossiers of the offices below it, and nobody beside it does."""
    with live.client("admin") as admin:
        department = new_unit(admin, "Sở Tài nguyên và Môi trường")
        office = new_unit(admin, "Chi cục Bảo vệ môi trường", parent=department["code"])
        assert department["parent_id"] == live.people.unit_ids["ubnd"]
        assert office["parent_id"] == department["id"]
        assert office["name"] == "Chi cục Bảo vệ môi trường"
        listed = {u["code"]: u for u in admin.get("/api/units").json()}
        assert listed[office["code"]] == office
        assert listed[department["code"]] == department
        officer = new_user(admin, "official", office["code"])
        head = new_user(admin, "leader", department["code"])
    with sign_in(live, officer["username"]) as client:
        dossier_id = open_dossier(client, "Xả thải ra sông Đáy")
    with sign_in(live, head["username"]) as client:
        assert client.get(f"/api/dossiers/{dossier_id}").status_code == 200
    with live.client("official_tp") as neighbour:
        assert neighbour.get(f"/api/dossiers/{dossier_id}").status_code == 404
    created = [
        e
        for e in trail(live, object_type="unit")
        if e["object_id"] in {str(department["id"]), str(office["id"])}
    ]
    assert sorted((e["action"], e["actor"], e["detail"]["parent"]) for e in created) == sorted(
        [("unit.create", "admin", "ubnd"), ("unit.create", "admin", department["code"])]
    )


def test_a_merged_units_dossiers_pass_to_its_successor(live: Api) -> None:
    """The 2025 mergers: a unit ends on a day and names the unit that takes over its work.
    Its dossiers stay its own; the successor's people read them from then on; nobody opens
    a dossier in it dated after its end; it ends once, into a unit that stands the next
    day and is not one it took over."""
    with live.client("admin") as admin:
        old = admin.post(
            "/api/units",
            json={"code": f"cu_{tag()}", "name": "Phòng Tài nguyên cũ", "valid_from": "2010-01-01"},
        ).json()
        assert old["valid_from"] == "2010-01-01" and old["valid_to"] is None
        new = admin.post(
            "/api/units",
            json={
                "code": f"moi_{tag()}",
                "name": "Phòng Nông nghiệp và Môi trường",
                "valid_from": "2025-03-01",
            },
        ).json()
        officer = new_user(admin, "official", old["code"])
        head = new_user(admin, "leader", new["code"])
        with sign_in(live, officer["username"]) as client:
            kept = open_dossier(client, "Hồ sơ của phòng cũ", opened_on="2024-05-27")
        with sign_in(live, head["username"]) as client:
            assert client.get(f"/api/dossiers/{kept}").status_code == 404
        # refused ends change nothing
        refused(
            admin.post(f"/api/units/{old['code']}/end", json={"valid_to": "2009-12-31"}),
            422,
            "bad_dates",
        )
        refused(
            admin.post(
                f"/api/units/{old['code']}/end",
                json={"valid_to": "2025-01-31", "successor_code": new["code"]},
            ),
            422,
            "successor_not_standing",
        )
        refused(
            admin.post(
                f"/api/units/{old['code']}/end",
                json={"valid_to": "2025-02-28", "successor_code": old["code"]},
            ),
            422,
            "successor_cycle",
        )
        refused(
            admin.post("/api/units/khong_co/end", json={"valid_to": "2025-02-28"}),
            404,
            "unit_not_found",
        )
        assert next(u for u in admin.get("/api/units").json() if u["id"] == old["id"]) == old
        ended = admin.post(
            f"/api/units/{old['code']}/end",
            json={"valid_to": "2025-02-28", "successor_code": new["code"]},
        )
        assert ended.status_code == 200, ended.text
        assert ended.json()["valid_to"] == "2025-02-28"
        assert ended.json()["successor_id"] == new["id"]
        refused(
            admin.post(f"/api/units/{old['code']}/end", json={"valid_to": "2025-03-31"}),
            409,
            "unit_ended",
        )
        # the successor cannot be turned back into its predecessor's successor
        refused(
            admin.post(
                f"/api/units/{new['code']}/end",
                json={"valid_to": "2026-06-30", "successor_code": old["code"]},
            ),
            422,
            "successor_not_standing",
        )
    with sign_in(live, head["username"]) as client:
        assert client.get(f"/api/dossiers/{kept}").json()["unit_id"] == old["id"]
    with sign_in(live, officer["username"]) as client:
        answer = client.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": "Mở sau khi sáp nhập",
                "field": "moi_truong",
                "opened_on": "2025-03-03",
                "custom": {"violation": "Xả thải"},
            },
        )
        error = refused(answer, 409, "unit_ended")
        assert "28/02/2025" in error["message"]
        assert open_dossier(client, "Nhập hồ sơ cũ", opened_on="2025-02-27") > 0
    ends = [e for e in trail(live, object_type="unit") if e["object_id"] == str(old["id"])]
    assert [e["action"] for e in ends if e["action"] == "unit.end"] == ["unit.end"]
    assert next(e for e in ends if e["action"] == "unit.end")["detail"] == {
        "code": old["code"],
        "valid_to": "2025-02-28",
        "successor": new["code"],
    }


def test_units_are_refused_when_duplicate_or_malformed(live: Api) -> None:
    """A unit code is used once; the parent must exist; codes are lower-case ASCII."""
    with live.client("admin") as admin:
        unit = new_unit(admin, "Phòng Văn hóa và Thông tin")
        refused(
            admin.post("/api/units", json={"code": unit["code"], "name": "Trùng mã"}),
            409,
            "unit_exists",
        )
        refused(
            admin.post("/api/units", json={"code": "tu_phap", "name": "Phòng Tư pháp 2"}),
            409,
            "unit_exists",
        )
        refused(
            admin.post(
                "/api/units",
                json={"code": f"dv_{tag()}", "name": "Mồ côi", "parent_code": "khong_co"},
            ),
            404,
            "unit_not_found",
        )
        for bad in (
            {"code": "Phòng Y tế", "name": "Có dấu"},
            {"code": "", "name": "Trống"},
            {"code": f"dv_{tag()}", "name": ""},
        ):
            refused(admin.post("/api/units", json=bad), 422, "invalid_request")
        codes = [u["code"] for u in admin.get("/api/units").json()]
    assert codes.count(unit["code"]) == 1
    assert codes.count("tu_phap") == 1


# -- Accounts -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_administrator_creates_an_account_of_each_role(live: Api, role: str) -> None:
    """The new account signs in with its password and is who the administrator said; the
    password itself is never shown back; the creation is audited."""
    with live.client("admin") as admin:
        account = new_user(admin, role, "qldt", full_name="Lương Thế Vinh")
        everyone = admin.get("/api/users").json()
    assert set(account) == {"id", "username", "full_name", "role", "unit_id", "active", "grants"}
    assert (account["role"], account["unit_id"], account["active"], account["grants"]) == (
        role,
        live.people.unit_ids["qldt"],
        True,
        [],
    )
    assert account["full_name"] == "Lương Thế Vinh"
    assert account in everyone
    assert PASSWORD not in str(everyone)
    with sign_in(live, account["username"]) as client:
        assert client.get("/api/auth/me").json() == account
    entry = next(
        e
        for e in trail(live, object_type="user", object_id=str(account["id"]))
        if e["action"] == "user.create"
    )
    assert (entry["actor"], entry["detail"]) == (
        "admin",
        {"username": account["username"], "role": role},
    )


def test_duplicate_accounts_are_refused(live: Api) -> None:
    """A username belongs to one person; asking again is refused and changes nothing."""
    with live.client("admin") as admin:
        account = new_user(admin, "clerk", "tu_phap")
        again = admin.post(
            "/api/users",
            json={
                "username": account["username"],
                "full_name": "Người khác",
                "password": PASSWORD,
                "role": "admin",
                "unit_code": "ubnd",
            },
        )
        refused(again, 409, "user_exists")
        refused(
            admin.post(
                "/api/users",
                json={
                    "username": "official_tp",
                    "full_name": "Mạo danh",
                    "password": PASSWORD,
                    "role": "official",
                    "unit_code": "tu_phap",
                },
            ),
            409,
            "user_exists",
        )
        same = [u for u in admin.get("/api/users").json() if u["username"] == account["username"]]
    assert same == [account]
    with sign_in(live, "official_tp") as client:  # the real official is untouched
        assert client.get("/api/auth/me").json()["full_name"] == "Nguyễn Văn Đức"


@pytest.mark.parametrize(
    "password",
    [
        "",
        "ngan",
        "1234567",
        "matkhau12",  # shorter than twelve
        "            ",  # twelve spaces
        "{username}-2024",  # the user name in it
        "password2024!",  # a common word with digits after it
        "qwertyuiop123",  # on the list of common passwords
        "123456789012",  # only digits
        "abcabcabcabc",  # one piece said over and over
    ],
)
def test_a_weak_password_is_refused(live: Api, password: str) -> None:
    """A password an attacker would guess is refused, saying why, and no account is made:
    shorter than twelve characters, only spaces, holding the user name, or common."""
    username = f"yeu-{tag()}"
    with live.client("admin") as admin:
        answer = admin.post(
            "/api/users",
            json={
                "username": username,
                "full_name": "Mật khẩu yếu",
                "password": password.format(username=username),
                "role": "official",
                "unit_code": "tu_phap",
            },
        )
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        if error["code"] == "invalid_request":
            assert "body.password" in {p["field"] for p in error["details"]["problems"]}
        else:
            assert error["code"] == "weak_password"
        assert username not in {u["username"] for u in admin.get("/api/users").json()}


def test_account_fields_are_checked(live: Api) -> None:
    """Usernames are lower-case ASCII; the role is one of the five; the unit must exist."""
    good = {
        "full_name": "Hồ Xuân Hương",
        "password": PASSWORD,
        "role": "official",
        "unit_code": "tu_phap",
    }
    with live.client("admin") as admin:
        for bad in (
            {"username": "Hồ Hương"},
            {"username": f"u-{tag()}", "role": "thu_truong"},
            {"username": "x"},
        ):
            refused(admin.post("/api/users", json={**good, **bad}), 422, "invalid_request")
        refused(
            admin.post(
                "/api/users", json={**good, "username": f"u-{tag()}", "unit_code": "khong_co"}
            ),
            404,
            "unit_not_found",
        )


def test_deactivating_keeps_the_account_but_locks_it(live: Api) -> None:
    """Accounts are never deleted — their actions stay in the trail — but a locked one can
    no longer sign in. Locking is audited; an unknown account is 'not found'."""
    with live.client("admin") as admin:
        account = new_user(admin, "official", "tu_phap")
        locked = admin.post(f"/api/users/{account['id']}/deactivate")
        assert locked.status_code == 200, locked.text
        assert locked.json() == {**account, "active": False}
        listed = [u for u in admin.get("/api/users").json() if u["id"] == account["id"]]
        assert listed == [locked.json()]
        refused(admin.post("/api/users/987654321/deactivate"), 404, "user_not_found")
    with live.anonymous() as client:
        answer = client.post(
            "/api/auth/login", json={"username": account["username"], "password": PASSWORD}
        )
    refused(answer, 401, "bad_credentials")
    entries = [e["action"] for e in trail(live, object_type="user", object_id=str(account["id"]))]
    assert "user.deactivate" in entries


# -- Auditors' scopes ---------------------------------------------------------------------


def test_an_auditor_inspects_what_the_grant_says(live: Api) -> None:
    """The administrator grants an auditor a unit and a period; the auditor then reads that
    unit's dossiers opened within the period, and nothing else."""
    with live.client("official_qldt") as qldt, live.client("official_tp") as tp:
        in_scope = open_dossier(qldt, "Thanh tra năm 2022", "2022-05-05")
        late = open_dossier(qldt, "Ngoài kỳ thanh tra", "2023-01-01")
        other_unit = open_dossier(tp, "Đơn vị khác", "2022-05-05")
    with live.client("admin") as admin:
        inspector = new_user(admin, "auditor", "ubnd")
        granted = admin.post(
            f"/api/users/{inspector['id']}/grants",
            json={"unit_code": "qldt", "period_from": "2022-01-01", "period_to": "2022-12-31"},
        )
    assert granted.status_code == 201, granted.text
    assert granted.json()["grants"] == [
        {
            "unit_id": live.people.unit_ids["qldt"],
            "period_from": "2022-01-01",
            "period_to": "2022-12-31",
        }
    ]
    with sign_in(live, inspector["username"]) as client:
        assert client.get(f"/api/dossiers/{in_scope}").status_code == 200
        assert client.get(f"/api/dossiers/{late}").status_code == 404
        assert client.get(f"/api/dossiers/{other_unit}").status_code == 404
        seen = {d["id"] for d in client.get("/api/dossiers", params={"limit": 200}).json()["items"]}
    assert in_scope in seen
    assert not seen & {late, other_unit}
    entry = next(
        e
        for e in trail(live, object_type="user", object_id=str(inspector["id"]))
        if e["action"] == "auditor.grant"
    )
    assert entry["detail"] == {"unit": "qldt", "from": "2022-01-01", "to": "2022-12-31"}


def test_grants_are_for_auditors_and_sensible_periods(live: Api) -> None:
    """Only auditor accounts receive inspection scopes; a period ends after it begins; the
    account and the unit must exist."""
    grant = {"unit_code": "tu_phap", "period_from": "2024-01-01", "period_to": "2024-12-31"}
    with live.client("admin") as admin:
        for username in ("official_tp", "leader_city", "clerk_tp", "admin"):
            refused(
                admin.post(f"/api/users/{live.people[username].id}/grants", json=grant),
                422,
                "not_auditor",
            )
        auditor = new_user(admin, "auditor", "ubnd")
        refused(
            admin.post(
                f"/api/users/{auditor['id']}/grants", json={**grant, "period_to": "2023-12-31"}
            ),
            422,
            "bad_period",
        )
        refused(
            admin.post(
                f"/api/users/{auditor['id']}/grants", json={**grant, "unit_code": "khong_co"}
            ),
            404,
            "not_found",
        )
        refused(admin.post("/api/users/987654321/grants", json=grant), 404, "not_found")
        refused(
            admin.post(
                f"/api/users/{auditor['id']}/grants", json={**grant, "period_from": "01/01/2024"}
            ),
            422,
            "invalid_request",
        )
        me = admin.get("/api/users").json()
    assert next(u for u in me if u["id"] == auditor["id"])["grants"] == []
    assert all(u["grants"] == [] for u in me if u["role"] != "auditor")


# -- Only administrators manage -----------------------------------------------------------


def _manage_requests(api: Api, victim: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("POST", "/api/units", {"json": {"code": f"tu_lap_{tag()}", "name": "Tự lập"}}),
        ("POST", "/api/units/qldt/end", {"json": {"valid_to": "2025-06-30"}}),
        ("GET", "/api/users", {}),
        (
            "POST",
            "/api/users",
            {
                "json": {
                    "username": f"tu-cap-{tag()}",
                    "full_name": "Tự cấp quyền",
                    "password": PASSWORD,
                    "role": "admin",
                    "unit_code": "ubnd",
                }
            },
        ),
        (
            "POST",
            f"/api/users/{api.people['auditor'].id}/grants",
            {"json": {"unit_code": "qldt", "period_from": "2000-01-01", "period_to": "2099-12-31"}},
        ),
        ("POST", f"/api/users/{victim['id']}/deactivate", {}),
        ("POST", f"/api/users/{victim['id']}/activate", {}),
        ("GET", f"/api/users/{victim['id']}/tokens", {}),
        ("DELETE", f"/api/users/{victim['id']}/tokens/1", {}),
        ("PUT", "/api/case-types/xlvphc", {"json": {"code": "xlvphc"}}),
        ("POST", "/api/case-types", {"json": {"code": "moi"}}),
    ]


@pytest.fixture(scope="module")
def victim(live: Api) -> dict[str, Any]:
    """An ordinary account the non-administrators below try (and fail) to lock."""
    with live.client("admin") as admin:
        return new_user(admin, "official", "tu_phap")


@pytest.mark.parametrize("username", NOT_ADMINS)
def test_only_the_administrator_manages_units_and_accounts(
    live: Api, victim: dict[str, Any], username: str
) -> None:
    """Officials, leaders (even of the city), clerks and auditors may not add units, list
    or create accounts, grant inspection scopes or lock accounts: 403 role_not_allowed,
    and nothing changes (the accounts, their grants and active flags, the units)."""
    with live.client("admin") as admin:
        units_before = admin.get("/api/units").json()
        users_before = admin.get("/api/users").json()
    with live.client(username) as client:
        for method, address, sent in _manage_requests(live, victim):
            error = refused(client.request(method, address, **sent), 403, "role_not_allowed")
            assert error["details"] == {"action": "manage"}, (method, address)
    with live.client("admin") as admin:
        assert admin.get("/api/units").json() == units_before
        users_after = admin.get("/api/users").json()
    assert users_after == users_before
    assert next(u for u in users_after if u["id"] == victim["id"])["active"] is True


def test_everyone_signed_in_reads_the_list_of_units(live: Api) -> None:
    """Sharing a dossier needs the other unit's code, so every signed-in person may read
    the list of units (codes, names, the tree and the days each stood)."""
    with live.client("clerk_tp") as client:
        units = client.get("/api/units").json()
    assert {u["code"]: u["name"] for u in units if u["code"] in {"ubnd", "tu_phap", "qldt"}} == {
        "ubnd": "UBND thành phố Phủ Lý",
        "tu_phap": "Phòng Tư pháp",
        "qldt": "Phòng Quản lý đô thị",
    }
    assert all(
        set(u) == {"id", "code", "name", "parent_id", "valid_from", "valid_to", "successor_id"}
        for u in units
    )


# -- Case types ---------------------------------------------------------------------------

BUILT_IN = {
    "xlvphc": "Xử lý vi phạm hành chính",
    "an_hanh_chinh": "Án hành chính",
    "thads": "Thi hành án dân sự",
    "qltt": "Kiểm tra của Quản lý thị trường",
}


def test_the_four_built_in_case_types_are_listed_in_vietnamese(live: Api) -> None:
    """Every signed-in person reads the case types: the four built in, each with its
    Vietnamese name, stages, transitions, fields of law, document kinds and time limits."""
    with live.client("clerk_tp") as client:
        answer = client.get("/api/case-types")
    assert answer.status_code == 200, answer.text
    types = {t["code"]: t for t in answer.json()}
    assert set(types) >= set(BUILT_IN)
    for code, name in BUILT_IN.items():
        definition = types[code]
        assert definition["name"]["vi"] == name
        assert definition["name"]["en"] and definition["name"]["en"] != name
        stage_codes = {s["code"] for s in definition["stages"]}
        assert stage_codes and all(s["name"]["vi"] for s in definition["stages"])
        assert all(a in stage_codes and b in stage_codes for a, b in definition["transitions"])
        assert definition["fields_of_law"] and definition["document_kinds"]
        assert definition["default_retention"] in {"vinh_vien", "70", "50", "30", "20", "10"}


def test_one_case_type_and_an_unknown_one(live: Api) -> None:
    """One case type is read by its code; an unknown code is 'not found', in Vietnamese."""
    with live.client("auditor") as client:
        xlvphc = client.get("/api/case-types/xlvphc")
        unknown = client.get("/api/case-types/ly_hon")
    assert xlvphc.status_code == 200, xlvphc.text
    body = xlvphc.json()
    assert body["code"] == "xlvphc"
    assert body["stages"][0] == {"code": "phat_hien", "name": body["stages"][0]["name"]}
    assert "violation" in {f["code"] for f in body["fields"] if f.get("required")}
    error = refused(unknown, 404, "case_type_not_found")
    assert "ly_hon" in error["message"]


# -- Health and documentation -------------------------------------------------------------


def test_health_answers_at_once_and_readiness_names_the_backend(
    live: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monitor asks /api/health (is the process alive?) and /api/ready (do the database
    and the store answer?) with no account. Liveness touches neither; readiness names the
    kinds of backend, never a host, user or secret, and lists nothing."""
    listed: list[str] = []
    real = live.archive.store.iter_objects

    def counting() -> Any:
        listed.append("listed")
        return real()

    monkeypatch.setattr(live.archive.store, "iter_objects", counting)
    with live.anonymous() as client:
        alive = client.get("/api/health")
        ready = client.get("/api/ready")
    assert alive.status_code == 200, alive.text
    assert alive.json()["status"] == "ok" and alive.json()["version"]
    assert ready.status_code == 200, ready.text
    health = ready.json()
    assert health["status"] == "ready"
    assert health["embedded"] is (live.backend.kind == "embedded")
    assert listed == []  # not one listing of the bucket, however large the collection
    if live.backend.kind == "scaled":
        assert "postgresql" in health["database"]
        password = make_url(live.backend.settings.database_url).password
        assert password and f":{password}@" not in ready.text
        assert live.backend.settings.s3_secret_key not in ready.text
    else:
        assert "sqlite" in health["database"]


def test_readiness_says_so_when_the_store_is_gone(
    live: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down() -> None:
        raise OSError("no route to host")

    monkeypatch.setattr(live.archive.store, "ping", down)
    with live.anonymous() as client:
        alive = client.get("/api/health")
        ready = client.get("/api/ready")
    assert alive.status_code == 200  # the process itself is alive
    refused(ready, 503, "not_ready")


def test_an_unknown_address_answers_in_the_archives_words(live: Api) -> None:
    """A mistyped address or method answers with the archive's error shape, in Vietnamese."""
    with live.client("official_tp") as client:
        missing = client.get("/api/ho-so")
        wrong_method = client.delete("/api/dossiers")
    refused(missing, 404, "http_404")
    refused(wrong_method, 405, "http_405")
    assert set(wrong_method.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def _api_routes() -> list[tuple[str, str]]:
    app = create_app(cast(Archive, SimpleNamespace()))  # only the route table is read
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if route.path and route.path.startswith("/api/"):
            found.update((m, route.path) for m in getattr(route, "methods", ()) if m != "HEAD")
    return sorted(found)


def test_the_api_documentation_describes_every_route(live: Api) -> None:
    """/openapi.json documents every route with a summary in Vietnamese and English
    ('Việt · English'), says which routes need a token, and /docs shows it in a browser —
    from the archive's own files, since agency networks are often closed to the internet."""
    with live.anonymous() as client:
        document = client.get("/openapi.json")
        docs = client.get("/docs")
        urls = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert urls and all(url.startswith("/") for url in urls), urls  # no CDN
        assets = [client.get(url) for url in urls]
    assert document.status_code == 200
    paths = document.json()["paths"]
    routes = _api_routes()
    assert len(routes) >= 30
    for method, path in routes:
        operation = paths[path][method.lower()]
        assert " · " in operation.get("summary", ""), (method, path)
        needs_token = path not in {
            "/api/health",
            "/api/ready",
            "/api/auth/login",
            "/api/auth/session",
            "/api/public/lookup",
        }
        assert bool(operation.get("security")) is needs_token, (method, path)
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert "swagger" in docs.text.lower() and "/openapi.json" in docs.text
    assert all(a.status_code == 200 and a.content for a in assets), [str(a.url) for a in assets]


# -- Keeping administration possible ---------------------------------------------------


def test_no_administrator_locks_themselves_out(live: Api) -> None:
    """One request by the only administrator used to lock everyone out of administration
    for good. Now no one deactivates themselves (so through the API the last active
    administrator always stays; the command line refuses it too, see tests/cli). Another
    administrator is locked and reactivated, and the sessions from before the lock stay
    dead after reactivation."""
    admin_id = live.people["admin"].id
    with live.client("admin") as admin:
        refused(admin.post(f"/api/users/{admin_id}/deactivate"), 403, "cannot_deactivate_self")
        second = new_user(admin, "admin", "ubnd")
    with sign_in(live, second["username"]) as other:
        refused(other.post(f"/api/users/{second['id']}/deactivate"), 403, "cannot_deactivate_self")
        locked = other.post(f"/api/users/{admin_id}/deactivate")
        assert locked.status_code == 200 and locked.json()["active"] is False
        reopened = other.post(f"/api/users/{admin_id}/activate")
        assert reopened.status_code == 200 and reopened.json()["active"] is True
    with live.client("admin") as admin:  # the token from before the lock stays revoked
        refused(admin.get("/api/auth/me"), 401, "not_signed_in")
    live._tokens.pop("admin", None)
    with live.client("admin") as admin:
        assert admin.get("/api/auth/me").status_code == 200
        assert admin.post(f"/api/users/{second['id']}/deactivate").status_code == 200
        audit = admin.get("/api/audit", params={"object_type": "user", "limit": 20}).json()
    actions = [(e["action"], e["object_id"]) for e in audit]
    assert ("user.activate", str(admin_id)) in actions
    assert ("user.deactivate", str(second["id"])) in actions


def test_an_administrator_changes_a_case_type_as_a_new_version(live: Api) -> None:
    """Case types are data an administrator edits through the API: each change is stored
    as the next version (the older ones stay readable, and dossiers keep theirs)."""
    with live.client("admin") as admin:
        current = admin.get("/api/case-types/qltt").json()
        changed = {**current, "legal_basis": current["legal_basis"] + " (sửa đổi 2025)"}
        answer = admin.put("/api/case-types/qltt", json=changed)
        assert answer.status_code == 200, answer.text
        assert answer.json()["version"] == current["version"] + 1
        assert admin.get("/api/case-types/qltt").json()["legal_basis"].endswith("(sửa đổi 2025)")
        old = admin.get("/api/case-types/qltt", params={"version": current["version"]})
        assert old.json()["legal_basis"] == current["legal_basis"]
        history = admin.get("/api/case-types/qltt/versions").json()
        assert [(v["version"], v["source"], v["current"]) for v in history][-2:] == [
            (current["version"], "builtin", False),
            (current["version"] + 1, "admin", True),
        ]
        broken = {**current, "transitions": [["ke_hoach", "khong_co"]]}
        refused(admin.put("/api/case-types/qltt", json=broken), 422, "bad_case_type")
        refused(admin.put("/api/case-types/khong_co", json=current), 404, "case_type_not_found")
        new_type = {
            **current,
            "code": "tiep_cong_dan",
            "name": {"vi": "Tiếp công dân", "en": "Citizen reception"},
        }
        created = admin.post("/api/case-types", json=new_type)
        assert created.status_code == 201, created.text
        assert created.json()["version"] == 1
        refused(admin.post("/api/case-types", json=new_type), 409, "case_type_exists")
    with live.client("official_tp") as official:
        refused(official.put("/api/case-types/qltt", json=current), 403, "role_not_allowed")
