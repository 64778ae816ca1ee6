"""Benchmark of ``POST /api/v1/classifications`` on PostgreSQL, beside a bare FastAPI endpoint.

What it does, in one run:

1. generates (or reuses) a dataset with ``benchmarks/generate.py``, by default in its
   ``realistic`` shape (one giant connected component, stakes changing on most days;
   ``--shape clusters`` for the older one): 10,000 entities, 30,000 stakes (15,000 for
   clusters), 85,000 people (≈ 101,500 employments) and 20,000 sales, whose
   (seller, buyer, date) triples become the requests;
2. creates a PostgreSQL schema of its own (``bench_api_<random>``), upgrades it with
   Alembic, imports the dataset with ``inhouse.dataset.services.import_dataset``, and
   adds a ``sales_system`` user with an API token;
3. serves the real app (``uvicorn --factory inhouse.web.app:create_app``, pointed at the
   schema by ``INHOUSE_DATABASE_URL``) and the bare endpoint of ``benchmarks/bare_app.py``
   with the same uvicorn settings, each as a child process;
4. loads both with ``wrk`` (or, without it, a small asyncio HTTP/1.1 client of its own):
   32 keep-alive connections, 3 s warm-up, then 20 s measured; every response must be a
   200. Scenarios, in this order (the last one leaves the server busy):

   * ``bare``    the bare endpoint (measured again before each inhouse scenario, so that
                 each ratio compares runs a minute apart on a shared machine);
   * ``recent``  the sales' (seller, buyer) pairs on dates of the last 30 days of the data:
                 the steady state of a POS system asking about today and recent days.
                 Before the warm-up every date is primed once (the register is loaded
                 and each date's group structure computed), and that cost is reported;
   * ``range``   the same pairs on their own sale dates, 731 days of 2024-2025, not
                 primed: every date is a lookup in the structure over time, like any other;

5. prints a table (``--json``: one JSON object) with requests per second, p50/p90/p99
   latency, errors, and the server's CPU time per request (steadier than wall figures
   when other jobs share the machine), beside the targets: ≥ 60 % of the bare endpoint's
   throughput and p99 ≤ 25 ms;
6. stops the servers and drops the schema, also on failure and Ctrl-C.

``--profile N`` then samples the inhouse server with py-spy (``pip install py-spy``)
under the ``recent`` load, N seconds on the GIL's thread (the server's Python CPU, which
bounds one worker's throughput) and N seconds on every busy thread (waits on PostgreSQL
included), and prints the time per request in each stage: unit of work (pool checkout
with pre-ping, rollback), token query, register-cache version query, classification,
serialisation, request parsing, thread-pool hops, FastAPI, uvicorn.

Usage::

    python benchmarks/api_classify.py                      # the full run (≈ 3 minutes)
    python benchmarks/api_classify.py --json
    python benchmarks/api_classify.py --scenarios recent --profile 15
    python benchmarks/api_classify.py --duration 5 --warmup 1 --people 10000 --entities 1000 \
        --stakes 1500 --sales 5000                         # a quick look

Needs PostgreSQL (``--database-url``, default the test database) and, preferably, wrk
(``apt-get install wrk``). Exit status 0 when every response was a 200, 1 otherwise
(``--strict``: also when a target is missed), 2 on bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import importlib.util
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import Engine, text

try:
    from benchmarks.generate import REALISTIC, SHAPES, Sizes, default_dir, generate
except ModuleNotFoundError:  # run as a script: python benchmarks/api_classify.py
    from generate import (  # type: ignore[no-redef,import-not-found]
        REALISTIC,
        SHAPES,
        Sizes,
        default_dir,
        generate,
    )

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PATH = "/api/v1/classifications"
INHOUSE_APP = "inhouse.web.app:create_app"
BARE_APPS = {
    "sync": "benchmarks.bare_app:create_app",
    "async": "benchmarks.bare_app:create_async_app",
}
DEFAULTS = Sizes(entities=10_000, stakes=30_000, people=85_000, sales=20_000)
CLUSTERS_STAKES = 15_000  # the default number of stakes with --shape clusters
RECENT_DAYS = 30
TARGET_RATIO = 0.60
TARGET_P99_MS = 25.0
RELATIONS = frozenset(
    ("same_entity", "intercompany", "employee", "group_employee", "related_party", "external")
)
RESULT_TAG = "API_BENCH_RESULT "
SAMPLE_TAG = "API_BENCH_SAMPLE "

# wrk runs this in each of its threads: one pre-built request after another (each thread
# starting at its own place in the list), a tally of status codes, and one line of JSON.
WRK_SCRIPT = r"""
local threads = {}
local requests = {}
local count = 0
local next_request = 0
statuses = {}
sample = nil

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local headers = {["Content-Type"] = "application/json"}
  local token = os.getenv("API_BENCH_TOKEN") or ""
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  local path = os.getenv("API_BENCH_PATH")
  for line in io.lines(os.getenv("API_BENCH_BODIES")) do
    count = count + 1
    requests[count] = wrk.format("POST", path, headers, line)
  end
  local start = tonumber(os.getenv("API_BENCH_START") or "0")
  local threads_total = tonumber(os.getenv("API_BENCH_THREADS") or "1")
  next_request = (start + math.floor(index * count / threads_total)) % count
end

function request()
  next_request = next_request % count + 1
  return requests[next_request]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status ~= 200 and sample == nil then
    sample = key .. " " .. string.gsub(string.sub(body or "", 1, 300), "%c", " ")
  end
end

function done(summary, latency, requests)
  local tally = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("statuses")) do tally[key] = (tally[key] or 0) + n end
    local seen = thread:get("sample")
    if seen ~= nil then io.write("API_BENCH_SAMPLE " .. seen .. "\n") end
  end
  local parts = {}
  for key, n in pairs(tally) do table.insert(parts, string.format('"%s":%d', key, n)) end
  local e = summary.errors
  io.write(string.format(
    'API_BENCH_RESULT {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,' ..
    '"write":%d,"status":%d,"timeout":%d},"latency_us":{"mean":%.1f,"max":%.0f,' ..
    '"p50":%.0f,"p90":%.0f,"p99":%.0f,"p999":%.0f},"statuses":{%s}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), table.concat(parts, ",")))
end
"""


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Pool:
    """The request bodies of one scenario, in the order they are sent."""

    name: str
    bodies: list[str]
    dates: list[str]  # distinct, sorted
    buyers: dict[str, int]  # person / entity / unit / unknown → requests


def make_pools(data: Path, seed: int) -> dict[str, Pool]:
    """Sales of the dataset as requests, shuffled with ``seed``; one pool per scenario."""

    def ids(table: str) -> set[str]:
        with (data / f"{table}.csv").open(encoding="utf-8", newline="") as f:
            return {row["id"] for row in csv.DictReader(f)}

    kinds = {"person": ids("people"), "entity": ids("entities"), "unit": ids("units")}
    with (data / "sales.csv").open(encoding="utf-8", newline="") as f:
        sales = [(r["seller"], r["buyer"], r["date"]) for r in csv.DictReader(f)]
    if not sales:
        raise SystemExit(f"{data}/sales.csv has no rows: the requests come from the sales")
    rng = random.Random(seed)
    rng.shuffle(sales)
    last = max(date.fromisoformat(day) for _, _, day in sales)
    recent = [
        (seller, buyer, (last - timedelta(days=rng.randrange(RECENT_DAYS))).isoformat())
        for seller, buyer, _day in sales
    ]
    buyers = Counter(
        next((kind for kind, known in kinds.items() if buyer in known), "unknown")
        for _seller, buyer, _day in sales
    )

    def pool(name: str, triples: list[tuple[str, str, str]]) -> Pool:
        bodies = [
            json.dumps({"seller": s, "buyer": b, "on": d}, separators=(",", ":"))
            for s, b, d in triples
        ]
        return Pool(name, bodies, sorted({d for _, _, d in triples}), dict(buyers))

    return {"range": pool("range", sales), "recent": pool("recent", recent)}


# --------------------------------------------------------------------------- database


@contextlib.contextmanager
def bench_schema(url: str) -> Iterator[str]:
    """A fresh schema, dropped at the end whatever happens."""
    from inhouse.db.engine import make_engine

    admin = make_engine(url, pool_size=1, max_overflow=0)
    schema = f"bench_api_{uuid.uuid4().hex[:10]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield schema
    finally:
        try:
            with admin.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '60s'"))
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        except Exception as error:
            print(f"could not drop schema {schema}: {error}", file=sys.stderr)
            print(f'drop it yourself: DROP SCHEMA "{schema}" CASCADE', file=sys.stderr)
        admin.dispose()


def schema_url(url: str, schema: str) -> str:
    """The URL with ``options=-csearch_path=<schema>`` (psycopg passes it to the server)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}', safe='')}"


def importable_copy(data: Path, tmp: Path) -> tuple[Path, int]:
    """The register tables of ``data`` in a folder of their own, for ``import_dataset``.

    Stakes repeating an earlier stake's natural key (holder, entity, valid_from), which
    the import rightly rejects, are left out (an earlier generate.py made a few); their
    number is returned. The other tables are linked; the sales are not imported.
    """
    folder = tmp / "import"
    folder.mkdir()
    for table in ("entities", "units", "people", "employments"):
        (folder / f"{table}.csv").symlink_to((data / f"{table}.csv").resolve())
    seen: set[tuple[str, str, str]] = set()
    dropped = 0
    with (
        (data / "stakes.csv").open(encoding="utf-8", newline="") as source,
        (folder / "stakes.csv").open("w", encoding="utf-8", newline="") as target,
    ):
        reader = csv.reader(source)
        writer = csv.writer(target, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        at = [header.index(c) for c in ("holder", "entity", "valid_from")]
        for row in reader:
            key = (row[at[0]], row[at[1]], row[at[2]])
            if key in seen:
                dropped += 1
                continue
            seen.add(key)
            writer.writerow(row)
    return folder, dropped


def load_database(engine: Engine, data: Path) -> dict[str, Any]:
    """Migrate, import the dataset, add a ``sales_system`` user; return its token and timings."""
    from inhouse.clock import SystemClock
    from inhouse.dataset.services import import_dataset
    from inhouse.db.migrate import upgrade
    from inhouse.db.uow import UnitOfWork
    from inhouse.identity.domain import SYSTEM
    from inhouse.identity.services import add_user, create_token

    clock = SystemClock()
    started = time.perf_counter()
    upgrade(engine)
    migrated = time.perf_counter()
    report = import_dataset(uow=UnitOfWork(engine), actor=SYSTEM, clock=clock, path=data)
    imported = time.perf_counter()
    add_user(
        uow=UnitOfWork(engine),
        actor=SYSTEM,
        clock=clock,
        username="bench-pos",
        password=None,
        role="sales_system",
    )
    token = create_token(
        uow=UnitOfWork(engine),
        actor=SYSTEM,
        clock=clock,
        username="bench-pos",
        name="api_classify benchmark",
    )
    with engine.connect() as connection:
        server = str(connection.execute(text("SHOW server_version")).scalar_one())
    return {
        "token": token.secret,
        "postgresql": server,
        "migrate_seconds": round(migrated - started, 2),
        "import_seconds": round(imported - migrated, 2),
        "rows": {t.table: t.counts()["added"] for t in report.tables},
    }


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    app: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"the {self.name} server exited ({self.process.returncode}):\n{tail}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # graceful; a server busy in its thread pool gets 10 s
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uvicorn_command(app: str, port: int, workers: int) -> list[str]:
    """The same settings for both servers; only the app differs."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--app-dir",
        str(ROOT),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def start_server(name: str, app: str, workers: int, env: dict[str, str], tmp: Path) -> Server:
    port = free_port()
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            uvicorn_command(app, port, workers),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this script, which stops the server
        )
    server = Server(name, app, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        server.check_alive()
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return server
        time.sleep(0.1)
    server.stop()
    raise SystemExit(f"the {name} server did not listen on port {port} within 60 s")


# --------------------------------------------------------------------------- load


@dataclass
class Load:
    """One load run: what the client saw, and what it cost the server and the client."""

    requests: int
    seconds: float
    statuses: dict[str, int]
    socket_errors: dict[str, int]
    latency_ms: dict[str, float]
    server_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load before and after
    samples: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        bad = sum(n for status, n in self.statuses.items() if status != "200")
        return bad + sum(self.socket_errors.values())

    @property
    def rps(self) -> float:
        return self.statuses.get("200", 0) / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        ok = self.statuses.get("200", 0)
        return {
            "requests": self.requests,
            "ok": ok,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.rps, 1),
            "latency_ms": {k: round(v, 2) for k, v in self.latency_ms.items()},
            "statuses": self.statuses,
            "socket_errors": self.socket_errors,
            "server_cpu_ms_per_request": round(1000 * self.server_cpu_seconds / ok, 3)
            if ok
            else None,
            "server_cpu_seconds": round(self.server_cpu_seconds, 2),
            "client_cpu_seconds": round(self.client_cpu_seconds, 2),
            "load_average_1min": list(self.load_average),
            "error_samples": self.samples,
        }


@dataclass(frozen=True)
class LoadSettings:
    client: str  # "wrk" or "python"
    connections: int
    threads: int
    timeout: float


def run_load(
    server: Server,
    bodies_file: Path,
    token: str,
    seconds: float,
    start: int,
    settings: LoadSettings,
    path: str = PATH,
) -> Load:
    cpu_before = server.cpu_seconds()
    load_before = os.getloadavg()[0]
    if settings.client == "wrk":
        load = run_wrk(server.port, bodies_file, token, seconds, start, settings, path)
    else:
        load = run_python_client(server.port, bodies_file, token, seconds, start, settings, path)
    server.check_alive()
    load.server_cpu_seconds = server.cpu_seconds() - cpu_before
    load.load_average = (round(load_before, 2), round(os.getloadavg()[0], 2))
    return load


def run_wrk(
    port: int,
    bodies: Path,
    token: str,
    seconds: float,
    start: int,
    settings: LoadSettings,
    path: str = PATH,
) -> Load:
    script = bodies.with_name("classify.lua")
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    env = dict(
        os.environ,
        API_BENCH_TOKEN=token,
        API_BENCH_PATH=path,
        API_BENCH_BODIES=str(bodies),
        API_BENCH_START=str(start),
        API_BENCH_THREADS=str(settings.threads),
    )
    command = [
        "wrk",
        f"-t{settings.threads}",
        f"-c{settings.connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(settings.timeout))}s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{path}",
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = done.stdout.splitlines()
    found = [line[len(RESULT_TAG) :] for line in lines if line.startswith(RESULT_TAG)]
    if done.returncode != 0 or not found:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(found[0])
    errors = {k: v for k, v in raw["errors"].items() if k != "status" and v}
    latency = {k: v / 1000 for k, v in raw["latency_us"].items()}
    return Load(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        statuses={str(k): int(v) for k, v in raw["statuses"].items()},
        socket_errors=errors,
        latency_ms=latency if raw["requests"] else {},
        client_cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        samples=[line[len(SAMPLE_TAG) :] for line in lines if line.startswith(SAMPLE_TAG)],
    )


def run_python_client(
    port: int,
    bodies: Path,
    token: str,
    seconds: float,
    start: int,
    settings: LoadSettings,
    path: str = PATH,
) -> Load:
    """The fallback without wrk: asyncio (uvloop if installed), keep-alive, pre-built requests."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\n"
        + (f"Authorization: Bearer {token}\r\n" if token else "")
    )
    requests = [
        (head + f"Content-Length: {len(line.encode())}\r\n\r\n{line}").encode()
        for line in bodies.read_text(encoding="utf-8").splitlines()
    ]
    cpu = time.process_time()
    factory: Any = None
    with contextlib.suppress(ImportError):
        import uvloop

        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        load = runner.run(_client(port, requests, seconds, start, settings.connections))
    load.client_cpu_seconds = time.process_time() - cpu
    return load


async def _client(
    port: int, requests: Sequence[bytes], seconds: float, start: int, connections: int
) -> Load:
    latencies: list[int] = []
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    samples: list[str] = []
    position = start
    began = time.perf_counter_ns()
    deadline = began + int(seconds * 1e9)

    async def connection() -> None:
        nonlocal position
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter_ns() < deadline:
            if writer is None or reader is None:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    errors["connect"] += 1
                    await asyncio.sleep(0.01)
                    continue
            request = requests[position % len(requests)]
            position += 1
            sent = time.perf_counter_ns()
            try:
                writer.write(request)
                header = await reader.readuntil(b"\r\n\r\n")
                status = header[9:12].decode()
                at = header.lower().find(b"content-length:")
                length = int(header[at + 15 : header.index(b"\r\n", at)]) if at >= 0 else 0
                body = await reader.readexactly(length)
            except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                errors["read"] += 1
                writer.close()
                reader = writer = None
                continue
            received = time.perf_counter_ns()
            if received > deadline:
                break  # as wrk: what finishes after the end does not count
            latencies.append(received - sent)
            statuses[status] += 1
            if status != "200" and not samples:
                samples.append(f"{status} {body[:300].decode(errors='replace')}")
        if writer is not None:
            writer.close()

    tasks = [asyncio.ensure_future(connection()) for _ in range(connections)]
    _done, pending = await asyncio.wait(tasks, timeout=seconds + 0.5)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] / 1e6

    latency = (
        {
            "mean": sum(latencies) / len(latencies) / 1e6,
            "max": latencies[-1] / 1e6,
            "p50": pct(50),
            "p90": pct(90),
            "p99": pct(99),
            "p999": pct(99.9),
        }
        if latencies
        else {}
    )
    return Load(
        requests=len(latencies),
        seconds=seconds,
        statuses=dict(statuses),
        socket_errors=dict(errors),
        latency_ms=latency,
        samples=samples,
    )


# --------------------------------------------------------------------------- priming


def prime(server: Server, pool: Pool, token: str, timeout: float) -> dict[str, Any]:
    """Send requests one at a time until each date of the pool has been asked about with
    an answer that needed the whole group structure (an entity buyer of another group).

    The first request loads the register from the database; the first of each date
    computes that date's structure. Returns the timings and checks every answer.
    """
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = f"http://127.0.0.1:{server.port}{PATH}"
    asked: dict[str, int] = {}
    done: set[str] = set()
    relations: Counter[str] = Counter()
    first = 0.0
    started = time.perf_counter()
    with httpx.Client(timeout=timeout) as client:
        for body in pool.bodies:
            question = json.loads(body)
            day = question["on"]
            if day in done or asked.get(day, 0) >= 10:
                continue
            sent = time.perf_counter()
            answer = client.post(url, content=body, headers=headers)
            if not first:
                first = time.perf_counter() - sent
            if answer.status_code != 200:
                raise SystemExit(f"priming: {body} answered {answer.status_code}: {answer.text}")
            relation = answer.json().get("relation")
            if relation not in RELATIONS:
                raise SystemExit(f"priming: {body} answered an unknown relation: {answer.text}")
            relations[relation] += 1
            asked[day] = asked.get(day, 0) + 1
            if relation in ("external", "related_party") and answer.json().get("buyer_entity"):
                done.add(day)
            if len(done) == len(pool.dates):
                break
    return {
        "requests": sum(asked.values()),
        "dates": len(asked),
        "first_request_seconds": round(first, 2),
        "seconds": round(time.perf_counter() - started, 2),
        "relations": dict(relations),
    }


def check_bare(server: Server, pool: Pool, timeout: float) -> None:
    with httpx.Client(timeout=timeout) as client:
        for body in pool.bodies[:5]:
            answer = client.post(
                f"http://127.0.0.1:{server.port}{PATH}",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            if answer.status_code != 200:
                raise SystemExit(f"bare endpoint: {body} answered {answer.status_code}")


# --------------------------------------------------------------------------- profile

# Stages of a request, tried in this order: a sample counts for the first stage that any
# of its frames matches. Frames are "function (file:line)" as py-spy prints them.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unit of work: pool checkout (pre-ping), rollback, return",
     ("UnitOfWork.__enter__", "UnitOfWork.__exit__")),
    ("auth: API token query", ("actor_for_token",)),
    ("register cache: version query (newest audit id)", ("latest_audit_id",)),
    ("register cache: loading the register", ("load_register",)),
    ("classification (Register.classify)", ("Register.classify", "Snapshot.classify")),
    ("answer: ClassificationRead, response model, JSON",
     ("ClassificationRead.of", "serialize_response", "jsonable_encoder", "JSONResponse",
      "dump_json")),
    ("request: body, JSON, pydantic validation",
     ("Request.body", "Request.json", "request_body_to_args", "_validate_value_with_model")),
    ("thread-pool hops (anyio)",
     ("run_sync", "to_thread", "run_in_threadpool", "WorkerThread", "CapacityLimiter",
      "Queue.", "Condition.")),
    ("FastAPI dependencies and routing",
     ("solve_dependencies", "get_request_handler", "request_response", "Route.", "Router.")),
    ("middleware and exception handlers",
     ("Middleware", "wrap_app_handling_exceptions")),
    ("uvicorn: HTTP (httptools) and event loop (uvloop)",
     ("uvicorn", "httptools", "uvloop", "Runner.run", "asyncio")),
    ("database driver (py-spy missed the caller)", ("psycopg", "sqlalchemy")),
)  # fmt: skip
PROFILE_RATE = 250  # samples per second


def py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def profile(
    server: Server,
    bodies: Path,
    token: str,
    seconds: float,
    settings: LoadSettings,
    out: Path,
    *,
    gil: bool,
) -> dict[str, Any]:
    """Sample the server with py-spy while the load runs; time by stage of the request.

    With ``gil`` only the thread holding the GIL is sampled: the server's Python CPU,
    which bounds one worker's throughput. Without, every busy thread: where requests
    spend their time, waiting on PostgreSQL (and for the GIL) included.
    """
    tool = py_spy()
    if tool is None:
        return {"error": "py-spy not found: pip install py-spy"}
    raw = out / f"profile-{'gil' if gil else 'threads'}.txt"
    command = [tool, "record", "--pid", str(server.process.pid), "--duration",
               str(round(seconds)), "--rate", str(PROFILE_RATE), "--format", "raw",
               "--threads", "--nonblocking", "--output", str(raw)]  # fmt: skip
    spy = subprocess.Popen(
        [*command, "--gil"] if gil else command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.5)  # py-spy attaches; the load runs for the rest of the sampling
    load = run_load(server, bodies, token, max(1.0, seconds - 1.0), 0, settings)
    _out, err = spy.communicate(timeout=seconds + 60)
    if spy.returncode != 0 or not raw.exists():
        return {"error": f"py-spy failed: {err.decode(errors='replace')[-500:]}"}
    return {"mode": "gil" if gil else "threads", **summarise_profile(raw, load)}


def summarise_profile(raw: Path, load: Load) -> dict[str, Any]:
    by_stage: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")[1:]  # the first is the thread
        if not n.isdigit() or not frames or _idle(frames):
            continue
        by_stage[_stage(frames)] += int(n)
        by_leaf[frames[-1]] += int(n)
    total = sum(by_stage.values()) or 1
    ok = load.statuses.get("200", 0)

    def ms(samples: int) -> float | None:
        return round(1000 * samples / PROFILE_RATE / ok, 3) if ok else None

    return {
        "samples": total,
        "requests": ok,
        "requests_per_second": round(load.rps, 1),
        "stages": [
            {"stage": stage, "share": round(n / total, 4), "ms_per_request": ms(n)}
            for stage, n in by_stage.most_common()
        ],
        "top_frames": [
            {"frame": frame, "share": round(n / total, 4)} for frame, n in by_leaf.most_common(12)
        ],
        "raw": str(raw),
    }


def _idle(frames: list[str]) -> bool:
    """A worker thread waiting for work, or the event loop waiting in the selector."""
    leaf = frames[-1]
    waiting = ("Condition.wait (threading" in leaf or "Queue.get" in leaf) and not any(
        "run_sync" in f or "_run_sync_endpoint" in f or "UnitOfWork" in f for f in frames
    )
    return waiting or "select (selectors" in leaf


def _stage(frames: list[str]) -> str:
    for stage, needles in STAGES:
        if any(needle in frame for frame in frames for needle in needles):
            return stage
    return "other"


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    import fastapi
    import pydantic
    import uvicorn

    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = 0
    with contextlib.suppress(AttributeError, ValueError, OSError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    wrk = ""
    if shutil.which("wrk"):
        probe = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        wrk = (probe.stdout + probe.stderr).splitlines()[0] if probe.stdout + probe.stderr else ""
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_bytes": memory,
        "python": platform.python_version(),
        "fastapi": fastapi.__version__,
        "pydantic": pydantic.VERSION,
        "uvicorn": uvicorn.__version__,
        "wrk": wrk,
    }


def verdict(load: Load, bare: Load) -> dict[str, Any]:
    ratio = load.rps / bare.rps if bare.rps else 0.0
    p99 = load.latency_ms.get("p99")
    return {
        "ratio_to_bare": round(ratio, 3),
        "throughput_met": ratio >= TARGET_RATIO,
        "p99_met": p99 is not None and p99 <= TARGET_P99_MS,
    }


def print_report(result: dict[str, Any]) -> None:
    m = result["machine"]
    setup = result["setup"]
    print("inhouse classification API benchmark")
    print(
        f"  machine     {m['cpus']} CPUs ({m['cpu']}), {m['memory_bytes'] / 1024**3:.0f} GB, "
        f"Python {m['python']}, PostgreSQL {setup['postgresql']}"
    )
    print(
        f"  dataset     {result['data_dir']}: "
        + ", ".join(f"{k} {v:,}" for k, v in setup["rows"].items())
    )
    print(
        f"  database    schema {result['schema']}: migrated in {setup['migrate_seconds']} s, "
        f"imported in {setup['import_seconds']} s (dropped at the end)"
        + (
            f"; {setup['duplicate_stakes_left_out']} stakes repeating another's holder, "
            "entity and valid_from left out"
            if setup["duplicate_stakes_left_out"]
            else ""
        )
    )
    print(
        f"  servers     uvicorn, {result['workers']} worker each, {result['uvicorn_stack']}, no "
        f"access log; load: {result['client']}, {result['connections']} connections, "
        f"{result['warmup']:g} s warm-up + {result['duration']:g} s measured"
    )
    buyers = next(iter(result["pools"].values()))["buyers"]
    total = sum(buyers.values())
    print(
        "  requests    buyers "
        + ", ".join(f"{k} {100 * v / total:.0f} %" for k, v in sorted(buyers.items()))
    )
    for name, primed in result["priming"].items():
        print(
            f"  priming     {name}: first request (register load) "
            f"{primed['first_request_seconds']} s; {primed['requests']} requests over "
            f"{primed['dates']} dates in {primed['seconds']} s"
        )
    print()
    header = (
        f"  {'run':<24}{'req/s':>8}{'vs bare':>9}{'p50 ms':>9}{'p90 ms':>9}"
        f"{'p99 ms':>10}{'max ms':>10}{'errors':>8}{'server CPU':>12}{'client CPU':>12}"
        f"{'load':>11}"
    )
    print(header)
    for run in result["runs"]:
        lat = run["latency_ms"]
        ratio = f"{100 * run['ratio_to_bare']:.0f} %" if "ratio_to_bare" in run else ""
        cpu = run["server_cpu_ms_per_request"]

        def ms(key: str, lat: dict[str, float] = lat) -> str:
            return f"{lat[key]:.1f}" if key in lat else "-"

        print(
            f"  {run['name']:<24}{run['requests_per_second']:>8,.0f}{ratio:>9}"
            f"{ms('p50'):>9}{ms('p90'):>9}{ms('p99'):>10}{ms('max'):>10}{run['errors']:>8}"
            f"{(f'{cpu:.2f} ms' if cpu is not None else '-'):>12}"
            f"{100 * run['client_cpu_seconds'] / run['seconds']:>10.0f} %"
            f"{run['load_average_1min'][0]:>6.1f}→{run['load_average_1min'][1]:<4.1f}"
        )
        for sample in run["error_samples"]:
            print(f"      first error: {sample}")
    print(
        "  (server CPU: the server process's CPU time per answered request; client CPU: "
        "the load generator's, in % of one core; load: 1-minute load average before → after)"
    )
    print()
    print(
        f"  targets     throughput ≥ {100 * TARGET_RATIO:.0f} % of the bare endpoint's, "
        f"p99 ≤ {TARGET_P99_MS:g} ms"
    )
    for run in result["runs"]:
        if "ratio_to_bare" in run:
            marks = {True: "met", False: "MISSED"}
            print(
                f"  {run['name']:<24}throughput {marks[run['throughput_met']]}, "
                f"p99 {marks[run['p99_met']]}"
            )
    rss = result["server_peak_rss_bytes"]
    print("  peak RSS    " + ", ".join(f"{k} {v / 1024**2:,.0f} MB" for k, v in rss.items()))
    for found in result.get("profiles", []):
        show_profile(found)


def show_profile(found: dict[str, Any]) -> None:
    print()
    if "error" in found:
        print(f"  profile     {found['error']}")
        return
    what = {
        "gil": "the thread holding the GIL (the server's Python CPU)",
        "threads": "every busy thread (waits on PostgreSQL and for the GIL included)",
    }[found["mode"]]
    print(
        f"  profile     py-spy of {what}: {found['samples']:,} samples, "
        f"{found['requests']:,} requests ({found['requests_per_second']:,.0f}/s)"
    )
    for stage in found["stages"]:
        ms = stage["ms_per_request"]
        print(
            f"    {100 * stage['share']:5.1f} %  {ms if ms is not None else 0:7.3f} ms/request  "
            f"{stage['stage']}"
        )
    print("    hottest frames:")
    for leaf in found["top_frames"][:8]:
        print(f"    {100 * leaf['share']:5.1f} %  {leaf['frame']}")


# --------------------------------------------------------------------------- main


def _terminated(number: int, _frame: Any) -> None:
    raise SystemExit(128 + number)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("INHOUSE_BENCH_DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL (default %(default)s)",
    )
    parser.add_argument(
        "--shape",
        choices=SHAPES,
        default=REALISTIC,
        help="the generated register: realistic (one giant component, stakes changing on "
        "most days; the default) or clusters (the older shape)",
    )
    for name in ("entities", "people", "sales"):
        default = getattr(DEFAULTS, name)
        parser.add_argument(
            f"--{name}", type=int, default=default, help=f"dataset size (default {default:,})"
        )
    parser.add_argument(
        "--stakes",
        type=int,
        help=f"dataset size (default {DEFAULTS.stakes:,}; {CLUSTERS_STAKES:,} for clusters)",
    )
    parser.add_argument("--seed", type=int, default=1, help="dataset and request order seed")
    parser.add_argument("--data-dir", type=Path, help="a dataset folder (default: generated)")
    parser.add_argument(
        "--scenarios",
        default="recent,range",
        help="inhouse scenarios to run, in order: recent, range",
    )
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds (3)")
    parser.add_argument("--connections", type=int, default=32, help="concurrency (32)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers per server (1)")
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk if installed (auto), or the asyncio one",
    )
    parser.add_argument(
        "--bare",
        choices=tuple(BARE_APPS),
        default="sync",
        help="the bare endpoint as def, like the real route (sync, the default), or async def",
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--timeout", type=float, default=60.0, help="request timeout, s (60)")
    parser.add_argument(
        "--profile",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="then sample the inhouse server with py-spy under the recent load, twice: "
        "the GIL's thread (CPU), then every busy thread",
    )
    parser.add_argument(
        "--keep-profile",
        type=Path,
        metavar="DIR",
        help="keep py-spy's raw samples (collapsed stacks) in this folder",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if not scenarios or any(s not in ("recent", "range") for s in scenarios):
        parser.error("--scenarios takes recent and/or range")
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
        if client == "python":
            print(
                "wrk not found (apt-get install wrk, or brew install wrk): using the asyncio "
                "client, which shares the CPUs with the servers",
                file=sys.stderr,
            )
    elif client == "wrk" and not shutil.which("wrk"):
        parser.error(
            "wrk not found: install it with `apt-get install wrk` (Debian/Ubuntu) "
            "or `brew install wrk`, or use --client python"
        )
    if args.profile and not py_spy():
        parser.error("--profile needs py-spy: pip install py-spy")

    def say(message: str) -> None:
        if not args.json:
            print(message, file=sys.stderr, flush=True)

    settings = LoadSettings(client, args.connections, args.threads, args.timeout)

    stakes = args.stakes
    if stakes is None:
        stakes = DEFAULTS.stakes if args.shape == REALISTIC else CLUSTERS_STAKES
    sizes = Sizes(args.entities, stakes, args.people, args.sales, args.shape)
    data = args.data_dir or default_dir(sizes, args.seed)
    if args.data_dir is None:
        say(f"dataset {data} …")
        generate(
            data,
            entities=sizes.entities,
            stakes=sizes.stakes,
            people=sizes.people,
            sales=sizes.sales,
            shape=sizes.shape,
            seed=args.seed,
            log=say,
        )
    pools = make_pools(data, args.seed)

    signal.signal(signal.SIGTERM, _terminated)
    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "command": " ".join(["python", "benchmarks/api_classify.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "data_dir": str(data),
        "shape": sizes.shape if args.data_dir is None else None,
        "client": client,
        "connections": args.connections,
        "workers": args.workers,
        "bare": args.bare,
        "uvicorn_stack": " + ".join(
            name if importlib.util.find_spec(name) else f"no {name}"
            for name in ("httptools", "uvloop")
        ),
        "warmup": args.warmup,
        "duration": args.duration,
        "pools": {
            name: {
                "requests": len(p.bodies),
                "dates": len(p.dates),
                "first": p.dates[0],
                "last": p.dates[-1],
                "buyers": p.buyers,
            }
            for name, p in pools.items()
        },
        "priming": {},
        "runs": [],
        "server_peak_rss_bytes": {},
    }
    servers: list[Server] = []
    tmp = Path(tempfile.mkdtemp(prefix="api-bench-"))
    from inhouse.db.engine import make_engine

    try:
        with bench_schema(args.database_url) as schema:
            result["schema"] = schema
            url = schema_url(args.database_url, schema)
            engine = make_engine(url)
            try:
                say(f"schema {schema}: migrating and importing {data.name} …")
                folder, dropped = importable_copy(data, tmp)
                setup = load_database(engine, folder)
                setup["duplicate_stakes_left_out"] = dropped
            finally:
                engine.dispose()
            token = setup.pop("token")
            result["setup"] = setup
            env = dict(
                os.environ,
                INHOUSE_DATABASE_URL=url,
                INHOUSE_SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
            )
            env.pop("INHOUSE_HOST", None)
            env.pop("INHOUSE_PORT", None)
            bare = start_server("bare", BARE_APPS[args.bare], args.workers, env, tmp)
            servers.append(bare)
            inhouse = start_server("inhouse", INHOUSE_APP, args.workers, env, tmp)
            servers.append(inhouse)
            check_bare(bare, pools["recent"], args.timeout)

            for scenario in scenarios:
                pool = pools[scenario]
                bodies = tmp / f"{scenario}.jsonl"
                bodies.write_text("\n".join(pool.bodies) + "\n", encoding="utf-8")
                say(f"bare endpoint: {args.warmup:g} s warm-up, {args.duration:g} s measured …")
                run_load(bare, bodies, "", args.warmup, 0, settings)
                bare_load = run_load(bare, bodies, "", args.duration, 0, settings)
                name = f"bare {'def' if args.bare == 'sync' else 'async def'} ({scenario})"
                result["runs"].append({"name": name, **bare_load.as_dict()})
                # the first request loads the register and sweeps its structure over
                # time (the server's start-up); ``range`` then asks on dates never primed
                primer = pool if scenario != "range" else replace(pool, bodies=pool.bodies[:1])
                say(f"inhouse {scenario}: priming …")
                result["priming"][scenario] = prime(inhouse, primer, token, args.timeout)
                say(f"inhouse {scenario}: {args.warmup:g} s warm-up, {args.duration:g} s …")
                warm = run_load(inhouse, bodies, token, args.warmup, 0, settings)
                load = run_load(inhouse, bodies, token, args.duration, warm.requests, settings)
                result["runs"].append(
                    {
                        "name": f"inhouse {scenario}",
                        **load.as_dict(),
                        **verdict(load, bare_load),
                        "warmup": {"requests": warm.requests, "errors": warm.errors},
                    }
                )
                if scenario == "recent" and args.profile:
                    result["profiles"] = []
                    for gil in (True, False):
                        say(f"inhouse recent: profiling for {args.profile:g} s …")
                        found = profile(inhouse, bodies, token, args.profile, settings, tmp,
                                        gil=gil)  # fmt: skip
                        if args.keep_profile and "raw" in found:
                            args.keep_profile.mkdir(parents=True, exist_ok=True)
                            kept = args.keep_profile / Path(found["raw"]).name
                            shutil.copyfile(found["raw"], kept)
                            found["raw"] = str(kept)
                        else:
                            found.pop("raw", None)  # in the temporary folder
                        result["profiles"].append(found)
            for server in servers:
                result["server_peak_rss_bytes"][server.name] = server.peak_rss()
            for server in servers:
                server.stop()
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_report(result)
    errors = sum(run["errors"] for run in result["runs"])
    missed = any(
        not (run["throughput_met"] and run["p99_met"])
        for run in result["runs"]
        if "ratio_to_bare" in run
    )
    return 1 if errors or (args.strict and missed) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the servers are stopped and the schema dropped by then
        print("interrupted", file=sys.stderr)
        sys.exit(130)
