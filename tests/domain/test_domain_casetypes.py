"""Case types as data: the four built-ins, refusals of broken definitions, custom fields."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from archive.casetypes import builtin_definitions
from archive.domain.casetypes import CaseType, parse_case_type
from archive.domain.errors import Invalid
from archive.domain.model import Party, PartyKind


def builtins() -> dict[str, dict[str, Any]]:
    return {raw["code"]: raw for raw in builtin_definitions()}


def builtin(code: str) -> CaseType:
    return parse_case_type(builtins()[code])


def minimal() -> dict[str, Any]:
    return {
        "code": "thu_nghiem",
        "name": {"vi": "Thử nghiệm", "en": "Trial"},
        "fields_of_law": [{"code": "chung", "name": {"vi": "Chung", "en": "General"}}],
        "stages": [
            {"code": "mo", "name": {"vi": "Mở", "en": "Open"}},
            {"code": "dong", "name": {"vi": "Đóng", "en": "Closed"}},
        ],
        "transitions": [["mo", "dong"]],
        "document_kinds": [{"code": "van_ban", "name": {"vi": "Văn bản", "en": "Document"}}],
        "fields": [
            {"code": "ghi_chu", "type": "text", "name": {"vi": "Ghi chú", "en": "Note"}},
        ],
        "time_limits": [
            {
                "code": "han",
                "from_stage": "mo",
                "to_stage": "dong",
                "amount": 10,
                "unit": "days",
                "effective_from": "2020-01-01",
            }
        ],
    }


def test_the_four_builtins_parse() -> None:
    raws = builtins()
    assert set(raws) == {"xlvphc", "an_hanh_chinh", "thads", "qltt"}
    for code, raw in raws.items():
        case_type = parse_case_type(raw)
        assert case_type.code == code
        assert case_type.name.vi and case_type.name.en and case_type.name.vi != case_type.name.en
        assert case_type.stages and case_type.first_stage == raw["stages"][0]["code"]
        assert case_type.document_kinds
        assert case_type.fields_of_law
        stage_codes = set(case_type.stage_codes())
        for a, b in case_type.transitions:
            assert {a, b} <= stage_codes
        for limit in case_type.time_limits:
            assert {limit.from_stage, limit.to_stage} <= stage_codes
            assert limit.amount > 0


def test_minimal_definition_parses() -> None:
    case_type = parse_case_type(minimal())
    assert case_type.version == 1
    assert case_type.transitions == (("mo", "dong"),)
    assert case_type.time_limits[0].effective_until is None


def refused(raw: dict[str, Any]) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse_case_type(raw)
    assert caught.value.code == "bad_case_type"
    assert caught.value.vi != caught.value.en
    return caught.value


def test_refuses_transition_to_unknown_stage() -> None:
    raw = minimal()
    raw["transitions"].append(["dong", "tai_mo"])
    err = refused(raw)
    assert "dong->tai_mo" in err.en


def test_refuses_transition_from_unknown_stage() -> None:
    raw = minimal()
    raw["transitions"] = [["ma", "dong"]]
    assert "ma->dong" in refused(raw).en


def test_refuses_unknown_field_type() -> None:
    raw = minimal()
    raw["fields"].append({"code": "x", "type": "currency", "name": {"vi": "X", "en": "X"}})
    assert "currency" in refused(raw).en


def test_refuses_limit_with_unknown_unit() -> None:
    raw = minimal()
    raw["time_limits"][0]["unit"] = "weeks"
    assert "weeks" in refused(raw).en


def test_refuses_limit_between_unknown_stages() -> None:
    raw = minimal()
    raw["time_limits"][0]["to_stage"] = "khong_co"
    assert "han" in refused(raw).en


@pytest.mark.parametrize("missing", ["stages", "code", "name", "document_kinds", "fields_of_law"])
def test_refuses_missing_parts(missing: str) -> None:
    raw = minimal()
    del raw[missing]
    refused(raw)


def test_refuses_no_stages_and_bad_dates() -> None:
    raw = minimal()
    raw["stages"] = []
    raw["transitions"] = []
    raw["time_limits"] = []
    refused(raw)
    raw = minimal()
    raw["time_limits"][0]["effective_from"] = "01/07/2026"
    refused(raw)


def _bad_retention(raw: dict[str, Any]) -> None:
    raw["default_retention"] = "15"  # not one of vĩnh viễn, 70, 50, 30, 20, 10


def _choice_without_choices(raw: dict[str, Any]) -> None:
    raw["fields"].append({"code": "c", "type": "choice", "name": {"vi": "Chọn", "en": "Pick"}})


def _duplicate_stage(raw: dict[str, Any]) -> None:
    raw["stages"].append(dict(raw["stages"][0]))


def _limit_ends_before_it_starts(raw: dict[str, Any]) -> None:
    raw["time_limits"][0]["effective_until"] = "2019-12-31"  # starts 2020-01-01


@pytest.mark.parametrize(
    "breaks",
    [_bad_retention, _choice_without_choices, _duplicate_stage, _limit_ends_before_it_starts],
    ids=lambda f: f.__name__.strip("_"),
)
def test_refuses_other_inconsistencies(breaks: Any) -> None:
    raw = minimal()
    breaks(raw)
    refused(raw)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_number_refuses_nan_and_infinity(value: float) -> None:
    raw = minimal()
    raw["fields"] = [{"code": "so", "type": "number", "name": {"vi": "Số", "en": "Number"}}]
    with pytest.raises(Invalid):
        parse_case_type(raw).clean_custom({"so": value})


def test_builtins_with_a_broken_transition_are_refused() -> None:
    raw = copy.deepcopy(builtins()["xlvphc"])
    raw["transitions"].append([raw["stages"][0]["code"], "khong_ton_tai"])
    refused(raw)


# -- custom fields --------------------------------------------------------------------------


def test_money_must_be_whole_dong() -> None:
    xlvphc = builtin("xlvphc")
    base = {"violation": "Lấn chiếm vỉa hè"}
    assert xlvphc.clean_custom({**base, "fine_amount": 7_500_000})["fine_amount"] == 7_500_000
    assert xlvphc.clean_custom({**base, "fine_amount": 0})["fine_amount"] == 0
    for bad in (True, False, 7_500_000.0, 7.5, "7500000", "7.500.000", -1, [1]):
        with pytest.raises(Invalid) as caught:
            xlvphc.clean_custom({**base, "fine_amount": bad})
        assert caught.value.code == "bad_custom_field", bad
        assert caught.value.details["field"] == "fine_amount"


def test_money_fields_of_other_types() -> None:
    thads = builtin("thads")
    ok = thads.clean_custom({"judgment": "Bản án 12/2024/DS-ST", "amount_due": 120_000_000})
    assert ok == {"judgment": "Bản án 12/2024/DS-ST", "amount_due": 120_000_000}
    with pytest.raises(Invalid):
        thads.clean_custom({"judgment": "BA", "amount_enforced": 1.0})
    qltt = builtin("qltt")
    with pytest.raises(Invalid):
        qltt.clean_custom({"goods_seized_value": "1000"})


def test_required_fields() -> None:
    xlvphc = builtin("xlvphc")
    for values in ({}, {"violation": ""}, {"violation": None}, {"fine_amount": 100}):
        with pytest.raises(Invalid) as caught:
            xlvphc.clean_custom(values)
        assert caught.value.code == "missing_custom_field"
        assert caught.value.details["field"] == "violation"
    with pytest.raises(Invalid) as caught:
        builtin("an_hanh_chinh").clean_custom({"court": "TAND tỉnh Hà Nam"})
    assert caught.value.details["field"] == "contested_decision"


def test_optional_blanks_are_dropped_and_text_is_trimmed() -> None:
    cleaned = builtin("xlvphc").clean_custom(
        {"violation": "  Xây dựng không phép  ", "violation_place": "", "fine_paid": None}
    )
    assert cleaned == {"violation": "Xây dựng không phép"}


def test_text_must_be_text() -> None:
    with pytest.raises(Invalid) as caught:
        builtin("xlvphc").clean_custom({"violation": 123})
    assert caught.value.code == "bad_custom_field"


def test_choices() -> None:
    thads = builtin("thads")
    base = {"judgment": "BA 1"}
    assert thads.clean_custom({**base, "enforceable": "co_dieu_kien"})["enforceable"] == (
        "co_dieu_kien"
    )
    for bad in ("Có điều kiện", "CO_DIEU_KIEN", "khac", 1):
        with pytest.raises(Invalid) as caught:
            thads.clean_custom({**base, "enforceable": bad})
        assert caught.value.code == "bad_custom_field"
    qltt = builtin("qltt")
    assert qltt.clean_custom({"information_source": "to_giac"}) == {"information_source": "to_giac"}


def test_dates_booleans_numbers() -> None:
    ahc = builtin("an_hanh_chinh")
    base = {"contested_decision": "QĐ 15/QĐ-UBND"}
    assert ahc.clean_custom({**base, "hearing_date": date(2024, 5, 26)})["hearing_date"] == (
        "2024-05-26"
    )
    assert ahc.clean_custom({**base, "hearing_date": "2024-05-26"})["hearing_date"] == "2024-05-26"
    for bad in ("26/05/2024", "2024-13-01", 20240526):
        with pytest.raises(Invalid):
            ahc.clean_custom({**base, "hearing_date": bad})
    xlvphc = builtin("xlvphc")
    assert xlvphc.clean_custom({"violation": "v", "complex_case": False})["complex_case"] is False
    for bad in ("true", 1, 0):
        with pytest.raises(Invalid):
            xlvphc.clean_custom({"violation": "v", "complex_case": bad})
    raw = minimal()
    raw["fields"] = [{"code": "so", "type": "number", "name": {"vi": "Số", "en": "Number"}}]
    numbers = parse_case_type(raw)
    assert numbers.clean_custom({"so": 2.5}) == {"so": 2.5}
    for bad in (True, "2"):
        with pytest.raises(Invalid):
            numbers.clean_custom({"so": bad})


def test_unknown_custom_field_refused() -> None:
    with pytest.raises(Invalid) as caught:
        builtin("xlvphc").clean_custom({"violation": "v", "tien_phat": 100})
    assert caught.value.code == "unknown_custom_field"
    assert "tien_phat" in caught.value.vi and "tien_phat" in caught.value.en


def test_checks_of_field_stage_kind_parties() -> None:
    xlvphc = builtin("xlvphc")
    xlvphc.check_field_of_law("giao_thong")
    xlvphc.check_stage("lap_bien_ban")
    xlvphc.check_document_kind("bien_ban_vi_pham")
    for check, value, code in [
        (xlvphc.check_field_of_law, "dan_su", "unknown_field_of_law"),
        (xlvphc.check_stage, "thu_ly", "unknown_stage"),
        (xlvphc.check_document_kind, "ban_an", "unknown_document_kind"),
    ]:
        with pytest.raises(Invalid) as caught:
            check(value)
        assert caught.value.code == code
    with pytest.raises(Invalid) as caught:
        xlvphc.check_parties((Party("nguyen_don", PartyKind.INDIVIDUAL, "A"),))
    assert caught.value.code == "unknown_party_role"
    with pytest.raises(Invalid):
        xlvphc.check_key_dates({"khong_co": date(2024, 1, 1)})


# -- time limits versioned by the date they took effect ---------------------------------------


def test_thads_limits_of_the_2008_law_until_30_june_2026() -> None:
    thads = builtin("thads")
    before = thads.time_limits_on(date(2026, 6, 30))
    assert {t.code for t in before} == {
        "ra_quyet_dinh_thi_hanh",
        "thong_bao",
        "tu_nguyen_thi_hanh",
        "thoi_hieu_yeu_cau",
    }
    assert all("2008" in t.basis for t in before)
    assert all(t.effective_until == date(2026, 6, 30) for t in before)
    by_code = {t.code: t for t in before}
    assert (by_code["ra_quyet_dinh_thi_hanh"].amount, by_code["ra_quyet_dinh_thi_hanh"].unit) == (
        5,
        "working_days",
    )
    assert (by_code["thong_bao"].amount, by_code["thong_bao"].unit) == (3, "working_days")
    assert (by_code["tu_nguyen_thi_hanh"].amount, by_code["tu_nguyen_thi_hanh"].unit) == (
        10,
        "days",
    )
    assert (by_code["thoi_hieu_yeu_cau"].amount, by_code["thoi_hieu_yeu_cau"].unit) == (5, "years")
    assert {t.code for t in thads.time_limits_on(date(2015, 3, 1))} == set(by_code)


def test_thads_2008_limits_stop_on_1_july_2026() -> None:
    thads = builtin("thads")
    assert not [t for t in thads.time_limits_on(date(2026, 7, 1)) if "2008" in t.basis]
    assert thads.time_limits_on(date(2026, 7, 1)) == []
    assert thads.time_limits_on(date(2030, 1, 1)) == []
    assert thads.time_limits_on(date(2009, 6, 30)) == []  # before the 2008 law took effect


def test_open_ended_limits_apply_from_their_start() -> None:
    xlvphc = builtin("xlvphc")
    assert xlvphc.time_limits_on(date(2021, 12, 31)) == []
    in_force = {t.code for t in xlvphc.time_limits_on(date(2022, 1, 1))}
    assert "ra_quyet_dinh" in in_force
    decision = next(t for t in xlvphc.time_limits if t.code == "ra_quyet_dinh")
    assert (decision.amount, decision.unit, decision.complex_amount) == (7, "working_days", 10)
    assert in_force == {t.code for t in xlvphc.time_limits_on(date(2040, 1, 1))}
