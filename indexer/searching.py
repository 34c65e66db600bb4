"""A search as an official asks it: parsed, typos corrected against the index's own words,
run within what the official may open, and answered with dossiers, pages and snippets."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select

from archive.metadata.dossiers import visible
from archive.metadata.schema import documents, dossiers
from archive.services.context import Actor, Archive
from indexer.backend import Filters, SearchRequest, Sort
from indexer.opening import Search, search_for
from indexer.query import Alternative, Clause, Phrase, Query, parse
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


def _mark(query: Query, unknown: set[str], doubtful: set[str]) -> Query:
    def mark(a: Alternative) -> Alternative:
        if not isinstance(a, Phrase) or len(a.folded) != 1:
            return a
        if a.folded[0] in unknown:
            return replace(a, fuzzy=True)
        if a.folded[0] in doubtful and not a.typed_marks:
            return replace(a, doubtful=True)
        return a

    return Query(
        query.text,
        tuple(
            Clause(tuple(mark(a) for a in c.alternatives), c.negated) if not c.negated else c
            for c in query.clauses
        ),
    )


MAX_NAME_WORDS = 4  # a run of typed words this short may be a name with a real-word typo


def _typed_pairs(query: Query, candidates: set[str]) -> list[tuple[tuple[str, str], str]]:
    """Each pair of plain words typed side by side in a short query, with the word of it
    that may be a typo for another (typed without diacritics, long enough to guess from)."""
    positive = query.positive
    if not 2 <= len(positive) <= MAX_NAME_WORDS:
        return []
    found = []
    for run in query.plain_runs():
        for i, j in itertools.pairwise(run):
            a, b = (positive[n].alternatives[0] for n in (i, j))
            assert isinstance(a, Phrase) and isinstance(b, Phrase)
            pair = (a.folded[0], b.folded[0])
            for word in (a, b):
                if not word.typed_marks and word.folded[0] in candidates:
                    found.append((pair, word.folded[0]))
    return found


def prepared_query(search: Search, text: str) -> tuple[Query, set[str]]:
    """The parsed query with its words the index does not hold marked to match near
    spellings, and, in a short query, the words typed without diacritics that the index
    never holds beside the word typed next to them marked doubtful: "Dương than Cường"
    (for Thanh) finds "Dương Thanh Cường" as well. Also the words not held."""
    query = parse(text, search.synonyms)
    candidates = _fuzzy_candidates(query)
    if not candidates:
        return query, set()
    pairs = _typed_pairs(query, candidates)
    asked = [(w,) for w in sorted(candidates)] + sorted({p for p, _ in pairs})
    held = search.prepared().held(asked)
    unknown = {w for w in candidates if (w,) not in held}
    doubtful = {w for pair, w in pairs if pair not in held and not unknown.intersection(pair)}
    if not unknown and not doubtful:
        return query, unknown
    return _mark(query, unknown, doubtful), unknown


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
    near = query.near_words()
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
                snippet=snippet(h.text, wanted, near=near),
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
