"""Statistics reconcile to the last case and the last đồng, on both backends: the demo's
dossiers are loaded through the services, the statistics writer follows the outbox, and
every count is recomputed here from the generator's own data — by unit, field and case
type, for a period, as of a past day. Scaled, Elasticsearch's aggregations must also equal
the SQL over the same figures."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from support.archives import Backend, open_backend
from support.live import LiveServer

from archive.demo.dataset import DEMO_PASSWORD, DemoDataset, DemoDossier, build_dataset
from archive.demo.load import load_demo
from archive.domain.access import PeriodGrant
from archive.metadata import accounts
from archive.metadata.schema import dossiers as dossier_table
from archive.services import dossiers as dossier_service
from deadlines import stats_sql, tables
from deadlines.case_deadlines import enter_milestone, withdraw_milestone
from deadlines.demo import CURRENT
from deadlines.indicators import CODES, THADS, GroupBy, Period
from deadlines.national_export import export
from deadlines.stats_feed import CONSUMER, Statistics, feed, statistics_for

DATASET = build_dataset()
YEAR_2024 = (date(2024, 1, 1), date(2024, 12, 31))


@pytest.fixture(scope="module", params=["embedded", "scaled"])
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    with open_backend(request.param, Path(tmp_path_factory.mktemp("stats"))) as backend:
        assert load_demo(backend.archive, progress=lambda _: None, dataset=DATASET)
        statistics = statistics_for(backend.archive)
        assert feed(statistics, "test", budget=300) > 0
        yield backend


def _first(d: DemoDossier, *kinds: str) -> date | None:
    days = [x.issued_on for x in d.documents if x.kind in kinds and x.issued_on is not None]
    return min(days) if days else None


def truth(data: DemoDataset, unit_ids: dict[str, int], period: Period) -> dict[str, dict[str, int]]:
    """The counts by unit, from the generator's data alone (not from the archive)."""

    def inside(day: date | None) -> bool:
        return day is not None and period.start <= day <= period.end

    out: dict[str, dict[str, int]] = {}
    for d in data.dossiers:
        k = d.key_dates
        decided = {
            "xlvphc": k.get("ra_quyet_dinh"),
            "qltt": _first(d, "quyet_dinh_xu_phat"),
            "an_hanh_chinh": _first(d, "ban_an"),
        }.get(d.case_type)
        accepted = {"thads": k.get("quyet_dinh_thi_hanh"), "an_hanh_chinh": k.get("thu_ly")}.get(
            d.case_type
        )
        done = [k[s] for s in ("hoan_thanh", "dinh_chi", "ket_thuc") if s in k]
        completed = min(done) if done else None
        role = {"xlvphc": "violator", "qltt": "inspected"}.get(d.case_type)
        violators = [p for p in d.parties if p.role == role]
        money: dict[str, Any] = d.custom
        row = out.setdefault(str(unit_ids[d.unit_code]), dict.fromkeys(CODES, 0))
        row["opened"] += inside(d.opened_on)
        row["closed"] += inside(d.closed_on)
        row["accepted"] += inside(accepted)
        row["completed"] += inside(completed)
        row["open_at_end"] += d.opened_on <= period.end and (
            d.closed_on is None or d.closed_on > period.end
        )
        if inside(decided):
            row["decisions"] += 1
            row["violators_individual"] += sum(p.kind == "individual" for p in violators)
            row["violators_organisation"] += sum(p.kind == "organisation" for p in violators)
            row["fines_imposed"] += int(money.get("fine_amount", 0) or 0)
        if inside(accepted):
            row["money_due"] += int(money.get("amount_due", 0) or 0)
        if inside(completed) and d.case_type == "thads":
            row["money_done"] += int(money.get("amount_enforced", 0) or 0)
    return {key: values for key, values in out.items() if any(values.values())}


CHECKED = (
    "opened",
    "closed",
    "accepted",
    "completed",
    "open_at_end",
    "decisions",
    "violators_individual",
    "violators_organisation",
    "fines_imposed",
    "money_due",
    "money_done",
)


def _units(backend: Backend) -> dict[str, int]:
    with backend.archive.db.read() as conn:
        return {u.code: u.id for u in accounts.list_units(conn)}


@pytest.mark.parametrize(
    ("start", "end", "as_of"),
    [
        (*YEAR_2024, date(2026, 11, 30)),
        (*YEAR_2024, date(2024, 6, 30)),  # as of a past day: only what had happened
        (date(2022, 1, 1), date(2025, 2, 28), date(2026, 11, 30)),
        (date(2023, 10, 1), date(2024, 9, 30), date(2026, 11, 30)),  # a THADS year
    ],
)
def test_counts_equal_a_recount_from_the_generators_data(
    loaded: Backend, start: date, end: date, as_of: date
) -> None:
    period = Period.asked(start, end, as_of)
    counted = statistics_for(loaded.archive).counts(period, GroupBy.UNIT, unit_ids=None)
    expected = truth(DATASET, _units(loaded), period)
    assert set(counted) == set(expected)
    for unit, values in expected.items():
        assert {c: counted[unit][c] for c in CHECKED} == {c: values[c] for c in CHECKED}, unit
    assert sum(v["fines_imposed"] for v in counted.values()) > 0


def test_every_grouping_adds_up_to_the_same_totals(loaded: Backend) -> None:
    statistics = statistics_for(loaded.archive)
    period = Period(date(2022, 1, 1), dossier_service.today())
    totals = []
    for group_by in GroupBy:
        found = statistics.counts(period, group_by, unit_ids=None)
        totals.append({c: sum(g[c] for g in found.values()) for c in CODES})
    assert totals[0] == totals[1] == totals[2]
    # the generated dossiers, and the demo's cases of the day it was loaded
    assert totals[0]["opened"] == len(DATASET.dossiers) + len(CURRENT)
    assert totals[0]["decisions_on_time"] + totals[0]["decisions_late"] > 0
    assert totals[0]["fines_collected"] > 0


def test_elasticsearch_and_sql_count_the_same(loaded: Backend) -> None:
    statistics = statistics_for(loaded.archive)
    if statistics.engine != "elasticsearch":
        pytest.skip("embedded counts in SQL only")
    for period in (Period(*YEAR_2024), Period(date(2022, 1, 1), date(2025, 2, 28))):
        for group_by in GroupBy:
            with loaded.archive.db.read() as conn:
                by_sql = stats_sql.counts(conn, period, group_by, unit_ids=None)
            assert statistics.counts(period, group_by, unit_ids=None) == by_sql


@pytest.mark.parametrize("lost", ["dropped", "made but never filled"])
def test_a_lost_snapshot_index_is_copied_again_from_the_database(
    loaded: Backend, lost: str
) -> None:
    """Scaled: the dashboard's cells in Elasticsearch are a copy. Dropped, or made by a
    process that died before filling it, the next writer to open copies every cell from the
    database's snapshot again."""
    from deadlines.stats_elastic import SNAPSHOT_MAPPING

    statistics = statistics_for(loaded.archive)
    index = statistics.index
    if index is None:
        pytest.skip("embedded: the snapshot lives in the database only")
    dropped = index.http.delete(f"/{index.snapshot}")
    assert dropped.status_code == 200, dropped.text
    if lost == "made but never filled":
        made = index.http.put(f"/{index.snapshot}", json={"mappings": SNAPSHOT_MAPPING})
        assert made.status_code == 200, made.text
    fresh = Statistics.open(loaded.archive)
    try:
        for period in (Period(*YEAR_2024), Period(date(2022, 3, 15), date(2025, 2, 10))):
            for group_by in GroupBy:
                with loaded.archive.db.read() as conn:
                    by_sql = stats_sql.counts(conn, period, group_by, unit_ids=None)
                assert fresh.counts(period, group_by, unit_ids=None) == by_sql
        with loaded.archive.db.read() as conn:
            assert conn.execute(select(tables.figures_unsent)).first() is None  # all copied
        assert not index.prepare()  # known complete now: the next opener copies nothing
    finally:
        fresh.close()


def test_the_writer_follows_changes(loaded: Backend) -> None:
    archive = loaded.archive
    statistics = statistics_for(archive)
    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    before = statistics.counts(period, GroupBy.CASE_TYPE, unit_ids=None)
    with archive.db.read() as conn:
        admin = next(u for u in accounts.list_users(conn) if u.role.value == "admin")
    actor = archive.actor(admin)
    made = dossier_service.create(
        archive,
        actor,
        dossier_service.DossierDraft(
            case_type="thads",
            title="Thi hành án mới",
            field="dan_su",
            opened_on=date(2026, 11, 2),
            unit_code="thads",
            custom={"judgment": "Bản án 12/2026/DS-ST", "amount_due": 123_456_789},
        ),
    )
    dossier_service.move_stage(
        archive, actor, made.id, to_stage="quyet_dinh_thi_hanh", effective_on=date(2026, 11, 5)
    )
    assert feed(statistics, "test") >= 2
    after = statistics.counts(period, GroupBy.CASE_TYPE, unit_ids=None)
    old = before.get("thads", dict.fromkeys(CODES, 0))
    assert after["thads"]["opened"] == old["opened"] + 1
    assert after["thads"]["accepted"] == old["accepted"] + 1
    assert after["thads"]["money_due"] == old["money_due"] + 123_456_789
    assert feed(statistics, "test") == 0  # nothing new: the consumer's position moved
    assert CONSUMER == "statistics"


def client(base_url: str, username: str) -> httpx.Client:
    """A demo account signed in over HTTP."""
    with httpx.Client(base_url=base_url, timeout=60) as anonymous:
        token = anonymous.post(
            "/api/auth/login", json={"username": username, "password": DEMO_PASSWORD}
        ).json()["access_token"]
    return httpx.Client(base_url=base_url, timeout=60, headers={"Authorization": f"Bearer {token}"})


def test_the_api_counts_only_what_one_may_read(loaded: Backend) -> None:
    units = _units(loaded)
    params = {"from": "2022-01-01", "to": "2026-12-31", "group_by": "unit"}
    with LiveServer(loaded.archive) as server:
        with client(server.base_url, "quantri") as admin:
            everything = admin.get("/api/statistics", params=params)
            assert everything.status_code == 200, everything.text
            body = everything.json()
            assert body["from"] == "2022-01-01" and body["engine"] in ("sql", "elasticsearch")
            assert body["total"]["opened"] >= len(DATASET.dossiers)
            assert "Chi cục Thi hành án dân sự" in {g["name"] for g in body["groups"]}
            refused = admin.get("/api/statistics", params={**params, "to": "2021-01-01"})
            assert refused.status_code == 422 and refused.json()["error"]["code"] == "bad_period"
            unknown = admin.get("/api/statistics", params={**params, "case_type": "khong_co"})
            assert unknown.status_code == 422
        with client(server.base_url, "chuyenvien.thads") as official:
            mine = official.get("/api/statistics", params=params).json()
    assert [g["key"] for g in mine["groups"]] == [str(units["thads"])]
    theirs = next(g for g in body["groups"] if g["key"] == str(units["thads"]))
    assert mine["total"] == theirs["values"]


def test_the_national_database_export_holds_every_decision(loaded: Backend) -> None:
    decided = {
        d.code: d
        for d in DATASET.dossiers
        if (d.case_type == "xlvphc" and "ra_quyet_dinh" in d.key_dates)
        or (d.case_type == "qltt" and _first(d, "quyet_dinh_xu_phat"))
    }
    # a later change the official enters: the fine reduced, with a note
    reduced = sorted(c for c, d in decided.items() if d.case_type == "xlvphc")[0]
    with loaded.archive.db.read() as conn:
        admin_user = next(u for u in accounts.list_users(conn) if u.role.value == "admin")
        reduced_id = next(
            i
            for i, code in conn.execute(select(dossier_table.c.id, dossier_table.c.code))
            if code == reduced
        )
    milestone = enter_milestone(
        loaded.archive,
        loaded.archive.actor(admin_user),
        reduced_id,
        "giam_mien_tien_phat",
        date(2025, 1, 6),
        "Giảm còn 2.000.000 đồng",
    )
    with LiveServer(loaded.archive) as server, client(server.base_url, "quantri") as admin:
        answer = admin.get("/api/exports/xlvphc", params={"from": "2022-01-01", "to": "2025-12-31"})
        assert answer.status_code == 200, answer.text
        assert "csdl-xlvphc-2022-01-01-2025-12-31.json" in answer.headers["content-disposition"]
        body = answer.json()
        refused = admin.get(
            "/api/exports/xlvphc", params={"from": "2025-01-01", "to": "2024-01-01"}
        )
        assert refused.status_code == 422
        trail = admin.get("/api/audit", params={"object_type": "export"}).json()
    assert body["format"] == "csdl-xlvphc/1" and body["count"] == len(body["records"])
    assert {r["dossier_code"] for r in body["records"]} == set(decided)
    for record in body["records"]:
        demo = decided[record["dossier_code"]]
        decision = next(x for x in demo.documents if x.kind == "quyet_dinh_xu_phat")
        assert record["decision"]["number"] == decision.number
        assert record["decision"]["date"] == decision.issued_on.isoformat()
        assert record["fine"] == demo.custom.get("fine_amount")
        violator = record["violators"][0]
        assert violator["name"] and violator["address"]
        if violator["kind"] == "individual":
            assert violator["id_number"]
            if demo.case_type == "xlvphc":  # the demo fills these for sanction cases
                assert violator["date_of_birth"] and violator["sex"] in ("nam", "nu")
        else:
            assert violator["business_code"]
    assert any(r["provision_violated"] for r in body["records"])
    changes = next(r for r in body["records"] if r["dossier_code"] == reduced)["changes"]
    assert {"kind": "giam_mien_tien_phat", "date": "2025-01-06",
            "note": "Giảm còn 2.000.000 đồng"} in changes  # fmt: skip
    withdraw_milestone(
        loaded.archive, loaded.archive.actor(admin_user), reduced_id, milestone.id, "Nhập nhầm"
    )
    again = export(loaded.archive, None, date(2022, 1, 1), date(2025, 12, 31))
    again_changes = next(r for r in again.records if r["dossier_code"] == reduced)["changes"]
    assert all(c["kind"] != "giam_mien_tien_phat" for c in again_changes)  # withdrawn
    assert trail and trail[0]["detail"]["records"] == len(body["records"])


def test_an_auditor_counts_only_the_dossiers_of_the_grant_period(loaded: Backend) -> None:
    """An auditor's grant is units *and* a period of opening: the statistics and the export
    read no dossier outside it."""
    units = _units(loaded)
    grant = PeriodGrant(frozenset({units["thads"]}), date(2024, 1, 1), date(2024, 12, 31))
    wide = Period(date(2022, 1, 1), date(2026, 11, 30))
    counted = statistics_for(loaded.archive).counts(
        wide, GroupBy.UNIT, unit_ids=set(), grants=(grant,)
    )
    opened_2024 = [
        d for d in DATASET.dossiers if d.unit_code == "thads" and d.opened_on.year == 2024
    ]
    assert opened_2024
    assert set(counted) == {str(units["thads"])}
    assert counted[str(units["thads"])]["opened"] == len(opened_2024)
    with loaded.archive.db.read() as conn:
        by_sql = stats_sql.counts(conn, wide, GroupBy.UNIT, unit_ids=set(), grants=(grant,))
    assert by_sql == counted


def thads_truth(
    data: DemoDataset, unit_ids: dict[str, int], period: Period
) -> dict[str, dict[str, int]]:
    """The enforcement form's six counted figures in cases and in money, by unit, from the
    generator's data alone."""

    def inside(day: date | None) -> bool:
        return day is not None and period.start <= day <= period.end

    def none_or_after(day: date | None, bound: date) -> bool:
        return day is None or day > bound

    out: dict[str, dict[str, int]] = {}
    for d in data.dossiers:
        if d.case_type != "thads":
            continue
        k = d.key_dates
        accepted = k.get("quyet_dinh_thi_hanh")
        if accepted is None:
            continue
        done = [k[s] for s in ("hoan_thanh", "dinh_chi") if s in k]
        completed = min(done) if done else None
        terminated = k.get("dinh_chi")
        unable = k.get("chua_co_dieu_kien")
        due = int(d.custom.get("amount_due", 0) or 0)
        paid = int(d.custom.get("amount_enforced", 0) or 0)
        row = out.setdefault(str(unit_ids[d.unit_code]), {})
        day_before = period.start - timedelta(days=1)

        def add(code: str, yes: bool, money: int, row: dict[str, int] = row) -> None:
            row[f"thads_{code}"] = row.get(f"thads_{code}", 0) + int(yes)
            row[f"thads_money_{code}"] = row.get(f"thads_money_{code}", 0) + (money if yes else 0)

        add(
            "carried",
            accepted < period.start
            and none_or_after(completed, day_before)
            and none_or_after(d.closed_on, day_before),
            due,
        )
        add("new", inside(accepted), due)
        add("entrusted", False, due)
        add(
            "unenforceable",
            accepted <= period.end
            and none_or_after(completed, period.end)
            and none_or_after(d.closed_on, period.end)
            and unable is not None
            and unable <= period.end,
            due,
        )
        add("done", inside(completed) and none_or_after(terminated, period.end), paid)
        add("terminated", inside(terminated), due)
    return {key: values for key, values in out.items() if any(values.values())}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2023, 10, 1), date(2024, 9, 30)),  # the statistics year 2024
        (date(2024, 10, 1), date(2025, 3, 31)),  # its first six months of 2025
        (date(2024, 10, 1), date(2025, 9, 30)),  # the statistics year 2025
    ],
)
def test_the_enforcement_forms_figures_equal_a_recount(
    loaded: Backend, start: date, end: date
) -> None:
    found = statistics_for(loaded.archive).counts(
        Period(start, end), GroupBy.UNIT, unit_ids=None, case_types=["thads"], indicators=THADS
    )
    expected = thads_truth(DATASET, _units(loaded), Period(start, end))
    assert found == expected
    assert sum(v["thads_carried"] + v["thads_new"] for v in found.values()) > 0


def test_reports_are_made_as_data_xlsx_and_pdf_and_audited(loaded: Backend) -> None:
    """The THADS year 2024 as data, XLSX and PDF: the same figures as the statistics, the
    form's totals line, the signer block, and one audit entry each."""
    import io

    import openpyxl

    period = Period(date(2023, 10, 1), date(2024, 9, 30))
    expected = thads_truth(DATASET, _units(loaded), period)
    carried = sum(v["thads_carried"] for v in expected.values())
    new = sum(v["thads_new"] for v in expected.values())
    params = {"year": 2024, "period": "year", "signer_name": "Trần Văn Bình"}
    with LiveServer(loaded.archive) as server, client(server.base_url, "quantri") as admin:
        data = admin.get("/api/reports/thads", params=params)
        assert data.status_code == 200, data.text
        xlsx = admin.get("/api/reports/thads", params={**params, "format": "xlsx"})
        pdf = admin.get("/api/reports/thads", params={**params, "format": "pdf"})
        bad = admin.get("/api/reports/thads", params={**params, "period": "quarter", "number": 5})
        nowhere = admin.get("/api/reports/xlvphc", params={**params, "unit": "khong_co"})
        sanctions = admin.get(
            "/api/reports/xlvphc", params={"year": 2024, "period": "half", "number": 1}
        ).json()
        trail = admin.get("/api/audit", params={"object_type": "report"}).json()
    body = data.json()
    assert body["period_start"] == "2023-10-01" and body["period_end"] == "2024-09-30"
    assert body["period_label"].startswith("Năm thống kê 2024 (từ ngày 01/10/2023")
    cases = body["tables"][0]
    total = cases["rows"][-1]
    assert total["total"] and total["label"] == "Tổng cộng"
    assert total["values"]["carried"] == carried and total["values"]["new"] == new
    assert total["values"]["accepted"] == carried + new
    assert body["signer"]["name"] == "Trần Văn Bình"
    assert body["signer"]["preparer_name"]  # the administrator who made it
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "bao-cao-thads-2023-10-01-2024-09-30.xlsx" in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    numbers = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert carried + new in numbers and "Trần Văn Bình" in numbers
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_period"
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "unit_not_found"
    fields = sanctions["tables"][0]
    decided = sum(
        1
        for d in DATASET.dossiers
        if d.case_type == "xlvphc"
        and date(2024, 1, 1) <= d.key_dates.get("ra_quyet_dinh", date.min) <= date(2024, 6, 30)
    ) + sum(
        1
        for d in DATASET.dossiers
        if d.case_type == "qltt"
        and date(2024, 1, 1) <= (_first(d, "quyet_dinh_xu_phat") or date.min) <= date(2024, 6, 30)
    )
    assert fields["rows"][-1]["values"]["decisions"] == decided > 0
    year = "thads:2023-10-01..2024-09-30"
    assert [(e["object_id"], e["detail"]["format"]) for e in trail] == [
        ("xlvphc:2024-01-01..2024-06-30", "json"),
        (year, "pdf"),
        (year, "xlsx"),
        (year, "json"),
    ]  # newest first; the refused two made nothing and are not there


def test_the_monthly_snapshot_answers_as_the_rows_do(loaded: Backend) -> None:
    """The statistics are summed from the snapshot the writer keeps by difference (whole
    months) and the rows of the days of a month held in part; over random periods — whole
    months, any days, within one month, up to today — groupings and unit sets, they equal
    the sums over every row, after the other tests here have added and recounted dossiers.
    Scaled, the snapshot's copy in Elasticsearch aggregates to the same."""
    import random

    from deadlines import stats_snapshot

    rng = random.Random(7)
    units = list(_units(loaded).values())
    index = statistics_for(loaded.archive).index
    # nothing left in the outbox, and (scaled) every marked cell copied
    assert feed(statistics_for(loaded.archive), "test") == 0
    with loaded.archive.db.read() as conn:
        assert conn.execute(select(tables.figures_unsent)).first() is None
    shapes = ("months", "days", "one month", "to today")
    sides = set()  # "open at the end" summed from the start, or back from today
    with loaded.archive.db.read() as conn:
        span = stats_snapshot.month_span(conn)
        for n in range(120):
            shape = shapes[n % len(shapes)]
            year, month = rng.randrange(2021, 2027), rng.randrange(1, 13)
            start = date(
                year, month, 1 if shape in ("months", "to today") else rng.randrange(2, 29)
            )
            if shape == "months":
                last = month + rng.randrange(0, 24)
                end_year, end_month = year + (last - 1) // 12, (last - 1) % 12 + 1
                end = date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
            elif shape == "one month":
                end = start + timedelta(days=rng.randrange(0, 28 - start.day + 1))
            elif shape == "to today":
                start = date(rng.randrange(2021, 2027), 1, 1)
                end = dossier_service.today()
            else:
                end = start + timedelta(days=rng.randrange(1, 700))
            period = Period(start, end)
            group_by = rng.choice(list(GroupBy))
            reach = None if rng.random() < 0.5 else set(rng.sample(units, 3))
            kinds = () if rng.random() < 0.6 else ("xlvphc", "thads")
            by_rows = stats_sql.counts(conn, period, group_by, unit_ids=reach, case_types=kinds)
            sides.add(stats_snapshot.parts(period, span).open_from_start)
            assert (
                stats_snapshot.counts(conn, period, group_by, unit_ids=reach, case_types=kinds)
                == by_rows
            ), (shape, period)
            if index is not None:  # scaled: the snapshot's copy in Elasticsearch too,
                # with the side the install would choose, and always back from today
                for chosen in (span, None):
                    assert (
                        index.snapshot_counts(
                            period,
                            group_by,
                            unit_ids=reach,
                            case_types=kinds,
                            span=chosen,
                            cache=False,
                        )
                        == by_rows
                    ), (shape, period, chosen)
    assert sides == {True, False}  # both ways were checked
