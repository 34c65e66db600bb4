"""Search latency under load: p50/p95 of GET /api/search with 20 concurrent clients, asked
as an official (not an administrator: access is part of every query), at 100k pages on
FTS5 and 1M pages on Elasticsearch.

    .venv/bin/python bench/search_latency.py --backend embedded --pages 100000
    .venv/bin/python bench/search_latency.py --backend scaled --pages 1000000

The index is filled straight through the indexer for scale: dossier and document rows go
into the metadata store in bulk, and their entries (built by ``indexer.entries`` from page
texts made of sentences of the demo generator's documents, with names, numbers and dates
varied so no two pages are alike) are written by the backend's own writer in batches —
no PDFs are stored. Then the real API server (``archive serve --no-worker``) answers the
clients, each asking a mix of queries (names, two- and three-word phrases, decision
numbers, dates, words without diacritics, a word with a typo, a query with no answer) for
``--seconds``. Printed: queries, errors, queries/s, p50, p95, max, and the time the fill took.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import httpx
from benchlib import (
    ApiServer,
    CpuUse,
    bare_http_server,
    bench_archive,
    named_processes,
    percentile,
    process_tree,
)
from sqlalchemy import insert

from archive.demo.dataset import UNITS as DEMO_UNITS
from archive.demo.dataset import build_dataset
from archive.demo.pdfs import render_document
from archive.domain.roles import Role
from archive.metadata.schema import documents, dossiers
from archive.services import accounts
from archive.services.context import Archive
from archive.settings import Settings
from indexer.elastic import ElasticIndex, _source
from indexer.entries import (
    DocumentFields,
    DossierFields,
    Entry,
    document_entries,
    dossier_entry,
    page_key,
)
from indexer.extraction import TextReader
from indexer.fts5 import Fts5Index, _rowid, access_tokens
from indexer.opening import Search

PASSWORD = "mat-khau-do-tim-kiem"
UNIT_COUNT = 8
PAGES_PER_DOCUMENT = 5
DOCUMENTS_PER_DOSSIER = 4
SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
)
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu")
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vân",
    "Yến",
)


@dataclass
class Pool:
    sentences: list[str]
    phrases: list[str]


def source_sentences(count: int = 60) -> Pool:
    """Sentences of real-looking documents, read back from rendered demo PDFs."""
    import tempfile

    dataset = build_dataset(seed=3, dossiers=count)
    units = {u.code: u for u in DEMO_UNITS}
    sentences: list[str] = []
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        reader = TextReader(memory_mb=1536, seconds=120, work_dir=Path(folder))
        try:
            for n, dossier in enumerate(dataset.dossiers):
                unit = units[dossier.unit_code]
                for m, doc in enumerate(dossier.documents):
                    path = Path(folder) / f"{n}-{m}.pdf"
                    data = render_document(
                        doc, agency=unit.letterhead_agency, unit_name=unit.letterhead_name
                    )
                    path.write_bytes(data)
                    for page in reader.read_file(path).pages:
                        sentences += [
                            s.strip()
                            for s in re.split(r"(?<=[.;:])\s+", page)
                            if len(s.strip()) > 30
                        ]
                    path.unlink()
        finally:
            reader.close()
    unique = sorted(set(sentences))
    phrases = []
    for s in unique:
        words = re.findall(r"[^\W\d_]+", s)
        if len(words) >= 6:
            phrases.append(" ".join(words[2:5]))
    return Pool(unique, phrases)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


_BODIES: list[Entry] = []


def pool_page(
    pool: Pool,
    rng: random.Random,
    dossier_id: int,
    document_id: int,
    page: int,
    number: str,
    on: date,
) -> Entry:
    """A page: one of 3,000 bodies of generator sentences (their words cut once) and a
    line of its own (a name, the document's number, a date), as ``document_entries`` would
    make it — words never run across the line break, so the terms simply join."""
    if not _BODIES:
        for n in range(3000):
            text = "\n".join(rng.choice(pool.sentences) for _ in range(14))
            _BODIES.extend(
                document_entries(0, DocumentFields(n, 1, "", "", False, None), [], [text])[1:]
            )
    body = rng.choice(_BODIES)
    line = (
        f"Ông (bà) {_name(rng)} đã ký biên bản số {number}. "
        f"Phủ Lý, ngày {on.day} tháng {on.month} năm {on.year}."
    )
    own = document_entries(0, DocumentFields(0, 1, "", "", False, None), [], [line])[1]
    return Entry(
        key=page_key(document_id, page),
        dossier_id=dossier_id,
        document_id=document_id,
        page=page,
        text=body.text + "\n" + own.text,
        exact=body.exact + " " + own.exact,
        folded=body.folded + " " + own.folded,
        dates=(body.dates + " " + own.dates).strip(),
    )


def fill(settings: Settings, pages: int, pool: Pool, seed: int) -> dict[str, Any]:
    """Units, an official, dossiers and documents in bulk, and their entries in the index."""
    rng = random.Random(seed)
    archive = Archive.open(settings)
    search = Search.open(archive)
    index = search.prepared()
    try:
        root = accounts.create_unit(archive, "ubnd", "UBND thành phố", None, by=None)
        unit_ids = [root.id] + [
            accounts.create_unit(archive, f"phong{n}", f"Phòng {n}", "ubnd", by=None).id
            for n in range(1, UNIT_COUNT)
        ]
        # The official asks; the administrator (no access condition in the query) compares.
        people = [("chuyenvien", "Chuyên viên", Role.OFFICIAL, "phong1")]
        people.append(("quantri", "Quản trị", Role.ADMIN, "ubnd"))
        official, _admin = (
            accounts.create_user(
                archive,
                username=username,
                full_name=full_name,
                password=PASSWORD,
                role=role,
                unit_code=unit_code,
                by=None,
            )
            for username, full_name, role, unit_code in people
        )
        per_dossier = PAGES_PER_DOCUMENT * DOCUMENTS_PER_DOSSIER
        dossier_count = max(1, pages // per_dossier)
        started = time.monotonic()
        numbers: list[str] = []
        names: list[str] = []
        now = datetime.now(UTC)
        batch_dossiers = 500
        for first in range(0, dossier_count, batch_dossiers):
            rows, doc_rows, built = [], [], []
            for d in range(first, min(dossier_count, first + batch_dossiers)):
                dossier_id = d + 1
                unit = unit_ids[1 + d % (UNIT_COUNT - 1)]
                opened = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
                party = _name(rng)
                names.append(party)
                title = f"Xử lý vi phạm hành chính đối với {party}"
                rows.append(
                    {
                        "id": dossier_id,
                        "code": f"XLVPHC-{opened.year}-{dossier_id:06d}",
                        "title": title,
                        "case_type": "xlvphc",
                        "case_type_version": 1,
                        "unit_id": unit,
                        "field": rng.choice(("xay_dung", "dat_dai", "moi_truong")),
                        "stage": rng.choice(("lap_bien_ban", "ra_quyet_dinh", "ket_thuc")),
                        "retention": "20",
                        "opened_on": opened,
                        "closed_on": None,
                        "parties": [{"role": "violator", "kind": "individual", "name": party}],
                        "custom": {},
                        "created_by": official.id,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                fields = DossierFields(
                    dossier_id,
                    rows[-1]["code"],
                    title,
                    unit,
                    (),
                    opened,
                    "xlvphc",
                    rows[-1]["field"],
                    rows[-1]["stage"],
                )
                docs = []
                for k in range(DOCUMENTS_PER_DOSSIER):
                    document_id = d * DOCUMENTS_PER_DOSSIER + k + 1
                    number = f"{rng.randrange(1, 999)}/QĐ-XPHC"
                    numbers.append(number)
                    issued = opened + timedelta(days=k * 3)
                    doc_rows.append(
                        {
                            "id": document_id,
                            "dossier_id": dossier_id,
                            "position": k + 1,
                            "kind": "quyet_dinh_xu_phat" if k == 2 else "bien_ban_vi_pham",
                            "title": "Quyết định xử phạt" if k == 2 else "Biên bản vi phạm",
                            "number": number,
                            "issued_on": issued,
                            "issuer": None,
                            "current_version": 1,
                            "created_at": now,
                        }
                    )
                    doc = DocumentFields(
                        document_id, 1, doc_rows[-1]["kind"], doc_rows[-1]["title"], False, issued
                    )
                    details, *_ = document_entries(dossier_id, doc, [doc.title, number], [])
                    pages = [
                        pool_page(pool, rng, dossier_id, document_id, n, number, issued)
                        for n in range(1, PAGES_PER_DOCUMENT + 1)
                    ]
                    docs.append((doc, [details, *pages]))
                built.append((fields, dossier_entry(fields, rows[-1]["parties"], {}), docs))
            with archive.db.write() as conn:
                conn.execute(insert(dossiers), rows)
                conn.execute(insert(documents), doc_rows)
            _write(index, built)
            done = min(dossier_count, first + batch_dossiers) * per_dossier
            rate = done / (time.monotonic() - started)
            print(f"\r  filled {done:,} pages ({rate:,.0f} pages/s)", end="", flush=True)
        index.settle()
        print()
        return {
            "seconds": time.monotonic() - started,
            "pages": dossier_count * per_dossier,
            "numbers": numbers,
            "names": names,
        }
    finally:
        search.close()
        archive.close()


def _write(index: Any, built: list[Any]) -> None:
    if isinstance(index, ElasticIndex):
        lines: list[dict[str, Any]] = []
        for fields, entry, docs in built:
            lines += [{"index": {"_id": entry.key}}, _source(entry, fields, None)]
            for doc, entries in docs:
                for e in entries:
                    lines += [{"index": {"_id": e.key}}, _source(e, fields, doc)]
            if len(lines) > 4000:
                index._bulk(lines)
                lines = []
        index._bulk(lines)
        return
    assert isinstance(index, Fts5Index)
    with index.db.write() as conn:
        for fields, entry, docs in built:
            access = access_tokens(fields)
            index._insert(conn, -fields.dossier_id, entry, access)
            for doc, entries in docs:
                for e in entries:
                    index._insert(conn, _rowid(doc.document_id, e.page), e, access)


def queries(filled: dict[str, Any], pool: Pool, rng: random.Random, count: int = 400) -> list[str]:
    from indexer.folding import fold

    found = []
    for _ in range(count):
        kind = rng.randrange(8)
        if kind == 0:
            found.append(rng.choice(filled["names"]))
        elif kind == 1:
            found.append(rng.choice(pool.phrases))
        elif kind == 2:
            found.append(rng.choice(filled["numbers"]))
        elif kind == 3:
            found.append(fold(rng.choice(pool.phrases)).lower())
        elif kind == 4:
            on = date(2018, 1, 1) + timedelta(days=rng.randrange(3000))
            found.append(f"{on.day}/{on.month}/{on.year}")
        elif kind == 5:
            name = rng.choice(filled["names"]).split()
            name[-1] = name[-1][:-1] + "x" if len(name[-1]) > 3 else name[-1]
            found.append(" ".join(name))
        elif kind == 6:
            found.append(f'"{rng.choice(pool.phrases)}"')
        else:
            found.append(f"{rng.choice(SURNAMES)} Quỳnh Khuê Uyển")  # no answer
    return found


def load(
    base_url: str,
    asked: list[str],
    clients: int,
    seconds: float,
    path: str = "/api/search",
    sign_in: bool = True,
    username: str = "chuyenvien",
) -> tuple[list[float], int]:
    token = (
        httpx.post(
            f"{base_url}/api/auth/login",
            json={"username": username, "password": PASSWORD},
            timeout=30,
        ).json()["access_token"]
        if sign_in
        else "none"
    )
    return benchlib.load(
        base_url, token, lambda rng: (path, {"q": rng.choice(asked)}), clients, seconds
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", default="embedded", choices=("embedded", "scaled"))
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--admin",
        action="store_true",
        help="also ask the same queries as the administrator (no access condition)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the same clients on the cheapest signed-in call (GET /api/auth/me) "
        "and on a bare uvicorn app answering a small JSON: what any API call costs here",
    )
    args = parser.parse_args()
    print("== reading sentences from rendered demo documents", flush=True)
    pool = source_sentences()
    print(f"  {len(pool.sentences)} sentences, {len(pool.phrases)} phrases", flush=True)
    with bench_archive(args.backend, people=False) as settings:
        print(f"== {args.backend}: filling {args.pages:,} pages", flush=True)
        filled = fill(settings, args.pages, pool, args.seed)
        print(f"  {filled['pages']:,} pages in {filled['seconds']:.0f} s", flush=True)
        asked = queries(filled, pool, random.Random(args.seed))
        with ApiServer(settings) as server:
            load(server.base_url, asked[:20], 2, 3.0)  # warm-up
            # CPU per answer: the server (its threads), and on the scaled backend the
            # shared loopback servers (other work on them counts too).
            groups = {"server": process_tree(server.pid)}
            if args.backend == "scaled":
                groups["Elasticsearch"] = named_processes("java")
                groups["PostgreSQL"] = named_processes("postgres")

            def timed(what: str, *how: Any, **more: Any) -> None:
                with CpuUse(groups) as cpu:
                    answered = load(
                        server.base_url, asked, args.clients, args.seconds, *how, **more
                    )
                report(what, answered, args, cpu)

            timed("GET /api/search as an official")
            if args.admin:
                timed("GET /api/search as the administrator", username="quantri")
            if args.floor:
                timed("floor: GET /api/auth/me (signed in, one user read)", "/api/auth/me")
        if args.floor:
            with bare_http_server() as bare_url:
                answered = load(bare_url, asked, args.clients, args.seconds, "/json", sign_in=False)
            report("floor: bare uvicorn app, small JSON", answered, args, None)


def report(
    what: str, timed: tuple[list[float], int], args: argparse.Namespace, cpu: CpuUse | None
) -> None:
    latencies, errors = timed
    n = len(latencies)
    print(
        f"  {what}: {args.clients} clients, {args.seconds:.0f} s: {n} answers, "
        f"{errors} errors, {n / args.seconds:.1f} /s"
    )
    print(
        f"    latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms",
        flush=True,
    )
    if cpu is not None and n:
        print(f"    CPU: {cpu.per_item(n)}", flush=True)


if __name__ == "__main__":
    main()
