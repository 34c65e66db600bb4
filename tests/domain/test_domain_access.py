"""Who sees which dossiers: unit subtrees, roles, shares and auditors' periods."""

from __future__ import annotations

from datetime import date

import pytest

from archive.domain.access import require, scope_for, subtree
from archive.domain.errors import Forbidden
from archive.domain.model import AuditorGrant, User
from archive.domain.roles import Action, Role, may

# 1 UBND ├─ 2 Tư pháp ─ 4 Tổ hộ tịch ─ 6 Nhóm A
#        ├─ 3 Quản lý đô thị
#        └─ 5 Y tế
PARENTS: dict[int, int | None] = {1: None, 2: 1, 3: 1, 4: 2, 5: 1, 6: 4}
OPENED = date(2024, 6, 1)


def user(role: Role, unit_id: int, grants: tuple[AuditorGrant, ...] = ()) -> User:
    return User(
        id=42, username="u", full_name="Người dùng", role=role, unit_id=unit_id, grants=grants
    )


def test_subtree_of_root_leaf_and_middle() -> None:
    assert subtree(1, PARENTS) == frozenset({1, 2, 3, 4, 5, 6})
    assert subtree(2, PARENTS) == frozenset({2, 4, 6})
    assert subtree(4, PARENTS) == frozenset({4, 6})
    assert subtree(3, PARENTS) == frozenset({3})
    assert subtree(6, PARENTS) == frozenset({6})


def test_subtree_of_unknown_unit_is_itself_and_cycles_terminate() -> None:
    assert subtree(99, PARENTS) == frozenset({99})
    assert subtree(1, {1: 2, 2: 1}) == frozenset({1, 2})


def test_admin_scope_is_everything() -> None:
    scope = scope_for(user(Role.ADMIN, 3), PARENTS)
    assert scope.everything
    assert scope.covers(5, OPENED, ())
    assert scope.may_change(6)


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.LEADER, Role.CLERK])
def test_unit_roles_see_their_subtree(role: Role) -> None:
    scope = scope_for(user(role, 2), PARENTS)
    assert not scope.everything
    assert scope.unit_ids == frozenset({2, 4, 6})
    assert scope.grants == ()
    assert scope.covers(2, OPENED, ())
    assert scope.covers(6, OPENED, ())  # a sub-unit's sub-unit
    assert not scope.covers(1, OPENED, ())  # not the parent
    assert not scope.covers(3, OPENED, ())  # not a sibling


def test_official_of_sub_unit_does_not_see_parent_or_siblings() -> None:
    scope = scope_for(user(Role.OFFICIAL, 4), PARENTS)
    assert scope.unit_ids == frozenset({4, 6})
    assert not scope.covers(2, OPENED, ())


def test_share_lends_reading_not_changing() -> None:
    scope = scope_for(user(Role.OFFICIAL, 3), PARENTS)
    assert not scope.covers(2, OPENED, ())
    assert scope.covers(2, OPENED, [3])  # shared with the user's unit
    assert not scope.covers(2, OPENED, [5])  # shared with someone else
    assert not scope.may_change(2)  # reading only
    # A share with a sub-unit reaches the parent unit's people too.
    parent_scope = scope_for(user(Role.OFFICIAL, 2), PARENTS)
    assert parent_scope.covers(3, OPENED, [4])


def test_may_change_within_subtree_only() -> None:
    scope = scope_for(user(Role.OFFICIAL, 2), PARENTS)
    assert scope.may_change(2)
    assert scope.may_change(6)
    assert not scope.may_change(1)
    assert not scope.may_change(3)


def test_auditor_scope_units_and_period_boundaries() -> None:
    grant = AuditorGrant(unit_id=2, period_from=date(2024, 1, 1), period_to=date(2024, 12, 31))
    scope = scope_for(user(Role.AUDITOR, 1, (grant,)), PARENTS)
    assert not scope.everything
    assert scope.unit_ids == frozenset()
    assert len(scope.grants) == 1
    assert scope.grants[0].unit_ids == frozenset({2, 4, 6})
    # inclusive at both ends of the period
    assert scope.covers(2, date(2024, 1, 1), ())
    assert scope.covers(6, date(2024, 12, 31), ())
    assert not scope.covers(2, date(2023, 12, 31), ())
    assert not scope.covers(2, date(2025, 1, 1), ())
    # outside the granted units, even in the period and even if shared with them
    assert not scope.covers(3, date(2024, 6, 1), ())
    assert not scope.covers(3, date(2024, 6, 1), [2])
    # the auditor's own unit gives nothing
    assert not scope.covers(1, date(2024, 6, 1), ())
    # an auditor never changes anything
    assert not scope.may_change(2)
    assert not scope.may_change(1)


def test_auditor_with_several_grants_and_without_any() -> None:
    grants = (
        AuditorGrant(3, date(2023, 1, 1), date(2023, 6, 30)),
        AuditorGrant(5, date(2024, 7, 1), date(2024, 7, 1)),
    )
    scope = scope_for(user(Role.AUDITOR, 1, grants), PARENTS)
    assert scope.covers(3, date(2023, 6, 30), ())
    assert not scope.covers(3, date(2024, 7, 1), ())  # period of the other grant
    assert scope.covers(5, date(2024, 7, 1), ())  # one-day period
    assert not scope.covers(5, date(2023, 3, 1), ())
    empty = scope_for(user(Role.AUDITOR, 1), PARENTS)
    assert not empty.covers(1, OPENED, ())
    assert not empty.covers(2, OPENED, [1])


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        (Role.OFFICIAL, Action.CREATE_DOSSIER, True),
        (Role.OFFICIAL, Action.MANAGE, False),
        (Role.OFFICIAL, Action.READ_AUDIT, False),
        (Role.LEADER, Action.CREATE_DOSSIER, False),
        (Role.LEADER, Action.SHARE_DOSSIER, True),
        (Role.CLERK, Action.ADD_DOCUMENT, True),
        (Role.CLERK, Action.EDIT_DOSSIER, False),
        (Role.AUDITOR, Action.READ, True),
        (Role.AUDITOR, Action.READ_AUDIT, True),
        (Role.AUDITOR, Action.ADD_DOCUMENT, False),
        (Role.AUDITOR, Action.EDIT_DOSSIER, False),
        (Role.AUDITOR, Action.CREATE_DOSSIER, False),
        (Role.AUDITOR, Action.SHARE_DOSSIER, False),
        (Role.ADMIN, Action.MANAGE, True),
    ],
)
def test_role_matrix(role: Role, action: Action, allowed: bool) -> None:
    assert may(role, action) is allowed
    if allowed:
        require(user(role, 1), action)
    else:
        with pytest.raises(Forbidden) as caught:
            require(user(role, 1), action)
        assert caught.value.code == "role_not_allowed"
        assert caught.value.details["action"] == action.value
        assert caught.value.vi != caught.value.en


def test_admin_may_do_every_action() -> None:
    for action in Action:
        assert may(Role.ADMIN, action)
