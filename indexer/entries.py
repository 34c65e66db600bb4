"""What the index holds: one entry per page, one for each document's details, one for the
dossier's details; each carrying the words as typed, folded, and the dates it writes.

Page 0 of a document is its details (title, number, issuer, kind); the dossier entry
(``document_id`` None) holds its code, title, parties (names, ID numbers) and its own
fields. Entries carry what filters, facets and access need from the dossier, so a backend
that cannot join (Elasticsearch) filters on them directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from indexer.dates import date_tokens
from indexer.folding import nfc, terms

DETAILS_PAGE = 0


@dataclass(frozen=True, slots=True)
class DossierFields:
    dossier_id: int
    code: str
    title: str
    unit_id: int
    shared_with: tuple[int, ...]
    opened_on: date
    case_type: str
    field: str
    stage: str


@dataclass(frozen=True, slots=True)
class DocumentFields:
    document_id: int
    version: int
    kind: str
    title: str
    signed: bool
    issued_on: date | None


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    dossier_id: int
    document_id: int | None
    page: int
    text: str  # NFC, as shown in snippets
    exact: str  # lower-case words, space-separated
    folded: str  # the same words folded
    dates: str  # date tokens, space-separated


def _entry(key: str, dossier_id: int, document_id: int | None, page: int, text: str) -> Entry:
    text = nfc(text)
    exact, folded = terms(text)
    return Entry(
        key, dossier_id, document_id, page, text, exact, folded, " ".join(date_tokens(text))
    )


def dossier_key(dossier_id: int) -> str:
    return f"dossier-{dossier_id}"


def page_key(document_id: int, page: int) -> str:
    return f"document-{document_id}-{page}"


def dossier_entry(
    dossier: DossierFields, parties: Sequence[Mapping[str, object]], custom: Mapping[str, object]
) -> Entry:
    lines = [dossier.code, dossier.title]
    for party in parties:
        lines += [str(party.get(k)) for k in ("name", "id_number", "address") if party.get(k)]
    lines += [str(v) for v in custom.values() if isinstance(v, str | int | float) and v != ""]
    return _entry(
        dossier_key(dossier.dossier_id), dossier.dossier_id, None, DETAILS_PAGE, "\n".join(lines)
    )


def document_entries(
    dossier_id: int,
    document: DocumentFields,
    details: Sequence[str | None],
    pages: Sequence[str],
) -> list[Entry]:
    """The details entry then one per page (numbered from 1, as readers number them)."""
    found = [
        _entry(
            page_key(document.document_id, DETAILS_PAGE),
            dossier_id,
            document.document_id,
            DETAILS_PAGE,
            "\n".join(d for d in details if d),
        )
    ]
    for number, text in enumerate(pages, start=1):
        found.append(
            _entry(
                page_key(document.document_id, number),
                dossier_id,
                document.document_id,
                number,
                text,
            )
        )
    return found
