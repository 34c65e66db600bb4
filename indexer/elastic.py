"""The scaled search: an Elasticsearch index behind an alias.

Entries carry the dossier's access and filter fields (unit, shares, opening date, case
type, field, stage) since Elasticsearch cannot join; a change to a dossier rewrites them
on every entry of it. What a user may open becomes a filter of the query itself, so hits,
counts and facets only ever cover those dossiers, and a non-admin's query costs what an
admin's does. Hits are collapsed by dossier, counts are dossiers (cardinality).

This distribution has no ``_reindex`` and no delete-by-query: a rebuild makes a new index
and moves the alias to it; a document's old entries are found by a query and deleted by id.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from archive.domain.access import Scope
from archive.domain.roles import Role
from indexer.backend import (
    FACETS,
    Filters,
    Found,
    Group,
    Hit,
    SearchRequest,
    SearchUnavailable,
    Sort,
)
from indexer.entries import DocumentFields, DossierFields, Entry
from indexer.query import Clause, DateToken, Phrase, Query

EXACT_BOOST = 3.0  # as FTS5's column weight: a typed diacritic that matches counts more
PHRASE_BOOST = 4.0  # above the exact-word boost: side by side outweighs marks alone (as FTS5)
PAIR_BOOST = 4.0  # shared among the pairs of typed neighbours
MAX_PAIRS = 8
PRECISION = 40000  # cardinality counts are exact below this many dossiers

MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        # Words come cut and lower-cased by the archive, separated by spaces.
        "exact": {"type": "text", "analyzer": "standard"},
        "folded": {"type": "text", "analyzer": "standard"},
        "dates": {"type": "text", "analyzer": "standard"},
        "text": {"type": "text", "index": False},
        "key": {"type": "keyword"},
        "dossier_id": {"type": "long"},
        "document_id": {"type": "long"},
        "page": {"type": "integer"},
        "unit": {"type": "keyword"},
        "shared_with": {"type": "keyword"},
        "opened_on": {"type": "date", "format": "date"},
        "year": {"type": "keyword"},
        "case_type": {"type": "keyword"},
        "field": {"type": "keyword"},
        "stage": {"type": "keyword"},
        "kind": {"type": "keyword"},
        "signed": {"type": "keyword"},
    },
}


def _dossier_fields(d: DossierFields) -> dict[str, Any]:
    return {
        "unit": str(d.unit_id),
        "shared_with": [str(u) for u in d.shared_with],
        "opened_on": d.opened_on.isoformat(),
        "year": str(d.opened_on.year),
        "case_type": d.case_type,
        "field": d.field,
        "stage": d.stage,
    }


def _source(
    entry: Entry, dossier: DossierFields, document: DocumentFields | None
) -> dict[str, Any]:
    body = {
        "exact": entry.exact,
        "folded": entry.folded,
        "dates": entry.dates,
        "text": entry.text,
        "key": entry.key,
        "dossier_id": entry.dossier_id,
        "document_id": entry.document_id,
        "page": entry.page,
        **_dossier_fields(dossier),
    }
    if document is not None:
        body["kind"] = document.kind
        body["signed"] = "true" if document.signed else "false"
    return body


def access_filter(scope: Scope) -> dict[str, Any] | None:
    """The part of the query that keeps to what ``scope`` may open (None: everything)."""
    if scope.everything:
        return None
    if scope.role is Role.AUDITOR:
        if not scope.grants:
            return {"match_none": {}}
        return {
            "bool": {
                "should": [
                    {
                        "bool": {
                            "filter": [
                                {"terms": {"unit": sorted(str(u) for u in g.unit_ids)}},
                                {
                                    "range": {
                                        "opened_on": {
                                            "gte": g.period_from.isoformat(),
                                            "lte": g.period_to.isoformat(),
                                        }
                                    }
                                },
                            ]
                        }
                    }
                    for g in scope.grants
                ],
                "minimum_should_match": 1,
            }
        }
    units = sorted(str(u) for u in scope.unit_ids)
    return {
        "bool": {
            "should": [{"terms": {"unit": units}}, {"terms": {"shared_with": units}}],
            "minimum_should_match": 1,
        }
    }


def _filters(flt: Filters) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    pairs = (
        ("unit", {str(u) for u in flt.unit_ids}),
        ("case_type", flt.case_types),
        ("field", flt.fields),
        ("stage", flt.stages),
        ("year", {str(y) for y in flt.years}),
        ("kind", flt.kinds),
    )
    for name, values in pairs:
        if values:
            found.append({"terms": {name: sorted(values)}})
    if flt.signed is not None:
        found.append({"term": {"signed": "true" if flt.signed else "false"}})
    if flt.opened_from or flt.opened_to:
        bounds = {}
        if flt.opened_from:
            bounds["gte"] = flt.opened_from.isoformat()
        if flt.opened_to:
            bounds["lte"] = flt.opened_to.isoformat()
        found.append({"range": {"opened_on": bounds}})
    return found


def _alternative(
    a: Phrase | DateToken, around: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
) -> list[dict[str, Any]]:
    if isinstance(a, DateToken):
        return [{"match": {"dates": a.token}}]
    found: list[dict[str, Any]] = [{"match_phrase": {"folded": " ".join(a.folded)}}]
    if a.typed_marks:
        found.append(
            {"match_phrase": {"exact": {"query": " ".join(a.exact), "boost": EXACT_BOOST}}}
        )
    # A doubtful word's near spellings count only beside a typed word, never alone.
    if a.near and (a.fuzzy or any(around)):
        found.append(_beside(a.folded[0], *around))
    return found


def _clause(
    c: Clause, around: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
) -> dict[str, Any]:
    return {
        "bool": {
            "should": [q for a in c.alternatives for q in _alternative(a, around)],
            "minimum_should_match": 1,
        }
    }


def _beside(word: str, before: tuple[str, ...], after: tuple[str, ...]) -> dict[str, Any]:
    """A misspelt word as any indexed word one edit away, standing beside the words typed
    next to it (as FTS5 does it: see ``fts5.match_expression``)."""
    fuzzy = {"fuzzy": {"folded": {"value": word, "fuzziness": 1, "transpositions": True}}}
    if not before and not after:
        return fuzzy
    near: dict[str, Any] = {"span_multi": {"match": fuzzy}}
    sides = []
    for left, right in ((before, ()), ((), after)):
        if left or right:
            spans: list[dict[str, Any]] = [{"span_term": {"folded": w}} for w in left]
            spans += [near] + [{"span_term": {"folded": w}} for w in right]
            sides.append({"span_near": {"clauses": spans, "slop": 0, "in_order": True}})
    return sides[0] if len(sides) == 1 else {"bool": {"should": sides, "minimum_should_match": 1}}


def query_body(query: Query, flt: Filters, scope: Scope) -> dict[str, Any]:
    filters = _filters(flt)
    access = access_filter(scope)
    if access is not None:
        filters.append(access)
    beside = query.beside_fuzzy()
    must = [_clause(c, beside.get(i, ((), ()))) for i, c in enumerate(query.positive)]
    should = []
    together = query.proximity_words()
    if together:
        # Entries holding the typed words side by side rank above those holding them apart.
        should.append(
            {"match_phrase": {"folded": {"query": " ".join(together), "boost": PHRASE_BOOST}}}
        )
        pairs = list(itertools.pairwise(together))[:MAX_PAIRS]
        should += [
            {"match_phrase": {"folded": {"query": " ".join(p), "boost": PAIR_BOOST / len(pairs)}}}
            for p in pairs
        ]
    return {
        "bool": {
            "must": must,
            "should": should,
            "must_not": [_clause(c) for c in query.negative],
            "filter": filters,
        }
    }


class ElasticIndex:
    name = "elasticsearch"

    def __init__(
        self, url: str, alias: str, *, timeout: float = 30.0, search_timeout: float = 10.0
    ) -> None:
        self.alias = alias
        self.http = httpx.Client(base_url=url, timeout=timeout)
        # A person waits for a search: one the engine has not answered in this time is
        # refused (the engine is overloaded or hangs), so no request waits on it for long.
        self.search_timeout = search_timeout

    # -- plumbing --------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SearchUnavailable(f"Elasticsearch: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise SearchUnavailable(
                f"Elasticsearch answered {response.status_code}: {response.text[:300]}"
            )
        return response

    def _ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._call(method, path, **kwargs)
        if response.status_code >= 400:
            raise SearchUnavailable(f"Elasticsearch refused {method} {path}: {response.text[:500]}")
        body: dict[str, Any] = response.json()
        return body

    def _post_lines(self, api: str, lines: Sequence[dict[str, Any]], **kwargs: Any) -> Any:
        """POST lines of JSON to the bulk or multi-search API of the alias."""
        content = "".join(
            json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines
        ).encode()
        return self._ok(
            "POST",
            f"/{self.alias}/{api}",
            content=content,
            headers={"content-type": "application/x-ndjson"},
            **kwargs,
        )

    def _bulk(self, lines: list[dict[str, Any]]) -> None:
        if not lines:
            return
        body = self._post_lines("_bulk", lines)
        if body.get("errors"):
            for item in body["items"]:
                ((action, result),) = item.items()
                status = int(result.get("status", 200))
                if status >= 300 and not (status == 404 and action in ("delete", "update")):
                    raise SearchUnavailable(f"Elasticsearch did not take an entry: {result}")

    def _keys(self, field: str, value: int) -> Iterator[str]:
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "size": 1000,
                "_source": False,
                "query": {"term": {field: value}},
                "sort": [{"key": "asc"}],
            }
            if after is not None:
                body["search_after"] = after
            hits = self._ok("POST", f"/{self.alias}/_search", json=body)["hits"]["hits"]
            for hit in hits:
                yield str(hit["_id"])
            if len(hits) < 1000:
                return
            after = hits[-1]["sort"]

    # -- the contract ----------------------------------------------------------------
    def prepare(self) -> None:
        response = self._call("GET", f"/_alias/{self.alias}")
        if response.status_code == 200:
            return
        self._new_index_behind_alias()

    def _new_index_behind_alias(self) -> None:
        name = f"{self.alias}-{secrets.token_hex(4)}"
        self._ok(
            "PUT",
            f"/{name}",
            json={
                "settings": {"number_of_shards": 1, "number_of_replicas": 0},
                "mappings": MAPPING,
            },
        )
        old = self._call("GET", f"/_alias/{self.alias}")
        previous = list(old.json()) if old.status_code == 200 else []
        actions: list[dict[str, Any]] = [{"add": {"index": name, "alias": self.alias}}]
        actions += [{"remove_index": {"index": p}} for p in previous]
        self._ok("POST", "/_aliases", json={"actions": actions})
        self._ok(
            "GET",
            f"/_cluster/health/{name}",
            params={"wait_for_status": "yellow", "timeout": "30s"},
        )

    def clear(self) -> None:
        """A new empty index takes the alias and the old one is dropped, in one step."""
        self._new_index_behind_alias()

    def put_document(
        self, dossier: DossierFields, document: DocumentFields, entries: Sequence[Entry]
    ) -> None:
        keep = {e.key for e in entries}
        lines: list[dict[str, Any]] = []
        for entry in entries:
            lines += [{"index": {"_id": entry.key}}, _source(entry, dossier, document)]
        lines += [
            {"delete": {"_id": k}}
            for k in self._keys("document_id", document.document_id)
            if k not in keep
        ]
        self._bulk(lines)

    def remove_document(self, document_id: int) -> None:
        self._bulk([{"delete": {"_id": k}} for k in self._keys("document_id", document_id)])

    def put_dossier(self, dossier: DossierFields, entry: Entry) -> None:
        fields = _dossier_fields(dossier)
        lines: list[dict[str, Any]] = [{"index": {"_id": entry.key}}, _source(entry, dossier, None)]
        for key in self._keys("dossier_id", dossier.dossier_id):
            if key != entry.key:
                lines += [{"update": {"_id": key}}, {"doc": fields}]
        self._bulk(lines)

    def documents(self) -> dict[int, int]:
        found: dict[int, int] = {}
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": 1000,
                "sources": [{"document": {"terms": {"field": "document_id"}}}],
            }
            if after is not None:
                composite["after"] = after
            body = {"size": 0, "aggs": {"documents": {"composite": composite}}}
            agg = self._ok("POST", f"/{self.alias}/_search", json=body)["aggregations"]["documents"]
            for bucket in agg["buckets"]:
                found[int(bucket["key"]["document"])] = int(bucket["doc_count"])
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                return found

    def settle(self) -> None:
        self._ok("POST", f"/{self.alias}/_refresh")

    def held(self, phrases: Sequence[tuple[str, ...]]) -> set[tuple[str, ...]]:
        if not phrases:
            return set()
        # One search per phrase in one request, each stopping at its first entry (counting
        # every page that holds a common pair would cost as much as the search itself).
        lines: list[dict[str, Any]] = []
        for p in phrases:
            lines.append({})
            lines.append(
                {
                    "size": 0,
                    "terminate_after": 1,
                    "track_total_hits": 1,
                    "query": {"match_phrase": {"folded": " ".join(p)}},
                }
            )
        answers = self._post_lines("_msearch", lines, timeout=self.search_timeout)["responses"]
        found = set()
        for p, answer in zip(phrases, answers, strict=True):
            if "error" in answer:
                raise SearchUnavailable(f"Elasticsearch refused a word look-up: {answer['error']}")
            if answer["hits"]["total"]["value"] > 0:
                found.add(p)
        return found

    def close(self) -> None:
        self.http.close()

    def _best_pages(
        self, asked: dict[str, Any], dossier_ids: list[int], per_dossier: int
    ) -> dict[int, tuple[Hit, ...]]:
        """The best ``per_dossier`` pages of each dossier shown, in one search (the
        collapse's inner hits ran one search per dossier: half an official's search here)."""
        if not per_dossier or not dossier_ids:
            return {}
        shown = {"terms": {"dossier_id": dossier_ids}}
        body = {
            "size": 0,
            "query": {"bool": {"must": [asked], "filter": [shown]}},
            "aggs": {
                "dossiers": {
                    "terms": {"field": "dossier_id", "size": len(dossier_ids)},
                    "aggs": {
                        "best": {
                            "top_hits": {
                                "size": per_dossier,
                                "sort": ["_score", {"key": "asc"}],
                                "_source": ["text", "document_id", "page", "dossier_id"],
                            }
                        }
                    },
                }
            },
        }
        answer = self._ok("POST", f"/{self.alias}/_search", json=body, timeout=self.search_timeout)
        return {
            int(bucket["key"]): tuple(
                Hit(
                    document_id=h["_source"].get("document_id"),
                    dossier_id=int(h["_source"]["dossier_id"]),
                    page=int(h["_source"]["page"]),
                    text=str(h["_source"]["text"]),
                )
                for h in bucket["best"]["hits"]["hits"]
            )
            for bucket in answer["aggregations"]["dossiers"]["buckets"]
        }

    def search(self, request: SearchRequest, scope: Scope) -> Found:
        if request.query.empty:
            return Found(0, (), {})
        if request.sort is Sort.RELEVANCE:
            sort: list[Any] = ["_score", {"dossier_id": "asc"}]
        else:
            order = "desc" if request.sort is Sort.NEWEST else "asc"
            sort = [{"opened_on": order}, "_score", {"dossier_id": "asc"}]
        cardinality = {"cardinality": {"field": "dossier_id", "precision_threshold": PRECISION}}
        aggs: dict[str, Any] = {"total": cardinality}
        if request.facets:
            for name in FACETS:
                aggs[f"facet_{name}"] = {
                    "terms": {"field": name, "size": 200},
                    "aggs": {"dossiers": cardinality},
                }
        asked = query_body(request.query, request.filters, scope)
        body: dict[str, Any] = {
            "query": asked,
            "from": request.offset,
            "size": request.limit,
            "sort": sort,
            "track_scores": True,
            "_source": False,
            "collapse": {"field": "dossier_id"},
            "aggs": aggs,
        }
        answer = self._ok("POST", f"/{self.alias}/_search", json=body, timeout=self.search_timeout)
        shown = [
            (int(top["fields"]["dossier_id"][0]), float(top.get("_score") or 0.0))
            for top in answer["hits"]["hits"]
        ]
        best = self._best_pages(asked, [d for d, _ in shown], request.hits_per_dossier)
        groups = [Group(d, score, best.get(d, ())) for d, score in shown]
        facets: dict[str, list[tuple[str, int]]] = {}
        for name, agg in answer.get("aggregations", {}).items():
            if name.startswith("facet_"):
                values = [(str(b["key"]), int(b["dossiers"]["value"])) for b in agg["buckets"]]
                values.sort(key=lambda item: (-item[1], item[0]))
                if values:
                    facets[name.removeprefix("facet_")] = values
        total = int(answer["aggregations"]["total"]["value"])
        return Found(total, tuple(groups), facets)
