"""Who may see and change which dossiers: units form a tree, roles set the verbs.

The scope computed here is turned into a condition of the database query itself, so
listing dossiers costs one query whatever the user's role (no per-row permission checks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from archive.domain.errors import Forbidden
from archive.domain.model import User
from archive.domain.roles import ROLE_NAMES, Action, Role, may


def subtree(
    unit_id: int,
    parents: Mapping[int, int | None],
    successors: Mapping[int, int] | None = None,
) -> frozenset[int]:
    """A unit and every unit below it, and the units it succeeded (with theirs): when a
    unit ends, its successor's people take over what it kept."""
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    for predecessor, successor in (successors or {}).items():
        children.setdefault(successor, []).append(predecessor)
    found = {unit_id}
    todo = [unit_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class PeriodGrant:
    unit_ids: frozenset[int]
    period_from: date
    period_to: date


@dataclass(frozen=True, slots=True)
class Scope:
    """The dossiers a user may read, as data a query can use.

    ``everything`` — administrators; ``unit_ids`` — the user's unit and its sub-units (plus
    dossiers shared with any of them); ``grants`` — an auditor's units within a period.
    """

    user_id: int
    role: Role
    everything: bool
    unit_ids: frozenset[int]
    grants: tuple[PeriodGrant, ...]

    def covers(self, unit_id: int, opened_on: date, shared_with: Iterable[int]) -> bool:
        if self.everything:
            return True
        if self.role is Role.AUDITOR:
            return any(
                unit_id in g.unit_ids and g.period_from <= opened_on <= g.period_to
                for g in self.grants
            )
        return unit_id in self.unit_ids or bool(self.unit_ids & set(shared_with))

    def may_change(self, unit_id: int) -> bool:
        """Changes stay with the owning unit's subtree; a share lends reading only."""
        return self.everything or unit_id in self.unit_ids


def scope_for(
    user: User,
    parents: Mapping[int, int | None],
    successors: Mapping[int, int] | None = None,
) -> Scope:
    if user.role is Role.ADMIN:
        return Scope(user.id, user.role, True, frozenset(parents), ())
    if user.role is Role.AUDITOR:
        grants = tuple(
            PeriodGrant(subtree(g.unit_id, parents, successors), g.period_from, g.period_to)
            for g in user.grants
        )
        return Scope(user.id, user.role, False, frozenset(), grants)
    return Scope(user.id, user.role, False, subtree(user.unit_id, parents, successors), ())


def require(user: User, action: Action) -> None:
    """Refuse an action the user's role does not allow, saying which role would."""
    if not may(user.role, action):
        vi, en = ROLE_NAMES[user.role]
        raise Forbidden(
            "role_not_allowed",
            f"Vai trò '{vi}' không được phép thực hiện thao tác này.",
            f"The role '{en}' may not do this.",
            action=action.value,
        )
