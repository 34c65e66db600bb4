"""Case types change as laws change: each change is a new version, and a dossier keeps the
version it was opened under (its stages and time limits are those of its day)."""

from __future__ import annotations

import copy
import threading
from datetime import date
from typing import Any

import pytest
from support.archives import Backend
from support.services import new_dossier, official

from archive.casetypes import builtin_definitions
from archive.domain.errors import Invalid
from archive.metadata import casetypes as casetype_rows
from archive.services import casetypes as casetype_service
from archive.services import dossiers
from archive.services.context import Archive


def _xlvphc() -> dict[str, Any]:
    return copy.deepcopy(next(d for d in builtin_definitions() if d["code"] == "xlvphc"))


def _without_shortcut(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition with the 'record → closed' shortcut removed."""
    changed = copy.deepcopy(definition)
    changed["transitions"] = [
        t for t in changed["transitions"] if t != ["lap_bien_ban", "ket_thuc"]
    ]
    return changed


def test_a_changed_built_in_type_becomes_a_new_version_and_old_dossiers_keep_theirs(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backend.archive
    user = official(archive)
    actor = archive.actor(user)
    before = new_dossier(archive, user, "Mở theo phiên bản 1")
    shipped = [_without_shortcut(d) if d["code"] == "xlvphc" else d for d in builtin_definitions()]
    monkeypatch.setattr(casetype_rows, "builtin_definitions", lambda: shipped)
    with archive.db.write() as conn:
        done = casetype_rows.seed_builtins(conn)
    assert done == ["xlvphc: upgraded to version 2"]
    with archive.db.write() as conn:
        assert casetype_rows.seed_builtins(conn) == []  # the same definition is not stored twice
    after = new_dossier(archive, user, "Mở theo phiên bản 2")
    assert archive.case_type("xlvphc").version == 2
    versions = {
        d: dossiers.fetch(archive, actor, d, view=None).case_type_version for d in (before, after)
    }
    assert versions == {before: 1, after: 2}
    for dossier_id in (before, after):
        dossiers.move_stage(
            archive, actor, dossier_id, to_stage="lap_bien_ban", effective_on=date(2024, 5, 27)
        )
    # The shortcut exists in version 1 only: the old dossier may take it, the new may not.
    dossiers.move_stage(archive, actor, before, to_stage="ket_thuc", effective_on=date(2024, 5, 28))
    with pytest.raises(Invalid) as caught:
        dossiers.move_stage(
            archive, actor, after, to_stage="ket_thuc", effective_on=date(2024, 5, 28)
        )
    assert caught.value.code == "stage_not_allowed"


def test_an_administrators_version_stays_current_over_a_built_in_upgrade(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = backend.archive
    user = official(archive)
    edited = {**_xlvphc(), "legal_basis": "Bản của quản trị viên"}
    casetype_service.save(archive, user, "xlvphc", edited, new=False)
    shipped = [_without_shortcut(d) if d["code"] == "xlvphc" else d for d in builtin_definitions()]
    monkeypatch.setattr(casetype_rows, "builtin_definitions", lambda: shipped)
    with archive.db.write() as conn:
        done = casetype_rows.seed_builtins(conn)
    assert len(done) == 1 and "stays current" in done[0] and "version 3" in done[0]
    with archive.db.read() as conn:
        history = casetype_rows.history(conn, "xlvphc")
    assert [(v.version, v.source, v.current) for v in history] == [
        (1, "builtin", False),
        (2, "admin", True),
        (3, "builtin", False),
    ]
    assert archive.case_type("xlvphc").legal_basis == "Bản của quản trị viên"


def test_another_process_sees_a_new_version_at_once(backend: Backend) -> None:
    """Versions never change once stored, so they may be cached for ever; which one is
    current is read each time, so another process (another web node) follows at once."""
    archive = backend.archive
    other = Archive.open(backend.settings)
    try:
        assert other.case_type("xlvphc").version == 1
        casetype_service.save(
            archive, official(archive), "xlvphc", _without_shortcut(_xlvphc()), new=False
        )
        assert other.case_type("xlvphc").version == 2
        assert ("lap_bien_ban", "ket_thuc") not in other.case_type("xlvphc").transitions
        assert ("lap_bien_ban", "ket_thuc") in other.case_type_version("xlvphc", 1).transitions
    finally:
        other.close()


def test_a_broken_definition_is_refused_and_nothing_is_stored(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    broken = {**_xlvphc(), "transitions": [["phat_hien", "khong_co"]]}
    with pytest.raises(Invalid) as caught:
        casetype_service.save(archive, user, "xlvphc", broken, new=False)
    assert caught.value.code == "bad_case_type"
    with pytest.raises(Invalid):
        casetype_service.save(archive, user, "xlvphc", {**_xlvphc(), "code": "khac"}, new=False)
    assert [v.version for v in casetype_service.history(archive, "xlvphc")] == [1]


def test_two_administrators_adding_one_code_at_once_get_one_type_and_a_conflict(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both look for the code before either has stored it. On PostgreSQL both then go on
    and the second insert meets the first; SQLite lets one writer in at a time, so the
    second finds the code stored. Either way: one type, version 1, and one 409."""
    archive = backend.archive
    user = official(archive)
    definition = {**_xlvphc(), "code": "xlvphc_moi"}
    looked = threading.Barrier(2, timeout=10)
    real_latest = casetype_rows.latest_version

    def latest_version(conn: Any, code: str) -> int | None:
        found = real_latest(conn, code)
        if not archive.db.is_sqlite:
            looked.wait()  # both have looked before either stores
        return found

    monkeypatch.setattr(casetype_rows, "latest_version", latest_version)
    outcomes: list[object] = []

    def add() -> None:
        try:
            stored = casetype_service.save(archive, user, "xlvphc_moi", definition, new=True)
            outcomes.append(stored)
        except Exception as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    monkeypatch.undo()

    stored = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if not isinstance(o, dict)]
    assert len(stored) == 1 and stored[0]["version"] == 1
    assert [getattr(e, "code", repr(e)) for e in refused] == ["case_type_exists"]
    assert [v.version for v in casetype_service.history(archive, "xlvphc_moi")] == [1]
