"""Opening an uploaded PDF the way readers do, inside the checking process (see pdf_inspection).

Two independent readers are asked: PDFium (what Chrome shows) and qpdf (through pikepdf,
whose repairs are thorough and which says exactly when a password is needed). A file
either of them opens without a user password is accepted; what was odd about it is
reported, never "fixed". Run as ``python -m archive.services.pdf_reader MEMORY_MB``: it
answers one JSON line per JSON request line on stdin, within its own memory limit, and
exits when stdin closes.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from archive.domain.pdf import ActiveContent, PdfFacts

HEADER_WINDOW = 1024  # readers look for %PDF- within the first KiB
TAIL_WINDOW = 2048  # and for %%EOF near the end
MAX_REPAIRS = 20
MAX_NESTING = 64  # direct objects nest only a few levels in real files

# PDF permission bits (ISO 32000-1, Table 22), as named to the user.
PERMISSION_BITS = {
    3: "print",
    4: "modify",
    5: "copy",
    6: "annotate",
    9: "fill_forms",
    10: "extract_for_accessibility",
    11: "assemble",
    12: "print_high_quality",
}


class Refused(Exception):
    def __init__(self, code: str, reason: str = "") -> None:
        super().__init__(reason or code)
        self.code = code
        self.reason = reason


def restricted(permissions: int) -> list[str]:
    """What an owner password forbids, from the P value of the encryption dictionary."""
    return [name for bit, name in PERMISSION_BITS.items() if not permissions & (1 << (bit - 1))]


def read(path: Path) -> PdfFacts:
    size = path.stat().st_size
    if size == 0:
        raise Refused("empty_file")
    with path.open("rb") as fh:
        head = fh.read(HEADER_WINDOW)
        fh.seek(max(0, size - TAIL_WINDOW))
        tail = fh.read(TAIL_WINDOW)
    offset = head.find(b"%PDF-")
    if offset < 0:
        raise Refused("not_pdf")
    repairs: list[str] = []
    if b"%%EOF" not in tail:
        repairs.append("no end-of-file marker (%%EOF) near the end: the file may be cut short")
    by_pdfium = _pdfium(path, repairs)
    by_qpdf = _qpdf(path, repairs)
    if by_pdfium is None:
        if isinstance(by_qpdf, Refused):
            if by_qpdf.code == "unreadable_pdf" and b"%%EOF" not in tail:
                raise Refused("truncated_pdf", by_qpdf.reason)
            raise by_qpdf
        facts = by_qpdf
    elif isinstance(by_qpdf, Refused):
        facts = by_pdfium
        repairs.append(f"only PDFium opens it ({by_qpdf.reason})")
    else:
        facts = by_pdfium
        # qpdf walks every object; PDFium's counts cover only the document-level tables.
        facts["active"] |= by_qpdf["active"]
        facts["signatures"] = max(facts["signatures"], by_qpdf["signatures"])
        if not facts.get("encryption"):
            facts["encryption"] = by_qpdf.get("encryption")
        if facts["pages"] == 0:
            facts["pages"] = by_qpdf["pages"]
    if facts["pages"] == 0:
        raise Refused("no_pages")
    if offset > 0:
        facts["active"].add(ActiveContent.PREFIX_BYTES)
        repairs.append(f"{offset} bytes before the %PDF- header")
    irregularities: dict[str, object] = {}
    if facts.get("encryption"):
        irregularities["encryption"] = facts["encryption"]
    if repairs:
        irregularities["repairs"] = repairs[:MAX_REPAIRS]
    return PdfFacts(
        page_count=facts["pages"],
        pdf_version=facts["version"],
        signature_count=facts["signatures"],
        active_content=tuple(sorted(facts["active"])),
        irregularities=irregularities,
    )


def _pdfium(path: Path, repairs: list[str]) -> dict[str, Any] | None:
    """Page count, version, signatures and encryption as PDFium sees them; None if it
    cannot open the file (qpdf then says why)."""
    import pypdfium2 as pdfium

    # The file is opened here, not by pypdfium2: when PDFium fails to load a document,
    # pypdfium2 raises without closing the file it opened (a handle per refusal, seen
    # holding deleted uploads open).
    with path.open("rb") as fh:
        try:
            pdf = pdfium.PdfDocument(fh, autoclose=False)
        except pdfium.PdfiumError:
            return None  # its error code is global state and may be stale: not trusted
        try:
            return _pdfium_facts(pdf, path, repairs)
        finally:
            pdf.close()


def _signed_fields(pdf: Any) -> int:
    """Signature fields that hold a signature: PDFium counts empty ones too (a template's
    places for the leader's and the agency's signatures are not signatures)."""
    import pypdfium2.raw as pdfium_c

    signed = 0
    for index in range(max(0, pdfium_c.FPDF_GetSignatureCount(pdf.raw))):
        signature = pdfium_c.FPDF_GetSignatureObject(pdf.raw, index)
        if signature and pdfium_c.FPDFSignatureObj_GetContents(signature, None, 0) > 0:
            signed += 1
    return signed


def _pdfium_facts(pdf: Any, path: Path, repairs: list[str]) -> dict[str, Any] | None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pages = len(pdf)
        for index in range(pages):
            # Reachable in the page tree with a size. Loading the pages themselves would
            # keep their images in memory: +500 MB for a 500 MB scan.
            width, height = pdf.get_page_size(index)
            if width <= 0 or height <= 0:
                repairs.append(f"page {index + 1} has no size (PDFium)")
                return None
        version = pdf.get_version() or 0
        found: dict[str, Any] = {
            "pages": pages,
            "version": f"{version // 10}.{version % 10}" if version else "?",
            "signatures": _signed_fields(pdf),
            "active": set(),
        }
        revision = pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw)
        if revision != -1:
            found["encryption"] = _encryption(revision, pdfium_c.FPDF_GetDocPermissions(pdf.raw))
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(pdf.raw) > 0:
            found["active"].add(ActiveContent.JAVASCRIPT)
        if pdfium_c.FPDFDoc_GetAttachmentCount(pdf.raw) > 0:
            found["active"].add(ActiveContent.EMBEDDED_FILES)
        if pdfium_c.FPDF_GetFormType(pdf.raw) in (
            pdfium_c.FORMTYPE_XFA_FULL,
            pdfium_c.FORMTYPE_XFA_FOREGROUND,
        ):
            found["active"].add(ActiveContent.XFA)
        return found
    except pdfium.PdfiumError as exc:
        repairs.append(f"PDFium: {str(exc).replace(os.fspath(path), 'the file')}")
        return None


def _encryption(revision: int, permissions: int) -> dict[str, Any]:
    """What an owner password restricts, in a file that opens without a password."""
    return {
        "owner_password_only": True,
        "revision": int(revision),
        "restricted": restricted(int(permissions) & 0xFFFFFFFF),
    }


def _qpdf(path: Path, repairs: list[str]) -> dict[str, Any] | Refused:
    import pikepdf

    try:
        pdf = pikepdf.open(path, password="")
    except pikepdf.PasswordError:
        return Refused("encrypted_pdf", "a user password is needed to open it")
    except (pikepdf.PdfError, RuntimeError, ValueError) as exc:
        return Refused("unreadable_pdf", _said(exc, path))
    try:
        found: dict[str, Any] = {
            "pages": len(pdf.pages),
            "version": str(pdf.pdf_version),
            "signatures": 0,
            "active": set(),
        }
        if pdf.is_encrypted:
            found["encryption"] = _encryption(pdf.encryption.R, pdf.encryption.P)
        _scan(pdf, found)
        repairs.extend(_said(w, path) for w in pdf.get_warnings()[:MAX_REPAIRS])
        return found
    except (pikepdf.PdfError, RuntimeError, ValueError, RecursionError) as exc:
        return Refused("unreadable_pdf", _said(exc, path))
    finally:
        pdf.close()


def _said(message: object, path: Path) -> str:
    """What qpdf said, without the server's own path to the received file."""
    return "qpdf: " + str(message).replace(os.fspath(path), "the file").replace(": the file", "")


def _scan(pdf: Any, found: dict[str, Any]) -> None:
    """Walk every object once for actions, scripts, attachments, XFA and signatures."""
    import pikepdf

    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            found["active"].add(ActiveContent.JAVASCRIPT)
        if "/EmbeddedFiles" in names:
            found["active"].add(ActiveContent.EMBEDDED_FILES)
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        found["active"].add(ActiveContent.XFA)
    opening = root.get("/OpenAction")
    if isinstance(opening, pikepdf.Dictionary) and opening.get("/S") != pikepdf.Name.GoTo:
        found["active"].add(ActiveContent.OPEN_ACTION)
    if "/AA" in root:
        found["active"].add(ActiveContent.OPEN_ACTION)
    for obj in pdf.objects:
        for item in _dictionaries(obj, 0):
            _classify(item, found)


def _dictionaries(obj: Any, depth: int) -> Iterator[Any]:
    """The dictionaries of one indirect object and its direct children (indirect children
    are visited as objects of their own)."""
    import pikepdf

    if depth > MAX_NESTING:
        return
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        yield obj
        children = obj.values()
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect:
            yield from _dictionaries(child, depth + 1)


_ACTIONS = {
    "/JavaScript": ActiveContent.JAVASCRIPT,
    "/Launch": ActiveContent.LAUNCH_ACTION,
    "/SubmitForm": ActiveContent.SUBMIT_ACTION,
    "/ImportData": ActiveContent.SUBMIT_ACTION,
    "/GoToR": ActiveContent.REMOTE_GOTO,
    "/GoToE": ActiveContent.REMOTE_GOTO,
}


def _classify(item: Any, found: dict[str, Any]) -> None:
    keys = set(item.keys())
    if "/JS" in keys:
        found["active"].add(ActiveContent.JAVASCRIPT)
    if "/S" in keys:
        action = _ACTIONS.get(str(item.get("/S")))
        if action is not None:
            found["active"].add(action)
    kind = str(item.get("/Type", "")) if "/Type" in keys else ""
    subtype = str(item.get("/Subtype", "")) if "/Subtype" in keys else ""
    if kind == "/EmbeddedFile" or subtype == "/FileAttachment":
        found["active"].add(ActiveContent.EMBEDDED_FILES)
    if "/ByteRange" in keys and "/Contents" in keys and kind in ("/Sig", "/DocTimeStamp", ""):
        found["signatures"] += 1


def limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file behind


def answer(request: dict[str, Any]) -> dict[str, Any]:
    try:
        facts = read(Path(request["path"]))
    except Refused as refused:
        return {"refused": refused.code, "reason": refused.reason}
    except MemoryError:
        return {"refused": "unreadable_pdf", "reason": "reading it needs more memory than allowed"}
    except RecursionError:
        return {"refused": "unreadable_pdf", "reason": "its structure is nested too deeply"}
    except OSError as exc:
        return {"failed": f"cannot read the received file: {exc.strerror}"}
    body = asdict(facts)
    body["active_content"] = [a.value for a in facts.active_content]
    return {"facts": body}


def main() -> None:
    limit_memory(int(sys.argv[1]))
    # Warm up both readers before the first request, so it is not paid by an upload.
    import pikepdf  # noqa: F401
    import pypdfium2  # noqa: F401

    out = sys.stdout
    out.write(json.dumps({"ready": os.getpid()}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        out.write(json.dumps(answer(json.loads(line)), ensure_ascii=False) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
