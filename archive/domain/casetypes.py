"""Case types as data: fields, stages, transitions, document kinds and deadline rules.

A case type is read from a JSON definition (the four built-in ones ship in
``archive/casetypes/``); the code only interprets it, so an administrator can change stages
or time limits without a release. Deadline rules (``archive.domain.deadline_rules``) carry
the dates they are in force, because a new law (e.g. the 2025 civil enforcement law)
changes them for steps that start from that date only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from archive.domain.deadline_rules import DeadlineRule, DeadlineRules, legacy_rules, parse_rules
from archive.domain.deadline_rules import problems as rule_problems
from archive.domain.errors import Invalid
from archive.domain.model import Party, PartyKind, Retention
from archive.domain.text import clean_optional, clean_text

FIELD_TYPES = frozenset({"text", "money", "date", "boolean", "choice", "number"})
# A million billion đồng: far above any fine or judgment, and summed over a province still
# within what databases and Elasticsearch add exactly (2**53).
MAX_MONEY = 10**15


@dataclass(frozen=True, slots=True)
class Label:
    vi: str
    en: str


@dataclass(frozen=True, slots=True)
class Coded:
    code: str
    name: Label


@dataclass(frozen=True, slots=True)
class CustomField:
    code: str
    type: str
    required: bool
    name: Label
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseType:
    code: str
    version: int
    name: Label
    legal_basis: str
    default_retention: str
    fields_of_law: tuple[Coded, ...]
    fields: tuple[CustomField, ...]
    party_roles: tuple[Coded, ...]
    stages: tuple[Coded, ...]
    transitions: tuple[tuple[str, str], ...]
    document_kinds: tuple[Coded, ...]
    deadlines: DeadlineRules = field(default_factory=DeadlineRules)

    @property
    def first_stage(self) -> str:
        return self.stages[0].code

    def stage_codes(self) -> list[str]:
        return [s.code for s in self.stages]

    def rules_on(self, day: date) -> list[DeadlineRule]:
        """The deadline rules in force for a step that started on ``day``."""
        return [r for r in self.deadlines.rules if r.in_force_on(day)]

    # -- validation of a dossier against its type -------------------------------------------

    def check_field_of_law(self, field: str) -> None:
        if field not in {f.code for f in self.fields_of_law}:
            raise Invalid(
                "unknown_field_of_law",
                f"Lĩnh vực '{field}' không thuộc loại hồ sơ {self.name.vi}.",
                f"Field of law '{field}' is not part of case type {self.name.en}.",
                allowed=[f.code for f in self.fields_of_law],
            )

    def check_stage(self, stage: str) -> None:
        if stage not in self.stage_codes():
            raise Invalid(
                "unknown_stage",
                f"Giai đoạn '{stage}' không có trong loại hồ sơ {self.name.vi}.",
                f"Stage '{stage}' does not exist in case type {self.name.en}.",
                allowed=self.stage_codes(),
            )

    def check_document_kind(self, kind: str) -> None:
        if kind not in {k.code for k in self.document_kinds}:
            raise Invalid(
                "unknown_document_kind",
                f"Loại tài liệu '{kind}' không dùng cho loại hồ sơ {self.name.vi}.",
                f"Document kind '{kind}' is not used by case type {self.name.en}.",
                allowed=[k.code for k in self.document_kinds],
            )

    def check_parties(self, parties: tuple[Party, ...]) -> None:
        roles = {r.code for r in self.party_roles}
        for party in parties:
            if party.role not in roles:
                raise Invalid(
                    "unknown_party_role",
                    f"Vai trò đương sự '{party.role}' không có trong loại hồ sơ {self.name.vi}.",
                    f"Party role '{party.role}' does not exist in case type {self.name.en}.",
                    allowed=sorted(roles),
                )

    def check_key_dates(self, key_dates: Mapping[str, date]) -> None:
        for stage in key_dates:
            self.check_stage(stage)

    def clean_custom(self, values: Mapping[str, object]) -> dict[str, object]:
        """Check custom field values against their declared types; return them normalised."""
        known = {f.code: f for f in self.fields}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise Invalid(
                "unknown_custom_field",
                f"Trường không có trong loại hồ sơ {self.name.vi}: {', '.join(unknown)}.",
                f"Fields not in case type {self.name.en}: {', '.join(unknown)}.",
                allowed=sorted(known),
            )
        cleaned: dict[str, object] = {}
        for code, spec in known.items():
            value = values.get(code)
            if value is None or value == "":
                if spec.required:
                    raise Invalid(
                        "missing_custom_field",
                        f"Thiếu thông tin bắt buộc: {spec.name.vi}.",
                        f"Missing required field: {spec.name.en}.",
                        field=code,
                    )
                continue
            cleaned[code] = _clean_value(spec, value)
        return cleaned


def _clean_value(spec: CustomField, value: object) -> object:
    def bad() -> Invalid:
        return Invalid(
            "bad_custom_field",
            f"Giá trị của '{spec.name.vi}' không hợp lệ (cần kiểu {spec.type}).",
            f"Value of '{spec.name.en}' is not valid (expected {spec.type}).",
            field=spec.code,
        )

    if spec.type == "money":
        # Money is whole đồng: fractions of a đồng do not exist in Vietnamese accounts.
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MONEY:
            raise bad()
        return value
    if spec.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad()
        if not math.isfinite(value):
            raise bad()
        return value
    if spec.type == "boolean":
        if not isinstance(value, bool):
            raise bad()
        return value
    if spec.type == "date":
        if isinstance(value, date):
            return value.isoformat()
        if not isinstance(value, str):
            raise bad()
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise bad() from None
    if spec.type == "choice":
        if value not in spec.choices:
            raise bad()
        return value
    if not isinstance(value, str):
        raise bad()
    return clean_text(value, field=spec.code, multiline=True)


def _label(raw: Mapping[str, Any]) -> Label:
    return Label(vi=str(raw["vi"]), en=str(raw["en"]))


def _coded(raw: Mapping[str, Any]) -> Coded:
    return Coded(code=str(raw["code"]), name=_label(raw["name"]))


def parse_case_type(raw: Mapping[str, Any]) -> CaseType:
    """Build a case type from its JSON definition, refusing inconsistent ones."""
    try:
        stages = tuple(_coded(s) for s in raw["stages"])
        stage_codes = {s.code for s in stages}
        transitions = tuple((str(a), str(b)) for a, b in raw.get("transitions", []))
        fields = tuple(
            CustomField(
                code=str(f["code"]),
                type=str(f["type"]),
                required=bool(f.get("required", False)),
                name=_label(f["name"]),
                choices=tuple(str(c) for c in f.get("choices", ())),
            )
            for f in raw.get("fields", [])
        )
        if "deadlines" not in raw and raw.get("time_limits"):
            raw = {**raw, **legacy_rules(raw["time_limits"])}
        rules = parse_rules(raw)
        case_type = CaseType(
            code=str(raw["code"]),
            version=int(raw.get("version", 1)),
            name=_label(raw["name"]),
            legal_basis=str(raw.get("legal_basis", "")),
            default_retention=str(raw.get("default_retention", "10")),
            fields_of_law=tuple(_coded(f) for f in raw["fields_of_law"]),
            fields=fields,
            party_roles=tuple(_coded(r) for r in raw.get("party_roles", [])),
            stages=stages,
            transitions=transitions,
            document_kinds=tuple(_coded(k) for k in raw["document_kinds"]),
            deadlines=rules,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(
            "bad_case_type",
            f"Định nghĩa loại hồ sơ không hợp lệ: {exc!r}.",
            f"Case type definition is not valid: {exc!r}.",
        ) from exc
    problems = [f"transition {a}->{b}" for a, b in transitions if {a, b} - stage_codes]
    problems += [f"field type {f.type}" for f in fields if f.type not in FIELD_TYPES]
    problems += rule_problems(
        rules,
        stages=stage_codes,
        document_kinds={k.code for k in case_type.document_kinds},
        fields={f.code for f in fields},
        fields_of_law={f.code for f in case_type.fields_of_law},
    )
    problems += [
        f"choice field {f.code} without choices"
        for f in fields
        if f.type == "choice" and not f.choices
    ]
    if len(stage_codes) != len(stages):
        problems.append("duplicate stage codes")
    if case_type.default_retention not in {r.value for r in Retention}:
        problems.append(f"default retention {case_type.default_retention}")
    if not stages or problems:
        raise Invalid(
            "bad_case_type",
            f"Định nghĩa loại hồ sơ '{raw.get('code')}' mâu thuẫn: {', '.join(problems)}.",
            f"Case type '{raw.get('code')}' is inconsistent: {', '.join(problems)}.",
        )
    return case_type


def parse_parties(raw: object) -> tuple[Party, ...]:
    if not isinstance(raw, list):
        return ()
    parties = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        parties.append(
            clean_party(
                Party(
                    role=str(item["role"]),
                    kind=PartyKind(str(item.get("kind", PartyKind.INDIVIDUAL))),
                    name=str(item["name"]),
                    id_number=item.get("id_number"),
                    address=item.get("address"),
                )
            )
        )
    return tuple(parties)


def clean_party(party: Party) -> Party:
    return Party(
        role=party.role,
        kind=party.kind,
        name=clean_text(party.name, field="parties.name"),
        id_number=clean_optional(party.id_number, field="parties.id_number"),
        address=clean_optional(party.address, field="parties.address"),
    )
