"""Which search backend an installation uses, opened once per process."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from archive.services.context import Archive, NotReady
from indexer import state
from indexer.backend import SearchIndex
from indexer.elastic import ElasticIndex
from indexer.fts5 import Fts5Index
from indexer.synonyms import Synonyms


def backend_name(archive: Archive) -> str:
    chosen = archive.settings.search
    if chosen == "auto":
        chosen = "elasticsearch" if archive.settings.elasticsearch_url else "fts5"
    return chosen


def open_index(archive: Archive) -> SearchIndex:
    settings = archive.settings
    if backend_name(archive) == "elasticsearch":
        if not settings.elasticsearch_url:
            raise NotReady(
                "Chưa đặt ARCHIVE_ELASTICSEARCH_URL cho tìm kiếm Elasticsearch. / "
                "ARCHIVE_ELASTICSEARCH_URL is not set for Elasticsearch search."
            )
        return ElasticIndex(
            settings.elasticsearch_url,
            settings.elasticsearch_index,
            search_timeout=settings.search_seconds,
        )
    if not archive.db.is_sqlite:
        raise NotReady(
            "Tìm kiếm FTS5 chỉ dùng được với cơ sở dữ liệu SQLite; với PostgreSQL hãy đặt "
            "ARCHIVE_ELASTICSEARCH_URL. / FTS5 search needs the SQLite database; with "
            "PostgreSQL set ARCHIVE_ELASTICSEARCH_URL."
        )
    return Fts5Index(archive.db)


@dataclass
class Search:
    """The archive with its search index and synonyms, prepared on first use."""

    archive: Archive
    index: SearchIndex
    synonyms: Synonyms
    _prepared: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, archive: Archive) -> Search:
        return cls(archive, open_index(archive), Synonyms.load(archive.settings.search_synonyms))

    _state_ready: bool = False

    def state_ready(self) -> None:
        """The index state table exists (it lives in the metadata store, not the index)."""
        with self._lock:
            if not self._state_ready:
                state.create(self.archive.db.engine)
                self._state_ready = True

    def prepared(self) -> SearchIndex:
        self.state_ready()
        with self._lock:
            if not self._prepared:
                self.index.prepare()
                self._prepared = True
        return self.index

    def close(self) -> None:
        self.index.close()


def search_for(archive: Archive) -> Search:
    """The archive's search, opened once and closed with the archive."""
    found = archive.stage("search", Search.open)
    assert isinstance(found, Search)
    return found
