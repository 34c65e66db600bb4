"""OCR pages per minute on this machine's cores: plain tesseract (the text for the index)
and the PDF/A-2b path (the same tesseract pass + qpdf overlay + Ghostscript), and, when
OCRmyPDF is installed, ``ocrmypdf -l vie --output-type pdfa-2`` on the same pages.

    .venv/bin/python bench/ocr_rate.py [--pages 10] [--workers 2] [--ocrmypdf PATH]

The pages are generated scans (the ones tests/search/test_search_ocr.py makes: Vietnamese
text in the demo's serif font, 200 dpi grey, turned and noisy, as JPEG), one page per PDF,
handed to ``--workers`` parallel workers (one tesseract thread each). Prints, per path:
pages/minute of wall time, CPU seconds per page (of the programs it ran) and the share of
characters read right. Generating the scans is not timed.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "tests", ROOT / "tests" / "search"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from test_search_ocr import SCAN_LINES, character_accuracy, scanned_pdf  # noqa: E402

from indexer import ocr  # noqa: E402


def _pages(count: int, folder: Path, noise: float) -> list[tuple[Path, str]]:
    """``count`` one-page scans, each with its lines in another order (distinct pages)."""
    made = []
    rng = random.Random(1)
    for n in range(count):
        lines = list(SCAN_LINES)
        rng.shuffle(lines)
        path = folder / f"scan-{n:03d}.pdf"
        path.write_bytes(scanned_pdf([lines], noise=noise))
        made.append((path, "\n".join(lines)))
    return made


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pdftotext(path: Path) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return unicodedata.normalize("NFC", out)


def _measure(
    name: str, pages: list[tuple[Path, str]], workers: int, one: Callable[[Path, Path], str]
) -> None:
    out_dir = Path(tempfile.mkdtemp(prefix="ocr-bench-out-", dir="/var/tmp"))
    try:
        cpu_before = _children_cpu()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            texts = list(pool.map(lambda item: one(item[0], out_dir), pages))
        wall = time.perf_counter() - started
        cpu = _children_cpu() - cpu_before
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    accuracy = sum(
        character_accuracy(expected, got) for (_, expected), got in zip(pages, texts, strict=True)
    ) / len(pages)
    print(
        f"{name:<34} {len(pages) / wall * 60:7.1f} pages/min  "
        f"{wall / len(pages):5.2f} s/page wall  {cpu / len(pages):5.2f} CPU s/page  "
        f"{accuracy:7.2%} chars right"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dpi", type=int, default=ocr.DEFAULT_DPI)
    parser.add_argument("--noise", type=float, default=10.0, help="scan grain (σ of grey)")
    parser.add_argument("--ocrmypdf", default=shutil.which("ocrmypdf"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ocr-bench-", dir="/var/tmp") as folder:
        pages = _pages(args.pages, Path(folder), args.noise)
        print(
            f"{args.pages} generated 200-dpi scans (grain {args.noise:g}), {args.workers} workers, "
            f"OCR at {args.dpi} dpi, {ocr.engine(args.dpi)}"
        )

        def plain(pdf: Path, out_dir: Path) -> str:
            return ocr.ocr_pages(pdf, [1], out_dir, dpi=args.dpi)[1]

        def pdfa(pdf: Path, out_dir: Path) -> str:
            out = out_dir / f"{pdf.stem}-pdfa.pdf"
            ocr.ocr_with_pdfa(pdf, out, [1], out_dir, dpi=args.dpi, source_date_epoch=0)
            return _pdftotext(out)

        _measure("tesseract text (ocr_pages)", pages, args.workers, plain)
        _measure("tesseract + PDF/A-2b (ocr_with_pdfa)", pages, args.workers, pdfa)
        if args.ocrmypdf:

            def ocrmypdf(pdf: Path, out_dir: Path) -> str:
                out = out_dir / f"{pdf.stem}-ocrmypdf.pdf"
                subprocess.run(
                    [
                        args.ocrmypdf,
                        "-q",
                        "-l",
                        "vie",
                        "--output-type",
                        "pdfa-2",
                        "--jobs",
                        "1",
                        str(pdf),
                        str(out),
                    ],
                    check=True,
                    env={**ocr._tesseract_env()},
                )
                return _pdftotext(out)

            _measure("ocrmypdf --output-type pdfa-2", pages, args.workers, ocrmypdf)
        else:
            print("ocrmypdf: not installed (pass --ocrmypdf PATH to compare)")


if __name__ == "__main__":
    main()
