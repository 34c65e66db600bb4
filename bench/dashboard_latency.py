"""The dashboard's statistics under load: p50/p95 of GET /api/statistics with 20 clients.

    .venv/bin/python bench/dashboard_latency.py --backend embedded --dossiers 100000
    .venv/bin/python bench/dashboard_latency.py --backend scaled --dossiers 1000000

Fills the figures as bench/statistics_refresh.py does, starts ``archive serve`` over them,
signs in as an administrator (whose statistics no unit narrows: the most work), and for
``--seconds`` has ``--clients`` clients ask, one after the other:

* ``same``: the dashboard's question — this year by unit — again and again;
* ``varied``: a random period of 1–12 months in 2018–2026, by unit, field or case type;
* ``floor``: GET /api/auth/me, the cheapest signed-in call, for comparison.

Prints answers/s, errors, p50, p95 and max for each.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from collections.abc import Callable
from datetime import date

import httpx
from benchlib import ApiServer, bench_archive, percentile
from statistics_refresh import fill, synthetic

from archive.domain.roles import Role
from archive.services import accounts
from archive.services.context import Archive

PASSWORD = "mat-khau-do-hieu-nang-2026"
Ask = Callable[[random.Random], tuple[str, dict[str, str]]]


def same(_: random.Random) -> tuple[str, dict[str, str]]:
    return "/api/statistics", {"from": "2026-01-01", "to": "2026-12-31", "group_by": "unit"}


def varied(rng: random.Random) -> tuple[str, dict[str, str]]:
    year, month = rng.randrange(2018, 2027), rng.randrange(1, 13)
    span = rng.randrange(1, 13)
    end_month = month + span - 1
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 28)
    return "/api/statistics", {
        "from": date(year, month, 1).isoformat(),
        "to": end.isoformat(),
        "group_by": rng.choice(("unit", "field", "case_type")),
    }


def floor(_: random.Random) -> tuple[str, dict[str, str]]:
    return "/api/auth/me", {}


def load(
    base_url: str, token: str, ask: Ask, clients: int, seconds: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        nonlocal errors
        rng = random.Random(n)
        with httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as http:
            while time.monotonic() < stop:
                path, params = ask(rng)
                t = time.perf_counter()
                answer = http.get(path, params=params)
                took = time.perf_counter() - t
                with lock:
                    if answer.status_code == 200:
                        latencies.append(took)
                    else:
                        errors += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("embedded", "scaled"), default="embedded")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
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
            for name, ask in (("same", same), ("varied", varied), ("floor", floor)):
                load(server.base_url, token, ask, args.clients, 3)  # warm up
                took, errors = load(server.base_url, token, ask, args.clients, args.seconds)
                print(
                    f"  {name:<6} {args.clients} clients: {len(took) / args.seconds:,.1f}/s, "
                    f"{errors} errors, p50 {percentile(took, 0.5) * 1000:.0f} ms, "
                    f"p95 {percentile(took, 0.95) * 1000:.0f} ms, max {max(took) * 1000:.0f} ms"
                )


if __name__ == "__main__":
    main()
