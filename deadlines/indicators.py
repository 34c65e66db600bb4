"""The indicators the statistics count, each defined once for both engines: a count of the
cases whose date falls in the period (up to the day asked), or a sum of an amount of
theirs, sometimes under a condition. SQL and Elasticsearch both build their queries from
this list, so they cannot count differently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class GroupBy(StrEnum):
    UNIT = "unit"
    FIELD = "field"
    CASE_TYPE = "case_type"

    @property
    def column(self) -> str:
        return {"unit": "unit_id", "field": "field", "case_type": "case_type"}[self.value]


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    vi: str
    en: str
    dated_by: str  # the column whose date must fall in the period
    amount: str | None = None  # None: count the cases; else sum this column
    on_time: bool | None = None  # only cases whose decision was on time / late


INDICATORS: tuple[Indicator, ...] = (
    Indicator("opened", "Số hồ sơ mở mới", "Cases opened", "opened_on"),
    Indicator("closed", "Số hồ sơ kết thúc", "Cases closed", "closed_on"),
    Indicator("accepted", "Số việc, vụ thụ lý mới", "Cases accepted", "accepted_on"),
    Indicator("decisions", "Số quyết định", "Decisions issued", "decided_on"),
    Indicator(
        "violators_individual",
        "Số cá nhân vi phạm bị xử phạt",
        "Individuals sanctioned",
        "decided_on",
        "violators_individual",
    ),
    Indicator(
        "violators_organisation",
        "Số tổ chức vi phạm bị xử phạt",
        "Organisations sanctioned",
        "decided_on",
        "violators_organisation",
    ),
    Indicator(
        "fines_imposed",
        "Tiền phạt phải nộp (đồng)",
        "Fines imposed (VND)",
        "decided_on",
        "fine_imposed",
    ),
    Indicator(
        "fines_collected",
        "Tiền phạt đã thu (đồng)",
        "Fines collected (VND)",
        "collected_on",
        "fine_collected",
    ),
    Indicator(
        "decisions_on_time", "Quyết định đúng hạn", "Decisions on time", "decided_on", on_time=True
    ),
    Indicator(
        "decisions_late", "Quyết định trễ hạn", "Decisions late", "decided_on", on_time=False
    ),
    Indicator("enforced", "Số vụ phải cưỡng chế", "Cases enforced", "enforced_on"),
    Indicator("completed", "Số việc, vụ hoàn thành", "Cases completed", "completed_on"),
    Indicator(
        "money_due",
        "Số tiền phải thi hành (đồng)",
        "Money to enforce (VND)",
        "accepted_on",
        "money_due",
    ),
    Indicator(
        "money_done",
        "Số tiền đã thi hành xong (đồng)",
        "Money enforced (VND)",
        "completed_on",
        "money_done",
    ),
)
# Plus one state, not a flow: the cases open at the end of the period.
OPEN_AT_END = Indicator(
    "open_at_end", "Số hồ sơ đang giải quyết cuối kỳ", "Cases open at the end", "opened_on"
)
CODES = (*(i.code for i in INDICATORS), OPEN_AT_END.code)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # the period's last day, or the day asked if earlier

    @classmethod
    def asked(cls, start: date, end: date, as_of: date) -> Period:
        return cls(start, min(end, as_of))
