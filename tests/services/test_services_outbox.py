"""The outbox: every change tells the later stages (search, statistics, deadlines) what
happened, in the change's own transaction, and each of them reads it at its own pace.

Topic names are constants (``archive.domain.events.Topic``); the test below asserts the
topic and the payload of every event a day of work produces, so a producer cannot drift
from what consumers expect without a test failing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from support.archives import Backend
from support.pdfs import make_pdf
from support.services import new_dossier, official, received

from archive.domain.events import Topic
from archive.domain.model import VersionReason
from archive.metadata import outbox
from archive.metadata.outbox import Event
from archive.services import casetypes as casetype_service
from archive.services import consumers, derivatives, dossiers
from archive.services import documents as document_service
from archive.services.context import Archive


def events(archive: Archive, after: int = 0) -> list[tuple[str, dict[str, Any]]]:
    with archive.db.read() as conn:
        return [(e.topic.value, dict(e.payload)) for e in outbox.events_after(conn, after)]


def latest(archive: Archive) -> int:
    with archive.db.read() as conn:
        return outbox.latest(conn)


def test_every_change_emits_its_topic_and_payload(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    actor = archive.actor(user)
    accounts_mark = latest(archive)
    dossier_id = new_dossier(archive, user)
    opened = events(archive, accounts_mark)
    assert [topic for topic, _ in opened] == ["dossier.opened", "dossier.stage_changed"]
    assert opened[0][1] == {"dossier_id": dossier_id}
    stage_event = opened[1][1]
    assert stage_event["dossier_id"] == dossier_id
    assert (stage_event["from_stage"], stage_event["to_stage"]) == (None, "phat_hien")
    assert stage_event["effective_on"] == "2024-05-26" and stage_event["event_id"] > 0

    mark = latest(archive)
    dossiers.change(archive, actor, dossier_id, {"title": "Vi phạm (đính chính)"})
    moved = dossiers.move_stage(
        archive, actor, dossier_id, to_stage="lap_bien_ban", effective_on=date(2024, 5, 27)
    )
    first = document_service.add(
        archive,
        actor,
        dossier_id,
        document_service.DocumentDraft(kind="bien_ban_vi_pham", title="Biên bản"),
        received(archive, make_pdf(1)),
    )
    second = document_service.add(
        archive,
        actor,
        dossier_id,
        document_service.DocumentDraft(kind="khac", title="Ảnh"),
        received(archive, make_pdf(2)),
    )
    document_service.add_version(archive, actor, first.id, received(archive, make_pdf(3)))
    document_service.change(archive, actor, first.id, {"title": "Biên bản (bản chính)"})
    document_service.reorder(archive, actor, dossier_id, [second.id, first.id])
    text = received(archive, "Nội dung nhận dạng".encode(), "ocr.txt")
    stored = derivatives.store(
        archive,
        document_id=first.id,
        version=2,
        kind="text",
        received=text,
        media_type="text/plain; charset=utf-8",
    )
    with archive.db.read() as conn:
        unit = conn.exec_driver_sql("SELECT id FROM units WHERE code = 'tu_phap'").scalar_one()
    dossiers.share(archive, actor, dossier_id, "tu_phap")  # its own unit: nothing changes
    definition = casetype_service.definition(archive, "qltt", None)
    assert definition is not None
    casetype_service.save(
        archive, user, "qltt", {**definition, "legal_basis": "Sửa đổi"}, new=False
    )

    assert events(archive, mark) == [
        ("dossier.changed", {"dossier_id": dossier_id, "fields": ["title"]}),
        (
            "dossier.stage_changed",
            {
                "dossier_id": dossier_id,
                "event_id": moved.id,
                "from_stage": "phat_hien",
                "to_stage": "lap_bien_ban",
                "effective_on": "2024-05-27",
            },
        ),
        (
            "document.stored",
            {
                "document_id": first.id,
                "dossier_id": dossier_id,
                "version": 1,
                "reason": "upload",
                "current": True,
            },
        ),
        (
            "document.stored",
            {
                "document_id": second.id,
                "dossier_id": dossier_id,
                "version": 1,
                "reason": "upload",
                "current": True,
            },
        ),
        (
            "document.stored",
            {
                "document_id": first.id,
                "dossier_id": dossier_id,
                "version": 2,
                "reason": "upload",
                "current": True,
            },
        ),
        (
            "document.changed",
            {"document_id": first.id, "dossier_id": dossier_id, "fields": ["title"]},
        ),
        ("dossier.reordered", {"dossier_id": dossier_id}),
        (
            "derivative.stored",
            {"document_id": first.id, "version": 2, "kind": "text", "derivative_id": stored.id},
        ),
        ("dossier.shared", {"dossier_id": dossier_id, "unit_id": unit, "shared": True}),
        ("case_type.changed", {"code": "qltt", "version": 2}),
    ]
    assert {t.value for t in Topic} >= {topic for topic, _ in events(archive)}


def test_event_numbers_have_no_gaps_and_follow_commit_order(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    for n in range(5):
        new_dossier(archive, user, f"Hồ sơ {n}")
    with archive.db.read() as conn:
        ids = [e.id for e in outbox.events_after(conn, 0)]
    assert ids == list(range(1, len(ids) + 1))


def collect(into: list[Event]) -> Any:
    def handle(batch: Sequence[Event]) -> None:
        into.extend(batch)

    return handle


def test_each_consumer_reads_everything_once_at_its_own_pace(backend: Backend) -> None:
    archive = backend.archive
    user = official(archive)
    new_dossier(archive, user)
    search: list[Event] = []
    statistics: list[Event] = []
    while consumers.consume(archive, "search", collect(search), limit=1):
        pass
    assert consumers.lag(archive, "search") == 0
    assert consumers.lag(archive, "statistics") is None  # never ran
    new_dossier(archive, user, "Hồ sơ thứ hai")
    assert consumers.lag(archive, "search") == 2
    while consumers.consume(archive, "statistics", collect(statistics)):
        pass
    while consumers.consume(archive, "search", collect(search)):
        pass
    assert (
        [e.id for e in search] == [e.id for e in statistics] == list(range(1, latest(archive) + 1))
    )


def test_a_consumer_that_dies_mid_batch_gets_the_batch_again(backend: Backend) -> None:
    """A worker claims a batch and dies before acknowledging it. Nobody else gets the
    consumer while the lease runs; once it ran out, the same batch is handed out again,
    and the dead worker's late acknowledgement moves nothing."""
    archive = backend.archive
    new_dossier(archive, official(archive))
    lease = timedelta(seconds=1)
    with archive.db.write() as conn:
        outbox.register(conn, "search")
        dead = outbox.claim(conn, "search", "worker-a", limit=10, lease=lease)
    assert dead is not None and [e.id for e in dead.events] == [1, 2]
    with archive.db.write() as conn:
        assert outbox.claim(conn, "search", "worker-b", limit=10, lease=lease) is None
    time.sleep(1.2)
    with archive.db.write() as conn:
        again = outbox.claim(conn, "search", "worker-b", limit=10, lease=lease)
    assert again is not None and [e.id for e in again.events] == [1, 2]
    with archive.db.write() as conn:
        assert outbox.acknowledge(conn, dead) is False  # its lease went to worker-b
        assert outbox.position(conn, "search") == 0
        assert outbox.acknowledge(conn, again) is True
        assert outbox.position(conn, "search") == 2


def test_a_handler_that_fails_leaves_the_batch_for_the_next_claim(backend: Backend) -> None:
    archive = backend.archive
    new_dossier(archive, official(archive))

    def failing(batch: Sequence[Event]) -> None:
        raise RuntimeError("the index is down")

    with pytest.raises(RuntimeError):
        # a long lease: the failure gives it back, so another worker need not wait it out
        consumers.consume(archive, "search", failing, owner="worker-a", lease=timedelta(minutes=5))
    seen: list[Event] = []
    assert consumers.consume(archive, "search", collect(seen), owner="worker-b") == 2
    assert [e.id for e in seen] == [1, 2]


@pytest.mark.postgres
def test_concurrent_claims_skip_a_locked_consumer_instead_of_waiting(
    backend: Backend,
) -> None:
    """On PostgreSQL the claim reads the consumer row FOR UPDATE SKIP LOCKED: while one
    worker's claim transaction holds the row, another worker's claim returns at once."""
    if backend.kind != "scaled":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time anyway")
    archive = backend.archive
    new_dossier(archive, official(archive))
    with archive.db.write() as conn:
        outbox.register(conn, "search")
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with archive.db.write() as conn:
            outbox.claim(conn, "search", "slow", limit=10, lease=timedelta(minutes=5))
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    started = time.monotonic()
    with archive.db.write() as conn:
        other = outbox.claim(conn, "search", "fast", limit=10, lease=timedelta(minutes=5))
    waited = time.monotonic() - started
    release.set()
    thread.join()
    assert other is None
    assert waited < 1.0


def test_a_derived_version_is_kept_beside_the_original(backend: Backend) -> None:
    """An OCR or PDF/A copy is a version with its lineage, stored through the same path as
    an upload; the original stays the current version, byte for byte."""
    archive = backend.archive
    user = official(archive)
    actor = archive.actor(user)
    dossier_id = new_dossier(archive, user)
    scan = make_pdf(2)
    original = document_service.add(
        archive,
        actor,
        dossier_id,
        document_service.DocumentDraft(kind="khac", title="Bản quét"),
        received(archive, scan),
    )
    copy = document_service.add_derived_version(
        archive,
        None,
        original.id,
        received(archive, make_pdf(2)),
        reason=VersionReason.PDFA,
        from_version=1,
    )
    assert copy.current.version == 1  # the original stays current
    derived = copy.versions[-1]
    assert (derived.version, derived.reason, derived.derived_from) == (2, VersionReason.PDFA, 1)
    assert derived.uploaded_by is None  # made by the archive itself
    with archive.db.read() as conn:
        payload = outbox.events_after(conn, 0)[-1].payload
    assert payload["reason"] == "pdfa" and payload["current"] is False
