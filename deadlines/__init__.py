"""Legal deadlines, the working-day calendar, reminders and statistics — the deadlines stage.

Plugs into the core through ``archive.extensions`` (declared in ``pyproject.toml``): the
calendar and deadline API and the ``deadline`` command.
"""

from __future__ import annotations

from archive.extensions import Extension


def extension() -> Extension:
    from deadlines.api import router
    from deadlines.cli import commands

    return Extension(name="deadlines", routers=(router,), commands=commands)
