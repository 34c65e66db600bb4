"""The embedded search: an SQLite FTS5 table in the archive's own database.

Living beside the dossiers, a search joins them: what a user may open is the same SQL
condition the dossier list uses (``metadata.dossiers.visible``), applied inside the query,
so counts and facets never include a dossier the user may not open. Words are indexed as
the archive cut them (``folding.terms``): with diacritics in ``exact``, folded in
``folded``; date tokens in ``dates``; the page text itself is kept for snippets.

Row ids place each entry: a document's entries are ``document_id << 20 | page`` (so one
range deletes them all), a dossier's own entry is ``-dossier_id``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    extract,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    text,
    union_all,
)

from archive.domain.access import Scope
from archive.domain.roles import Role
from archive.metadata.db import Database
from archive.metadata.dossiers import visible
from archive.metadata.schema import document_versions, documents, dossiers
from indexer.backend import FACETS, Filters, Found, Group, Hit, SearchRequest, Sort
from indexer.entries import DocumentFields, DossierFields, Entry
from indexer.query import Clause, DateToken, Phrase, Query
from indexer.typos import edits

PAGE_BITS = 20
MAX_PAGES = (1 << PAGE_BITS) - 1
# Words typed with their diacritics count three times where the page has them too.
WEIGHTS = (3.0, 1.0, 1.0, 0.0)  # exact, folded, dates, access (never ranks)
PHRASE_BONUS = 1.0
PAIR_BONUS = 1.0
MAX_PAIRS = 8

_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_entries USING fts5("
    "exact, folded, dates, access, text UNINDEXED, dossier_id UNINDEXED, document_id UNINDEXED, "
    "page UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_vocabulary USING fts5vocab(search_entries, 'col')",
)

entries = table(
    "search_entries",
    column("rowid"),
    column("text"),
    column("dossier_id"),
    column("document_id"),
    column("page"),
)
vocabulary = table("search_vocabulary", column("term"), column("col"))
_MATCHED_COLUMNS = (
    "rowid",
    "dossier_id",
    "document_id",
    "page",
    "score",
    "opened_on",
    "unit",
    "case_type",
    "field",
    "stage",
    "year",
    "kind",
    "signed",
)
_MATCHED_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS search_matched ("
    "rowid INTEGER, dossier_id INTEGER, document_id INTEGER, page INTEGER, score REAL, "
    "opened_on TEXT, unit INTEGER, case_type TEXT, field TEXT, stage TEXT, year TEXT, "
    "kind TEXT, signed INTEGER)"
)
_TEMPORARY = (
    "CREATE TEMP TABLE IF NOT EXISTS search_hits (rowid INTEGER PRIMARY KEY, score REAL)",
    _MATCHED_TABLE,
    "DELETE FROM temp.search_hits",
    "DELETE FROM temp.search_matched",
)
matched = table("search_matched", *(column(c) for c in _MATCHED_COLUMNS))
hits = table("search_hits", column("rowid"), column("score"))


def _rowid(document_id: int, page: int) -> int:
    return (document_id << PAGE_BITS) | page


def _quoted(words: Sequence[str]) -> str:
    return '"' + " ".join(words) + '"'


def access_tokens(dossier: DossierFields) -> str:
    """Who may open an entry, as words of its ``access`` column: the owning unit and
    each unit it is shared with. A search narrows by them inside the index itself, so an
    official's query scores only the entries of their units (the join with the dossiers
    then checks the rest: an auditor's period, a share withdrawn a moment ago)."""
    return " ".join(f"u{u}" for u in dict.fromkeys((dossier.unit_id, *dossier.shared_with)))


def access_expression(scope: Scope) -> str | None:
    """The MATCH part that keeps to the units ``scope`` may open (None: everything;
    the empty string: nothing)."""
    if scope.everything:
        return None
    units = (
        {u for g in scope.grants for u in g.unit_ids}
        if scope.role is Role.AUDITOR
        else set(scope.unit_ids)
    )
    if not units:
        return ""
    return "access : (" + " OR ".join(f'"u{u}"' for u in sorted(units)) + ")"


def match_expression(query: Query, neighbours: Mapping[str, Sequence[str]]) -> str:
    """The FTS5 MATCH text for ``query``; a misspelt word also matches its
    ``neighbours`` (indexed words one edit away) where they stand beside the words typed
    next to it."""
    beside = query.beside_fuzzy()

    def alternative(
        a: Phrase | DateToken, around: tuple[tuple[str, ...], tuple[str, ...]]
    ) -> list[str]:
        if isinstance(a, DateToken):
            return [f"dates : {_quoted([a.token])}"]
        found = [f"folded : {_quoted(a.folded)}"]
        if a.typed_marks:
            found.append(f"exact : {_quoted(a.exact)}")
        if a.near:
            before, after = around
            sides = [s for s in ((before, ()), ((), after)) if s[0] or s[1]]
            if not sides and a.fuzzy:
                sides = [((), ())]  # a lone misspelt word: its near spellings anywhere
            found += [
                f"folded : {_quoted((*left, n, *right))}"
                for n in neighbours.get(a.folded[0], ())
                for left, right in sides
            ]
        return found

    def clause(c: Clause, around: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())) -> str:
        return "(" + " OR ".join(p for a in c.alternatives for p in alternative(a, around)) + ")"

    expression = " AND ".join(
        clause(c, beside.get(i, ((), ()))) for i, c in enumerate(query.positive)
    )
    if query.negative:
        expression += " NOT (" + " OR ".join(clause(c) for c in query.negative) + ")"
    return expression


class Fts5Index:
    name = "fts5"

    def __init__(self, db: Database) -> None:
        if not db.is_sqlite:
            raise ValueError("FTS5 search needs the embedded SQLite database")
        self.db = db

    def prepare(self) -> None:
        with self.db.write() as conn:
            for statement in _CREATE:
                conn.exec_driver_sql(statement)

    def _insert(self, conn: Connection, rowid: int, entry: Entry, access: str) -> None:
        conn.execute(
            text(
                "INSERT INTO search_entries(rowid, exact, folded, dates, access, text, "
                "dossier_id, document_id, page) VALUES (:rowid, :exact, :folded, :dates, "
                ":access, :text, :dossier_id, :document_id, :page)"
            ),
            {
                "rowid": rowid,
                "access": access,
                "exact": entry.exact,
                "folded": entry.folded,
                "dates": entry.dates,
                "text": entry.text,
                "dossier_id": entry.dossier_id,
                "document_id": entry.document_id,
                "page": entry.page,
            },
        )

    def put_document(
        self, dossier: DossierFields, document: DocumentFields, found: Sequence[Entry]
    ) -> None:
        with self.db.write() as conn:
            self._delete_document(conn, document.document_id)
            access = access_tokens(dossier)
            for entry in found[: MAX_PAGES + 1]:
                self._insert(conn, _rowid(document.document_id, entry.page), entry, access)

    def _delete_document(self, conn: Connection, document_id: int) -> None:
        conn.execute(
            text("DELETE FROM search_entries WHERE rowid BETWEEN :low AND :high"),
            {"low": _rowid(document_id, 0), "high": _rowid(document_id, MAX_PAGES)},
        )

    def remove_document(self, document_id: int) -> None:
        with self.db.write() as conn:
            self._delete_document(conn, document_id)

    def put_dossier(self, dossier: DossierFields, entry: Entry) -> None:
        # Filters and facets are read from the dossier row at search time; who may open
        # it is also on every entry (``access``), rewritten here when its shares change.
        access = access_tokens(dossier)
        with self.db.write() as conn:
            conn.execute(
                text("DELETE FROM search_entries WHERE rowid = :r"), {"r": -dossier.dossier_id}
            )
            self._insert(conn, -dossier.dossier_id, entry, access)
            held = conn.execute(
                select(documents.c.id).where(documents.c.dossier_id == dossier.dossier_id)
            ).scalars()
            for document_id in held:
                conn.execute(
                    text(
                        "UPDATE search_entries SET access = :access "
                        "WHERE rowid BETWEEN :low AND :high AND access != :access"
                    ),
                    {
                        "access": access,
                        "low": _rowid(document_id, 0),
                        "high": _rowid(document_id, MAX_PAGES),
                    },
                )

    def clear(self) -> None:
        with self.db.write() as conn:
            conn.exec_driver_sql("DELETE FROM search_entries")

    def held(self, phrases: Sequence[tuple[str, ...]]) -> set[tuple[str, ...]]:
        if not phrases:
            return set()
        # One lookup in the index per phrase (the vocabulary table walks the whole list).
        probe = text("SELECT 1 FROM search_entries WHERE search_entries MATCH :w LIMIT 1")
        with self.db.read() as conn:
            return {
                p
                for p in phrases
                if conn.execute(probe, {"w": f"folded : {_quoted(p)}"}).first() is not None
            }

    def neighbours(self, word: str) -> list[str]:
        candidates = sorted(edits(word))
        found: set[str] = set()
        with self.db.read() as conn:
            for i in range(0, len(candidates), 500):
                found |= {
                    str(r.term)
                    for r in conn.execute(
                        select(vocabulary.c.term).where(
                            vocabulary.c.col == "folded",
                            vocabulary.c.term.in_(candidates[i : i + 500]),
                        )
                    )
                }
        return sorted(found)

    def documents(self) -> dict[int, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                text(
                    "SELECT document_id, count(*) AS n FROM search_entries "
                    "WHERE document_id IS NOT NULL GROUP BY document_id"
                )
            )
            return {int(r.document_id): int(r.n) for r in rows}

    def settle(self) -> None:
        return None  # a committed write is visible at once

    def close(self) -> None:
        return None

    # -- searching -------------------------------------------------------------------
    def search(self, request: SearchRequest, scope: Scope) -> Found:
        query = request.query
        if query.empty:
            return Found(0, (), {})
        neighbours = {w: self.neighbours(w) for w in query.near_words()}
        access = access_expression(scope)
        if access == "":
            return Found(0, (), {})
        expression = match_expression(query, neighbours)
        if access is not None:
            expression = f"({expression}) AND {access}"
        scored = self._scored(expression, query.proximity_words(), access)
        found = self._matched(request.filters, scope)
        with self.db.read() as conn:
            # The matches are computed once into this connection's own temporary tables
            # (no lock on the database), then grouped, paged and counted from there.
            for statement in _TEMPORARY:
                conn.exec_driver_sql(statement)
            conn.execute(insert(hits).from_select(["rowid", "score"], scored))
            conn.execute(insert(matched).from_select(list(found.selected_columns.keys()), found))
            groups = self._groups(conn, matched, request)
            total, facets = self._facets(conn, matched, request.facets)
        return Found(total, groups, facets)

    def _scored(self, expression: str, together: Sequence[str], access: str | None) -> Any:
        """Row ids and scores of the matching entries: from the index alone (no entry's
        stored text or columns are read, which at 100,000 pages is most of the cost)."""
        score: ColumnElement[float] = func.bm25(literal_column("search_entries"), *WEIGHTS)
        if together:
            # Entries holding the typed words side by side rank higher: all of them as
            # typed count twice, and each pair of neighbours typed that stands together
            # adds its share of another time.
            def holding(name: str, words: Sequence[str]) -> ColumnElement[bool]:
                phrase = f"folded : {_quoted(words)}"
                match = literal_column("search_entries").op("MATCH")(
                    bindparam(name, f"{phrase} AND {access}" if access else phrase)
                )
                inner = select(text("rowid")).select_from(text("search_entries")).where(match)
                return entries.c.rowid.in_(inner)

            pairs = list(itertools.pairwise(together))[:MAX_PAIRS]
            bonus: ColumnElement[float] = case(
                (holding("together", together), PHRASE_BONUS), else_=0.0
            )
            for n, pair in enumerate(pairs):
                share = PAIR_BONUS / len(pairs)
                bonus = bonus + case((holding(f"pair{n}", pair), share), else_=0.0)
            score = score * (1.0 + bonus)
        return select(entries.c.rowid, score.label("score")).where(
            literal_column("search_entries").op("MATCH")(bindparam("match", expression))
        )

    def _matched(self, flt: Filters, scope: Scope) -> Any:
        """The scored entries the user may open that pass the filters, with what groups,
        facets and hits need: the document from the row id, the rest by primary key."""
        year = cast(extract("year", dossiers.c.opened_on), String)
        signed = case(
            (documents.c.id.is_(None), None),
            else_=func.coalesce(document_versions.c.signature_count, 0) > 0,
        )
        is_dossier = hits.c.rowid < 0
        document_id = case((is_dossier, None), else_=hits.c.rowid.op(">>")(PAGE_BITS))
        conditions: list[ColumnElement[bool]] = [visible(scope)]
        if flt.unit_ids:
            conditions.append(dossiers.c.unit_id.in_(flt.unit_ids))
        if flt.case_types:
            conditions.append(dossiers.c.case_type.in_(flt.case_types))
        if flt.fields:
            conditions.append(dossiers.c.field.in_(flt.fields))
        if flt.stages:
            conditions.append(dossiers.c.stage.in_(flt.stages))
        if flt.years:
            conditions.append(year.in_([str(y) for y in flt.years]))
        if flt.opened_from:
            conditions.append(dossiers.c.opened_on >= flt.opened_from)
        if flt.opened_to:
            conditions.append(dossiers.c.opened_on <= flt.opened_to)
        if flt.kinds:
            conditions.append(documents.c.kind.in_(flt.kinds))
        if flt.signed is not None:
            conditions.append(signed if flt.signed else ~signed)
        source = (
            hits.outerjoin(documents, documents.c.id == document_id)
            .join(
                dossiers,
                dossiers.c.id == case((is_dossier, -hits.c.rowid), else_=documents.c.dossier_id),
            )
            .outerjoin(
                document_versions,
                and_(
                    document_versions.c.document_id == documents.c.id,
                    document_versions.c.version == documents.c.current_version,
                ),
            )
        )
        return (
            select(
                hits.c.rowid.label("rowid"),
                dossiers.c.id.label("dossier_id"),
                document_id.label("document_id"),
                case((is_dossier, 0), else_=hits.c.rowid.op("&")(MAX_PAGES)).label("page"),
                hits.c.score.label("score"),
                dossiers.c.opened_on.label("opened_on"),
                dossiers.c.unit_id.label("unit"),
                dossiers.c.case_type.label("case_type"),
                dossiers.c.field.label("field"),
                dossiers.c.stage.label("stage"),
                year.label("year"),
                documents.c.kind.label("kind"),
                signed.label("signed"),
            )
            .select_from(source)
            .where(*conditions)
        )

    def _groups(self, conn: Connection, matched: Any, request: SearchRequest) -> tuple[Group, ...]:
        best = func.min(matched.c.score).label("best")
        page = select(matched.c.dossier_id, best, func.max(matched.c.opened_on).label("opened"))
        page = page.group_by(matched.c.dossier_id)
        if request.sort is Sort.NEWEST:
            page = page.order_by(literal_column("opened").desc(), best, matched.c.dossier_id)
        elif request.sort is Sort.OLDEST:
            page = page.order_by(literal_column("opened"), best, matched.c.dossier_id)
        else:
            page = page.order_by(best, matched.c.dossier_id)
        rows = conn.execute(page.limit(request.limit).offset(request.offset)).all()
        if not rows:
            return ()
        ids = [int(r.dossier_id) for r in rows]
        if request.hits_per_dossier <= 0:
            return tuple(Group(int(r.dossier_id), -float(r.best), ()) for r in rows)
        ranked = (
            select(
                matched.c.rowid,
                matched.c.dossier_id,
                matched.c.document_id,
                matched.c.page,
                func.row_number()
                .over(
                    partition_by=matched.c.dossier_id,
                    order_by=(matched.c.score, matched.c.rowid),
                )
                .label("n"),
            )
            .where(matched.c.dossier_id.in_(ids))
            .subquery()
        )
        chosen = conn.execute(
            select(ranked)
            .where(ranked.c.n <= request.hits_per_dossier)
            .order_by(ranked.c.dossier_id, ranked.c.n)
        ).all()
        # Each page's text by its row id: one lookup each (a join would scan the index).
        texts = {
            int(h.rowid): str(
                conn.execute(
                    text("SELECT text FROM search_entries WHERE rowid = :r"), {"r": h.rowid}
                ).scalar_one()
            )
            for h in chosen
        }
        by_dossier: dict[int, list[Hit]] = {i: [] for i in ids}
        for h in chosen:
            by_dossier[int(h.dossier_id)].append(
                Hit(
                    document_id=None if h.document_id is None else int(h.document_id),
                    dossier_id=int(h.dossier_id),
                    page=int(h.page),
                    text=texts[int(h.rowid)],
                )
            )
        return tuple(
            Group(int(r.dossier_id), -float(r.best), tuple(by_dossier[int(r.dossier_id)]))
            for r in rows
        )

    def _facets(
        self, conn: Connection, matched: Any, wanted: bool
    ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        count = func.count(matched.c.dossier_id.distinct())
        parts = [
            select(literal("_total").label("facet"), literal("").label("value"), count.label("n"))
        ]
        if wanted:
            for name in FACETS:
                col = matched.c[name]
                parts.append(
                    select(
                        literal(name).label("facet"),
                        cast(col, String).label("value"),
                        count.label("n"),
                    )
                    .where(col.is_not(None))
                    .group_by(col)
                )
        total = 0
        facets: dict[str, list[tuple[str, int]]] = {}
        for r in conn.execute(union_all(*parts)):
            if r.facet == "_total":
                total = int(r.n)
            else:
                value = str(r.value)
                if r.facet == "signed":
                    value = "true" if value in ("1", "True", "true") else "false"
                facets.setdefault(str(r.facet), []).append((value, int(r.n)))
        for values in facets.values():
            values.sort(key=lambda item: (-item[1], item[0]))
        return total, facets
