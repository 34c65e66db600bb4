"""Pages/s of each PDF text engine on the same generated corpus, and how far each agrees
with pypdfium2.

    .venv/bin/python bench/text_engines.py [--dossiers 100] [--seed 7]

Renders every document of ``--dossiers`` demo-generator dossiers (realistic Vietnamese
papers, 1–3 pages, headed with their unit's letterhead) plus, for every fourth dossier, one
of its documents again at 5–20 pages (the renderer pads it with the filler text the paper
takes), into a temporary folder under ``/var/tmp``; rendering is not timed. Then reads every
file with each engine in this one process, one after the other:

- pypdfium2: ``get_textpage().get_text_range()`` per page;
- pdfplumber: ``page.extract_text()`` per page;
- poppler's ``pdftotext`` (``-enc UTF-8``, no ``-layout``): one subprocess per file, pages
  split at form feeds;
- the archive's own path: ``indexer.extraction.TextReader.read_file``, the same pypdfium2 in
  a contained process (memory limit, JSON over a pipe, NFC inside), started before the clock.

Each engine reads one file untimed first (imports, the reading process). Prints pages/s,
the CPU used per page (this process and its children) and, after NFC, the agreement with
pypdfium2: the share of pages whose word sequence (text split at white space) is identical,
the share with the same words in any order (reading order aside), and the share of words
in common (per page, the multiset of words both hold, over the larger of the two counts,
summed over the corpus). The folder is removed at the end.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import CpuUse, process_tree

from archive.demo.dataset import UNITS, DemoDocument, DemoDossier, build_dataset
from archive.demo.pdfs import render_document
from indexer.extraction import TextReader

LONG_EVERY = 4  # every fourth dossier gets one long document
LONG_PAGES = (5, 20)


@dataclass(frozen=True)
class CorpusFile:
    dossier: DemoDossier
    document: DemoDocument  # as rendered (``pages`` is the page count)
    path: Path
    long: bool = False


def render_corpus(folder: Path, dossiers: int, seed: int) -> list[CorpusFile]:
    """Every document of ``dossiers`` demo dossiers as PDFs in ``folder``, plus a 5–20 page
    version of one document of every fourth dossier (one with filler text if it has one)."""
    rng = random.Random(seed)
    files: list[CorpusFile] = []
    dataset = build_dataset(seed=seed, dossiers=dossiers)
    for d_index, dossier in enumerate(dataset.dossiers):
        unit = next(u for u in UNITS if u.code == dossier.unit_code)
        todo = [(doc, False) for doc in dossier.documents]
        if d_index % LONG_EVERY == 0 and dossier.documents:
            padded = [doc for doc in dossier.documents if doc.filler] or list(dossier.documents)
            todo.append(
                (dataclasses.replace(rng.choice(padded), pages=rng.randint(*LONG_PAGES)), True)
            )
        for doc_index, (doc, long) in enumerate(todo, 1):
            data = render_document(
                doc, agency=unit.letterhead_agency, unit_name=unit.letterhead_name
            )
            path = folder / f"{d_index + 1:04d}-{doc_index:02d}.pdf"
            path.write_bytes(data)
            files.append(CorpusFile(dossier, doc, path, long))
    return files


# ------------------------------------------------------------------------- the engines


def read_pypdfium2(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        texts = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        pdf.close()


def read_pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def read_pdftotext(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-q", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page, the last one too, with a form feed
    return pages


def archive_reader(work_dir: Path) -> tuple[Callable[[Path], list[str]], TextReader]:
    reader = TextReader(memory_mb=1536, seconds=120, work_dir=work_dir)
    return (lambda path: list(reader.read_file(path).pages)), reader


@dataclass
class Result:
    name: str
    pages: int
    seconds: float
    cpu: float
    texts: list[list[str]]


def time_engine(name: str, read: Callable[[Path], list[str]], files: list[CorpusFile]) -> Result:
    read(files[0].path)  # imports, a reading process: not timed
    texts: list[list[str]] = []
    with CpuUse({"process": process_tree(os.getpid())}, own=False) as cpu:
        began = time.perf_counter()
        for item in files:
            texts.append(read(item.path))
        seconds = time.perf_counter() - began
    return Result(name, sum(len(t) for t in texts), seconds, sum(cpu.used.values()), texts)


def page_words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def agreement(reference: list[list[str]], other: list[list[str]]) -> tuple[float, float, float]:
    """(share of pages with the same word sequence, share of pages with the same words in any
    order, share of words in common)."""
    same = same_bag = pages = common = larger = 0
    for ref_pages, other_pages in zip(reference, other, strict=True):
        for index in range(max(len(ref_pages), len(other_pages))):
            a = page_words(ref_pages[index]) if index < len(ref_pages) else []
            b = page_words(other_pages[index]) if index < len(other_pages) else []
            pages += 1
            same += a == b
            same_bag += Counter(a) == Counter(b)
            common += sum((Counter(a) & Counter(b)).values())
            larger += max(len(a), len(b))
    return same / pages, same_bag / pages, (common / larger if larger else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dossiers", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="text-engines-", dir="/var/tmp"))
    try:
        began = time.perf_counter()
        files = render_corpus(folder, args.dossiers, args.seed)
        pages = sum(f.document.pages for f in files)
        long = [f for f in files if f.long]
        megabytes = sum(f.path.stat().st_size for f in files) / 1024 / 1024
        print(
            f"corpus: {args.dossiers} dossiers (seed {args.seed}), {len(files)} PDFs, "
            f"{pages} pages ({len(long)} long documents, {sum(f.document.pages for f in long)} "
            f"pages), {megabytes:.1f} MiB; rendered in {time.perf_counter() - began:.0f} s "
            "(not timed)",
            flush=True,
        )
        read_archive, reader = archive_reader(folder / "work")
        engines: list[tuple[str, Callable[[Path], list[str]]]] = [
            ("pypdfium2 (in process)", read_pypdfium2),
            ("archive TextReader (contained)", read_archive),
            ("pdftotext (1 subprocess/file)", read_pdftotext),
            ("pdfplumber", read_pdfplumber),
        ]
        results: list[Result] = []
        try:
            for name, read in engines:
                results.append(time_engine(name, read, files))
                r = results[-1]
                print(f"  {name}: {r.pages} pages in {r.seconds:.2f} s", flush=True)
        finally:
            reader.close()
        reference = results[0]
        print(
            f"\n{'engine':<32} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'CPU ms/page':>12} "
            f"{'same pages':>11} {'any order':>10} {'words in common':>16}"
        )
        for r in results:
            same, same_bag, common = agreement(reference.texts, r.texts)
            print(
                f"{r.name:<32} {r.pages:>6} {r.seconds:>8.2f} {r.pages / r.seconds:>8.1f} "
                f"{r.cpu / r.pages * 1000:>12.2f} {same:>10.1%} {same_bag:>9.1%} {common:>15.2%}"
            )
        print(
            f"\ncontainment: the archive's reader runs at "
            f"{results[1].pages / results[1].seconds / (reference.pages / reference.seconds):.2f}"
            " of pypdfium2 in process"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
