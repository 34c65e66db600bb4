"""Search over HTTP: ``GET /api/search`` and each document's place in the index."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from archive.api.answers import answers
from archive.api.deps import ActorDep, ArchiveDep
from archive.services import documents as document_service
from archive.services.context import NotReady
from indexer import searching, state
from indexer.backend import Filters as SearchFilters
from indexer.backend import SearchUnavailable, Sort
from indexer.opening import search_for

router = APIRouter(tags=["Tìm kiếm · Search"])
log = logging.getLogger(__name__)
# Elasticsearch pages at most 10,000 results deep (offset + limit); so does FTS5 here.
MAX_OFFSET = 10_000 - 100


# Searches run in threads of their own, at most SEARCH_THREADS at once in one server
# process; the others wait their turn without holding a thread. A search engine that is
# slow or hangs (or a broad query over everything) then never takes the threads that every
# other request of the archive needs. Beyond SEARCH_WAITING waiting, a search is refused.
SEARCH_THREADS = 8
SEARCH_WAITING = 200


def _search_slots(request: Request) -> anyio.CapacityLimiter:
    slots: anyio.CapacityLimiter | None = getattr(request.app.state, "search_slots", None)
    if slots is None:
        slots = request.app.state.search_slots = anyio.CapacityLimiter(SEARCH_THREADS)
    return slots


def busy() -> NotReady:
    return NotReady(
        "Máy tìm kiếm đang bận (quá nhiều lượt tìm đang chờ); hãy thử lại sau ít giây. / "
        "The search engine is busy (too many searches waiting); try again in a few seconds."
    )


def unavailable(exc: SearchUnavailable) -> NotReady:
    log.error("search failed: %s", exc)
    return NotReady(
        "Máy tìm kiếm đang không trả lời; hãy thử lại sau ít phút (tài liệu không bị mất, "
        "chỉ mục sẽ được cập nhật khi máy hoạt động lại). / The search engine does not "
        "answer; try again in a few minutes (nothing is lost)."
    )


class HitOut(BaseModel):
    document_id: int | None = Field(description="None: the dossier's own details matched")
    dossier_id: int
    page: int = Field(description="Page number from 1; 0 means the document's details")
    snippet: str = Field(description="HTML: the text escaped, the matched words in <mark>")
    document_title: str | None
    document_kind: str | None
    document_number: str | None


class GroupOut(BaseModel):
    dossier_id: int
    code: str
    title: str
    unit_id: int
    case_type: str
    stage: str
    opened_on: date
    score: float
    hits: list[HitOut] = Field(description="The dossier's best pages, in rank order")


class FacetValue(BaseModel):
    value: str
    count: int = Field(description="Dossiers")


class SearchOut(BaseModel):
    query: str
    total: int = Field(description="Dossiers that match, among those you may open")
    offset: int
    limit: int
    groups: list[GroupOut] = Field(description="Dossiers in rank order")
    facets: dict[str, list[FacetValue]]
    fuzzy: list[str] = Field(
        description="Words the archive does not hold, searched for as near spellings"
    )


class IndexStateOut(BaseModel):
    document_id: int
    version: int | None
    status: state.Status
    reason: str | None
    pages: int
    empty_pages: list[int] = Field(description="Pages without a text layer (to be OCRed)")
    updated_at: datetime | None
    read_from_page: dict[str, str] | None = Field(
        description="Details printed on the document (Decree 30: issuer, number, place, "
        "issued_on, doc_type, summary, signer_title, signer_name), read when its uploader "
        "left some of them empty: offered for those fields"
    )


@router.get(
    "/api/search",
    response_model=SearchOut,
    summary="Tìm kiếm toàn văn · Full-text search",
    description=(
        'Words are ANDed; `"..."` is a phrase; `OR` joins alternatives; `-word` excludes. '
        "Diacritics, case and đ/d do not matter (typed diacritics rank higher). Decision "
        "numbers (`125/QĐ-XPHC`) and dates (`26/5/2023`, `tháng 5 năm 2023`) are found "
        "however written. Only dossiers you may open are counted or shown."
    ),
    responses=answers("not_ready"),
)
async def search(
    request: Request,
    actor: ActorDep,
    archive: ArchiveDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="What to look for")],
    unit: Annotated[list[int] | None, Query(description="Unit ids")] = None,
    case_type: Annotated[list[str] | None, Query()] = None,
    field: Annotated[list[str] | None, Query(description="Field of law")] = None,
    year: Annotated[list[int] | None, Query(description="Year the dossier was opened")] = None,
    stage: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query(description="Document kind of the page")] = None,
    signed: Annotated[bool | None, Query(description="The page's document is signed")] = None,
    opened_from: date | None = None,
    opened_to: date | None = None,
    sort: Sort = Sort.RELEVANCE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    facets: bool = True,
) -> SearchOut:
    filters = SearchFilters(
        unit_ids=frozenset(unit or ()),
        case_types=frozenset(case_type or ()),
        fields=frozenset(field or ()),
        years=frozenset(year or ()),
        stages=frozenset(stage or ()),
        kinds=frozenset(kind or ()),
        signed=signed,
        opened_from=opened_from,
        opened_to=opened_to,
    )
    slots = _search_slots(request)
    if slots.statistics().tasks_waiting >= SEARCH_WAITING:
        raise busy()

    def asked() -> searching.Answer:
        # in the search thread: opening the search (first time) and asking both wait on I/O
        return searching.run(
            search_for(archive),
            actor,
            q,
            filters=filters,
            sort=sort,
            offset=offset,
            limit=limit,
            facets=facets,
        )

    try:
        answer = await anyio.to_thread.run_sync(asked, limiter=slots)
    except SearchUnavailable as exc:
        raise unavailable(exc) from exc
    return SearchOut(
        query=answer.query,
        total=answer.total,
        offset=answer.offset,
        limit=answer.limit,
        groups=[
            GroupOut(
                dossier_id=g.dossier_id,
                code=g.code,
                title=g.title,
                unit_id=g.unit_id,
                case_type=g.case_type,
                stage=g.stage,
                opened_on=g.opened_on,
                score=g.score,
                hits=[HitOut(**h.__dict__) for h in g.hits],
            )
            for g in answer.groups
        ],
        facets={
            k: [FacetValue(value=v, count=n) for v, n in vs] for k, vs in answer.facets.items()
        },
        fuzzy=list(answer.fuzzy),
    )


@router.get(
    "/api/documents/{document_id}/search-state",
    response_model=IndexStateOut,
    summary="Trạng thái chỉ mục của tài liệu · A document's search index state",
    responses=answers("document_not_found", "not_ready"),
)
def search_state(
    document_id: int, request: Request, actor: ActorDep, archive: ArchiveDep
) -> IndexStateOut:
    document = document_service.fetch(archive, actor, document_id, record=False)
    search_for(archive).state_ready()  # answers even while the search engine is down
    with archive.db.read() as conn:
        found = state.of(conn, document.id, document.current.version)
    return IndexStateOut(
        document_id=found.document_id,
        version=found.version,
        status=found.status,
        reason=found.reason,
        pages=found.pages,
        empty_pages=list(found.empty_pages),
        updated_at=found.updated_at,
        read_from_page=dict(found.page_fields) if found.page_fields else None,
    )
