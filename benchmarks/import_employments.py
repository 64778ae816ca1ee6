"""Benchmark: import a dataset with a million employments into SQLite and PostgreSQL.

The dataset is generated here, deterministically (``random.Random(seed)``): entities
in small groups, two org units each, persons with one to three employments over the
years (job changes end one employment and start the next). Then, per database:

1. ``import``    the whole folder into an empty database (all rows added);
2. ``again``     the same folder once more (nothing to change, everything compared);
3. ``changed``   the folder with 1 % of the open employments ended and 1 % of the
                 persons renamed (the differences only, with their audit entries);
4. ``export``    the database back into a folder.

Usage::

    python benchmarks/import_employments.py                       # 1,000,000 employments, SQLite
    python benchmarks/import_employments.py --postgresql URL      # and PostgreSQL (own schema)
    python benchmarks/import_employments.py --employments 100000  # smaller

PostgreSQL runs in a schema of its own that is dropped at the end. The results are
printed as a table and, with ``--json FILE``, written as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from inhouse.clock import FixedClock
from inhouse.dataset.services import ImportReport, export_dataset, import_dataset
from inhouse.db.engine import make_engine
from inhouse.db.migrate import upgrade
from inhouse.db.uow import UnitOfWork
from inhouse.identity.domain import SYSTEM

EMPLOYMENTS = 1_000_000
PER_PERSON = 2.5  # employments per person on average
PER_GROUP = 8  # entities per group
SEED = 7
EPOCH = date(2006, 1, 1)
SPAN = 7300  # days: 2006-01-01 … 2025-12-27
CLOCK = FixedClock(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))


# ------------------------------------------------------------------------- data


def generate(folder: Path, employments: int, seed: int = SEED) -> dict[str, int]:
    """Write a dataset folder with ``employments`` employment rows; same input, same bytes."""
    rng = random.Random(seed)
    persons = max(1, round(employments / PER_PERSON))
    entities = max(PER_GROUP, persons // 200)
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}

    def write(name: str, header: list[str], rows: Iterator[list[str]]) -> None:
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
        counts[name] = count

    entity_ids = [f"E{n:06d}" for n in range(entities)]

    def entity_rows() -> Iterator[list[str]]:
        for n, entity in enumerate(entity_ids):
            yield [entity, f"Company {n} GmbH", "DE", "EUR", "", "", "manufacturing"]

    def stake_rows() -> Iterator[list[str]]:
        for n, entity in enumerate(entity_ids):
            head = entity_ids[n - n % PER_GROUP]
            if entity == head:
                continue
            voting = rng.choice(["100", "100", "80", "60", "(50,75]", "(75,100]"])
            since = EPOCH + timedelta(days=rng.randrange(SPAN // 2))
            control = rng.choice(["", "", "", "", "yes"])
            yield [head, entity, voting, voting, since.isoformat(), "", control]

    def unit_rows() -> Iterator[list[str]]:
        for n, entity in enumerate(entity_ids):
            yield [f"U{n:06d}A", entity, "Management", "", f"{1000 + n}"]
            yield [f"U{n:06d}B", entity, "Production", f"U{n:06d}A", f"{2000 + n}"]

    def person_rows() -> Iterator[list[str]]:
        for n in range(persons):
            yield [f"P{n:07d}", f"Person {n}", f"p{n}@example.com", f"E{n:07d}"]

    def employment_rows() -> Iterator[list[str]]:
        made = 0
        n = 0
        while made < employments:
            person = f"P{n % persons:07d}"
            n += 1
            start = rng.randrange(SPAN - 400)
            jobs = min(employments - made, rng.choice([1, 2, 2, 3, 4]))
            for job in range(jobs):
                index = rng.randrange(entities)
                unit = f"U{index:06d}{rng.choice('AB')}" if rng.random() < 0.8 else ""
                last = job == jobs - 1
                end = "" if last else (EPOCH + timedelta(days=start + 90)).isoformat()
                kind = "retiree" if last and rng.random() < 0.05 else "employee"
                valid_from = (EPOCH + timedelta(days=start)).isoformat()
                yield [person, entity_ids[index], unit, kind, valid_from, end]
                start += 90
                made += 1

    write("entities", ["id", "name", "country", "currency", "lei", "vat_id",
                       "line_of_business"], entity_rows())  # fmt: skip
    write("stakes", ["holder", "entity", "voting", "equity", "valid_from", "valid_to",
                     "control"], stake_rows())  # fmt: skip
    write("units", ["id", "entity", "name", "parent", "cost_centre"], unit_rows())
    write("people", ["id", "name", "email", "employee_no"], person_rows())
    write("employments", ["person", "entity", "unit", "kind", "valid_from", "valid_to"],
          employment_rows())  # fmt: skip
    return counts


def change(source: Path, target: Path, share: float = 0.01, seed: int = SEED) -> dict[str, int]:
    """A copy of ``source`` with ``share`` of open employments ended and of persons renamed."""
    rng = random.Random(seed + 1)
    target.mkdir(parents=True, exist_ok=True)
    counts = {"ended": 0, "renamed": 0}
    for name in ("entities", "stakes", "units"):
        (target / f"{name}.csv").write_bytes((source / f"{name}.csv").read_bytes())
    with (
        (source / "people.csv").open(encoding="utf-8", newline="") as read,
        (target / "people.csv").open("w", encoding="utf-8", newline="") as written,
    ):
        reader, writer = csv.reader(read), csv.writer(written, lineterminator="\n")
        writer.writerow(next(reader))
        for row in reader:
            if rng.random() < share:
                row[1] += " (renamed)"
                counts["renamed"] += 1
            writer.writerow(row)
    with (
        (source / "employments.csv").open(encoding="utf-8", newline="") as read,
        (target / "employments.csv").open("w", encoding="utf-8", newline="") as written,
    ):
        reader, writer = csv.reader(read), csv.writer(written, lineterminator="\n")
        writer.writerow(next(reader))
        for row in reader:
            if not row[5] and rng.random() < share:
                row[5] = (date.fromisoformat(row[4]) + timedelta(days=30)).isoformat()
                counts["ended"] += 1
            writer.writerow(row)
    return counts


# ------------------------------------------------------------------------- databases


@contextmanager
def sqlite_engine(folder: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgresql_engine(url: str) -> Iterator[Engine]:
    admin = make_engine(url, pool_size=1, max_overflow=0)
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def timed(step: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall seconds, CPU seconds of this process (less noisy on a busy machine), result."""
    start, cpu = time.perf_counter(), time.process_time()
    result = step()
    return time.perf_counter() - start, time.process_time() - cpu, result


def run(engine: Engine, dataset: Path, changed: Path, work: Path) -> dict[str, Any]:
    def do_import(path: Path) -> ImportReport:
        return import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=CLOCK, path=path)

    results: dict[str, Any] = {}
    for step, path in (("import", dataset), ("again", dataset), ("changed", changed)):
        seconds, cpu, report = timed(partial(do_import, path))
        results[step] = {"seconds": round(seconds, 1), "cpu": round(cpu, 1),
                         "summary": report.summary()}  # fmt: skip
        print(f"  {step:<8} {seconds:8.1f} s (CPU {cpu:6.1f} s)  {report.summary()}", flush=True)
    seconds, cpu, exported = timed(
        lambda: export_dataset(uow=UnitOfWork(engine), path=work / "out")
    )
    rows = sum(count for _file, count in exported.files)
    results["export"] = {"seconds": round(seconds, 1), "cpu": round(cpu, 1), "rows": rows}
    print(f"  {'export':<8} {seconds:8.1f} s (CPU {cpu:6.1f} s)  {rows:,} rows", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employments", type=int, default=EMPLOYMENTS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--postgresql", metavar="URL", help="also PostgreSQL (psycopg URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results here")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "machine": platform.platform(),
        "employments": args.employments,
        "seed": args.seed,
    }
    with tempfile.TemporaryDirectory(prefix="inhouse-bench-") as temp:
        work = Path(temp)
        seconds, _cpu, counts = timed(
            lambda: generate(work / "dataset", args.employments, args.seed)
        )
        print(f"generated {counts} in {seconds:.1f} s", flush=True)
        changes = change(work / "dataset", work / "changed", seed=args.seed)
        print(f"changed copy: {changes}", flush=True)
        results["rows"] = counts
        results["changes"] = changes
        backends: list[tuple[str, Callable[[], Any]]] = []
        if not args.no_sqlite:
            backends.append(("sqlite", lambda: sqlite_engine(work)))
        if args.postgresql:
            backends.append(("postgresql", lambda: postgresql_engine(args.postgresql)))
        for name, make in backends:
            print(name, flush=True)
            with make() as engine:
                results[name] = run(engine, work / "dataset", work / "changed", work / name)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
