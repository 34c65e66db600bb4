"""The deadlines of one case: which rule applies to each step, when it is due, and whether
it was met, is running, is due soon or is overdue, on a given day.

Pure: it takes the case's facts (dated events, its field of law and custom fields, the
extensions, overrides and pauses recorded on it), the case type's rules and a calendar
version, and computes. The same facts and calendar give the same answer, so a deadline
shown today can be recounted years later by an auditor.

- A step starts at the **latest** occurrence of its start event up to the day asked (a case
  sent back a stage starts the step again), or, for ``due:<step>``, when that step's limit
  ran out unmet.
- Of the step's rules, those in force on the start day are tried in order; the first whose
  conditions hold applies. None in force: the step is listed only when the case type says
  the limits of that period are not entered yet (a gap), so nothing passes silently.
- It is met by the first end event on or after its start; made moot by a cancel event.
- A pause (suspension, postponement) stops the clock from its first day to the day before
  it ends; the limit then runs on for what was left. An extension sets a longer limit from
  the same start, within what the law allows; an override sets the due day, with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from archive.domain.deadline_rules import Condition, DeadlineGap, DeadlineRule, DeadlineRules
from archive.domain.errors import Invalid
from deadlines.calendar import WorkCalendar
from deadlines.counting import Reckoning, Unit, reckon, working_days_between

DUE_SOON_WORKING_DAYS = 3


class _NoRule(Exception):
    """No rule in force for the step's start, and no gap said for it: the step is not listed."""


class Status(StrEnum):
    ON_TIME = "on_time"  # running, more than the due-soon margin left
    DUE_SOON = "due_soon"  # running, within the margin
    OVERDUE = "overdue"  # running, past its due day
    MET = "met"  # met on or before its due day
    MET_LATE = "met_late"  # met after its due day
    PAUSED = "paused"  # the clock is stopped (suspension, postponement) with no end yet
    CANCELLED = "cancelled"  # moot: the case closed another way
    OPEN = "open"  # a party's window, still open
    CLOSED = "closed"  # a party's window: used, or run out
    NO_RULE = "no_rule"  # the limits in force on its start are not entered (a gap)

    @property
    def label_vi(self) -> str:
        return STATUS_VI[self]

    @property
    def label_en(self) -> str:
        return STATUS_EN[self]


STATUS_VI = {
    Status.ON_TIME: "Trong hạn",
    Status.DUE_SOON: "Sắp đến hạn",
    Status.OVERDUE: "Quá hạn",
    Status.MET: "Đã thực hiện đúng hạn",
    Status.MET_LATE: "Đã thực hiện nhưng trễ hạn",
    Status.PAUSED: "Tạm dừng tính thời hạn",
    Status.CANCELLED: "Không còn áp dụng",
    Status.OPEN: "Đang trong thời hạn của đương sự",
    Status.CLOSED: "Thời hạn của đương sự đã kết thúc",
    Status.NO_RULE: "Chưa có quy định thời hạn",
}
STATUS_EN = {
    Status.ON_TIME: "On time",
    Status.DUE_SOON: "Due soon",
    Status.OVERDUE: "Overdue",
    Status.MET: "Met on time",
    Status.MET_LATE: "Met late",
    Status.PAUSED: "Clock stopped",
    Status.CANCELLED: "No longer applies",
    Status.OPEN: "Party's period open",
    Status.CLOSED: "Party's period over",
    Status.NO_RULE: "No time limit entered",
}
RUNNING = frozenset({Status.ON_TIME, Status.DUE_SOON, Status.OVERDUE})


@dataclass(frozen=True, slots=True)
class Occurrence:
    """An event of the case on a day, and where the archive read it."""

    event: str
    on: date
    source: str  # "stage", "document 12", "entered 5", "opened", "due:<step>"


@dataclass(frozen=True, slots=True)
class Pause:
    step: str | None  # None: every step of the agency that is running
    kind: str
    start: date  # the first day not counted
    end: date | None  # the day counting resumes; None: still paused
    reason: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    """An extension (a longer limit from the same start, within the law's bound) or an
    override (a due day set on this case, with a reason)."""

    step: str
    kind: str  # "extension" | "override"
    reason: str
    approver: str | None = None
    amount: int | None = None
    unit: Unit | None = None
    due: date | None = None
    id: int = 0


@dataclass(frozen=True)
class CaseFacts:
    field_of_law: str
    custom: Mapping[str, object]
    occurrences: Sequence[Occurrence]
    adjustments: Sequence[Adjustment] = ()
    pauses: Sequence[Pause] = ()

    def of(self, event: str, as_of: date) -> list[Occurrence]:
        return sorted(
            (o for o in self.occurrences if o.event == event and o.on <= as_of),
            key=lambda o: o.on,
        )

    def holds(self, condition: Condition, as_of: date) -> bool:
        if condition.kind == "event":
            return bool(self.of(condition.code, as_of))
        if condition.kind == "field_of_law":
            return self.field_of_law == condition.code
        value = self.custom.get(condition.code)
        return value not in (None, False, "", 0)


@dataclass(frozen=True)
class Deadline:
    step: str
    rule: DeadlineRule | None
    start: Occurrence
    status: Status
    due: date | None
    by_rule: Reckoning | None  # the limit as the rule counts it, before any change
    amount: int | None = None  # the amount applied (a decision's longer period, an extension)
    unit: Unit | None = None
    met: Occurrence | None = None
    ended_by: Occurrence | None = None  # the cancel event that made it moot
    days_left: int | None = None  # calendar days from the day asked to the due day
    working_days_left: int | None = None  # negative: working days overdue or late
    adjustments: tuple[Adjustment, ...] = ()
    pauses: tuple[Pause, ...] = ()
    gap: DeadlineGap | None = None
    skipped_days: int = 0  # days off passed over or moved across, all changes included
    calendar_version: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


def _paused_due(
    start: date,
    amount: int,
    unit: Unit,
    counted: Reckoning,
    pauses: Sequence[Pause],
    calendar: WorkCalendar,
    as_of: date,
) -> tuple[date | None, tuple[Pause, ...]]:
    """The due day once the pauses that began within the running limit are taken out;
    ``None`` while a pause has no end.

    A pause stops the count on its first day and counting restarts on its end day. In
    working days the limit goes on for what was left from the day before it restarts; in
    days, months or years the last day by count moves by the days stopped, then to the next
    working day if it is off."""
    applied: list[Pause] = []
    due = counted.due
    last = counted.moved_from or counted.due  # the last day by count, before any move
    left, counting_from = amount, start  # working days left, after this day
    for pause in sorted(pauses, key=lambda p: p.start):
        if not (start <= pause.start <= due) or pause.start > as_of:
            continue
        applied.append(pause)
        if pause.end is None or pause.end > as_of:
            return None, tuple(applied)
        if unit is Unit.WORKING_DAYS:
            before = pause.start - timedelta(days=1)
            if before > counting_from:
                left -= working_days_between(counting_from, before, calendar)
            counting_from = max(counting_from, pause.end - timedelta(days=1))
            due = reckon(counting_from, max(left, 0), unit, calendar).due
        else:
            last += pause.end - pause.start
            due = last
            while not calendar.is_working(due):
                due += timedelta(days=1)
    return due, tuple(applied)


def deadlines(
    rules: DeadlineRules, facts: CaseFacts, calendar: WorkCalendar, as_of: date
) -> list[Deadline]:
    """Every deadline of the case whose step has started by ``as_of``, in the order the
    case type lists its steps."""
    found: dict[str, Deadline] = {}
    for step in rules.steps():
        computed = _step(rules, step, facts, calendar, as_of, found)
        if computed is not None:
            found[step] = computed
    return list(found.values())


def _start_of(
    rule: DeadlineRule, facts: CaseFacts, as_of: date, found: Mapping[str, Deadline]
) -> Occurrence | None:
    after = rule.starts_after_step
    if after is None:
        seen = facts.of(rule.start, as_of)
        return seen[-1] if seen else None
    before = found.get(after)
    if before is None or before.due is None or before.met is not None:
        return None
    if before.status not in (Status.OVERDUE, Status.CLOSED):
        return None
    return Occurrence(f"due:{after}", before.due, f"due:{after}")


def _applying(
    rules: DeadlineRules,
    step: str,
    facts: CaseFacts,
    as_of: date,
    found: Mapping[str, Deadline],
) -> tuple[DeadlineRule | None, Occurrence | None]:
    """The step's rule that applies and its start: the first, in the case type's order,
    that has started, is in force on its start day and whose conditions hold; else no
    rule, with the earliest start seen (for a gap)."""
    first_start: Occurrence | None = None
    for rule in rules.of_step(step):
        start = _start_of(rule, facts, as_of, found)
        if start is None:
            continue
        if first_start is None:
            first_start = start
        if not rule.in_force_on(start.on):
            continue
        if not all(facts.holds(c, as_of) for c in rule.all_of):
            continue
        if rule.any_of and not any(facts.holds(c, as_of) for c in rule.any_of):
            continue
        if any(facts.holds(c, as_of) for c in rule.none_of):
            continue
        return rule, start
    return None, first_start


def _step(
    rules: DeadlineRules,
    step: str,
    facts: CaseFacts,
    calendar: WorkCalendar,
    as_of: date,
    found: Mapping[str, Deadline],
) -> Deadline | None:
    rule, start = _applying(rules, step, facts, as_of, found)
    if start is None:
        return None
    try:
        return _counted(rules, step, rule, start, facts, calendar, as_of)
    except _NoRule:
        return None
    except Invalid as exc:  # a year the calendar does not hold: said, not a failure
        gap = DeadlineGap(step, start.on, exc.vi, exc.en)
        return Deadline(step, rule, start, Status.NO_RULE, None, None, gap=gap)


def _counted(
    rules: DeadlineRules,
    step: str,
    rule: DeadlineRule | None,
    start: Occurrence,
    facts: CaseFacts,
    calendar: WorkCalendar,
    as_of: date,
) -> Deadline:
    if rule is None:
        gap = next((g for g in rules.gaps if g.step == step and g.in_force_from <= start.on), None)
        if gap is None:
            raise _NoRule
        return Deadline(step, None, start, Status.NO_RULE, None, None, gap=gap)
    unit = Unit(rule.unit)
    amount = rule.amount
    notes: list[str] = []
    if rule.amount_field is not None:
        stated = facts.custom.get(rule.amount_field)
        if isinstance(stated, int | float) and not isinstance(stated, bool) and stated > amount:
            amount = int(stated)
            notes.append("amount_from_decision")
    by_rule = reckon(start.on, rule.amount, unit, calendar)
    counted = reckon(start.on, amount, unit, calendar) if amount != rule.amount else by_rule
    mine = tuple(a for a in facts.adjustments if a.step == step)
    for adjustment in mine:  # recorded in order: the latest of each kind wins
        if adjustment.kind == "extension" and adjustment.amount is not None:
            amount, unit = adjustment.amount, adjustment.unit or unit
            counted = reckon(start.on, amount, unit, calendar)
    due: date | None = counted.due
    skipped = len(counted.skipped)
    due, paused = _paused_due(
        start.on,
        amount,
        unit,
        counted,
        [p for p in facts.pauses if p.step in (None, step)],
        calendar,
        as_of,
    )
    for adjustment in mine:
        if adjustment.kind == "override" and adjustment.due is not None:
            due = adjustment.due
    ends = sorted(
        (o for e in rule.end for o in facts.of(e, as_of) if o.on >= start.on), key=lambda o: o.on
    )
    met = ends[0] if ends else None
    cancels = sorted(
        (o for e in rule.cancel for o in facts.of(e, as_of) if o.on >= start.on),
        key=lambda o: o.on,
    )
    cancel = cancels[0] if cancels and (met is None or cancels[0].on < met.on) else None
    party = rule.holder == "party"
    left = (due - as_of).days if due is not None else None
    working_left = working_days_between(as_of, due, calendar) if due is not None else None
    if cancel is not None:
        status, met = Status.CANCELLED, None
        left = working_left = None
    elif met is not None:
        status = (
            Status.CLOSED
            if party
            else (Status.MET if due is None or met.on <= due else Status.MET_LATE)
        )
        left = None
        working_left = (
            -working_days_between(due, met.on, calendar)
            if due is not None and met.on > due
            else None
        )
    elif due is None:
        status = Status.PAUSED
    elif party:
        status = Status.OPEN if as_of <= due else Status.CLOSED
    elif as_of > due:
        status = Status.OVERDUE
    elif working_left is not None and working_left <= DUE_SOON_WORKING_DAYS:
        status = Status.DUE_SOON
    else:
        status = Status.ON_TIME
    return Deadline(
        step=step,
        rule=rule,
        start=start,
        status=status,
        due=due,
        by_rule=by_rule,
        amount=amount,
        unit=unit,
        met=met,
        ended_by=cancel,
        days_left=left,
        working_days_left=working_left,
        adjustments=mine,
        pauses=paused,
        skipped_days=skipped,
        calendar_version=calendar.version,
        notes=tuple(notes),
    )
