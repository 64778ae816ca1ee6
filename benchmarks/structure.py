"""Benchmark of the structure over time: the sweep over change days.

Generates (or reuses) a register with ``benchmarks/generate.py`` (by default its
realistic shape: 100,000 entities, one giant connected component, stakes changing on
most days), reads it, and times ``Register.timeline`` (the sweep of
``inhouse.groups.structure``) in wall and CPU seconds, with the process's peak memory.
Then it asks questions on random days of the two sales years and reports how long a
lookup takes. Target: ≤ 10 s for 100,000 entities.

Usage::

    python benchmarks/structure.py                  # 100,000 entities, realistic shape
    python benchmarks/structure.py --entities 20000 --stakes 60000
    python benchmarks/structure.py --json
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from inhouse.dataset import load_register
from inhouse.groups.structure import SweptTimeline

try:
    from benchmarks.generate import add_size_arguments, default_dir, generate, sizes_from
except ModuleNotFoundError:  # run as a script: python benchmarks/structure.py
    from generate import (  # type: ignore[no-redef,import-not-found]
        add_size_arguments,
        default_dir,
        generate,
        sizes_from,
    )

TARGET_SECONDS = 10.0
QUESTIONS = 20_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_size_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    args = parser.parse_args(argv)
    # the sweep needs no sales (people stay: persons holding stakes come from them)
    sizes = sizes_from(args)
    sizes = type(sizes)(sizes.entities, sizes.stakes, sizes.people, 1_000, sizes.shape)
    folder = default_dir(sizes, args.seed)
    generate(folder, entities=sizes.entities, stakes=sizes.stakes, people=sizes.people,
             sales=sizes.sales, shape=sizes.shape, seed=args.seed)  # fmt: skip
    started = time.perf_counter()
    register = load_register(folder)
    read = time.perf_counter() - started
    wall, cpu = time.perf_counter(), time.process_time()
    swept = register.timeline
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert isinstance(swept, SweptTimeline)
    rng = random.Random(args.seed)
    entities = sorted(register.entities)
    days = [date(2024, 1, 1) + timedelta(days=rng.randrange(731)) for _ in range(QUESTIONS)]
    asked = time.perf_counter()
    for day in days:
        register.structure_on(day).membership(rng.choice(entities))
    per_question = (time.perf_counter() - asked) / QUESTIONS
    result: dict[str, Any] = {
        "register": str(folder),
        "entities": len(register.entities),
        "stakes": len(register.stakes),
        "change_days": len({d for s in register.stakes for d in s.period.boundaries()}),
        "read_seconds": round(read, 1),
        "sweep_wall_seconds": round(wall, 1),
        "sweep_cpu_seconds": round(cpu, 1),
        "membership_spans": sum(
            len(list(swept.memberships.spans(k))) for k in swept.memberships.keyed()
        ),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "lookup_microseconds": round(per_question * 1e6, 1),
        "target_seconds": TARGET_SECONDS,
        "met": cpu <= TARGET_SECONDS,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
