"""Legal deadlines, the working-day calendar, reminders and statistics — the deadlines stage.

Plugs into the core through ``archive.extensions`` (declared in ``pyproject.toml``): the
calendar and deadline API and the ``deadline`` command.
"""

from __future__ import annotations

from archive.extensions import Extension


def extension() -> Extension:
    from deadlines.api import router
    from deadlines.cli import commands
    from deadlines.dossier_api import router as dossier_router

    return Extension(name="deadlines", routers=(router, dossier_router), commands=commands)
