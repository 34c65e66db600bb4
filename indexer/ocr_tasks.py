"""OCR of a stored version's scanned pages, as its own job on its own queue.

OCR is three orders of magnitude slower than reading a text layer, so its jobs go to the
``ocr`` queue: born-digital documents are never stuck behind scans. A job copies the version
from the store (its SHA-256 checked against the one recorded at ingest), OCRs the pages
without a text layer, and stores two derivatives of that version: ``pdfa_ocr``, a PDF/A-2b
copy with an invisible text layer, and ``ocr_text``, the pages' text as JSON
``{"pages": {"3": "…"}, "engine": "…"}``. The text is stored last: its
``derivative.stored`` event means the OCR of that version is complete.

Idempotent: a version that has both derivatives is skipped; a job retried after a crash
makes byte-identical files (fixed dates and file identifier), which replace the records of
the same kind instead of adding new ones. The original is only read; temporary files live
in ``data_dir/ocr`` and are removed whatever happens.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from archive.domain.errors import NotFound
from archive.domain.model import DocumentVersion
from archive.metadata import documents as document_rows
from archive.services import derivatives
from archive.services.context import Archive
from archive.services.documents import located, version_of
from archive.services.versions import ReceivedFile
from archive.settings import get_settings
from archive.storage import ObjectStore
from archive.worker import celery_app, task_options
from indexer import ocr

log = logging.getLogger(__name__)

TASK_NAME = "indexer.ocr"
QUEUE = "ocr"
PDFA_KIND = "pdfa_ocr"
TEXT_KIND = "ocr_text"
KINDS = (PDFA_KIND, TEXT_KIND)
PAGE_SECONDS = ocr.PAGE_SECONDS
# Far longer than any job can run (every program has a time limit): only a killed job's.
STALE_SECONDS = 24 * 3600.0


def work_dir(archive: Archive) -> Path:
    return archive.settings.data_dir / "ocr"


def _copy_version(store: ObjectStore, version: DocumentVersion, path: Path) -> None:
    """The stored bytes into ``path``, refused unless they are the ones received."""
    digest = hashlib.sha256()
    try:
        with path.open("wb") as out:
            for chunk in store.read(version.storage_key):
                digest.update(chunk)
                out.write(chunk)
    except FileNotFoundError as exc:
        raise ocr.OcrError("the stored file is missing; run a fixity check") from exc
    if digest.hexdigest() != version.sha256:
        raise ocr.OcrError(
            "the stored file differs from the one received (SHA-256 mismatch); run a fixity check"
        )


def _received(path: Path, filename: str) -> ReceivedFile:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return ReceivedFile(
        path=path, sha256=digest.hexdigest(), size=path.stat().st_size, filename=filename
    )


def _done(archive: Archive, document_id: int, version: int) -> bool:
    with archive.db.read() as conn:
        made = {
            d.kind for d in document_rows.derivatives_of(conn, document_id) if d.version == version
        }
    return all(kind in made for kind in KINDS)


def ocr_document(
    archive: Archive,
    document_id: int,
    version: int,
    *,
    dpi: int = ocr.DEFAULT_DPI,
    page_seconds: float = PAGE_SECONDS,
    force: bool = False,
) -> dict[str, object]:
    """OCR the pages of ``version`` of a document that have no text layer and store the
    ``pdfa_ocr`` and ``ocr_text`` derivatives; what was done, as a small summary. Raises
    ``ocr.OcrError`` (``OcrTimeout`` for a page over its time) when it cannot be done."""
    summary: dict[str, object] = {"document_id": document_id, "version": version}
    with archive.db.read() as conn:
        document, _ = located(conn, document_id, None)
    stored = version_of(document, version)
    if not force and _done(archive, document_id, version):
        return {**summary, "skipped": "already done"}
    folder_root = work_dir(archive)
    folder_root.mkdir(parents=True, exist_ok=True)
    _sweep_stale(folder_root)
    folder = Path(tempfile.mkdtemp(prefix=f"doc-{document_id}-v{version}-", dir=folder_root))
    try:
        source = folder / "original.pdf"
        _copy_version(archive.store, stored, source)
        os.chmod(source, 0o400)  # read only: the original is never modified
        pages = ocr.pages_without_text(source, seconds=page_seconds)
        if not pages:
            return {**summary, "pages": []}
        copy = folder / "pdfa.pdf"
        texts = ocr.ocr_with_pdfa(
            source,
            copy,
            pages,
            folder,
            dpi=dpi,
            seconds=page_seconds,
            source_date_epoch=int(stored.uploaded_at.timestamp()),
        )
        engine = ocr.engine(dpi)
        chars = {str(page): len(text) for page, text in texts.items()}
        derivatives.store(
            archive,
            document_id=document_id,
            version=version,
            kind=PDFA_KIND,
            received=_received(copy, f"document-{document_id}-v{version}-pdfa.pdf"),
            media_type="application/pdf",
            detail={"pages": chars, "engine": engine},
        )
        text_file = folder / "ocr.json"
        body = {"pages": {str(page): text for page, text in texts.items()}, "engine": engine}
        text_file.write_bytes(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        derivatives.store(
            archive,
            document_id=document_id,
            version=version,
            kind=TEXT_KIND,
            received=_received(text_file, f"document-{document_id}-v{version}-ocr.json"),
            media_type="application/json",
            detail={"pages": chars, "engine": engine},
        )
        return {**summary, "pages": sorted(texts), "chars": sum(chars.values())}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sweep_stale(root: Path, *, older_than: float = STALE_SECONDS) -> None:
    """Folders left by a worker that was killed mid-job (no ``finally`` ran)."""
    limit = time.time() - older_than
    for entry in root.iterdir():
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < limit:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()


def enqueue(document_id: int, version: int) -> str:
    """Queue the OCR of a version on the ``ocr`` queue; the job's id. (A worker consumes
    that queue only when started with it: ``-Q celery,ocr``.)"""
    return str(ocr_task.apply_async((document_id, version), queue=QUEUE).id)


@lru_cache(maxsize=1)
def _archive() -> Archive:
    return Archive.open(get_settings())


@celery_app.task(name=TASK_NAME, **task_options())
def ocr_task(document_id: int, version: int) -> dict[str, object]:
    """The job: ``ocr_document`` on the worker's archive. A document gone, or one that
    cannot be OCR'd, ends the job with the reason (retrying would not help); storage
    errors (OSError) are retried by the shared policy."""
    try:
        return ocr_document(_archive(), document_id, version)
    except NotFound:
        return {"document_id": document_id, "version": version, "failed": "document not found"}
    except ocr.OcrError as exc:
        log.warning("OCR of document %s version %s failed: %s", document_id, version, exc)
        return {"document_id": document_id, "version": version, "failed": str(exc)}
