"""The civil judgment enforcement form on cases built to reach every line: carried over,
entrusted, found not yet enforceable (and verified again), enforced in full, terminated —
counted the same on both backends, by the statistics year and its quarter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection
from support.archives import Backend, open_backend
from support.people import PASSWORD

from archive.domain.roles import Role
from archive.services import accounts
from archive.services import dossiers as dossier_service
from deadlines.case_deadlines import enter_milestone
from deadlines.reporting import report_for
from deadlines.reports import Form, PeriodKind, ReportPeriod
from deadlines.stats_feed import Counts, feed, statistics_for

D = date
CASES: dict[str, tuple[int, list[tuple[str, date]], str | None]] = {
    # name: (amount due, stages with their days, entered milestone)
    "carried": (100, [("quyet_dinh_thi_hanh", D(2024, 5, 6)), ("xac_minh", D(2024, 5, 20))], None),
    "unable": (
        200,
        [
            ("quyet_dinh_thi_hanh", D(2024, 11, 4)),
            ("xac_minh", D(2024, 11, 20)),
            ("chua_co_dieu_kien", D(2024, 12, 2)),
        ],
        None,
    ),
    "verified_again": (
        300,
        [
            ("quyet_dinh_thi_hanh", D(2024, 11, 5)),
            ("xac_minh", D(2024, 11, 21)),
            ("chua_co_dieu_kien", D(2024, 12, 3)),
            ("xac_minh", D(2025, 3, 3)),
        ],
        None,
    ),
    "entrusted": (400, [("quyet_dinh_thi_hanh", D(2025, 1, 6))], "uy_thac"),
    "done": (
        500,
        [
            ("quyet_dinh_thi_hanh", D(2025, 2, 3)),
            ("xac_minh", D(2025, 2, 10)),
            ("to_chuc_thi_hanh", D(2025, 3, 2)),
            ("hoan_thanh", D(2025, 4, 1)),
        ],
        None,
    ),
    "terminated": (
        600,
        [("quyet_dinh_thi_hanh", D(2025, 2, 4)), ("dinh_chi", D(2025, 5, 5))],
        None,
    ),
    "finished_before": (
        700,
        [
            ("quyet_dinh_thi_hanh", D(2024, 3, 4)),
            ("xac_minh", D(2024, 3, 11)),
            ("to_chuc_thi_hanh", D(2024, 4, 1)),
            ("hoan_thanh", D(2024, 8, 1)),
        ],
        None,
    ),
}


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def enforcement(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    with open_backend(request.param, Path(tmp_path_factory.mktemp("thads"))) as backend:
        archive = backend.archive
        accounts.create_unit(archive, "cuc", "Cục Thi hành án dân sự", None, by=None)
        accounts.create_unit(archive, "chi_cuc", "Chi cục Thi hành án dân sự", "cuc", by=None)
        admin = accounts.create_user(
            archive,
            username="quantri",
            full_name="Quản trị",
            password=PASSWORD,
            role=Role.ADMIN,
            unit_code="cuc",
            by=None,
        )
        actor = archive.actor(admin)
        for name, (due, stages, entered) in CASES.items():
            made = dossier_service.create(
                archive,
                actor,
                dossier_service.DossierDraft(
                    case_type="thads",
                    title=f"Thi hành án: {name}",
                    field="dan_su",
                    opened_on=stages[0][1],
                    unit_code="chi_cuc",
                    custom={
                        "judgment": "Bản án 1/2024/DS-ST",
                        "amount_due": due * 1_000_000,
                        "amount_enforced": due * 1_000_000 if name == "done" else 0,
                    },
                ),
            )
            for stage, on in stages:
                dossier_service.move_stage(archive, actor, made.id, to_stage=stage, effective_on=on)
            if entered:
                enter_milestone(archive, actor, made.id, entered, D(2025, 1, 20), None)
        assert feed(statistics_for(archive), "test", budget=120) > 0
        yield backend


def _lines(backend: Backend, period: ReportPeriod) -> tuple[dict[str, object], dict[str, object]]:
    made = report_for(
        backend.archive,
        Form.THADS,
        period,
        reader=None,
        unit_code="cuc",
        as_of=D(2026, 11, 30),
    )
    cases, money = made.tables
    assert [r.label for r in cases.rows] == ["Chi cục Thi hành án dân sự", "Tổng cộng"]
    return dict(cases.rows[-1].values), dict(money.rows[-1].values)


def test_the_statistics_year_reaches_every_line(enforcement: Backend) -> None:
    cases, money = _lines(enforcement, ReportPeriod(PeriodKind.YEAR, 2025, 1))
    assert cases == {
        "accepted": 6,  # carried + new
        "carried": 1,  # accepted in May 2024, still being verified; one finished before
        "new": 5,
        "entrusted": 1,
        "to_enforce": 5,
        "unenforceable": 1,  # the one verified again in March is enforceable again
        "enforceable": 4,
        "done": 1,
        "terminated": 1,
        "in_progress": 2,
        "rate": 50.0,
        "carried_next": 3,
    }
    million = 1_000_000
    assert money["carried"] == 100 * million
    assert money["new"] == (200 + 300 + 400 + 500 + 600) * million
    assert money["entrusted"] == 400 * million
    assert money["unenforceable"] == 200 * million
    assert money["done"] == 500 * million
    assert money["terminated"] == 600 * million


def test_the_first_quarter_sees_both_cases_not_yet_enforceable(enforcement: Backend) -> None:
    cases, _ = _lines(enforcement, ReportPeriod(PeriodKind.QUARTER, 2025, 1))
    assert (cases["carried"], cases["new"], cases["unenforceable"]) == (1, 2, 2)
    assert (cases["done"], cases["terminated"], cases["rate"]) == (0, 0, 0.0)


def test_figures_of_an_earlier_layout_are_renewed_and_recounted(enforcement: Backend) -> None:
    """The figures are derived data: an install upgraded from a release whose table lacked
    today's columns gets the table anew, recounted whole on first use, same numbers."""
    from sqlalchemy import inspect, text

    from archive.services.context import Archive

    before = _lines(enforcement, ReportPeriod(PeriodKind.YEAR, 2025, 1))
    engine = enforcement.archive.db.engine
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE case_figures"))
        conn.execute(
            text(
                "CREATE TABLE case_figures (dossier_id INTEGER PRIMARY KEY, "
                "case_type VARCHAR(64) NOT NULL, unit_id INTEGER NOT NULL)"
            )
        )
    again = Archive.open(enforcement.settings)
    try:
        statistics_for(again)  # opening renews the table
        columns = {c["name"] for c in inspect(engine).get_columns("case_figures")}
        assert {"entrusted_on", "unenforceable_from", "first_on"} <= columns
        made = report_for(
            again,
            Form.THADS,
            ReportPeriod(PeriodKind.YEAR, 2025, 1),
            reader=None,
            unit_code="cuc",
            as_of=D(2026, 11, 30),
        )
    finally:
        again.close()
    assert (dict(made.tables[0].rows[-1].values), dict(made.tables[1].rows[-1].values)) == before


def test_figures_kept_before_the_snapshot_existed_are_recounted_into_it(
    enforcement: Backend,
) -> None:
    """An install that counted figures before the snapshot existed: opening it builds the
    snapshot from a whole recount, and the dashboard's counts come out the same."""
    from sqlalchemy import text

    def drop(conn: Connection) -> None:
        for table in ("figures_days", "figures_months", "figures_open"):
            conn.execute(text(f"DROP TABLE {table}"))

    before, after = _counts_after_reopening(enforcement, drop)
    assert after == before


def test_a_snapshot_of_the_earlier_sqlite_layout_is_made_again_in_key_order(
    enforcement: Backend,
) -> None:
    """SQLite: a snapshot whose tables were made with row ids (before they were kept in key
    order) is dropped and made again from a recount on opening; the counts stay the same."""
    from sqlalchemy import text

    from deadlines.tables import figures_days, figures_months

    if enforcement.archive.db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps no row ids to drop")

    def made_the_earlier_way(conn: Connection) -> None:
        for table in (figures_days, figures_months):
            rows = [dict(r) for r in conn.execute(table.select()).mappings()]
            conn.execute(text(f"DROP TABLE {table.name}"))
            columns = ", ".join(f'"{c.name}" {c.type.compile(conn.dialect)}' for c in table.c)
            keys = ", ".join(f'"{c.name}"' for c in table.primary_key)
            conn.execute(text(f"CREATE TABLE {table.name} ({columns}, PRIMARY KEY ({keys}))"))
            if rows:
                conn.execute(table.insert(), rows)

    before, after = _counts_after_reopening(enforcement, made_the_earlier_way)
    with enforcement.archive.db.engine.connect() as conn:
        made = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'figures_days'"
        ).scalar_one()
    assert "WITHOUT ROWID" in made.upper()
    assert after == before


def test_figures_whose_snapshot_was_lost_are_recounted_by_whoever_opens_next(
    enforcement: Backend,
) -> None:
    """The snapshot emptied (a process that dropped it to make it anew died before the
    recount): figures without any month are recounted whole by the next to open."""
    from sqlalchemy import delete

    from deadlines.tables import figures_days, figures_months, figures_open

    def empty(conn: Connection) -> None:
        for table in (figures_days, figures_months, figures_open):
            conn.execute(delete(table))

    before, after = _counts_after_reopening(enforcement, empty)
    assert after == before


def _counts_after_reopening(
    enforcement: Backend, damage: Callable[[Connection], object]
) -> tuple[Counts, Counts]:
    """The dashboard's counts of 2024–2025, before ``damage`` is done to the database in
    one transaction, and from a freshly opened archive after it."""
    from archive.services.context import Archive
    from deadlines.indicators import GroupBy, Period

    period = Period(D(2024, 1, 1), D(2025, 12, 31))
    before = statistics_for(enforcement.archive).counts(period, GroupBy.UNIT, unit_ids=None)
    assert before
    with enforcement.archive.db.engine.begin() as conn:
        damage(conn)
    again = Archive.open(enforcement.settings)
    try:
        after = statistics_for(again).counts(period, GroupBy.UNIT, unit_ids=None)
    finally:
        again.close()
    return before, after
