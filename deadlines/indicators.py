"""The indicators the statistics count, each defined once for both engines: a count of the
cases whose date falls in the period (up to the day asked), or a sum of an amount of
theirs, sometimes under a condition. SQL and Elasticsearch both build their queries from
this list, so they cannot count differently."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from archive.domain.errors import Invalid


class GroupBy(StrEnum):
    UNIT = "unit"
    FIELD = "field"
    CASE_TYPE = "case_type"

    @property
    def column(self) -> str:
        return {"unit": "unit_id", "field": "field", "case_type": "case_type"}[self.value]


class When(StrEnum):
    """How one of a case's dates stands to the period asked."""

    IN = "in"  # the date falls in the period
    BEFORE = "before"  # the date is before the period's first day
    BY_END = "by_end"  # the date is on or before the period's last day
    NOT_BEFORE = "not_before"  # no date yet, or on or after the period's first day
    NOT_BY_END = "not_by_end"  # no date yet, or after the period's last day


@dataclass(frozen=True, slots=True)
class Dated:
    column: str
    when: When


@dataclass(frozen=True, slots=True)
class Indicator:
    """A count of the cases meeting every condition, or a sum of one amount of theirs."""

    code: str
    vi: str
    en: str
    dated: tuple[Dated, ...]
    amount: str | None = None  # None: count the cases; else sum this column
    on_time: bool | None = None  # only cases whose decision was on time / late


def _in(column: str) -> tuple[Dated, ...]:
    return (Dated(column, When.IN),)


# Every indicator must need a date in the period, or a case not closed before it: the
# engines read only such rows (CaseFigures.as_row), and a test checks each list holds to it.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("opened", "Số hồ sơ mở mới", "Cases opened", _in("opened_on")),
    Indicator("closed", "Số hồ sơ kết thúc", "Cases closed", _in("closed_on")),
    Indicator("accepted", "Số việc, vụ thụ lý mới", "Cases accepted", _in("accepted_on")),
    Indicator("decisions", "Số quyết định", "Decisions issued", _in("decided_on")),
    Indicator(
        "violators_individual",
        "Số cá nhân vi phạm bị xử phạt",
        "Individuals sanctioned",
        _in("decided_on"),
        "violators_individual",
    ),
    Indicator(
        "violators_organisation",
        "Số tổ chức vi phạm bị xử phạt",
        "Organisations sanctioned",
        _in("decided_on"),
        "violators_organisation",
    ),
    Indicator(
        "fines_imposed",
        "Tiền phạt phải nộp (đồng)",
        "Fines imposed (VND)",
        _in("decided_on"),
        "fine_imposed",
    ),
    Indicator(
        "fines_collected",
        "Tiền phạt đã thu (đồng)",
        "Fines collected (VND)",
        _in("collected_on"),
        "fine_collected",
    ),
    Indicator(
        "decisions_on_time",
        "Quyết định đúng hạn",
        "Decisions on time",
        _in("decided_on"),
        on_time=True,
    ),
    Indicator(
        "decisions_late", "Quyết định trễ hạn", "Decisions late", _in("decided_on"), on_time=False
    ),
    Indicator("enforced", "Số vụ phải cưỡng chế", "Cases enforced", _in("enforced_on")),
    Indicator("completed", "Số việc, vụ hoàn thành", "Cases completed", _in("completed_on")),
    Indicator(
        "money_due",
        "Số tiền phải thi hành (đồng)",
        "Money to enforce (VND)",
        _in("accepted_on"),
        "money_due",
    ),
    Indicator(
        "money_done",
        "Số tiền đã thi hành xong (đồng)",
        "Money enforced (VND)",
        _in("completed_on"),
        "money_done",
    ),
    # A state, not a flow: the cases open at the end of the period.
    Indicator(
        "open_at_end",
        "Số hồ sơ đang giải quyết cuối kỳ",
        "Cases open at the end",
        (Dated("opened_on", When.BY_END), Dated("closed_on", When.NOT_BY_END)),
    ),
)


def _carried(amount: str | None, code: str, vi: str, en: str) -> Indicator:
    """Accepted before the period, and neither completed, entrusted nor closed before it."""
    return Indicator(
        code,
        vi,
        en,
        (
            Dated("accepted_on", When.BEFORE),
            Dated("completed_on", When.NOT_BEFORE),
            Dated("entrusted_on", When.NOT_BEFORE),
            Dated("closed_on", When.NOT_BEFORE),
        ),
        amount,
    )


def _unenforceable(amount: str | None, code: str, vi: str, en: str) -> Indicator:
    """Accepted by the period's end, not completed, entrusted or closed by then, and found
    not yet enforceable (chưa có điều kiện) by then and not verified again since."""
    return Indicator(
        code,
        vi,
        en,
        (
            Dated("accepted_on", When.BY_END),
            Dated("completed_on", When.NOT_BY_END),
            Dated("entrusted_on", When.NOT_BY_END),
            Dated("closed_on", When.NOT_BY_END),
            Dated("unenforceable_from", When.BY_END),
            Dated("unenforceable_to", When.NOT_BY_END),
        ),
        amount,
    )


def _done(amount: str, code: str, vi: str, en: str) -> Indicator:
    """Completed in the period by enforcement, not by termination."""
    return Indicator(
        code,
        vi,
        en,
        (Dated("completed_on", When.IN), Dated("terminated_on", When.NOT_BY_END)),
        amount if amount != "count" else None,
    )


# Civil judgment enforcement in the shape of its statistics forms (Circular 05/2024/TT-BTP:
# the result counted in cases, việc, and in money, tiền). The form's other lines are sums
# and differences of these (deadlines.reports).
THADS: tuple[Indicator, ...] = (
    _carried(None, "thads_carried", "Số việc năm trước chuyển sang", "Cases carried over"),
    Indicator("thads_new", "Số việc thụ lý mới", "Cases newly accepted", _in("accepted_on")),
    Indicator("thads_entrusted", "Số việc ủy thác đi", "Cases entrusted", _in("entrusted_on")),
    _unenforceable(
        None,
        "thads_unenforceable",
        "Số việc chưa có điều kiện thi hành",
        "Cases not yet enforceable",
    ),
    _done("count", "thads_done", "Số việc thi hành xong", "Cases enforced in full"),
    Indicator(
        "thads_terminated", "Số việc đình chỉ thi hành án", "Cases terminated", _in("terminated_on")
    ),
    _carried(
        "money_due", "thads_money_carried", "Số tiền năm trước chuyển sang", "Money carried over"
    ),
    Indicator(
        "thads_money_new",
        "Số tiền thụ lý mới",
        "Money newly accepted",
        _in("accepted_on"),
        "money_due",
    ),
    Indicator(
        "thads_money_entrusted",
        "Số tiền ủy thác đi",
        "Money entrusted",
        _in("entrusted_on"),
        "money_due",
    ),
    _unenforceable(
        "money_due",
        "thads_money_unenforceable",
        "Số tiền chưa có điều kiện thi hành",
        "Money not yet enforceable",
    ),
    _done("money_done", "thads_money_done", "Số tiền thi hành xong", "Money enforced in full"),
    Indicator(
        "thads_money_terminated",
        "Số tiền đình chỉ thi hành án",
        "Money terminated",
        _in("terminated_on"),
        "money_due",
    ),
)
ALL: tuple[Indicator, ...] = (*INDICATORS, *THADS)
# The indicators a monthly snapshot can hold: a count or sum of the cases whose one date
# falls in the period; "open at the end" follows from the opened and closed of every month.
MONTHLY: tuple[Indicator, ...] = tuple(
    i for i in INDICATORS if len(i.dated) == 1 and i.dated[0].when is When.IN
)
CODES = tuple(i.code for i in INDICATORS)


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # the period's last day, or the day asked if earlier

    @classmethod
    def asked(cls, start: date, end: date, as_of: date) -> Period:
        return cls(start, min(end, as_of))


def check_period(start: date, end: date) -> None:
    """A period asked of the statistics or the export: forwards, and at most 10 years."""
    if end < start or (end - start).days > 3660:
        raise Invalid(
            "bad_period",
            "Kỳ không hợp lệ: ngày cuối phải sau ngày đầu, và tối đa 10 năm.",
            "The period is not valid: its end must follow its start, at most 10 years.",
        )
