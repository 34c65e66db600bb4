"""Nhắc việc: find the deadlines about to pass (or passed) and remind the responsible
official and their leaders, in the archive and by e-mail, once per item and threshold.

A run looks at every open dossier, computes its deadlines as of today, and for each
deadline the agency must meet that is running, takes the tightest threshold reached (3 or 1
working days left, or overdue). It adds one reminder per person for (dossier, step, start
day, threshold) — the table's unique key turns a second run, or two runs at once, into no
change. E-mail is a separate pass: each pending message is claimed for a lease, sent, then
marked sent; a worker killed mid-pass leaves its claim to run out and the next run sends it.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from archive.domain.casetypes import CaseType
from archive.domain.model import Dossier, User
from archive.metadata import dossiers as dossier_rows
from archive.metadata.schema import dossiers as dossier_table
from archive.services.context import Archive
from deadlines import mail, tables
from deadlines.calendar import WorkCalendar
from deadlines.calendars import calendars_for
from deadlines.case_deadlines import facts_in
from deadlines.reminded import leaders_of, responsible_of
from deadlines.timeline import RUNNING, Deadline, Status, deadlines

log = logging.getLogger(__name__)
BATCH = 200
MAIL_LEASE = timedelta(minutes=5)
MAX_MAIL_ATTEMPTS = 5
Sender = Callable[[str, str, str, str], None]  # to, subject, body, key


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline to remind about, and at which threshold."""

    dossier: Dossier
    case_type: CaseType
    deadline: Deadline
    threshold: str


@dataclass
class Run:
    dossiers: int = 0
    items: int = 0
    added: int = 0
    mailed: int = 0
    mail_failed: int = 0


def threshold_of(deadline: Deadline, thresholds: tuple[int, ...]) -> str | None:
    """The tightest threshold the deadline has reached, or None."""
    if deadline.rule is None or deadline.rule.holder != "agency":
        return None
    if deadline.status not in RUNNING or deadline.working_days_left is None:
        return None
    if deadline.status is Status.OVERDUE:
        return "overdue"
    reached = [t for t in thresholds if deadline.working_days_left <= t]
    return str(min(reached)) if reached else None


def _open_dossier_ids(conn: Connection, after: int) -> list[int]:
    t = dossier_table
    rows = conn.execute(
        select(t.c.id).where(t.c.closed_on.is_(None), t.c.id > after).order_by(t.c.id).limit(BATCH)
    )
    return [r[0] for r in rows]


def due_items(archive: Archive, calendar: WorkCalendar, day: date) -> Iterator[Due]:
    """Every running deadline of the agency that reached a threshold on ``day``."""
    thresholds = archive.settings.reminder_thresholds
    case_types: dict[str, CaseType] = {}
    after = 0
    while True:
        with archive.db.read() as conn:
            ids = _open_dossier_ids(conn, after)
            if not ids:
                return
            after = ids[-1]
            for dossier_id in ids:
                dossier = dossier_rows.get(conn, dossier_id, None, whole=False)
                if dossier is None:
                    continue
                case_type = case_types.get(dossier.case_type)
                if case_type is None:
                    case_type = case_types[dossier.case_type] = archive.case_type(dossier.case_type)
                facts = facts_in(conn, dossier, case_type)
                for deadline in deadlines(case_type.deadlines, facts, calendar, day):
                    threshold = threshold_of(deadline, thresholds)
                    if threshold is not None:
                        yield Due(dossier, case_type, deadline, threshold)


def _text(item: Due, case_type_name: str) -> tuple[str, str]:
    d = item.deadline
    rule = d.rule
    assert rule is not None and d.due is not None
    if item.threshold == "overdue":
        head = f"QUÁ HẠN: {rule.name_vi} — hồ sơ {item.dossier.code}"
        when = f"đã quá hạn từ ngày {d.due:%d/%m/%Y}"
    else:
        head = f"Sắp đến hạn: {rule.name_vi} — hồ sơ {item.dossier.code}"
        when = f"hạn ngày {d.due:%d/%m/%Y}, còn {d.working_days_left} ngày làm việc"
    body = (
        f"Hồ sơ {item.dossier.code}: {item.dossier.title}\n"
        f"Loại hồ sơ: {case_type_name}\n"
        f"Việc phải làm: {rule.name_vi} ({when}).\n"
        f"Tính từ: {d.start.on:%d/%m/%Y}; căn cứ: {rule.citation}.\n"
        f"Lịch ngày làm việc phiên bản {d.calendar_version}.\n\n"
        f"Case {item.dossier.code}: {rule.name_en}, due {d.due.isoformat()}"
        f"{' (overdue)' if item.threshold == 'overdue' else ''}.\n"
    )
    return head, body


def _insert_ignoring_duplicates(conn: Connection, rows: list[dict[str, object]]) -> int:
    """Insert each row unless its key is there already; how many were new (counted from
    RETURNING: psycopg reports no row count for an insert that returns its key)."""
    keys = ["dossier_id", "step", "start_on", "due", "threshold", "user_id"]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(tables.reminders)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(tables.reminders.c.id)
    )
    return sum(len(conn.execute(statement, row).all()) for row in rows)


def add_reminders(archive: Archive, day: date) -> Run:
    calendar = calendars_for(archive).current()
    run = Run()
    seen: set[int] = set()
    leaders: dict[int, list[User]] = {}  # by unit, for this run (each lists every account)
    for item in due_items(archive, calendar, day):
        seen.add(item.dossier.id)
        run.items += 1
        with archive.db.write() as conn:
            responsible = responsible_of(conn, item.dossier)
            people: list[tuple[User, str]] = []
            if responsible is not None:
                people.append((responsible, "responsible"))
            unit = responsible.unit_id if responsible is not None else item.dossier.unit_id
            if unit not in leaders:
                leaders[unit] = leaders_of(conn, unit)
            people += [(u, "leader") for u in leaders[unit] if u != responsible]
            emails = dict(
                conn.execute(
                    select(tables.addresses.c.user_id, tables.addresses.c.email).where(
                        tables.addresses.c.user_id.in_([u.id for u, _ in people])
                    )
                ).all()
            )
            title, body = _text(item, item.case_type.name.vi)
            now = datetime.now(UTC)
            rows: list[dict[str, object]] = [
                {
                    "dossier_id": item.dossier.id,
                    "step": item.deadline.step,
                    "start_on": item.deadline.start.on,
                    "threshold": item.threshold,
                    "user_id": user.id,
                    "as_role": role,
                    "due": item.deadline.due,
                    "title": title,
                    "body": body,
                    "created_at": now,
                    "mail": "pending"
                    if archive.settings.smtp_host and user.id in emails
                    else "none",
                    "mail_to": emails.get(user.id),
                    "mail_attempts": 0,
                }
                for user, role in people
            ]
            run.added += _insert_ignoring_duplicates(conn, rows)
    run.dossiers = len(seen)
    return run


def send_pending(archive: Archive, sender: Sender | None = None) -> tuple[int, int]:
    """Send the e-mail of pending reminders, each claimed first; (sent, failed)."""
    settings = archive.settings
    if not settings.smtp_host:
        return 0, 0

    def smtp(to: str, subject: str, body: str, key: str) -> None:
        mail.send(settings, to, subject, body, key)

    send = sender or smtp
    r = tables.reminders
    sent = failed = 0
    tried: set[int] = set()  # one try per message per run: an outage waits for the next run

    def free() -> ColumnElement[bool]:
        now = datetime.now(UTC)
        return or_(r.c.mail_claimed_until.is_(None), r.c.mail_claimed_until < now)

    while True:
        with archive.db.read() as conn:
            batch = [
                row
                for row in conn.execute(
                    select(r.c.id, r.c.mail_to, r.c.title, r.c.body)
                    .where(r.c.mail == "pending", free(), r.c.id.notin_(tried or {0}))
                    .order_by(r.c.id)
                    .limit(50)
                ).all()
            ]
        if not batch:
            return sent, failed
        for row_id, to, subject, body in batch:
            tried.add(row_id)
            now = datetime.now(UTC)  # the claim runs from when it is taken
            with archive.db.write() as conn:
                claimed = conn.execute(
                    update(r)
                    .where(r.c.id == row_id, r.c.mail == "pending", free())
                    .values(
                        mail_claimed_until=now + MAIL_LEASE,
                        mail_attempts=r.c.mail_attempts + 1,
                    )
                ).rowcount
            if not claimed:
                continue  # another worker has it
            try:
                send(to, subject, body, f"reminder-{row_id}")
            except (OSError, smtplib.SMTPException) as exc:
                failed += 1
                # the text, not the exception: a handler keeping records would keep its frames
                log.warning("reminder %s not sent to %s: %s", row_id, to, str(exc))
                with archive.db.write() as conn:
                    attempts = conn.execute(
                        select(r.c.mail_attempts).where(r.c.id == row_id)
                    ).scalar_one()
                    conn.execute(
                        update(r)
                        .where(r.c.id == row_id)
                        .values(
                            mail="failed" if attempts >= MAX_MAIL_ATTEMPTS else "pending",
                            mail_error=str(exc)[:500],
                            mail_claimed_until=None,  # the next run tries again
                        )
                    )
                continue
            with archive.db.write() as conn:
                conn.execute(
                    update(r)
                    .where(r.c.id == row_id)
                    .values(mail="sent", mail_sent_at=datetime.now(UTC), mail_error=None)
                )
            sent += 1


def remind(archive: Archive, day: date, sender: Sender | None = None) -> Run:
    """One run: add what is due, then send what is pending."""
    run = add_reminders(archive, day)
    run.mailed, run.mail_failed = send_pending(archive, sender)
    return run


def unread_count(conn: Connection, user_id: int) -> int:
    r = tables.reminders
    found = conn.execute(
        select(func.count()).where(and_(r.c.user_id == user_id, r.c.read_at.is_(None)))
    ).scalar()
    return int(found or 0)
