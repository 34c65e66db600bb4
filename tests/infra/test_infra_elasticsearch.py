"""The real Elasticsearch from ``scripts/servers.sh`` does what the archive's search needs.

It is the integ-test distribution, which lacks several modules of the full image; these
tests pin down the part the app may rely on: the standard analyzer on Vietnamese text,
bulk indexing, match queries and highlighting.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

pytestmark = pytest.mark.elasticsearch

ENV = "ARCHIVE_TEST_ELASTICSEARCH_URL"

DOCS = {
    "qd-1": "Quyết định xử phạt vi phạm hành chính",
    "bb-1": "Biên bản vi phạm",
}


@pytest.fixture(scope="module")
def es() -> Iterator[httpx.Client]:
    try:
        url = os.environ[ENV]
    except KeyError:
        pytest.fail(
            f"{ENV} is not set: start the servers with `bash scripts/servers.sh start` and "
            "export the variables of the servers.env it prints; a missing server is a "
            "failure, never a skip."
        )
    with httpx.Client(base_url=url, timeout=60) as client:
        yield client


@pytest.fixture
def index(es: httpx.Client) -> Iterator[str]:
    name = f"archive-infra-test-{uuid.uuid4().hex[:12]}"
    created = es.put(
        f"/{name}",
        json={
            # One node: a replica could never be assigned and the index would stay yellow.
            "settings": {"number_of_shards": 1, "number_of_replicas": 0},
            "mappings": {"properties": {"title": {"type": "text", "analyzer": "standard"}}},
        },
    )
    assert created.status_code == 200, created.text
    try:
        yield name
    finally:
        # By exact name: wildcard deletes are refused by default, and rightly so.
        es.delete(f"/{name}")


def test_cluster_is_healthy(es: httpx.Client) -> None:
    # GET / answers 405 in this distribution; cluster health is the readiness signal.
    response = es.get("/_cluster/health", params={"wait_for_status": "yellow", "timeout": "30s"})
    assert response.status_code == 200, response.text
    health = response.json()
    assert health["status"] in ("yellow", "green")
    assert health["timed_out"] is False


def test_index_without_replicas_is_green(es: httpx.Client, index: str) -> None:
    response = es.get(
        f"/_cluster/health/{index}", params={"wait_for_status": "green", "timeout": "30s"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "green"


def test_vietnamese_match_query_with_highlight(es: httpx.Client, index: str) -> None:
    lines = []
    for doc_id, title in DOCS.items():
        lines.append(json.dumps({"index": {"_index": index, "_id": doc_id}}))
        lines.append(json.dumps({"title": title}, ensure_ascii=False))
    bulk = es.post(
        "/_bulk",
        content=("\n".join(lines) + "\n").encode("utf-8"),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert bulk.status_code == 200, bulk.text
    assert bulk.json()["errors"] is False, bulk.text

    refreshed = es.post(f"/{index}/_refresh")
    assert refreshed.status_code == 200, refreshed.text

    found = es.post(
        f"/{index}/_search",
        json={
            "query": {"match": {"title": "xử phạt"}},
            "highlight": {"fields": {"title": {}}},
        },
    )
    assert found.status_code == 200, found.text
    hits = found.json()["hits"]
    assert hits["total"]["value"] == 1, hits
    hit = hits["hits"][0]
    assert hit["_id"] == "qd-1"
    assert hit["_source"]["title"] == DOCS["qd-1"]
    # The standard analyzer keeps Vietnamese diacritics and lowercases: whole words match.
    fragment = hit["highlight"]["title"][0]
    assert "<em>xử</em>" in fragment and "<em>phạt</em>" in fragment, fragment

    # Words shared by both documents find both, the better match first.
    both = es.post(f"/{index}/_search", json={"query": {"match": {"title": "vi phạm"}}})
    assert both.status_code == 200, both.text
    assert {h["_id"] for h in both.json()["hits"]["hits"]} == set(DOCS)
