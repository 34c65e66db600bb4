"""Statistics follow the units as they stood on the report's day: before a merger each old
unit counts its own cases; after it, the successor counts them with its own — on both
backends, and through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from support.archives import Backend, open_backend
from support.live import LiveServer
from support.people import PASSWORD

from archive.domain.roles import Role
from archive.services import accounts
from archive.services import dossiers as dossier_service
from deadlines.indicators import GroupBy, Period
from deadlines.stats_feed import feed, statistics_for


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def merged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Backend, dict[str, int]]]:
    """Two communes with two cases each (opened 2024) merge into a third on 1/7/2025, which
    opens one case of its own in August 2025."""
    with open_backend(request.param, Path(tmp_path_factory.mktemp("units"))) as backend:
        archive = backend.archive
        ids = {
            "tinh": accounts.create_unit(archive, "tinh", "UBND tỉnh", None, by=None).id,
        }
        for code, name, since in (
            ("xa_a", "UBND xã A", None),
            ("xa_b", "UBND xã B", None),
            ("xa_ab", "UBND xã AB", date(2025, 7, 1)),
        ):
            ids[code] = accounts.create_unit(
                archive, code, name, "tinh", by=None, valid_from=since
            ).id
        admin = accounts.create_user(
            archive,
            username="quantri",
            full_name="Quản trị",
            password=PASSWORD,
            role=Role.ADMIN,
            unit_code="tinh",
            by=None,
        )
        accounts.create_user(
            archive,
            username="lanhdao.ab",
            full_name="Lãnh đạo xã AB",
            password=PASSWORD,
            role=Role.LEADER,
            unit_code="xa_ab",
            by=None,
        )
        actor = archive.actor(admin)
        for code, opened, closed in (
            ("xa_a", date(2024, 3, 4), date(2024, 9, 2)),
            ("xa_a", date(2024, 10, 7), None),
            ("xa_b", date(2024, 5, 6), None),
            ("xa_b", date(2024, 11, 4), None),
            ("xa_ab", date(2025, 8, 4), None),
        ):
            dossier_service.create(
                archive,
                actor,
                dossier_service.DossierDraft(
                    case_type="xlvphc",
                    title=f"Vụ việc của {code}",
                    field="moi_truong",
                    opened_on=opened,
                    closed_on=closed,
                    unit_code=code,
                    custom={"violation": "Xả thải chưa qua xử lý"},
                ),
            )
        for code in ("xa_a", "xa_b"):
            accounts.end_unit(archive, code, date(2025, 6, 30), "xa_ab", by=admin)
        assert feed(statistics_for(archive), "test", budget=120) > 0
        yield backend, ids


def _by_unit(backend: Backend, start: date, end: date) -> dict[str, tuple[int, int]]:
    found = statistics_for(backend.archive).counts(Period(start, end), GroupBy.UNIT, unit_ids=None)
    return {key: (v["opened"], v["open_at_end"]) for key, v in found.items()}


def test_before_the_merger_each_old_unit_counts_its_own(
    merged: tuple[Backend, dict[str, int]],
) -> None:
    backend, ids = merged
    assert _by_unit(backend, date(2024, 1, 1), date(2024, 12, 31)) == {
        str(ids["xa_a"]): (2, 1),
        str(ids["xa_b"]): (2, 2),
    }
    # the old units' last day still counts under them
    assert _by_unit(backend, date(2025, 1, 1), date(2025, 6, 30)) == {
        str(ids["xa_a"]): (0, 1),
        str(ids["xa_b"]): (0, 2),
    }


def test_after_the_merger_the_successor_counts_them_with_its_own(
    merged: tuple[Backend, dict[str, int]],
) -> None:
    backend, ids = merged
    assert _by_unit(backend, date(2025, 7, 1), date(2025, 7, 31)) == {str(ids["xa_ab"]): (0, 3)}
    assert _by_unit(backend, date(2025, 1, 1), date(2025, 12, 31)) == {str(ids["xa_ab"]): (1, 4)}
    # a period across the merger, reported after it: every case opened in it under the
    # successor, the one closed before the merger included
    assert _by_unit(backend, date(2024, 1, 1), date(2025, 12, 31)) == {str(ids["xa_ab"]): (5, 4)}


def test_the_successors_leader_counts_the_merged_units_cases_over_http(
    merged: tuple[Backend, dict[str, int]],
) -> None:
    backend, ids = merged
    with (
        LiveServer(backend.archive) as server,
        httpx.Client(base_url=server.base_url, timeout=60) as client,
    ):
        token = client.post(
            "/api/auth/login", json={"username": "lanhdao.ab", "password": PASSWORD}
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        after = client.get(
            "/api/statistics", params={"from": "2024-01-01", "to": "2025-12-31"}
        ).json()
        before = client.get(
            "/api/statistics", params={"from": "2024-01-01", "to": "2024-12-31"}
        ).json()
    assert [(g["key"], g["name"]) for g in after["groups"]] == [(str(ids["xa_ab"]), "UBND xã AB")]
    assert after["total"]["opened"] == 5
    assert {g["name"]: g["values"]["opened"] for g in before["groups"]} == {
        "UBND xã A": 2,
        "UBND xã B": 2,
    }
