"""Opening, changing, finding dossiers: what the case type decides, and what is refused.

A dossier belongs to a case type (XLVPHC, án hành chính, THADS, QLTT) that decides its fields
of law, stages and the moves between them, party roles, its own extra fields and the default
retention. Blanks take the case type's defaults; anything the type does not allow is refused
with a stable code and a Vietnamese message saying what to fix. Every change is written to
the hash-chained audit trail.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime
from typing import Any, cast

import httpx
import pytest
from support.live import Api

XLVPHC: dict[str, Any] = {
    "case_type": "xlvphc",
    "title": "Vi phạm trật tự xây dựng tại phường Lê Hồng Phong",
    "field": "xay_dung",
    "opened_on": "2024-05-26",
    "parties": [{"role": "violator", "name": "Nguyễn Văn Đức", "id_number": "035090001234"}],
    "custom": {"violation": "Xây dựng công trình không có giấy phép", "fine_amount": 7_500_000},
}

# A valid dossier of each built-in case type, with what that type requires.
MINIMAL: dict[str, dict[str, Any]] = {
    "xlvphc": {"field": "giao_thong", "custom": {"violation": "Vượt đèn đỏ"}},
    "an_hanh_chinh": {
        "field": "dat_dai",
        "custom": {"contested_decision": "Quyết định số 123/QĐ-UBND"},
    },
    "thads": {"field": "dan_su", "custom": {"judgment": "Bản án số 45/2024/DS-ST"}},
    "qltt": {"field": "hang_gia", "custom": {}},
}


def tag() -> str:
    return secrets.token_hex(4)


def create(client: httpx.Client, **changes: Any) -> httpx.Response:
    return client.post("/api/dossiers", json={**XLVPHC, **changes})


def created(client: httpx.Client, **changes: Any) -> dict[str, Any]:
    answer = create(client, **changes)
    assert answer.status_code == 201, answer.text
    return cast(dict[str, Any], answer.json())


def case_type(api: Api, code: str) -> dict[str, Any]:
    with api.client("official_tp") as client:
        answer = client.get(f"/api/case-types/{code}")
    assert answer.status_code == 200, answer.text
    return cast(dict[str, Any], answer.json())


def refused(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error = cast(dict[str, Any], answer.json()["error"])
    assert error["code"] == code, error
    assert error["message"] and error["message_en"] and error["message"] != error["message_en"]
    return error


def listed(api: Api, username: str = "admin", **params: Any) -> dict[str, Any]:
    with api.client(username) as client:
        answer = client.get("/api/dossiers", params=params)
    assert answer.status_code == 200, answer.text
    return cast(dict[str, Any], answer.json())


def trail_of(api: Api, dossier_id: int) -> list[dict[str, Any]]:
    """The audit entries about one dossier, oldest first."""
    with api.client("admin") as admin:
        answer = admin.get(
            "/api/audit", params={"object_type": "dossier", "object_id": str(dossier_id)}
        )
    assert answer.status_code == 200, answer.text
    return sorted(answer.json(), key=lambda e: e["seq"])


# -- Opening a dossier ------------------------------------------------------------------------


@pytest.mark.parametrize("type_code", list(MINIMAL))
def test_opening_a_dossier_takes_the_case_types_defaults(live: Api, type_code: str) -> None:
    """Left blank, the code is generated as TYPE-YEAR-NNNN (year of opening, numbered in
    order), the stage is the case type's first, the retention its default, the unit the
    official's own; nothing is shared."""
    definition = case_type(live, type_code)
    with live.client("official_tp") as client:
        first, second = (
            created(
                client,
                case_type=type_code,
                parties=[],
                opened_on="2024-03-08",
                title=f"Hồ sơ {definition['name']['vi']} {n}",
                **MINIMAL[type_code],
            )
            for n in (1, 2)
        )
    pattern = re.compile(rf"^{re.escape(type_code.upper())}-2024-(\d{{4}})$")
    numbers = []
    for dossier in (first, second):
        found = pattern.match(dossier["code"])
        assert found, dossier["code"]
        numbers.append(int(found.group(1)))
        assert dossier["stage"] == definition["stages"][0]["code"]
        assert dossier["retention"] == definition["default_retention"]
        assert dossier["unit_id"] == live.people.unit_ids["tu_phap"]
        assert dossier["case_type"] == type_code
        assert dossier["shared_with"] == []
        assert dossier["closed_on"] is None
        # The first stage is the dossier's first event, effective the day it was opened.
        assert dossier["key_dates"] == {definition["stages"][0]["code"]: "2024-03-08"}
        assert dossier["case_type_version"] == definition["version"]
    assert numbers[1] == numbers[0] + 1


def test_an_xlvphc_dossier_as_the_official_sees_it(live: Api) -> None:
    """A violation dossier opened with just the essentials starts at 'phát hiện', is kept
    10 years, gets a code like XLVPHC-2024-0001, and keeps what was typed (trimmed)."""
    with live.client("official_tp") as client:
        dossier = created(
            client,
            custom={
                "violation": "  Lấn chiếm vỉa hè  ",
                "fine_amount": 2_000_000,
                "complex_case": True,
            },
        )
        again = client.get(f"/api/dossiers/{dossier['id']}").json()
    assert re.fullmatch(r"XLVPHC-2024-\d{4}", dossier["code"])
    assert dossier["stage"] == "phat_hien"
    assert dossier["retention"] == "10"
    assert dossier["custom"] == {
        "violation": "Lấn chiếm vỉa hè",
        "fine_amount": 2_000_000,
        "complex_case": True,
    }
    assert dossier["parties"] == [
        {
            "role": "violator",
            "kind": "individual",
            "name": "Nguyễn Văn Đức",
            "id_number": "035090001234",
            "address": None,
        }
    ]
    assert again == dossier


def test_a_chosen_code_is_kept_and_cannot_be_used_twice(live: Api) -> None:
    """An official may give the dossier its register code; a code is used once only."""
    code = f"15/2024/HS-TP-{tag()}"
    with live.client("official_tp") as client:
        first = created(
            client, code=code, stage="lap_bien_ban", retention="vinh_vien", closed_on="2024-12-31"
        )
        assert (first["code"], first["stage"], first["retention"], first["closed_on"]) == (
            code,
            "lap_bien_ban",
            "vinh_vien",
            "2024-12-31",
        )
        error = refused(
            create(client, code=code, title="Hồ sơ khác, cùng mã"), 409, "dossier_code_taken"
        )
        assert code in error["message"]
    with live.client("official_qldt") as other_unit:
        refused(create(other_unit, code=code), 409, "dossier_code_taken")
    assert listed(live, q=code)["total"] == 1


def test_a_generated_code_never_collides_with_a_chosen_one(live: Api) -> None:
    """Opening a dossier without a code always succeeds, even after someone typed a code
    of the same series by hand."""
    with live.client("official_tp") as client:
        chosen = created(
            client,
            case_type="thads",
            opened_on="2011-04-04",
            parties=[],
            code="THADS-2011-0002",
            **MINIMAL["thads"],
        )
        generated = create(
            client, case_type="thads", opened_on="2011-05-05", parties=[], **MINIMAL["thads"]
        )
    assert generated.status_code == 201, generated.text
    assert generated.json()["code"] != chosen["code"]
    assert generated.json()["code"].startswith("THADS-2011-")


# (what is changed from a valid XLVPHC dossier, status, code, detail expected)
INVALID: list[tuple[str, dict[str, Any], int, str]] = [
    ("no such case type", {"case_type": "ly_hon"}, 422, "unknown_case_type"),
    ("field of another case type", {"field": "hang_gia"}, 422, "unknown_field_of_law"),
    ("stage of another case type", {"stage": "xet_xu"}, 422, "unknown_stage"),
    (
        "party role of another case type",
        {"parties": [{"role": "plaintiff", "name": "Trần Văn Kiện"}]},
        422,
        "unknown_party_role",
    ),
    ("the violation left out", {"custom": {"fine_amount": 1_000_000}}, 422, "missing_custom_field"),
    ("the violation left blank", {"custom": {"violation": ""}}, 422, "missing_custom_field"),
    (
        "a fine written as text",
        {"custom": {"violation": "Vượt đèn đỏ", "fine_amount": "7500000"}},
        422,
        "bad_custom_field",
    ),
    (
        "a fine in fractions of a đồng",
        {"custom": {"violation": "Vượt đèn đỏ", "fine_amount": 7500000.5}},
        422,
        "bad_custom_field",
    ),
    (
        "a negative fine",
        {"custom": {"violation": "Vượt đèn đỏ", "fine_amount": -1}},
        422,
        "bad_custom_field",
    ),
    (
        "yes/no written as text",
        {"custom": {"violation": "Vượt đèn đỏ", "complex_case": "có"}},
        422,
        "bad_custom_field",
    ),
    (
        "a field the case type lacks",
        {"custom": {"violation": "Vượt đèn đỏ", "mau_xe": "đỏ"}},
        422,
        "unknown_custom_field",
    ),
    ("retention not in the legal list", {"retention": "15"}, 422, "bad_retention"),
    ("closed before it was opened", {"closed_on": "2024-05-25"}, 422, "bad_dates"),
    (
        "key dates sent instead of stage events",
        {"key_dates": {"phat_hien": "2024-06-01"}},
        422,
        "invalid_request",
    ),
    ("a title of spaces only", {"title": "   "}, 422, "missing_title"),
    ("a date that does not exist", {"opened_on": "2024-02-30"}, 422, "invalid_request"),
    ("no title at all", {"title": None}, 422, "invalid_request"),
    ("an unknown unit", {"unit_code": "so_khong_co"}, 404, "unit_not_found"),
    ("another unit", {"unit_code": "qldt"}, 403, "unit_not_allowed"),
]


@pytest.mark.parametrize(
    ("change", "status", "code"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_an_invalid_dossier_is_refused_saying_why(
    live: Api, change: dict[str, Any], status: int, code: str
) -> None:
    """Anything the case type does not allow is refused with a stable code and a message in
    Vietnamese (then English), and no dossier is created."""
    chosen = f"SAI-{tag()}"
    with live.client("official_tp") as client:
        error = refused(create(client, code=chosen, **change), status, code)
    if code in {
        "unknown_case_type",
        "unknown_field_of_law",
        "unknown_stage",
        "unknown_party_role",
        "bad_retention",
        "unknown_custom_field",
    }:
        assert error["details"]["allowed"]  # the message lists what would be accepted
    if code in {"missing_custom_field", "bad_custom_field"}:
        assert error["details"]["field"] in {"violation", "fine_amount", "complex_case"}
    assert listed(live, q=chosen)["total"] == 0


def test_refusals_name_what_is_allowed(live: Api) -> None:
    """The details of a refusal list the accepted values, taken from the case type."""
    definition = case_type(live, "xlvphc")
    with live.client("official_tp") as client:
        fields = refused(create(client, field="hon_nhan"), 422, "unknown_field_of_law")
        stages = refused(create(client, stage="xet_xu"), 422, "unknown_stage")
        missing = refused(create(client, custom={}), 422, "missing_custom_field")
        retention = refused(create(client, retention="99"), 422, "bad_retention")
    assert fields["details"]["allowed"] == [f["code"] for f in definition["fields_of_law"]]
    assert stages["details"]["allowed"] == [s["code"] for s in definition["stages"]]
    assert missing["details"] == {"field": "violation"}
    assert "Hành vi vi phạm" in missing["message"]  # the field named as the form names it
    assert set(retention["details"]["allowed"]) == {"vinh_vien", "70", "50", "30", "20", "10"}


# -- Changing a dossier -----------------------------------------------------------------------


def test_stage_moves_follow_the_case_type(live: Api) -> None:
    """A dossier moves only along the case type's transitions, each move an event with the
    date it took effect: from 'phát hiện' the record of violation comes first; a move the
    type does not allow is refused naming the moves that are allowed; a stage the type
    lacks is refused as unknown; a date before the previous step or in the future is
    refused. PATCH changes the description only, never the stage."""
    transitions = {tuple(t) for t in case_type(live, "xlvphc")["transitions"]}
    with live.client("official_tp") as client:
        dossier = created(client)
        address = f"/api/dossiers/{dossier['id']}"
        events = f"{address}/events"

        def move(stage: str, on: str, reason: str | None = None) -> httpx.Response:
            return client.post(
                events, json={"to_stage": stage, "effective_on": on, "reason": reason}
            )

        skip = refused(move("ra_quyet_dinh", "2024-05-27"), 422, "stage_not_allowed")
        assert skip["details"]["allowed"] == ["lap_bien_ban"]
        assert ("phat_hien", "ra_quyet_dinh") not in transitions
        refused(move("xet_xu", "2024-05-27"), 422, "unknown_stage")
        refused(client.patch(address, json={"stage": "lap_bien_ban"}), 422, "invalid_request")
        assert client.get(address).json()["stage"] == "phat_hien"
        refused(move("lap_bien_ban", "2024-05-01"), 422, "date_before_previous_stage")
        refused(move("lap_bien_ban", "2999-01-01"), 422, "date_in_future")

        dates = {
            "lap_bien_ban": "2024-05-27",
            "ra_quyet_dinh": "2024-06-03",
            "thi_hanh": "2024-06-05",
        }
        for step, on in dates.items():
            moved = move(step, on, f"Bước {step}")
            assert moved.status_code == 201, moved.text
            assert (moved.json()["to_stage"], moved.json()["effective_on"]) == (step, on)
            assert client.get(address).json()["stage"] == step
        back = refused(move("lap_bien_ban", "2024-06-06"), 422, "stage_not_allowed")
        assert sorted(back["details"]["allowed"]) == sorted(
            b for a, b in transitions if a == "thi_hanh"
        )
        assert sorted(back["details"]["allowed"]) == ["cuong_che", "ket_thuc"]
        done = move("ket_thuc", "2024-09-30")
        assert done.status_code == 201, done.text
        closed = client.patch(address, json={"closed_on": "2024-09-30"})
        assert (closed.json()["stage"], closed.json()["closed_on"]) == ("ket_thuc", "2024-09-30")
        assert closed.json()["key_dates"] == {
            "phat_hien": dossier["opened_on"],
            **dates,
            "ket_thuc": "2024-09-30",
        }
        history = client.get(events).json()
    assert [(e["from_stage"], e["to_stage"]) for e in history] == [
        (None, "phat_hien"),
        ("phat_hien", "lap_bien_ban"),
        ("lap_bien_ban", "ra_quyet_dinh"),
        ("ra_quyet_dinh", "thi_hanh"),
        ("thi_hanh", "ket_thuc"),
    ]
    assert history[1]["reason"] == "Bước lap_bien_ban"
    assert all(e["actor_id"] == live.people["official_tp"].id for e in history)
    moves = [
        (e["detail"]["from"], e["detail"]["to"], e["detail"]["effective_on"])
        for e in trail_of(live, dossier["id"])
        if e["action"] == "dossier.stage"
    ]
    assert moves[-1] == ("thi_hanh", "ket_thuc", "2024-09-30")
    assert len(moves) == 5


def test_a_change_touches_only_what_is_sent(live: Api) -> None:
    """Correcting the title leaves everything else as it was; the record of when it was
    last changed moves on, the record of when it was opened does not."""
    with live.client("official_tp") as client:
        dossier = created(client)
        answer = client.patch(
            f"/api/dossiers/{dossier['id']}",
            json={"title": "Vi phạm trật tự xây dựng (đã đính chính)", "retention": "20"},
        )
    assert answer.status_code == 200, answer.text
    after = answer.json()
    assert after["title"] == "Vi phạm trật tự xây dựng (đã đính chính)"
    assert after["retention"] == "20"
    untouched = (
        "code",
        "case_type",
        "unit_id",
        "field",
        "stage",
        "opened_on",
        "closed_on",
        "parties",
        "key_dates",
        "custom",
        "shared_with",
        "created_at",
    )
    assert {k: after[k] for k in untouched} == {k: dossier[k] for k in untouched}
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
        dossier["updated_at"]
    )


def test_an_invalid_change_is_refused_and_changes_nothing(live: Api) -> None:
    """A change is checked like a new dossier: the case type's fields, parties, custom
    fields and retention; the dates in order; the code and the unit cannot be changed."""
    with live.client("official_tp") as client:
        dossier = created(client)
        address = f"/api/dossiers/{dossier['id']}"
        refused(client.patch(address, json={"closed_on": "2024-01-01"}), 422, "bad_dates")
        refused(
            client.patch(address, json={"opened_on": "2025-01-01", "closed_on": "2024-12-31"}),
            422,
            "bad_dates",
        )
        refused(client.patch(address, json={"field": "dan_su"}), 422, "unknown_field_of_law")
        refused(client.patch(address, json={"retention": "5"}), 422, "bad_retention")
        refused(
            client.patch(address, json={"custom": {"violation": "X", "fine_amount": "1"}}),
            422,
            "bad_custom_field",
        )
        refused(
            client.patch(address, json={"custom": {"fine_amount": 1}}), 422, "missing_custom_field"
        )
        refused(
            client.patch(address, json={"parties": [{"role": "debtor", "name": "A"}]}),
            422,
            "unknown_party_role",
        )
        refused(client.patch(address, json={"title": "  "}), 422, "missing_title")
        for frozen in ({"code": "DOI-MA"}, {"unit_id": 3}, {"case_type": "thads"}):
            refused(client.patch(address, json=frozen), 422, "invalid_request")
        refused(
            client.patch("/api/dossiers/987654321", json={"title": "Không có"}),
            404,
            "dossier_not_found",
        )
        after = client.get(address).json()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in dossier.items() if k != "updated_at"
    }


NULLS: list[Any] = [
    pytest.param(
        "title",
        id="title",
    ),
    pytest.param(
        "opened_on",
        id="opened_on",
    ),
    pytest.param(
        "custom",
        id="custom",
    ),
    pytest.param("field", id="field"),
    pytest.param("retention", id="retention"),
]


@pytest.mark.parametrize("name", NULLS)
def test_blanking_a_required_field_is_refused(live: Api, name: str) -> None:
    """A dossier always has a title, a field of law, a retention, an opening date and its
    case type's required fields: sending null for one of them is refused (422) and the
    dossier stays as it was."""
    with live.client("official_tp") as client:
        dossier = created(client)
        answer = client.patch(f"/api/dossiers/{dossier['id']}", json={name: None})
        after = client.get(f"/api/dossiers/{dossier['id']}").json()
    assert answer.status_code == 422, answer.text
    assert after[name] == dossier[name]


# -- Finding dossiers -------------------------------------------------------------------------


def _seed_for_filters(api: Api, mark: str) -> dict[str, dict[str, Any]]:
    with api.client("official_tp") as tp, api.client("official_qldt") as qldt:
        return {
            "a": created(tp, title=f"Xây dựng trái phép {mark}", opened_on="2024-02-10"),
            "b": created(
                tp,
                title=f"Vi phạm giao thông {mark}",
                field="giao_thong",
                opened_on="2024-06-01",
                stage="lap_bien_ban",
            ),
            "c": created(
                tp,
                case_type="thads",
                title=f"Thi hành án dân sự {mark}",
                opened_on="2023-11-20",
                parties=[],
                **MINIMAL["thads"],
            ),
            "d": created(
                tp,
                case_type="qltt",
                title=f"Hàng giả, hàng nhái {mark}",
                opened_on="2024-09-09",
                parties=[],
                **MINIMAL["qltt"],
            ),
            "e": created(qldt, title=f"Đô thị: lấn chiếm vỉa hè {mark}", opened_on="2024-03-03"),
        }


def test_filters_narrow_the_list(live: Api) -> None:
    """The list filters by case type, field of law, stage, opening dates (both ends
    included), unit and words of the code or title; filters combine; newest first."""
    mark = f"lọc-{tag()}"
    made = _seed_for_filters(live, mark)
    ids = {d["id"]: name for name, d in made.items()}
    units = live.people.unit_ids

    def names(**params: Any) -> list[str]:
        page = listed(live, q=mark, **params)
        assert page["total"] == len(page["items"])
        return [ids[d["id"]] for d in page["items"]]

    assert names() == ["d", "b", "e", "a", "c"]  # by opening date, newest first
    assert names(case_type="xlvphc") == ["b", "e", "a"]
    assert names(case_type="thads") == ["c"]
    assert names(field="xay_dung") == ["e", "a"]
    assert names(stage="lap_bien_ban") == ["b"]
    assert names(opened_from="2024-03-03", opened_to="2024-06-01") == ["b", "e"]
    assert names(opened_to="2023-12-31") == ["c"]
    assert names(unit_id=units["qldt"]) == ["e"]
    assert names(unit_id=units["tu_phap"], case_type="xlvphc", field="xay_dung") == ["a"]
    assert names(case_type="an_hanh_chinh") == []
    assert [ids[d["id"]] for d in listed(live, q=made["c"]["code"])["items"]] == ["c"]
    assert [ids[d["id"]] for d in listed(live, q=made["c"]["code"].lower())["items"]] == ["c"]
    assert names(unit_id=units["ubnd"]) == []  # a unit's own dossiers, not those below it


def test_words_with_vietnamese_diacritics_are_found(live: Api) -> None:
    """Searching with the words as written — diacritics and all — finds the dossier, and
    a word with other diacritics (giao thông / giáo thông) is a different word."""
    mark = f"dấu-{tag()}"
    made = _seed_for_filters(live, mark)
    ids = {d["id"]: name for name, d in made.items()}

    def found(words: str) -> set[str]:
        return {ids[d["id"]] for d in listed(live, q=words)["items"] if d["id"] in ids}

    assert found(f"giao thông {mark}") == {"b"}
    assert found("dựng trái phép") >= {"a"}
    assert found(f"lấn chiếm vỉa hè {mark}") == {"e"}
    assert found(f"hàng giả, hàng nhái {mark}") == {"d"}
    assert found(f"án dân sự {mark}") == {"c"}
    assert found(f"giáo thông {mark}") == set()
    assert found(f"lấn chiếm vỉa hẻ {mark}") == set()


def test_words_typed_exactly_as_stored_are_found(live: Api, request: pytest.FixtureRequest) -> None:
    """A title copied exactly from the dossier — capital Đ and all — finds that dossier."""
    mark = f"đúng-{tag()}"
    made = _seed_for_filters(live, mark)
    for name in ("e", "d"):
        title = made[name]["title"]
        assert [d["id"] for d in listed(live, q=title)["items"]] == [made[name]["id"]], title


def test_search_ignores_the_case_of_vietnamese_letters(
    live: Api, request: pytest.FixtureRequest
) -> None:
    """'đô thị' finds 'Đô thị' and 'HÀNG GIẢ' finds 'Hàng giả', as a person expects."""
    mark = f"hoa-{tag()}"
    made = _seed_for_filters(live, mark)
    assert [d["id"] for d in listed(live, q=f"đô thị: lấn chiếm vỉa hè {mark}")["items"]] == [
        made["e"]["id"]
    ]
    assert [d["id"] for d in listed(live, q=f"HÀNG GIẢ, HÀNG NHÁI {mark.upper()}")["items"]] == [
        made["d"]["id"]
    ]


def test_decomposed_and_precomposed_spellings_find_each_other(live: Api) -> None:
    """Vietnamese keyboards send either precomposed letters or letters plus combining
    marks; the same words must find the same dossier whichever way they were typed."""
    mark = tag()
    title = f"Quyết định cưỡng chế tháo dỡ {mark}"
    with live.client("official_tp") as client:
        typed = created(client, title=unicodedata.normalize("NFD", title))
    assert typed["title"] == title  # kept in the composed form (NFC)
    assert [d["id"] for d in listed(live, q=title)["items"]] == [typed["id"]]


def test_search_characters_are_taken_literally(live: Api) -> None:
    """Searching for '%' or '_' finds dossiers whose code or title contains that character,
    not every dossier."""
    mark = tag()
    with live.client("official_tp") as client:
        with_percent = created(client, title=f"Tăng 100% mức phạt {mark}")
        created(client, title=f"Không có ký tự đặc biệt {mark}")
    hits = listed(live, q=f"%{mark}")["items"]
    assert [d["id"] for d in hits] == []
    hits = listed(live, q="100%")["items"]
    assert with_percent["id"] in {d["id"] for d in hits}
    assert all("%" in d["title"] or "%" in d["code"] for d in hits)


def test_pages_of_the_list(live: Api) -> None:
    """The list comes in pages (limit, offset) that together hold each dossier once; the
    total is the number of matching dossiers, whatever the page."""
    mark = f"trang-{tag()}"
    made = _seed_for_filters(live, mark)
    seen: list[int] = []
    for offset in (0, 2, 4, 6):
        page = listed(live, q=mark, limit=2, offset=offset)
        assert (page["total"], page["limit"], page["offset"]) == (5, 2, offset)
        assert len(page["items"]) == max(0, min(2, 5 - offset))
        seen += [d["id"] for d in page["items"]]
    assert sorted(seen) == sorted(d["id"] for d in made.values())
    assert seen == [d["id"] for d in listed(live, q=mark, limit=200)["items"]]
    with live.client("official_tp") as client:
        for bad in (
            {"limit": 0},
            {"limit": 201},
            {"offset": -1},
            {"opened_from": "26/05/2024"},
            {"unit_id": "tu_phap"},
            {"q": "x" * 201},
        ):
            refused(client.get("/api/dossiers", params=bad), 422, "invalid_request")
        assert client.get("/api/dossiers").json()["limit"] == 50


# -- Vietnamese text --------------------------------------------------------------------------

VIETNAMESE = {
    "title": "Quyết định xử phạt vi phạm hành chính về trật tự xây dựng — Ông Nguyễn Đức Ưng, "
    "thôn Đông Dư, xã Tiên Hải; ghi chú: “đã nộp phạt”, mức ≥ 7.500.000 đ",
    "name": "Bà Phạm Thị Ngọc Ánh (Ấp Ỷ Lan)",
    "address": "Số 12, ngõ 34, đường Trường Chinh, phường Quang Trung, TP. Phủ Lý, Hà Nam",
    "violation": "Xây dựng sai nội dung giấy phép; lấn chiếm hành lang an toàn đường bộ",
    "place": "Khu đô thị Bắc Châu Giang – lô ĐX-07",
}


def test_vietnamese_text_comes_back_exactly_as_written(live: Api) -> None:
    """Every Vietnamese letter, tone mark, dash and quotation mark sent is kept and given
    back exactly — same characters, composed form (NFC) — and found again by search."""
    assert all(unicodedata.is_normalized("NFC", v) for v in VIETNAMESE.values())
    with live.client("official_tp") as client:
        dossier = created(
            client,
            title=VIETNAMESE["title"],
            parties=[
                {
                    "role": "violator",
                    "name": VIETNAMESE["name"],
                    "address": VIETNAMESE["address"],
                    "kind": "individual",
                },
                {
                    "role": "witness",
                    "name": "Công ty TNHH Xây dựng Đại Dương",
                    "kind": "organisation",
                },
            ],
            custom={
                "violation": VIETNAMESE["violation"],
                "violation_place": VIETNAMESE["place"],
                "remedial_measures": "Buộc tháo dỡ công trình vi phạm",
            },
        )
        read = client.get(f"/api/dossiers/{dossier['id']}")
    back = read.json()
    assert back["title"] == VIETNAMESE["title"]
    assert back["parties"][0]["name"] == VIETNAMESE["name"]
    assert back["parties"][0]["address"] == VIETNAMESE["address"]
    assert back["parties"][1] == {
        "role": "witness",
        "kind": "organisation",
        "address": None,
        "name": "Công ty TNHH Xây dựng Đại Dương",
        "id_number": None,
    }
    assert back["custom"]["violation"] == VIETNAMESE["violation"]
    assert back["custom"]["violation_place"] == VIETNAMESE["place"]
    assert [d["id"] for d in listed(live, q="trật tự xây dựng — ")["items"]][:1] == [dossier["id"]]
    entry = next(e for e in trail_of(live, dossier["id"]) if e["action"] == "dossier.create")
    assert entry["detail"]["code"] == dossier["code"]


# -- The audit trail --------------------------------------------------------------------------


def test_every_change_is_in_the_audit_trail_and_the_chain_holds(live: Api) -> None:
    """Opening, changing, sharing, un-sharing and reading a dossier each leave an entry
    saying who did what to which dossier of which unit; the hash chain then verifies
    intact up to the newest entry."""
    with live.client("official_tp") as client:
        dossier = created(client)
        address = f"/api/dossiers/{dossier['id']}"
        assert client.patch(address, json={"title": "Đổi tiêu đề"}).status_code == 200
        moved = client.post(
            f"{address}/events", json={"to_stage": "lap_bien_ban", "effective_on": "2024-05-27"}
        )
        assert moved.status_code == 201, moved.text
        assert client.post(f"{address}/shares", json={"unit_code": "qldt"}).status_code == 200
        assert client.delete(f"{address}/shares/qldt").status_code == 200
        assert client.get(address).status_code == 200
        assert client.patch(address, json={}).status_code == 200  # nothing asked, nothing done
        refused(
            client.post(
                f"{address}/events",
                json={"to_stage": "ket_thuc_ngay", "effective_on": "2024-06-01"},
            ),
            422,
            "unknown_stage",
        )
    entries = trail_of(live, dossier["id"])
    tu_phap = live.people.unit_ids["tu_phap"]
    assert [(e["action"], e["actor"], e["unit_id"]) for e in entries] == [
        ("dossier.create", "official_tp", tu_phap),
        ("dossier.stage", "official_tp", tu_phap),
        ("dossier.change", "official_tp", tu_phap),
        ("dossier.stage", "official_tp", tu_phap),
        ("dossier.share", "official_tp", tu_phap),
        ("dossier.unshare", "official_tp", tu_phap),
        ("dossier.read", "official_tp", tu_phap),
    ]
    assert entries[0]["detail"] == {
        "code": dossier["code"],
        "case_type": "xlvphc",
        "case_type_version": dossier["case_type_version"],
    }
    assert entries[1]["detail"]["to"] == "phat_hien" and entries[1]["detail"]["from"] is None
    assert entries[2]["detail"]["fields"] == ["title"]
    assert entries[3]["detail"]["to"] == "lap_bien_ban"
    assert entries[3]["detail"]["effective_on"] == "2024-05-27"
    assert entries[4]["detail"] == {"with_unit": "qldt"}
    assert entries[5]["detail"] == {"with_unit": "qldt"}
    assert entries[6]["detail"] == {"view": "record"}

    with live.client("admin") as admin:
        newest = admin.get("/api/audit", params={"limit": 1}).json()[0]
        chain = admin.get("/api/audit/verify")
    assert chain.status_code == 200, chain.text
    report = chain.json()
    assert report["intact"] is True
    assert report["problems"] == []
    assert report["entries"] == newest["seq"]
    assert report["head_hash"] == newest["hash"]


def test_control_characters_are_refused_the_same_on_both_backends(live: Api) -> None:
    """A title carrying a NUL control character (pasted from a broken file) is refused
    with 422 on either backend, and nothing is stored."""
    chosen = f"NUL-{tag()}"
    with live.client("official_tp") as client:
        answer = create(client, code=chosen, title="Biên bản\u0000vi phạm")
    assert answer.status_code == 422, answer.text
    assert listed(live, q=chosen)["total"] == 0
