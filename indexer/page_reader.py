"""Reads the text of every page of a PDF, in a process of its own (``extraction`` runs it).

One JSON line in (``{"path": …}``), one out: ``{"pages": [text, …]}`` in page order, each
NFC with line ends as ``\\n``, or ``{"failed": reason}``. The process has a memory limit;
a file that crashes or hangs the parser kills only this process.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from archive.services.pdf_reader import limit_memory
from indexer.folding import nfc


def page_texts(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        texts = []
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    raw = textpage.get_text_range()
                finally:
                    textpage.close()
            finally:
                page.close()
            texts.append(nfc(raw.replace("\r\n", "\n").replace("\r", "\n")).replace("\x00", ""))
        return texts
    finally:
        pdf.close()


def page_fields(path: Path) -> dict[str, str] | None:
    """A Decree 30 document's details as printed on it (None if they cannot be read)."""
    from indexer.page_metadata import read_metadata

    try:
        found = read_metadata(path)
    except (OSError, ValueError):
        return None
    fields = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(found).items()}
    return {k: str(v) for k, v in fields.items() if v}


def answer(request: dict[str, Any]) -> dict[str, Any]:
    try:
        pages = page_texts(Path(request["path"]))
        if request.get("fields"):
            return {"pages": pages, "fields": page_fields(Path(request["path"]))}
        return {"pages": pages}
    except MemoryError:
        return {"failed": "reading its text needs more memory than allowed"}
    except RecursionError:
        return {"failed": "its structure is nested too deeply"}
    except Exception as exc:  # a parser error is this file's problem, not the process's
        return {"failed": f"the text could not be read: {exc.__class__.__name__}: {exc}"[:500]}


def main() -> None:
    limit_memory(int(sys.argv[1]))
    import pypdfium2  # noqa: F401 - loaded before the first request

    out = sys.stdout
    out.write(json.dumps({"ready": os.getpid()}) + "\n")
    out.flush()
    for line in sys.stdin:
        if line.strip():
            out.write(json.dumps(answer(json.loads(line)), ensure_ascii=False) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
