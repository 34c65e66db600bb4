"""Full-text search of the archive: page text, Vietnamese matching, FTS5 and Elasticsearch.

Plugs into the core through ``archive.extensions`` (declared in ``pyproject.toml``): the
search API, the feed task that follows the outbox, and the ``reindex`` command.
"""

from __future__ import annotations

from datetime import timedelta

from archive.extensions import Extension


def extension() -> Extension:
    from archive.settings import get_settings
    from indexer.api import router
    from indexer.cli import commands
    from indexer.indexing import CONSUMER
    from indexer.searching import dossier_text

    seconds = get_settings().search_feed_seconds
    return Extension(
        name="search",
        routers=(router,),
        task_modules=("indexer.tasks", "indexer.ocr_tasks"),
        # Scans wait on their own queue: born-digital documents are never behind them.
        queues=("ocr",),
        periodic={
            "feed": {
                "task": "indexer.feed",
                "schedule": timedelta(seconds=seconds),
                # A run nobody took within a few periods is superseded by the next one.
                "options": {"expires": max(10.0, 5 * seconds)},
            }
        },
        commands=commands,
        consumers=(CONSUMER,),
        dossier_text=dossier_text,
    )
