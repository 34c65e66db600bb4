"""What the statistics count of one case: its dates and its money, read from its facts.

Every figure is dated (opened, accepted, decided, paid, enforced, completed, closed), so a
statistic "as of" a past day counts only what had happened by then — by the dates the
archive holds today (a correction made later is seen, as a register corrected by hand
would show it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from archive.domain.casetypes import CaseType
from archive.domain.model import Dossier, PartyKind
from deadlines.calendar import WorkCalendar
from deadlines.timeline import CaseFacts, Status, deadlines


@dataclass(frozen=True, slots=True)
class CaseFigures:
    dossier_id: int
    case_type: str
    unit_id: int
    field: str
    opened_on: date
    closed_on: date | None
    accepted_on: date | None
    decided_on: date | None
    completed_on: date | None
    collected_on: date | None
    enforced_on: date | None
    entrusted_on: date | None  # THADS: ủy thác đi
    terminated_on: date | None  # THADS: đình chỉ
    unenforceable_from: date | None  # THADS: last found chưa có điều kiện thi hành…
    unenforceable_to: date | None  # … until verified again (None: still)
    fine_imposed: int
    fine_collected: int
    money_due: int
    money_done: int
    violators_individual: int
    violators_organisation: int
    on_time: bool | None  # the decision's step met on time (True), late (False), or not met

    @property
    def dates(self) -> list[date]:
        return [
            d
            for d in (
                self.opened_on,
                self.closed_on,
                self.accepted_on,
                self.decided_on,
                self.completed_on,
                self.collected_on,
                self.enforced_on,
                self.entrusted_on,
                self.terminated_on,
                self.unenforceable_from,
                self.unenforceable_to,
            )
            if d is not None
        ]

    def as_row(self) -> dict[str, Any]:
        """The row stored, with the first and last of its dates: a question about a period
        reads only the rows whose dates reach it, or that are still open."""
        return {**asdict(self), "first_on": min(self.dates), "last_on": max(self.dates)}


def _money(custom: dict[str, object], code: str | None) -> int:
    value = custom.get(code) if code else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _last_span(
    facts: CaseFacts, starts: str | None, ends: str | None
) -> tuple[date | None, date | None]:
    """The last time the case entered a state (found not yet enforceable), and the first
    day after it that ended it (verified again), or None while it lasts."""
    if starts is None:
        return None, None
    began = facts.of(starts, date.max)
    if not began:
        return None, None
    since = began[-1].on
    after = [o.on for o in facts.of(ends, date.max) if o.on > since] if ends else []
    return since, min(after) if after else None


def figures_of(
    dossier: Dossier, case_type: CaseType, facts: CaseFacts, calendar: WorkCalendar, today: date
) -> CaseFigures:
    counted = case_type.deadlines.counted

    def first(event: str | None) -> date | None:
        if event is None:
            return None
        seen = facts.of(event, date.max)
        return seen[0].on if seen else None

    completed = [d for d in (first(e) for e in counted.completed) if d is not None]
    decided = first(counted.decided)
    collected_on = first(counted.collected)
    fine_collected = _money(dossier.custom, counted.fine_collected)
    if collected_on is None and fine_collected:
        collected_on = dossier.closed_on  # paid, its receipt not kept: the case's close
    on_time: bool | None = None
    if counted.on_time_step is not None:
        for d in deadlines(case_type.deadlines, facts, calendar, today):
            if d.step == counted.on_time_step and d.status in (Status.MET, Status.MET_LATE):
                on_time = d.status is Status.MET
    violators = [p for p in dossier.parties if p.role == counted.violators_role]
    unenforceable_from, unenforceable_to = _last_span(
        facts, counted.unenforceable, counted.enforceable_again
    )
    return CaseFigures(
        dossier_id=dossier.id,
        case_type=dossier.case_type,
        unit_id=dossier.unit_id,
        field=dossier.field,
        opened_on=dossier.opened_on,
        closed_on=dossier.closed_on,
        accepted_on=first(counted.accepted),
        decided_on=decided,
        completed_on=min(completed) if completed else None,
        collected_on=collected_on if fine_collected else None,
        enforced_on=first(counted.enforced),
        entrusted_on=first(counted.entrusted),
        terminated_on=first(counted.terminated),
        unenforceable_from=unenforceable_from,
        unenforceable_to=unenforceable_to,
        fine_imposed=_money(dossier.custom, counted.fine_imposed) if decided else 0,
        fine_collected=fine_collected,
        money_due=_money(dossier.custom, counted.money_due),
        money_done=_money(dossier.custom, counted.money_done),
        violators_individual=sum(p.kind is PartyKind.INDIVIDUAL for p in violators),
        violators_organisation=sum(p.kind is PartyKind.ORGANISATION for p in violators),
        on_time=on_time,
    )
