"""Search quality: recall@10 and nDCG@10 per class of query, on both backends.

    .venv/bin/python bench/search_quality.py [--dossiers 200] [--per-class 25]
        [--backend embedded scaled]

Loads a demo-generator corpus (realistic Vietnamese dossiers: records, decisions, receipts,
judgments, letters) into a fresh archive, indexes it through the real feed, then asks a
graded query set built from the corpus itself, in the classes the issue names. A dossier is
relevant when its text (every page as pypdfium2 reads it, plus its and its documents'
details) holds the query's words in that order, compared folded — judged by scanning the
whole corpus, independently of either engine. The twin classes (no diacritics, capitals,
NFD, old tone placement, typos) keep the relevance of the query they were made from. A
no-answer query scores 1 when the answer is empty, else 0. Results are asked as the
administrator (what access removes is tested elsewhere).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import math
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import bench_archive

from archive.demo import load as demo_load
from archive.demo.dataset import build_dataset
from archive.demo.load import load_demo
from archive.domain.roles import Role
from archive.metadata import accounts as account_rows
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.services.context import Archive
from archive.settings import Settings
from indexer.extraction import TextReader
from indexer.folding import fold, nfc, words
from indexer.indexing import Indexer
from indexer.ocr_tasks import ocr_document
from indexer.opening import Search
from indexer.searching import run
from indexer.synonyms import Synonyms
from indexer.tasks import feed

CLASSES = (
    "exact",
    "no_diacritics",
    "phrase",
    "decision_number",
    "person",
    "topic",
    "unit_year",
    "typo",
    "capitals",
    "nfd",
    "old_tone",
    "no_answer",
)
K = 10
SHOW_MISSES: set[str] = set()  # --show-misses: classes whose misses are printed
# Old and new tone placement: hoà/hòa, thuý/thúy, …
_OLD_TONE = {
    "òa": "oà",
    "óa": "oá",
    "ỏa": "oả",
    "õa": "oã",
    "ọa": "oạ",
    "òe": "oè",
    "óe": "oé",
    "ỏe": "oẻ",
    "õe": "oẽ",
    "ọe": "oẹ",
    "ùy": "uỳ",
    "úy": "uý",
    "ủy": "uỷ",
    "ũy": "uỹ",
    "ụy": "uỵ",
}
_TONE_SWAP = {**_OLD_TONE, **{v: k for k, v in _OLD_TONE.items()}}
_TONE_RE = re.compile("|".join(sorted(_TONE_SWAP, key=len, reverse=True)))
_UNIT_WORDS = ("Phòng Tư pháp", "Phòng Quản lý đô thị", "Đội Quản lý thị trường", "Công an")


@dataclass
class Query:
    cls: str
    text: str
    relevant: frozenset[Any]


@dataclass
class Corpus:
    """Each dossier's text as folded words, and its pages' texts (for phrases)."""

    folded: dict[int, str] = field(default_factory=dict)  # " w1 w2 … "
    pages: dict[int, list[str]] = field(default_factory=dict)
    numbers: dict[int, list[str]] = field(default_factory=dict)
    people: dict[int, list[str]] = field(default_factory=dict)

    def holding(self, phrase: str) -> frozenset[int]:
        wanted = " " + " ".join(fold(w) for w in words(nfc(phrase))) + " "
        return frozenset(d for d, text in self.folded.items() if wanted in text)

    def holding_all(self, parts: list[str]) -> frozenset[int]:
        found = [self.holding(p) for p in parts]
        return frozenset.intersection(*found) if found else frozenset()


def read_corpus(archive: Archive, reader: TextReader) -> Corpus:
    corpus = Corpus()
    with archive.db.read() as conn:
        ids = [
            d.id
            for d in dossier_rows.search(
                conn, _admin_scope(archive), dossier_rows.DossierFilter(), limit=100000, offset=0
            )[0]
        ]
        for dossier_id in ids:
            dossier = dossier_rows.get(conn, dossier_id, None)
            assert dossier is not None
            docs = document_rows.of_dossier(conn, dossier_id)
            parts = [dossier.code, dossier.title]
            parts += [p.name for p in dossier.parties] + [
                p.id_number or "" for p in dossier.parties
            ]
            parts += [str(v) for v in dossier.custom.values() if isinstance(v, str | int)]
            pages: list[str] = []
            for doc in docs:
                parts += [doc.title, doc.number or "", doc.issuer or ""]
                pages += list(reader.read_version(archive.store, doc.current).pages)
            text = "\n".join(parts + pages)
            corpus.folded[dossier_id] = " " + " ".join(fold(w) for w in words(text)) + " "
            corpus.pages[dossier_id] = pages
            corpus.numbers[dossier_id] = [d.number for d in docs if d.number and "/" in d.number]
            corpus.people[dossier_id] = [
                p.name for p in dossier.parties if p.kind.value == "individual"
            ]
    return corpus


def _admin_scope(archive: Archive):  # type: ignore[no-untyped-def]
    with archive.db.read() as conn:
        admin = next(u for u in account_rows.list_users(conn) if u.role is Role.ADMIN)
    return archive.actor(admin).scope


def _typo(word: str, rng: random.Random) -> str:
    letters = "abcdeghiklmnopqrstuvxy"
    i = rng.randrange(1, len(word))
    if rng.random() < 0.5:
        return word[:i] + word[i + 1 :]  # a letter missing
    return word[:i] + rng.choice([c for c in letters if c != word[i]]) + word[i + 1 :]


def build_queries(corpus: Corpus, synonyms: Synonyms, per_class: int, seed: int) -> list[Query]:
    rng = random.Random(seed)
    dossiers = sorted(corpus.folded)
    found: dict[str, list[Query]] = defaultdict(list)

    def add(cls: str, text: str, relevant: frozenset[int]) -> None:
        if len(found[cls]) < per_class and relevant is not None:
            found[cls].append(Query(cls, text, relevant))

    def phrases() -> Iterator[tuple[str, frozenset[int]]]:
        while True:
            dossier = rng.choice(dossiers)
            pages = [p for p in corpus.pages[dossier] if len(words(p)) > 20]
            if not pages:
                continue
            tokens = re.findall(r"[^\W\d_]+", rng.choice(pages))
            if len(tokens) < 6:
                continue
            start = rng.randrange(0, len(tokens) - 3)
            phrase = " ".join(tokens[start : start + 3])
            relevant = corpus.holding(phrase)
            if 0 < len(relevant) <= 15:  # specific enough to judge a top 10
                yield phrase, relevant

    for phrase, relevant in phrases():
        add("exact", phrase, relevant)
        add("no_diacritics", fold(phrase).lower(), relevant)
        add("phrase", f'"{phrase}"', relevant)
        add("nfd", unicodedata.normalize("NFD", phrase), relevant)
        if _TONE_RE.search(phrase.lower()):
            add("old_tone", _TONE_RE.sub(lambda m: _TONE_SWAP[m.group()], phrase.lower()), relevant)
        if all(len(found[c]) >= per_class for c in ("exact", "no_diacritics", "phrase", "nfd")):
            break
    # old tone placement needs words that carry it: take them from the pages
    tries = 0
    while len(found["old_tone"]) < per_class and tries < 20000:
        tries += 1
        dossier = rng.choice(dossiers)
        for page in corpus.pages[dossier]:
            tokens = re.findall(r"[^\W\d_]+", page)
            hits = [i for i, t in enumerate(tokens) if _TONE_RE.search(t.lower())]
            if not hits:
                continue
            i = rng.choice(hits)
            phrase = " ".join(tokens[max(0, i - 1) : i + 2])
            relevant = corpus.holding(phrase)
            if 0 < len(relevant) <= 15:
                add(
                    "old_tone",
                    _TONE_RE.sub(lambda m: _TONE_SWAP[m.group()], phrase.lower()),
                    relevant,
                )
            break
    numbered = [(d, n) for d in dossiers for n in corpus.numbers[d]]
    rng.shuffle(numbered)
    for _d, number in numbered:
        relevant = corpus.holding(number)
        variants = [number, fold(number).lower(), number.replace("/", " ").replace("-", " ")]
        add("decision_number", rng.choice(variants), relevant)
    named = [(d, n) for d in dossiers for n in corpus.people[d]]
    rng.shuffle(named)
    for _d, name in named:
        relevant = corpus.holding(name)
        if not 0 < len(relevant) <= 15:
            continue
        add("person", name, relevant)
        add("capitals", name.upper(), relevant)
        parts = name.split()
        long_words = [i for i, w in enumerate(parts) if len(fold(w)) >= 4]
        if long_words:
            i = rng.choice(long_words)
            typo = parts.copy()
            typo[i] = _typo(fold(parts[i]).lower(), rng)
            if not corpus.holding(" ".join(typo)):
                add("typo", " ".join(typo), relevant)
    for group in synonyms.groups:
        for term in group:
            relevant = frozenset().union(*(corpus.holding(t) for t in group))
            # the term asked for is not itself on every relevant dossier: synonyms must help
            if relevant and corpus.holding(term) != relevant and len(relevant) <= 40:
                add("topic", term, relevant)
    for unit in _UNIT_WORDS:
        for year in range(2019, 2027):
            relevant = corpus.holding_all([unit, str(year)])
            if 0 < len(relevant) <= 10:
                add("unit_year", f"{unit} {year}", relevant)
    surnames = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
    given = ("Quỳnh", "Khải", "Tường", "Diệp", "Nhã", "Thục", "Vỹ", "Uyên", "Lãm", "Khuê")
    topics = (
        "buôn bán vũ khí",
        "khai thác hải sản trái phép",
        "đánh bạc trực tuyến",
        "vé máy bay",
        "tàu cao tốc",
        "điện hạt nhân",
        "tiền mã hoá",
        "chứng khoán phái sinh",
    )
    while len(found["no_answer"]) < per_class:
        if rng.random() < 0.6:
            text = f"{rng.choice(surnames)} {rng.choice(given)} {rng.choice(given)}"
        else:
            text = rng.choice(topics)
        if not corpus.holding_all(text.split()):
            add("no_answer", text, frozenset())
        if len({q.text for q in found["no_answer"]}) < len(found["no_answer"]):
            found["no_answer"].pop()
    return [q for c in CLASSES for q in found[c]]


def ndcg(ranked: list[str], relevant: frozenset[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:K]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    return dcg / ideal if ideal else 0.0


def score(
    queries: list[Query], ask: Callable[[str], list[str]]
) -> dict[str, tuple[float, float, int]]:
    per: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for q in queries:
        ranked = ask(q.text)
        if not q.relevant:
            ok = 1.0 if not ranked else 0.0
            per[q.cls].append((ok, ok))
            if q.cls in SHOW_MISSES and ranked:
                print(f"    answered ({q.cls}) {q.text!r}: {ranked}")
            continue
        hit = len(set(ranked[:K]) & q.relevant) / min(K, len(q.relevant))
        per[q.cls].append((hit, ndcg(ranked, q.relevant)))
        if q.cls in SHOW_MISSES and hit < 1:
            print(
                f"    missed ({q.cls}) {q.text!r}: {len(q.relevant)} relevant "
                f"{sorted(q.relevant)[:4]}, answered {ranked}"
            )
    return {
        c: (sum(r for r, _ in v) / len(v), sum(n for _, n in v) / len(v), len(v))
        for c, v in per.items()
    }


def measure(
    backend: str, dossiers: int, per_class: int, seed: int, queries: list[Query] | None = None
) -> tuple[dict[str, tuple[float, float, int]], list[Query]]:
    """Scores per class on a fresh archive of ``backend``, and the queries asked (with the
    relevant dossiers by code). Given ``queries`` (made on the born-digital corpus), the
    corpus is loaded as scans instead, OCR'd through the real OCR job, and asked those."""
    with bench_archive(backend, people=False) as settings:
        return _measure(settings, dossiers, per_class, seed, queries)


def _measure(
    settings: Settings,
    dossiers: int,
    per_class: int,
    seed: int,
    queries: list[Query] | None,
) -> tuple[dict[str, tuple[float, float, int]], list[Query]]:
    archive = Archive.open(settings)
    search = Search.open(archive)
    reader = TextReader(memory_mb=1536, seconds=120, work_dir=settings.data_dir / "ix")
    scanned = queries is not None
    asked: list[tuple[int, int]] = []
    try:
        started = time.monotonic()
        dataset = build_dataset(seed=seed, dossiers=dossiers)
        if scanned:
            with as_scans():
                load_demo(archive, dataset=dataset, progress=lambda _: None)
        else:
            load_demo(archive, dataset=dataset, progress=lambda _: None)
        indexer = Indexer(archive, search.prepared(), reader, ocr=lambda *a: asked.append(a))
        while feed(indexer, "bench", budget=600):
            pass
        if scanned:
            print(f"  loaded as scans in {time.monotonic() - started:.0f} s", flush=True)
            ocr_all(archive, indexer, asked)
        print(f"  loaded and indexed in {time.monotonic() - started:.0f} s", flush=True)
        codes = dossier_codes(archive)
        if queries is None:
            corpus = read_corpus(archive, reader)
            made = build_queries(corpus, search.synonyms, per_class, seed)
            queries = [Query(q.cls, q.text, frozenset(codes[d] for d in q.relevant)) for q in made]
        with archive.db.read() as conn:
            admin = next(u for u in account_rows.list_users(conn) if u.role is Role.ADMIN)
        actor = archive.actor(admin)

        def ask(text: str) -> list[str]:
            answer = run(search, actor, text, limit=K, facets=False)
            return [codes[g.dossier_id] for g in answer.groups]

        return score(queries, ask), queries
    finally:
        reader.close()
        search.close()
        archive.close()


def dossier_codes(archive: Archive) -> dict[int, str]:
    with archive.db.read() as conn:
        found = dossier_rows.search(
            conn, _admin_scope(archive), dossier_rows.DossierFilter(), limit=100000, offset=0
        )[0]
    return {d.id: d.code for d in found}


@contextmanager
def as_scans() -> Iterator[None]:
    """The demo's documents rendered, then printed and scanned: every page rasterised by
    pdftoppm at 200 dpi in grey, turned a little, sprinkled with noise and put back into a
    PDF as a JPEG with no text layer (as ``tests/support/scans.py`` makes its pages)."""
    real = demo_load.render_document  # type: ignore[attr-defined]

    def scanned(*args: Any, **kwargs: Any) -> bytes:
        return scan_pdf(real(*args, **kwargs))

    setattr(demo_load, "render_document", scanned)  # noqa: B010
    try:
        yield
    finally:
        setattr(demo_load, "render_document", real)  # noqa: B010


def scan_pdf(data: bytes, dpi: int = 200) -> bytes:
    from PIL import Image, ImageChops

    rng = random.Random(hashlib.sha256(data).digest())
    scans = []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "typed.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", f"{folder}/typed.pdf", f"{folder}/p"],
            check=True,
            timeout=300,
        )
        for name in sorted(Path(folder).glob("p*.pgm"), key=lambda p: int(p.stem.split("-")[-1])):
            with Image.open(name) as raw:
                image = raw.convert("L")
            image = image.rotate(
                rng.uniform(-0.6, 0.6), resample=Image.Resampling.BICUBIC, fillcolor=255
            )
            grain = Image.effect_noise(image.size, 10.0)
            scans.append(ImageChops.add(image, grain, scale=1.0, offset=-128))
    out = io.BytesIO()
    # Pillow stores each grey page as a JPEG (DCTDecode) image, one page each, no text.
    scans[0].save(
        out, "PDF", resolution=float(dpi), save_all=True, append_images=scans[1:], quality=85
    )
    return out.getvalue()


def ocr_all(archive: Archive, indexer: Indexer, asked: list[tuple[int, int]]) -> None:
    """Each version the feed sent to OCR, through the OCR job itself (two at a time: two
    cores), then indexed again with its text."""
    started = time.monotonic()
    pages = 0

    def one(item: tuple[int, int]) -> int:
        done = ocr_document(archive, *item)
        return len(done.get("pages", []))  # type: ignore[arg-type]

    with ThreadPoolExecutor(2) as pool:
        for n, read in enumerate(pool.map(one, dict.fromkeys(asked)), 1):
            pages += read
            if n % 20 == 0:
                print(f"    OCR: {n}/{len(asked)} documents, {pages} pages", flush=True)
    seconds = time.monotonic() - started
    print(
        f"  OCR: {len(asked)} documents, {pages} pages in {seconds:.0f} s "
        f"({pages / seconds * 60:.0f} pages/min)",
        flush=True,
    )
    for document_id, _version in dict.fromkeys(asked):
        indexer.document(document_id)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--per-class", type=int, default=25)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--backend", nargs="+", default=["embedded", "scaled"])
    parser.add_argument(
        "--scanned",
        action="store_true",
        help="also load the same corpus as scans, OCR it and ask the same queries",
    )
    parser.add_argument("--show-misses", nargs="*", default=[], choices=CLASSES)
    args = parser.parse_args()
    SHOW_MISSES.update(args.show_misses)
    for backend in args.backend:
        print(
            f"== {backend}: {args.dossiers} dossiers, up to {args.per_class} queries per class",
            flush=True,
        )
        scores, queries = measure(backend, args.dossiers, args.per_class, args.seed)
        twin = None
        if args.scanned:
            print(f"== {backend}, the same corpus scanned and OCR'd", flush=True)
            twin, _ = measure(backend, args.dossiers, args.per_class, args.seed, queries)
        head = f"  {'class':<16} {'queries':>7} {'recall@10':>10} {'nDCG@10':>8}"
        print(head + (f" {'scanned recall':>15} {'scanned nDCG':>13}" if twin else ""))
        totals: list[list[float]] = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
        for cls in CLASSES:
            if cls not in scores:
                print(f"  {cls:<16} {0:>7} {'—':>10} {'—':>8}")
                continue
            line = f"  {cls:<16} {scores[cls][2]:>7}"
            for n, found in enumerate((scores, twin) if twin else (scores,)):
                recall, gain, count = found[cls]
                totals[n][0] += recall * count
                totals[n][1] += gain * count
                totals[n][2] += count
                width = (10, 8) if n == 0 else (15, 13)
                line += f" {recall:>{width[0]}.3f} {gain:>{width[1]}.3f}"
            print(line)
        line = f"  {'overall':<16} {int(totals[0][2]):>7}"
        for n in range(2 if twin else 1):
            width = (10, 8) if n == 0 else (15, 13)
            asked = totals[n][2] or 1.0
            line += f" {totals[n][0] / asked:>{width[0]}.3f} {totals[n][1] / asked:>{width[1]}.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
