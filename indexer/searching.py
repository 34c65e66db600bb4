"""A search as an official asks it: parsed, typos corrected against the index's own words,
run within what the official may open, and answered with dossiers, pages and snippets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from archive.metadata.dossiers import visible
from archive.metadata.schema import documents, dossiers
from archive.services.context import Actor, Archive
from indexer.backend import Filters, SearchRequest, Sort
from indexer.opening import Search, search_for
from indexer.query import Clause, Phrase, Query, parse
from indexer.snippets import snippet
from indexer.typos import SHORTEST


@dataclass(frozen=True)
class HitView:
    document_id: int | None
    dossier_id: int
    page: int
    snippet: str
    document_title: str | None
    document_kind: str | None
    document_number: str | None


@dataclass(frozen=True)
class GroupView:
    dossier_id: int
    code: str
    title: str
    unit_id: int
    case_type: str
    stage: str
    opened_on: date
    score: float
    hits: tuple[HitView, ...]


@dataclass(frozen=True)
class Answer:
    query: str
    total: int
    offset: int
    limit: int
    groups: tuple[GroupView, ...]
    facets: Mapping[str, Sequence[tuple[str, int]]]
    fuzzy: tuple[str, ...]  # words not in the archive, searched for as near spellings


def _fuzzy_candidates(query: Query) -> set[str]:
    return {
        a.folded[0]
        for c in query.positive
        for a in c.alternatives
        if isinstance(a, Phrase)
        and len(a.folded) == 1
        and not a.synonym
        and len(a.folded[0]) >= SHORTEST
        and not a.folded[0].isdigit()
    }


def _mark_fuzzy(query: Query, unknown: set[str]) -> Query:
    def mark(c: Clause) -> Clause:
        return Clause(
            tuple(
                replace(a, fuzzy=True)
                if isinstance(a, Phrase) and len(a.folded) == 1 and a.folded[0] in unknown
                else a
                for a in c.alternatives
            ),
            c.negated,
        )

    return Query(query.text, tuple(mark(c) if not c.negated else c for c in query.clauses))


def prepared_query(search: Search, text: str) -> tuple[Query, set[str]]:
    """The parsed query, its words the index does not hold marked to match near spellings."""
    query = parse(text, search.synonyms)
    candidates = _fuzzy_candidates(query)
    unknown = (
        candidates - search.prepared().known_words(sorted(candidates)) if candidates else set()
    )
    return (_mark_fuzzy(query, unknown) if unknown else query), unknown


LIST_MATCHES = 2000  # dossiers the dossier list's q may narrow to


def dossier_text(archive: Archive, actor: Actor, text: str) -> list[int]:
    """Dossiers whose pages or details hold ``text``, best first (the dossier list's q)."""
    search = search_for(archive)
    query, _ = prepared_query(search, text)
    found = search.prepared().search(
        SearchRequest(query, limit=LIST_MATCHES, hits_per_dossier=0, facets=False), actor.scope
    )
    return [g.dossier_id for g in found.groups]


def run(
    search: Search,
    actor: Actor,
    text: str,
    *,
    filters: Filters | None = None,
    sort: Sort = Sort.RELEVANCE,
    offset: int = 0,
    limit: int = 20,
    facets: bool = True,
) -> Answer:
    index = search.prepared()
    query, unknown = prepared_query(search, text)
    found = index.search(
        SearchRequest(query, filters or Filters(), sort, offset, limit, facets=facets), actor.scope
    )
    ids = [g.dossier_id for g in found.groups]
    doc_ids = [h.document_id for g in found.groups for h in g.hits if h.document_id is not None]
    with search.archive.db.read() as conn:
        # Checked again against the store: a share withdrawn a moment ago is not yet
        # on every entry of the index, but is never shown.
        rows = (
            {
                int(r.id): r
                for r in conn.execute(
                    select(dossiers).where(dossiers.c.id.in_(ids), visible(actor.scope))
                )
            }
            if ids
            else {}
        )
        docs = (
            {
                int(r.id): r
                for r in conn.execute(
                    select(
                        documents.c.id, documents.c.title, documents.c.kind, documents.c.number
                    ).where(documents.c.id.in_(doc_ids))
                )
            }
            if doc_ids
            else {}
        )
    wanted = query.highlight_words()
    groups = []
    for group in found.groups:
        row = rows.get(group.dossier_id)
        if row is None:
            continue
        hits = tuple(
            HitView(
                document_id=h.document_id,
                dossier_id=h.dossier_id,
                page=h.page,
                snippet=snippet(h.text, wanted, near=frozenset(unknown)),
                document_title=docs[h.document_id].title if h.document_id in docs else None,
                document_kind=docs[h.document_id].kind if h.document_id in docs else None,
                document_number=docs[h.document_id].number if h.document_id in docs else None,
            )
            for h in group.hits
        )
        groups.append(
            GroupView(
                dossier_id=group.dossier_id,
                code=row.code,
                title=row.title,
                unit_id=int(row.unit_id),
                case_type=row.case_type,
                stage=row.stage,
                opened_on=row.opened_on,
                score=group.score,
                hits=hits,
            )
        )
    return Answer(
        query=query.text,
        total=found.total,
        offset=offset,
        limit=limit,
        groups=tuple(groups),
        facets=found.facets,
        fuzzy=tuple(sorted(unknown)),
    )
