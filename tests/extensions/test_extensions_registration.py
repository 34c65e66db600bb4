"""A later stage plugs in through one registration point, without editing a core module.

A sample extension (tests/support/sample_extension.py) is declared the way a package
declares it — an entry point in the ``case_archive.extensions`` group of an installed
distribution's metadata — and the real ``archive`` command, API and worker pick it up.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.processes import ROOT, TESTS

from archive.extensions import GROUP


@pytest.fixture
def with_sample(tmp_path: Path) -> dict[str, str]:
    """An environment whose Python sees a distribution declaring the sample extension."""
    dist = tmp_path / "site" / "archive_sample-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: archive-sample\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{GROUP}]\nsample = support.sample_extension:extension\n"
    )
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), str(TESTS), str(ROOT)])
    env["ARCHIVE_DATA_DIR"] = str(tmp_path / "data")
    return env


def _python(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _archive(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_command_line_gains_the_extensions_command(with_sample: dict[str, str]) -> None:
    assert "sample-hello" in _archive(with_sample, "--help")
    assert "xin chào từ phần mở rộng" in _archive(with_sample, "sample-hello")


def test_the_api_serves_the_extensions_router(with_sample: dict[str, str]) -> None:
    out = _python(
        with_sample,
        "import json; from types import SimpleNamespace;"
        "from fastapi.testclient import TestClient;"
        "from archive.api.app import create_app;"
        "app = create_app(SimpleNamespace());"
        "print(json.dumps(sorted(app.openapi()['paths'])));"
        "print(TestClient(app).get('/api/sample/ping').json())",
    )
    paths, answer = out.splitlines()[-2:]
    assert "/api/sample/ping" in json.loads(paths)
    assert "pong" in answer


def test_the_worker_runs_its_tasks_and_schedule(with_sample: dict[str, str]) -> None:
    out = _python(
        with_sample,
        "from archive.worker import celery_app;"
        "print('support.sample_tasks' in celery_app.conf.include);"
        "print('sample.tick' in celery_app.conf.beat_schedule);"
        "celery_app.loader.import_default_modules();"
        "print('sample.tick' in celery_app.tasks)",
    )
    assert out.split() == ["True", "True", "True"]


def test_migrate_registers_its_outbox_consumer(with_sample: dict[str, str], tmp_path: Path) -> None:
    _archive(with_sample, "migrate")
    with sqlite3.connect(tmp_path / "data" / "archive.sqlite") as db:
        names = [n for (n,) in db.execute("SELECT name FROM outbox_consumers")]
    assert "sample-index" in names and "search-index" in names


def test_without_the_entry_point_nothing_of_it_appears(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    env["ARCHIVE_DATA_DIR"] = str(tmp_path / "data")
    assert "sample-hello" not in _archive(env, "--help")
