"""Benchmark of ``POST /api/v1/quotes`` on PostgreSQL, beside a bare FastAPI endpoint.

What it does, in one run:

1. creates a PostgreSQL schema of its own (``bench_api_<random>``), upgrades it with
   Alembic and imports a register with products and programmes, and adds a
   ``sales_system`` user with an API token. The register is, by default
   (``--register realistic``), the realistic shape of ``benchmarks/generate.py`` at the
   API benchmark's size (10,000 entities in one giant connected component, 30,000
   stakes, 85,000 people, no sales), with products and programmes made here: 200
   selling entities with 5 products each, a staff discount per seller (a third with an
   annual cap), a group staff discount for sellers in groups, transfer prices (cost
   plus) for half of them and internal charges at cost. ``--register demo`` imports the
   demo dataset instead (``inhouse.demo.DATA_DIR``: the JKL group with its products, 20
   programmes and a year of sales as orders, so that caps and quantity limits have
   usage to count);
2. builds 5-line baskets: for each request a selling entity, five of its products and a
   buyer on a day of 2026, the buyers drawn from its own staff (``employee``), staff of
   other members of its group (``group_employee``), other group entities
   (``intercompany``), its own org units (``same_entity``) and walk-in customers
   (``external``);
3. serves the real app and ``benchmarks/bare_app.py`` (whose ``/api/v1/quotes`` parses
   the same body and echoes it) with the same uvicorn settings, and loads each with
   ``wrk`` (or the asyncio client of ``api_classify.py``): 32 keep-alive connections,
   a warm-up, then the measured seconds; every response must be a 200;
4. prints requests per second and p50/p90/p99 latency of both beside the target
   (p99 ≤ 30 ms); ``--json`` prints one JSON object;
5. stops the servers and drops the schema, also on failure and Ctrl-C.

Usage::

    python benchmarks/quote.py                   # ≈ 1 minute, plus the import
    python benchmarks/quote.py --duration 5 --warmup 1 --json
    python benchmarks/quote.py --register demo   # the JKL demo dataset instead

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
    from benchmarks.generate import REALISTIC, default_dir, generate
except ModuleNotFoundError:  # run as a script: python benchmarks/quote.py
    import api_classify as api  # type: ignore[no-redef,import-not-found]
    from generate import (  # type: ignore[no-redef,import-not-found]
        REALISTIC,
        default_dir,
        generate,
    )

PATH = "/api/v1/quotes"
TARGET_P99_MS = 30.0
LINES = 5
REQUESTS = 5_000
SELLERS = 200  # realistic register: selling entities with products and programmes
PRODUCTS_PER_SELLER = 5
FIRST_DAY = date(2026, 1, 5)
DAYS = 300  # baskets are priced on days of 2026 from FIRST_DAY on
KINDS = ("employee", "group_employee", "intercompany", "same_entity", "external")


def baskets(
    seed: int, data: Path, count: int = REQUESTS, buyers: _Buyers | None = None
) -> tuple[list[str], dict[str, int]]:
    """``count`` request bodies of 5-line baskets for the dataset folder ``data`` (which
    has ``products.csv``), and how many of each buyer kind. ``buyers``: the folder's
    register already indexed (else it is read)."""
    from inhouse.dataset import load_register

    if buyers is None:
        buyers = _Buyers(load_register(data), FIRST_DAY)
    rng = random.Random(seed)
    products: dict[str, list[str]] = {}
    with (data / "products.csv").open(encoding="utf-8") as file:
        next(file)
        for line in file:
            product, seller = line.split(",")[:2]
            products.setdefault(seller, []).append(product)
    sellers = sorted(s for s, items in products.items() if len(items) >= 2)
    days = [FIRST_DAY + timedelta(days=n) for n in range(DAYS)]
    kinds: dict[str, int] = {}
    bodies: list[str] = []
    for _ in range(count):
        seller = rng.choice(sellers)
        on = rng.choice(days)
        kind = rng.choice(KINDS)
        buyer = buyers.pick(rng, seller, on, kind)
        kinds[kind if buyer is not None else "external"] = (
            kinds.get(kind if buyer is not None else "external", 0) + 1
        )
        lines = [{"product": rng.choice(products[seller]), "quantity": str(rng.randint(1, 3))}
                 for _ in range(LINES)]  # fmt: skip
        body = {"seller": seller, "buyer": buyer or f"WALKIN-{rng.randint(1, 9999):04}",
                "on": on.isoformat(), "lines": lines}  # fmt: skip
        bodies.append(json.dumps(body, separators=(",", ":")))
    return bodies, kinds


class _Buyers:
    """Buyers of each kind for a seller, from an index of the register.

    The groups are those of ``on`` (the registers used here have no stake changes in
    2026, apart from far-future typos); employments are checked on the basket's day.
    """

    def __init__(self, register: Any, on: date) -> None:
        self.register = register
        snapshot = register.structure_on(on)
        self.group_of = {e: snapshot.group_of(e) for e in register.entities}
        self.members: dict[str, list[str]] = {}
        for entity, group in sorted(self.group_of.items()):
            self.members.setdefault(group, []).append(entity)
        self.staff: dict[str, list[Any]] = {}
        for employment in register.employments:
            self.staff.setdefault(employment.entity, []).append(employment)
        self.units: dict[str, list[str]] = {}
        for unit in register.units.values():
            self.units.setdefault(unit.entity, []).append(unit.id)
        self.entities = sorted(register.entities)

    def employees(self, entity: str, on: date) -> list[str]:
        return [e.person for e in self.staff.get(entity, ()) if e.period.contains(on)]

    def pick(self, rng: random.Random, seller: str, on: date, kind: str) -> str | None:
        """A buyer of that kind for ``seller`` on ``on``, or None (then a walk-in customer)."""
        sisters = [e for e in self.members.get(self.group_of[seller], ()) if e != seller]
        if kind == "same_entity":
            units = self.units.get(seller, [])
            return rng.choice(units) if units else None
        if kind == "intercompany":
            others = sisters or [e for e in self.entities if e != seller]
            return rng.choice(others) if others else None
        if kind == "employee":
            staff = self.employees(seller, on)
            return rng.choice(staff) if staff else None
        if kind == "group_employee":
            for sister in rng.sample(sisters, min(len(sisters), 5)):
                staff = self.employees(sister, on)
                if staff:
                    return rng.choice(staff)
        return None


def realistic_folder(seed: int, tmp: Path, say: Any) -> tuple[Path, _Buyers]:
    """The API benchmark's realistic register (generated or reused), without sales, with
    products and programmes for ``SELLERS`` entities, as a folder of its own in ``tmp``."""
    from inhouse.dataset import load_register

    sizes = api.DEFAULTS
    source = default_dir(
        type(sizes)(sizes.entities, sizes.stakes, sizes.people, 0, REALISTIC), seed
    )
    say(f"register {source} …")
    generate(source, entities=sizes.entities, stakes=sizes.stakes, people=sizes.people,
             sales=0, shape=REALISTIC, seed=seed, log=say)  # fmt: skip
    folder = tmp / "register"
    folder.mkdir()
    for table in ("entities", "stakes", "units", "people", "employments"):
        (folder / f"{table}.csv").symlink_to((source / f"{table}.csv").resolve())
    register = load_register(folder)
    buyers = _Buyers(register, FIRST_DAY)
    rng = random.Random(seed)
    eligible = [e for e in buyers.entities if len(buyers.employees(e, FIRST_DAY)) >= 5]
    sellers = sorted(rng.sample(eligible, min(SELLERS, len(eligible))))
    write_commerce(folder, register, buyers, sellers, rng)
    return folder, buyers


def write_commerce(
    folder: Path, register: Any, buyers: _Buyers, sellers: list[str], rng: random.Random
) -> None:
    """``products.csv`` and ``programmes.toml`` for ``sellers``."""
    lines = ["id,seller,name,list_price,currency,kind,category,unit_cost,for_employees_only"]
    programmes: list[str] = [
        '[[programme]]\nid = "DEPT-AT-COST"\nname = "Internal charges at cost"\n'
        'kind = "department_charge"\n'
    ]
    for seller in sellers:
        currency = register.entities[seller].currency or "EUR"
        for k in range(PRODUCTS_PER_SELLER):
            cents = rng.randrange(500, 50_000)
            cost = cents * rng.randrange(45, 80) // 100
            lines.append(f"{seller}-P{k + 1},{seller},Product {k + 1} of {seller},"
                         f"{cents / 100:.2f},{currency},goods,goods,{cost / 100:.2f},false")  # fmt: skip
        staff = (
            f'[[programme]]\nid = "{seller}-STAFF"\nname = "Staff purchases at {seller}"\n'
            f'kind = "staff_discount"\nscope_kind = "entity"\nscope_id = "{seller}"\n'
            f'discount_pct = "{rng.choice((10, 15, 20, 25, 30))}"\ninclude_retirees = true\n'
        )
        if rng.random() < 1 / 3:
            staff += f'annual_cap = "1500.00"\nannual_cap_currency = "{currency}"\n'
        programmes.append(staff)
        if len(buyers.members.get(buyers.group_of[seller], ())) > 1:
            programmes.append(
                f'[[programme]]\nid = "{seller}-GROUP"\n'
                f'name = "Group staff discount at {seller}"\nkind = "group_staff_discount"\n'
                f'scope_kind = "entity"\nscope_id = "{seller}"\n'
                f'discount_pct = "{rng.choice((5, 10, 15))}"\n'
            )
        if rng.random() < 0.5:
            programmes.append(
                f'[[programme]]\nid = "{seller}-TP"\n'
                f'name = "Transfer prices of {seller}: cost plus"\nkind = "transfer_price"\n'
                f'scope_kind = "entity"\nscope_id = "{seller}"\nmethod = "cost_plus"\n'
                f'markup_pct = "{rng.choice((5, 8, 10, 15))}"\n'
            )
    (folder / "products.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "programmes.toml").write_text("\n".join(programmes), encoding="utf-8")


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
    parser.add_argument("--seed", type=int, default=1, help="register and basket seed")
    parser.add_argument(
        "--register",
        choices=("realistic", "demo"),
        default="realistic",
        help="the generated realistic register with products and programmes (default), "
        "or the JKL demo dataset",
    )
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
    tmp = Path(tempfile.mkdtemp(prefix="quote-bench-"))
    from inhouse.demo import DATA_DIR

    try:
        data, buyers = DATA_DIR, None
        if args.register == "realistic":
            data, buyers = realistic_folder(args.seed, tmp, say)
        bodies, kinds = baskets(args.seed, data, buyers=buyers)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
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
        "register": args.register,
        "requests_built": len(bodies),
        "buyers": kinds,
        "runs": {},
    }
    bodies_file = tmp / "bodies.jsonl"
    bodies_file.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    servers: list[api.Server] = []
    from inhouse.db.engine import make_engine

    try:
        with api.bench_schema(args.database_url) as schema:
            url = api.schema_url(args.database_url, schema)
            engine = make_engine(url)
            say(f"schema {schema}: migrating and importing {data} …")
            loaded = load_data(engine, data)
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


def load_data(engine: Any, data: Path) -> dict[str, Any]:
    """Migrate, import ``data``, add a ``sales_system`` user; return its token."""
    from inhouse.clock import SystemClock
    from inhouse.dataset.services import import_dataset
    from inhouse.db.migrate import upgrade
    from inhouse.db.uow import UnitOfWork
    from inhouse.identity.domain import SYSTEM
    from inhouse.identity.services import add_user, create_token

    clock = SystemClock()
    upgrade(engine)
    report = import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=data)
    add_user(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, username="bench-pos",
             password=None, role="sales_system")  # fmt: skip
    token = create_token(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock,
                         username="bench-pos", name="quote benchmark")  # fmt: skip
    return {"token": token.secret, "imported": report.summary()}


if __name__ == "__main__":
    raise SystemExit(main())
