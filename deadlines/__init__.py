"""Legal deadlines, the working-day calendar, reminders and statistics — the deadlines stage.

Plugs into the core through ``archive.extensions`` (declared in ``pyproject.toml``): the
calendar, deadline and reminder API, the periodic reminder run, and the ``deadline`` and
``remind`` commands.
"""

from __future__ import annotations

from datetime import timedelta

from archive.extensions import Extension


def extension() -> Extension:
    from archive.settings import get_settings
    from deadlines.api import router
    from deadlines.cli import commands
    from deadlines.demo import load as demo
    from deadlines.dossier_api import router as dossier_router
    from deadlines.notifications_api import router as notifications_router
    from deadlines.public_api import router as public_router
    from deadlines.reports_api import router as reports_router
    from deadlines.signed_reports_api import router as signed_reports_router
    from deadlines.stats_api import router as statistics_router
    from deadlines.stats_feed import CONSUMER

    settings = get_settings()
    seconds = settings.reminder_seconds
    feed_seconds = settings.statistics_feed_seconds
    return Extension(
        name="deadlines",
        routers=(
            router,
            dossier_router,
            notifications_router,
            public_router,
            statistics_router,
            reports_router,
            signed_reports_router,
        ),
        task_modules=("deadlines.tasks", "deadlines.stats_tasks"),
        consumers=(CONSUMER,),
        periodic={
            "remind": {
                "task": "deadlines.remind",
                "schedule": timedelta(seconds=seconds),
                # a run nobody took before the next is due is superseded by it
                "options": {"expires": seconds},
            },
            "statistics": {
                "task": "deadlines.statistics_feed",
                "schedule": timedelta(seconds=feed_seconds),
                "options": {"expires": max(10.0, 5 * feed_seconds)},
            },
        },
        commands=commands,
        demo=demo,
    )
