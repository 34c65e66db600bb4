"""The README is the manual: every setting, endpoint and command must be in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute
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
    for route in app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                if f"{method} {route.path}" not in README:
                    missing.append(f"{method} {route.path}")
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
