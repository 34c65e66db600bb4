"""Every string a demo dataset holds, for tests that read it as an official would."""

from __future__ import annotations

from dataclasses import fields, is_dataclass


def strings(value: object) -> list[str]:
    """Every string inside a dataclass tree (keys and values of dicts included)."""
    if isinstance(value, str):
        return [value]
    if is_dataclass(value) and not isinstance(value, type):
        return [s for f in fields(value) for s in strings(getattr(value, f.name))]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, tuple | list):
        return [s for item in value for s in strings(item)]
    return []
