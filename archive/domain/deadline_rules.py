"""Deadline rules as data: what starts a legal time limit, what ends it, how long it is,
when it applies, and the text of law it comes from.

A case type names its **events** (the record is made, the decision is received, the
judgment takes legal effect…) and where each is read from: a stage the dossier entered, a
document of a kind with its date of issue, the day the dossier was opened, or a date an
official enters. A **rule** runs from a start event to an end event, for an amount of days,
working days, months or years, under conditions (another event recorded, a field of the
dossier set, its field of law), and is in force between two dates: which rule of a step
applies is decided by the date of its start event, so a case keeps the limits of the law
in force when its step began. The archive only interprets this; an administrator changes
it as a new version of the case type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

LIMIT_UNITS = frozenset({"days", "working_days", "months", "years"})
# Who must act before the limit ends: the agency keeping the dossier (its officials are
# reminded, a late step is late), a party (a window: an appeal, a voluntary payment; it
# closes, it is never "overdue" for the agency), or the court.
HOLDERS = frozenset({"agency", "party", "court"})
SOURCE_KINDS = frozenset({"stage", "document", "entered", "opened"})


@dataclass(frozen=True, slots=True)
class EventSource:
    kind: str  # stage | document | entered | opened
    code: str = ""  # the stage or the document kind

    def __str__(self) -> str:
        return f"{self.kind}:{self.code}" if self.code else self.kind


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """Something that happens in a case on a date, which time limits run from or to."""

    code: str
    name_vi: str
    name_en: str
    sources: tuple[EventSource, ...]


@dataclass(frozen=True, slots=True)
class Condition:
    """``event``: the event is recorded in the dossier; ``field``: the dossier's custom
    field is set (true, non-empty); ``field_of_law``: the dossier is of that field."""

    kind: str
    code: str

    def __str__(self) -> str:
        return self.code if self.kind == "event" else f"{self.kind}:{self.code}"


@dataclass(frozen=True, slots=True)
class Span:
    amount: int
    unit: str


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    code: str
    step: str  # rules of one step are alternatives: the first in force whose conditions hold
    name_vi: str
    name_en: str
    start: str  # an event code, or "due:<step>": when another step's limit ends
    end: tuple[str, ...]  # events that meet it
    cancel: tuple[str, ...]  # events that make it moot (the case closed another way)
    amount: int
    unit: str
    holder: str
    citation: str
    in_force_from: date
    in_force_until: date | None
    all_of: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()
    none_of: tuple[Condition, ...] = ()
    amount_field: str | None = None  # a longer limit the decision sets (Art. 73 XLVPHC)
    extendable_to: Span | None = None  # the most an extension may reach, from the start
    note_vi: str = ""
    note_en: str = ""

    def in_force_on(self, day: date) -> bool:
        return self.in_force_from <= day and (
            self.in_force_until is None or day <= self.in_force_until
        )

    @property
    def starts_after_step(self) -> str | None:
        return self.start.removeprefix("due:") if self.start.startswith("due:") else None


@dataclass(frozen=True, slots=True)
class DeadlineGap:
    """A period in which the law's limits are not entered yet, said so rather than silent."""

    step: str
    in_force_from: date
    note_vi: str
    note_en: str


@dataclass(frozen=True, slots=True)
class PauseKind:
    """A reason the law stops a limit's clock (suspension, postponement), with its text."""

    code: str
    name_vi: str
    name_en: str
    citation: str


@dataclass(frozen=True, slots=True)
class Counted:
    """What the statistics read from a case of this type: the events that date its
    decision, acceptance, completion, payment and enforcement, the custom fields holding
    its money, the party role counted as violators, and the step whose deadline says
    whether the decision was on time. Codes not given are not counted for this type."""

    decided: str | None = None
    accepted: str | None = None
    completed: tuple[str, ...] = ()
    collected: str | None = None
    enforced: str | None = None
    fine_imposed: str | None = None
    fine_collected: str | None = None
    money_due: str | None = None
    money_done: str | None = None
    on_time_step: str | None = None
    violators_role: str | None = None
    # civil judgment enforcement's form: entrusted to another office, terminated, and the
    # span the case was not yet enforceable (from one event until the other)
    entrusted: str | None = None
    terminated: str | None = None
    unenforceable: str | None = None
    enforceable_again: str | None = None


@dataclass(frozen=True, slots=True)
class DeadlineRules:
    events: tuple[CaseEvent, ...] = ()
    rules: tuple[DeadlineRule, ...] = ()
    gaps: tuple[DeadlineGap, ...] = ()
    pause_kinds: tuple[PauseKind, ...] = ()
    counted: Counted = Counted()

    def pause_kind(self, code: str) -> PauseKind | None:
        return next((p for p in self.pause_kinds if p.code == code), None)

    def event(self, code: str) -> CaseEvent | None:
        return next((e for e in self.events if e.code == code), None)

    def steps(self) -> list[str]:
        seen: dict[str, None] = {}
        for rule in self.rules:
            seen.setdefault(rule.step, None)
        return list(seen)

    def of_step(self, step: str) -> list[DeadlineRule]:
        return [r for r in self.rules if r.step == step]


def _label(raw: Mapping[str, Any] | None) -> tuple[str, str]:
    raw = raw or {}
    return str(raw.get("vi", "")), str(raw.get("en", raw.get("vi", "")))


def _condition(text: str) -> Condition:
    kind, _, code = text.partition(":")
    if not code:
        return Condition("event", kind)
    return Condition(kind, code)


def _source(text: str) -> EventSource:
    kind, _, code = text.partition(":")
    return EventSource(kind, code)


def _date(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def parse_rules(raw: Mapping[str, Any]) -> DeadlineRules:
    """The events, rules and gaps of a case type definition (``KeyError``/``ValueError``
    on a malformed one; ``problems`` says what is inconsistent)."""
    events = tuple(
        CaseEvent(
            code=str(e["code"]),
            name_vi=_label(e.get("name"))[0],
            name_en=_label(e.get("name"))[1],
            sources=tuple(_source(str(s)) for s in e.get("sources", ["entered"])),
        )
        for e in raw.get("events", [])
    )
    rules = []
    for r in raw.get("deadlines", []):
        force = r.get("in_force", {})
        extend = r.get("extendable_to")
        vi, en = _label(r.get("name"))
        note_vi, note_en = _label(r.get("note"))
        rules.append(
            DeadlineRule(
                code=str(r["code"]),
                step=str(r.get("step", r["code"])),
                name_vi=vi,
                name_en=en,
                start=str(r["start"]),
                end=tuple(str(x) for x in r.get("end", [])),
                cancel=tuple(str(x) for x in r.get("cancel", [])),
                amount=int(r["amount"]),
                unit=str(r["unit"]),
                holder=str(r.get("holder", "agency")),
                citation=str(r.get("citation", "")),
                in_force_from=_date(force.get("from")) or date(1900, 1, 1),
                in_force_until=_date(force.get("until")),
                all_of=tuple(_condition(str(c)) for c in r.get("if", [])),
                any_of=tuple(_condition(str(c)) for c in r.get("if_any", [])),
                none_of=tuple(_condition(str(c)) for c in r.get("unless", [])),
                amount_field=str(r["amount_field"]) if r.get("amount_field") else None,
                extendable_to=Span(int(extend["amount"]), str(extend["unit"])) if extend else None,
                note_vi=note_vi,
                note_en=note_en,
            )
        )
    gaps = tuple(
        DeadlineGap(
            step=str(g["step"]),
            in_force_from=date.fromisoformat(str(g["from"])),
            note_vi=_label(g.get("note"))[0],
            note_en=_label(g.get("note"))[1],
        )
        for g in raw.get("deadline_gaps", [])
    )
    pause_kinds = tuple(
        PauseKind(
            code=str(p["code"]),
            name_vi=_label(p.get("name"))[0],
            name_en=_label(p.get("name"))[1],
            citation=str(p.get("citation", "")),
        )
        for p in raw.get("pauses", [])
    )
    raw_counted = dict(raw.get("statistics", {}))
    completed = raw_counted.pop("completed", ())
    counted = Counted(
        completed=tuple(str(c) for c in completed),
        **{k: (str(v) if v else None) for k, v in raw_counted.items()},
    )
    return DeadlineRules(events, tuple(rules), gaps, pause_kinds, counted)


def legacy_rules(limits: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Events and rules from the stage-to-stage ``time_limits`` of definitions stored
    before rules existed: each limit runs from entering one stage to entering another."""
    stages = sorted({str(t[k]) for t in limits for k in ("from_stage", "to_stage")})
    events = [{"code": s, "name": {"vi": s, "en": s}, "sources": [f"stage:{s}"]} for s in stages]
    deadlines = [
        {
            "code": t["code"],
            "name": {"vi": t["code"], "en": t["code"]},
            "start": t["from_stage"],
            "end": [t["to_stage"]],
            "amount": t["amount"],
            "unit": t["unit"],
            "citation": t.get("basis", ""),
            "in_force": {"from": t["effective_from"], "until": t.get("effective_until")},
        }
        for t in limits
    ]
    return {"events": events, "deadlines": deadlines}


def problems(
    rules: DeadlineRules,
    *,
    stages: set[str],
    document_kinds: set[str],
    fields: set[str],
    fields_of_law: set[str],
) -> list[str]:
    """What is inconsistent in the rules, against the case type's own codes."""
    found: list[str] = []
    events = {e.code for e in rules.events}
    if len(events) != len(rules.events):
        found.append("duplicate event codes")
    for event in rules.events:
        for source in event.sources:
            if source.kind not in SOURCE_KINDS:
                found.append(f"event {event.code} source {source}")
            elif source.kind == "stage" and source.code not in stages:
                found.append(f"event {event.code} stage {source.code}")
            elif source.kind == "document" and source.code not in document_kinds:
                found.append(f"event {event.code} document kind {source.code}")
    steps = set(rules.steps())
    codes = [r.code for r in rules.rules]
    if len(set(codes)) != len(codes):
        found.append("duplicate deadline codes")
    for rule in rules.rules:
        after = rule.starts_after_step
        if after is not None:
            if after not in steps or after == rule.step:
                found.append(f"deadline {rule.code} start {rule.start}")
        elif rule.start not in events:
            found.append(f"deadline {rule.code} start {rule.start}")
        found += [f"deadline {rule.code} end {e}" for e in rule.end if e not in events]
        found += [f"deadline {rule.code} cancel {e}" for e in rule.cancel if e not in events]
        if rule.unit not in LIMIT_UNITS:
            found.append(f"deadline {rule.code} unit {rule.unit}")
        if rule.amount < 0:
            found.append(f"deadline {rule.code} amount {rule.amount}")
        if rule.holder not in HOLDERS:
            found.append(f"deadline {rule.code} holder {rule.holder}")
        if rule.in_force_until is not None and rule.in_force_until < rule.in_force_from:
            found.append(f"deadline {rule.code} in force")
        if rule.extendable_to is not None and rule.extendable_to.unit not in LIMIT_UNITS:
            found.append(f"deadline {rule.code} extension unit")
        if rule.amount_field is not None and rule.amount_field not in fields:
            found.append(f"deadline {rule.code} amount field {rule.amount_field}")
        for condition in (*rule.all_of, *rule.any_of, *rule.none_of):
            known = {
                "event": events,
                "field": fields,
                "field_of_law": fields_of_law,
            }.get(condition.kind)
            if known is None or condition.code not in known:
                found.append(f"deadline {rule.code} condition {condition}")
    for gap in rules.gaps:
        if gap.step not in steps:
            found.append(f"gap step {gap.step}")
    c = rules.counted
    for name in (
        "decided",
        "accepted",
        "collected",
        "enforced",
        "entrusted",
        "terminated",
        "unenforceable",
        "enforceable_again",
    ):
        code = getattr(c, name)
        if code is not None and code not in events:
            found.append(f"statistics {name} {code}")
    found += [f"statistics completed {e}" for e in c.completed if e not in events]
    for name in ("fine_imposed", "fine_collected", "money_due", "money_done"):
        code = getattr(c, name)
        if code is not None and code not in fields:
            found.append(f"statistics {name} {code}")
    if c.on_time_step is not None and c.on_time_step not in steps:
        found.append(f"statistics on_time_step {c.on_time_step}")
    return found
