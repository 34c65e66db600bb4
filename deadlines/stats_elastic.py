"""The statistics counted by Elasticsearch aggregations (the scaled install): one document
per dossier (its ``case_figures``) in an index of its own, and the same indicators as the
SQL, built from the same list.

Beside it, the snapshot's index: a copy of the snapshot the writer keeps in the database
(deadlines.stats_snapshot), one document per cell (a day, a month or "open now", by unit,
field and case type), each written with the figures' version that last changed it as an
external version, so a late or repeated copy never overwrites a newer one. The dashboard's
questions are aggregated over the few cells of their period instead of every dossier."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import httpx

from archive.domain.access import PeriodGrant
from deadlines.case_figures import CaseFigures
from deadlines.indicators import INDICATORS, MONTHLY, Dated, GroupBy, Indicator, Period, When
from deadlines.stats_snapshot import Cell, parts, whole

Counts = dict[str, dict[str, int]]
MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "dossier_id": {"type": "long"},
        "case_type": {"type": "keyword"},
        "unit_id": {"type": "keyword"},
        "field": {"type": "keyword"},
        **{
            name: {"type": "date", "format": "yyyy-MM-dd"}
            for name in (
                "opened_on",
                "closed_on",
                "accepted_on",
                "decided_on",
                "completed_on",
                "collected_on",
                "enforced_on",
                "entrusted_on",
                "terminated_on",
                "unenforceable_from",
                "unenforceable_to",
                "first_on",
                "last_on",
            )
        },
        **{
            name: {"type": "long"}
            for name in (
                "fine_imposed",
                "fine_collected",
                "money_due",
                "money_done",
                "violators_individual",
                "violators_organisation",
            )
        },
        "on_time": {"type": "boolean"},
    },
}


SNAPSHOT_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    # set once every cell of the database's snapshot has been copied (mark_complete): an
    # index made but not yet filled, by a process that died, is filled whole by the next
    "_meta": {"complete": False},
    "properties": {
        "span": {"type": "keyword"},  # day | month | open
        "on": {"type": "date", "format": "yyyy-MM-dd"},  # none for an open cell
        "unit_id": {"type": "keyword"},
        "field": {"type": "keyword"},
        "case_type": {"type": "keyword"},
        "open": {"type": "long"},
        **{i.code: {"type": "long"} for i in MONTHLY},
    },
}


class StatisticsUnavailable(Exception):
    """Elasticsearch did not answer or refused."""


def _ndjson(lines: Sequence[dict[str, Any]]) -> bytes:
    """A bulk request's body: one JSON object a line."""
    return "".join(
        json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n" for line in lines
    ).encode()


def _day(value: date) -> str:
    return value.isoformat()


def _missing_or(column: str, bound: dict[str, str]) -> dict[str, Any]:
    return {
        "bool": {
            "should": [
                {"bool": {"must_not": {"exists": {"field": column}}}},
                {"range": {column: bound}},
            ],
            "minimum_should_match": 1,
        }
    }


def _dated(d: Dated, period: Period) -> dict[str, Any]:
    start, end = _day(period.start), _day(period.end)
    if d.when is When.IN:
        return {"range": {d.column: {"gte": start, "lte": end}}}
    if d.when is When.BEFORE:
        return {"range": {d.column: {"lt": start}}}
    if d.when is When.BY_END:
        return {"range": {d.column: {"lte": end}}}
    if d.when is When.NOT_BEFORE:
        return _missing_or(d.column, {"gte": start})
    return _missing_or(d.column, {"gt": end})


def _in(indicator: Indicator, period: Period) -> dict[str, Any]:
    clauses = [_dated(d, period) for d in indicator.dated]
    if indicator.on_time is not None:
        clauses.append({"term": {"on_time": indicator.on_time}})
    return {"bool": {"filter": clauses}}


class FiguresIndex:
    def __init__(self, url: str, name: str, timeout: float = 30.0) -> None:
        self.name = name
        self.http = httpx.Client(base_url=url, timeout=timeout)

    def _ok(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise StatisticsUnavailable(str(exc)) from exc
        if answer.status_code >= 400:
            raise StatisticsUnavailable(f"{answer.status_code}: {answer.text[:300]}")
        body: dict[str, Any] = answer.json()
        return body

    @property
    def snapshot(self) -> str:
        return f"{self.name}-snapshot"

    def prepare(self) -> bool:
        """Make the indices that are missing; True if the snapshot's copy is not known
        complete (its cells must then be copied whole, then :meth:`mark_complete`)."""
        self._create(self.name, MAPPING)
        self._create(self.snapshot, SNAPSHOT_MAPPING)
        found = self._ok("GET", f"/{self.snapshot}/_mapping")
        index: dict[str, Any] = next(iter(found.values()), {})
        return index.get("mappings", {}).get("_meta", {}).get("complete") is not True

    def mark_complete(self) -> None:
        """Every cell of the database's snapshot is in the copy."""
        self._ok("PUT", f"/{self.snapshot}/_mapping", json={"_meta": {"complete": True}})

    def _create(self, name: str, mapping: dict[str, Any]) -> None:
        try:
            exists = self.http.request("HEAD", f"/{name}")
            if exists.status_code not in (200, 404):
                raise StatisticsUnavailable(f"{exists.status_code} for the index {name}")
            if exists.status_code == 200:
                return
            answer = self.http.put(
                f"/{name}", json={"settings": {"number_of_replicas": 0}, "mappings": mapping}
            )
            if answer.status_code >= 400 and "already_exists" not in answer.text:
                raise StatisticsUnavailable(f"{answer.status_code}: {answer.text[:300]}")
        except httpx.HTTPError as exc:
            raise StatisticsUnavailable(str(exc)) from exc

    def put(self, rows: Sequence[CaseFigures], gone: Sequence[int] = ()) -> None:
        if not rows and not gone:
            return
        lines: list[dict[str, Any]] = []
        for row in rows:
            doc = {
                k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.as_row().items()
            }
            doc["unit_id"] = str(row.unit_id)
            lines += [{"index": {"_index": self.name, "_id": str(row.dossier_id)}}, doc]
        for dossier_id in gone:
            lines.append({"delete": {"_index": self.name, "_id": str(dossier_id)}})
        content = _ndjson(lines)
        body = self._ok(
            "POST",
            "/_bulk",
            content=content,
            headers={"content-type": "application/x-ndjson"},
            params={"refresh": "wait_for"},
        )
        if body.get("errors"):
            failed = [
                item
                for item in body["items"]
                if next(iter(item.values())).get("status", 200) >= 300
                and next(iter(item.values())).get("status") != 404
            ]
            if failed:
                raise StatisticsUnavailable(f"bulk refused: {failed[:2]}")

    def clear(self) -> None:
        for name in (self.name, self.snapshot):
            try:
                answer = self.http.request("DELETE", f"/{name}")
            except httpx.HTTPError as exc:
                raise StatisticsUnavailable(str(exc)) from exc
            if answer.status_code >= 400 and answer.status_code != 404:
                raise StatisticsUnavailable(f"{answer.status_code}: {answer.text[:300]}")
        self.prepare()

    def put_cells(self, cells: Sequence[tuple[Cell, int, dict[str, int]]]) -> None:
        """Copy snapshot cells, each ``(cell, version, values)``; a copy older than the one
        already there is refused by Elasticsearch and left so."""
        if not cells:
            return
        lines: list[dict[str, Any]] = []
        for (span, on, unit_id, field, case_type), version, values in cells:
            doc: dict[str, Any] = {
                "span": span,
                "unit_id": str(unit_id),
                "field": field,
                "case_type": case_type,
                **values,
            }
            if span != "open":
                doc["on"] = on.isoformat()
            action = {
                "_index": self.snapshot,
                "_id": f"{span}|{on.isoformat()}|{unit_id}|{field}|{case_type}",
                "version": version,
                "version_type": "external_gte",
            }
            lines += [{"index": action}, doc]
        content = _ndjson(lines)
        # not refreshed per batch (each would wait for the next refresh): see refresh_cells
        body = self._ok(
            "POST", "/_bulk", content=content, headers={"content-type": "application/x-ndjson"}
        )
        if body.get("errors"):
            failed = [
                item
                for item in body["items"]
                if next(iter(item.values())).get("status", 200) >= 300
                and next(iter(item.values())).get("status") != 409  # a newer copy is there
            ]
            if failed:
                raise StatisticsUnavailable(f"bulk refused: {failed[:2]}")

    def refresh_cells(self) -> None:
        """Make the cells copied so far visible to the next question."""
        self._ok("POST", f"/{self.snapshot}/_refresh")

    def snapshot_counts(
        self,
        period: Period,
        group_by: GroupBy,
        *,
        unit_ids: Collection[int] | None,
        case_types: Collection[str] = (),
        span: tuple[date, date] | None = None,
        cache: bool = True,
    ) -> Counts:
        """Every dashboard indicator per group, aggregated over the snapshot's cells: as
        deadlines.stats_snapshot.counts sums them in SQL (``span``: the first and last
        months the snapshot holds, as stats_snapshot.month_span reads them)."""
        cut = parts(period, span)

        def cells(span: str, start: date | None, end: date | None, *, before: bool = False) -> Any:
            bound = {"lt" if before else "lte": _day(end)} if end else {}
            if start:
                bound["gte"] = _day(start)
            return {"bool": {"filter": [{"term": {"span": span}}, {"range": {"on": bound}}]}}

        inside = [cells("day", start, end) for start, end in cut.days]
        if cut.months is not None:
            inside.append(cells("month", *cut.months))
        # open at the end: the opened less the closed up to it (from the start), or open now
        # less those after it
        if cut.open_from_start:
            side = [
                cells("month", None, cut.months_before, before=True),
                cells("day", *cut.days_before),
            ]
        else:
            side = [cells("day", *cut.days_after), cells("month", cut.months_after, None)]
        now = {"term": {"span": "open"}}

        def any_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
            return {"bool": {"should": clauses, "minimum_should_match": 1}}

        wanted = [*inside, *side] if cut.open_from_start else [*inside, *side, now]
        filters: list[dict[str, Any]] = [any_of(wanted)]
        if unit_ids is not None:
            filters.append({"terms": {"unit_id": [str(u) for u in unit_ids]}})
        if case_types:
            filters.append({"terms": {"case_type": list(case_types)}})

        def sums(codes: Sequence[str]) -> dict[str, Any]:
            return {code: {"sum": {"field": code}} for code in codes}

        per_group: dict[str, Any] = {
            "inside": {"filter": any_of(inside), "aggs": sums([i.code for i in MONTHLY])},
            "side": {"filter": any_of(side), "aggs": sums(["opened", "closed"])},
        }
        if not cut.open_from_start:
            per_group["now"] = {"filter": now, "aggs": sums(["open"])}
        found: dict[str, dict[str, int]] = {}
        for bucket in self._groups(self.snapshot, filters, group_by, per_group, cache):
            values = {i.code: int(bucket["inside"][i.code]["value"]) for i in MONTHLY}
            moved = int(bucket["side"]["opened"]["value"]) - int(bucket["side"]["closed"]["value"])
            if cut.open_from_start:
                values["open_at_end"] = moved
            else:
                values["open_at_end"] = int(bucket["now"]["open"]["value"]) - moved
            found[str(bucket["key"])] = values
        return whole(found)

    def counts(
        self,
        period: Period,
        group_by: GroupBy,
        *,
        unit_ids: Collection[int] | None,
        grants: Sequence[PeriodGrant] = (),
        case_types: Collection[str] = (),
        indicators: Sequence[Indicator] = INDICATORS,
        cache: bool = True,
    ) -> Counts:
        """``cache=False`` computes afresh (Elasticsearch otherwise answers a repeated
        question from its request cache until the index changes)."""
        filters: list[dict[str, Any]] = []
        if unit_ids is not None:
            reachable: list[dict[str, Any]] = [{"terms": {"unit_id": [str(u) for u in unit_ids]}}]
            reachable += [
                {
                    "bool": {
                        "filter": [
                            {"terms": {"unit_id": [str(u) for u in g.unit_ids]}},
                            {
                                "range": {
                                    "opened_on": {
                                        "gte": _day(g.period_from),
                                        "lte": _day(g.period_to),
                                    }
                                }
                            },
                        ]
                    }
                }
                for g in grants
            ]
            filters.append({"bool": {"should": reachable, "minimum_should_match": 1}})
        if case_types:
            filters.append({"terms": {"case_type": list(case_types)}})
        # only rows with a date in the period, or still open at its end (CaseFigures.as_row)
        filters.append({"range": {"first_on": {"lte": _day(period.end)}}})
        filters.append(
            {
                "bool": {
                    "should": [
                        {"range": {"last_on": {"gte": _day(period.start)}}},
                        {"bool": {"must_not": {"exists": {"field": "closed_on"}}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
        per: dict[str, Any] = {}
        for indicator in indicators:
            per[indicator.code] = {"filter": _in(indicator, period)}
            if indicator.amount:
                per[indicator.code]["aggs"] = {"v": {"sum": {"field": indicator.amount}}}
        out: Counts = {}
        for bucket in self._groups(self.name, filters, group_by, per, cache):
            values: dict[str, int] = {}
            for indicator in indicators:
                agg = bucket[indicator.code]
                values[indicator.code] = (
                    int(agg["v"]["value"]) if "v" in agg else int(agg["doc_count"])
                )
            if any(values.values()):
                out[str(bucket["key"])] = values
        return out

    def _groups(
        self,
        index: str,
        filters: list[dict[str, Any]],
        group_by: GroupBy,
        aggregations: dict[str, Any],
        cache: bool,
    ) -> list[dict[str, Any]]:
        """The buckets of one group each, with ``aggregations`` over the documents of
        ``index`` that pass every filter; ``cache=False`` computes afresh (Elasticsearch
        otherwise answers a repeated question from its request cache until the index
        changes)."""
        body = {
            "size": 0,
            "track_total_hits": False,
            "query": {"bool": {"filter": filters}},
            "aggs": {
                "groups": {
                    "terms": {"field": group_by.column, "size": 10000},
                    "aggs": aggregations,
                }
            },
        }
        params = {} if cache else {"request_cache": "false"}
        answer = self._ok("POST", f"/{index}/_search", json=body, params=params)
        buckets: list[dict[str, Any]] = answer["aggregations"]["groups"]["buckets"]
        return buckets

    def close(self) -> None:
        self.http.close()
