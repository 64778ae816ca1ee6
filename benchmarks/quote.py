"""Benchmark of ``POST /api/v1/quotes`` on PostgreSQL, beside a bare FastAPI endpoint.

What it does, in one run:

1. creates a PostgreSQL schema of its own (``bench_api_<random>``), upgrades it with
   Alembic and imports the demo dataset (``inhouse.demo.DATA_DIR``: the JKL group with
   its products, 20 programmes and a year of sales as orders, so that caps and quantity
   limits have usage to count), and adds a ``sales_system`` user with an API token;
2. builds 5-line baskets: for each request a selling entity, five of its products and a
   buyer on a day of 2026, the buyers drawn from its own staff (``employee``), staff of
   sister companies (``group_employee``), other group entities (``intercompany``), its
   own org units (``same_entity``) and walk-in customers (``external``);
3. serves the real app and ``benchmarks/bare_app.py`` (whose ``/api/v1/quotes`` parses
   the same body and echoes it) with the same uvicorn settings, and loads each with
   ``wrk`` (or the asyncio client of ``api_classify.py``): 32 keep-alive connections,
   a warm-up, then the measured seconds; every response must be a 200;
4. prints requests per second and p50/p90/p99 latency of both beside the target
   (p99 ≤ 30 ms); ``--json`` prints one JSON object;
5. stops the servers and drops the schema, also on failure and Ctrl-C.

Usage::

    python benchmarks/quote.py                   # ≈ 1 minute
    python benchmarks/quote.py --duration 5 --warmup 1 --json

Exit status 0 when every response was a 200, 1 otherwise (``--strict``: also when the
target is missed), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import signal
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

try:
    from benchmarks import api_classify as api
except ModuleNotFoundError:  # run as a script: python benchmarks/quote.py
    import api_classify as api  # type: ignore[no-redef]

PATH = "/api/v1/quotes"
TARGET_P99_MS = 30.0
LINES = 5
REQUESTS = 5_000


def baskets(seed: int, count: int = REQUESTS) -> tuple[list[str], dict[str, int]]:
    """``count`` request bodies of 5-line baskets, and how many of each buyer kind."""
    from inhouse.dataset import load_register
    from inhouse.demo import DATA_DIR

    register = load_register(DATA_DIR)
    rng = random.Random(seed)
    products: dict[str, list[str]] = {}
    with (DATA_DIR / "products.csv").open(encoding="utf-8") as file:
        next(file)
        for line in file:
            product, seller = line.split(",")[:2]
            products.setdefault(seller, []).append(product)
    sellers = sorted(s for s, items in products.items() if len(items) >= 2)
    days = [date(2026, 1, 5) + timedelta(days=n) for n in range(300)]
    kinds: dict[str, int] = {}
    bodies: list[str] = []
    for _ in range(count):
        seller = rng.choice(sellers)
        on = rng.choice(days)
        kind = rng.choice(("employee", "group_employee", "intercompany", "same_entity",
                           "external"))  # fmt: skip
        buyer = _buyer(register, rng, seller, on, kind)
        kinds[kind if buyer is not None else "external"] = (
            kinds.get(kind if buyer is not None else "external", 0) + 1
        )
        lines = [{"product": rng.choice(products[seller]), "quantity": str(rng.randint(1, 3))}
                 for _ in range(LINES)]  # fmt: skip
        body = {"seller": seller, "buyer": buyer or f"WALKIN-{rng.randint(1, 9999):04}",
                "on": on.isoformat(), "lines": lines}  # fmt: skip
        bodies.append(json.dumps(body, separators=(",", ":")))
    return bodies, kinds


def _buyer(register: Any, rng: random.Random, seller: str, on: date, kind: str) -> str | None:
    """A buyer of that kind for ``seller`` on ``on``, or None (then a walk-in customer)."""
    if kind == "same_entity":
        units = [u.id for u in register.units.values() if u.entity == seller]
        return rng.choice(units) if units else None
    if kind == "intercompany":
        others = [e for e in register.entities if e != seller]
        return rng.choice(others) if others else None
    if kind in ("employee", "group_employee"):
        staff = [
            e.person
            for e in register.employments
            if e.period.contains(on) and (e.entity == seller) == (kind == "employee")
        ]
        return rng.choice(staff) if staff else None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "INHOUSE_BENCH_DATABASE_URL", api.DEFAULT_URL), help="PostgreSQL URL")  # fmt: skip
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds (3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrency (32)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per server (1)")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator: wrk if installed (auto), or the asyncio one")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="basket seed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
    elif client == "wrk" and not shutil.which("wrk"):
        parser.error("wrk not found: apt-get install wrk, or use --client python")

    def say(message: str) -> None:
        if not args.json:
            print(message, file=sys.stderr, flush=True)

    settings = api.LoadSettings(client, args.connections, 1, 60.0)
    bodies, kinds = baskets(args.seed)
    signal.signal(signal.SIGTERM, api._terminated)
    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "command": " ".join(["python", "benchmarks/quote.py", *(argv or sys.argv[1:])]),
        "machine": api.machine(),
        "client": client,
        "connections": args.connections,
        "workers": args.workers,
        "uvicorn_stack": " + ".join(
            name if importlib.util.find_spec(name) else f"no {name}"
            for name in ("httptools", "uvloop")
        ),
        "requests_built": len(bodies),
        "buyers": kinds,
        "runs": {},
    }
    tmp = Path(tempfile.mkdtemp(prefix="quote-bench-"))
    bodies_file = tmp / "bodies.jsonl"
    bodies_file.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    servers: list[api.Server] = []
    from inhouse.db.engine import make_engine

    try:
        with api.bench_schema(args.database_url) as schema:
            url = api.schema_url(args.database_url, schema)
            engine = make_engine(url)
            say(f"schema {schema}: migrating and importing the demo dataset …")
            loaded = load_demo(engine)
            engine.dispose()
            result["database"] = {k: v for k, v in loaded.items() if k != "token"}
            env = dict(os.environ, INHOUSE_DATABASE_URL=url,
                       INHOUSE_SECRET_KEY="quote-benchmark-secret-key-0123456789")  # fmt: skip
            for name, app in (("bare", "benchmarks.bare_app:create_app"),
                              ("inhouse", api.INHOUSE_APP)):  # fmt: skip
                server = api.start_server(name, app, args.workers, env, tmp)
                servers.append(server)
                token = loaded["token"] if name == "inhouse" else ""
                say(f"{name}: warm-up {args.warmup:g} s, then {args.duration:g} s …")
                api.run_load(server, bodies_file, token, args.warmup, 0, settings, PATH)
                load = api.run_load(server, bodies_file, token, args.duration, 1000, settings,
                                    PATH)  # fmt: skip
                result["runs"][name] = load.as_dict()
                server.stop()
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    inhouse = result["runs"]["inhouse"]
    bare = result["runs"]["bare"]
    p99 = inhouse["latency_ms"].get("p99", float("inf"))
    result["verdict"] = {
        "p99_ms": p99,
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": p99 <= TARGET_P99_MS,
        "share_of_bare_throughput": round(
            inhouse["requests_per_second"] / bare["requests_per_second"], 3
        ) if bare["requests_per_second"] else None,
    }  # fmt: skip
    errors = inhouse["errors"] + bare["errors"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{'server':8} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for name, run in result["runs"].items():
            lat = run["latency_ms"]
            print(f"{name:8} {run['requests_per_second']:8.1f} {lat.get('p50', 0):8.2f} "
                  f"{lat.get('p90', 0):8.2f} {lat.get('p99', 0):8.2f} {run['errors']:7}")  # fmt: skip
        verdict = "met" if result["verdict"]["meets_target"] else "missed"
        print(f"target p99 ≤ {TARGET_P99_MS:g} ms: {verdict} ({p99:.2f} ms)")
    if errors:
        return 1
    return 1 if args.strict and not result["verdict"]["meets_target"] else 0


def load_demo(engine: Any) -> dict[str, Any]:
    """Migrate, import the demo dataset, add a ``sales_system`` user; return its token."""
    from inhouse.clock import SystemClock
    from inhouse.dataset.services import import_dataset
    from inhouse.db.migrate import upgrade
    from inhouse.db.uow import UnitOfWork
    from inhouse.demo import DATA_DIR
    from inhouse.identity.domain import SYSTEM
    from inhouse.identity.services import add_user, create_token

    clock = SystemClock()
    upgrade(engine)
    report = import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=DATA_DIR)
    add_user(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, username="bench-pos",
             password=None, role="sales_system")  # fmt: skip
    token = create_token(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                         username="bench-pos", name="quote benchmark")  # fmt: skip
    return {"token": token.secret, "imported": report.summary()}


if __name__ == "__main__":
    raise SystemExit(main())
