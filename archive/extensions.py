"""The one registration point through which the later stages plug into the core.

``indexer``, ``signing`` and ``ui`` (or any other package) declare an entry point in the
``case_archive.extensions`` group naming an ``Extension``; the core then mounts its
routers on the API, imports its task modules into the Celery app, adds its periodic jobs
to the scheduler, its commands to the ``archive`` command line, and registers its outbox
consumers. Nothing in the core names a stage, so a stage is added without editing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from archive.demo.dataset import DemoDataset
    from archive.services.context import Actor, Archive

    # Dossiers whose text holds the words the user typed, best first (the search stage).
    DossierText = Callable[[Archive, Actor, str], Sequence[int]]

GROUP = "case_archive.extensions"


@dataclass(frozen=True)
class Extension:
    """What a stage adds to the archive."""

    name: str
    routers: tuple[APIRouter, ...] = ()
    task_modules: tuple[str, ...] = ()  # imported by the worker: their @celery_app.task run
    periodic: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # beat entries
    commands: Callable[[typer.Typer], None] | None = None  # adds commands or groups
    consumers: tuple[str, ...] = ()  # outbox consumers this stage reads with
    queues: tuple[str, ...] = ()  # task queues of its own, which every worker also serves
    # Matches the dossier list's ``q`` against the dossiers' full text, not only code and title.
    dossier_text: DossierText | None = None
    # Adds the stage's part of the demo (e.g. dated events) once the demo dossiers are loaded.
    demo: Callable[[Archive, DemoDataset], object] | None = None


class ExtensionError(Exception):
    """An entry point that does not name an Extension: start-up stops and says which."""


@lru_cache(maxsize=1)
def installed() -> tuple[Extension, ...]:
    """Every extension the installed packages declare, in name order."""
    found = []
    for point in sorted(entry_points(group=GROUP), key=lambda p: p.name):
        loaded = point.load()
        extension = loaded() if callable(loaded) and not isinstance(loaded, Extension) else loaded
        if not isinstance(extension, Extension):
            raise ExtensionError(
                f"Phần mở rộng '{point.name}' ({point.value}) không trả về Extension. / "
                f"Extension entry point '{point.name}' ({point.value}) is not an Extension."
            )
        found.append(extension)
    return tuple(found)
