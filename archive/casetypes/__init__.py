"""The four case types the archive ships with (domain.md), as JSON definitions."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def builtin_definitions() -> list[dict[str, Any]]:
    """Raw definitions of the built-in case types, loaded into the store on first start."""
    folder = resources.files(__package__)
    return [
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    ]
