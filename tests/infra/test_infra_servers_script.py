"""scripts/servers.sh: its `env` and `status` contract, which CI and the fixtures read."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "servers.sh"

KEYS = [
    "ARCHIVE_TEST_POSTGRES_URL",
    "ARCHIVE_TEST_REDIS_URL",
    "ARCHIVE_TEST_S3_ENDPOINT",
    "ARCHIVE_TEST_S3_ACCESS_KEY",
    "ARCHIVE_TEST_S3_SECRET_KEY",
    "ARCHIVE_TEST_ELASTICSEARCH_URL",
]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=os.environ.copy(),
    )


def test_env_prints_plain_key_value_lines() -> None:
    result = _run("env")
    assert result.returncode == 0, (
        f"{result.stderr}\nrun `bash scripts/servers.sh start` before the tests"
    )
    lines = result.stdout.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == KEYS
    for line in lines:
        assert not line.startswith("export ")
        assert '"' not in line and "'" not in line
    values = dict(line.split("=", 1) for line in lines)
    for key, value in values.items():
        assert "127.0.0.1" in value or key.endswith(("_ACCESS_KEY", "_SECRET_KEY")), (key, value)
    # The exported variables the tests read are the ones the script wrote.
    for key in KEYS:
        if key in os.environ:
            assert os.environ[key] == values[key], key


def test_status_reports_every_server_up() -> None:
    result = _run("status")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("PostgreSQL", "Redis", "MinIO", "Elasticsearch"):
        assert any(line.split()[:2] == [name, "up"] for line in result.stdout.splitlines()), (
            result.stdout
        )


def test_unknown_command_is_a_usage_error() -> None:
    result = _run("frobnicate")
    assert result.returncode == 2
    assert "usage" in result.stderr
