"""The index follows the store whatever happens: a search engine that is down for a while,
a worker killed in the middle of a batch, a file the text reader cannot read in time.
Afterwards everything is searchable, and no process or file is left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import psutil
import pytest
from support.archives import Backend, open_backend
from support.forwarder import Forwarder
from support.pdfs import vietnamese_pdf
from support.processes import Served, archive_env, free_port
from support.scans import scanned_pdf
from support.services import new_dossier, received

from archive.domain.access import Scope
from archive.domain.model import User
from archive.domain.roles import Role
from archive.metadata import documents as document_rows
from archive.metadata import dossiers as dossier_rows
from archive.services import accounts, consumers
from archive.services import documents as document_service
from archive.services.consumers import owner_name
from indexer import state
from indexer.backend import SearchRequest, SearchUnavailable
from indexer.elastic import ElasticIndex
from indexer.entries import document_entries
from indexer.extraction import TextReader
from indexer.indexing import CONSUMER, Indexer, document_fields, dossier_fields
from indexer.opening import Search
from indexer.query import parse
from indexer.tasks import feed


@dataclass
class Setup:
    backend: Backend
    search: Search
    reader: TextReader
    admin: User
    added: int = 0  # documents added so far: each gets the next keyword

    @property
    def scope(self) -> Scope:
        return self.backend.archive.actor(self.admin).scope

    def indexer(self) -> Indexer:
        return Indexer(self.backend.archive, self.search.prepared(), self.reader)

    def add_documents(self, count: int) -> list[int]:
        archive = self.backend.archive
        actor = archive.actor(self.admin)
        dossier = new_dossier(archive, actor, "Hồ sơ thử chỉ mục")
        ids = []
        for n in range(self.added, self.added + count):
            data = vietnamese_pdf([f"Biên bản số {n}\ntừ khoá riêng tukhoa{n}", "Trang hai"])
            draft = document_service.DocumentDraft(kind="bien_ban_vi_pham", title=f"Tờ {n}")
            ids.append(
                document_service.add(archive, actor, dossier, draft, received(archive, data)).id
            )
        self.added += count
        return ids

    def found(self, words: str) -> int:
        request = SearchRequest(parse(words), facets=False)
        return self.search.prepared().search(request, self.scope).total

    def states(self, ids: list[int]) -> dict[int, state.Status]:
        with self.backend.archive.db.read() as conn:
            return {i: state.of(conn, i, 1).status for i in ids}

    def lag(self) -> int | None:
        return consumers.lag(self.backend.archive, CONSUMER)


def _setup(backend: Backend) -> Iterator[Setup]:
    archive = backend.archive
    accounts.create_unit(archive, "ubnd", "UBND thành phố", None, by=None)
    admin = accounts.create_user(
        archive,
        username="quantri",
        full_name="Quản trị",
        password="mat-khau-thu-nghiem-dai",
        role=Role.ADMIN,
        unit_code="ubnd",
        by=None,
    )
    search = Search.open(archive)
    search.state_ready()
    reader = TextReader(memory_mb=1024, seconds=60, work_dir=backend.settings.data_dir / "ix")
    try:
        yield Setup(backend, search, reader, admin)
    finally:
        reader.close()
        search.close()


@pytest.fixture
def setup(backend: Backend) -> Iterator[Setup]:
    yield from _setup(backend)


@pytest.fixture
def scaled(tmp_path: Path) -> Iterator[Setup]:
    with open_backend("scaled", tmp_path) as backend:
        yield from _setup(backend)


def _reader_processes() -> list[psutil.Process]:
    return [
        p
        for p in psutil.process_iter(["cmdline"])
        if "indexer.page_reader" in " ".join(p.info["cmdline"] or [])
    ]


def test_a_search_engine_down_for_a_while_loses_nothing(scaled: Setup) -> None:
    ids = scaled.add_documents(3)
    settings = scaled.backend.settings
    # Elasticsearch "down": nothing listens where the feed looks for it.
    down = ElasticIndex(f"http://127.0.0.1:{free_port()}", settings.elasticsearch_index, timeout=2)
    broken = Indexer(scaled.backend.archive, down, scaled.reader)
    lag_before = scaled.lag()
    for _ in range(3):
        with pytest.raises(SearchUnavailable):
            feed(broken, "worker-a")
    down.close()
    # Nothing was acknowledged: the position did not move past the unindexed events.
    assert scaled.lag() == lag_before or lag_before is None
    assert set(scaled.states(ids).values()) == {state.Status.PENDING}
    # Back up: the same worker takes the same batch straight back.
    assert feed(scaled.indexer(), "worker-a") > 0
    assert scaled.lag() == 0
    assert set(scaled.states(ids).values()) == {state.Status.INDEXED}
    for n in range(3):
        assert scaled.found(f"tukhoa{n}") == 1
    assert not list((settings.data_dir / "ix").glob("*")), "temporary copies left behind"


@contextmanager
def _served_behind_a_forwarder(
    scaled: Setup, tmp_path: Path, **env: str
) -> Iterator[tuple[Forwarder, Served, httpx.Client]]:
    """One indexed document, and ``archive serve`` reaching Elasticsearch through a
    forwarder the test switches; a client signed in as the administrator."""
    scaled.add_documents(1)
    assert feed(scaled.indexer(), "worker-a") > 0
    es = httpx.URL(scaled.backend.settings.elasticsearch_url or "")
    with (
        Forwarder(es.host, es.port or 80) as engine,
        Served(
            scaled.backend.settings,
            tmp_path,
            "--no-worker",
            ARCHIVE_ELASTICSEARCH_URL=engine.url,
            **env,
        ) as served,
        httpx.Client(base_url=served.base_url, timeout=120) as client,
    ):
        token = client.post(
            "/api/auth/login",
            json={"username": "quantri", "password": "mat-khau-thu-nghiem-dai"},
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.get("/api/search", params={"q": "tukhoa0"}).json()["total"] == 1
        yield engine, served, client


def test_searches_are_refused_while_the_search_engine_is_gone_and_answer_once_it_is_back(
    scaled: Setup, tmp_path: Path
) -> None:
    with _served_behind_a_forwarder(scaled, tmp_path) as (engine, served, client):

        def ask() -> httpx.Response:
            return client.get("/api/search", params={"q": "tukhoa0"})

        engine.up = False
        for _ in range(10):  # warm-up of the failing path
            assert ask().status_code == 503
        process = served.process()
        handles, rss = process.num_fds(), process.memory_info().rss
        for _ in range(200):
            gone = ask()
            assert gone.status_code == 503, gone.text
        error = gone.json()["error"]
        assert "Máy tìm kiếm đang không trả lời" in error["message"]
        assert error["code"] == "not_ready"
        assert "try again in a few minutes" in error["message_en"]
        # Nothing piles up while it is gone: no connection, handle or memory kept.
        assert process.num_fds() <= handles + 2
        growth = (process.memory_info().rss - rss) / 2**20
        assert growth < 20, f"the server grew by {growth:.1f} MiB over 200 refused searches"
        # Back at the same address: the same server answers again, nothing restarted.
        engine.up = True
        back = ask()
        assert back.status_code == 200, back.text
        assert [g["hits"][0]["page"] for g in back.json()["groups"]] == [1]
        assert served.proc is not None and served.proc.poll() is None


_SLOW_FEED = """
import time, sys
from indexer.indexing import Indexer
from indexer.tasks import _indexer, feed
whole = Indexer.document
def slow(self, document_id):
    time.sleep(0.3)
    return whole(self, document_id)
Indexer.document = slow
indexer, owner = _indexer()
print("owner", owner, flush=True)
feed(indexer, owner, budget=600)
"""


def test_a_worker_killed_mid_batch_loses_nothing(setup: Setup, tmp_path: Path) -> None:
    ids = setup.add_documents(12)
    env = archive_env(setup.backend.settings, ARCHIVE_SEARCH_LEASE_SECONDS="3")
    worker = subprocess.Popen(
        [sys.executable, "-c", _SLOW_FEED], env=env, cwd=tmp_path, stdout=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = [s for s in setup.states(ids).values() if s is state.Status.INDEXED]
            if len(done) >= 3:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker indexed nothing within 60 s")
        readers = psutil.Process(worker.pid).children(recursive=True)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        if worker.stdout:
            worker.stdout.close()
    states = setup.states(ids)
    assert state.Status.PENDING in states.values(), "killed after the batch: not mid-batch"
    assert setup.lag() not in (0, None), "a killed worker's batch was acknowledged"
    # Its text reader ends with it (its pipe closes): no process is left reading.
    _gone, alive = psutil.wait_procs(readers, timeout=20)
    assert alive == []
    # Another worker takes the batch once the dead one's lease has run out.
    other = Indexer(setup.backend.archive, setup.search.prepared(), setup.reader)
    handled = 0
    deadline = time.monotonic() + 30
    while handled == 0 and time.monotonic() < deadline:
        handled = feed(other, owner_name())
        time.sleep(0.2)
    assert handled > 0
    assert setup.lag() == 0
    assert set(setup.states(ids).values()) == {state.Status.INDEXED}
    for n in range(12):
        assert setup.found(f"tukhoa{n}") == 1  # once each: nothing indexed twice


def test_a_file_whose_text_cannot_be_read_fails_alone_and_is_found_by_its_details(
    setup: Setup,
) -> None:
    ids = setup.add_documents(2)
    hasty = TextReader(
        memory_mb=1024, seconds=0.001, work_dir=setup.backend.settings.data_dir / "ix"
    )
    before = {p.pid for p in _reader_processes()}
    try:
        assert feed(Indexer(setup.backend.archive, setup.search.prepared(), hasty), "w") > 0
    finally:
        hasty.close()
    with setup.backend.archive.db.read() as conn:
        failed = [state.of(conn, i, 1) for i in ids]
    assert {f.status for f in failed} == {state.Status.FAILED}
    assert all("took longer" in (f.reason or "") for f in failed)
    # Its details stay searchable; its text is not in the index.
    assert setup.found("Tờ 1") >= 1
    assert setup.found("tukhoa1") == 0
    # Every overrunning reader was killed, and no copy of the file is left.
    time.sleep(0.2)
    assert {p.pid for p in _reader_processes()} <= before
    assert not list((setup.backend.settings.data_dir / "ix").glob("*"))
    # Reindexing with a reader given time puts its text in.
    indexer = setup.indexer()
    for document_id in ids:
        assert indexer.document(document_id) is state.Status.INDEXED
    indexer.index.settle()
    assert setup.found("tukhoa1") == 1


def _cli(setup: Setup, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive.cli", *args],
        cwd=tmp_path,
        env=archive_env(setup.backend.settings),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def test_archive_check_finds_drift_between_metadata_and_index_and_repairs_it(
    setup: Setup, tmp_path: Path
) -> None:
    ids = setup.add_documents(3)
    indexer = setup.indexer()
    assert feed(indexer, "w") > 0
    clean = _cli(setup, tmp_path, "check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Khớp · In agreement" in clean.stdout
    # Drift of every kind: entries lost, entries of a document that does not exist, a
    # document added while no worker ran.
    index = setup.search.prepared()
    index.remove_document(ids[0])
    with setup.backend.archive.db.read() as conn:
        document = document_rows.get(conn, ids[1])
        assert document is not None
        dossier = dossier_rows.get(conn, document.dossier_id, None)
        assert dossier is not None
    ghost = replace(document_fields(document), document_id=987_654)  # no such document
    index.put_document(
        dossier_fields(dossier), ghost, document_entries(dossier.id, ghost, ["bóng ma"], ["x"])
    )
    late = setup.add_documents(1)[0]
    index.settle()
    found = _cli(setup, tmp_path, "check")
    assert found.returncode == 1, found.stdout + found.stderr
    assert "Chỉ mục lệch · index entries differ: 1" in found.stdout
    assert "index holds unknown documents: 1" in found.stdout
    assert "not indexed (pending or stale): 1" in found.stdout
    assert setup.found("tukhoa0") == 0
    assert 987_654 in index.documents()  # FTS5 never shows it (no such document to join)
    repaired = _cli(setup, tmp_path, "check", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "Đã sửa · repaired: 3" in repaired.stdout
    again = _cli(setup, tmp_path, "check")
    assert again.returncode == 0 and "Khớp · In agreement" in again.stdout
    assert setup.found("tukhoa0") == 1 and setup.found("bóng ma") == 0
    assert 987_654 not in index.documents()
    assert setup.states([late]) == {late: state.Status.INDEXED}


def test_a_scan_is_sent_to_ocr_and_its_text_is_found_once_read(setup: Setup) -> None:
    from indexer.ocr_tasks import ocr_document

    archive = setup.backend.archive
    actor = archive.actor(setup.admin)
    dossier = new_dossier(archive, actor, "Hồ sơ giấy đã số hoá")
    data = scanned_pdf(
        [["BIÊN BẢN VI PHẠM HÀNH CHÍNH", "Ông Trịnh Xuân Khoát lấn chiếm", "vỉa hè"]]
    )
    draft = document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Bản quét")
    document_id = document_service.add(archive, actor, dossier, draft, received(archive, data)).id
    asked: list[tuple[int, int]] = []
    indexer = Indexer(
        archive, setup.search.prepared(), setup.reader, ocr=lambda *a: asked.append(a)
    )
    assert feed(indexer, "w") > 0
    with archive.db.read() as conn:
        before = state.of(conn, document_id, 1)
    assert before.status is state.Status.INDEXED and before.empty_pages == (1,)
    assert asked == [(document_id, 1)]  # the scan went to the OCR queue, once
    assert setup.found("Khoát") == 0
    # The OCR queue does its work; the feed takes the text it stored.
    ocr_document(archive, document_id, 1)
    assert feed(indexer, "w") > 0
    with archive.db.read() as conn:
        after = state.of(conn, document_id, 1)
    assert after.empty_pages == ()
    assert setup.found("Trịnh Xuân Khoát") == 1
    assert setup.found("lan chiem via he") == 1
    assert asked == [(document_id, 1)]  # not asked again once the text is there


def test_a_hanging_search_engine_never_holds_up_the_rest_of_the_archive(
    scaled: Setup, tmp_path: Path
) -> None:
    with _served_behind_a_forwarder(scaled, tmp_path, ARCHIVE_SEARCH_SECONDS="3") as (
        engine,
        served,
        client,
    ):
        threads_before = served.process().num_threads()
        # The engine takes connections and never answers; 48 people search at once (more
        # than the 40 threads the server runs its requests in).
        engine.up, engine.hanging = False, True
        answers: list[int] = []

        def ask() -> None:
            with httpx.Client(base_url=served.base_url, timeout=120, headers=client.headers) as c:
                answers.append(c.get("/api/search", params={"q": "tukhoa0"}).status_code)

        askers = [threading.Thread(target=ask) for _ in range(48)]
        for t in askers:
            t.start()
        time.sleep(1)
        # Meanwhile the rest of the archive answers at once.
        for _ in range(5):
            started = time.monotonic()
            listed = client.get("/api/dossiers")
            assert listed.status_code == 200, listed.text
            assert time.monotonic() - started < 1, "the dossier list waited on the searches"
        for t in askers:
            t.join(timeout=60)
        # Each search was refused after its 3 s (48 in turns of 8: about 18 s), none lost.
        assert answers == [503] * 48
        engine.up, engine.hanging = True, False
        back = client.get("/api/search", params={"q": "tukhoa0"})
        assert back.status_code == 200 and back.json()["total"] == 1
        assert served.process().num_threads() <= threads_before + 8
