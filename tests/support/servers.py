"""Where the real servers started by ``scripts/servers.sh`` listen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ENV_FILE = Path(os.environ.get("ARCHIVE_SERVERS_RUN", "/var/tmp/case-archive-servers")) / (
    "servers.env"
)


def _from_file() -> dict[str, str]:
    if not ENV_FILE.is_file():
        return {}
    pairs = (line.split("=", 1) for line in ENV_FILE.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def server_env(name: str) -> str:
    """A server address; a missing server fails the test, it never skips it."""
    value = os.environ.get(name) or _from_file().get(name)
    if not value:
        pytest.fail(
            f"{name} is not set: start the real servers with `bash scripts/servers.sh start` "
            f"(it writes {ENV_FILE}) — tests never replace a server by a mock."
        )
    return value
