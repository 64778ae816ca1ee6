"""Benchmark of the parity monitor on PostgreSQL: a year of tickets, 10 events each.

Builds (or reuses, with ``--reuse``) a schema ``bench_parity_<n>`` in the given
PostgreSQL database, migrated with Alembic, holding:

* a group (JKL holds 20 serving entities) with 2,000 employees, and 2,000 outside
  customer accounts;
* two calendars (office hours with a lunch break, Europe/Berlin; 24/7) and three SLA
  policies (urgent → 24/7, internal, fallback), defined through the care services;
* ``--tickets`` tickets created during 2026 (default 1,000,000), each with 10 events:
  requester message, internal note, open, agent reply, pending_customer, requester
  message, open, agent reply, resolved, closed. Offsets are drawn from small sets;
  internal customers of the entity S00 wait longer (a parity problem to find);
* each ticket's SLA figures computed by the care domain (``services.figures_of``) as a
  write would store them — memoised on (creation minute, event offsets, relation,
  priority), the only inputs of that pure computation — and written with ``COPY``.

Then it times ``services.parity`` (what ``GET /api/v1/parity`` and ``inhouse parity``
call) for the whole year over all serving entities, for one quarter, and for one
entity, and prints the timings beside the target: ≤ 10 s over 1,000,000 tickets.

Relations are classified once per (serving entity, requester) on 2026-01-01 with the
groups register; nothing in the generated data changes during 2026, so that is the
relation on every creation day.

Usage::

    python benchmarks/parity.py                        # 1,000,000 tickets
    python benchmarks/parity.py --tickets 20000        # a quick look
    python benchmarks/parity.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test --json
    python benchmarks/parity.py --reuse                # time the report on existing data

Exit status 0 when the report ran (the target is reported, not enforced unless
``--strict``), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, text

from inhouse.care import services as care
from inhouse.clock import FixedClock
from inhouse.db.engine import make_engine
from inhouse.db.migrate import upgrade
from inhouse.db.uow import UnitOfWork
from inhouse.groups.services import RegisterCache
from inhouse.identity.domain import SYSTEM

try:
    from benchmarks.tickets import Party, write_tickets
except ModuleNotFoundError:  # run as a script: python benchmarks/parity.py
    from tickets import Party, write_tickets  # type: ignore[no-redef,import-not-found]

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_SECONDS = 10.0
SERVING = [f"S{n:02d}" for n in range(20)]
LAGGARD = "S00"
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
CLOCK = FixedClock(datetime(2027, 1, 15, tzinfo=UTC))


def schema_engine(url: str, schema: str, *, fresh: bool) -> Engine:
    admin = make_engine(url)
    with admin.begin() as connection:
        if fresh:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def set_up_parties(engine: Engine) -> list[str]:
    """The group JKL and its serving entities, employees and outside accounts."""
    with UnitOfWork(engine) as uow:
        uow.groups.add("entities", {"id": "JKL", "name": "JKL Holding"})
        for entity in SERVING:
            uow.groups.add("entities", {"id": entity, "name": f"Service {entity}"})
            uow.groups.add("stakes", {"holder": "JKL", "entity": entity, "voting": "100",
                                      "equity": "100", "valid_from": date(2020, 1, 1)})  # fmt: skip
        for n in range(2000):
            person = f"E{n:05d}"
            uow.groups.add("persons", {"id": person, "name": f"Employee {n}"})
            uow.groups.add("employments", {"person": person, "entity": SERVING[n % 20],
                                           "kind": "employee",
                                           "valid_from": date(2020, 1, 1)})  # fmt: skip
        uow.commit()
    return [f"E{n:05d}" for n in range(2000)] + [f"ACCT-{n:05d}" for n in range(2000)]


def set_up_rules(engine: Engine) -> None:
    office = {"mon-fri": [["08:00", "12:00"], ["13:00", "17:00"]]}
    care.define_calendar(uow=UnitOfWork(engine), actor=SYSTEM, clock=CLOCK, id="OFFICE",
                         name="Office", tz="Europe/Berlin", hours=office)  # fmt: skip
    care.define_calendar(uow=UnitOfWork(engine), actor=SYSTEM, clock=CLOCK, id="ALWAYS",
                         name="24/7", tz="Europe/Berlin",
                         hours={"mon-sun": [["00:00", "24:00"]]})  # fmt: skip
    policies: tuple[dict[str, Any], ...] = (
        {"id": "URGENT", "position": 1, "calendar": "ALWAYS", "priorities": ["urgent"],
         "first_response": 60, "resolution": 480},
        {"id": "INTERNAL", "position": 2, "calendar": "OFFICE", "segments": ["internal"],
         "first_response": 240, "resolution": 1440, "next_response": 480},
        {"id": "STANDARD", "position": 9, "calendar": "OFFICE", "first_response": 240,
         "resolution": 1440, "next_response": 480},
    )  # fmt: skip
    for policy in policies:
        care.define_policy(uow=UnitOfWork(engine), actor=SYSTEM, clock=CLOCK,
                           name=str(policy["id"]), **policy)  # fmt: skip


def generate(engine: Engine, tickets: int, requesters: list[str], seed: int) -> dict[str, float]:
    register = RegisterCache().current(UnitOfWork(engine))
    relation_of: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
    for serving in SERVING:
        for requester in requesters:
            answer = register.classify(serving, requester, date(2026, 1, 1))
            relation_of[(serving, requester)] = (answer.relation.value, tuple(answer.evidence))

    def pick(n: int, rng: random.Random) -> Party:
        serving = SERVING[n % 20]
        requester = requesters[rng.randrange(len(requesters))]
        relation, evidence = relation_of[(serving, requester)]
        return Party(serving, requester, "person" if requester[0] == "E" else "account",
                     relation, evidence, slow=serving == LAGGARD and relation != "external")  # fmt: skip

    return write_tickets(engine, tickets, pick, start=YEAR_START, quarters=365 * 96, seed=seed)


def time_reports(engine: Engine) -> dict[str, Any]:
    cache = RegisterCache()
    cache.current(UnitOfWork(engine))  # the app keeps the register warm between requests
    results: dict[str, Any] = {}
    for label, period, entity in (("year, all entities", "2026", None),
                                  ("2026-Q1, all entities", "2026-Q1", None),
                                  ("year, entity S00", "2026", LAGGARD)):  # fmt: skip
        started = time.perf_counter()
        report = care.parity(uow=UnitOfWork(engine), actor=SYSTEM, clock=CLOCK, cache=cache,
                             period=period, entity=entity)  # fmt: skip
        seconds = time.perf_counter() - started
        internal, external = report.segments[0], report.segments[1]
        results[label] = {
            "seconds": round(seconds, 2),
            "tickets": internal.tickets + external.tickets,
            "alerts": [a.metric for a in report.alerts],
            "internal_median_first_response": internal.first_response_median,
            "external_median_first_response": external.first_response_median,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--url", default=os.environ.get("INHOUSE_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="Keep existing data, only time")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--strict", action="store_true", help="Exit 1 when over the target")
    args = parser.parse_args(argv)
    schema = f"bench_parity_{args.tickets}"
    engine = schema_engine(args.url, schema, fresh=not args.reuse)
    result: dict[str, Any] = {
        "tickets": args.tickets, "events_per_ticket": 10, "schema": schema,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
        "python": platform.python_version(), "date": date.today().isoformat(),
    }  # fmt: skip
    if not args.reuse:
        upgrade(engine)
        requesters = set_up_parties(engine)
        set_up_rules(engine)
        result.update(generate(engine, args.tickets, requesters, args.seed))
    result["reports"] = time_reports(engine)
    worst = max(r["seconds"] for r in result["reports"].values())
    result["target"] = f"≤ {TARGET_SECONDS:g} s over 1,000,000 tickets"
    result["met"] = worst <= TARGET_SECONDS
    engine.dispose()
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        for label, figures in result["reports"].items():
            print(f"{label}: {figures['seconds']} s for {figures['tickets']:,} tickets, "
                  f"alerts {figures['alerts']}")  # fmt: skip
        print(f"slowest {worst:.2f} s; target {result['target']}: "
              f"{'met' if result['met'] else 'NOT met'}")  # fmt: skip
    return 1 if args.strict and not result["met"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
