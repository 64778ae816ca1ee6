"""Benchmark of the bulk classifier, run the way a user runs it.

Generates (or reuses) a dataset folder with ``benchmarks/generate.py`` (by default its
``realistic`` shape: one giant connected component, stakes changing on most days), then
runs, as a child process::

    inhouse classify --data DIR --sales DIR/sales.csv --out OUT.csv

and measures the wall time from start to exit, the child's peak resident memory
(``os.wait4`` rusage), and rows per second. It checks that the output has exactly one
row per sales row (same ids, none twice) and prints the result beside the targets:
10,000,000 sales in ≤ 30 s end to end with ≤ 4 GB peak memory.

Usage::

    python benchmarks/bulk_classify.py                 # default size: 10 M sales
    python benchmarks/bulk_classify.py --small         # 1 % of that, for a quick look
    python benchmarks/bulk_classify.py --shape clusters  # the older shape (no giant component)
    python benchmarks/bulk_classify.py --sales 2000000 --json
    python benchmarks/bulk_classify.py --data-dir benchmarks/data/bulk-… --keep

Exit status: 0 when the classifier succeeded and the output checks passed (targets are
reported, not enforced, unless ``--strict``), 1 otherwise, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

try:
    from benchmarks.generate import (
        BENCH_DIR,
        DEFAULT_SIZES,
        Sizes,
        add_size_arguments,
        default_dir,
        generate,
        sizes_from,
    )
except ModuleNotFoundError:  # run as a script: python benchmarks/bulk_classify.py
    from generate import (  # type: ignore[no-redef,import-not-found]
        BENCH_DIR,
        DEFAULT_SIZES,
        Sizes,
        add_size_arguments,
        default_dir,
        generate,
        sizes_from,
    )

OUTPUT_COLUMNS = (
    "id",
    "relation",
    "internal",
    "seller_entity",
    "buyer_entity",
    "group",
    "uncertain",
    "evidence",
)
RELATIONS = (
    "same_entity",
    "intercompany",
    "employee",
    "group_employee",
    "related_party",
    "external",
)
TARGET_SALES = 10_000_000
TARGET_SECONDS = 30.0
TARGET_PEAK_BYTES = 4 * 1024**3
TARGET_ROWS_PER_SECOND = TARGET_SALES / TARGET_SECONDS
OUT_DIR = BENCH_DIR / "out"


def inhouse_command() -> list[str]:
    """The ``inhouse`` script installed next to this Python, else ``python -m inhouse.cli``."""
    script = Path(sys.executable).parent / "inhouse"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "inhouse.cli"]


def run_child(command: list[str], log: Path) -> tuple[int, float, int]:
    """Run ``command``; return its exit code, wall seconds and peak RSS in bytes."""
    with log.open("wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        except BaseException:
            child.kill()
            child.wait()
            raise
        seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    peak = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return child.returncode, seconds, peak


def read_csv_sql(path: Path) -> str:
    text = path.as_posix().replace("'", "''")
    return (
        f"read_csv('{text}', header = true, all_varchar = true, delim = ',', quote = '\"', "
        "escape = '\"')"
    )


def check_output(sales: Path, out: Path) -> dict[str, Any]:
    """One output row per sales row: same ids, none missing, none twice, none extra."""
    problems: list[str] = []
    with out.open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f), [])
    if tuple(header) != OUTPUT_COLUMNS:
        problems.append(f"output columns are {header}, expected {list(OUTPUT_COLUMNS)}")
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TABLE s AS SELECT id FROM {read_csv_sql(sales)}")
        wanted = "id, relation" if "relation" in header else "id"
        con.execute(f"CREATE TABLE o AS SELECT {wanted} FROM {read_csv_sql(out)}")

        def one(sql: str) -> int:
            row = con.execute(sql).fetchone()
            return 0 if row is None else int(row[0])

        sales_rows = one("SELECT count(*) FROM s")
        output_rows = one("SELECT count(*) FROM o")
        duplicates = one("SELECT count(*) - count(DISTINCT id) FROM o")
        missing = one("SELECT count(*) FROM s ANTI JOIN o USING (id)")
        extra = one("SELECT count(*) FROM o ANTI JOIN s USING (id)")
        relations: dict[str, int] = {}
        if "relation" in header:
            relations = dict(
                con.execute(
                    "SELECT relation, count(*) FROM o GROUP BY ALL ORDER BY 2 DESC"
                ).fetchall()
            )
    finally:
        con.close()
    if output_rows != sales_rows:
        problems.append(f"{output_rows:,} output rows for {sales_rows:,} sales rows")
    if duplicates:
        problems.append(f"{duplicates:,} sales ids answered more than once")
    if missing:
        problems.append(f"{missing:,} sales ids missing from the output")
    if extra:
        problems.append(f"{extra:,} output ids that are not in the sales file")
    unknown = sorted(str(r) for r in relations if r not in RELATIONS)
    if unknown:
        problems.append(f"unknown relations in the output: {', '.join(unknown)}")
    return {
        "sales_rows": sales_rows,
        "output_rows": output_rows,
        "one_row_per_sale": output_rows == sales_rows and not (duplicates or missing or extra),
        "relations": relations,
        "problems": problems,
    }


def machine() -> dict[str, Any]:
    memory = 0
    with contextlib.suppress(AttributeError, ValueError, OSError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_bytes": memory,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def shape_of(data_dir: Path) -> dict[str, Any] | None:
    """The generator's summary of the dataset's shape (``params.json``), if it has one."""
    try:
        saved = json.loads((data_dir / "params.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    summary = saved.get("summary") if isinstance(saved, dict) else None
    return summary if isinstance(summary, dict) else None


def targets_for(sales: int) -> dict[str, float]:
    """The 10 M target as such, and scaled linearly (same rows per second) for other sizes."""
    return {
        "seconds": TARGET_SECONDS * sales / TARGET_SALES,
        "rows_per_second": TARGET_ROWS_PER_SECOND,
        "peak_bytes": TARGET_PEAK_BYTES,
    }


def gib(n: float) -> str:
    return f"{n / 1024**3:.2f} GB"


def print_report(result: dict[str, Any]) -> None:
    t = result["targets"]
    met = result["met"]
    mark = {True: "met", False: "MISSED", None: "-"}
    scaled = "" if result["sizes"]["sales"] == TARGET_SALES else " (10 M in 30 s, scaled)"
    lines = [
        "inhouse bulk classification benchmark",
        f"  dataset     {result['data_dir']}"
        + (
            f"  (generated in {result['generation_seconds']:.1f} s)"
            if result["generation_seconds"]
            else "  (reused)"
        ),
        "  sizes       "
        + ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
            for k, v in result["sizes"].items()
            if k != "seed"
        ),
    ]
    shape = result.get("shape")
    if shape:
        lines.append(
            f"  shape       {shape['shape']}: largest connected component "
            f"{shape['largest_component_entities']:,} of {shape['entities']:,} entities, "
            f"stakes change on {shape['stake_change_days_in_sales_window']} of "
            f"{shape['sales_window_days']} sales days"
        )
    lines += [
        f"  command     {result['command']}",
        f"  exit code   {result['returncode']}",
    ]
    if result["returncode"] == 0:
        check = result["check"]
        ok = "ok" if check["one_row_per_sale"] else "FAILED"
        lines += [
            f"  output      {check['output_rows']:,} rows for {check['sales_rows']:,} sales: {ok}",
            "",
            f"  {'':24}{'measured':>16}  {'target':<36}",
            f"  {'wall time, end to end':24}{result['seconds']:>14.1f} s  "
            f"{'≤ ' + format(t['seconds'], '.1f') + ' s' + scaled:<36}{mark[met['seconds']]}",
            f"  {'throughput':24}{result['rows_per_second']:>9,.0f} rows/s  "
            f"{'≥ ' + format(t['rows_per_second'], ',.0f') + ' rows/s':<36}"
            f"{mark[met['rows_per_second']]}",
            f"  {'peak memory (child)':24}{gib(result['peak_bytes']):>16}  "
            f"{'≤ ' + gib(t['peak_bytes']):<36}{mark[met['peak_bytes']]}",
        ]
        total = max(1, check["output_rows"])
        if check["relations"]:
            lines.append(
                "  relations   "
                + ", ".join(f"{k} {100 * v / total:.1f} %" for k, v in check["relations"].items())
            )
        lines += [f"  problem     {p}" for p in check["problems"]]
    else:
        lines.append(f"  the classifier failed; its output is in {result['log']}")
        lines += [f"  | {line}" for line in result["log_tail"]]
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark `inhouse classify --sales` on a generated dataset."
    )
    add_size_arguments(parser)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="dataset folder (default benchmarks/data/real-<params>, bulk-<params> for clusters)",
    )
    parser.add_argument(
        "--out", type=Path, help="where the classifier writes (default benchmarks/out/…)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the classifier's output file")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    sizes: Sizes = sizes_from(args)
    data_dir: Path = args.data_dir or default_dir(sizes, args.seed)

    def say(message: str) -> None:
        if not args.json:
            print(message, flush=True)

    say(f"dataset {data_dir}")
    timings = generate(data_dir, **asdict(sizes), seed=args.seed, log=say)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if args.out is not None:
        out = args.out
    elif args.keep:
        out = OUT_DIR / f"{data_dir.name}-classified.csv"
    else:
        handle, name = tempfile.mkstemp(prefix="classified-", suffix=".csv", dir=OUT_DIR)
        os.close(handle)
        out = Path(name)
    out.unlink(missing_ok=True)  # a stale file must not pass for a fresh answer
    log = out.with_suffix(".log")
    sales = data_dir / "sales.csv"
    command = [
        *inhouse_command(),
        "classify",
        "--data",
        str(data_dir),
        "--sales",
        str(sales),
        "--out",
        str(out),
    ]
    say(f"running {shlex.join(command)}")
    returncode, seconds, peak = run_child(command, log)

    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": machine(),
        "data_dir": str(data_dir),
        "sizes": asdict(sizes) | {"seed": args.seed},
        "generation_seconds": timings.get("total", 0.0),
        "command": shlex.join(command),
        "returncode": returncode,
        "seconds": seconds,
        "peak_bytes": peak,
        "targets": targets_for(sizes.sales),
        "log": str(log),
        "shape": shape_of(data_dir),
    }
    ok = returncode == 0 and out.is_file()
    if ok:
        check = check_output(sales, out)
        rows = check["output_rows"]
        result["check"] = check
        result["rows_per_second"] = rows / seconds if seconds else 0.0
        result["met"] = {
            "seconds": seconds <= result["targets"]["seconds"],
            "rows_per_second": result["rows_per_second"] >= TARGET_ROWS_PER_SECOND,
            "peak_bytes": peak <= TARGET_PEAK_BYTES,
        }
        ok = check["one_row_per_sale"] and not check["problems"]
    else:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        result["log_tail"] = tail
        result["met"] = {"seconds": None, "rows_per_second": None, "peak_bytes": None}
        if returncode == 0:
            result["log_tail"] = [*tail, f"(exit code 0 but no output file at {out})"]
            result["returncode"] = -1
    result["ok"] = ok
    if not args.keep and args.out is None and ok:
        out.unlink(missing_ok=True)
        log.unlink(missing_ok=True)
        result["log"] = None
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_report(result)
    if not ok:
        return 1
    if args.strict and not all(result["met"].values()):
        return 1
    return 0


if __name__ == "__main__":
    if DEFAULT_SIZES.sales != TARGET_SALES:  # the targets are stated for the default size
        raise SystemExit("DEFAULT_SIZES.sales must equal TARGET_SALES")
    sys.exit(main())
