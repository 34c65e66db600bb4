"""Outages of the servers the deadlines stage talks to, and what they leave behind.

The statistics writer, scaled, reaches Elasticsearch through a forwarder the test switches
off (connections dropped, or taken and never answered) and on again: a feed meanwhile fails
with ``StatisticsUnavailable``, the consumer does not move past the events it could not
take, the index keeps what it had and the database holds whole batches only; once the index
is back every dossier is counted, Elasticsearch agreeing with the SQL to the last figure.
Repeated outages leave no descriptor or connection behind. Reminders sent while no SMTP
server listens, 20 runs over: no socket, descriptor or memory is kept, a mail tried five
times is failed, and when the server is back every mail still pending is sent exactly once.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import select
from support.archives import Backend, open_backend
from support.forwarder import Forwarder
from support.people import People, seed_people
from support.processes import free_port
from support.servers import server_env
from support.smtp import SmtpServer

from archive.domain.model import Dossier, Party, PartyKind
from archive.metadata import outbox
from archive.metadata.schema import outbox_consumers
from archive.services import dossiers as dossier_service
from archive.services.context import Actor, Archive
from deadlines import stats_sql, tables
from deadlines.indicators import GroupBy, Period
from deadlines.reminded import set_address
from deadlines.reminding import MAX_MAIL_ATTEMPTS, remind
from deadlines.stats_elastic import FiguresIndex, StatisticsUnavailable
from deadlines.stats_feed import CONSUMER, Statistics, feed, statistics_for

OWNER = "worker-a"  # one worker throughout: it takes its own unacknowledged batch back
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
PERIODS = (YEAR, Period(date(2026, 2, 1), date(2026, 2, 28)))
HANG_SECONDS = 2.0  # the index's timeout in the hanging variant (FiguresIndex's default: 30)
Counts = dict[str, dict[str, int]]


# --- the statistics writer and Elasticsearch ------------------------------------------------


@dataclass
class Scaled:
    """A scaled archive whose ``elasticsearch_url`` is a forwarder to the real node."""

    backend: Backend
    forwarder: Forwarder
    people: People
    made: list[tuple[int, str]] = field(default_factory=list)  # (dossier id, unit code)

    @property
    def archive(self) -> Archive:
        return self.backend.archive

    def add(self, count: int) -> None:
        """Dossiers in both units, opened on different days, some moved a stage on."""
        for _ in range(count):
            n = len(self.made)
            unit, who = ("tu_phap", "official_tp") if n % 2 == 0 else ("qldt", "official_qldt")
            actor = self.archive.actor(self.people[who])
            opened = date(2026, 2, 2) + timedelta(days=n)
            made = _sanction_case(self.archive, actor, f"Thống kê khi mất máy chủ {n}", opened)
            if n % 3 == 0:
                dossier_service.move_stage(
                    self.archive,
                    actor,
                    made.id,
                    to_stage="lap_bien_ban",
                    effective_on=opened + timedelta(days=1),
                )
            self.made.append((made.id, unit))

    def opened(self) -> dict[str, int]:
        """Dossiers opened in ``YEAR`` by unit id, from what the test made."""
        out: dict[str, int] = {}
        for _, unit in self.made:
            key = str(self.people.unit_ids[unit])
            out[key] = out.get(key, 0) + 1
        return out

    def position(self) -> int | None:
        """Where the statistics consumer stands in the outbox (its row, read directly)."""
        c = outbox_consumers
        with self.archive.db.read() as conn:
            found = conn.execute(
                select(c.c.position).where(c.c.name == CONSUMER)
            ).scalar_one_or_none()
        return None if found is None else int(found)

    def latest(self) -> int:
        with self.archive.db.read() as conn:
            return outbox.latest(conn)

    def by_sql(self, period: Period, group_by: GroupBy) -> Counts:
        with self.archive.db.read() as conn:
            return stats_sql.counts(conn, period, group_by, unit_ids=None)

    def figured(self) -> set[int]:
        """The dossiers that have a row of figures in the database."""
        with self.archive.db.read() as conn:
            return {int(r[0]) for r in conn.execute(select(tables.case_figures.c.dossier_id))}

    def in_elasticsearch(self, period: Period, group_by: GroupBy) -> Counts:
        """What the node itself holds, asked directly (not through the forwarder)."""
        index = FiguresIndex(
            server_env("ARCHIVE_TEST_ELASTICSEARCH_URL"),
            f"{self.backend.settings.elasticsearch_index}-figures",
        )
        try:
            return index.counts(period, group_by, unit_ids=None, cache=False)
        finally:
            index.close()

    def short_timeout_statistics(self) -> Statistics:
        """The writer as ``statistics_for`` opens it, but its index gives up after
        ``HANG_SECONDS`` (the install's index waits 30 s and has no setting for it)."""
        statistics_for(self.archive)  # the figures' table
        settings = self.backend.settings
        index = FiguresIndex(
            self.forwarder.url, f"{settings.elasticsearch_index}-figures", timeout=HANG_SECONDS
        )
        return Statistics(self.archive, index)


def _sanction_case(archive: Archive, actor: Actor, title: str, opened_on: date) -> Dossier:
    return dossier_service.create(
        archive,
        actor,
        dossier_service.DossierDraft(
            case_type="xlvphc",
            title=title,
            field="giao_thong",
            opened_on=opened_on,
            parties=(Party("violator", PartyKind.INDIVIDUAL, "Lê Văn Bảo"),),
            custom={"violation": "Vượt đèn đỏ"},
        ),
    )


@pytest.fixture
def scaled(tmp_path: Path) -> Iterator[Scaled]:
    es = httpx.URL(server_env("ARCHIVE_TEST_ELASTICSEARCH_URL"))
    with (
        Forwarder(es.host, es.port or 80) as forwarder,
        open_backend("scaled", tmp_path, elasticsearch_url=forwarder.url) as backend,
    ):
        try:
            yield Scaled(backend, forwarder, seed_people(backend.archive))
        finally:
            # back up, so the test index can be dropped through it whatever happened
            forwarder.up, forwarder.hanging = True, False


def _opened(counts: Counts) -> dict[str, int]:
    return {unit: values["opened"] for unit, values in counts.items()}


def _assert_elasticsearch_equals_sql(scaled: Scaled, statistics: Statistics) -> None:
    for period in PERIODS:
        for group_by in GroupBy:
            by_sql = scaled.by_sql(period, group_by)
            assert statistics.counts(period, group_by, unit_ids=None) == by_sql, (
                period,
                group_by,
            )


def _failed_feed(statistics: Statistics) -> StatisticsUnavailable:
    with pytest.raises(StatisticsUnavailable) as raised:
        feed(statistics, OWNER)
    return raised.value


@pytest.mark.parametrize("mode", ["down", "hanging"])
def test_a_feed_while_elasticsearch_is_out_takes_nothing_and_everything_once_it_is_back(
    scaled: Scaled, mode: str
) -> None:
    statistics = (
        statistics_for(scaled.archive) if mode == "down" else scaled.short_timeout_statistics()
    )
    try:
        scaled.add(3)
        assert feed(statistics, OWNER) > 0
        fed = scaled.position()
        assert fed == scaled.latest()
        before = statistics.counts(YEAR, GroupBy.UNIT, unit_ids=None)
        assert _opened(before) == scaled.opened()
        figured_before = scaled.figured()

        scaled.add(4)
        waiting = scaled.latest() - (fed or 0)
        assert waiting >= 4
        scaled.forwarder.hanging = mode == "hanging"
        scaled.forwarder.up = False
        for _ in range(2):
            started = time.monotonic()
            failure = _failed_feed(statistics)
            took = time.monotonic() - started
            # a transport failure, not an answer of the node; and never a wait for ever
            assert isinstance(failure.__cause__, httpx.TransportError), repr(failure.__cause__)
            assert took < HANG_SECONDS + 5, f"a feed took {took:.1f} s against a dead index"
            # not acknowledged: the consumer did not move past what it could not take
            assert scaled.position() == fed
        if mode == "hanging":  # the second took a fresh connection, held unanswered
            assert isinstance(failure.__cause__, httpx.TimeoutException)
            assert took >= HANG_SECONDS - 0.1
        with pytest.raises(StatisticsUnavailable):
            statistics.counts(YEAR, GroupBy.UNIT, unit_ids=None)
        # The node kept exactly what it had; the database holds whole batches only: the old
        # figures, or every touched dossier's new ones (it is written before the index).
        assert scaled.in_elasticsearch(YEAR, GroupBy.UNIT) == before
        every = {dossier_id for dossier_id, _ in scaled.made}
        assert scaled.figured() in (figured_before, every)

        scaled.forwarder.up, scaled.forwarder.hanging = True, False
        assert feed(statistics, OWNER) == waiting  # the same batch, taken back whole
        assert scaled.position() == scaled.latest()
        assert feed(statistics, OWNER) == 0
        assert scaled.figured() == every
        after = statistics.counts(YEAR, GroupBy.UNIT, unit_ids=None)
        assert _opened(after) == scaled.opened()
        assert sum(_opened(after).values()) == len(scaled.made) == 7
        assert scaled.in_elasticsearch(YEAR, GroupBy.UNIT) == after
        _assert_elasticsearch_equals_sql(scaled, statistics)
    finally:
        if statistics is not statistics_for(scaled.archive):
            statistics.close()


def test_a_writer_opened_while_elasticsearch_is_out_says_it_is_unavailable(
    scaled: Scaled,
) -> None:
    """The worker catches ``StatisticsUnavailable`` (deadlines/stats_tasks.py): a writer
    whose index was never prepared must fail the same way, not with httpx's own error."""
    scaled.add(2)
    statistics = statistics_for(scaled.archive)
    scaled.forwarder.up = False
    with pytest.raises(StatisticsUnavailable):
        feed(statistics, OWNER)
    assert scaled.position() in (None, 0)
    scaled.forwarder.up = True
    assert feed(statistics, OWNER) == scaled.latest()
    assert _opened(statistics.counts(YEAR, GroupBy.UNIT, unit_ids=None)) == scaled.opened()
    _assert_elasticsearch_equals_sql(scaled, statistics)


def _handles(port: int) -> tuple[int, int]:
    """The process's open descriptors, and its connections to ``port`` (after collecting
    what only waits for the garbage collector)."""
    gc.collect()
    process = psutil.Process()
    to_port = [c for c in process.net_connections(kind="tcp") if c.raddr and c.raddr.port == port]
    return process.num_fds(), len(to_port)


def test_repeated_elasticsearch_outages_leave_no_descriptor_or_connection(
    scaled: Scaled,
) -> None:
    statistics = statistics_for(scaled.archive)
    forwarder = scaled.forwarder

    def cycle() -> None:
        scaled.add(1)
        fed = scaled.position()
        forwarder.up = False
        for _ in range(3):
            _failed_feed(statistics)
        with pytest.raises(StatisticsUnavailable):
            statistics.counts(YEAR, GroupBy.UNIT, unit_ids=None)
        assert scaled.position() == fed
        forwarder.up = True
        assert feed(statistics, OWNER) > 0
        assert _opened(statistics.counts(YEAR, GroupBy.UNIT, unit_ids=None)) == scaled.opened()

    scaled.add(2)
    assert feed(statistics, OWNER) > 0
    cycle()  # warm-up: pools, caches, the failing path once
    fds, connections = _handles(forwarder.port)
    assert connections <= 1  # at most the one kept alive for the next request
    for _ in range(5):
        cycle()
    fds_after, connections_after = _handles(forwarder.port)
    assert fds_after <= fds + 2, f"{fds} open descriptors before 5 outages, {fds_after} after"
    assert connections_after <= max(connections, 1), (connections, connections_after)
    assert scaled.position() == scaled.latest()
    _assert_elasticsearch_equals_sql(scaled, statistics)


# --- reminders and an SMTP server that is not there -----------------------------------------

OFFICIAL_MAIL = "duc.nv@tuphap.example.vn"
REMIND_ON = date(2026, 3, 23)  # a lập biên bản of 16/3 is to be decided by 25/3: 2 days left
ROUNDS = 20


def _reminded_case(archive: Archive, actor: Actor, title: str) -> Dossier:
    made = _sanction_case(archive, actor, title, date(2026, 3, 13))
    dossier_service.move_stage(
        archive, actor, made.id, to_stage="lap_bien_ban", effective_on=date(2026, 3, 16)
    )
    return made


def _mails(archive: Archive) -> dict[int, list[dict[str, Any]]]:
    """The reminder rows that are e-mailed, by dossier."""
    r = tables.reminders
    out: dict[int, list[dict[str, Any]]] = {}
    with archive.db.read() as conn:
        for row in conn.execute(select(r).where(r.c.mail_to.is_not(None)).order_by(r.c.id)):
            out.setdefault(int(row.dossier_id), []).append(dict(row._mapping))
    return out


class _Written(logging.Handler):
    """A worker's log handler, as far as memory goes: each record is formatted and let go."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)
        self.count += 1


@contextmanager
def _logged_as_a_worker_logs(name: str) -> Iterator[_Written]:
    """pytest keeps every record a test logs, with its arguments: here the exception, so
    its traceback, its frames and the message being sent; that would count as growth."""
    logger = logging.getLogger(name)
    handler = _Written()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler
    finally:
        logger.propagate = propagate
        logger.removeHandler(handler)


def _subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


@pytest.mark.parametrize("kind", ["embedded", "scaled"])
def test_reminders_without_an_smtp_server_keep_no_socket_or_memory_and_send_once_when_back(
    kind: str, tmp_path: Path
) -> None:
    nobody = free_port()  # nothing listens there
    with open_backend(kind, tmp_path, smtp_host="127.0.0.1", smtp_port=nobody) as backend:
        archive = backend.archive
        people = seed_people(archive)
        official = archive.actor(people["official_tp"])
        set_address(archive, official, people["official_tp"].id, OFFICIAL_MAIL)
        made: list[Dossier] = []
        process = psutil.Process()

        def one_run(n: int) -> None:
            """A new dossier whose deadline is near, and a reminder run: each mail still
            pending is tried once and fails."""
            made.append(_reminded_case(archive, official, f"Máy chủ thư ngừng {n}"))
            run = remind(archive, REMIND_ON)
            assert run.added == 2  # the official (by e-mail too) and their leader
            assert run.mailed == 0
            assert run.mail_failed == min(n, MAX_MAIL_ATTEMPTS)

        def measure() -> tuple[int, int, int, int]:
            gc.collect()
            sockets = len(process.net_connections(kind="inet"))
            traced, _ = tracemalloc.get_traced_memory()
            return process.num_fds(), sockets, traced, process.memory_info().rss

        tracemalloc.start()
        try:
            with _logged_as_a_worker_logs("deadlines.reminding") as logged:
                one_run(1)  # warm-up: pools, caches, the failing path once
                fds, sockets, traced, rss = measure()
                for n in range(2, ROUNDS + 2):
                    one_run(n)
                fds_after, sockets_after, traced_after, rss_after = measure()
        finally:
            tracemalloc.stop()
        # one warning per failed try: 1 + 2 + 3 + 4 + 5 * (ROUNDS - 3)
        assert logged.count == sum(min(n, MAX_MAIL_ATTEMPTS) for n in range(1, ROUNDS + 2))
        assert fds_after <= fds + 2, f"{fds} descriptors after the warm-up, {fds_after} after"
        assert sockets_after <= sockets, (sockets, sockets_after)
        grown = (traced_after - traced) / 2**10
        assert grown < 512, f"Python memory grew by {grown:.0f} KiB over {ROUNDS} runs"
        rss_grown = (rss_after - rss) / 2**20
        assert rss_grown < 30, f"the process grew by {rss_grown:.1f} MiB over {ROUNDS} runs"

        # Five tries, then failed (README, Nhắc việc); the later ones are still pending.
        mails = _mails(archive)
        assert sorted(mails) == sorted(d.id for d in made)
        assert all(len(rows) == 1 for rows in mails.values())
        still = made[-(MAX_MAIL_ATTEMPTS - 1) :]
        given_up = made[: -(MAX_MAIL_ATTEMPTS - 1)]
        for dossier in given_up:
            (row,) = mails[dossier.id]
            assert (row["mail"], row["mail_attempts"]) == ("failed", MAX_MAIL_ATTEMPTS)
            assert row["mail_error"]
        assert [mails[d.id][0]["mail_attempts"] for d in still] == [4, 3, 2, 1]
        assert {mails[d.id][0]["mail"] for d in still} == {"pending"}

        with SmtpServer() as smtp:
            settings = archive.settings.model_copy(update={"smtp_port": smtp.port})
            back = dataclasses.replace(archive, settings=settings)
            first = remind(back, REMIND_ON)
            again = remind(back, REMIND_ON)
            received = list(smtp.inbox.messages)
        assert (first.added, first.mailed, first.mail_failed) == (0, len(still), 0)
        assert (again.added, again.mailed, again.mail_failed) == (0, 0, 0)
        assert [m["To"] for m in received] == [OFFICIAL_MAIL] * len(still)
        codes = sorted(_subject(m).rsplit(" ", 1)[-1] for m in received)
        assert codes == sorted(d.code for d in still)
        assert len({m["Message-ID"] for m in received}) == len(still)
        mails = _mails(archive)
        assert {mails[d.id][0]["mail"] for d in still} == {"sent"}
        assert {mails[d.id][0]["mail"] for d in given_up} == {"failed"}
