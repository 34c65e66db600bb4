"""The demo dataset: deterministic, unique codes, and only codes the case types define."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from support.dataset_text import strings

import archive
from archive.demo.dataset import (
    AS_OF,
    DEMO_PASSWORD,
    DemoDataset,
    build_dataset,
    money_in_words,
)

CASETYPES = Path(archive.__file__).resolve().parent / "casetypes"
RETENTIONS = {"vinh_vien", "70", "50", "30", "20", "10"}
FINAL = {"ket_thuc", "hoan_thanh", "dinh_chi"}


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_dataset()


@pytest.fixture(scope="module")
def case_types() -> dict[str, dict[str, Any]]:
    loaded = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(CASETYPES.glob("*.json"))]
    return {ct["code"]: ct for ct in loaded}


def codes(items: list[dict[str, Any]]) -> set[str]:
    return {item["code"] for item in items}


def test_same_seed_gives_equal_dataset_and_another_seed_differs(dataset: DemoDataset) -> None:
    assert build_dataset(2026) == dataset
    assert build_dataset(7) != dataset
    assert len(build_dataset(5, dossiers=10).dossiers) == 10


def test_size_spread_and_unique_codes(dataset: DemoDataset) -> None:
    assert len(dataset.dossiers) == 36
    codes_seen = [d.code for d in dataset.dossiers]
    assert len(set(codes_seen)) == len(codes_seen)
    assert all(re.fullmatch(r"(XLVPHC|AHC|THADS|QLTT)-20\d\d-\d{4}", c) for c in codes_seen)
    by_type = Counter(d.case_type for d in dataset.dossiers)
    assert set(by_type) == {"xlvphc", "an_hanh_chinh", "thads", "qltt"}
    assert by_type.most_common(1)[0][0] == "xlvphc"
    fields_xlvphc = {d.field for d in dataset.dossiers if d.case_type == "xlvphc"}
    assert {"giao_thong", "xay_dung", "moi_truong", "y_te"} <= fields_xlvphc
    assert {d.unit_code for d in dataset.dossiers} >= {"cong_an", "qldt", "tnmt", "thads"}


def test_units_form_a_tree_and_users_belong_to_units(dataset: DemoDataset) -> None:
    units = {u.code: u for u in dataset.units}
    assert len(units) == len(dataset.units)
    roots = [u for u in dataset.units if u.parent_code is None]
    assert [u.code for u in roots] == ["ubnd"]
    assert all(u.parent_code in units for u in dataset.units if u.parent_code)
    assert {"tu_phap", "qldt", "y_te", "tnmt", "cong_an", "qltt_1", "thads"} <= set(units)
    usernames = [u.username for u in dataset.users]
    assert len(set(usernames)) == len(usernames)
    assert all(u.unit_code in units for u in dataset.users)
    assert all(u.password == DEMO_PASSWORD == "matkhau-demo" for u in dataset.users)
    assert {u.role for u in dataset.users} == {"official", "leader", "clerk", "auditor", "admin"}
    by_name = {u.username: u for u in dataset.users}
    assert by_name["quantri"].role == "admin" and by_name["quantri"].unit_code == "ubnd"
    assert by_name["lanhdao.ubnd"].role == "leader"
    assert by_name["vanthu.ubnd"].role == "clerk"
    assert by_name["thanhtra"].role == "auditor"
    assert all(d.unit_code in units for d in dataset.dossiers)


def test_every_code_exists_in_the_case_types(
    dataset: DemoDataset, case_types: dict[str, dict[str, Any]]
) -> None:
    for d in dataset.dossiers:
        ct = case_types[d.case_type]
        stages = codes(ct["stages"])
        assert d.field in codes(ct["fields_of_law"]), d.code
        assert d.stage in stages, d.code
        assert set(d.key_dates) <= stages, d.code
        assert {p.role for p in d.parties} <= codes(ct["party_roles"]), d.code
        assert {doc.kind for doc in d.documents} <= codes(ct["document_kinds"]), d.code
        custom_defs = {f["code"]: f for f in ct["fields"]}
        assert set(d.custom) <= set(custom_defs), d.code
        for code, definition in custom_defs.items():
            if definition["required"]:
                assert code in d.custom, (d.code, code)
        for code, value in d.custom.items():
            kind = custom_defs[code]["type"]
            if kind == "money":
                assert type(value) is int and value >= 0, (d.code, code)
            elif kind == "date":
                assert isinstance(value, date), (d.code, code)
            elif kind == "boolean":
                assert isinstance(value, bool), (d.code, code)
            elif kind == "choice":
                assert value in custom_defs[code]["choices"], (d.code, code)
            else:
                assert isinstance(value, str) and value, (d.code, code)


def test_stage_history_follows_the_transitions(
    dataset: DemoDataset, case_types: dict[str, dict[str, Any]]
) -> None:
    for d in dataset.dossiers:
        allowed = {tuple(t) for t in case_types[d.case_type]["transitions"]}
        history = list(d.key_dates.items())
        assert history[-1][0] == d.stage, d.code
        assert history[0][1] == d.opened_on, d.code
        for (before, on_before), (after, on_after) in itertools.pairwise(history):
            assert (before, after) in allowed, (d.code, before, after)
            assert on_before <= on_after, d.code
        assert all(on <= AS_OF for _, on in history)
        assert (d.closed_on is not None) == (d.stage in FINAL), d.code
        if d.closed_on:
            assert d.closed_on == d.key_dates[d.stage]
        assert d.retention in RETENTIONS
        # Before the 2025 reorganisation of local government (see the dataset's docstring).
        assert date(2022, 1, 1) <= d.opened_on <= AS_OF < date(2025, 7, 1)


def test_documents_match_the_dossier(dataset: DemoDataset) -> None:
    for d in dataset.dossiers:
        assert 2 <= len(d.documents) <= 6, d.code
        for doc in d.documents:
            assert 1 <= doc.pages <= 20
            assert doc.issued_on <= AS_OF
            assert doc.title and doc.paragraphs
        kinds = {doc.kind for doc in d.documents}
        if d.case_type == "xlvphc":
            assert "bien_ban_vi_pham" in kinds
            reached = set(d.key_dates)
            assert ("quyet_dinh_xu_phat" in kinds) == ("ra_quyet_dinh" in reached), d.code
            assert ("quyet_dinh_cuong_che" in kinds) == ("cuong_che" in reached), d.code
            if "ra_quyet_dinh" in reached:
                fine = d.custom["fine_amount"]
                assert isinstance(fine, int) and fine > 0
                decision = next(x for x in d.documents if x.kind == "quyet_dinh_xu_phat")
                assert decision.number and decision.number.endswith("/QĐ-XPHC")
                assert f"{fine:,}".replace(",", ".") + " đồng" in " ".join(decision.paragraphs)
            record = next(x for x in d.documents if x.kind == "bien_ban_vi_pham")
            assert record.number and record.number.endswith("/BB-VPHC")


def test_people_have_cccd_and_text_is_nfc_with_day_month_dates(dataset: DemoDataset) -> None:
    for d in dataset.dossiers:
        for party in d.parties:
            if party.kind == "individual" and party.id_number:
                assert re.fullmatch(r"0\d{11}", party.id_number), party
            assert party.kind in {"individual", "organisation"}
    every = strings(dataset)
    assert all(unicodedata.is_normalized("NFC", s) for s in every)
    for s in every:
        for day, month, _year in re.findall(r"\b(\d{2})/(\d{2})/(\d{4})\b", s):
            assert 1 <= int(day) <= 31 and 1 <= int(month) <= 12, s
    names = {u.full_name for u in dataset.users}
    assert "Trần Quang Huy" in names and any("Đ" in n or "đ" in n for n in names)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (7_500_000, "Bảy triệu năm trăm nghìn đồng"),
        (15_000_000, "Mười lăm triệu đồng"),
        (2_500_000, "Hai triệu năm trăm nghìn đồng"),
        (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
        (121_000, "Một trăm hai mươi mốt nghìn đồng"),
        (305, "Ba trăm linh năm đồng"),
        (24_000_000, "Hai mươi tư triệu đồng"),
        (1_000_000_000, "Một tỷ đồng"),
    ],
)
def test_money_in_words(amount: int, words: str) -> None:
    assert money_in_words(amount) == words
