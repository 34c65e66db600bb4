"""A stage as the search, signing or UI stages plug in: through ``archive.extensions``.

Declared by a test as an entry point of the ``case_archive.extensions`` group; the core
then serves its router, imports its task module, schedules its periodic job, adds its
command and registers its outbox consumer, with no core module naming it.
"""

from __future__ import annotations

from datetime import timedelta

import typer
from fastapi import APIRouter

from archive.extensions import Extension

router = APIRouter(prefix="/api/sample", tags=["Sample"])


@router.get("/ping", summary="Thử · Ping")
def ping() -> dict[str, str]:
    return {"sample": "pong"}


def commands(app: typer.Typer) -> None:
    @app.command("sample-hello")
    def hello() -> None:
        """Chào · Say hello."""
        typer.echo("xin chào từ phần mở rộng")


extension = Extension(
    name="sample",
    routers=(router,),
    task_modules=("support.sample_tasks",),
    periodic={"tick": {"task": "sample.tick", "schedule": timedelta(minutes=5)}},
    commands=commands,
    consumers=("sample-index",),
)
