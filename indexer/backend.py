"""The search contract both backends keep: SQLite FTS5 (embedded) and Elasticsearch (scaled).

The same request gives the same dossiers in the same order on both, with the same counts
and facets, computed only over what the asking user may open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from archive.domain.access import Scope
from indexer.entries import DocumentFields, DossierFields, Entry
from indexer.query import Query


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"  # dossiers opened most recently first
    OLDEST = "oldest"


FACETS = ("unit", "case_type", "field", "year", "stage", "kind", "signed")


@dataclass(frozen=True)
class Filters:
    unit_ids: frozenset[int] = frozenset()
    case_types: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    years: frozenset[int] = frozenset()
    stages: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()  # the matched page's document kind
    signed: bool | None = None  # the matched page's document carries a signature
    opened_from: date | None = None
    opened_to: date | None = None


@dataclass(frozen=True)
class SearchRequest:
    query: Query
    filters: Filters = field(default_factory=Filters)
    sort: Sort = Sort.RELEVANCE
    offset: int = 0
    limit: int = 20
    hits_per_dossier: int = 3  # 0: the dossiers only, no pages fetched
    facets: bool = True


@dataclass(frozen=True)
class Hit:
    document_id: int | None  # None: the dossier's own details matched
    dossier_id: int
    page: int  # 0: the document's (or dossier's) details, else the page number
    text: str


@dataclass(frozen=True)
class Group:
    dossier_id: int
    score: float
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Found:
    total: int  # dossiers
    groups: tuple[Group, ...]
    facets: Mapping[str, Sequence[tuple[str, int]]]


class SearchUnavailable(Exception):
    """The search backend did not answer; nothing was lost, the feed retries."""


class SearchIndex(Protocol):
    name: str

    def prepare(self) -> None:
        """Create what the index needs, if missing (idempotent)."""

    def put_document(
        self, dossier: DossierFields, document: DocumentFields, entries: Sequence[Entry]
    ) -> None:
        """Replace every entry of the document with ``entries``."""

    def remove_document(self, document_id: int) -> None: ...

    def put_dossier(self, dossier: DossierFields, entry: Entry) -> None:
        """Replace the dossier's own entry and bring its fields (access, filters) up to
        date on every entry of its documents."""

    def held(self, phrases: Sequence[tuple[str, ...]]) -> set[tuple[str, ...]]:
        """Which of these folded phrases (one word or more, side by side) occur anywhere
        in the index."""

    def documents(self) -> dict[int, int]:
        """Every document the index holds entries of, with how many (details included)."""

    def settle(self) -> None:
        """Make everything written so far visible to searches."""

    def search(self, request: SearchRequest, scope: Scope) -> Found: ...

    def clear(self) -> None:
        """Remove every entry (before a rebuild of everything)."""

    def close(self) -> None: ...
