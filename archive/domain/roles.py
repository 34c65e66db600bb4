"""Roles and what each may do: the permission matrix of domain.md, in one place."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICIAL = "official"  # chuyên viên / công chức
    LEADER = "leader"  # lãnh đạo
    CLERK = "clerk"  # văn thư
    AUDITOR = "auditor"  # thanh tra / kiểm toán
    ADMIN = "admin"  # quản trị


class Action(StrEnum):
    READ = "read"
    CREATE_DOSSIER = "create_dossier"
    EDIT_DOSSIER = "edit_dossier"
    ADD_DOCUMENT = "add_document"
    SHARE_DOSSIER = "share_dossier"
    MOVE_STAGE = "move_stage"
    SIGN = "sign"  # store a signed version of a document (leaders; clerks for the seal)
    READ_AUDIT = "read_audit"
    MANAGE = "manage"  # units, users, case types


ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.OFFICIAL: ("Chuyên viên", "Official"),
    Role.LEADER: ("Lãnh đạo", "Leader"),
    Role.CLERK: ("Văn thư", "Clerk"),
    Role.AUDITOR: ("Thanh tra, kiểm toán", "Auditor"),
    Role.ADMIN: ("Quản trị", "Administrator"),
}

_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.OFFICIAL: frozenset(
        {
            Action.READ,
            Action.CREATE_DOSSIER,
            Action.EDIT_DOSSIER,
            Action.ADD_DOCUMENT,
            Action.SHARE_DOSSIER,
            Action.MOVE_STAGE,
        }
    ),
    # Leaders review and sign decisions; they decide what is shared outside their unit.
    Role.LEADER: frozenset({Action.READ, Action.SHARE_DOSSIER, Action.SIGN}),
    # Clerks file incoming papers, number and issue signed decisions with the agency's seal.
    Role.CLERK: frozenset({Action.READ, Action.ADD_DOCUMENT, Action.SIGN}),
    # Auditors are read-only by law of their task; they may read the trail of what they inspect.
    Role.AUDITOR: frozenset({Action.READ, Action.READ_AUDIT}),
    Role.ADMIN: frozenset(Action),
}


def may(role: Role, action: Action) -> bool:
    return action in _ALLOWED[role]
