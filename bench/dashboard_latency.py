"""The dashboard's statistics under load: p50/p95 of GET /api/statistics with 20 clients.

    .venv/bin/python bench/dashboard_latency.py --backend embedded --dossiers 100000
    .venv/bin/python bench/dashboard_latency.py --backend scaled --dossiers 1000000

Fills the figures as bench/statistics_refresh.py does, starts ``archive serve`` over them,
signs in as an administrator (whose statistics no unit narrows: the most work), and for
``--seconds`` has ``--clients`` clients ask, one after the other:

* ``same``: the dashboard's question — this year by unit — again and again;
* ``varied``: a random period of 1–12 whole months in 2018–2026, by unit, field or case
  type (the dashboard's kind of question, answered from the snapshot when embedded);
* ``days``: a random period of any days, which the embedded install sums from the rows;
* ``floor``: GET /api/auth/me, the cheapest signed-in call, for comparison.

Prints answers/s, errors, p50, p95 and max for each. ``--pace 2`` has each client ask every
2 seconds (officials reloading the dashboard) instead of back to back; ``--pace 0 2``
measures both over one fill.
"""

from __future__ import annotations

import argparse
import calendar
import random
from datetime import date, timedelta

import httpx
from benchlib import ApiServer, bench_archive, load, percentile
from statistics_refresh import fill, synthetic

from archive.domain.roles import Role
from archive.services import accounts
from archive.services.context import Archive

PASSWORD = "mat-khau-do-hieu-nang-2026"


def same(_: random.Random) -> tuple[str, dict[str, str]]:
    return "/api/statistics", {"from": "2026-01-01", "to": "2026-12-31", "group_by": "unit"}


def varied(rng: random.Random) -> tuple[str, dict[str, str]]:
    """Whole months, as the dashboard asks (a month, a quarter, a year): the snapshot."""
    year, month = rng.randrange(2018, 2027), rng.randrange(1, 13)
    end_month = month + rng.randrange(1, 13) - 1
    end_year, end_month = year + (end_month - 1) // 12, (end_month - 1) % 12 + 1
    end = date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
    return "/api/statistics", {
        "from": date(year, month, 1).isoformat(),
        "to": end.isoformat(),
        "group_by": rng.choice(("unit", "field", "case_type")),
    }


def days(rng: random.Random) -> tuple[str, dict[str, str]]:
    """Any days (from the 2nd of a month): the embedded install sums the rows."""
    start = date(rng.randrange(2018, 2027), rng.randrange(1, 13), rng.randrange(2, 28))
    end = start + timedelta(days=rng.randrange(20, 365))
    return "/api/statistics", {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "group_by": rng.choice(("unit", "field", "case_type")),
    }


def floor(_: random.Random) -> tuple[str, dict[str, str]]:
    return "/api/auth/me", {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("embedded", "scaled"), default="embedded")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--pace",
        type=float,
        nargs="+",
        default=[0.0],
        help="each client asks every PACE seconds (0: as fast as answered); several values "
        "measure each in turn over the same fill",
    )
    args = parser.parse_args()
    with bench_archive(args.backend) as settings:
        archive = Archive.open(settings)
        try:
            filled = fill(archive, synthetic(args.dossiers), 10_000)
            accounts.create_user(
                archive,
                username="quantri",
                full_name="Quản trị đo hiệu năng",
                password=PASSWORD,
                role=Role.ADMIN,
                unit_code="tu_phap",
                by=None,
            )
        finally:
            archive.close()
        print(f"{args.backend}: {args.dossiers:,} dossiers' figures written in {filled:.0f} s")
        with ApiServer(settings) as server:
            token = httpx.post(
                f"{server.base_url}/api/auth/login",
                json={"username": "quantri", "password": PASSWORD},
                timeout=30,
            ).json()["access_token"]
            questions = (("same", same), ("varied", varied), ("days", days), ("floor", floor))
            for pace in args.pace:
                for name, ask in questions:
                    load(server.base_url, token, ask, args.clients, 3)  # warm up
                    took, errors = load(
                        server.base_url, token, ask, args.clients, args.seconds, pace
                    )
                    mode = f"every {pace:g} s" if pace else "back to back"
                    print(
                        f"  {name:<6} {args.clients} clients {mode}: "
                        f"{len(took) / args.seconds:,.1f}/s, "
                        f"{errors} errors, p50 {percentile(took, 0.5) * 1000:.0f} ms, "
                        f"p95 {percentile(took, 0.95) * 1000:.0f} ms, "
                        f"max {max(took) * 1000:.0f} ms",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
