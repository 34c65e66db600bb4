"""Folio numbering (đánh bút lục) and the mục lục, derived from document order and pages."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from archive.domain.errors import Invalid
from archive.domain.folios import (
    check_reorder,
    locate_folio,
    table_of_contents,
    total_folios,
)
from archive.domain.model import Document, DocumentVersion

NOW = datetime(2024, 5, 26, 8, 0, tzinfo=UTC)


def doc(doc_id: int, position: int, pages: int, title: str | None = None) -> Document:
    version = DocumentVersion(
        id=doc_id,
        document_id=doc_id,
        version=1,
        sha256=f"{doc_id:064x}",
        size=1000,
        page_count=pages,
        storage_key=f"sha256/00/00/{doc_id:064x}",
        pdf_version="1.4",
        original_filename=None,
        uploaded_by=1,
        uploaded_at=NOW,
    )
    return Document(
        id=doc_id,
        dossier_id=1,
        position=position,
        kind="bien_ban_vi_pham",
        title=title or f"Tài liệu {doc_id}",
        number=f"{doc_id}/BB",
        issued_on=date(2024, 5, doc_id % 28 + 1),
        issuer="UBND",
        created_at=NOW,
        current=version,
        versions=(version,),
    )


def ranges(documents: list[Document]) -> list[tuple[int, int, int]]:
    return [(e.document_id, e.first_folio, e.last_folio) for e in table_of_contents(documents)]


def assert_contiguous(documents: list[Document]) -> None:
    toc = table_of_contents(documents)
    assert toc[0].first_folio == 1
    for before, after in itertools.pairwise(toc):
        assert after.first_folio == before.last_folio + 1
    assert toc[-1].last_folio == total_folios(documents)
    assert [e.sequence for e in toc] == list(range(1, len(toc) + 1))
    for entry in toc:
        assert entry.last_folio - entry.first_folio + 1 == entry.page_count


def test_table_of_contents_ranges_follow_order_and_pages() -> None:
    documents = [doc(10, 1, 3), doc(11, 2, 1), doc(12, 3, 2)]
    toc = table_of_contents(documents)
    assert ranges(documents) == [(10, 1, 3), (11, 4, 4), (12, 5, 6)]
    assert [e.sequence for e in toc] == [1, 2, 3]
    assert [e.folio_label for e in toc] == ["1–3", "4", "5–6"]
    assert toc[0].title == "Tài liệu 10"
    assert toc[0].number == "10/BB"
    assert total_folios(documents) == 6


def test_table_of_contents_sorts_by_position_not_input_order() -> None:
    shuffled = [doc(12, 3, 2), doc(10, 1, 3), doc(11, 2, 1)]
    assert ranges(shuffled) == [(10, 1, 3), (11, 4, 4), (12, 5, 6)]


def test_equal_positions_fall_back_to_id() -> None:
    documents = [doc(7, 1, 1), doc(5, 1, 2)]
    assert ranges(documents) == [(5, 1, 2), (7, 3, 3)]


def test_empty_dossier_has_no_folios() -> None:
    assert table_of_contents([]) == []
    assert total_folios([]) == 0
    with pytest.raises(Invalid) as caught:
        locate_folio([], 1)
    assert caught.value.code == "folio_out_of_range"


def test_reorder_keeps_ranges_contiguous() -> None:
    pages = {1: 4, 2: 1, 3: 7, 4: 2, 5: 3}
    original = [doc(i, i, pages[i]) for i in pages]
    assert_contiguous(original)
    new_order = [3, 5, 1, 4, 2]
    reordered = [doc(i, new_order.index(i) + 1, pages[i]) for i in pages]
    assert_contiguous(reordered)
    assert [e.document_id for e in table_of_contents(reordered)] == new_order
    assert ranges(reordered) == [(3, 1, 7), (5, 8, 10), (1, 11, 14), (4, 15, 16), (2, 17, 17)]
    # The same pages are numbered, only in another order.
    assert total_folios(reordered) == total_folios(original) == 17


def test_locate_first_and_last_folio_and_boundaries() -> None:
    documents = [doc(1, 1, 3), doc(2, 2, 1), doc(3, 3, 2)]
    first = locate_folio(documents, 1)
    assert (first.folio, first.document_id, first.page) == (1, 1, 1)
    end_of_first = locate_folio(documents, 3)
    assert (end_of_first.document_id, end_of_first.page) == (1, 3)
    single = locate_folio(documents, 4)
    assert (single.document_id, single.page) == (2, 1)
    last = locate_folio(documents, 6)
    assert (last.folio, last.document_id, last.page) == (6, 3, 2)


@pytest.mark.parametrize("folio", [0, -1, 7, 1000])
def test_locate_folio_out_of_range(folio: int) -> None:
    documents = [doc(1, 1, 3), doc(2, 2, 1), doc(3, 3, 2)]
    with pytest.raises(Invalid) as caught:
        locate_folio(documents, folio)
    err = caught.value
    assert err.code == "folio_out_of_range"
    assert str(folio) in err.vi and str(folio) in err.en
    assert "6" in err.vi and "6" in err.en  # says how many folios the dossier has
    assert err.vi != err.en


def test_check_reorder_accepts_a_permutation() -> None:
    check_reorder([1, 2, 3], [3, 1, 2])
    check_reorder([1, 2, 3], [1, 2, 3])
    check_reorder([], [])


@pytest.mark.parametrize(
    "requested",
    [
        [1, 2],  # one missing
        [1, 2, 3, 4],  # one not in the dossier
        [1, 2, 2],  # one twice, one missing
        [1, 1, 2, 3],  # one twice
        [1, 2, 9],  # a stranger in place of one
        [],
    ],
)
def test_check_reorder_refusals(requested: list[int]) -> None:
    with pytest.raises(Invalid) as caught:
        check_reorder([1, 2, 3], requested)
    assert caught.value.code == "bad_document_order"
    assert caught.value.details["expected"] == [1, 2, 3]
