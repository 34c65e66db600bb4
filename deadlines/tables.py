"""The deadlines stage's own tables, kept in the archive's metadata store beside the core's
(created on first use, like the search stage's index state)."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, MetaData, Table, Text
from sqlalchemy.engine import Engine

from archive.metadata.schema import UTCDateTime

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
