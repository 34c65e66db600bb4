"""OCR of scanned pages, and a PDF/A-2b copy of a scan with an invisible text layer.

Only external programs, each in a process group of its own with a time limit: the group is
killed on overrun (``OcrTimeout`` names the page) or on any other way out, so nothing is
left running. Every file is made in a temporary folder under ``work_dir``, removed at the
end; the input PDF is only read.

Per page: ``pdftoppm`` renders it in grey (PGM: PNG encoding of a noisy scan cost 5 s a page,
PGM 0.1 s) and ``tesseract -l vie`` reads it. On generated Vietnamese scans (200 dpi, light
and medium grain) 200 dpi read 99.9-100 % of characters, as 300 dpi did, in half the CPU
time (0.8 s against 1.7 s a page), hence the default. On heavy grain tesseract found no
text at all at the scan's own resolution, and 99.8 % once resampled to 300 dpi: a page that
reads empty is read again at ``RETRY_DPI`` (adaptive thresholding, tried instead, lost
40 % of the characters of clean pages).

For the PDF/A copy the same tesseract run also writes a text-only PDF page
(``textonly_pdf``): one OCR pass gives both the index text and the text layer. ``qpdf
--overlay`` lays those pages over the original pages, whose content (the scanned image) is
not re-encoded; Ghostscript writes the PDF/A-2b file (``-dPDFA=2``, sRGB output intent, JPEG
passed through, other images kept lossless); with ``SOURCE_DATE_EPOCH`` and a file
identifier made from the input, the same input gives the same bytes. OCRmyPDF
(``--output-type pdfa-2``) took 2.5-3× the CPU time per page for the same text
(``bench/ocr_rate.py``), and refuses files that already have text with Debian 12's
Ghostscript 10.00, whose new PDF interpreter loses that text (see ``_to_pdfa``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

LANGUAGE = "vie"
DEFAULT_DPI = 200
RETRY_DPI = 300  # for a page that read empty at DEFAULT_DPI
PAGE_SECONDS = 120.0
MEMORY_MB = 2048  # address space of each program; a page bomb fails instead of swapping
TEXT_MIN_CHARS = 3  # as indexer.extraction.PageText.empty_pages: fewer means no text layer

# Where Debian's Ghostscript keeps its ICC profiles (package libgs-common / libgs10-common).
ICC_CANDIDATES = (
    Path("/usr/share/color/icc/ghostscript/srgb.icc"),
    Path("/usr/share/color/icc/ghostscript/default_rgb.icc"),
    Path("/usr/share/color/icc/sRGB.icc"),
)


class OcrError(Exception):
    """The OCR of this document, or its PDF/A copy, failed; the message says why."""


class OcrTimeout(OcrError):
    """A program ran past its time limit and was killed."""

    def __init__(self, what: str, seconds: float, page: int | None = None) -> None:
        where = f" on page {page}" if page is not None else ""
        super().__init__(f"{what}{where} took longer than {seconds:g} s and was stopped")
        self.what = what
        self.seconds = seconds
        self.page = page


def _limited(args: Sequence[str], memory_mb: int | None) -> list[str]:
    prlimit = shutil.which("prlimit")
    if memory_mb is None or prlimit is None:
        return list(args)
    return [prlimit, f"--as={memory_mb * 1024 * 1024}", "--", *args]


def run(
    args: Sequence[str],
    *,
    seconds: float,
    what: str,
    page: int | None = None,
    env: Mapping[str, str] | None = None,
    memory_mb: int | None = MEMORY_MB,
    ok_codes: tuple[int, ...] = (0,),
) -> subprocess.CompletedProcess[bytes]:
    """Run one program with a time limit; its whole process group is killed on overrun,
    and on any exception (a worker being stopped), so it never outlives the call."""
    try:
        proc = subprocess.Popen(  # noqa: S603 - fixed programs, arguments are paths
            _limited(args, memory_mb),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=dict(env) if env is not None else None,
        )
    except FileNotFoundError as exc:
        raise OcrError(f"{args[0]} is not installed (run scripts/ocr-tools.sh)") from exc
    try:
        out, err = proc.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise OcrTimeout(what, seconds, page) from None
    except BaseException:
        _kill_group(proc)
        raise
    if proc.returncode not in ok_codes:
        where = f" on page {page}" if page is not None else ""
        tail = err.decode("utf-8", "replace").strip()[-500:]
        raise OcrError(f"{what}{where} failed (exit {proc.returncode}): {tail}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def _tesseract_env() -> dict[str, str]:
    # One thread per tesseract: on 2 cores, two pages in two processes beat one page on
    # two threads, and OpenMP's spinning threads only add CPU time.
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    answer = run(["tesseract", "--version"], seconds=30, what="tesseract --version")
    first = (answer.stdout or answer.stderr).decode("utf-8", "replace").splitlines()
    found = re.search(r"\d+\.\d+(\.\d+)?", first[0] if first else "")
    return found.group(0) if found else "unknown"


def engine(dpi: int = DEFAULT_DPI, retry_dpi: int | None = RETRY_DPI) -> str:
    """What made the text, for the derivative's record."""
    retry = f" ({retry_dpi} dpi for pages read empty)" if retry_dpi and retry_dpi != dpi else ""
    return f"tesseract {tesseract_version()} -l {LANGUAGE} --psm 3, {dpi} dpi{retry}"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def pages_without_text(pdf: Path, *, seconds: float = PAGE_SECONDS) -> list[int]:
    """The pages (from 1) whose text layer holds fewer than 3 characters: the scans."""
    answer = run(
        ["pdftotext", "-q", "-enc", "UTF-8", str(pdf), "-"], seconds=seconds, what="pdftotext"
    )
    pages = answer.stdout.decode("utf-8", "replace").split("\f")[:-1]
    return [n for n, text in enumerate(pages, start=1) if len(text.strip()) < TEXT_MIN_CHARS]


def page_count(pdf: Path, *, seconds: float = PAGE_SECONDS) -> int:
    answer = run(["qpdf", "--show-npages", str(pdf)], seconds=seconds, what="qpdf")
    return int(answer.stdout.decode().strip())


def _checked(pages: Sequence[int]) -> list[int]:
    wanted = sorted(set(pages))
    if any(p < 1 for p in wanted):
        raise ValueError("page numbers start at 1")
    return wanted


def _ocr_page(
    pdf: Path,
    page: int,
    folder: Path,
    *,
    dpi: int,
    retry_dpi: int | None,
    seconds: float,
    with_pdf: bool,
) -> tuple[str, Path | None]:
    """One page, rendered and read within ``seconds``; read again at ``retry_dpi`` when
    nothing came out (tesseract finds no text at all on heavily grained scans rendered at
    their own resolution, and reads them well once resampled)."""
    deadline = _now() + seconds
    text, layer = _read_page(
        pdf, page, folder, dpi=dpi, deadline=deadline, seconds=seconds, with_pdf=with_pdf
    )
    if len(text) < TEXT_MIN_CHARS and retry_dpi and retry_dpi != dpi:
        text, layer = _read_page(
            pdf, page, folder, dpi=retry_dpi, deadline=deadline, seconds=seconds, with_pdf=with_pdf
        )
    return text, layer


def _left(deadline: float, seconds: float, what: str, page: int) -> float:
    left = deadline - _now()
    if left <= 0:
        raise OcrTimeout(what, seconds, page)
    return left


def _read_page(
    pdf: Path,
    page: int,
    folder: Path,
    *,
    dpi: int,
    deadline: float,
    seconds: float,
    with_pdf: bool,
) -> tuple[str, Path | None]:
    base = folder / f"page-{page}"
    run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-gray",
            "-cropbox",  # the box qpdf --overlay fits the text page into
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(base),
        ],
        seconds=_left(deadline, seconds, "rendering", page),
        what="rendering",
        page=page,
    )
    image = base.with_suffix(".pgm")
    if not image.exists():
        raise OcrError(f"page {page} is not in the file")
    outputs = ["txt", "pdf"] if with_pdf else ["txt"]
    extra = ["-c", "textonly_pdf=1"] if with_pdf else []
    try:
        run(
            [
                "tesseract",
                str(image),
                str(base),
                "-l",
                LANGUAGE,
                "--dpi",
                str(dpi),
                "--psm",
                "3",
                *extra,
                *outputs,
            ],
            seconds=_left(deadline, seconds, "OCR", page),
            what="OCR",
            page=page,
            env=_tesseract_env(),
        )
    finally:
        image.unlink(missing_ok=True)
    text = base.with_suffix(".txt").read_text(encoding="utf-8", errors="replace")
    return nfc(text.replace("\f", "").strip()), (base.with_suffix(".pdf") if with_pdf else None)


def _now() -> float:
    return time.monotonic()


@contextlib.contextmanager
def _scratch(work_dir: Path) -> Iterator[Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="ocr-", dir=work_dir))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ocr_pages(
    pdf: Path,
    pages: Sequence[int],
    work_dir: Path,
    *,
    dpi: int = DEFAULT_DPI,
    retry_dpi: int | None = RETRY_DPI,
    seconds: float = PAGE_SECONDS,
) -> dict[int, str]:
    """The NFC text of each listed page (numbers from 1), read by tesseract; ``seconds``
    is the time one page may take (rendering and reading)."""
    with _scratch(work_dir) as folder:
        return {
            page: _ocr_page(
                pdf, page, folder, dpi=dpi, retry_dpi=retry_dpi, seconds=seconds, with_pdf=False
            )[0]
            for page in _checked(pages)
        }


def ocr_with_pdfa(
    pdf: Path,
    out: Path,
    pages: Sequence[int],
    work_dir: Path,
    *,
    dpi: int = DEFAULT_DPI,
    retry_dpi: int | None = RETRY_DPI,
    seconds: float = PAGE_SECONDS,
    source_date_epoch: int | None = None,
) -> dict[int, str]:
    """OCR the listed pages and write ``out``: a PDF/A-2b copy of ``pdf`` with an invisible
    text layer on those pages (other pages keep what they have). Returns the pages' NFC
    text. One OCR pass serves both. ``source_date_epoch`` fixes the copy's dates, so the
    same input always gives the same bytes (a retried job stores the same derivative)."""
    wanted = _checked(pages)
    with _scratch(work_dir) as folder:
        total = page_count(pdf, seconds=seconds)
        if wanted and wanted[-1] > total:
            raise OcrError(f"page {wanted[-1]} is not in the file ({total} pages)")
        texts: dict[int, str] = {}
        layers: list[Path] = []
        for page in wanted:
            text, layer = _ocr_page(
                pdf, page, folder, dpi=dpi, retry_dpi=retry_dpi, seconds=seconds, with_pdf=True
            )
            texts[page] = text
            assert layer is not None
            layers.append(layer)
        whole = seconds * max(1, total)  # steps over the whole file: a page's time each
        source = pdf
        if layers:
            joined = folder / "layers.pdf"
            run(
                [
                    "qpdf",
                    "--warning-exit-0",
                    "--deterministic-id",
                    "--empty",
                    "--pages",
                    *map(str, layers),
                    "--",
                    str(joined),
                ],
                seconds=whole,
                what="joining the text pages",
            )
            source = folder / "overlaid.pdf"
            run(
                [
                    "qpdf",
                    "--warning-exit-0",
                    "--deterministic-id",
                    str(pdf),
                    "--overlay",
                    str(joined),
                    f"--to={','.join(map(str, wanted))}",
                    "--",
                    str(source),
                ],
                seconds=whole,
                what="laying the text over the pages",
            )
        _to_pdfa(source, folder, out, seconds=whole, source_date_epoch=source_date_epoch)
        made = page_count(out, seconds=seconds)
        if made != total:
            out.unlink(missing_ok=True)
            raise OcrError(f"the PDF/A copy has {made} pages instead of {total}")
        return texts


def pdfa_with_text_layer(
    pdf: Path,
    out: Path,
    work_dir: Path,
    *,
    pages: Sequence[int] | None = None,
    dpi: int = DEFAULT_DPI,
    retry_dpi: int | None = RETRY_DPI,
    seconds: float = PAGE_SECONDS,
    source_date_epoch: int | None = None,
) -> None:
    """A PDF/A-2b copy of the scan ``pdf`` at ``out`` with an invisible text layer on
    ``pages`` (default: every page without a text layer)."""
    if pages is None:
        pages = pages_without_text(pdf, seconds=seconds)
    ocr_with_pdfa(
        pdf,
        out,
        pages,
        work_dir,
        dpi=dpi,
        retry_dpi=retry_dpi,
        seconds=seconds,
        source_date_epoch=source_date_epoch,
    )


def _icc_profile() -> Path:
    for path in ICC_CANDIDATES:
        if path.is_file():
            return path
    raise OcrError("no sRGB ICC profile found for the PDF/A output intent (ghostscript)")


def _ps_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _pdfa_definition(folder: Path, icc: Path) -> Path:
    """Ghostscript's PDFA_def.ps, reduced to the output intent (no DOCINFO to discard)."""
    definition = folder / "pdfa_def.ps"
    definition.write_text(
        f"""%!
/ICCProfile {_ps_string(str(icc))} def
[/_objdef {{icc_PDFA}} /type /stream /OBJ pdfmark
[{{icc_PDFA}} << /N 3 >> /PUT pdfmark
[{{icc_PDFA}} ICCProfile (r) file /PUT pdfmark
[/_objdef {{OutputIntent_PDFA}} /type /dict /OBJ pdfmark
[{{OutputIntent_PDFA}} <<
  /Type /OutputIntent
  /S /GTS_PDFA1
  /DestOutputProfile {{icc_PDFA}}
  /OutputConditionIdentifier (sRGB)
>> /PUT pdfmark
[{{Catalog}} << /OutputIntents [ {{OutputIntent_PDFA}} ] >> /PUT pdfmark
""",
        encoding="ascii",
    )
    return definition


def _to_pdfa(
    source: Path, folder: Path, out: Path, *, seconds: float, source_date_epoch: int | None
) -> None:
    icc = _icc_profile()
    definition = _pdfa_definition(folder, icc)
    written = folder / "pdfa.pdf"
    env = dict(os.environ)
    if source_date_epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(int(source_date_epoch))
    run(
        [
            "gs",
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=pdfwrite",
            "-dPDFA=2",
            # Ghostscript 10.00-10.02's new PDF interpreter loses the text of pages that
            # already have some (OCRmyPDF refuses to use them for that); the older one,
            # still in those versions, keeps it. Later versions ignore the switch.
            "-dNEWPDF=false",
            "-dPDFACompatibilityPolicy=1",
            "-sColorConversionStrategy=RGB",
            "-dAutoRotatePages=/None",
            # The scanned image stays as scanned: JPEG passed through, others lossless.
            "-dPassThroughJPEGImages=true",
            "-dPassThroughJPXImages=true",
            "-dDownsampleColorImages=false",
            "-dDownsampleGrayImages=false",
            "-dDownsampleMonoImages=false",
            "-dAutoFilterColorImages=false",
            "-dAutoFilterGrayImages=false",
            "-dColorImageFilter=/FlateEncode",
            "-dGrayImageFilter=/FlateEncode",
            f"--permit-file-read={icc}",
            f"-sOutputFile={written}",
            str(definition),
            str(source),
        ],
        seconds=seconds,
        what="PDF/A conversion",
        env=env,
    )
    _fix_id(written, _digest(source)[:32].upper())
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(written, out)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _fix_id(path: Path, identifier: str) -> None:
    """Ghostscript makes the trailer's file identifier from the clock (as hex or as a
    literal string); put one made from the input in its place: same input, same bytes.
    The trailer follows the cross-reference table, so no offset moves."""
    with path.open("r+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        start = max(0, size - 4096)
        fh.seek(start)
        tail = fh.read()
        trailer = tail.rfind(b"trailer")
        key = tail.find(b"/ID", trailer) if trailer >= 0 else -1
        opening = tail.find(b"[", key) if key >= 0 else -1
        end = _array_end(tail, opening) if opening >= 0 else None
        if end is None:
            return  # no classic trailer with an ID: leave the file as Ghostscript wrote it
        hex_id = identifier.encode("ascii")
        fh.seek(start)
        fh.write(tail[:opening] + b"[<" + hex_id + b"><" + hex_id + b">]" + tail[end:])
        fh.truncate()


def _array_end(data: bytes, opening: int) -> int | None:
    """The index just after the ``]`` closing the array of strings opened at ``opening``."""
    i = opening + 1
    while i < len(data):
        c = data[i : i + 1]
        if c in b" \t\r\n":
            i += 1
        elif c == b"]":
            return i + 1
        elif c == b"<":
            close = data.find(b">", i)
            if close < 0:
                return None
            i = close + 1
        elif c == b"(":
            depth, i = 1, i + 1
            while i < len(data) and depth:
                if data[i : i + 1] == b"\\":
                    i += 2
                    continue
                depth += {b"(": 1, b")": -1}.get(data[i : i + 1], 0)
                i += 1
            if depth:
                return None
        else:
            return None
    return None
