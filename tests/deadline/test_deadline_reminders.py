"""Nhắc việc on both backends: the responsible official and their leader are reminded at
3 and 1 working days left and when overdue, in the archive and by e-mail through a real
SMTP server, exactly once per item and threshold — when runs repeat, run at once, meet an
SMTP outage, or a worker is killed with -9 in the middle of sending."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import select, update
from support.live import Api
from support.processes import archive_env, free_port
from support.smtp import SmtpServer

from archive.services.context import Archive
from deadlines import tables
from deadlines.calendars import calendars_for
from deadlines.reminding import remind

OFFICIAL_MAIL = "duc.nv@tuphap.example.vn"


def sanction_case(live: Api, title: str, record_on: str = "2026-02-09") -> int:
    with live.client("official_tp") as official:
        made = official.post(
            "/api/dossiers",
            json={
                "case_type": "xlvphc",
                "title": title,
                "field": "giao_thong",
                "opened_on": "2026-02-06",
                "parties": [{"role": "violator", "name": "Lê Văn Bảo"}],
                "custom": {"violation": "Vượt đèn đỏ"},
            },
        )
        assert made.status_code == 201, made.text
        dossier_id: int = made.json()["id"]
        moved = official.post(
            f"/api/dossiers/{dossier_id}/events",
            json={"to_stage": "lap_bien_ban", "effective_on": record_on},
        )
        assert moved.status_code == 201, moved.text
        official.put("/api/notifications/address", json={"email": OFFICIAL_MAIL})
    return dossier_id


def mails_about(smtp: SmtpServer, live: Api, dossier_id: int) -> list[Message]:
    """The messages to the official about this dossier (others in the module are reminded
    too, as their own deadlines pass)."""
    with live.client("official_tp") as official:
        code = official.get(f"/api/dossiers/{dossier_id}").json()["code"]
    return [
        m
        for m in smtp.inbox.to(OFFICIAL_MAIL)
        if str(make_header(decode_header(m["Subject"]))).endswith(code)
    ]


def with_smtp(archive: Archive, port: int) -> Archive:
    settings = archive.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    return dataclasses.replace(archive, settings=settings)


def rows(archive: Archive, dossier_id: int) -> list[dict[str, Any]]:
    calendars_for(archive)
    r = tables.reminders
    with archive.db.read() as conn:
        found = conn.execute(select(r).where(r.c.dossier_id == dossier_id).order_by(r.c.id))
        return [dict(row) for row in found.mappings()]


def steps(found: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(r["step"], r["threshold"], r["as_role"]) for r in found}


def test_reminded_at_3_and_1_working_days_and_overdue_once_each(live: Api) -> None:
    dossier_id = sanction_case(live, "Nhắc việc qua Tết")
    with SmtpServer() as smtp:
        archive = with_smtp(live.archive, smtp.port)
        # ra_quyet_dinh is due 25/2 (7 working days across Tết); on 20/2 three are left
        first = remind(archive, date(2026, 2, 20))
        assert first.added >= 2 and first.mailed >= 1
        found = [r for r in rows(archive, dossier_id) if r["step"] == "ra_quyet_dinh"]
        assert steps(found) == {
            ("ra_quyet_dinh", "3", "responsible"),
            ("ra_quyet_dinh", "3", "leader"),
        }
        people = {r["as_role"]: r["user_id"] for r in found}
        assert people == {
            "responsible": live.people["official_tp"].id,
            "leader": live.people["leader_tp"].id,
        }
        mails = mails_about(smtp, live, dossier_id)
        assert len(mails) == 1
        text = mails[0].get_payload(decode=True).decode("utf-8")
        assert "25/02/2026" in text and "Điều 66" in text and "còn 3 ngày làm việc" in text
        subject = str(make_header(decode_header(mails[0]["Subject"])))
        assert subject.startswith("Sắp đến hạn: Ra quyết định xử phạt")
        # again the same day, and the next: nothing new
        assert remind(archive, date(2026, 2, 20)).added == 0
        assert remind(archive, date(2026, 2, 23)).added == 0
        assert len(mails_about(smtp, live, dossier_id)) == 1
        remind(archive, date(2026, 2, 24))  # 1 working day left
        remind(archive, date(2026, 2, 26))  # overdue
        remind(archive, date(2026, 2, 27))
        found = [r for r in rows(archive, dossier_id) if r["step"] == "ra_quyet_dinh"]
        assert sorted((r["threshold"], r["as_role"]) for r in found) == [
            ("1", "leader"),
            ("1", "responsible"),
            ("3", "leader"),
            ("3", "responsible"),
            ("overdue", "leader"),
            ("overdue", "responsible"),
        ]
        assert len(mails_about(smtp, live, dossier_id)) == len(
            {(r["step"], r["threshold"]) for r in rows(archive, dossier_id)}
        )
        # the leader has no address: reminded in the archive only
        assert {r["mail"] for r in found if r["as_role"] == "leader"} == {"none"}


def test_the_responsible_official_reads_and_marks_them(live: Api) -> None:
    dossier_id = sanction_case(live, "Đọc thông báo")
    remind(live.archive, date(2026, 2, 24))
    with live.client("official_tp") as official:
        mine = official.get("/api/notifications", params={"unread": True}).json()
        ours = [n for n in mine["notifications"] if n["dossier_id"] == dossier_id]
        assert ours and mine["unread"] >= len(ours)
        assert ours[0]["title"].startswith("Sắp đến hạn")
        read = official.post(f"/api/notifications/{ours[0]['id']}/read")
        assert read.status_code == 204
        after = official.get("/api/notifications", params={"unread": True}).json()
        assert ours[0]["id"] not in [n["id"] for n in after["notifications"]]
        assert after["unread"] == mine["unread"] - 1
    with live.client("official_qldt") as stranger:
        answer = stranger.post(f"/api/notifications/{ours[0]['id']}/read")
        assert answer.status_code == 404  # not theirs: as if it did not exist
        theirs = stranger.get("/api/notifications").json()["notifications"]
        assert all(n["dossier_id"] != dossier_id for n in theirs)


def test_a_reassigned_dossier_reminds_the_new_official(live: Api) -> None:
    dossier_id = sanction_case(live, "Giao việc")
    with live.client("admin") as admin:
        users = {u["username"]: u for u in admin.get("/api/users").json()}
        made = admin.post(
            "/api/users",
            json={
                "username": "official_tp2",
                "full_name": "Vũ Thị Mai",
                "role": "official",
                "unit_code": "tu_phap",
                "password": "mat-khau-rat-dai-2026",
            },
        )
        assert made.status_code == 201, made.text
        second = made.json()["id"]
    with live.client("leader_tp") as leader:
        refused = leader.put(
            f"/api/dossiers/{dossier_id}/responsible",
            json={"user_id": users["leader_tp"]["id"]},
        )
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_responsible"
        other_unit = leader.put(
            f"/api/dossiers/{dossier_id}/responsible",
            json={"user_id": users["official_qldt"]["id"]},
        )
        assert other_unit.status_code == 422
        assigned = leader.put(f"/api/dossiers/{dossier_id}/responsible", json={"user_id": second})
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["full_name"] == "Vũ Thị Mai"
    with live.client("clerk_tp") as clerk:
        answer = clerk.put(f"/api/dossiers/{dossier_id}/responsible", json={"user_id": second})
        assert answer.status_code == 403
    remind(live.archive, date(2026, 2, 20))
    found = [r for r in rows(live.archive, dossier_id) if r["step"] == "ra_quyet_dinh"]
    assert {r["user_id"] for r in found if r["as_role"] == "responsible"} == {second}


def test_runs_at_once_remind_once(live: Api) -> None:
    dossier_id = sanction_case(live, "Chạy song song", record_on="2026-03-02")
    with SmtpServer() as smtp:
        archive = with_smtp(live.archive, smtp.port)
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                barrier.wait()
                remind(archive, date(2026, 3, 9))  # 11/3 due: 2 working days left
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        found = [r for r in rows(archive, dossier_id) if r["step"] == "ra_quyet_dinh"]
        assert sorted((r["threshold"], r["as_role"]) for r in found) == [
            ("3", "leader"),
            ("3", "responsible"),
        ]
        subjects = [m["Subject"] for m in mails_about(smtp, live, dossier_id)]
        assert len(subjects) == len(set(subjects))  # no message twice
        sent = [r for r in rows(archive, dossier_id) if r["mail"] == "sent"]
        assert len(sent) == len(subjects) == 1


def test_an_smtp_outage_loses_nothing_and_sends_once_when_back(live: Api) -> None:
    dossier_id = sanction_case(live, "Máy chủ thư ngừng", record_on="2026-03-16")
    down = with_smtp(live.archive, free_port())  # nothing listens there
    first = remind(down, date(2026, 3, 23))  # due 25/3: 2 working days left
    assert first.mail_failed >= 1 and first.mailed == 0
    pending = [r for r in rows(down, dossier_id) if r["mail_to"] == OFFICIAL_MAIL]
    assert pending and {r["mail"] for r in pending} == {"pending"}
    assert all(r["mail_error"] for r in pending)
    _expire_claims(down, dossier_id)
    with SmtpServer() as smtp:
        back = with_smtp(live.archive, smtp.port)
        remind(back, date(2026, 3, 23))
        remind(back, date(2026, 3, 23))
        assert len(mails_about(smtp, live, dossier_id)) == len(pending)
    assert {r["mail"] for r in rows(down, dossier_id) if r["mail_to"]} == {"sent"}


def _expire_claims(archive: Archive, dossier_id: int) -> None:
    """What time does to a dead worker's claim: its lease runs out."""
    r = tables.reminders
    with archive.db.write() as conn:
        conn.execute(
            update(r)
            .where(r.c.dossier_id == dossier_id)
            .values(mail_claimed_until=datetime.now(UTC) - timedelta(seconds=1))
        )


class SilentSmtp:
    """Accepts connections and never answers: a sender blocks until its timeout."""

    def __init__(self) -> None:
        self.port = free_port()
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._held.append(conn)

    def close(self) -> None:
        self._sock.close()
        for conn in self._held:
            conn.close()


def test_a_worker_killed_while_sending_leaves_the_mail_to_the_next_run(live: Api) -> None:
    if live.backend.kind != "embedded":
        pytest.skip("one real process kill is enough; the claim is the same SQL on both")
    dossier_id = sanction_case(live, "Tiến trình bị giết", record_on="2026-04-01")
    silent = SilentSmtp()
    env = archive_env(
        live.archive.settings, ARCHIVE_SMTP_HOST="127.0.0.1", ARCHIVE_SMTP_PORT=str(silent.port)
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive.cli", "remind", "--as-of", "2026-04-07"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            claimed = [
                r for r in rows(live.archive, dossier_id) if r["mail_claimed_until"] is not None
            ]
            if claimed:
                break
            time.sleep(0.1)
        assert claimed, "the run never claimed a message"
        time.sleep(0.3)  # it is now blocked inside the SMTP conversation
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        silent.close()
        if proc.poll() is None:
            proc.kill()
    assert not psutil.pid_exists(proc.pid) or psutil.Process(proc.pid).status() == "zombie"
    stuck = [r for r in rows(live.archive, dossier_id) if r["mail_to"] == OFFICIAL_MAIL]
    assert stuck and {r["mail"] for r in stuck} == {"pending"}  # nothing lost
    with SmtpServer() as smtp:
        back = with_smtp(live.archive, smtp.port)
        remind(back, date(2026, 4, 7))  # the dead worker's claim still holds: not sent yet
        assert mails_about(smtp, live, dossier_id) == []
        _expire_claims(live.archive, dossier_id)
        remind(back, date(2026, 4, 7))
        remind(back, date(2026, 4, 7))
        got = mails_about(smtp, live, dossier_id)
    ids = sorted(m["Message-ID"] for m in got)
    assert len(ids) == len(set(ids)) == len({(r["step"], r["threshold"]) for r in stuck})
    assert {r["mail"] for r in rows(live.archive, dossier_id) if r["mail_to"]} == {"sent"}


def test_reminders_need_sign_in(live: Api) -> None:
    with live.anonymous() as nobody:
        assert nobody.get("/api/notifications").status_code == 401
        assert isinstance(nobody, httpx.Client)
