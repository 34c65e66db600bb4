"""Search through HTTP on both backends, with the same cases: FTS5 over SQLite and
Elasticsearch beside PostgreSQL + MinIO, each fed from the outbox by the real feed."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from support.archives import open_backend
from support.live import Api, LiveServer
from support.pdfs import vietnamese_pdf
from support.people import seed_people

from archive.services.consumers import owner_name
from indexer.extraction import TextReader
from indexer.indexing import Indexer
from indexer.opening import Search
from indexer.tasks import feed


@dataclass
class Corpus:
    api: Api
    indexer: Indexer
    ids: dict[str, int]  # dossiers and documents by name

    def feed(self) -> int:
        return feed(self.indexer, owner_name())

    def search(self, username: str, q: str, **params: Any) -> dict[str, Any]:
        with self.api.client(username) as client:
            answer = client.get("/api/search", params={"q": q, **params})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def dossiers(self, username: str, q: str, **params: Any) -> list[int]:
        return [g["dossier_id"] for g in self.search(username, q, **params)["groups"]]


def _open(
    api: Api, username: str, title: str, opened_on: str, parties: list[dict[str, str]]
) -> int:
    with api.client(username) as client:
        answer = client.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": title,
                "field": "xay_dung",
                "opened_on": opened_on,
                "parties": [{"role": "violator", **p} for p in parties],
                "custom": {"violation": title, "fine_amount": 7_500_000},
            },
        )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _add(
    api: Api, username: str, dossier_id: int, kind: str, title: str, pages: list[str], **form: str
) -> int:
    with api.client(username) as client:
        answer = client.post(
            f"/api/dossiers/{dossier_id}/documents",
            data={"kind": kind, "title": title, **form},
            files={"file": ("tai-lieu.pdf", vietnamese_pdf(pages), "application/pdf")},
        )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Corpus]:
    with open_backend(request.param, tmp_path_factory.mktemp("search")) as opened:
        people = seed_people(opened.archive)
        with LiveServer(opened.archive) as server:
            api = Api(server.base_url, opened, people)
            search = Search.open(opened.archive)
            reader = TextReader(
                memory_mb=1024, seconds=60, work_dir=opened.settings.data_dir / "ix"
            )
            indexer = Indexer(opened.archive, search.prepared(), reader)
            ids: dict[str, int] = {}
            ids["lam_ha"] = _open(
                api,
                "official_tp",
                "Vi phạm trật tự xây dựng tại phường Lam Hạ",
                "2024-03-04",
                [{"name": "Đặng Văn Đức", "id_number": "035090001234"}],
            )
            ids["lam_ha_record"] = _add(
                api,
                "official_tp",
                ids["lam_ha"],
                "bien_ban_vi_pham",
                "Biên bản vi phạm hành chính",
                [
                    "BIÊN BẢN VI PHẠM HÀNH CHÍNH\nÔng Đặng Văn Đức xây dựng công trình\n"
                    "không có giấy phép tại phường Lam Hạ",
                    "Người vi phạm ký tên\nNgười lập biên bản",
                ],
            )
            ids["lam_ha_decision"] = _add(
                api,
                "official_tp",
                ids["lam_ha"],
                "quyet_dinh_xu_phat",
                "Quyết định xử phạt vi phạm hành chính",
                [
                    "QUYẾT ĐỊNH\nSố: 125/QĐ-XPHC\nVề việc xử phạt vi phạm hành chính\n"
                    "Phạt tiền 7.500.000 đồng",
                    "Phủ Lý, ngày 26 tháng 5 năm 2023\nCHỦ TỊCH",
                ],
                number="125/QĐ-XPHC",
            )
            ids["tobacco"] = _open(
                api,
                "official_qldt",
                "Vận chuyển thuốc lá điếu",
                "2024-06-01",
                [{"name": "Trần Thị Hoà"}],
            )
            ids["tobacco_record"] = _add(
                api,
                "official_qldt",
                ids["tobacco"],
                "bien_ban_vi_pham",
                "Biên bản vi phạm hành chính",
                ["Hành vi nhập lậu 500 bao thuốc lá điếu\nphát hiện ngày 15/8/2024"],
            )
            ids["fakes"] = _open(
                api, "official_tp", "Kinh doanh mỹ phẩm", "2023-02-01", [{"name": "Lý Thị Hằng"}]
            )
            ids["fakes_record"] = _add(
                api,
                "official_tp",
                ids["fakes"],
                "bien_ban_vi_pham",
                "Biên bản vi phạm hành chính",
                ["Kinh doanh mỹ phẩm giả mạo nhãn hiệu\ncủa bà Lý Thị Hằng tại phường Lam Hạ"],
            )
            ids["duc_anh"] = _open(
                api, "official_tp", "Cửa hàng Duc Anh", "2024-09-09", [{"name": "Cong ty Duc Anh"}]
            )
            corpus = Corpus(api, indexer, ids)
            assert corpus.feed() > 0
            try:
                yield corpus
            finally:
                reader.close()
                search.close()


def test_a_name_is_found_however_it_is_typed(corpus: Corpus) -> None:
    for typed in (
        "Đặng Văn Đức",
        "dang van duc",
        "ĐẶNG VĂN ĐỨC",
        "DANG VAN DUC",
        unicodedata.normalize("NFD", "đặng văn đức"),
    ):
        assert corpus.dossiers("admin", typed)[:1] == [corpus.ids["lam_ha"]], typed


def test_hits_carry_document_page_and_a_marked_snippet(corpus: Corpus) -> None:
    body = corpus.search("admin", "dang van duc xay dung")
    group = body["groups"][0]
    assert group["dossier_id"] == corpus.ids["lam_ha"]
    pages = [(h["document_id"], h["page"]) for h in group["hits"]]
    assert (corpus.ids["lam_ha_record"], 1) in pages
    hit = group["hits"][pages.index((corpus.ids["lam_ha_record"], 1))]
    assert "<mark>Đặng</mark> <mark>Văn</mark> <mark>Đức</mark>" in hit["snippet"]
    assert "<mark>xây</mark> <mark>dựng</mark>" in hit["snippet"]


def test_decision_numbers_are_found_as_people_type_them(corpus: Corpus) -> None:
    for typed in ("125/QĐ-XPHC", "125/qd-xphc", "125 QĐ XPHC", "125-QD-XPHC"):
        body = corpus.search("admin", typed)
        assert [g["dossier_id"] for g in body["groups"]] == [corpus.ids["lam_ha"]], typed
        pages = {(h["document_id"], h["page"]) for h in body["groups"][0]["hits"]}
        assert (corpus.ids["lam_ha_decision"], 1) in pages, typed


def test_dates_are_found_whichever_way_they_are_written(corpus: Corpus) -> None:
    for typed in ("26/5/2023", "26/05/2023", "ngày 26 tháng 5 năm 2023", "tháng 5 năm 2023"):
        body = corpus.search("admin", typed)
        assert [g["dossier_id"] for g in body["groups"]] == [corpus.ids["lam_ha"]], typed
        assert (corpus.ids["lam_ha_decision"], 2) in {
            (h["document_id"], h["page"]) for h in body["groups"][0]["hits"]
        }
    # written as 15/8/2024 on the page, asked in words
    assert corpus.dossiers("admin", "ngày 15 tháng 8 năm 2024") == [corpus.ids["tobacco"]]


def test_words_are_anded_and_a_query_about_nothing_held_finds_nothing(corpus: Corpus) -> None:
    # each word is in the archive, never together
    body = corpus.search("admin", "thuốc lá Đặng")
    assert body["groups"] == [] and body["total"] == 0
    assert corpus.search("admin", "Nguyễn Quỳnh Hương")["total"] == 0


def test_a_word_typed_with_its_diacritics_ranks_exact_pages_first(corpus: Corpus) -> None:
    assert corpus.dossiers("admin", "Đức")[0] == corpus.ids["lam_ha"]
    assert set(corpus.dossiers("admin", "duc")) >= {corpus.ids["lam_ha"], corpus.ids["duc_anh"]}
    assert corpus.dossiers("admin", "Duc Anh")[0] == corpus.ids["duc_anh"]


def test_a_typo_still_finds_its_documents(corpus: Corpus) -> None:
    body = corpus.search("admin", "Đặng Văn Đứcc")
    assert [g["dossier_id"] for g in body["groups"]][:1] == [corpus.ids["lam_ha"]]
    assert body["fuzzy"] == ["ducc"]
    assert corpus.dossiers("admin", "xay dunh giay phep")[:1] == [corpus.ids["lam_ha"]]


def test_a_typo_that_is_itself_a_word_still_finds_the_name(corpus: Corpus) -> None:
    # "hanh" (for Hằng) is a word of the archive (hành chính), so it is not misspelt as
    # such; but it never stands beside "thi", so its near spellings beside it count.
    body = corpus.search("admin", "Lý Thị hanh")
    assert [g["dossier_id"] for g in body["groups"]] == [corpus.ids["fakes"]]
    assert body["fuzzy"] == []
    assert "<mark>Hằng</mark>" in body["groups"][0]["hits"][0]["snippet"]
    # ... while words typed with their diacritics are taken as meant, and a near spelling
    # never counts on its own: these still find nothing
    assert corpus.search("admin", "Lý Thị Hành")["total"] == 0
    assert corpus.search("admin", "thuoc la dang")["total"] == 0


def test_phrases_or_and_minus(corpus: Corpus) -> None:
    assert corpus.dossiers("admin", '"không có giấy phép"') == [corpus.ids["lam_ha"]]
    assert corpus.dossiers("admin", '"giấy có phép"') == []
    # OR joins the words beside it: (thuốc OR mỹ) AND phẩm
    assert corpus.dossiers("admin", "thuốc OR mỹ phẩm") == [corpus.ids["fakes"]]
    assert set(corpus.dossiers("admin", 'thuốc OR "mỹ phẩm"')) == {
        corpus.ids["tobacco"],
        corpus.ids["fakes"],
    }
    assert corpus.dossiers("admin", "phường Lam Hạ -Đặng") == [corpus.ids["fakes"]]


def test_topic_words_find_their_synonyms(corpus: Corpus) -> None:
    # the page says "nhập lậu", the official asks for "buôn lậu"
    assert corpus.dossiers("admin", "buôn lậu thuốc lá") == [corpus.ids["tobacco"]]
    # the page says "giả mạo nhãn hiệu", asked as "hàng giả"
    assert corpus.dossiers("admin", "hàng giả mỹ phẩm") == [corpus.ids["fakes"]]


def test_nobody_sees_a_hit_count_or_facet_of_a_dossier_they_may_not_open(corpus: Corpus) -> None:
    ids = corpus.ids
    # Phòng QLĐT's official: only the tobacco dossier, whatever they ask
    body = corpus.search("official_qldt", "phường Lam Hạ")
    assert body["total"] == 0 and body["groups"] == [] and body["facets"] == {}
    body = corpus.search("official_qldt", "biên bản")
    assert [g["dossier_id"] for g in body["groups"]] == [ids["tobacco"]]
    assert body["total"] == 1
    assert {f["value"] for f in body["facets"]["unit"]} == {str(corpus.api.people.unit_ids["qldt"])}
    # the auditor: Phòng Tư pháp's dossiers opened in 2024 only
    body = corpus.search("auditor", "phường Lam Hạ")
    assert [g["dossier_id"] for g in body["groups"]] == [ids["lam_ha"]]
    assert body["total"] == 1
    assert {f["value"] for f in body["facets"]["year"]} == {"2024"}
    # the admin sees both
    assert set(corpus.dossiers("admin", "phường Lam Hạ")) == {ids["lam_ha"], ids["fakes"]}


def test_a_share_opens_the_dossier_to_search_once_fed(corpus: Corpus) -> None:
    ids = corpus.ids
    assert corpus.dossiers("official_qldt", "Duc Anh") == []
    with corpus.api.client("official_tp") as client:
        shared = client.post(
            f"/api/dossiers/{ids['duc_anh']}/shares",
            json={"unit_code": "qldt"},
        )
        assert shared.status_code in (200, 201, 204), shared.text
    corpus.feed()
    assert corpus.dossiers("official_qldt", "Duc Anh") == [ids["duc_anh"]]
    with corpus.api.client("official_tp") as client:
        gone = client.delete(f"/api/dossiers/{ids['duc_anh']}/shares/qldt")
        assert gone.status_code in (200, 204), gone.text
    # Even before the feed catches up, a withdrawn share is never shown...
    assert corpus.dossiers("official_qldt", "Duc Anh") == []
    corpus.feed()
    body = corpus.search("official_qldt", "Duc Anh")
    assert body["total"] == 0 and body["facets"] == {}


def test_facets_count_dossiers_and_filters_narrow(corpus: Corpus) -> None:
    ids, units = corpus.ids, corpus.api.people.unit_ids
    body = corpus.search("admin", "biên bản")
    assert body["total"] == 3
    assert {(f["value"], f["count"]) for f in body["facets"]["unit"]} == {
        (str(units["tu_phap"]), 2),
        (str(units["qldt"]), 1),
    }
    assert {(f["value"], f["count"]) for f in body["facets"]["year"]} == {("2024", 2), ("2023", 1)}
    assert corpus.dossiers("admin", "biên bản", year=2023) == [ids["fakes"]]
    assert corpus.dossiers("admin", "biên bản", unit=units["qldt"]) == [ids["tobacco"]]
    assert corpus.dossiers("admin", "phạt", kind="quyet_dinh_xu_phat") == [ids["lam_ha"]]
    newest = corpus.dossiers("admin", "biên bản", sort="newest")
    assert newest == [ids["tobacco"], ids["lam_ha"], ids["fakes"]]
    assert corpus.dossiers("admin", "biên bản", sort="oldest") == newest[::-1]
    first = corpus.search("admin", "biên bản", sort="newest", limit=2)
    rest = corpus.search("admin", "biên bản", sort="newest", limit=2, offset=2)
    assert [g["dossier_id"] for g in first["groups"] + rest["groups"]] == newest
    assert first["total"] == rest["total"] == 3


def test_each_document_shows_its_index_state(corpus: Corpus) -> None:
    with corpus.api.client("official_tp") as client:
        answer = client.get(f"/api/documents/{corpus.ids['lam_ha_record']}/search-state")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["status"] == "indexed" and body["pages"] == 2 and body["empty_pages"] == []
        new = _add(
            corpus.api,
            "official_tp",
            corpus.ids["lam_ha"],
            "khac",
            "Tờ trình",
            ["Tờ trình về việc cưỡng chế tháo dỡ"],
        )
        assert client.get(f"/api/documents/{new}/search-state").json()["status"] == "pending"
        corpus.feed()
        assert client.get(f"/api/documents/{new}/search-state").json()["status"] == "indexed"
        assert corpus.dossiers("official_tp", "cưỡng chế tháo dỡ") == [corpus.ids["lam_ha"]]
    with corpus.api.client("official_qldt") as client:
        hidden = client.get(f"/api/documents/{corpus.ids['lam_ha_record']}/search-state")
        assert hidden.status_code == 404


def test_a_query_is_refused_when_empty_and_answers_nothing_for_marks_alone(corpus: Corpus) -> None:
    with corpus.api.client("admin") as client:
        assert client.get("/api/search", params={"q": ""}).status_code == 422
        answer = client.get("/api/search", params={"q": "-Đặng"})
        assert answer.status_code == 200 and answer.json()["total"] == 0
        answer = client.get("/api/search", params={"q": "/// ..."})
        assert answer.status_code == 200 and answer.json()["total"] == 0


def test_search_needs_a_signed_in_user(corpus: Corpus) -> None:
    with httpx.Client(base_url=corpus.api.base_url) as client:
        assert client.get("/api/search", params={"q": "Đức"}).status_code == 401


def test_the_dossier_list_search_box_reads_the_full_text(corpus: Corpus) -> None:
    ids = corpus.ids

    def listed(username: str, q: str) -> list[int]:
        with corpus.api.client(username) as client:
            answer = client.get("/api/dossiers", params={"q": q})
        assert answer.status_code == 200, answer.text
        return [d["id"] for d in answer.json()["items"]]

    # a party's name, typed in lower case and without diacritics: not in code or title
    assert listed("official_tp", "đặng văn đức") == [ids["lam_ha"]]
    assert listed("official_tp", "dang van duc") == [ids["lam_ha"]]
    # words only a page holds
    assert listed("admin", "nhập lậu") == [ids["tobacco"]]
    assert listed("official_tp", "nhập lậu") == []
    # code and title still match as a substring
    assert ids["fakes"] in listed("official_tp", "mỹ phẩm")


def test_details_printed_on_a_decree_30_document_are_offered_and_found(corpus: Corpus) -> None:
    from archive.demo.dataset import UNITS, build_dataset
    from archive.demo.pdfs import render_document

    dataset = build_dataset(seed=5, dossiers=12)
    dossier = next(d for d in dataset.dossiers if d.case_type == "xlvphc")
    decision = next(d for d in dossier.documents if d.kind == "quyet_dinh_xu_phat")
    unit = next(u for u in UNITS if u.code == dossier.unit_code)
    data = render_document(decision, agency=unit.letterhead_agency, unit_name=unit.letterhead_name)
    assert decision.number
    with corpus.api.client("official_tp") as client:
        # the uploader gives a kind and a title only
        answer = client.post(
            f"/api/dossiers/{corpus.ids['lam_ha']}/documents",
            data={"kind": "quyet_dinh_xu_phat", "title": "Quyết định"},
            files={"file": ("qd.pdf", data, "application/pdf")},
        )
        assert answer.status_code == 201, answer.text
        document_id = answer.json()["id"]
        corpus.feed()
        state = client.get(f"/api/documents/{document_id}/search-state").json()
    offered = state["read_from_page"]
    assert offered["number"] == decision.number
    assert offered["issued_on"] == decision.issued_on.isoformat()
    assert offered["place"] == decision.place
    assert offered["doc_type"] == "QUYẾT ĐỊNH"
    body = corpus.search("official_tp", decision.number)
    assert (document_id, 0) in {
        (h["document_id"], h["page"]) for g in body["groups"] for h in g["hits"]
    }
