"""Shared fixtures: real servers, fresh archives on both backends, a live HTTP server.

Every archive under test is real: the embedded one (SQLite + folder) in a temporary
directory, the scaled one on the PostgreSQL and MinIO servers that ``scripts/servers.sh``
runs on loopback. Tests talk to the API over HTTP through a uvicorn server on a free port.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.archives import (
    Backend,
    create_postgres_database,
    drop_database_url,
    open_backend,
)
from support.live import Api, LiveServer
from support.people import seed_people

BACKENDS = ["embedded", "scaled"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A fresh, migrated archive per test, on each backend in turn."""
    with open_backend(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture(scope="module", params=BACKENDS)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A running API over a fresh archive with the test units and people, per module."""
    with open_backend(request.param, tmp_path_factory.mktemp("live")) as opened:
        people = seed_people(opened.archive)
        with LiveServer(opened.archive) as server:
            yield Api(server.base_url, opened, people)


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A new database on the real PostgreSQL server with no schema in it."""
    url = create_postgres_database("t_empty")
    try:
        yield url
    finally:
        drop_database_url(url)
