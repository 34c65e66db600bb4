"""The README is the manual: every setting, endpoint and command must be in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from support.archives import open_backend
from typer.main import get_command

from archive.api.app import create_app
from archive.cli import app as cli_app
from archive.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_table(name: str) -> None:
    assert f"`ARCHIVE_{name.upper()}`" in README


def test_every_endpoint_is_in_the_api_table(tmp_path: Path) -> None:
    with open_backend("embedded", tmp_path) as backend:
        app = create_app(backend.archive)
    missing = []
    listed = 0
    for route in iter_route_contexts(app.routes):
        original = getattr(route, "original_route", route)
        if isinstance(original, APIRoute) and original.include_in_schema:
            for method in original.methods:
                listed += 1
                if f"{method} {original.path}" not in README:
                    missing.append(f"{method} {original.path}")
    assert listed >= 40
    assert missing == []


def _commands(group: object, prefix: str = "") -> list[str]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        if getattr(command, "commands", None):
            found += _commands(command, f"{prefix}{name} ")
        else:
            found.append(f"{prefix}{name}")
    return found


def test_every_cli_command_is_in_the_command_table() -> None:
    commands = _commands(get_command(cli_app))
    assert "serve" in commands and "audit verify" in commands
    for command in commands:
        assert f"`archive {command}" in README, command


def test_api_docs_page_needs_no_internet(tmp_path: Path) -> None:
    """Agency networks are closed: /docs must load every asset from the archive itself."""
    import re

    import httpx
    from support.live import LiveServer

    with (
        open_backend("embedded", tmp_path) as backend,
        LiveServer(backend.archive) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        page = client.get("/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert assets, page.text
        assert all(a.startswith("/") for a in assets), assets
        for asset in assets:
            assert client.get(asset).status_code == 200, asset
        title = client.get("/openapi.json").json()["info"]["title"]
        assert title.startswith("Kho lưu trữ")


def test_the_curl_session_works_as_pasted_on_a_fresh_demo(tmp_path: Path) -> None:
    """The README's first session, run by bash exactly as written, against a fresh
    `archive serve --demo`: every request succeeds (curl -f), the ids come from the
    answers, and the downloaded file is the sample, byte for byte."""
    import re
    import shutil
    import subprocess

    from support.processes import Served

    block = re.search(r"<!-- curl-session -->\n```bash\n(.*?)```", README, re.S)
    assert block, "the README lost its curl session"
    workdir = tmp_path / "session"
    workdir.mkdir()
    shutil.copytree(Path(__file__).parents[2] / "examples", workdir / "examples")
    (workdir / "session.sh").write_text("set -euo pipefail\n" + block.group(1))
    with (
        open_backend("embedded", tmp_path) as backend,
        Served(backend.settings, tmp_path, "--demo", "--no-worker") as served,
    ):
        result = subprocess.run(
            ["bash", "session.sh"],
            cwd=workdir,
            env={"ARCHIVE": served.base_url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    sums = [line.split()[0] for line in result.stdout.splitlines() if line.endswith(".pdf")]
    assert len(sums) == 2 and sums[0] == sums[1]
    assert '"folios":"1–2"' in result.stdout and '"folios":"3–4"' in result.stdout
    assert '"to_stage":"lap_bien_ban"' in result.stdout
