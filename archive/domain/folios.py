"""Folio numbering (đánh bút lục) and the dossier's table of contents (mục lục).

Every page of a dossier carries a sequence number in document order. Numbers are derived
from the order and page counts at read time rather than stored, so adding or reordering
documents can never leave a stale number behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from archive.domain.errors import Invalid
from archive.domain.model import Document


@dataclass(frozen=True, slots=True)
class TocEntry:
    """One line of the mục lục: STT, số/ký hiệu, ngày, tác giả, trích yếu, tờ số."""

    sequence: int
    document_id: int
    kind: str
    number: str | None
    issued_on: date | None
    issuer: str | None
    title: str
    first_folio: int
    last_folio: int
    page_count: int

    @property
    def folio_label(self) -> str:
        if self.first_folio == self.last_folio:
            return str(self.first_folio)
        return f"{self.first_folio}–{self.last_folio}"


@dataclass(frozen=True, slots=True)
class FolioLocation:
    folio: int
    document_id: int
    page: int  # 1-based page within the document


def table_of_contents(documents: Sequence[Document]) -> list[TocEntry]:
    """Folio ranges in document order; the first page of the dossier is folio 1."""
    entries: list[TocEntry] = []
    next_folio = 1
    for sequence, doc in enumerate(sorted(documents, key=lambda d: (d.position, d.id)), 1):
        pages = doc.page_count
        entries.append(
            TocEntry(
                sequence=sequence,
                document_id=doc.id,
                kind=doc.kind,
                number=doc.number,
                issued_on=doc.issued_on,
                issuer=doc.issuer,
                title=doc.title,
                first_folio=next_folio,
                last_folio=next_folio + pages - 1,
                page_count=pages,
            )
        )
        next_folio += pages
    return entries


def total_folios(documents: Sequence[Document]) -> int:
    return sum(d.page_count for d in documents)


def locate_folio(documents: Sequence[Document], folio: int) -> FolioLocation:
    """Which document and page carry folio number ``folio``."""
    for entry in table_of_contents(documents):
        if entry.first_folio <= folio <= entry.last_folio:
            return FolioLocation(folio, entry.document_id, folio - entry.first_folio + 1)
    raise Invalid(
        "folio_out_of_range",
        f"Bút lục số {folio} không có trong hồ sơ (hồ sơ có {total_folios(documents)} tờ).",
        f"Folio {folio} is not in this dossier ({total_folios(documents)} folios).",
    )


def check_reorder(current_ids: Sequence[int], requested_ids: Sequence[int]) -> None:
    """A new order must name every document of the dossier exactly once."""
    if sorted(current_ids) != sorted(requested_ids) or len(set(requested_ids)) != len(
        requested_ids
    ):
        raise Invalid(
            "bad_document_order",
            "Thứ tự mới phải liệt kê đủ và đúng một lần mỗi tài liệu của hồ sơ.",
            "The new order must list every document of the dossier exactly once.",
            expected=sorted(current_ids),
        )
