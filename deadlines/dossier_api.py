"""A dossier's deadlines over HTTP: listing them, and recording what they depend on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from archive.api.answers import TEXT, answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.domain.casetypes import CaseType
from deadlines import case_deadlines
from deadlines.counting import Unit
from deadlines.timeline import Deadline

router = APIRouter(prefix="/api/dossiers", tags=["Thời hạn · Deadlines"])
DossierId = Annotated[int, Path(ge=1, le=2**62)]
RowId = Annotated[int, Path(ge=1, le=2**62)]
CHANGE = ("role_not_allowed", "not_owner_unit", "dossier_not_found", *TEXT)


class Name(BaseModel):
    vi: str
    en: str


class RuleOut(BaseModel):
    code: str
    citation: str
    amount: int
    unit: Unit
    holder: Literal["agency", "party", "court"]
    in_force_from: date
    in_force_until: date | None
    extendable_to: str | None
    note: Name | None


class EventOut(BaseModel):
    event: str
    name: Name
    on: date
    source: str


class AdjustmentOut(BaseModel):
    id: int
    kind: Literal["extension", "override"]
    amount: int | None
    unit: Unit | None
    due: date | None
    reason: str
    approver: str | None


class PauseOut(BaseModel):
    kind: str
    start: date
    end: date | None
    reason: str


class DeadlineOut(BaseModel):
    step: str
    name: Name
    status: str
    status_label: Name
    rule: RuleOut | None
    start: EventOut
    due: date | None
    due_by_rule: date | None = Field(description="The rule's own day, before any change")
    amount: int | None
    unit: Unit | None
    days_left: int | None = Field(description="Calendar days to the due day (negative: late)")
    working_days_left: int | None = Field(
        description="Working days to the due day; negative: working days overdue, or late"
    )
    met: EventOut | None
    ended_by: EventOut | None
    adjustments: list[AdjustmentOut]
    pauses: list[PauseOut]
    skipped_days: int
    calendar_version: int | None
    gap: Name | None
    notes: list[str]


class DeadlinesOut(BaseModel):
    dossier_id: int
    as_of: date
    deadlines: list[DeadlineOut]


def _event(case_type: CaseType, code: str, on: date, source: str) -> EventOut:
    event = case_type.deadlines.event(code)
    if event is not None:
        name = Name(vi=event.name_vi, en=event.name_en)
    else:  # "due:<step>": the end of another step's limit
        step = code.removeprefix("due:")
        name = Name(vi=f"Hết thời hạn '{step}'", en=f"End of the '{step}' limit")
    return EventOut(event=code, name=name, on=on, source=source)


def deadline_out(case_type: CaseType, d: Deadline) -> DeadlineOut:
    rule = d.rule
    first = case_type.deadlines.of_step(d.step)[0]
    named = rule or first
    return DeadlineOut(
        step=d.step,
        name=Name(vi=named.name_vi, en=named.name_en),
        status=d.status.value,
        status_label=Name(vi=d.status.label_vi, en=d.status.label_en),
        rule=None
        if rule is None
        else RuleOut(
            code=rule.code,
            citation=rule.citation,
            amount=rule.amount,
            unit=Unit(rule.unit),
            holder=rule.holder,
            in_force_from=rule.in_force_from,
            in_force_until=rule.in_force_until,
            extendable_to=(
                f"{rule.extendable_to.amount} {rule.extendable_to.unit}"
                if rule.extendable_to
                else None
            ),
            note=Name(vi=rule.note_vi, en=rule.note_en) if rule.note_vi else None,
        ),
        start=_event(case_type, d.start.event, d.start.on, d.start.source),
        due=d.due,
        due_by_rule=d.by_rule.due if d.by_rule else None,
        amount=d.amount,
        unit=d.unit,
        days_left=d.days_left,
        working_days_left=d.working_days_left,
        met=_event(case_type, d.met.event, d.met.on, d.met.source) if d.met else None,
        ended_by=(
            _event(case_type, d.ended_by.event, d.ended_by.on, d.ended_by.source)
            if d.ended_by
            else None
        ),
        adjustments=[
            AdjustmentOut(
                id=a.id,
                kind=a.kind,
                amount=a.amount,
                unit=a.unit,
                due=a.due,
                reason=a.reason,
                approver=a.approver,
            )
            for a in d.adjustments
        ],
        pauses=[PauseOut(kind=p.kind, start=p.start, end=p.end, reason=p.reason) for p in d.pauses],
        skipped_days=d.skipped_days,
        calendar_version=d.calendar_version or None,
        gap=Name(vi=d.gap.note_vi, en=d.gap.note_en) if d.gap else None,
        notes=list(d.notes),
    )


@router.get(
    "/{dossier_id}/deadlines",
    response_model=DeadlinesOut,
    responses=answers("dossier_not_found", "calendar_year_missing"),
    summary="Thời hạn của hồ sơ · The dossier's deadlines",
    description="Each deadline whose step has started: the rule and its legal citation, the "
    "start event, the due day (counted with the current calendar version, named), its "
    "status (on_time, due_soon, overdue, met, met_late, paused, cancelled; a party's "
    "period: open, closed; no_rule where the law's limits are not entered yet) and the "
    "days left. `as_of` asks as of another day (events recorded after it are ignored).",
)
def dossier_deadlines(
    dossier_id: DossierId,
    actor: ActorDep,
    archive: ArchiveDep,
    as_of: date | None = None,
) -> DeadlinesOut:
    _, case_type, found = case_deadlines.of_dossier(archive, actor, dossier_id, as_of)
    from archive.services.dossiers import today

    return DeadlinesOut(
        dossier_id=dossier_id,
        as_of=as_of or today(),
        deadlines=[deadline_out(case_type, d) for d in found],
    )


class MilestoneIn(BaseModel):
    event: str = Field(min_length=1, max_length=64)
    on: date
    note: str | None = Field(default=None, max_length=2000)


class MilestoneOut(BaseModel):
    id: int
    event: str
    on: date
    note: str | None
    entered_by: int
    entered_at: datetime
    withdrawn: bool
    withdrawn_reason: str | None


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def _milestone_out(m: case_deadlines.Milestone) -> MilestoneOut:
    return MilestoneOut(
        id=m.id,
        event=m.event,
        on=m.on,
        note=m.note,
        entered_by=m.entered_by,
        entered_at=m.entered_at,
        withdrawn=m.withdrawn,
        withdrawn_reason=m.withdrawn_reason,
    )


@router.get(
    "/{dossier_id}/milestones",
    response_model=list[MilestoneOut],
    responses=answers("dossier_not_found"),
    summary="Sự kiện đã ghi · Dated events entered on the dossier",
)
def list_milestones(
    dossier_id: DossierId, actor: ActorDep, archive: ArchiveDep
) -> list[MilestoneOut]:
    return [_milestone_out(m) for m in case_deadlines.milestones(archive, actor, dossier_id)]


@router.post(
    "/{dossier_id}/milestones",
    response_model=MilestoneOut,
    status_code=201,
    responses=answers(*CHANGE, "unknown_event", "date_in_future", changes=True),
    summary="Ghi sự kiện · Enter a dated event",
    description="An event the case type lets officials enter (the decision was received, the "
    "notice validly served, the judgment took legal effect…), on the day it happened.",
)
def enter_milestone(
    dossier_id: DossierId, body: MilestoneIn, actor: ActorDep, archive: ArchiveDep
) -> MilestoneOut:
    made = case_deadlines.enter_milestone(
        archive, actor, dossier_id, body.event, body.on, body.note
    )
    return _milestone_out(made)


@router.post(
    "/{dossier_id}/milestones/{milestone_id}/withdraw",
    response_model=MilestoneOut,
    responses=answers(*CHANGE, "not_found", changes=True),
    summary="Rút sự kiện nhập sai · Withdraw an event entered wrongly",
    description="The entry stays, marked withdrawn with the reason; deadlines no longer use it.",
)
def withdraw_milestone(
    dossier_id: DossierId,
    milestone_id: RowId,
    body: ReasonIn,
    actor: ActorDep,
    archive: ArchiveDep,
) -> MilestoneOut:
    gone = case_deadlines.withdraw_milestone(archive, actor, dossier_id, milestone_id, body.reason)
    return _milestone_out(gone)


class ExtensionIn(BaseModel):
    amount: int = Field(ge=1, le=1000)
    unit: Unit
    reason: str = Field(min_length=1, max_length=2000)
    approver: str = Field(min_length=1, max_length=200, description="Who approved it, and title")


class OverrideIn(BaseModel):
    due: date
    reason: str = Field(min_length=1, max_length=2000)


StepCode = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_]+$")]


@router.post(
    "/{dossier_id}/deadlines/{step}/extensions",
    response_model=AdjustmentOut,
    status_code=201,
    responses=answers(
        *CHANGE,
        "unknown_deadline",
        "not_extendable",
        "extension_out_of_bounds",
        "bad_limit_unit",
        "calendar_year_missing",
        changes=True,
    ),
    summary="Gia hạn · Extend a limit",
    description="A longer limit from the same start, within the bound the law sets for the "
    "running rule (e.g. at most 2 months from the record, Art. 66 XLVPHC).",
)
def extend(
    dossier_id: DossierId,
    step: StepCode,
    body: ExtensionIn,
    actor: ActorDep,
    archive: ArchiveDep,
) -> AdjustmentOut:
    made = case_deadlines.extend(
        archive,
        actor,
        dossier_id,
        step,
        amount=body.amount,
        unit=body.unit.value,
        reason=body.reason,
        approver=body.approver,
    )
    return AdjustmentOut(
        id=made.id,
        kind="extension",
        amount=made.amount,
        unit=made.unit,
        due=None,
        reason=made.reason,
        approver=made.approver,
    )


@router.post(
    "/{dossier_id}/deadlines/{step}/override",
    response_model=AdjustmentOut,
    status_code=201,
    responses=answers(*CHANGE, "unknown_deadline", "calendar_year_missing", changes=True),
    summary="Ghi đè thời hạn · Set a step's due day on this dossier",
    description="With the reason (e.g. the decision states a longer period); the rule's own "
    "day stays shown beside it.",
)
def override(
    dossier_id: DossierId,
    step: StepCode,
    body: OverrideIn,
    actor: ActorDep,
    archive: ArchiveDep,
) -> AdjustmentOut:
    made = case_deadlines.override(
        archive, actor, dossier_id, step, due=body.due, reason=body.reason
    )
    return AdjustmentOut(
        id=made.id,
        kind="override",
        amount=None,
        unit=None,
        due=made.due,
        reason=made.reason,
        approver=None,
    )


class PauseIn(BaseModel):
    kind: str = Field(min_length=1, max_length=64, description="A pause the case type names")
    start: date = Field(description="The first day not counted")
    step: str | None = Field(default=None, max_length=64, description="One step, or all")
    reason: str = Field(min_length=1, max_length=2000)


class PauseMade(BaseModel):
    id: int


class ResumeIn(BaseModel):
    end: date = Field(description="The day counting resumes")


@router.post(
    "/{dossier_id}/pauses",
    response_model=PauseMade,
    status_code=201,
    responses=answers(
        *CHANGE,
        "unknown_pause",
        "unknown_deadline",
        "already_paused",
        "date_in_future",
        "bad_period",
        changes=True,
    ),
    summary="Tạm dừng tính thời hạn · Stop the clock",
    description="Suspension or postponement (tạm đình chỉ, hoãn): the limits running stop "
    "from `start` until the pause is ended.",
)
def pause(dossier_id: DossierId, body: PauseIn, actor: ActorDep, archive: ArchiveDep) -> PauseMade:
    made = case_deadlines.pause(
        archive,
        actor,
        dossier_id,
        kind=body.kind,
        start=body.start,
        step=body.step,
        reason=body.reason,
    )
    return PauseMade(id=made)


@router.post(
    "/{dossier_id}/pauses/{pause_id}/end",
    status_code=204,
    responses=answers(*CHANGE, "not_found", "bad_period", "date_in_future", changes=True),
    summary="Tiếp tục tính thời hạn · Restart the clock",
)
def resume(
    dossier_id: DossierId,
    pause_id: RowId,
    body: ResumeIn,
    actor: ActorDep,
    archive: ArchiveDep,
) -> None:
    case_deadlines.resume(archive, actor, dossier_id, pause_id, body.end)
