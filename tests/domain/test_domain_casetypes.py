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
        "events": [
            {"code": "mo", "name": {"vi": "Mở", "en": "Opened"}, "sources": ["stage:mo"]},
            {"code": "dong", "name": {"vi": "Đóng", "en": "Closed"}, "sources": ["stage:dong"]},
        ],
        "deadlines": [
            {
                "code": "han",
                "name": {"vi": "Hạn", "en": "Limit"},
                "start": "mo",
                "end": ["dong"],
                "amount": 10,
                "unit": "days",
                "citation": "Điều 1",
                "in_force": {"from": "2020-01-01"},
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
        rules = case_type.deadlines
        assert rules.rules and rules.events, code
        for rule in rules.rules:
            assert rule.amount > 0 and rule.citation, rule.code
            assert rule.name_vi and rule.name_en and rule.name_vi != rule.name_en, rule.code
        for event in rules.events:
            for source in event.sources:
                assert source.kind != "stage" or source.code in stage_codes


def test_minimal_definition_parses() -> None:
    case_type = parse_case_type(minimal())
    assert case_type.version == 1
    assert case_type.transitions == (("mo", "dong"),)
    assert case_type.deadlines.rules[0].in_force_until is None
    assert case_type.deadlines.rules[0].step == "han"


def test_definitions_stored_with_stage_to_stage_limits_still_parse() -> None:
    """Definitions an administrator saved before rules existed name ``time_limits`` from
    stage to stage; they read as rules from entering one stage to entering the other."""
    raw = minimal()
    del raw["events"], raw["deadlines"]
    raw["time_limits"] = [
        {
            "code": "han",
            "from_stage": "mo",
            "to_stage": "dong",
            "amount": 10,
            "unit": "days",
            "effective_from": "2020-01-01",
            "basis": "Điều 1",
        }
    ]
    rule = parse_case_type(raw).deadlines.rules[0]
    assert (rule.start, rule.end, rule.amount, rule.unit) == ("mo", ("dong",), 10, "days")
    assert rule.in_force_from == date(2020, 1, 1) and rule.citation == "Điều 1"


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
    raw["deadlines"][0]["unit"] = "weeks"
    assert "weeks" in refused(raw).en


def test_refuses_limit_between_unknown_events() -> None:
    raw = minimal()
    raw["deadlines"][0]["end"] = ["khong_co"]
    assert "han end khong_co" in refused(raw).en


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"if": ["khong_co"]}, "condition khong_co"),
        ({"unless": ["field:khong_co"]}, "condition field:khong_co"),
        ({"if_any": ["field_of_law:khong_co"]}, "condition field_of_law:khong_co"),
        ({"start": "due:khong_co"}, "start due:khong_co"),
        ({"holder": "citizen"}, "holder citizen"),
        ({"amount_field": "khong_co"}, "amount field khong_co"),
    ],
)
def test_refuses_rules_naming_what_the_case_type_lacks(change: dict[str, Any], said: str) -> None:
    raw = minimal()
    raw["deadlines"][0].update(change)
    assert said in refused(raw).en


def test_refuses_events_read_from_unknown_stages_or_kinds() -> None:
    raw = minimal()
    raw["events"][0]["sources"] = ["document:khong_co"]
    assert "document kind khong_co" in refused(raw).en
    raw["events"][0]["sources"] = ["stage:khong_co"]
    assert "stage khong_co" in refused(raw).en
    raw["events"][0]["sources"] = ["telepathy"]
    assert "source telepathy" in refused(raw).en


@pytest.mark.parametrize("missing", ["stages", "code", "name", "document_kinds", "fields_of_law"])
def test_refuses_missing_parts(missing: str) -> None:
    raw = minimal()
    del raw[missing]
    refused(raw)


def test_refuses_no_stages_and_bad_dates() -> None:
    raw = minimal()
    raw["stages"] = []
    raw["transitions"] = []
    raw["deadlines"] = []
    refused(raw)
    raw = minimal()
    raw["deadlines"][0]["in_force"]["from"] = "01/07/2026"
    refused(raw)


def _bad_retention(raw: dict[str, Any]) -> None:
    raw["default_retention"] = "15"  # not one of vĩnh viễn, 70, 50, 30, 20, 10


def _choice_without_choices(raw: dict[str, Any]) -> None:
    raw["fields"].append({"code": "c", "type": "choice", "name": {"vi": "Chọn", "en": "Pick"}})


def _duplicate_stage(raw: dict[str, Any]) -> None:
    raw["stages"].append(dict(raw["stages"][0]))


def _limit_ends_before_it_starts(raw: dict[str, Any]) -> None:
    raw["deadlines"][0]["in_force"]["until"] = "2019-12-31"  # starts 2020-01-01


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


# -- deadline rules versioned by the dates they are in force ----------------------------------


def _in_force(case_type: CaseType, step: str, day: date) -> dict[str, tuple[int, str]]:
    return {r.code: (r.amount, r.unit) for r in case_type.rules_on(day) if r.step == step}


def test_thads_limits_of_the_2008_law_until_30_june_2026() -> None:
    thads = builtin("thads")
    assert _in_force(thads, "ra_quyet_dinh_thi_hanh", date(2026, 6, 30)) == {
        "ra_quyet_dinh_thi_hanh": (5, "working_days")
    }
    assert _in_force(thads, "thong_bao", date(2015, 3, 1)) == {"thong_bao": (3, "working_days")}
    assert _in_force(thads, "thoi_hieu_yeu_cau", date(2020, 1, 1)) == {
        "thoi_hieu_yeu_cau": (5, "years")
    }
    # Voluntary compliance: 15 days until 30/6/2015, then 10; it runs from receipt or valid
    # notice, and it is the debtor's period, not a step the agency must reach.
    assert _in_force(thads, "tu_nguyen_thi_hanh", date(2015, 6, 30)) == {
        "tu_nguyen_thi_hanh_2008": (15, "days")
    }
    assert _in_force(thads, "tu_nguyen_thi_hanh", date(2015, 7, 1)) == {
        "tu_nguyen_thi_hanh": (10, "days")
    }
    voluntary = next(r for r in thads.deadlines.rules if r.code == "tu_nguyen_thi_hanh")
    assert voluntary.start == "nhan_thong_bao" and voluntary.holder == "party"
    # The 5-year limit runs from the judgment's legal effect to the request.
    bar = next(r for r in thads.deadlines.rules if r.code == "thoi_hieu_yeu_cau")
    assert (bar.start, bar.end) == ("ban_an_hieu_luc", ("nhan_don",))
    # Verification starts when the voluntary period ran out unmet.
    verify = {r.code: r for r in thads.deadlines.rules if r.step == "xac_minh"}
    assert verify["xac_minh"].start == "due:tu_nguyen_thi_hanh"  # since 1/7/2015
    assert verify["xac_minh_2008"].start == "quyet_dinh_thi_hanh"
    assert {p.code for p in thads.deadlines.pause_kinds} == {"hoan", "tam_dinh_chi"}
    assert "uy_thac" in thads.deadlines.steps()


def test_thads_2008_limits_stop_on_1_july_2026_and_the_gap_is_said() -> None:
    """The 2025 law's limits are not entered (its text could not be checked): each step
    says so from 1/7/2026 instead of silently having no limit."""
    thads = builtin("thads")
    assert not [r for r in thads.rules_on(date(2026, 7, 1)) if "2008" in r.citation]
    assert thads.rules_on(date(2009, 6, 30)) == []  # before the 2008 law took effect
    gapped = {g.step for g in thads.deadlines.gaps if g.in_force_from == date(2026, 7, 1)}
    assert gapped == set(thads.deadlines.steps())
    assert all("106/2025/QH15" in g.note_vi for g in thads.deadlines.gaps)


def test_xlvphc_decision_limits_follow_the_law_of_the_day_the_record_was_made() -> None:
    xlvphc = builtin("xlvphc")
    # Before 2022 the 2012 text applied: 7 days, 30 where explained, verified or complex.
    assert _in_force(xlvphc, "ra_quyet_dinh", date(2021, 12, 31)) == {
        "ra_quyet_dinh_2012": (7, "days"),
        "ra_quyet_dinh_2012_phuc_tap": (30, "days"),
    }
    assert _in_force(xlvphc, "ra_quyet_dinh", date(2013, 6, 30)) == {}
    # From 2022 (Law 67/2020): 7 working days; 10 when the file is transferred; 1 month
    # where the violator explains or facts are verified, extendable to 2 months in all.
    assert _in_force(xlvphc, "ra_quyet_dinh", date(2022, 1, 1)) == {
        "ra_quyet_dinh": (7, "working_days"),
        "ra_quyet_dinh_chuyen_ho_so": (10, "working_days"),
        "ra_quyet_dinh_giai_trinh": (1, "months"),
    }
    by_code = {r.code: r for r in xlvphc.deadlines.rules}
    transferred = by_code["ra_quyet_dinh_chuyen_ho_so"]
    assert [str(c) for c in transferred.all_of] == ["chuyen_ho_so"]
    explained = by_code["ra_quyet_dinh_giai_trinh"]
    assert explained.start == "lap_bien_ban"  # from the record, not from the explanation
    assert {str(c) for c in explained.any_of} == {"giai_trinh", "xac_minh"}
    assert explained.extendable_to is not None
    assert (explained.extendable_to.amount, explained.extendable_to.unit) == (2, "months")
    # Sending the decision, compliance from receipt, and both limitation periods.
    assert (by_code["gui_quyet_dinh"].amount, by_code["gui_quyet_dinh"].unit) == (
        2,
        "working_days",
    )
    comply = by_code["chap_hanh"]
    assert (comply.start, comply.amount, comply.unit) == ("nhan_quyet_dinh", 10, "days")
    assert comply.amount_field == "compliance_days" and comply.holder == "party"
    assert (by_code["thoi_hieu_thi_hanh"].amount, by_code["thoi_hieu_thi_hanh"].unit) == (
        1,
        "years",
    )
    assert {by_code["thoi_hieu_xu_phat"].amount, by_code["thoi_hieu_xu_phat_2_nam"].amount} == {
        1,
        2,
    }
    assert by_code["thoi_hieu_xu_phat"].start == "vi_pham"


def test_lawsuit_limits_and_the_parties_appeal_window() -> None:
    lawsuit = builtin("an_hanh_chinh")
    by_code = {r.code: r for r in lawsuit.deadlines.rules}
    assert (by_code["chuan_bi_xet_xu"].amount, by_code["chuan_bi_xet_xu"].unit) == (4, "months")
    assert by_code["chuan_bi_xet_xu_2_thang"].amount == 2
    opinion = by_code["y_kien_bi_kien"]
    assert (opinion.start, opinion.amount, opinion.holder) == (
        "nhan_thong_bao_thu_ly",
        15,
        "agency",
    )
    assert (by_code["khang_cao_ban_an"].amount, by_code["khang_cao_ban_an"].holder) == (15, "party")
    assert by_code["khang_cao_quyet_dinh"].amount == 7


def test_market_surveillance_sanctions_follow_the_xlvphc_limits() -> None:
    qltt = builtin("qltt")
    xlvphc = builtin("xlvphc")
    assert set(qltt.deadlines.steps()) == set(xlvphc.deadlines.steps())
    assert all(r.citation for r in qltt.deadlines.rules)


def test_money_has_a_ceiling_sums_can_hold() -> None:
    xlvphc = builtin("xlvphc")
    base = {"violation": "Vi phạm"}
    assert xlvphc.clean_custom({**base, "fine_amount": 10**15})["fine_amount"] == 10**15
    with pytest.raises(Invalid) as too_much:
        xlvphc.clean_custom({**base, "fine_amount": 10**15 + 1})
    assert too_much.value.code == "bad_custom_field"
