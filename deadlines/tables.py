"""The deadlines stage's own tables, kept in the archive's metadata store beside the core's
(created on first use, like the search stage's index state)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.engine import Engine

from archive.metadata.schema import UTCDateTime
from deadlines.indicators import MONTHLY

tables = MetaData()

# Each version of the working-day calendar, whole: a deadline names the version it was
# counted with, and counting it again with that version gives the same day, whatever was
# corrected since.
work_calendars = Table(
    "work_calendars",
    tables,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("data", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed", JSON, nullable=False),  # the days this version set or reset
    Column("created_by", Integer, nullable=True),  # a user id; None: the shipped calendar
    Column("created_at", UTCDateTime(), nullable=False),
)


def create(engine: Engine) -> None:
    tables.create_all(engine, checkfirst=True)


def renew_snapshot(engine: Engine) -> bool:
    """SQLite: a snapshot made before its tables were kept in key order is dropped, to be
    made again by a recount (the figures without a snapshot say so, whoever opens next);
    True if it was."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        made = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
            (figures_days.name,),
        ).scalar_one_or_none()
    if made is None or "WITHOUT ROWID" in made.upper():
        return False
    figures_days.drop(engine)
    figures_months.drop(engine, checkfirst=True)
    figures_open.drop(engine, checkfirst=True)
    return True


def renew_figures(engine: Engine) -> bool:
    """``case_figures`` is derived data: a table of an earlier layout is dropped and made
    anew, and True says it must be recounted."""
    have = {c["name"] for c in inspect(engine).get_columns(case_figures.name)}
    if have >= set(case_figures.c.keys()):
        return False
    case_figures.drop(engine, checkfirst=True)
    case_figures.create(engine, checkfirst=True)
    return True


# Dated events an official enters on a dossier (the decision was received, the notice was
# validly served, the judgment took legal effect): what stages and documents do not say.
# Never deleted: a wrong entry is withdrawn with a reason, and stays readable.
milestones = Table(
    "dossier_milestones",
    tables,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", Integer, nullable=False, index=True),
    Column("event", String(64), nullable=False),
    Column("on", Date, nullable=False),
    Column("note", Text, nullable=True),
    Column("entered_by", Integer, nullable=False),
    Column("entered_at", UTCDateTime(), nullable=False),
    Column("withdrawn_by", Integer, nullable=True),
    Column("withdrawn_at", UTCDateTime(), nullable=True),
    Column("withdrawn_reason", Text, nullable=True),
)

# Extensions (gia hạn) and overrides of one step's limit on one dossier, in the order made.
adjustments = Table(
    "deadline_adjustments",
    tables,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", Integer, nullable=False, index=True),
    Column("step", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # extension | override
    Column("amount", Integer, nullable=True),
    Column("unit", String(16), nullable=True),
    Column("due", Date, nullable=True),
    Column("reason", Text, nullable=False),
    Column("approver", Text, nullable=True),
    Column("entered_by", Integer, nullable=False),
    Column("entered_at", UTCDateTime(), nullable=False),
)

# Suspensions and postponements: the clock of one step (or all) stops from ``start`` and
# resumes on ``end`` (open while NULL).
pauses = Table(
    "deadline_pauses",
    tables,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", Integer, nullable=False, index=True),
    Column("step", String(64), nullable=True),
    Column("kind", String(64), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=True),
    Column("reason", Text, nullable=False),
    Column("entered_by", Integer, nullable=False),
    Column("entered_at", UTCDateTime(), nullable=False),
)

# Who answers for a dossier's deadlines (the official reminded); without a row, the official
# who opened it.
responsibles = Table(
    "dossier_responsibles",
    tables,
    Column("dossier_id", Integer, primary_key=True, autoincrement=False),
    Column("user_id", Integer, nullable=False),
    Column("assigned_by", Integer, nullable=False),
    Column("assigned_at", UTCDateTime(), nullable=False),
)

# Where a person's reminders are e-mailed (none: in-app only).
addresses = Table(
    "reminder_addresses",
    tables,
    Column("user_id", Integer, primary_key=True, autoincrement=False),
    Column("email", String(254), nullable=False),
    Column("set_by", Integer, nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)

# One reminder per deadline (dossier, step, start day), threshold and person: the unique key
# makes a second run, or two runs at once, add nothing. Its e-mail is claimed with a lease
# before it is sent, so a worker that dies mid-send leaves it to the next run.
reminders = Table(
    "reminders",
    tables,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dossier_id", Integer, nullable=False),
    Column("step", String(64), nullable=False),
    Column("start_on", Date, nullable=False),
    Column("threshold", String(16), nullable=False),  # working days left, or "overdue"
    Column("user_id", Integer, nullable=False, index=True),
    Column("as_role", String(16), nullable=False),  # responsible | leader
    Column("due", Date, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime(), nullable=True),
    Column("mail", String(16), nullable=False),  # none | pending | sent | failed
    Column("mail_to", String(254), nullable=True),
    Column("mail_claimed_until", UTCDateTime(), nullable=True),
    Column("mail_attempts", Integer, nullable=False, default=0),
    Column("mail_sent_at", UTCDateTime(), nullable=True),
    Column("mail_error", Text, nullable=True),
    # the due day too: an extension gives the new limit its own reminders
    UniqueConstraint("dossier_id", "step", "start_on", "due", "threshold", "user_id"),
)

# Citizens' look-ups (seed 004): kept to limit guessing, per address and per dossier code.
public_lookups = Table(
    "public_lookups",
    tables,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("client", String(64), nullable=False, index=True),
    Column("code", String(64), nullable=False, index=True),
    Column("found", Integer, nullable=False),  # 1 found and checked, 0 not
)

# Periodic reports signed by the head of their unit: the signed PDF is kept in the object
# store (``storage_key``, locked like an original) and never changed; the row says what it
# reports and who signed it, and the digest every download is checked against.
signed_reports = Table(
    "signed_reports",
    tables,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("form", String(16), nullable=False),
    Column("period_kind", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("unit_id", Integer, nullable=False, index=True),
    Column("storage_key", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("level", String(16), nullable=False),
    Column("signer", Text, nullable=False),  # the name in the signing certificate
    Column("signed_by", Integer, nullable=False),  # the archive user who signed
    Column("signed_at", UTCDateTime(), nullable=False),
)

# What the statistics count of each dossier (deadlines.case_figures), kept current by the
# statistics feed from the outbox; aggregated in SQL when embedded.
case_figures = Table(
    "case_figures",
    tables,
    Column("dossier_id", Integer, primary_key=True, autoincrement=False),
    Column("case_type", String(64), nullable=False, index=True),
    Column("unit_id", Integer, nullable=False, index=True),
    Column("field", String(64), nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("accepted_on", Date, nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("completed_on", Date, nullable=True),
    Column("collected_on", Date, nullable=True),
    Column("enforced_on", Date, nullable=True),
    Column("entrusted_on", Date, nullable=True),
    Column("terminated_on", Date, nullable=True),
    Column("unenforceable_from", Date, nullable=True),
    Column("unenforceable_to", Date, nullable=True),
    Column("fine_imposed", BigInteger, nullable=False),
    Column("fine_collected", BigInteger, nullable=False),
    Column("money_due", BigInteger, nullable=False),
    Column("money_done", BigInteger, nullable=False),
    Column("violators_individual", Integer, nullable=False),
    Column("violators_organisation", Integer, nullable=False),
    Column("on_time", Boolean, nullable=True),
    Column("first_on", Date, nullable=False, index=True),
    Column("last_on", Date, nullable=False, index=True),
)


# The statistics' snapshot: per month (and per day), unit, field of law and case type, each
# indicator dated in it (deadlines.stats_snapshot). The writer keeps it in step with
# case_figures, adding each recounted dossier's change, in the same transaction.
def _snapshot(name: str, span: str) -> Table:
    return Table(
        name,
        tables,
        Column(span, Date, primary_key=True),
        Column("unit_id", Integer, primary_key=True),
        Column("field", String(64), primary_key=True),
        Column("case_type", String(64), primary_key=True),
        *(Column(i.code, BigInteger, nullable=False, server_default="0") for i in MONTHLY),
        # SQLite keeps the rows in key order: a period's cells are read together, not looked
        # up one by one from an index
        sqlite_with_rowid=False,
    )


figures_months = _snapshot("figures_months", "month")  # the month's first day
figures_days = _snapshot("figures_days", "day")  # for the days of a month asked in part


# The cases open now, per unit, field and case type: "open at the end" of a recent period is
# this less the months after it (deadlines.stats_snapshot).
figures_open = Table(
    "figures_open",
    tables,
    Column("unit_id", Integer, primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("case_type", String(64), primary_key=True),
    Column("open", BigInteger, nullable=False),
)

# Scaled: the snapshot's cells changed since they were last copied to Elasticsearch, each
# with the figures' version that changed it last (``span`` day, month or open; an open cell
# has no day and is keyed by OPEN_CELL). Written in the transaction that changes the cell,
# deleted once copied if no later change came meanwhile: a copy that failed is tried again,
# whatever the retried batch recounts (deadlines.stats_feed).
figures_unsent = Table(
    "figures_unsent",
    tables,
    Column("span", String(8), primary_key=True),
    Column("on", Date, primary_key=True),
    Column("unit_id", Integer, primary_key=True),
    Column("field", String(64), primary_key=True),
    Column("case_type", String(64), primary_key=True),
    Column("version", BigInteger, nullable=False),
)

# One row: a number the writer raises with every change of the figures, so an answer kept
# from before is known to be stale (deadlines.stats_feed).
figures_state = Table(
    "figures_state",
    tables,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)
