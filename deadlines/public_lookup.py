"""Citizens follow their matter (seed 004): with a dossier's code and a check value printed
on their record (the ID number of a party), a person sees that one case's stage and next
deadline — nothing else. Look-ups are limited per address and per code, and each is
written to the audit trail.

A wrong code and a wrong check value are answered alike, so the page tells nobody whether
a code exists.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, and_, delete, func, insert, select, text

from archive.domain.errors import Invalid, NotFound, TooManyAttempts
from archive.metadata import audit
from archive.metadata import dossiers as dossier_rows
from archive.metadata.schema import dossiers as dossier_table
from archive.services.context import Archive
from archive.services.dossiers import today
from deadlines import tables
from deadlines.calendars import calendars_for
from deadlines.case_deadlines import current_case_type, facts_in
from deadlines.timeline import RUNNING, Status, deadlines

WINDOW = timedelta(minutes=10)
PER_ADDRESS = 20  # look-ups per address per window
FAILED_PER_CODE = 5  # wrong check values for one code per window (guessing an ID number)
KEEP = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class NextDeadline:
    name_vi: str
    name_en: str
    due: date
    status: Status
    yours: bool  # a period the person must keep (compliance, appeal), not the agency's


@dataclass(frozen=True, slots=True)
class PublicAnswer:
    code: str
    case_type_vi: str
    case_type_en: str
    stage_vi: str
    stage_en: str
    stage_since: date | None
    closed: bool
    next_deadline: NextDeadline | None


def _normal(text: str) -> str:
    return re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", text)).upper()


def _not_found() -> NotFound:
    return NotFound(
        "not_found",
        "Không tìm thấy hồ sơ khớp với mã và số giấy tờ đã nhập. Hãy kiểm tra lại mã hồ sơ "
        "in trên biên bản, quyết định và số căn cước/CMND hoặc mã số doanh nghiệp.",
        "No dossier matches the code and the document number given. Check the dossier code "
        "printed on your record or decision, and your ID or business number.",
    )


def _limit(conn: Connection, client: str, code: str, now: datetime) -> None:
    t = tables.public_lookups
    if conn.dialect.name == "postgresql":
        # look-ups count and record one at a time, so parallel guesses cannot all pass
        # the count before any is recorded (SQLite's writes are one at a time already)
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('public-lookup'))"))
    since = now - WINDOW
    by_client = conn.execute(
        select(func.count()).where(t.c.client == client, t.c.at > since)
    ).scalar_one()
    failed_for_code = conn.execute(
        select(func.count()).where(and_(t.c.code == code, t.c.found == 0, t.c.at > since))
    ).scalar_one()
    if by_client >= PER_ADDRESS or failed_for_code >= FAILED_PER_CODE:
        minutes = int(WINDOW.total_seconds() // 60)
        raise TooManyAttempts(
            "too_many_attempts",
            f"Tra cứu quá nhiều lần. Hãy thử lại sau {minutes} phút.",
            f"Too many look-ups. Try again in {minutes} minutes.",
            retry_after_seconds=int(WINDOW.total_seconds()),
        )


def look_up(archive: Archive, code: str, check: str, client: str | None) -> PublicAnswer:
    calendars = calendars_for(archive)
    wanted = re.sub(r"\s", "", unicodedata.normalize("NFKC", code)).upper()[:64]
    given = _normal(check)[:64]
    if not wanted or len(given) < 6:
        raise Invalid(
            "missing_value",
            "Hãy nhập mã hồ sơ và số giấy tờ (ít nhất 6 ký tự).",
            "Enter the dossier code and the document number (at least 6 characters).",
        )
    who = (client or "unknown")[:64]
    now = datetime.now(UTC)
    with archive.db.write() as conn:
        _limit(conn, who, wanted, now)
        row = conn.execute(
            select(dossier_table.c.id).where(func.upper(dossier_table.c.code) == wanted)
        ).first()
        dossier = dossier_rows.get(conn, row[0], None, whole=False) if row else None
        matches = dossier is not None and any(
            p.id_number and hmac.compare_digest(_normal(p.id_number).encode(), given.encode())
            for p in dossier.parties
        )
        conn.execute(
            insert(tables.public_lookups).values(
                at=now, client=who, code=wanted, found=int(matches)
            )
        )
        conn.execute(delete(tables.public_lookups).where(tables.public_lookups.c.at < now - KEEP))
        audit.append(
            conn,
            actor_id=None,
            actor="public",
            action="public.lookup",
            object_type="dossier",
            object_id=dossier.id if matches and dossier else wanted,
            unit_id=dossier.unit_id if matches and dossier else None,
            detail={"client": who, "found": matches},
        )
    if not matches or dossier is None:
        raise _not_found()
    case_type = current_case_type(archive, dossier)
    stage = next((s for s in case_type.stages if s.code == dossier.stage), None)
    day = today()
    with archive.db.read() as conn:
        facts = facts_in(conn, dossier, case_type)
        history = dossier_rows.events_of(conn, dossier.id)
    found = deadlines(case_type.deadlines, facts, calendars.current(), day)
    upcoming = sorted(
        (
            d
            for d in found
            if d.due is not None
            and d.rule is not None
            and (d.status in RUNNING or d.status is Status.OPEN)
        ),
        key=lambda d: d.due or day,
    )
    nxt = upcoming[0] if upcoming else None
    return PublicAnswer(
        code=dossier.code,
        case_type_vi=case_type.name.vi,
        case_type_en=case_type.name.en,
        stage_vi=stage.name.vi if stage else dossier.stage,
        stage_en=stage.name.en if stage else dossier.stage,
        stage_since=history[-1].effective_on if history else dossier.opened_on,
        closed=dossier.closed_on is not None,
        next_deadline=None
        if nxt is None or nxt.rule is None or nxt.due is None
        else NextDeadline(
            name_vi=nxt.rule.name_vi,
            name_en=nxt.rule.name_en,
            due=nxt.due,
            status=nxt.status,
            yours=nxt.rule.holder == "party",
        ),
    )
