"""How often :func:`indexer.page_metadata.read_metadata` reads each field right, and how fast.

    .venv/bin/python bench/page_metadata.py [--min-docs 240] [--per-kind 6] [--cap 15] [--long 20]

Builds a corpus with the demo generator (``archive.demo.dataset.build_dataset`` over
successive seeds, rendered by ``archive.demo.pdfs.render_document`` with the dossier unit's
letterhead, as ``archive demo load`` does) until it holds ``--min-docs`` documents and at
least ``--per-kind`` of every document kind; adds ``--long`` copies re-rendered at 5 to 20
pages (the generator pads them). The ground truth is the generator's own input: the
letterhead lines, ``number``, ``place``, ``issued_on``, ``title`` (split after its leading
type name, by a table of this bench), and the right-hand signer of ``signers``.

Scores three layouts apart:

* ``decree30``: papers of an agency or a court with a letterhead (Decree 30/2020 layout);
* ``receipt``: the treasury's receipt (biên lai thu tiền phạt) — a financial form of its own
  under the Ministry of Finance's rules, not a Decree 30 document, although the demo prints
  it with a Decree 30 letterhead;
* ``private``: a citizen's or company's paper (đơn, văn bản giải trình): centred motto, no
  letterhead and no number, outside Decree 30's scope.

Prints per-field accuracy and the "all fields right" rate per layout, the all-right rate per
document kind, the first mismatches, and the reading speed (files/s, ms per file, pages of
the files per second) measured on one core with the files in the page cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.demo.dataset import UNITS, DemoDocument, build_dataset  # noqa: E402
from archive.demo.pdfs import render_document  # noqa: E402
from indexer.page_metadata import PageMetadata, read_metadata  # noqa: E402

FIELDS = (
    "issuer",
    "number",
    "place",
    "issued_on",
    "doc_type",
    "summary",
    "signer_title",
    "signer_name",
)

#: How the generator's titles begin -> the document type they name (this bench's own table).
TITLE_TYPES = {
    "Biên bản": "BIÊN BẢN",
    "Biên lai": "BIÊN LAI",
    "Báo cáo": "BÁO CÁO",
    "Bản án": "BẢN ÁN",
    "Bản ảnh": "BẢN ẢNH",
    "Giấy xác nhận": "GIẤY XÁC NHẬN",
    "Kế hoạch": "KẾ HOẠCH",
    "Phiếu đề xuất": "PHIẾU ĐỀ XUẤT",
    "Quyết định": "QUYẾT ĐỊNH",
    "Thông báo": "THÔNG BÁO",
    "Văn bản": "VĂN BẢN",
    "Đơn": "ĐƠN",
}

UNIT_BY_CODE = {u.code: u for u in UNITS}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclasses.dataclass(frozen=True)
class Sample:
    path: Path
    kind: str
    layout: str
    pages: int
    truth: PageMetadata


def layout_of(doc: DemoDocument) -> str:
    if doc.letterhead == ():
        return "private"
    if doc.kind == "bien_lai_nop_phat":
        return "receipt"
    return "decree30"


def truth_of(doc: DemoDocument, agency: str, unit_name: str) -> PageMetadata:
    """What the page should say, from the generator's inputs."""
    issuer: str | None = None
    if doc.letterhead != ():
        if doc.letterhead is not None:
            agency, unit_name = (*doc.letterhead, "", "")[:2]
        agency, unit_name = nfc(agency).upper(), nfc(unit_name).upper()
        if agency.replace("\n", " ") == unit_name.replace("\n", " "):
            agency = ""
        lines = [line.strip() for line in f"{agency}\n{unit_name}".split("\n") if line.strip()]
        issuer = "\n".join(lines) or None
    title = nfc(doc.title)
    doc_type: str | None = None
    summary: str | None = title
    for start, name in TITLE_TYPES.items():
        if title.startswith(start + " ") or title == start:
            doc_type = name
            rest = title[len(start) :].strip()
            summary = (rest[:1].upper() + rest[1:]) or None
            break
    signer_title, signer_name = (doc.signers or (("", doc.issuer),))[-1]
    title_lines = [line.strip() for line in nfc(signer_title).split("\n") if line.strip()]
    return PageMetadata(
        issuer=issuer,
        number=(doc.number or None) if doc.letterhead != () else None,
        place=nfc(doc.place),
        issued_on=doc.issued_on,
        doc_type=doc_type,
        summary=summary,
        signer_title="\n".join(title_lines) or None,
        signer_name=nfc(signer_name) or None,
    )


def documents(min_docs: int, per_kind: int, cap: int) -> Iterator[tuple[DemoDocument, str, str]]:
    """(document, agency, unit name) over seeds 1, 2, …: at most ``cap`` of a kind, until the
    corpus holds ``min_docs`` documents and ``per_kind`` of every kind (or 30 seeds ran)."""
    count: Counter[str] = Counter()
    for seed in range(1, 31):
        for dossier in build_dataset(seed, 40).dossiers:
            unit = UNIT_BY_CODE[dossier.unit_code]
            for doc in dossier.documents:
                if count[doc.kind] < cap:
                    count[doc.kind] += 1
                    yield doc, unit.letterhead_agency, unit.letterhead_name
        if sum(count.values()) >= min_docs and min(count.values()) >= per_kind:
            return


def build_corpus(folder: Path, min_docs: int, per_kind: int, cap: int, long: int) -> list[Sample]:
    samples: list[Sample] = []
    longs = 0
    for doc, agency, unit_name in documents(min_docs, per_kind, cap):
        variants = [doc]
        if longs < long and len(samples) % 7 == 3:
            pages = 20 if longs % 2 == 0 else 5 + longs % 10
            variants.append(dataclasses.replace(doc, pages=pages))
        for variant in variants:
            try:
                data = render_document(variant, agency=agency, unit_name=unit_name)
            except ValueError:
                continue
            if variant is not doc:
                longs += 1
            path = folder / f"{len(samples):04d}-{variant.kind}.pdf"
            path.write_bytes(data)
            samples.append(
                Sample(
                    path,
                    variant.kind,
                    layout_of(variant),
                    variant.pages,
                    truth_of(variant, agency, unit_name),
                )
            )
    return samples


def show(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--min-docs", type=int, default=240)
    parser.add_argument("--per-kind", type=int, default=6)
    parser.add_argument("--cap", type=int, default=15, help="at most this many of a kind")
    parser.add_argument("--long", type=int, default=20, help="extra copies at 5-20 pages")
    parser.add_argument("--show", type=int, default=10, help="mismatches to print")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="page-metadata-bench-") as tmp:
        started = time.perf_counter()
        samples = build_corpus(Path(tmp), args.min_docs, args.per_kind, args.cap, args.long)
        built = time.perf_counter() - started
        for sample in samples:  # into the page cache before timing
            sample.path.read_bytes()
        results: list[tuple[Sample, PageMetadata, float]] = []
        for sample in samples:
            t0 = time.perf_counter()
            got = read_metadata(sample.path)
            results.append((sample, got, time.perf_counter() - t0))

    kinds = sorted({s.kind for s in samples})
    print(
        f"corpus: {len(samples)} PDFs, {sum(s.pages for s in samples)} pages, "
        f"{len(kinds)} kinds, generated in {built:.1f} s"
    )
    right: dict[str, Counter[str]] = defaultdict(Counter)
    seen: Counter[str] = Counter()
    kind_all: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    for sample, got, _ in results:
        seen[sample.layout] += 1
        ok_all = True
        for field in FIELDS:
            want, have = getattr(sample.truth, field), getattr(got, field)
            if want == have:
                right[sample.layout][field] += 1
            else:
                ok_all = False
                misses.append(
                    f"  {sample.layout:8s} {sample.kind:22s} p={sample.pages:2d} {field}: "
                    f"want {show(want)} got {show(have)}"
                )
        right[sample.layout]["ALL"] += ok_all
        kind_all[sample.kind][0] += ok_all
        kind_all[sample.kind][1] += 1

    print("\nper-field accuracy (right/total) by layout:")
    header = f"  {'field':14s}" + "".join(f"{layout:>20s}" for layout in sorted(seen))
    print(header)
    for field in (*FIELDS, "ALL"):
        cells = "".join(
            f"{right[layout][field]:>8d}/{seen[layout]:<4d}"
            f"{100 * right[layout][field] / seen[layout]:6.1f}%"
            for layout in sorted(seen)
        )
        print(f"  {field:14s}{cells}")
    print("\nall fields right, by kind:")
    for kind in kinds:
        ok, total = kind_all[kind]
        layout = next(s.layout for s in samples if s.kind == kind)
        print(f"  {kind:24s} {layout:9s} {ok:4d}/{total:<4d}")
    print(f"\nmismatches: {len(misses)} (first {args.show})")
    for line in misses[: args.show]:
        print(line)

    times = [t for _, _, t in results]
    pages = sum(s.pages for s in samples)
    print(
        f"\nspeed: {len(times) / sum(times):.1f} files/s, {pages / sum(times):.1f} pages/s "
        f"(pages of the files read; only the first and last page are parsed), "
        f"p50 {1000 * statistics.median(times):.1f} ms, "
        f"p95 {1000 * statistics.quantiles(times, n=20)[-1]:.1f} ms, "
        f"max {1000 * max(times):.1f} ms per file"
    )
    long_times = [t for s, _, t in results if s.pages == 20]
    if long_times:
        print(
            f"       20-page files: {len(long_times)}, "
            f"p50 {1000 * statistics.median(long_times):.1f} ms per file"
        )


if __name__ == "__main__":
    main()
