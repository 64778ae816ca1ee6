"""Benchmark tickets written straight into ``tickets`` (and ``ticket_events``) with COPY.

Shared by ``parity.py`` (a million tickets with their events) and ``dashboard.py``
(100,000 tickets for the service parity chart). Each ticket gets a requester message,
an internal note, an agent reply, a wait for the customer, the customer's answer, a
second reply and its resolution (10 events); its SLA figures are computed by the care
domain (``services.figures_of``) from those events, as a write stores them, with the
calendars and policies already defined in the database. ``figures_of`` is pure, so it
is memoised on its only inputs: creation minute, event offsets, relation, priority.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine

TICKET_COLUMNS = (
    "id", "created_at", "requester_kind", "requester", "serving_entity", "relation",
    "internal", "relation_evidence", "channel", "priority", "subject", "status", "policy",
    "policy_pinned", "policy_evidence", "first_response_at", "first_response_minutes",
    "first_response_due", "resolved_at", "resolution_minutes", "resolution_due",
    "next_response_minutes", "breached",
)  # fmt: skip
EVENT_COLUMNS = ("ticket", "at", "kind", "status", "author", "public", "body", "written_by")
REPLY = (10, 30, 60, 120, 240, 480, 900)
PAUSE = (30, 120, 600, 1500)
WORK = (60, 240, 600, 1200, 2400)


@dataclass(frozen=True, slots=True)
class Party:
    """Who asks whom: a serving entity, a requester and how they are related."""

    serving: str
    requester: str
    requester_kind: str  # person, entity or account
    relation: str
    evidence: tuple[str, ...] = ()
    slow: bool = False  # answered four times later, resolved three times later


def events(ticket: str, created: datetime, offsets: tuple[int, ...], rows: bool = False
           ) -> list[Any]:  # fmt: skip
    """The ten events of a ticket: as ``ticket_events`` rows, or as ``figures_of`` reads them."""
    note, reply, pause, back, done = offsets
    at = [created + timedelta(minutes=m) for m in (0, note, reply, reply, reply + 5, pause,
                                                     pause, back, back + done, back + done + 4320)]  # fmt: skip
    spec = [
        ("article", None, "requester", True), ("article", None, "agent", False),
        ("status", "open", None, None), ("article", None, "agent", True),
        ("status", "pending_customer", None, None), ("article", None, "requester", True),
        ("status", "open", None, None), ("article", None, "agent", True),
        ("status", "resolved", None, None), ("status", "closed", None, None),
    ]  # fmt: skip
    if rows:
        return [(ticket, when, kind, status, author, public, None, "benchmark")
                for when, (kind, status, author, public) in zip(at, spec, strict=True)]  # fmt: skip
    return [{"at": when, "kind": kind, "status": status, "author": author, "public": public}
            for when, (kind, status, author, public) in zip(at, spec, strict=True)]  # fmt: skip


def write_tickets(
    engine: Engine,
    count: int,
    pick: Callable[[int, random.Random], Party],
    *,
    start: datetime,
    quarters: int,
    seed: int,
    with_events: bool = True,
    prefix: str = "B",
) -> dict[str, float]:
    """``count`` tickets ``{prefix}0000000``… created at ``start`` plus a random number of
    quarter hours below ``quarters``, the n-th asked by ``pick(n, rng)``; with their events
    unless ``with_events`` is false. Then ``ANALYZE``."""
    from inhouse.care.services import Rules, figures_of
    from inhouse.db.uow import UnitOfWork

    rng = random.Random(seed)
    with UnitOfWork(engine) as uow:
        rules = Rules.load(uow)

    @lru_cache(maxsize=200_000)
    def figures(created: datetime, offsets: tuple[int, ...], relation: str, priority: str
                ) -> dict[str, Any]:  # fmt: skip
        row = {"created_at": created, "relation": relation, "priority": priority}
        values, _report = figures_of(row, events("", created, offsets), rules)
        return values

    started = time.perf_counter()
    computing = 0.0
    raw = engine.raw_connection()
    try:
        connection: Any = raw.driver_connection
        chunk = 50_000
        for first in range(0, count, chunk):
            ticket_rows: list[tuple[Any, ...]] = []
            event_rows: list[tuple[Any, ...]] = []
            for n in range(first, min(first + chunk, count)):
                party = pick(n, rng)
                created = start + timedelta(minutes=15 * rng.randrange(quarters))
                reply = rng.choice(REPLY) * (4 if party.slow else 1)
                offsets = (reply // 2, reply, reply + rng.choice(PAUSE),
                           reply + 2 * rng.choice(PAUSE),
                           reply + rng.choice(WORK) * (3 if party.slow else 1))  # fmt: skip
                priority = rng.choices(("low", "normal", "high", "urgent"), (2, 6, 2, 1))[0]
                tick = time.perf_counter()
                values = figures(created, offsets, party.relation, priority)
                computing += time.perf_counter() - tick
                ticket_id = f"{prefix}{n:07d}"
                row = {
                    "id": ticket_id, "created_at": created, "requester_kind": party.requester_kind,
                    "requester": party.requester, "serving_entity": party.serving,
                    "relation": party.relation, "internal": party.relation != "external",
                    "relation_evidence": json.dumps(list(party.evidence)), "channel": "email",
                    "priority": priority, "subject": "Benchmark ticket", "policy_pinned": False,
                    **values, "policy_evidence": json.dumps(values["policy_evidence"]),
                }  # fmt: skip
                ticket_rows.append(tuple(row[c] for c in TICKET_COLUMNS))
                if with_events:
                    event_rows.extend(events(ticket_id, created, offsets, rows=True))
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY tickets ({', '.join(TICKET_COLUMNS)}) FROM STDIN") as copy:
                    for values_row in ticket_rows:
                        copy.write_row(values_row)
                if event_rows:
                    with cursor.copy(
                        f"COPY ticket_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
                    ) as copy:
                        for values_row in event_rows:
                            copy.write_row(values_row)
            connection.commit()
            done = min(first + chunk, count)
            print(f"  {done:,} tickets written ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr, flush=True)  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets")
            if with_events:
                cursor.execute("ANALYZE ticket_events")
        connection.commit()
    finally:
        raw.close()
    return {"generate_seconds": round(time.perf_counter() - started, 1),
            "figures_seconds": round(computing, 1),
            "figures_cache": figures.cache_info().hits}  # fmt: skip
